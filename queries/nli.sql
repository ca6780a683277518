--: NliResult(model_version?)

-- A row's `tenant_id` is its claim's and its evidence's (V8's and V12's
-- tenant-scoped foreign keys), so reads filter on it directly: on a database
-- distributed by tenant the statement is then routed to the tenant's shard.

--! insert_nli_result (model_version?) : NliResult
--- Stores one NLI prediction. Inserts nothing (returns no row) unless both the
--- claim and the evidence belong to the tenant. `tenant_id` is the claim's
--- (a database distributed by tenant routes the row by it).
INSERT INTO nli_results (tenant_id, claim_id, evidence_id, label, confidence, entailment_score,
                         contradiction_score, neutral_score, model_name, model_version,
                         premise_text, hypothesis_text)
SELECT c.tenant_id, c.id, e.id, :label::text, :confidence::float8, :entailment_score::float8,
       :contradiction_score::float8, :neutral_score::float8, :model_name::text,
       :model_version::text, :premise_text::text, :hypothesis_text::text
FROM claims c
JOIN evidence e ON e.id = :evidence_id AND e.tenant_id = :tenant_id
WHERE c.id = :claim_id AND c.tenant_id = :tenant_id
RETURNING id, claim_id, evidence_id, label, confidence, entailment_score, contradiction_score,
          neutral_score, model_name, model_version, premise_text, hypothesis_text, created_at;

--! insert_nli_results (model_versions[?]) : NliResult
--- Stores many NLI predictions in one statement (parallel arrays, one element
--- per row). Rows whose claim or evidence is not the tenant's are skipped; the
--- library compares the count and rolls the whole batch back then.
INSERT INTO nli_results (tenant_id, claim_id, evidence_id, label, confidence, entailment_score,
                         contradiction_score, neutral_score, model_name, model_version,
                         premise_text, hypothesis_text)
SELECT c.tenant_id, c.id, e.id, b.label, b.confidence, b.entailment_score, b.contradiction_score,
       b.neutral_score, b.model_name, b.model_version, b.premise_text, b.hypothesis_text
FROM UNNEST(:claim_ids::uuid[], :evidence_ids::uuid[], :labels::text[], :confidences::float8[],
            :entailment_scores::float8[], :contradiction_scores::float8[],
            :neutral_scores::float8[], :model_names::text[], :model_versions::text[],
            :premise_texts::text[], :hypothesis_texts::text[])
     WITH ORDINALITY AS b(claim_id, evidence_id, label, confidence, entailment_score,
                          contradiction_score, neutral_score, model_name, model_version,
                          premise_text, hypothesis_text, ord)
JOIN claims c ON c.id = b.claim_id AND c.tenant_id = :tenant_id
JOIN evidence e ON e.id = b.evidence_id AND e.tenant_id = :tenant_id
ORDER BY b.ord
RETURNING id, claim_id, evidence_id, label, confidence, entailment_score, contradiction_score,
          neutral_score, model_name, model_version, premise_text, hypothesis_text, created_at;

--! nli_results_for_claim : NliResult
--- A claim's NLI results, newest first.
SELECT n.id, n.claim_id, n.evidence_id, n.label, n.confidence, n.entailment_score,
       n.contradiction_score, n.neutral_score, n.model_name, n.model_version,
       n.premise_text, n.hypothesis_text, n.created_at
FROM nli_results n
WHERE n.tenant_id = :tenant_id AND n.claim_id = :claim_id
ORDER BY n.created_at DESC, n.id;

--! nli_results_for_pair : NliResult
--- The NLI results of one claim/evidence pair, newest first.
SELECT n.id, n.claim_id, n.evidence_id, n.label, n.confidence, n.entailment_score,
       n.contradiction_score, n.neutral_score, n.model_name, n.model_version,
       n.premise_text, n.hypothesis_text, n.created_at
FROM nli_results n
WHERE n.tenant_id = :tenant_id AND n.claim_id = :claim_id AND n.evidence_id = :evidence_id
ORDER BY n.created_at DESC, n.id;

--! nli_results_by_label : NliResult
--- The tenant's newest NLI results with a label.
SELECT n.id, n.claim_id, n.evidence_id, n.label, n.confidence, n.entailment_score,
       n.contradiction_score, n.neutral_score, n.model_name, n.model_version,
       n.premise_text, n.hypothesis_text, n.created_at
FROM nli_results n
WHERE n.tenant_id = :tenant_id AND n.label = :label
ORDER BY n.created_at DESC, n.id
LIMIT :limit;

--! tenant_nli_result_ids
--- Which of `ids` are NLI results of the tenant's claims (to name the bad
--- one when a verification result is refused).
SELECT n.id FROM nli_results n
WHERE n.tenant_id = :tenant_id AND n.id = ANY(:ids);

--: VerificationResult(reasoning?, nli_result_ids?, pipeline_version?, retrieval_method?)

--! insert_verification_result (reasoning?, nli_result_ids?, pipeline_version?, retrieval_method?) : VerificationResult
--- Stores the verdict of one verification run. Inserts nothing (returns no row)
--- unless the claim belongs to the tenant and every id of `nli_result_ids` is
--- an NLI result of the tenant's (checked in this statement). `tenant_id` is
--- the claim's; reads filter on it (V8's tenant-scoped foreign key keeps it
--- the claim's), so a database distributed by tenant routes them to one shard.
INSERT INTO verification_results (tenant_id, claim_id, verdict, confidence, support_score, refute_score,
    neutral_score, evidence_count, supporting_evidence_count, refuting_evidence_count,
    neutral_evidence_count, reasoning, nli_result_ids, pipeline_version, retrieval_method)
SELECT c.tenant_id, c.id, :verdict::text, :confidence::float8, :support_score::float8, :refute_score::float8,
       :neutral_score::float8, :evidence_count::int4, :supporting_evidence_count::int4,
       :refuting_evidence_count::int4, :neutral_evidence_count::int4, :reasoning::text,
       :nli_result_ids::uuid[], :pipeline_version::text, :retrieval_method::text
FROM claims c
WHERE c.id = :claim_id AND c.tenant_id = :tenant_id
  AND NOT EXISTS (SELECT FROM unnest(:nli_result_ids::uuid[]) AS x(id)
                  WHERE NOT EXISTS (SELECT FROM nli_results n
                                    WHERE n.tenant_id = :tenant_id AND n.id = x.id))
RETURNING id, claim_id, verdict, confidence, support_score, refute_score, neutral_score,
          evidence_count, supporting_evidence_count, refuting_evidence_count,
          neutral_evidence_count, reasoning, nli_result_ids, pipeline_version,
          retrieval_method, created_at, updated_at;

--! latest_verification_result : VerificationResult
--- The newest verification result of a claim.
SELECT v.id, v.claim_id, v.verdict, v.confidence, v.support_score, v.refute_score,
       v.neutral_score, v.evidence_count, v.supporting_evidence_count,
       v.refuting_evidence_count, v.neutral_evidence_count, v.reasoning, v.nli_result_ids,
       v.pipeline_version, v.retrieval_method, v.created_at, v.updated_at
FROM verification_results v
WHERE v.tenant_id = :tenant_id AND v.claim_id = :claim_id
ORDER BY v.created_at DESC, v.id DESC
LIMIT 1;

--! verification_history : VerificationResult
--- Every verification result of a claim, newest first.
SELECT v.id, v.claim_id, v.verdict, v.confidence, v.support_score, v.refute_score,
       v.neutral_score, v.evidence_count, v.supporting_evidence_count,
       v.refuting_evidence_count, v.neutral_evidence_count, v.reasoning, v.nli_result_ids,
       v.pipeline_version, v.retrieval_method, v.created_at, v.updated_at
FROM verification_results v
WHERE v.tenant_id = :tenant_id AND v.claim_id = :claim_id
ORDER BY v.created_at DESC, v.id DESC;

--! verification_results_by_verdict : VerificationResult
--- The tenant's results with a verdict, most confident first.
SELECT v.id, v.claim_id, v.verdict, v.confidence, v.support_score, v.refute_score,
       v.neutral_score, v.evidence_count, v.supporting_evidence_count,
       v.refuting_evidence_count, v.neutral_evidence_count, v.reasoning, v.nli_result_ids,
       v.pipeline_version, v.retrieval_method, v.created_at, v.updated_at
FROM verification_results v
WHERE v.tenant_id = :tenant_id AND v.verdict = :verdict
ORDER BY v.confidence DESC, v.id
LIMIT :limit;

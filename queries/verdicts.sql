-- Phase 1 verdicts and their evidence links. A verdict's `tenant_id` is its
-- claim's, a link's its verdict's and its evidence's (V8's and V12's
-- tenant-scoped foreign keys): statements filter on it, so that a database
-- distributed by tenant routes each to the tenant's shard.

--: Verdict(verdict?, confidence?, reasoning?)
--: VerdictEvidence(relationship?, confidence?, source_url?)

--! insert_verdict (verdict?, confidence?, reasoning?) : Verdict
--- Stores a Phase 1 verdict (NULL verdict: pending) for a claim of the tenant.
INSERT INTO verdicts (tenant_id, claim_id, verdict, confidence, reasoning)
SELECT c.tenant_id, c.id, :verdict::text, :confidence::float8, :reasoning::text
FROM claims c
WHERE c.id = :claim_id AND c.tenant_id = :tenant_id
RETURNING id, claim_id, verdict, confidence, reasoning, created_at, updated_at;

--! link_verdict_evidence (relationship?, confidence?)
--- Links evidence of the tenant to a verdict of the tenant: the tenant-scoped
--- foreign keys refuse (23503) a verdict or evidence that is missing or
--- another tenant's. VALUES, not INSERT … SELECT: Citus runs an INSERT …
--- SELECT over two tables through the coordinator by COPY, which row-level
--- security refuses.
INSERT INTO verdict_evidence (tenant_id, verdict_id, evidence_id, relationship, confidence)
VALUES (:tenant_id, :verdict_id, :evidence_id, :relationship::text, :confidence::float8);

--! latest_verdict : Verdict
--- The newest Phase 1 verdict of a claim.
SELECT v.id, v.claim_id, v.verdict, v.confidence, v.reasoning, v.created_at, v.updated_at
FROM verdicts v
WHERE v.tenant_id = :tenant_id AND v.claim_id = :claim_id
ORDER BY v.created_at DESC, v.id DESC
LIMIT 1;

--! verdict_evidence : VerdictEvidence
--- The evidence of a verdict with its relationship, most confident first.
SELECT ve.evidence_id, ve.relationship, ve.confidence, e.content, e.source_url
FROM verdict_evidence ve
JOIN evidence e ON e.id = ve.evidence_id AND e.tenant_id = :tenant_id
WHERE ve.tenant_id = :tenant_id AND ve.verdict_id = :verdict_id
ORDER BY ve.confidence DESC NULLS LAST, ve.evidence_id;

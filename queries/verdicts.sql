-- Phase 1 verdicts and their evidence links.

--: Verdict(verdict?, confidence?, reasoning?)
--: VerdictEvidence(relationship?, confidence?, source_url?)

--! insert_verdict (verdict?, confidence?, reasoning?) : Verdict
--- Stores a Phase 1 verdict (NULL verdict: pending) for a claim of the tenant.
INSERT INTO verdicts (claim_id, verdict, confidence, reasoning)
SELECT c.id, :verdict::text, :confidence::float8, :reasoning::text
FROM claims c
WHERE c.id = :claim_id AND c.tenant_id = :tenant_id
RETURNING id, claim_id, verdict, confidence, reasoning, created_at, updated_at;

--! link_verdict_evidence (relationship?, confidence?)
--- Links evidence of the tenant to a verdict of the tenant. Returns 0 or 1.
INSERT INTO verdict_evidence (verdict_id, evidence_id, relationship, confidence)
SELECT v.id, e.id, :relationship::text, :confidence::float8
FROM verdicts v
JOIN claims c ON c.id = v.claim_id AND c.tenant_id = :tenant_id
JOIN evidence e ON e.id = :evidence_id AND e.tenant_id = :tenant_id
WHERE v.id = :verdict_id;

--! latest_verdict : Verdict
--- The newest Phase 1 verdict of a claim.
SELECT v.id, v.claim_id, v.verdict, v.confidence, v.reasoning, v.created_at, v.updated_at
FROM verdicts v
JOIN claims c ON c.id = v.claim_id AND c.tenant_id = :tenant_id
WHERE v.claim_id = :claim_id
ORDER BY v.created_at DESC, v.id DESC
LIMIT 1;

--! verdict_evidence : VerdictEvidence
--- The evidence of a verdict with its relationship, most confident first.
SELECT ve.evidence_id, ve.relationship, ve.confidence, e.content, e.source_url
FROM verdict_evidence ve
JOIN verdicts v ON v.id = ve.verdict_id
JOIN claims c ON c.id = v.claim_id AND c.tenant_id = :tenant_id
JOIN evidence e ON e.id = ve.evidence_id
WHERE ve.verdict_id = :verdict_id
ORDER BY ve.confidence DESC NULLS LAST, ve.evidence_id;

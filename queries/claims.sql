--: Claim(source_url?)

--! insert_claim (source_url?) : Claim
--- Stores a claim for a tenant and returns it.
INSERT INTO claims (tenant_id, text, source_url)
VALUES (:tenant_id, :text, :source_url)
RETURNING id, tenant_id, text, source_url, submitted_at, created_at, updated_at;

--! get_claim : Claim
--- One claim of a tenant.
SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at
FROM claims
WHERE tenant_id = :tenant_id AND id = :id;

--! get_claims : Claim
--- The tenant's claims among `ids`, in the order of `ids`.
SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at
FROM claims
WHERE tenant_id = :tenant_id AND id = ANY(:ids)
ORDER BY array_position(:ids, id);

--! recent_claims : Claim
--- The tenant's newest claims: first page of keyset paging (newest first).
SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at
FROM claims
WHERE tenant_id = :tenant_id
ORDER BY created_at DESC, id DESC
LIMIT :limit;

--! recent_claims_before : Claim
--- The next page: claims older than the cursor (`created_at`, `id`) of the last row seen.
SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at
FROM claims
WHERE tenant_id = :tenant_id AND (created_at, id) < (:cursor_created_at, :cursor_id)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

--! delete_claim
--- Deletes a claim (its verdicts, NLI and verification results cascade). Returns 0 or 1.
DELETE FROM claims WHERE tenant_id = :tenant_id AND id = :id;

--! insert_claims (source_urls[?]) : Claim
--- Stores many claims for a tenant in one statement (parallel arrays, one
--- element per row; ids are chosen by the caller so rows can be matched to
--- the input) and returns them in input order.
INSERT INTO claims (id, tenant_id, text, source_url)
SELECT b.id, :tenant_id::text, b.text, b.source_url
FROM UNNEST(:ids::uuid[], :texts::text[], :source_urls::text[])
     WITH ORDINALITY AS b(id, text, source_url, ord)
ORDER BY b.ord
RETURNING id, tenant_id, text, source_url, submitted_at, created_at, updated_at;

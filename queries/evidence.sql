--: Evidence(source_url?, source_type?)

--! insert_evidence (source_url?, source_type?) : Evidence
--- Stores a piece of evidence for a tenant and returns it.
INSERT INTO evidence (tenant_id, content, source_url, source_type)
VALUES (:tenant_id, :content, :source_url, :source_type)
RETURNING id, tenant_id, content, source_url, source_type, created_at;

--! get_evidence : Evidence
--- One piece of evidence of a tenant.
SELECT id, tenant_id, content, source_url, source_type, created_at
FROM evidence
WHERE tenant_id = :tenant_id AND id = :id;

--! get_evidence_many : Evidence
--- The tenant's evidence among `ids`, in the order of `ids`.
SELECT id, tenant_id, content, source_url, source_type, created_at
FROM evidence
WHERE tenant_id = :tenant_id AND id = ANY(:ids)
ORDER BY array_position(:ids, id);

--! recent_evidence : Evidence
--- The tenant's newest evidence: first page of keyset paging (newest first).
SELECT id, tenant_id, content, source_url, source_type, created_at
FROM evidence
WHERE tenant_id = :tenant_id
ORDER BY created_at DESC, id DESC
LIMIT :limit;

--! recent_evidence_before : Evidence
--- The next page: evidence older than the cursor (`created_at`, `id`) of the last row seen.
SELECT id, tenant_id, content, source_url, source_type, created_at
FROM evidence
WHERE tenant_id = :tenant_id AND (created_at, id) < (:cursor_created_at, :cursor_id)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

--! delete_evidence
--- Deletes evidence (its NLI rows and verdict links cascade). Returns 0 or 1.
DELETE FROM evidence WHERE tenant_id = :tenant_id AND id = :id;

--! insert_evidence_batch (source_urls[?], source_types[?]) : Evidence
--- Stores many pieces of evidence for a tenant in one statement (parallel
--- arrays, one element per row; ids are chosen by the caller so rows can be
--- matched to the input) and returns them in input order.
INSERT INTO evidence (id, tenant_id, content, source_url, source_type)
SELECT b.id, :tenant_id::text, b.content, b.source_url, b.source_type
FROM UNNEST(:ids::uuid[], :contents::text[], :source_urls::text[], :source_types::text[])
     WITH ORDINALITY AS b(id, content, source_url, source_type, ord)
ORDER BY b.ord
RETURNING id, tenant_id, content, source_url, source_type, created_at;

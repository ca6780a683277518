-- Issue 16, design D: why LIST partitioning by tenant breaks the Python services' contract.
-- Run in a scratch database: psql -d scratch -f scripts/research/partitioning_contract.sql
CREATE TABLE p (id uuid DEFAULT gen_random_uuid(), tenant_id text NOT NULL, entity_type text, entity_id uuid, v int) PARTITION BY LIST (tenant_id);
CREATE TABLE p_a PARTITION OF p FOR VALUES IN ('a');
CREATE TABLE p_rest PARTITION OF p DEFAULT;
-- The seed's idx_embeddings_entity_unique: refused (must include tenant_id).
CREATE UNIQUE INDEX p_entity_unique ON p (entity_type, entity_id);
CREATE UNIQUE INDEX p_entity_unique2 ON p (entity_type, entity_id, tenant_id);
-- The Python services' upsert: refused (no arbiter index on exactly these columns).
INSERT INTO p (tenant_id, entity_type, entity_id, v) VALUES ('a','evidence','00000000-0000-0000-0000-000000000001',1)
    ON CONFLICT (entity_type, entity_id) DO UPDATE SET v = EXCLUDED.v;
-- With tenant_id in the target, one entity gets one row per tenant: "one embedding per entity" is lost.
INSERT INTO p (tenant_id, entity_type, entity_id, v) VALUES ('a','evidence','00000000-0000-0000-0000-000000000001',1)
    ON CONFLICT (entity_type, entity_id, tenant_id) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO p (tenant_id, entity_type, entity_id, v) VALUES ('b','evidence','00000000-0000-0000-0000-000000000001',1)
    ON CONFLICT (entity_type, entity_id, tenant_id) DO UPDATE SET v = EXCLUDED.v;
SELECT tenant_id, count(*) FROM p GROUP BY 1;
DROP TABLE p;

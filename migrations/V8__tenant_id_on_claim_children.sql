-- V8: `tenant_id` on the tables that had a tenant only through their claim
-- (nli_results, verification_results, verdicts) or their verdict
-- (verdict_evidence): the first step towards sharding by tenant
-- (docs/scaling.md), where every co-located table carries the distribution
-- column and every foreign key between them includes it.
--
-- * The Python services insert without tenant_id: a BEFORE INSERT trigger
--   fills it from the claim (verdict_evidence: from the verdict), so their
--   inserts work unchanged. A value given explicitly is kept, and must be
--   the parent's (the foreign keys below refuse anything else).
-- * The trigger runs as the owner (SECURITY DEFINER) so that it reads the
--   real parent: under row-level security the row then fails the policy
--   exactly as before V8 (42501), and a missing parent fails with the
--   foreign key's own SQLSTATE (23503) and name, as before V8.
-- * Foreign keys (claim_id, tenant_id) -> claims (id, tenant_id) (and
--   (verdict_id, tenant_id) -> verdicts) keep the copy true: ON UPDATE
--   CASCADE carries a claim's change of tenant to its rows. The single-column
--   foreign keys stay (their names are a contract); a Citus cutover drops
--   them (docs/scaling.md).
-- * Existing rows are backfilled from their claim; the updated_at triggers
--   are off during the backfill so no timestamp moves.

ALTER TABLE nli_results ADD COLUMN tenant_id VARCHAR(255);
ALTER TABLE verification_results ADD COLUMN tenant_id VARCHAR(255);
ALTER TABLE verdicts ADD COLUMN tenant_id VARCHAR(255);
ALTER TABLE verdict_evidence ADD COLUMN tenant_id VARCHAR(255);
COMMENT ON COLUMN nli_results.tenant_id IS 'Tenant of the claim (filled from it when omitted)';
COMMENT ON COLUMN verification_results.tenant_id IS 'Tenant of the claim (filled from it when omitted)';
COMMENT ON COLUMN verdicts.tenant_id IS 'Tenant of the claim (filled from it when omitted)';
COMMENT ON COLUMN verdict_evidence.tenant_id IS 'Tenant of the verdict (filled from it when omitted)';

ALTER TABLE verification_results DISABLE TRIGGER update_verification_results_updated_at;
ALTER TABLE verdicts DISABLE TRIGGER update_verdicts_updated_at;
UPDATE nli_results n SET tenant_id = c.tenant_id FROM claims c WHERE c.id = n.claim_id;
UPDATE verification_results r SET tenant_id = c.tenant_id FROM claims c WHERE c.id = r.claim_id;
UPDATE verdicts v SET tenant_id = c.tenant_id FROM claims c WHERE c.id = v.claim_id;
UPDATE verdict_evidence ve SET tenant_id = v.tenant_id FROM verdicts v WHERE v.id = ve.verdict_id;
ALTER TABLE verification_results ENABLE TRIGGER update_verification_results_updated_at;
ALTER TABLE verdicts ENABLE TRIGGER update_verdicts_updated_at;

ALTER TABLE nli_results ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE verification_results ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE verdicts ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE verdict_evidence ALTER COLUMN tenant_id SET NOT NULL;

ALTER TABLE claims ADD CONSTRAINT claims_id_tenant_id_key UNIQUE (id, tenant_id);
ALTER TABLE verdicts ADD CONSTRAINT verdicts_id_tenant_id_key UNIQUE (id, tenant_id);
ALTER TABLE nli_results ADD CONSTRAINT nli_results_claim_tenant_fkey
    FOREIGN KEY (claim_id, tenant_id) REFERENCES claims (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE verification_results ADD CONSTRAINT verification_results_claim_tenant_fkey
    FOREIGN KEY (claim_id, tenant_id) REFERENCES claims (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE verdicts ADD CONSTRAINT verdicts_claim_tenant_fkey
    FOREIGN KEY (claim_id, tenant_id) REFERENCES claims (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE verdict_evidence ADD CONSTRAINT verdict_evidence_verdict_tenant_fkey
    FOREIGN KEY (verdict_id, tenant_id) REFERENCES verdicts (id, tenant_id)
    ON DELETE CASCADE ON UPDATE CASCADE;

-- TG_ARGV[0]: the parent table (claims or verdicts); TG_ARGV[1]: the column
-- of NEW holding its id; TG_ARGV[2]: the single-column foreign key's name.
CREATE FUNCTION fill_tenant_from_parent() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parent_id uuid := CASE TG_ARGV[1] WHEN 'claim_id' THEN (to_jsonb(NEW) ->> 'claim_id')::uuid
                                      ELSE (to_jsonb(NEW) ->> 'verdict_id')::uuid END;
BEGIN
    IF NEW.tenant_id IS NOT NULL AND TG_OP = 'INSERT' THEN
        RETURN NEW;
    END IF;
    IF TG_ARGV[0] = 'claims' THEN
        SELECT tenant_id INTO NEW.tenant_id FROM claims WHERE id = parent_id;
    ELSE
        SELECT tenant_id INTO NEW.tenant_id FROM verdicts WHERE id = parent_id;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                TG_TABLE_NAME, TG_ARGV[2]
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[2],
                  TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[1],
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                  TG_ARGV[1], parent_id, TG_ARGV[0]);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION fill_tenant_from_parent() IS
    'Fills tenant_id from the row''s claim or verdict when an insert omits it, or when the claim or verdict changes';
REVOKE ALL ON FUNCTION fill_tenant_from_parent() FROM PUBLIC;

CREATE TRIGGER fill_nli_results_tenant
    BEFORE INSERT OR UPDATE OF claim_id ON nli_results
    FOR EACH ROW EXECUTE FUNCTION fill_tenant_from_parent('claims', 'claim_id', 'nli_results_claim_id_fkey');
CREATE TRIGGER fill_verification_results_tenant
    BEFORE INSERT OR UPDATE OF claim_id ON verification_results
    FOR EACH ROW EXECUTE FUNCTION fill_tenant_from_parent('claims', 'claim_id', 'verification_results_claim_id_fkey');
CREATE TRIGGER fill_verdicts_tenant
    BEFORE INSERT OR UPDATE OF claim_id ON verdicts
    FOR EACH ROW EXECUTE FUNCTION fill_tenant_from_parent('claims', 'claim_id', 'verdicts_claim_id_fkey');
CREATE TRIGGER fill_verdict_evidence_tenant
    BEFORE INSERT OR UPDATE OF verdict_id ON verdict_evidence
    FOR EACH ROW EXECUTE FUNCTION fill_tenant_from_parent('verdicts', 'verdict_id', 'verdict_evidence_verdict_id_fkey');

-- Per-tenant access paths, as claims and evidence have.
CREATE INDEX idx_nli_results_tenant_id ON nli_results (tenant_id);
CREATE INDEX idx_verification_results_tenant_id ON verification_results (tenant_id);
CREATE INDEX idx_verdicts_tenant_id ON verdicts (tenant_id);
CREATE INDEX idx_verdict_evidence_tenant_id ON verdict_evidence (tenant_id);

//! The Citus test cluster and `Database::distribute`: extensions, nodes,
//! distributed and reference tables, settings propagated to the workers.

use super::quote_literal;
use crate::catalog::quote_ident;

/// Loads Citus into the current database.
pub const CREATE_EXTENSION_CITUS: &str = "CREATE EXTENSION citus";

/// Loads pgvector into the current database.
pub const CREATE_EXTENSION_VECTOR: &str = "CREATE EXTENSION vector";

/// Tells Citus where the coordinator is (`127.0.0.1`, port `$1`).
pub const CITUS_SET_COORDINATOR: &str = "SELECT citus_set_coordinator_host('127.0.0.1', $1)";

/// Adds a worker at `127.0.0.1`, port `$1`.
pub const CITUS_ADD_NODE: &str = "SELECT citus_add_node('127.0.0.1', $1)";

// Citus (`truthgraph-db distribute`, `crate::db::distribute`; tenant calls on a
// coordinator, `crate::call`). Citus's catalog exists only where the
// extension is installed, so cornucopia cannot check these against the
// schema it generates from; and `SET LOCAL` takes no parameters.

/// Whether the current database has the Citus extension.
pub const CITUS_INSTALLED: &str =
    "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')";

/// The tables Citus manages in this database, each with `h` (hash-distributed)
/// or `n` (reference), by name.
pub const CITUS_TABLES: &str = "SELECT logicalrelid::regclass::text, partmethod::text \
     FROM pg_dist_partition ORDER BY 1";

/// The `SET LOCAL`s a tenant call on a Citus coordinator starts its
/// transaction with: `citus.propagate_set_commands = 'local'` first, so that
/// Citus sends the others to every worker the transaction reaches, then
/// `settings` (names and values from [`crate::settings`], numbers and fixed
/// words) and the tenant the row-level security policies read.
pub fn citus_set_local(tenant: Option<&str>, settings: &[(&str, String)]) -> String {
    let mut out = String::from("SET LOCAL citus.propagate_set_commands = 'local'");
    for (name, value) in settings {
        out.push_str(&format!("; SET LOCAL {name} = {}", quote_literal(value)));
    }
    if let Some(t) = tenant {
        out.push_str(&format!(
            "; SET LOCAL truthgraph.tenant_id = {}",
            quote_literal(t)
        ));
    }
    out
}

/// The distribution column of every tenant table.
pub const DISTRIBUTION_COLUMN: &str = "tenant_id";

/// What `distribute` changes before distributing, in one transaction: V12's
/// single-node bridges, which Citus refuses on a distributed table (the
/// single-column foreign keys and the UNIQUE (id) keys they need, the seed's
/// unique keys without tenant_id, V8's fill_*_tenant triggers: Citus routes
/// an INSERT by its tenant_id before any trigger runs), and the policies'
/// subquery (Citus refuses any subquery in a policy). `IF EXISTS`: a later
/// migration may have removed one already.
pub const DISTRIBUTE_PREPARE: [&str; 20] = [
    "SET LOCAL citus.enable_unsafe_triggers = on",
    // Co-located tables with foreign keys between them are created over one
    // connection per worker.
    "SET LOCAL citus.multi_shard_modify_mode = 'sequential'",
    "ALTER TABLE nli_results DROP CONSTRAINT IF EXISTS nli_results_claim_id_fkey, \
         DROP CONSTRAINT IF EXISTS nli_results_evidence_id_fkey",
    "ALTER TABLE verification_results DROP CONSTRAINT IF EXISTS verification_results_claim_id_fkey",
    "ALTER TABLE verdicts DROP CONSTRAINT IF EXISTS verdicts_claim_id_fkey",
    "ALTER TABLE verdict_evidence DROP CONSTRAINT IF EXISTS verdict_evidence_verdict_id_fkey, \
         DROP CONSTRAINT IF EXISTS verdict_evidence_evidence_id_fkey, \
         DROP CONSTRAINT IF EXISTS verdict_evidence_verdict_id_evidence_id_key",
    "ALTER TABLE claims DROP CONSTRAINT IF EXISTS claims_id_key",
    "ALTER TABLE evidence DROP CONSTRAINT IF EXISTS evidence_id_key",
    "ALTER TABLE verdicts DROP CONSTRAINT IF EXISTS verdicts_id_key",
    "DROP INDEX IF EXISTS idx_embeddings_entity_unique",
    "DROP TRIGGER IF EXISTS fill_nli_results_tenant ON nli_results",
    "DROP TRIGGER IF EXISTS fill_verification_results_tenant ON verification_results",
    "DROP TRIGGER IF EXISTS fill_verdicts_tenant ON verdicts",
    "DROP TRIGGER IF EXISTS fill_verdict_evidence_tenant ON verdict_evidence",
    // Replaced by V12's foreign keys (a later migration may have re-made them).
    "DROP TRIGGER IF EXISTS check_embeddings_entity ON embeddings",
    "DROP TRIGGER IF EXISTS check_embeddings_entity_update ON embeddings",
    "DROP TRIGGER IF EXISTS check_embeddings_entity_rls ON embeddings",
    "DROP TRIGGER IF EXISTS delete_claim_embeddings ON claims",
    "DROP TRIGGER IF EXISTS delete_evidence_embeddings ON evidence",
    // Run by the workers on each row: the same value in every row of a
    // statement, since a statement's setting cannot change while it runs.
    "DO $$ DECLARE t text; BEGIN \
         FOREACH t IN ARRAY ARRAY['claims', 'evidence', 'embeddings', 'nli_results', \
             'verification_results', 'verdicts', 'verdict_evidence'] LOOP \
             EXECUTE format('DROP POLICY %I ON %I', t || '_tenant_isolation', t); \
             EXECUTE format('CREATE POLICY %I ON %I TO truthgraph_app \
                 USING (tenant_id = truthgraph_tenant()) \
                 WITH CHECK (tenant_id = truthgraph_tenant())', t || '_tenant_isolation', t); \
         END LOOP; END $$",
];

/// Makes table `$1` a reference table (a copy on every node).
pub const CREATE_REFERENCE_TABLE: &str = "SELECT create_reference_table($1::text::regclass)";

/// Hash-distributes table `$1` by tenant_id into `$2` shards (NULL: Citus's
/// `citus.shard_count`), its own co-location group.
pub const CREATE_DISTRIBUTED_TABLE: &str =
    "SELECT create_distributed_table($1::text::regclass, 'tenant_id', shard_count => $2::int)";

/// Hash-distributes table `$1` by tenant_id co-located with table `$2`.
pub const CREATE_COLOCATED_TABLE: &str =
    "SELECT create_distributed_table($1::text::regclass, 'tenant_id', colocate_with => $2::text)";

/// Removes the coordinator's local copy of table `$1`'s rows once Citus has
/// copied them into the shards.
pub const TRUNCATE_LOCAL_DATA: &str =
    "SELECT truncate_local_data_after_distributing_table($1::text::regclass)";

/// Rows of table `$1` (built from a fixed table name; `count(*)`).
pub fn count_rows(table: &str) -> String {
    format!("SELECT count(*) FROM {}", quote_ident(table))
}

/// Whether table `$1` exists in the search path.
pub const TABLE_EXISTS: &str = "SELECT to_regclass($1) IS NOT NULL";

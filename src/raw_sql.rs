//! The SQL that cannot be a typed query in `queries/`, each with why.
//!
//! Everything else lives in `queries/*.sql`, where cornucopia checks it
//! against the schema and types it. What stays here:
//! - **DDL built from catalog names** (`DROP INDEX`, `REINDEX`, `ALTER … TYPE
//!   vector(N)`, `CREATE DATABASE`): identifiers and type modifiers cannot be
//!   bind parameters, so the statement text is built, from names read from the
//!   catalog or validated integers, always quoted with
//!   [`crate::catalog::quote_ident`].
//! - **Tier index DDL** (`CREATE INDEX CONCURRENTLY … WHERE tenant_id = '…'`):
//!   a partial index's predicate must be a constant, so the validated tenant
//!   id is written as a string literal by [`quote_literal`], never unquoted.
//! - **Settings queued ahead of a call** (the tenant, a tier's
//!   `hnsw.ef_search`): prepared before the caller's statement and pipelined
//!   with it (see `src/call.rs`).
//! - **`COPY … FROM STDIN (FORMAT binary)`**: a protocol sub-mode, not a
//!   query cornucopia can prepare.
//! - **refinery's history table**: created by refinery at run time, so it is
//!   not in the schema cornucopia generates against.
//! - **Session and lock statements** (`SET`, `LOCK TABLE`, `ANALYZE`): utility
//!   commands take no parameters.
//! - **Replication positions** (`pg_lsn`): cornucopia has no mapping for the
//!   type; tokio-postgres reads it as `PgLsn`.

use crate::catalog::quote_ident;

/// The history table refinery keeps (its default name, kept for tooling).
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// Reads the history table, oldest version first.
pub const SELECT_HISTORY: &str = "SELECT version, coalesce(name, ''), coalesce(checksum, '0'), \
     coalesce(applied_on, '') FROM refinery_schema_history ORDER BY version";

/// Deletes one version's history row (`$1`), in the transaction of its down script.
pub const DELETE_HISTORY_ROW: &str = "DELETE FROM refinery_schema_history WHERE version = $1";

/// Binary `COPY` of a bulk load straight into `embeddings`, for a login
/// row-level security does not apply to (PostgreSQL refuses `COPY FROM` into
/// a table whose policies apply to the user). The ids are given (UUIDv7, in
/// order), so no volatile default stops `COPY` from writing rows in batches.
pub const COPY_EMBEDDINGS: &str = "COPY embeddings (id, tenant_id, entity_type, entity_id, \
     embedding, model_name, model_version) FROM STDIN (FORMAT binary)";

/// Inserts the rows of a bulk load given as parallel arrays (`$2` ids, `$3`
/// entity types, `$4` entity ids, `$5` vectors, `$6` model names, `$7`
/// versions) for tenant `$1`; an entity that already has an embedding fails
/// the statement (unique violation). The path of logins under row-level
/// security, which may not `COPY` into `embeddings`.
pub const INSERT_EMBEDDINGS_ROWS: &str = "INSERT INTO embeddings \
     (id, tenant_id, entity_type, entity_id, embedding, model_name, model_version) \
     SELECT r.id, $1, r.entity_type, r.entity_id, r.embedding, r.model_name, r.model_version \
     FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::vector[], $6::text[], $7::text[]) \
     AS r(id, entity_type, entity_id, embedding, model_name, model_version)";

/// As [`INSERT_EMBEDDINGS_ROWS`], replacing existing embeddings as
/// `upsert_embedding` does one: on V12's key `(tenant_id, entity_type,
/// entity_id)`, which a distributed database keeps (the foreign keys
/// `embeddings_claim_fkey` / `embeddings_evidence_fkey` refuse a row whose
/// entity is not the tenant's; an existing row keeps its id).
pub const UPSERT_EMBEDDINGS_ROWS: &str = "INSERT INTO embeddings \
     (id, tenant_id, entity_type, entity_id, embedding, model_name, model_version) \
     SELECT r.id, $1, r.entity_type, r.entity_id, r.embedding, r.model_name, r.model_version \
     FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::vector[], $6::text[], $7::text[]) \
     AS r(id, entity_type, entity_id, embedding, model_name, model_version) \
     ON CONFLICT (tenant_id, entity_type, entity_id) DO UPDATE \
     SET embedding = EXCLUDED.embedding, \
     model_name = EXCLUDED.model_name, model_version = EXCLUDED.model_version";

/// The session's `work_mem` in bytes: a bulk load sizes its statements so
/// that the rows each one writes fit in it.
pub const WORK_MEM_BYTES: &str = "SELECT pg_size_bytes(current_setting('work_mem'))";

/// Rows per statement of [`insert_embeddings_values`] (6 parameters each,
/// far below the protocol's 65,535).
pub const VALUES_ROWS: usize = 1000;

/// `INSERT INTO embeddings … VALUES` of `rows` rows for tenant `$1`, each
/// row's `id, entity_type, entity_id, embedding, model_name, model_version`
/// as the next six parameters; `upsert` adds the `ON CONFLICT` of
/// [`UPSERT_EMBEDDINGS_ROWS`]. For a login under row-level security on a
/// Citus coordinator (`crate::records::bulk_rows`).
pub fn insert_embeddings_values(rows: usize, upsert: bool) -> String {
    let mut sql = String::from(
        "INSERT INTO embeddings \
         (id, tenant_id, entity_type, entity_id, embedding, model_name, model_version) VALUES ",
    );
    for i in 0..rows {
        let p = 2 + i * 6;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${p}, $1, ${}, ${}, ${}, ${}, ${})",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5
        ));
    }
    if upsert {
        sql.push_str(
            " ON CONFLICT (tenant_id, entity_type, entity_id) DO UPDATE \
             SET embedding = EXCLUDED.embedding, \
             model_name = EXCLUDED.model_name, model_version = EXCLUDED.model_version",
        );
    }
    sql
}

/// The server's WAL insert position (`pg_lsn`): past the commit record of
/// every write that has returned, even of asynchronous commits not yet flushed.
pub const WAL_INSERT_POSITION: &str = "SELECT pg_current_wal_insert_lsn()";

/// How far a standby has replayed (`pg_lsn`, NULL on a primary).
pub const REPLAY_POSITION: &str = "SELECT pg_last_wal_replay_lsn()";

/// A replica's state for the lag check: in recovery, replayed position, and
/// milliseconds since the last replayed commit was made on the primary.
pub const REPLICA_STATE: &str = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), \
     (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8";

/// Lifts `statement_timeout` until the end of the current transaction only
/// (an index rebuild inside a bulk load may take minutes); never leaks to the
/// next borrower of a pooled connection.
pub const NO_STATEMENT_TIMEOUT_LOCAL: &str = "SET LOCAL statement_timeout = 0";

/// Fresh planner statistics for `embeddings` after its indexes were rebuilt.
pub const ANALYZE_EMBEDDINGS: &str = "ANALYZE embeddings";

/// What a bulk load decides from (`records::bulk_plan::table_state`): the
/// estimated rows of `embeddings` (the planner's `reltuples`, or the live
/// rows the statistics collector counted when larger: both are cheap, and
/// `reltuples` lags a load until the next ANALYZE), whether it has a valid
/// HNSW index over every tenant (a tenant's own partial index is kept by
/// the tiers, not rebuilt by the load), and whether the login owns it (may drop and create indexes).
pub const EMBEDDINGS_LOAD_STATE: &str = "SELECT greatest(c.reltuples::bigint, \
     coalesce(s.n_live_tup, 0), 0), \
     EXISTS (SELECT FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_am am ON am.oid = ic.relam \
             WHERE i.indrelid = c.oid AND i.indisvalid AND am.amname = 'hnsw' \
               AND i.indpred IS NULL), \
     pg_has_role(c.relowner, 'USAGE') \
     FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
     WHERE c.oid = 'embeddings'::regclass";

/// Sets `max_parallel_maintenance_workers` to 0 (for the transaction when
/// `$1`, else the session) where the database's pgvector is older than
/// 0.8.2, whose parallel HNSW build has a buffer overflow (CVE-2026-3172,
/// 0.6.0 to 0.8.1): index builds the library runs are serial there. Does
/// nothing on 0.8.2 and later (the server's setting applies). `extversion`
/// is the extension's version in this database, which `ALTER EXTENSION vector
/// UPDATE` moves to the installed library's; before that it may understate
/// the library, so this errs towards serial builds.
pub const SERIAL_BUILDS_ON_VULNERABLE_PGVECTOR: &str = "SELECT set_config(\
     'max_parallel_maintenance_workers', '0', $1) FROM pg_extension \
     WHERE extname = 'vector' \
       AND string_to_array(split_part(extversion, '-', 1), '.')::int[] < ARRAY[0, 8, 2]";

/// Prepared (never run) to learn the `vector` type's OID, which differs per
/// database, for the binary COPY writer.
pub const VECTOR_TYPE_PROBE: &str = "SELECT $1::vector";

/// Lifts the pool's `statement_timeout` on a connection doing schema work
/// (the connection is retired afterwards).
pub const NO_STATEMENT_TIMEOUT: &str = "SET statement_timeout = 0";

/// Blocks writers of `embeddings` until the transaction ends.
pub const LOCK_EMBEDDINGS: &str = "LOCK TABLE embeddings IN ACCESS EXCLUSIVE MODE";

/// Fresh planner statistics for the tables a search reads.
pub const ANALYZE_SEARCH_TABLES: &str = "ANALYZE embeddings, evidence, claims";

/// `REINDEX INDEX name`: blocks writes to its table and scans of the index
/// until it is rebuilt.
pub fn reindex(name: &str) -> String {
    format!("REINDEX INDEX {}", quote_ident(name))
}

/// `DROP INDEX name`.
pub fn drop_index(name: &str) -> String {
    format!("DROP INDEX {}", quote_ident(name))
}

/// `REINDEX INDEX CONCURRENTLY name`: rebuilds while reads and writes go on.
pub fn reindex_concurrently(name: &str) -> String {
    format!("REINDEX INDEX CONCURRENTLY {}", quote_ident(name))
}

/// `ALTER TABLE embeddings ALTER COLUMN embedding TYPE vector(dimension)`.
pub fn alter_embedding_dimension(dimension: usize) -> String {
    format!("ALTER TABLE embeddings ALTER COLUMN embedding TYPE vector({dimension})")
}

/// `ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE …` for a
/// `pg_attribute.attstorage` code (`p`, `e`, `m`, `x`).
pub fn set_embedding_storage(attstorage: &str) -> String {
    let mode = match attstorage {
        "p" => "PLAIN",
        "e" => "EXTERNAL",
        "m" => "MAIN",
        _ => "EXTENDED",
    };
    format!("ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE {mode}")
}

/// Creates `schema` and puts it first on the search path of the current
/// transaction (adoption builds its reference schema there).
pub fn scratch_schema(schema: &str) -> String {
    let s = quote_ident(schema);
    format!("CREATE SCHEMA {s}; SET LOCAL search_path = {s}, public")
}

/// `CREATE DATABASE name TEMPLATE template`.
pub fn create_database(name: &str, template: &str) -> String {
    format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_ident(name),
        quote_ident(template)
    )
}

/// `DROP DATABASE IF EXISTS name WITH (FORCE)`.
pub fn drop_database(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
}

/// Makes `name` a template nobody connects to.
pub fn freeze_template(name: &str) -> String {
    format!(
        "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
        quote_ident(name)
    )
}

/// `DROP INDEX IF EXISTS name` (the leftover of a failed concurrent build).
pub fn drop_index_if_exists(name: &str) -> String {
    format!("DROP INDEX IF EXISTS {}", quote_ident(name))
}

/// `CREATE INDEX CONCURRENTLY name ON embeddings USING method (embedding
/// opclass) WITH (params)`; `method`, `opclass` and `params` come from the
/// catalog or from integers this library chose, never from callers.
pub fn create_vector_index_concurrently(
    name: &str,
    method: &str,
    opclass: &str,
    params: &str,
) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY {} ON embeddings USING {} (embedding {}) WITH ({params})",
        quote_ident(name),
        quote_ident(method),
        quote_ident(opclass)
    )
}

/// Replaces index `to` by index `from` (run inside one transaction).
pub fn swap_index(from: &str, to: &str) -> String {
    format!(
        "DROP INDEX {to_q}; ALTER INDEX {} RENAME TO {to_q}",
        quote_ident(from),
        to_q = quote_ident(to)
    )
}

/// Sets the tenant the row-level security policies read (`truthgraph_tenant()`,
/// migration V7): `$1` the tenant id, `$2` true for the current transaction
/// only, false for the session. Kept out of `queries/` because it must be
/// prepared before the caller's statement and then queued ahead of it on the
/// same connection (pipelined, no extra round trip), which the generated
/// functions, preparing lazily, cannot promise.
pub const SET_TENANT: &str = "SELECT set_config('truthgraph.tenant_id', $1, $2)";

/// Clears the session's tenant (simple protocol: queued at once, no prepare).
pub const RESET_TENANT: &str = "RESET truthgraph.tenant_id";

/// Sets the tenant (`$1`) and `hnsw.ef_search` (`$2`, text) for the session,
/// in one statement queued ahead of a search of a tenant whose index tier
/// wants another `ef_search` than the connection's ([`crate::tiers`]); reset
/// by [`RESET_TENANT_AND_EF_SEARCH`] when the connection goes back.
pub const SET_TENANT_AND_EF_SEARCH: &str = "SELECT set_config('truthgraph.tenant_id', $1, false), \
     set_config('hnsw.ef_search', $2, false)";

/// Sets `hnsw.ef_search` (`$1`, text) for the session, as
/// [`SET_TENANT_AND_EF_SEARCH`] for a login row-level security does not
/// apply to; reset by [`RESET_EF_SEARCH`].
pub const SET_EF_SEARCH: &str = "SELECT set_config('hnsw.ef_search', $1, false)";

/// Back to the connection's own `hnsw.ef_search` (its startup option).
pub const RESET_EF_SEARCH: &str = "RESET hnsw.ef_search";

/// [`RESET_TENANT`] and [`RESET_EF_SEARCH`] in one message.
pub const RESET_TENANT_AND_EF_SEARCH: &str = "RESET truthgraph.tenant_id; RESET hnsw.ef_search";

/// `EXPLAIN sql` (`EXPLAIN (ANALYZE) sql` with `analyze`): the plan of one
/// of the generated statements, with its parameters bound as when it runs.
pub fn explain(sql: &str, analyze: bool) -> String {
    if analyze {
        format!("EXPLAIN (ANALYZE) {sql}")
    } else {
        format!("EXPLAIN {sql}")
    }
}

/// `s` as an SQL string literal: `'…'` with `'` doubled; a string with a
/// backslash is written `E'…'` with each backslash doubled too, so it reads the same
/// whatever `standard_conforming_strings` says. For the tenant in a tier
/// index's predicate, which must be a constant (a parameter cannot be part of
/// DDL). Tenant ids are validated first ([`crate::validate::tenant`]: at most
/// 255 bytes, no NUL, which PostgreSQL text cannot hold anyway).
///
/// # Panics
/// On a NUL character (never a validated tenant id).
pub fn quote_literal(s: &str) -> String {
    assert!(!s.contains('\0'), "NUL in an SQL literal");
    let doubled = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", doubled.replace('\\', "\\\\"))
    } else {
        format!("'{doubled}'")
    }
}

/// `CREATE INDEX CONCURRENTLY name ON embeddings USING hnsw (embedding
/// vector_cosine_ops) WITH (m, ef_construction) WHERE tenant_id = '<tenant>'
/// AND entity_type = '<type>'`: the index of one tier ([`crate::tiers`]).
/// `name` is the library's own ([`crate::tiers::tier_index_name`]), quoted;
/// the tenant is a literal ([`quote_literal`]); `entity_type` one of the
/// stored texts.
pub fn create_tier_index_concurrently(
    name: &str,
    tenant: &str,
    entity_type: crate::EntityType,
) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY {} ON embeddings USING hnsw (embedding vector_cosine_ops) \
         WITH (m = {}, ef_construction = {}) WHERE tenant_id = {} AND entity_type = {}",
        quote_ident(name),
        crate::tiers::HNSW_M,
        crate::tiers::HNSW_EF_CONSTRUCTION,
        quote_literal(tenant),
        quote_literal(entity_type.as_str())
    )
}

/// `SET maintenance_work_mem = '<mb>MB'` on a schema connection before an
/// index build (the connection is retired afterwards).
pub fn set_maintenance_work_mem_mb(mb: u64) -> String {
    format!("SET maintenance_work_mem = '{mb}MB'")
}

/// Serial index builds on this connection: pgvector before 0.8.2 can
/// overflow in parallel HNSW builds (CVE-2026-3172).
pub const SERIAL_INDEX_BUILDS: &str = "SET max_parallel_maintenance_workers = 0";

/// `CREATE ROLE login LOGIN PASSWORD 'password' IN ROLE truthgraph_app`: a
/// login subject to the row-level security of migration V7 (the bench's
/// least-privilege service). `password` must be the library's own random
/// hex, never caller input: it is a literal.
///
/// # Panics
/// When `password` has a character other than an ASCII letter or digit.
pub fn create_app_login(login: &str, password: &str) -> String {
    // Quoted as a string literal below: letters, digits and `_` only.
    assert!(
        password
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    );
    format!(
        "CREATE ROLE {} LOGIN PASSWORD '{password}' IN ROLE truthgraph_app",
        quote_ident(login)
    )
}

/// `DROP ROLE IF EXISTS name`.
pub fn drop_role(name: &str) -> String {
    format!("DROP ROLE IF EXISTS {}", quote_ident(name))
}

/// `DROP INDEX CONCURRENTLY IF EXISTS name`: drops an index (a leftover of an
/// interrupted concurrent build) without blocking reads or writes of its
/// table; outside any transaction block.
pub fn drop_index_concurrently(name: &str) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote_ident(name))
}

// Test support (`crate::testing`, feature `testing`): template databases,
// the application login, a synchronous standby, the Citus test cluster.

/// Whether `$1` is a template database.
pub const TEMPLATE_EXISTS: &str = "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate";

/// Ends every other session connected to database `$1` (a template must be
/// unused to be cloned).
pub const TERMINATE_SESSIONS_OF: &str = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
     WHERE datname = $1 AND pid <> pg_backend_pid()";

/// `CREATE ROLE login … IN ROLE truthgraph_app`, doing nothing when the role
/// exists (roles are cluster-wide; another test process may have made it).
pub fn create_app_login_if_missing(login: &str, password: &str) -> String {
    format!(
        "DO $$ BEGIN {}; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        create_app_login(login, password)
    )
}

/// Makes database `name` commit synchronously whatever the server's setting
/// (a database setting outranks the command line).
pub fn synchronous_commit_on(name: &str) -> String {
    format!(
        "ALTER DATABASE {} SET synchronous_commit = on",
        quote_ident(name)
    )
}

/// Makes commits on this server wait for the standby whose
/// `application_name` is `name` (synchronous replication), from the next
/// configuration reload ([`RELOAD_CONF`]). `ALTER SYSTEM` takes no
/// parameters: the name is quoted as an identifier inside a string literal.
pub fn synchronous_standby_names(name: &str) -> String {
    format!(
        "ALTER SYSTEM SET synchronous_standby_names = '{}'",
        quote_ident(name).replace('\'', "''")
    )
}

/// Commits stop waiting for standbys (asynchronous replication), from the
/// next configuration reload.
pub const NO_SYNCHRONOUS_STANDBY: &str = "ALTER SYSTEM RESET synchronous_standby_names";

/// Re-reads the server's configuration files (after `ALTER SYSTEM`).
pub const RELOAD_CONF: &str = "SELECT pg_reload_conf()";

/// The standbys streaming from this server: `application_name` and
/// `sync_state`.
pub const STANDBY_STATES: &str =
    "SELECT application_name::text, sync_state::text FROM pg_stat_replication";

/// Promotes this standby to a primary and waits (up to 60 s) until it
/// accepts writes; true once promoted.
pub const PROMOTE: &str = "SELECT pg_promote(true, 60)";

/// Terminates up to `$2` random client backends of database `$1` (other
/// than this session's); returns how many (`bench load --chaos`).
pub const TERMINATE_RANDOM_BACKENDS: &str = "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) \
     FROM (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' \
     AND pid <> pg_backend_pid() ORDER BY random() LIMIT $2) s";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_quote_every_character_they_must() {
        assert_eq!(quote_literal("acme"), "'acme'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"a\b'c"), r"E'a\\b''c'");
        assert_eq!(quote_literal("é ü"), "'é ü'");
        let ddl = create_tier_index_concurrently("idx_x", "o'neil", crate::EntityType::Claim);
        assert!(
            ddl.ends_with("WHERE tenant_id = 'o''neil' AND entity_type = 'claim'"),
            "{ddl}"
        );
    }
}

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
//! - **A tier's search statements**: the typed search with the tenant
//!   written into its scan as a literal (a plan made without the
//!   parameters' values can then use the tier's partial index; only for a
//!   tenant that has a tier, whose id is already written the same way into
//!   its index's predicate, by [`quote_literal`], and the parameter stays
//!   beside it), and a
//!   quantized tier's index and searches on
//!   `binary_quantize(embedding)::bit(N)` (the dimension is a type modifier
//!   in the index expression, which a query must repeat to use the index).
//! - **Settings queued ahead of a call** (the tenant, a tier's
//!   `hnsw.ef_search` and `plan_cache_mode`): prepared before the caller's statement and pipelined
//!   with it (see `src/call/mod.rs`).
//! - **`COPY … FROM STDIN (FORMAT binary)`**: a protocol sub-mode, not a
//!   query cornucopia can prepare.
//! - **refinery's history table**: created by refinery at run time, so it is
//!   not in the schema cornucopia generates against.
//! - **Session and lock statements** (`SET`, `LOCK TABLE`, `ANALYZE`): utility
//!   commands take no parameters.
//! - **Replication positions** (`pg_lsn`): cornucopia has no mapping for the
//!   type; tokio-postgres reads it as `PgLsn`.
//!
//! By concern: this file (migration history, bulk loads, replication
//! positions, session statements, the settings queued ahead of a call),
//! `ddl.rs` (statements built from catalog names and validated literals),
//! `tier.rs` (a tier's search statements, a quantized tier's index),
//! `testing.rs` (test support, replication control, chaos) and `citus.rs`
//! (the Citus test cluster and `distribute`). Every item is re-exported here,
//! so a statement is always `raw_sql::NAME`.

mod citus;
mod ddl;
mod testing;
mod tier;

pub use citus::*;
pub use ddl::*;
pub use testing::*;
pub use tier::*;

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
/// every write that has returned, even of asynchronous commits not yet
/// flushed. When the last record ended exactly at the end of a WAL page,
/// `pg_current_wal_insert_lsn()` points past the next page's header (24
/// bytes; 40 at the start of a segment), a position no standby's replay
/// reaches until the server writes again (replay stops at the page's
/// start, the end of that record): it is moved back to the page's start.
/// No record ends inside a page header or just after one, so the position
/// moved back is still past every record written.
pub const WAL_INSERT_POSITION: &str = "SELECT p - CASE \
     WHEN (p - '0/0') % pg_size_bytes(current_setting('wal_segment_size')) = 40 THEN 40 \
     WHEN (p - '0/0') % current_setting('wal_block_size')::bigint = 24 THEN 24 \
     ELSE 0 END FROM pg_current_wal_insert_lsn() AS p";

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

/// Fresh planner statistics for `embeddings`: after its indexes were
/// rebuilt, and before a tier's index is measured. A tenant the statistics
/// predate (its first load) is estimated at a handful of rows, for which
/// the planner reads them through `idx_embeddings_tenant_type` and sorts
/// rather than walk the tier's new index: the measurement, which checks
/// its statement plans that index, was then skipped, and the tier built
/// as the unmeasured full-vector graph (a 1,100-row tenant loaded after
/// an `ANALYZE` that saw only another: test `quantized::a_new_tenant_*`).
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

/// Blocks writers of `embeddings` until the transaction ends.
pub const LOCK_EMBEDDINGS: &str = "LOCK TABLE embeddings IN ACCESS EXCLUSIVE MODE";

/// Fresh planner statistics for the tables a search reads.
pub const ANALYZE_SEARCH_TABLES: &str = "ANALYZE embeddings, evidence, claims";

/// Sets the tenant the row-level security policies read (`truthgraph_tenant()`,
/// migration V7): `$1` the tenant id, `$2` true for the current transaction
/// only, false for the session. Kept out of `queries/` because it must be
/// prepared before the caller's statement and then queued ahead of it on the
/// same connection (pipelined, no extra round trip), which the generated
/// functions, preparing lazily, cannot promise.
pub const SET_TENANT: &str = "SELECT set_config('truthgraph.tenant_id', $1, $2)";

/// Clears the session's tenant (simple protocol: queued at once, no prepare).
pub const RESET_TENANT: &str = "RESET truthgraph.tenant_id";

/// Sets the tenant (`$1`), `hnsw.ef_search` (`$2`, text),
/// `plan_cache_mode` (`$3`) and `hnsw.iterative_scan` (`$4`; NULL keeps the
/// connection's value) for the session, in one statement queued ahead of a
/// search of a tenant's own index ([`crate::tiers`]) that wants another
/// `ef_search` than the connection's, runs a statement planned once per
/// connection (`force_generic_plan`) or needs one pass of its index only
/// (`iterative_scan = off`); reset by [`RESET_TENANT_AND_SEARCH`] when the
/// connection goes back.
pub const SET_TENANT_AND_SEARCH: &str = "SELECT set_config('truthgraph.tenant_id', $1, false), \
     set_config('hnsw.ef_search', $2, false), \
     set_config('plan_cache_mode', coalesce($3, current_setting('plan_cache_mode')), false), \
     set_config('hnsw.iterative_scan', coalesce($4, current_setting('hnsw.iterative_scan')), false)";

/// Sets `hnsw.ef_search` (`$1`, text), `plan_cache_mode` (`$2`) and
/// `hnsw.iterative_scan` (`$3`) for the session, as
/// [`SET_TENANT_AND_SEARCH`] for a login row-level security does not apply
/// to; reset by [`RESET_SEARCH`].
pub const SET_SEARCH: &str = "SELECT set_config('hnsw.ef_search', $1, false), \
     set_config('plan_cache_mode', coalesce($2, current_setting('plan_cache_mode')), false), \
     set_config('hnsw.iterative_scan', coalesce($3, current_setting('hnsw.iterative_scan')), false)";

/// Back to the connection's own `hnsw.ef_search`, `plan_cache_mode` and
/// `hnsw.iterative_scan` (its startup options).
pub const RESET_SEARCH: &str =
    "RESET hnsw.ef_search; RESET plan_cache_mode; RESET hnsw.iterative_scan";

/// [`RESET_TENANT`] and [`RESET_SEARCH`] in one message.
pub const RESET_TENANT_AND_SEARCH: &str = "RESET truthgraph.tenant_id; RESET hnsw.ef_search; \
     RESET plan_cache_mode; RESET hnsw.iterative_scan";

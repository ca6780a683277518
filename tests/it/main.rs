//! The integration tests: one binary, so one PostgreSQL server and one
//! migrated template database per run; every test gets its own database
//! cloned from the template (`truthgraph_db::testing`).
//!
//! One module per query family (as `queries/<family>.sql` and
//! `src/records/<family>.rs`), then search, the schema contract, migrations,
//! the `Database` handle, and the embedded server's faults. The tests that
//! run the `truthgraph-db` binary are the CLI crate's (`cli/tests/it/`).

mod cancel;
#[cfg(feature = "citus")]
mod citus;
mod claims;
mod concurrent_ddl;
mod database;
mod embedded;
mod embeddings;
mod evidence;
mod failover;
mod failover_reads;
mod hamming_lists;
mod hybrid;
mod ingest;
mod inputs;
mod maintenance;
mod migrations;
mod nli;
mod properties;
mod quantized;
mod replicas;
mod scaling;
mod schema;
mod search;
mod shared_memory;
mod support;
mod telemetry;
mod tenancy;
mod tier_deletes;
mod tier_ef;
mod tier_growth;
mod tier_statements;
mod tiers;
mod tiers_migration;
mod tune;
mod verdicts;
mod verification;

//! The `truthgraph-db` binary's integration tests: one test binary, so one
//! PostgreSQL server and one migrated template database per run; every test
//! gets its own database cloned from the template (`truthgraph_db::testing`)
//! and runs the binary against it as a separate process.

mod bench;
mod chaos;
mod concurrent_ddl;
mod demo;
mod embedded;
mod errors;
mod load;
mod maintenance;
mod migrate;
mod replication;
mod run;
mod tiers;
// The library's test helpers (vectors, versions, interrupted builds), shared
// rather than copied, as benches/ingest.rs shares them.
#[path = "../../../tests/it/support/mod.rs"]
mod support;

//! TruthGraph DB: the database layer of a claim-verification system.
//!
//! Claims and evidence are stored and embedded as vectors in PostgreSQL with
//! pgvector; similarity search finds the evidence for a claim; NLI results and
//! verdicts are stored beside them. Queries are plain SQL in `queries/`,
//! turned into typed Rust by cornucopia ([`queries`]); this crate adds the
//! connection pool, migrations, validation and the tuned search around them.
//!
//! ```no_run
//! use truthgraph_db::pgvector::Vector;
//! use truthgraph_db::{Config, Database, EntityType, HybridOptions, SearchOptions};
//!
//! #[tokio::main]
//! async fn main() -> truthgraph_db::Result<()> {
//!     let db = Database::open(&Config::from_env()?).await?; // DATABASE_URL, or an embedded server
//!     db.migrate(None).await?;
//!     let dim = db.embedding_dimension().await?; // 1536 unless switched (set-dimension)
//!
//!     let acme = db.tenant("acme")?; // every call below sees only acme's rows
//!     let ev = acme.insert_evidence("At 1 atm water boils at 100 °C.", None, Some("textbook")).await?;
//!     let v = Vector::from(vec![0.1; dim]); // your encoder's embedding of the text
//!     acme.upsert_embedding(EntityType::Evidence, ev.id, &v, "text-embedding-3-small", None).await?;
//!
//!     for hit in acme.search_evidence(&v, &SearchOptions::top(5)).await? {
//!         println!("{:.3} {}", hit.similarity, hit.content);
//!     }
//!     let fused = acme.hybrid_search("boiling point of water", &v, &HybridOptions::default()).await?;
//!     println!("hybrid: {} hits, best {:?}", fused.len(), fused.first().map(|h| &h.content));
//!     Ok(())
//! }
//! ```
//!
//! Where things are: [`config`] (environment), [`db`] (pool, transactions,
//! schema commands), [`tenant`] (the tenant-scoped handle), [`records`] (one
//! module per query family: claims, evidence, embeddings, NLI, verification,
//! verdicts), [`search`], [`maintenance`], [`tune`] (measure and store the
//! index settings), [`validate`] (every input check),
//! [`labels`] (the stored enums), [`settings`] (what each connection starts
//! with), [`migrate`], [`catalog`] (what the database
//! says about itself), [`raw_sql`] (the SQL that is not in `queries/`),
//! [`error`], [`telemetry`] (the `tracing` spans of every call, slow-call
//! warnings), [`health`] (pool metrics, readiness); `testing` (feature
//! `testing`) gives each test a fresh database.
//!
//! A service gets spans for every call through its own `tracing`
//! subscriber (the library installs none), [`Database::pool_status`] and
//! [`Database::health`] for metrics and readiness, and
//! [`Database::close_with_deadline`] for a graceful shutdown.

mod call;
pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod index_build;
pub mod labels;
pub mod maintenance;
pub mod migrate;
mod pool;
pub mod raw_sql;
pub mod records;
pub mod replica;
pub mod search;
pub mod settings;
pub mod telemetry;
pub mod tenant;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "testing")]
pub mod testing_citus;
pub mod tiers;
pub mod tune;
pub mod validate;

/// The generated crate's client traits (`GenericClient`, `Params`).
pub use truthgraph_queries::client;
/// The generated, typed query functions (one module per `queries/*.sql`).
pub use truthgraph_queries::queries;
/// The SQL text of every generated query, as its function prepares it.
pub use truthgraph_queries::sql;

pub use config::Config;
pub use db::distribute::{DistributeOptions, DistributeReport};
pub use db::{Client, CloseReport, Database, Transaction};
pub use error::{Error, Result};
pub use health::{Health, MigrationsHealth, PoolStatus, ReplicationHealth, StandbyHealth};
pub use labels::{EntityType, NliLabel, Relationship, RetrievalMethod, VerdictLabel};
pub use records::bulk_load::{BulkLoadOptions, OnConflict};
pub use records::bulk_plan::{BulkLoadReport, IndexMaintenance};
pub use records::claims::NewClaim;
pub use records::embeddings::NewEmbedding;
pub use records::evidence::NewEvidence;
pub use records::nli::NewNliResult;
pub use records::verification::NewVerificationResult;
pub use replica::WalToken;
pub use search::{HybridOptions, SearchOptions};
pub use tenant::Tenant;

/// Re-export of the `pgvector` crate, whose `Vector` the API takes.
pub use pgvector;
/// Re-export of the embedded server crate (feature `embedded`).
#[cfg(feature = "embedded")]
pub use truthgraph_pg_embed as embedded;

/// README.md's code blocks, compiled as doc tests: its library example must
/// build, not only the copy above.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    /// The 20-line example is in two places, the crate docs above and
    /// README.md: they must say the same, line for line.
    #[test]
    fn readme_example_is_the_crate_docs_example() {
        let crate_docs: Vec<&str> = include_str!("lib.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let example = |lines: &[&str]| -> Vec<String> {
            let start = lines
                .iter()
                .position(|l| l.starts_with("```") && l.contains("no_run"))
                .expect("an example marked no_run");
            lines[start + 1..]
                .iter()
                .take_while(|l| !l.starts_with("```"))
                .map(|l| l.to_string())
                .collect()
        };
        let readme: Vec<&str> = include_str!("../README.md").lines().collect();
        assert_eq!(
            example(&readme),
            example(&crate_docs),
            "README.md's library example differs from the one in src/lib.rs"
        );
    }
}

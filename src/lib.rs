//! TruthGraph DB: the database layer of a claim-verification system.
//!
//! Claims and evidence are stored and embedded as vectors in PostgreSQL with
//! pgvector; similarity search finds the evidence for a claim; NLI results and
//! verdicts are stored beside them. Queries are plain SQL in `queries/`,
//! turned into typed Rust by cornucopia ([`queries`]); this crate adds the
//! connection pool, migrations, validation and the tuned search around them.
//!
//! ```no_run
//! use truthgraph_db::{Config, Database, EntityType, SearchOptions};
//! use pgvector::Vector;
//!
//! # async fn demo() -> truthgraph_db::Result<()> {
//! let db = Database::open(&Config::from_env()?).await?; // DATABASE_URL, or an embedded server
//! db.migrate(None).await?;
//! let dim = db.embedding_dimension().await?;            // 1536 unless switched
//!
//! let claim = db.insert_claim("acme", "Water boils at 100 °C at sea level", None).await?;
//! let ev = db.insert_evidence("acme", "At 1 atm water boils at 100 °C.", None, Some("textbook")).await?;
//! let v = Vector::from(vec![0.1; dim]);
//! db.upsert_embedding("acme", EntityType::Evidence, ev.id, &v, "text-embedding-3-small", None).await?;
//!
//! let hits = db.search_evidence("acme", &v, &SearchOptions::top(5)).await?;
//! for h in hits {
//!     println!("{:.3} {}", h.similarity, h.content);
//! }
//! # let _ = claim;
//! # Ok(()) }
//! ```
//!
//! Layout: [`config`] (environment), [`db`] (pool, transactions), [`migrate`]
//! (refinery + lock, rollback, adoption, dimension), [`server`] (embedded
//! PostgreSQL), [`vector`] (validation), [`records`] (typed writes and reads),
//! [`search`] (tuned, exact and hybrid search), [`ingest`] (binary COPY),
//! [`maintenance`], [`testing`] (a database per test).

pub mod config;
pub mod db;
pub mod error;
pub mod ingest;
pub mod maintenance;
pub mod migrate;
pub mod records;
pub mod search;
pub mod server;
pub mod testing;
pub mod vector;

/// The generated crate's client traits (`GenericClient`, `Params`).
pub use truthgraph_queries::client;
/// The generated, typed query functions (one module per `queries/*.sql`).
pub use truthgraph_queries::queries;

pub use config::Config;
pub use db::{Client, Database, Transaction};
pub use error::{Error, Result};
pub use ingest::NewEmbedding;
pub use records::{
    EntityType, NewNliResult, NewVerificationResult, NliLabel, Relationship, RetrievalMethod,
    VerdictLabel,
};
pub use search::{HybridOptions, SearchOptions};

/// Re-export of the `pgvector` crate, whose `Vector` the API takes.
pub use pgvector;

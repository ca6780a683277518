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
//! let acme = db.tenant("acme")?;                         // every call below sees only acme's rows
//! let claim = acme.insert_claim("Water boils at 100 °C at sea level", None).await?;
//! let ev = acme.insert_evidence("At 1 atm water boils at 100 °C.", None, Some("textbook")).await?;
//! let v = Vector::from(vec![0.1; dim]);
//! acme.upsert_embedding(EntityType::Evidence, ev.id, &v, "text-embedding-3-small", None).await?;
//!
//! for hit in acme.search_evidence(&v, &SearchOptions::top(5)).await? {
//!     println!("{:.3} {}", hit.similarity, hit.content);
//! }
//! # let _ = claim;
//! # Ok(()) }
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

pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
pub mod labels;
pub mod maintenance;
pub mod migrate;
pub mod raw_sql;
pub mod records;
pub mod search;
pub mod settings;
pub mod telemetry;
pub mod tenant;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tune;
pub mod validate;

/// The generated crate's client traits (`GenericClient`, `Params`).
pub use truthgraph_queries::client;
/// The generated, typed query functions (one module per `queries/*.sql`).
pub use truthgraph_queries::queries;
/// The SQL text of every generated query, as its function prepares it.
pub use truthgraph_queries::sql;

pub use config::Config;
pub use db::{Client, CloseReport, Database, Transaction};
pub use error::{Error, Result};
pub use health::{Health, MigrationsHealth, PoolStatus};
pub use labels::{EntityType, NliLabel, Relationship, RetrievalMethod, VerdictLabel};
pub use records::claims::NewClaim;
pub use records::embeddings::{BulkLoadOptions, NewEmbedding, OnConflict};
pub use records::evidence::NewEvidence;
pub use records::nli::NewNliResult;
pub use records::verification::NewVerificationResult;
pub use search::{HybridOptions, SearchOptions};
pub use tenant::Tenant;

/// Re-export of the `pgvector` crate, whose `Vector` the API takes.
pub use pgvector;
/// Re-export of the embedded server crate (feature `embedded`).
#[cfg(feature = "embedded")]
pub use truthgraph_pg_embed as embedded;

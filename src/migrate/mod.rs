//! Schema migrations: refinery applies `migrations/V{n}__{name}.sql`; this
//! module adds what refinery lacks. Each concern has its file:
//!
//! - [`history`]: the migrations this build embeds, the history table, and the
//!   one comparison between them (applied, pending, divergent, missing);
//! - [`lock`]: the session advisory lock every migrator takes, so concurrent
//!   migrators run one after the other and the second finds nothing to do;
//! - [`run`]: migrate forward, roll back (down script + history row in one
//!   transaction), stamp (record without running, for adoption);
//! - [`script`]: the same as offline SQL, without a connection;
//! - [`status`], [`adopt`](mod@adopt) (Python-created databases) and [`dimension`]
//!   (switching the embedding width).
//!
//! Everything here works on a `tokio_postgres::Client`; [`crate::Database`]
//! calls in with a dedicated connection (see `Database::migrate`).

pub mod adopt;
pub mod dimension;
pub mod history;
pub mod lock;
pub mod run;
pub mod script;
pub mod status;

pub use adopt::{Adoption, adopt};
pub use dimension::set_dimension;
pub use history::{
    AppliedMigration, EmbeddedMigration, VersionState, applied_migrations, embedded_migrations,
    latest_version,
};
pub use lock::LOCK_KEY;
pub use run::{migrate, rollback};
pub use script::{migrate_script, rollback_script};
pub use status::SchemaStatus;

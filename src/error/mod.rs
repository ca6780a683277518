//! The library's error type and the SQLSTATE → variant mapping.

use tokio_postgres::error::SqlState;

mod sqlstate;

pub(crate) use sqlstate::{
    catalog_changed, connection_lost, ddl_error, insufficient_privilege, never_ran,
    replica_trouble, undefined_table,
};

/// Everything that can go wrong in this library.
///
/// Match on the variant to decide what to do; [`Error::code`] gives the
/// SQLSTATE when PostgreSQL raised the error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value was rejected: by validation before anything was sent, or by the
    /// database (SQLSTATE 23514 check violation, 23502 not-null violation,
    /// 22xxx data exceptions). `field` names the parameter, column or
    /// constraint; nothing was written.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The parameter, column or constraint that rejected the value.
        field: String,
        /// Why it was rejected.
        reason: String,
        /// The CHECK or NOT NULL constraint that rejected it, when the database did.
        constraint: Option<String>,
    },
    /// A unique constraint was violated (SQLSTATE 23505).
    #[error("conflict on {constraint}: {message}")]
    Conflict {
        /// The violated constraint or unique index, e.g. `idx_embeddings_entity_unique`.
        constraint: String,
        /// PostgreSQL's message.
        message: String,
    },
    /// A foreign key points at a row that does not exist (SQLSTATE 23503).
    #[error("missing reference ({constraint}): {message}")]
    MissingReference {
        /// The foreign-key constraint, e.g. `nli_results_claim_id_fkey`.
        constraint: String,
        /// PostgreSQL's message.
        message: String,
    },
    /// A row the caller asked for does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked up, e.g. `claim 7f…`.
        what: String,
    },
    /// Every pooled connection stayed busy for the pool's wait timeout.
    #[error("no database connection became free within {0:?} (pool exhausted)")]
    PoolTimeout(std::time::Duration),
    /// A migration could not be applied or rolled back, or the schema is not
    /// in the state a command needs (no `embeddings` table yet, rows that
    /// block a dimension switch, an unknown version).
    #[error("migration failed: {message}")]
    Migration {
        /// What went wrong, with PostgreSQL's message when it refused a statement.
        message: String,
        /// The error behind it (refinery's, with the driver's inside), if any.
        #[source]
        source: Option<BoxError>,
    },
    /// An applied migration's SQL differs from the one this build embeds.
    #[error(
        "migration V{version}__{name} was changed after it was applied (checksum drift); nothing was run"
    )]
    Drift {
        /// Version of the changed migration.
        version: i32,
        /// Name of the changed migration.
        name: String,
    },
    /// The database is neither empty, nor managed by this library, nor a
    /// recognisable TruthGraph (Python) database.
    #[error("cannot adopt this database: {}", differences.join("; "))]
    Adoption {
        /// Each difference from the expected schema, one per entry.
        differences: Vec<String>,
    },
    /// A configuration value (environment variable) is unusable.
    #[error("configuration {name}: {reason}")]
    Config {
        /// The environment variable.
        name: &'static str,
        /// Why its value is unusable.
        reason: String,
    },
    /// The embedded PostgreSQL server could not be found, initialised or started.
    #[error("embedded PostgreSQL: {message}")]
    Server {
        /// What failed (the command, its exit status, the end of its log).
        message: String,
        /// The error behind it (the embedded server crate's, an I/O error), if any.
        #[source]
        source: Option<BoxError>,
    },
    /// A statement was cancelled: `statement_timeout` ran out or a cancel
    /// request arrived (SQLSTATE 57014). Nothing of that statement was written.
    #[error("statement cancelled: {message} [SQLSTATE 57014]")]
    Timeout {
        /// PostgreSQL's message, e.g. "canceling statement due to statement timeout".
        message: String,
    },
    /// Any other error from PostgreSQL or the connection. `Display` gives the
    /// server's message, detail and SQLSTATE; [`Error::is_connection_error`]
    /// says whether the connection itself was lost.
    #[error("database error: {}", describe(.0))]
    Database(#[source] tokio_postgres::Error),
    /// The pool could not be built, or could not create or check a
    /// connection (a connect or recycle timeout).
    #[error("connection pool: {message}")]
    Pool {
        /// What failed.
        message: String,
        /// deadpool's error, if any.
        #[source]
        source: Option<BoxError>,
    },
    /// The [`crate::Database`] was closed ([`crate::Database::close`],
    /// [`crate::Database::close_with_deadline`]): no new work is taken, by
    /// this handle or any clone of it. Calls that had their connection
    /// before the close finish as usual.
    #[error("the database handle is closed (shutting down); no new work is accepted")]
    Closed,
}

/// The cause kept inside [`Error::Migration`], [`Error::Server`] and [`Error::Pool`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl Error {
    pub(crate) fn server(msg: impl Into<String>) -> Self {
        Error::Server {
            message: msg.into(),
            source: None,
        }
    }

    pub(crate) fn migration(msg: impl Into<String>) -> Self {
        Error::Migration {
            message: msg.into(),
            source: None,
        }
    }

    /// [`Error::Pool`] saying what failed (`context`), caused by deadpool's `e`.
    pub(crate) fn pool(context: &str, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Pool {
            message: context.to_string(),
            source: Some(Box::new(e)),
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
            constraint: None,
        }
    }

    /// Maps a pool error; `wait` is the pool's configured wait, reported by
    /// [`Error::PoolTimeout`].
    pub(crate) fn from_pool(e: deadpool_postgres::PoolError, wait: std::time::Duration) -> Self {
        use deadpool_postgres::{PoolError, TimeoutType};
        match e {
            PoolError::Timeout(TimeoutType::Wait) => Error::PoolTimeout(wait),
            PoolError::Timeout(TimeoutType::Create) => Error::Pool {
                message: "connecting to PostgreSQL timed out".into(),
                source: Some(Box::new(e)),
            },
            PoolError::Timeout(TimeoutType::Recycle) => Error::Pool {
                message: "checking a pooled connection timed out".into(),
                source: Some(Box::new(e)),
            },
            PoolError::Backend(pg) => Error::from(pg),
            PoolError::Closed => Error::Closed,
            other => Error::pool("the pool could not lend a connection", other),
        }
    }

    /// The SQLSTATE of the PostgreSQL error behind this one, if any: the
    /// server's code for [`Error::Database`], and the code each of these
    /// variants stands for: `57014` ([`Error::Timeout`]), `23505`
    /// ([`Error::Conflict`]), `23503` ([`Error::MissingReference`]). `None`
    /// for [`Error::InvalidInput`], also when the database refused the value.
    pub fn code(&self) -> Option<&SqlState> {
        match self {
            Error::Database(e) => e.code(),
            Error::Timeout { .. } => Some(&SqlState::QUERY_CANCELED),
            Error::Conflict { .. } => Some(&SqlState::UNIQUE_VIOLATION),
            Error::MissingReference { .. } => Some(&SqlState::FOREIGN_KEY_VIOLATION),
            _ => None,
        }
    }

    /// The variant's name in snake case (`invalid_input`, `pool_timeout`,
    /// `closed`, `database`, …): a low-cardinality label for metrics and the
    /// `error.type` of a span (see [`crate::telemetry`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::Conflict { .. } => "conflict",
            Error::MissingReference { .. } => "missing_reference",
            Error::NotFound { .. } => "not_found",
            Error::PoolTimeout(_) => "pool_timeout",
            Error::Migration { .. } => "migration",
            Error::Drift { .. } => "drift",
            Error::Adoption { .. } => "adoption",
            Error::Config { .. } => "config",
            Error::Server { .. } => "server",
            Error::Timeout { .. } => "timeout",
            Error::Database(_) => "database",
            Error::Pool { .. } => "pool",
            Error::Closed => "closed",
        }
    }

    /// Whether the connection was lost (closed, an I/O error on the socket,
    /// SQLSTATE class 08, or the server ending the backend: 57P01–57P03; a
    /// pooled connection killed meanwhile shows as one of these): the statement may
    /// or may not have run; an idempotent read can be retried on a new
    /// connection.
    pub fn is_connection_error(&self) -> bool {
        match self {
            Error::Database(e) => connection_lost(e),
            _ => false,
        }
    }

    /// The field an [`Error::InvalidInput`] names (`k`, `rows[3].content`), if
    /// this is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The constraint the database named when it refused a write, if any
    /// (never for input this library rejected before sending it).
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Error::Conflict { constraint, .. } | Error::MissingReference { constraint, .. } => {
                Some(constraint)
            }
            Error::InvalidInput { constraint, .. } => constraint.as_deref(),
            _ => None,
        }
    }
}

#[cfg(feature = "embedded")]
impl From<truthgraph_pg_embed::Error> for Error {
    /// The embedded server crate's error is its message (it has no cause of
    /// its own), so it is kept as the message, not repeated as a source.
    fn from(e: truthgraph_pg_embed::Error) -> Self {
        Error::server(e.message())
    }
}

/// PostgreSQL's message, detail and SQLSTATE, or the driver's own text (with
/// its cause) when the server said nothing.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut out = db.message().to_string();
            if let Some(d) = db.detail() {
                out.push_str(&format!(" ({d})"));
            }
            out.push_str(&format!(" [SQLSTATE {}]", db.code().code()));
            out
        }
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_no_constraint() {
        let e = Error::invalid("k", "is 0");
        assert_eq!(e.constraint(), None);
        assert_eq!(e.field(), Some("k"));
        assert_eq!(Error::PoolTimeout(std::time::Duration::ZERO).field(), None);
        assert_eq!(e.to_string(), "invalid k: is 0");
    }
}

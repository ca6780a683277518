//! The library's error type and the SQLSTATE → variant mapping.

use tokio_postgres::error::SqlState;

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

    /// [`Error::Server`] saying `msg`, caused by `source`.
    pub(crate) fn server_caused(msg: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Server {
            message: msg.into(),
            source: Some(source.into()),
        }
    }

    pub(crate) fn migration(msg: impl Into<String>) -> Self {
        Error::Migration {
            message: msg.into(),
            source: None,
        }
    }

    /// [`Error::Pool`] for a deadpool error.
    pub(crate) fn pool(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Pool {
            message: e.to_string(),
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
            other => Error::pool(other),
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

impl From<tokio_postgres::Error> for Error {
    /// Maps constraint violations and data exceptions to their variants and
    /// keeps everything else as [`Error::Database`].
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            return Error::Database(e);
        };
        let constraint = || {
            db.constraint()
                .or(db.column())
                .unwrap_or("unknown")
                .to_string()
        };
        let message = db.message().to_string();
        match db.code() {
            c if *c == SqlState::UNIQUE_VIOLATION => Error::Conflict {
                constraint: constraint(),
                message,
            },
            c if *c == SqlState::FOREIGN_KEY_VIOLATION => Error::MissingReference {
                constraint: constraint(),
                message,
            },
            c if *c == SqlState::CHECK_VIOLATION || *c == SqlState::NOT_NULL_VIOLATION => {
                Error::InvalidInput {
                    field: constraint(),
                    reason: message,
                    constraint: db.constraint().map(str::to_string),
                }
            }
            c if *c == SqlState::QUERY_CANCELED => Error::Timeout { message },
            // 54000: an input over a server limit (a tsvector or index row too long).
            c if c.code().starts_with("22") || *c == SqlState::PROGRAM_LIMIT_EXCEEDED => {
                Error::InvalidInput {
                    field: db
                        .column()
                        .map(str::to_string)
                        .or_else(|| db.where_().and_then(copy_row_field))
                        .unwrap_or_else(|| "value".to_string()),
                    reason: message,
                    constraint: None,
                }
            }
            _ => Error::Database(e),
        }
    }
}

#[cfg(feature = "embedded")]
impl From<truthgraph_pg_embed::Error> for Error {
    fn from(e: truthgraph_pg_embed::Error) -> Self {
        Error::server_caused(e.message().to_string(), e)
    }
}

/// `rows[i].column` for a value the server refused in row `i` of a `COPY`,
/// from the error's context line `COPY <table>, line <n>, column <column>`
/// (binary `COPY` counts rows from 1, the library's batches from 0), so a
/// bulk load's server-side refusal names the row as its caller knows it.
fn copy_row_field(context: &str) -> Option<String> {
    let rest = context.lines().find_map(|l| l.strip_prefix("COPY "))?;
    let (_, rest) = rest.split_once(", line ")?;
    let (line, column) = rest.split_once(", column ")?;
    let row = line.parse::<usize>().ok()?.checked_sub(1)?;
    let column = column.split(':').next()?.trim();
    (!column.is_empty()).then(|| format!("rows[{row}].{column}"))
}

/// PostgreSQL's message, detail and SQLSTATE, or the driver's own text (with
/// its cause) when the server said nothing.
/// Whether `e` says the connection is gone (closed, class 08, `57P01`–`57P03`,
/// or an I/O error).
pub(crate) fn connection_lost(e: &tokio_postgres::Error) -> bool {
    e.is_closed()
        || e.code().is_some_and(|c| {
            c.code().starts_with("08") || matches!(c.code(), "57P01" | "57P02" | "57P03")
        })
        || std::error::Error::source(e)
            .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
}

/// Whether the server process of the connection was gone before the
/// statement ran (closed, or ended by the server: 57P01–57P03), so nothing of
/// it can have been done.
pub(crate) fn never_ran(e: &tokio_postgres::Error) -> bool {
    e.is_closed()
        || e.code().is_some_and(|c| {
            *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        })
}

/// Whether an error of a call on a replica is the replica's fault, so the
/// call may run again elsewhere: a lost connection, a recovery conflict
/// (`40001`, `40P01`), a read-only refusal (`25006`) or a server in
/// shutdown or start-up.
pub(crate) fn replica_trouble(e: &Error) -> bool {
    if e.is_connection_error() {
        return true;
    }
    match e {
        Error::Database(e) => e.code().is_some_and(|c| {
            *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::READ_ONLY_SQL_TRANSACTION
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        }),
        _ => false,
    }
}

/// Whether `e` says another session's DDL changed the catalog while the
/// statement read it: a catalog function (`pg_get_indexdef`, …) looked up an
/// object that the statement's snapshot still listed but a concurrent
/// `DROP`/`REINDEX … CONCURRENTLY`/`ALTER TABLE` had removed ("cache lookup
/// failed for …", "could not open relation with OID …", SQLSTATE XX000).
/// The same read run again sees the catalog after the change.
pub(crate) fn catalog_changed(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::INTERNAL_ERROR
            && (db.message().starts_with("cache lookup failed for ")
                || db
                    .message()
                    .starts_with("could not open relation with OID "))
    })
}

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
    fn copy_context_names_the_row_and_column() {
        assert_eq!(
            copy_row_field("COPY embeddings, line 501, column model_name").as_deref(),
            Some("rows[500].model_name")
        );
        assert_eq!(
            copy_row_field("COPY embeddings_load, line 1, column embedding: \"[1,2]\"").as_deref(),
            Some("rows[0].embedding")
        );
        assert_eq!(copy_row_field("COPY embeddings, line 3"), None);
        assert_eq!(copy_row_field("SQL function \"f\" statement 1"), None);
        assert_eq!(copy_row_field("COPY t, line 0, column c"), None);
    }

    #[test]
    fn validation_errors_name_no_constraint() {
        let e = Error::invalid("k", "is 0");
        assert_eq!(e.constraint(), None);
        assert_eq!(e.field(), Some("k"));
        assert_eq!(Error::PoolTimeout(std::time::Duration::ZERO).field(), None);
        assert_eq!(e.to_string(), "invalid k: is 0");
    }
}

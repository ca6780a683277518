//! SQLSTATE classification: which variant of [`Error`] a server error
//! becomes, and the questions the library asks of an error (was the
//! connection lost, can the call run again, did the catalog change under a
//! read). Every SQLSTATE test of the library is here.

use tokio_postgres::error::SqlState;

use super::{Error, shard};

impl From<tokio_postgres::Error> for Error {
    /// Maps constraint violations and data exceptions to their variants and
    /// keeps everything else as [`Error::Database`]. Constraint and column
    /// names are the schema's also when a Citus worker raised the error
    /// (see `src/error/shard.rs`: a shard's names carry its id).
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            return Error::Database(e);
        };
        let constraint = || {
            shard::constraint(db)
                .or_else(|| shard::column(db))
                .unwrap_or_else(|| "unknown".to_string())
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
                    constraint: shard::constraint(db),
                }
            }
            c if *c == SqlState::QUERY_CANCELED => Error::Timeout { message },
            // 54000: an input over a server limit (a tsvector or index row too long).
            c if c.code().starts_with("22") || *c == SqlState::PROGRAM_LIMIT_EXCEEDED => {
                Error::InvalidInput {
                    field: shard::column(db)
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

/// The error of a failed DDL statement the library built itself (a
/// `REINDEX`, a `CREATE INDEX`): nothing the caller passed is in it, so a
/// data exception or a limit (pgvector's "memory required is 65 MB,
/// maintenance_work_mem is 64 MB" is SQLSTATE 54000) stays
/// [`Error::Database`] with its SQLSTATE instead of becoming
/// [`Error::InvalidInput`]; timeouts and lost connections map as usual.
pub(crate) fn ddl_error(e: tokio_postgres::Error) -> Error {
    let class = e.code().map(|c| &c.code()[..2]);
    if matches!(class, Some("22" | "23" | "54")) {
        Error::Database(e)
    } else {
        e.into()
    }
}

impl Error {
    /// Whether the server said the database named in the connection does
    /// not exist (SQLSTATE 3D000), e.g. before `CREATE DATABASE`.
    pub fn is_unknown_database(&self) -> bool {
        self.code() == Some(&SqlState::INVALID_CATALOG_NAME)
    }

    /// Whether a `CREATE DATABASE` found the database already there
    /// (SQLSTATE 42P04), e.g. made by another process meanwhile.
    pub fn is_duplicate_database(&self) -> bool {
        self.code() == Some(&SqlState::DUPLICATE_DATABASE)
    }
}

/// The table a statement named does not exist (42P01).
pub(crate) fn undefined_table(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNDEFINED_TABLE)
}

/// The login may not do what the statement asked (42501).
pub(crate) fn insufficient_privilege(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE)
}

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
}

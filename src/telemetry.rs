//! What a service sees of the library at run time: `tracing` spans for every
//! database call, slow-call warnings, and the names both use.
//!
//! The library never installs a subscriber: it emits spans and events
//! through [`tracing`], and whatever subscriber the service installed (a
//! `tracing-subscriber` fmt layer, `tracing-opentelemetry`, …) receives them.
//! Without one they cost a branch each.
//!
//! # Spans
//! Every [`crate::Tenant`] call (each read, write, batch, bulk load and
//! search), every schema command of [`crate::Database`] (migrate, rollback,
//! adopt, set_dimension, status), every maintenance and tuning call and
//! [`crate::Database::health`] runs in one `INFO` span, covering the call as
//! its caller sees it: waiting for a pooled connection, retries on another
//! connection, the statements. Calls made inside another call (the searches
//! of `tune`) are its children. The fields follow OpenTelemetry's semantic
//! conventions for database client spans (PostgreSQL), so a
//! `tracing-opentelemetry` layer exports them as they are:
//!
//! | field | value |
//! | --- | --- |
//! | span name, `otel.name` | `"{db.operation.name} {db.collection.name}"`, e.g. `search_evidence embeddings`; the operation alone when the call has no single table (`migrate`) |
//! | `otel.kind` | `"client"` |
//! | `db.system.name` | `"postgresql"` |
//! | `db.operation.name` | the library's name of the operation: the method (`search_evidence`, `insert_claims`, `bulk_load_embeddings`, `migrate`, `health`) |
//! | `db.collection.name` | the table the operation is on (`claims`, `evidence`, `embeddings`, `nli_results`, `verification_results`, `verdicts`); unset when there is no single one |
//! | `db.namespace` | the database name given when the connection was set up (the login name when the URL names none); the schema is always `public` |
//! | `server.address`, `server.port` | the first host (or socket directory) and port of the connection settings |
//! | `truthgraph.tenant_id` | the tenant of a [`crate::Tenant`] call |
//! | `db.response.status_code` | on failure, the SQLSTATE ([`crate::Error::code`]): `23505` for [`crate::Error::Conflict`], `23503` for [`crate::Error::MissingReference`], `57014` for [`crate::Error::Timeout`], the server's code for [`crate::Error::Database`] |
//! | `error.type` | on failure, the SQLSTATE when there is one, else the kind of [`crate::Error`] in snake case (`pool_timeout`, `closed`, `invalid_input`, …) |
//! | `otel.status_code` | `"ERROR"` on failure |
//!
//! Input rejected by validation before anything is sent fails before the
//! span starts (no database call was made). An input the database refused
//! as [`crate::Error::InvalidInput`] (check, not-null, data exceptions) has
//! `error.type = "invalid_input"` and no status code. No query text or
//! parameter is recorded.
//!
//! # Slow calls
//! A call that takes [`crate::Config::slow_query_threshold`] or longer
//! (`TRUTHGRAPH_SLOW_QUERY_MS`, default 1 s) also emits a `WARN` event with
//! target [`SLOW_QUERY_TARGET`] inside its span, with fields `operation`
//! (the span's `db.operation.name`), `elapsed_ms` and `threshold_ms`: filter on the
//! target to route or silence them (`RUST_LOG=truthgraph_db::slow_query=off`).

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::{Instrument, Span};

use crate::error::{Error, Result};

/// The target of the slow-call warnings (see the [module docs](self)).
pub const SLOW_QUERY_TARGET: &str = "truthgraph_db::slow_query";

/// What the spans of one [`crate::Database`] need: where the database is
/// and when a call counts as slow. Fixed when the handle is opened.
#[derive(Debug, Clone)]
pub(crate) struct Telemetry {
    /// Where the database is.
    pub peer: Peer,
    /// [`crate::Config::slow_query_threshold`].
    pub slow_query_threshold: Option<Duration>,
}

/// Where the spans say the database is.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// `db.namespace`: the database name.
    pub namespace: String,
    /// `server.address`: the first host or socket directory.
    pub address: String,
    /// `server.port`: the first port.
    pub port: u16,
}

impl Peer {
    /// What `config` says about where it connects.
    pub(crate) fn of(config: &tokio_postgres::Config) -> Self {
        let address = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".to_string(),
        };
        let namespace = config
            .get_dbname()
            .or(config.get_user())
            .unwrap_or("postgres")
            .to_string();
        Peer {
            namespace,
            address,
            port: config.get_ports().first().copied().unwrap_or(5432),
        }
    }
}

/// One traced call: its span, its span and operation names (for the
/// slow-call warning, which must name them even when no subscriber took the
/// span), and the threshold of that warning.
pub(crate) struct Op {
    /// The span's name, `"{operation} {collection}"`.
    pub name: &'static str,
    /// `db.operation.name`.
    pub operation: &'static str,
    /// The span.
    pub span: Span,
    /// Warn when the call takes this long or longer.
    pub slow_after: Option<Duration>,
}

/// Makes the span of a database call (see the [module docs](self)) from a
/// [`Telemetry`]: `db_span!(t, "operation")`, `db_span!(t, "operation",
/// "table")`, either with `tenant = id` last. A macro because a span's name
/// must be a literal.
macro_rules! db_span {
    ($db:expr, $op:literal, $coll:literal, tenant = $tenant:expr) => {
        $crate::telemetry::db_span!(@make $db, concat!($op, " ", $coll), $op, Some($coll), Some($tenant))
    };
    ($db:expr, $op:literal, $coll:literal) => {
        $crate::telemetry::db_span!(@make $db, concat!($op, " ", $coll), $op, Some($coll), None::<&str>)
    };
    ($db:expr, $op:literal, tenant = $tenant:expr) => {
        $crate::telemetry::db_span!(@make $db, $op, $op, None::<&str>, Some($tenant))
    };
    ($db:expr, $op:literal) => {
        $crate::telemetry::db_span!(@make $db, $op, $op, None::<&str>, None::<&str>)
    };
    (@make $db:expr, $name:expr, $op:expr, $coll:expr, $tenant:expr) => {{
        let telemetry: &$crate::telemetry::Telemetry = $db;
        let peer = &telemetry.peer;
        $crate::telemetry::Op {
            name: $name,
            operation: $op,
            slow_after: telemetry.slow_query_threshold,
            span: tracing::info_span!(
                $name,
                "otel.name" = $name,
                "otel.kind" = "client",
                "otel.status_code" = tracing::field::Empty,
                "db.system.name" = "postgresql",
                "db.operation.name" = $op,
                "db.collection.name" = $coll,
                "db.namespace" = peer.namespace.as_str(),
                "server.address" = peer.address.as_str(),
                "server.port" = peer.port,
                "truthgraph.tenant_id" = $tenant,
                "db.response.status_code" = tracing::field::Empty,
                "error.type" = tracing::field::Empty,
            ),
        }
    }};
}
pub(crate) use db_span;

/// Runs `fut` inside `op`'s span, then records its outcome there (status
/// code, error type) and warns when it was slow.
pub(crate) async fn traced<T>(op: Op, fut: impl Future<Output = Result<T>>) -> Result<T> {
    let started = Instant::now();
    let out = fut.instrument(op.span.clone()).await;
    record_outcome(&op, started.elapsed(), out.as_ref().err());
    out
}

/// Records a finished call's error on its span and warns when it was slow.
pub(crate) fn record_outcome(op: &Op, elapsed: Duration, error: Option<&Error>) {
    if let Some(e) = error {
        let code = e.code().map(|c| c.code());
        if let Some(code) = code {
            op.span.record("db.response.status_code", code);
        }
        op.span.record("error.type", code.unwrap_or(e.kind()));
        op.span.record("otel.status_code", "ERROR");
    }
    if let Some(threshold) = op.slow_after
        && elapsed >= threshold
    {
        op.span.in_scope(|| {
            tracing::warn!(
                target: SLOW_QUERY_TARGET,
                operation = op.operation,
                elapsed_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
                threshold_ms = threshold.as_millis() as u64,
                "slow database call: {} took {:.1} ms",
                op.name,
                elapsed.as_secs_f64() * 1000.0,
            );
        });
    }
}

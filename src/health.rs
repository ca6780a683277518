//! What a service reports about its database: pool metrics
//! ([`Database::pool_status`]), a cheap readiness check
//! ([`Database::health`]), and which server is the primary and how it
//! replicates ([`Database::replication`]).

use std::time::{Duration, Instant};

use crate::catalog;
use crate::db::Database;
use crate::error::{Error, Result, insufficient_privilege, undefined_table};
use crate::migrate::history::{VersionState, compare, latest_version, parse_history};
use crate::raw_sql;
use crate::telemetry::{db_span, traced};

mod replication;

pub use replication::{ReplicationHealth, StandbyHealth};

/// The connection pool at one moment (from deadpool's status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Most connections the pool opens ([`crate::Config::pool_max_size`]).
    pub max_size: usize,
    /// Connections open now, idle or lent out.
    pub size: usize,
    /// Idle connections ready to be lent.
    pub available: usize,
    /// Callers waiting for a connection (all are lent out).
    pub waiting: usize,
}

impl PoolStatus {
    /// Connections lent out now.
    pub fn in_use(&self) -> usize {
        self.size.saturating_sub(self.available)
    }
}

/// How the applied migrations compare with those this build embeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationsHealth {
    /// Newest applied version (0 when none).
    pub current: i32,
    /// Newest version this build embeds.
    pub latest: i32,
    /// Embedded versions not applied yet: run `migrate`.
    pub pending: Vec<i32>,
    /// Applied versions whose SQL this build embeds differently (checksum
    /// drift): the schema may not be what this build expects.
    pub divergent: Vec<i32>,
    /// Applied versions this build does not know (a newer build migrated).
    pub unknown: Vec<i32>,
}

impl MigrationsHealth {
    /// Whether the database is at exactly this build's schema.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.divergent.is_empty() && self.unknown.is_empty()
    }
}

/// What [`Database::health`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// Time from sending the probe to its answer, on a pooled connection
    /// (waiting for the connection not included).
    pub round_trip: Duration,
    /// `server_version` of the server.
    pub server_version: String,
    /// The pgvector version installed in this database; `None` when the
    /// extension is missing (searches and embeddings cannot work).
    pub pgvector_version: Option<String>,
    /// The migrations state; `None` when this login may not read the
    /// history table (members of `truthgraph_app`, which run services with
    /// least privilege: the owner migrates).
    pub migrations: Option<MigrationsHealth>,
    /// Which server answered (with several hosts in `DATABASE_URL`, the
    /// one connected now), whether it is the primary, and whether its
    /// commits wait for a standby.
    pub replication: ReplicationHealth,
    /// The pool right after the probe.
    pub pool: PoolStatus,
}

impl Health {
    /// Ready to serve: pgvector is installed, the migrations are current
    /// (or unreadable by this login, see [`Health::migrations`]), the server
    /// is a primary, and a synchronous standby it waits for is connected.
    pub fn is_ready(&self) -> bool {
        self.problems().is_empty()
    }

    /// What stands in the way of [`Health::is_ready`], one sentence each,
    /// with what to do (empty when ready).
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.replication.problems();
        if self.pgvector_version.is_none() {
            out.push("pgvector is not installed in this database: run migrate".to_string());
        }
        if let Some(m) = &self.migrations {
            if !m.pending.is_empty() {
                out.push(format!(
                    "migrations pending ({}): run migrate",
                    versions(&m.pending)
                ));
            }
            if !m.divergent.is_empty() {
                out.push(format!(
                    "migrations changed after they were applied ({}): see `truthgraph-db status`",
                    versions(&m.divergent)
                ));
            }
            if !m.unknown.is_empty() {
                out.push(format!(
                    "migrations unknown to this build ({}): a newer build migrated; upgrade",
                    versions(&m.unknown)
                ));
            }
        }
        out
    }
}

fn versions(v: &[i32]) -> String {
    v.iter()
        .map(|v| format!("V{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Database {
    /// The connection pool now: open, idle and lent-out connections and
    /// waiting callers. Reads counters only; never touches the database.
    pub fn pool_status(&self) -> PoolStatus {
        let s = self.pool().status();
        PoolStatus {
            max_size: s.max_size,
            size: s.size,
            available: s.available,
            waiting: s.waiting,
        }
    }

    /// A cheap readiness probe: borrows one pooled connection and sends four
    /// statements pipelined in one round trip (server and pgvector versions;
    /// refinery's history, compared with this build's migrations; the
    /// server's address, role and replication, as [`Database::replication`]).
    /// Traced as a `health` span.
    ///
    /// # Errors
    /// [`Error::Closed`] after [`Database::close`], [`Error::PoolTimeout`]
    /// when no connection frees up, connection and database errors: the
    /// database is not reachable, so not ready.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
    /// let health = db.health().await?;
    /// if !health.is_ready() {
    ///     eprintln!("not ready: {}", health.problems().join("; "));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn health(&self) -> Result<Health> {
        traced(db_span!(self.telemetry(), "health"), async {
            let client = self.client().await?;
            let started = Instant::now();
            // Both are prepared once per connection; `join` sends them
            // together. The history read fails alone when the table is
            // missing (nothing migrated) or unreadable by this login.
            let (info, history, replication) = futures_util::future::join3(
                catalog::server_info(&client),
                async {
                    let stmt = client.prepare_cached(raw_sql::SELECT_HISTORY).await?;
                    client.query(&stmt, &[]).await
                },
                replication::read(&client),
            )
            .await;
            let round_trip = started.elapsed();
            let (info, replication) = (info?, replication?);
            let migrations = match history {
                Ok(rows) => Some(migrations_health(&parse_history(&rows)?)),
                Err(e) if undefined_table(&e) => Some(migrations_health(&[])),
                Err(e) if insufficient_privilege(&e) => None,
                Err(e) => return Err(Error::from(e)),
            };
            drop(client);
            Ok(Health {
                round_trip,
                server_version: info.server_version,
                pgvector_version: info.pgvector_version,
                migrations,
                replication,
                pool: self.pool_status(),
            })
        })
        .await
    }
}

fn migrations_health(applied: &[crate::migrate::history::AppliedMigration]) -> MigrationsHealth {
    let mut m = MigrationsHealth {
        current: 0,
        latest: latest_version(),
        pending: Vec::new(),
        divergent: Vec::new(),
        unknown: Vec::new(),
    };
    for (version, _, state) in compare(applied) {
        match state {
            VersionState::Pending => m.pending.push(version),
            VersionState::Divergent => m.divergent.push(version),
            VersionState::Missing => m.unknown.push(version),
            VersionState::Applied { .. } => {}
        }
        if state != VersionState::Pending {
            m.current = m.current.max(version);
        }
    }
    m
}

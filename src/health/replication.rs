//! Which server a [`Database`] writes to and how its commits replicate: part
//! of [`Database::health`], and [`Database::replication`] on its own (the
//! CLI's `doctor` reports it).

use std::time::Duration;

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::catalog;

use crate::db::Database;
use crate::error::Result;

/// The server that answered on the primary pool, and its replication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationHealth {
    /// `address:port` of that server as it sees itself
    /// (`inet_server_addr()`, `inet_server_port()`): with several hosts in
    /// `DATABASE_URL` (failover), the one connected now. `None` over a Unix
    /// socket.
    pub server: Option<String>,
    /// Whether that server is a primary (not in recovery). A standby there
    /// means every write fails: `DATABASE_URL` names a standby, or a
    /// failover left no primary among its hosts.
    pub is_primary: bool,
    /// Its `synchronous_standby_names` (empty: commits do not wait for a
    /// standby).
    pub synchronous_standby_names: String,
    /// `synchronous_commit` of the library's sessions (`on`, `remote_apply`,
    /// `remote_write`, `local`, `off`).
    pub synchronous_commit: String,
    /// The standbys streaming from it (`pg_stat_replication`).
    pub standbys: Vec<StandbyHealth>,
}

/// One standby streaming from the server (a row of `pg_stat_replication`).
/// Without superuser or `pg_read_all_stats` the server shows only that the
/// standby exists: every field is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandbyHealth {
    /// Its `application_name` (what `synchronous_standby_names` names).
    pub application_name: Option<String>,
    /// Its address.
    pub client_address: Option<String>,
    /// `streaming`, `catchup`, `startup`, `backup`, `stopping`.
    pub state: Option<String>,
    /// `sync`, `quorum`, `potential` or `async`.
    pub sync_state: Option<String>,
    /// How far behind its replay is (`None` when caught up and idle).
    pub replay_lag: Option<Duration>,
}

impl StandbyHealth {
    /// Whether commits wait for this standby (`sync` or `quorum`).
    pub fn is_synchronous(&self) -> bool {
        matches!(self.sync_state.as_deref(), Some("sync" | "quorum"))
    }
}

impl ReplicationHealth {
    /// Whether commits on this server wait for a standby: it is a primary,
    /// `synchronous_standby_names` is set and `synchronous_commit` is
    /// neither `off` nor `local`. Then an acknowledged commit is on a
    /// standby too, and survives a failover to it; otherwise the commits of
    /// the last moments before a primary's crash may be missing on the
    /// promoted standby (see docs/operations.md, "Failover").
    pub fn is_synchronous(&self) -> bool {
        self.is_primary
            && !self.synchronous_standby_names.trim().is_empty()
            && !matches!(self.synchronous_commit.as_str(), "off" | "local")
    }

    /// What stands in the way of writing, one sentence each, with what to
    /// do (empty when nothing does).
    pub fn problems(&self) -> Vec<String> {
        let server = self.server.as_deref().unwrap_or("the server");
        let mut out = Vec::new();
        if !self.is_primary {
            out.push(format!(
                "{server} is a standby (in recovery): every write fails; point DATABASE_URL at \
                 the primary, or list every host with target_session_attrs=read-write"
            ));
        }
        let visible = self.standbys.iter().all(|s| s.sync_state.is_some());
        if self.is_synchronous() && visible && !self.standbys.iter().any(|s| s.is_synchronous()) {
            out.push(format!(
                "commits wait for a synchronous standby ({}) but none is connected: writes \
                 hang until one is; start it, or clear synchronous_standby_names",
                self.synchronous_standby_names
            ));
        }
        out
    }

    /// One line: the server, its role, and how commits replicate.
    pub fn summary(&self) -> String {
        let server = self.server.as_deref().unwrap_or("local socket");
        let role = if self.is_primary {
            "primary"
        } else {
            "standby"
        };
        let standbys: Vec<String> = self
            .standbys
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}",
                    s.application_name.as_deref().unwrap_or("?"),
                    s.state.as_deref().unwrap_or("?"),
                    s.sync_state.as_deref().unwrap_or("?")
                )
            })
            .collect();
        let how = if self.is_synchronous() {
            format!(
                "synchronous (synchronous_standby_names = '{}', synchronous_commit = {})",
                self.synchronous_standby_names, self.synchronous_commit
            )
        } else {
            format!(
                "asynchronous (synchronous_commit = {})",
                self.synchronous_commit
            )
        };
        let list = if standbys.is_empty() {
            "none".to_string()
        } else {
            standbys.join(", ")
        };
        format!("{server} is the {role}; replication {how}; standbys: {list}")
    }
}

/// Reads [`ReplicationHealth`] on `client` (two statements, pipelined).
pub(crate) async fn read(client: &impl GenericClient) -> Result<ReplicationHealth> {
    let role = catalog::server_role();
    let standbys = catalog::standbys();
    let (role, standbys) =
        futures_util::future::join(role.bind(client).one(), standbys.bind(client).all()).await;
    let (role, standbys) = (role?, standbys?);
    Ok(ReplicationHealth {
        server: role
            .server_address
            .map(|a| format!("{a}:{}", role.server_port.unwrap_or(0))),
        is_primary: !role.in_recovery,
        synchronous_standby_names: role.synchronous_standby_names,
        synchronous_commit: role.synchronous_commit,
        standbys: standbys
            .into_iter()
            .map(|s| StandbyHealth {
                application_name: s.application_name,
                client_address: s.client_address,
                state: s.state,
                sync_state: s.sync_state,
                replay_lag: s
                    .replay_lag_ms
                    .filter(|ms| ms.is_finite() && *ms >= 0.0)
                    .map(|ms| Duration::from_secs_f64(ms / 1000.0)),
            })
            .collect(),
    })
}

impl Database {
    /// Which server the primary pool reaches now and how its commits
    /// replicate: its address, whether it is a primary, synchronous or
    /// asynchronous replication, its standbys. One pooled connection, two
    /// statements in one round trip. Also part of [`Database::health`].
    ///
    /// # Errors
    /// [`crate::Error::Closed`], pool, connection and database errors.
    pub async fn replication(&self) -> Result<ReplicationHealth> {
        let client = self.client().await?;
        read(&client).await
    }
}

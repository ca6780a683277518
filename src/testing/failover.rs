//! Failover of [`ReplicatedServers`]: synchronous replication, a URL that
//! follows the primary, a crashed primary and a promoted standby.

use tokio_postgres::NoTls;
use truthgraph_pg_embed::{EmbeddedServer, strip_database};

use super::{ReplicatedServers, admin};
use crate::error::{Error, Result};
use crate::raw_sql;

impl ReplicatedServers {
    /// Makes the primary's commits wait for the standby (synchronous
    /// replication: `synchronous_standby_names` set to the standby's
    /// `application_name`, read from `pg_stat_replication`); returns once the
    /// primary reports it as `sync` (up to 30 s).
    ///
    /// # Errors
    /// [`Error::Server`] when no standby streams, or it does not become
    /// synchronous in time; connection errors.
    pub async fn make_synchronous(&self) -> Result<()> {
        let admin = admin(&strip_database(&self.primary_url())).await?;
        let started = std::time::Instant::now();
        let mut named = false;
        loop {
            let rows = admin.query(raw_sql::STANDBY_STATES, &[]).await?;
            let states: Vec<(Option<String>, Option<String>)> =
                rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            if states.iter().any(|(_, s)| s.as_deref() == Some("sync")) {
                return Ok(());
            }
            if !named && let Some((Some(name), _)) = states.first() {
                admin
                    .batch_execute(&raw_sql::synchronous_standby_names(name))
                    .await?;
                admin.batch_execute(raw_sql::RELOAD_CONF).await?;
                named = true;
            }
            if started.elapsed() > std::time::Duration::from_secs(30) {
                return Err(Error::server(format!(
                    "the standby did not become synchronous within 30 s ({states:?})"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// A URL naming both servers, the primary first, with
    /// `target_session_attrs=read-write`: a new connection goes to whichever
    /// of them accepts writes, so a handle opened with it follows a
    /// promotion (what `DATABASE_URL` should say for failover).
    pub fn failover_url(&self) -> String {
        let standby = self.standby.as_ref().map_or(0, |s| s.port());
        format!(
            "postgresql://postgres@127.0.0.1:{},127.0.0.1:{standby}/{}?sslmode=disable\
             &target_session_attrs=read-write",
            self.primary.port(),
            self.dbname
        )
    }

    /// Kills the primary's postmaster with `SIGKILL` (as a crash would) and
    /// waits until its supervisor has exited; its port then refuses
    /// connections. Blocks the thread for that moment.
    ///
    /// # Errors
    /// [`Error::Server`] when it is not running.
    pub fn kill_primary(&mut self) -> Result<()> {
        self.primary.kill().map_err(Error::from)
    }

    /// Promotes the standby (`pg_promote`, waiting until it accepts writes).
    ///
    /// # Errors
    /// [`Error::Server`] when there is no standby or it did not promote;
    /// connection errors.
    pub async fn promote_standby(&self) -> Result<()> {
        let url = self
            .standby
            .as_ref()
            .ok_or_else(|| Error::server("the standby is stopped"))?
            .url("postgres");
        let (client, conn) = tokio_postgres::connect(&url, NoTls).await?;
        tokio::spawn(conn);
        let promoted: bool = client.query_one(raw_sql::PROMOTE, &[]).await?.get(0);
        if promoted {
            Ok(())
        } else {
            Err(Error::server("pg_promote did not finish within 60 s"))
        }
    }

    /// After a failover ([`ReplicatedServers::kill_primary`],
    /// [`ReplicatedServers::promote_standby`]): rebuilds the failed primary's
    /// node as a streaming standby of the promoted one, on the old primary's
    /// port (`pg_basebackup -R` from it), as an operator would; the old
    /// primary's URL then reaches it. Blocks the thread meanwhile.
    ///
    /// # Errors
    /// [`Error::Server`] when there is no standby, the base backup fails or
    /// the port is taken.
    pub fn rebuild_old_primary(&self) -> Result<EmbeddedServer> {
        let promoted = self
            .standby
            .as_ref()
            .ok_or_else(|| Error::server("the standby is stopped"))?;
        Ok(promoted.standby_on(Some(self.primary.port()))?)
    }
}

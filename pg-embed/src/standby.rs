//! A streaming standby of an embedded server (`pg_basebackup -R`).

use super::*;

impl EmbeddedServer {
    /// Starts a throw-away **streaming standby** of this server: a base backup
    /// taken with `pg_basebackup -R -X stream` (as the `postgres` user when
    /// this process is root) into a new temporary directory, started on
    /// another free port as a hot standby (read-only queries, WAL streamed
    /// from this server). Like [`EmbeddedServer::temporary`], its files are
    /// deleted when it stops or this process ends.
    ///
    /// What this server needs is what `initdb` and the defaults give every
    /// embedded cluster: `wal_level=replica`, `max_wal_senders` above 0, and a
    /// `host replication all 127.0.0.1/32 trust` line in `pg_hba.conf`. The
    /// standby gets the settings of a temporary cluster (a hot standby needs
    /// `max_connections` at least the primary's) plus `hot_standby_feedback`.
    ///
    /// # Errors
    /// [`Error`] when `pg_basebackup` fails (its output is quoted) or the
    /// standby does not start.
    pub fn standby(&self) -> Result<Self, Error> {
        self.standby_on(None)
    }

    /// As [`EmbeddedServer::standby`], listening on `port` (a free one when
    /// `None`): e.g. a failed primary's port, to rebuild that node as a
    /// standby of the promoted one.
    ///
    /// # Errors
    /// As [`EmbeddedServer::standby`]; also when `port` is taken.
    pub fn standby_on(&self, port: Option<u16>) -> Result<Self, Error> {
        let bin = find_bindir()?;
        let run_as = run_as()?;
        let root = tempfile::Builder::new()
            .prefix("truthgraph-standby-")
            .tempdir()
            .map_err(|e| Error::server(format!("cannot create a temporary directory: {e}")))?
            .keep();
        if let Some(user) = run_as {
            chown(&root, user)?;
        }
        let data = root.join("data");
        let mut cmd = Command::new(bin.join("pg_basebackup"));
        cmd.arg("-D")
            .arg(&data)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-R", "-X", "stream", "--checkpoint=fast"])
            .arg("--no-sync")
            .stdin(Stdio::null())
            .current_dir("/");
        if let Some(user) = run_as {
            cmd.uid(user.uid).gid(user.gid);
        }
        let out = cmd
            .output()
            .map_err(|e| Error::server(format!("cannot run pg_basebackup: {e}")));
        match out {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(Error::server(format!(
                    "pg_basebackup failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )));
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(e);
            }
        }
        let mut extra: Vec<String> = [
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=300",
            "shared_buffers=128MB",
            "hot_standby=on",
            "hot_standby_feedback=on",
        ]
        .map(String::from)
        .into();
        extra.extend(memory::settings());
        let launch = Launch::new(&bin, &data, &root, Some(&root), run_as, &extra);
        Self::launch(launch, port, None)
    }
}

//! The postgres process of an embedded server: starting it, waiting until it
//! accepts connections, its log, and stopping it.

use super::*;

/// How a server's `postgres` runs: kept, so that a restart runs it again
/// the same way.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    bin: PathBuf,
    data: PathBuf,
    /// Socket directory, where the log is written too.
    sock: PathBuf,
    /// What the supervisor deletes when `postgres` exits (a throw-away cluster).
    remove: Option<PathBuf>,
    run_as: Option<RunAs>,
    extra: Vec<String>,
}

impl Launch {
    pub(crate) fn new(
        bin: &Path,
        data: &Path,
        sock: &Path,
        remove: Option<&Path>,
        run_as: Option<RunAs>,
        extra: &[String],
    ) -> Self {
        Launch {
            bin: bin.to_path_buf(),
            data: data.to_path_buf(),
            sock: sock.to_path_buf(),
            remove: remove.map(Path::to_path_buf),
            run_as,
            extra: extra.to_vec(),
        }
    }

    /// Whether the supervisor deletes the cluster when `postgres` exits.
    pub(crate) fn removes_cluster(&self) -> bool {
        self.remove.is_some()
    }
}

impl EmbeddedServer {
    pub(crate) fn start(
        bin: &Path,
        data: &Path,
        sock: &Path,
        remove: Option<&Path>,
        run_as: Option<RunAs>,
        extra: &[String],
        lock: Option<DataDirLock>,
    ) -> Result<Self, Error> {
        Self::launch(
            Launch::new(bin, data, sock, remove, run_as, extra),
            None,
            lock,
        )
    }

    /// Starts `postgres` as `launch` says, on `port` (a free one when `None`).
    pub(crate) fn launch(
        launch: Launch,
        port: Option<u16>,
        mut lock: Option<DataDirLock>,
    ) -> Result<Self, Error> {
        let Launch {
            bin,
            data,
            sock,
            remove,
            run_as,
            extra,
        } = &launch;
        let (bin, data, sock, remove, run_as) = (
            bin.as_path(),
            data.as_path(),
            sock.as_path(),
            remove.as_deref(),
            *run_as,
        );
        // Appended to, never deleted: each attempt reads its own lines only.
        let log_file = sock.join("postgres.log");
        // A free port can be taken between our probe and the server's bind:
        // a persistent cluster retries on another port.
        let mut last_error = None;
        for _ in 0..5 {
            let port = match port {
                Some(p) => p,
                None => free_port()?,
            };
            let log_offset = std::fs::metadata(&log_file).map_or(0, |m| m.len());
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c").arg(SUPERVISOR).arg("truthgraph-pg");
            cmd.arg(bin.join("postgres"))
                .arg(data)
                .arg(port.to_string())
                .arg(sock)
                .arg(&log_file)
                .arg(remove.map(Path::as_os_str).unwrap_or_default());
            for setting in extra {
                cmd.arg("-c").arg(setting);
            }
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group: a Ctrl-C aimed at us must not kill the
                // supervisor before it can clean up.
                .process_group(0);
            if let Some(user) = run_as {
                cmd.uid(user.uid).gid(user.gid);
            }
            if let Some(lock) = &lock {
                lock.pass_to(&mut cmd);
            }
            let mut child = cmd
                .spawn()
                .map_err(|e| Error::server(format!("cannot start postgres: {e}")))?;
            let stdin = child.stdin.take();
            let mut server = EmbeddedServer {
                port,
                data_dir: data.to_path_buf(),
                log_file: log_file.clone(),
                log_offset,
                supervisor: Some(child),
                stdin,
                launch: launch.clone(),
                _lock: None,
            };
            match server.wait_ready() {
                Ok(()) => {
                    tracing::debug!(port, data = %data.display(), ?extra, "embedded PostgreSQL started");
                    server._lock = lock.take();
                    return Ok(server);
                }
                Err(e) => {
                    let exited = server
                        .supervisor
                        .as_mut()
                        .and_then(|c| c.try_wait().ok().flatten())
                        .is_some();
                    let log = server.log_tail();
                    if let Some(pid) = postmaster_pid_conflict(&log) {
                        return Err(Error::server(format!(
                            "data directory {} is in use by another PostgreSQL server \
                             (pid {pid}, named in its postmaster.pid); stop it, or set \
                             TRUTHGRAPH_PGDATA to another directory",
                            data.display()
                        )));
                    }
                    last_error = Some(e);
                    // Only a port taken since our probe is worth another try; a
                    // server still running but not answering is reported, and a
                    // throw-away cluster is gone with its supervisor (the
                    // caller starts over).
                    if !exited || remove.is_some() || !port_taken(&log) {
                        break;
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::server("postgres did not start")))
    }

    pub(crate) fn wait_ready(&mut self) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.supervisor.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Error::server(format!(
                    "postgres exited during start-up ({status}); log {}:\n{}",
                    self.log_file.display(),
                    self.log_tail()
                )));
            }
            // The server accepts TCP before it accepts logins: wait for the
            // "ready" line it logs once it accepts connections.
            // A hot standby says "ready to accept read-only connections".
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && {
                let log = self.log_tail();
                log.contains("database system is ready to accept connections")
                    || log.contains("database system is ready to accept read-only connections")
            } {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::server(format!(
                    "postgres did not accept connections on port {} within {:?}; log:\n{}",
                    self.port,
                    START_TIMEOUT,
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last 4000 bytes this start wrote to the log.
    pub(crate) fn log_tail(&self) -> String {
        let mut bytes = Vec::new();
        if let Ok(mut f) = std::fs::File::open(&self.log_file)
            && f.seek(SeekFrom::Start(self.log_offset)).is_ok()
        {
            let _ = f.read_to_end(&mut bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        let start = text.len().saturating_sub(4000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text[start..].to_string()
    }

    pub(crate) fn shutdown(&mut self) -> Result<(), Error> {
        // Closing the pipe is the stop signal (see the module docs).
        drop(self.stdin.take());
        let Some(mut child) = self.supervisor.take() else {
            return Ok(());
        };
        // The supervisor exits with postgres's status: 0 after a fast shutdown.
        match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Error::server(format!(
                "postgres on port {} did not shut down cleanly ({status}); log {}:\n{}",
                self.port,
                self.log_file.display(),
                self.log_tail()
            ))),
            Err(e) => Err(Error::server(format!(
                "cannot wait for the supervisor of postgres on port {}: {e}",
                self.port
            ))),
        }
    }
}

/// The pid in "Is another postmaster (PID N) running", when this start failed
/// because another server holds the data directory's `postmaster.pid`.
fn postmaster_pid_conflict(log: &str) -> Option<String> {
    if !log.contains("lock file \"postmaster.pid\" already exists") {
        return None;
    }
    let pid = log
        .split_once("(PID ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("unknown", |(pid, _)| pid);
    Some(pid.to_string())
}

/// Whether this start failed because the port was taken since our probe.
fn port_taken(log: &str) -> bool {
    log.contains("Address already in use") || log.contains("could not create any TCP/IP sockets")
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        // Nobody to tell here; `stop` reports it.
        if let Err(e) = self.shutdown() {
            tracing::warn!("{e}");
        }
    }
}

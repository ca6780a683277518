//! An embedded PostgreSQL server for TruthGraph DB: used by the library when
//! `DATABASE_URL` is unset (feature `embedded`), by its tests, and by
//! `cargo xtask codegen`.
//!
//! [`EmbeddedServer::temporary`] makes a throw-away cluster (`initdb` into a temp
//! directory) for tests; [`EmbeddedServer::persistent`] keeps its data in a
//! directory (`.truthgraph/pgdata` by default) for the CLI. Both listen on
//! 127.0.0.1 on a free port, with `trust` authentication for the `postgres`
//! user, and both stop when the owning process ends.
//!
//! # How the server is tied to this process
//! `postgres` runs under a small `/bin/sh` supervisor whose standard input is a
//! pipe from this process. When this process ends for any reason (normal exit,
//! panic, `SIGKILL`), the kernel closes the pipe, the supervisor reads EOF,
//! shuts `postgres` down (fast mode) and, for a temporary cluster, deletes its
//! directory. No destructor has to run, which matters because test statics are
//! never dropped.
//!
//! We did not use `pgtemp` (or similar crates): they run `initdb` as the current
//! user, which PostgreSQL refuses when that user is root (as in CI), and they
//! clean up in `Drop`, which never runs for a process-wide test server.
//!
//! # Root
//! `initdb` and `postgres` refuse to run as root. When this process is root, both
//! run as the `postgres` system user (created by the Debian package), and the
//! data directory is owned by that user.

mod cluster;

use std::io::Read;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Why the embedded server could not be found, initialised or started. Its
/// message says what to do (install PostgreSQL, pick another data directory…)
/// and quotes the server's log when the server itself failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl Error {
    fn server(msg: impl Into<String>) -> Self {
        Error {
            message: msg.into(),
        }
    }

    /// The message, as `Display` prints it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// How long to wait for a started server to accept TCP connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Supervisor script: `$1` postgres binary, `$2` data dir, `$3` port, `$4` socket
/// dir, `$5` log file, `$6` directory to delete on exit (empty: keep), `$7..`
/// extra `-c` settings. Stops postgres when stdin reaches EOF.
const SUPERVISOR: &str = r#"
pg="$1"; data="$2"; port="$3"; sock="$4"; log="$5"; remove="$6"; shift 6
# Background jobs of a non-interactive shell read /dev/null, so keep our stdin on fd 3.
exec 3<&0
"$pg" -D "$data" -p "$port" -k "$sock" -c listen_addresses=127.0.0.1 "$@" >>"$log" 2>&1 </dev/null 3<&- &
pid=$!
# EOF on fd 3 means the owner is gone. Background jobs start with SIGINT ignored
# until postgres installs its handler, so repeat the fast-shutdown signal.
( cat <&3 >/dev/null; while kill -INT "$pid" 2>/dev/null; do sleep 0.2; done ) &
watcher=$!
exec 3<&-
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
[ -n "$remove" ] && rm -rf "$remove"
exit "$status"
"#;

/// A running PostgreSQL server started by this process.
///
/// Dropping it (or ending the process) stops the server; a temporary cluster's
/// files are deleted as well.
#[derive(Debug)]
pub struct EmbeddedServer {
    port: u16,
    data_dir: PathBuf,
    log_file: PathBuf,
    supervisor: Option<Child>,
    stdin: Option<ChildStdin>,
}

use cluster::{RunAs, check_reachable, chown, find_bindir, free_port, init_cluster, run_as};

impl EmbeddedServer {
    /// Starts a throw-away cluster in a new temporary directory.
    ///
    /// Settings favour speed over durability (`fsync=off`): the cluster is
    /// deleted when the process ends.
    ///
    /// # Errors
    /// [`Error`] when the PostgreSQL binaries are missing, `initdb` fails,
    /// or the server does not accept connections within a minute.
    pub fn temporary() -> Result<Self, Error> {
        let bin = find_bindir()?;
        let run_as = run_as()?;
        // A free port can be taken between our probe and the server's bind, and
        // the supervisor deletes a failed throw-away cluster: start over then.
        let mut last = None;
        for _ in 0..3 {
            match Self::try_temporary(&bin, run_as) {
                Ok(server) => return Ok(server),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::server("postgres did not start")))
    }

    fn try_temporary(bin: &Path, run_as: Option<RunAs>) -> Result<Self, Error> {
        let root = tempfile::Builder::new()
            .prefix("truthgraph-pg-")
            .tempdir()
            .map_err(|e| Error::server(format!("cannot create a temporary directory: {e}")))?
            .keep();
        if let Some(user) = run_as {
            chown(&root, user)?;
        }
        let data = root.join("data");
        if let Err(e) = init_cluster(bin, &data, run_as) {
            let _ = std::fs::remove_dir_all(&root);
            return Err(e);
        }
        let extra = [
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=300",
            "maintenance_work_mem=512MB",
            "shared_buffers=256MB",
        ];
        Self::start(bin, &data, &root, Some(&root), run_as, &extra)
    }

    /// Starts a server on a persistent data directory, creating the cluster on
    /// first use.
    ///
    /// # Errors
    /// [`Error`] as for [`EmbeddedServer::temporary`], and when another
    /// server already runs on `data_dir`.
    pub fn persistent(data_dir: &Path) -> Result<Self, Error> {
        let bin = find_bindir()?;
        let run_as = run_as()?;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::server(format!("cannot create {}: {e}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| Error::server(format!("cannot resolve {}: {e}", data_dir.display())))?;
        if let Some(user) = run_as {
            chown(&data_dir, user)?;
            check_reachable(&data_dir, user)?;
        }
        if !data_dir.join("PG_VERSION").exists() {
            init_cluster(&bin, &data_dir, run_as)?;
        }
        if data_dir.join("postmaster.pid").exists() {
            tracing::warn!(
                "{} has a postmaster.pid; if another server runs there, starting will fail",
                data_dir.display()
            );
        }
        let sock = data_dir.clone();
        Self::start(
            &bin,
            &data_dir,
            &sock,
            None,
            run_as,
            &["max_connections=100"],
        )
    }

    fn start(
        bin: &Path,
        data: &Path,
        sock: &Path,
        remove: Option<&Path>,
        run_as: Option<RunAs>,
        extra: &[&str],
    ) -> Result<Self, Error> {
        let log_file = sock.join("postgres.log");
        // Fresh log per start, so start-up errors quoted to the user are this run's.
        let _ = std::fs::remove_file(&log_file);
        // A free port can be taken between our probe and the server's bind:
        // a persistent cluster retries on another port.
        let mut last_error = None;
        for _ in 0..5 {
            let port = free_port()?;
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
            let mut child = cmd
                .spawn()
                .map_err(|e| Error::server(format!("cannot start postgres: {e}")))?;
            let stdin = child.stdin.take();
            let mut server = EmbeddedServer {
                port,
                data_dir: data.to_path_buf(),
                log_file: log_file.clone(),
                supervisor: Some(child),
                stdin,
            };
            match server.wait_ready() {
                Ok(()) => {
                    tracing::debug!(port, data = %data.display(), "embedded PostgreSQL started");
                    return Ok(server);
                }
                Err(e) => {
                    let exited = server
                        .supervisor
                        .as_mut()
                        .and_then(|c| c.try_wait().ok().flatten())
                        .is_some();
                    last_error = Some(e);
                    if !exited || remove.is_some() {
                        // Still running but not answering: report it. A throw-away
                        // cluster is gone with its supervisor; the caller starts over.
                        break;
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::server("postgres did not start")))
    }

    fn wait_ready(&mut self) -> Result<(), Error> {
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
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self
                    .log_tail()
                    .contains("database system is ready to accept connections")
            {
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

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log_file) {
            let _ = f.read_to_string(&mut text);
        }
        let start = text.len().saturating_sub(4000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text[start..].to_string()
    }

    /// The TCP port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A connection URL for database `dbname` as the `postgres` superuser.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{dbname}?sslmode=disable",
            self.port
        )
    }

    /// Stops the server and waits until it has exited (and, for a temporary
    /// cluster, until its files are deleted).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Closing the pipe is the stop signal (see the module docs).
        drop(self.stdin.take());
        if let Some(mut child) = self.supervisor.take() {
            let _ = child.wait();
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `url` with `dbname` as its database, keeping user, host, port and query
/// string (`url` may have a database or not).
pub fn with_database(url: &str, dbname: &str) -> String {
    let base = strip_database(url);
    let (root, query) = match base.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (base.as_str(), String::new()),
    };
    format!("{}/{dbname}{query}", root.trim_end_matches('/'))
}

/// `url` without its database path, keeping the query string: the server
/// part of a connection URL, to which a database name can be appended.
pub fn strip_database(url: &str) -> String {
    let after = url.find("://").map_or(0, |i| i + 3);
    let (root, query) = match url.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (url, String::new()),
    };
    let root = match root[after..].find('/') {
        Some(i) => &root[..after + i],
        None => root,
    };
    format!("{root}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_swap_their_database() {
        assert_eq!(
            strip_database("postgresql://u:p@h:5/db?sslmode=disable"),
            "postgresql://u:p@h:5?sslmode=disable"
        );
        assert_eq!(
            with_database("postgresql://u@h:5", "x"),
            "postgresql://u@h:5/x"
        );
        assert_eq!(
            with_database("postgresql://u@h:5/old?sslmode=disable", "x"),
            "postgresql://u@h:5/x?sslmode=disable"
        );
    }
}

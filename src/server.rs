//! The embedded PostgreSQL server: used when `DATABASE_URL` is unset.
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

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// Why the embedded server could not be found, initialised or started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError(pub String);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServerError {}

type Error = ServerError;

impl ServerError {
    fn server(msg: impl Into<String>) -> Self {
        ServerError(msg.into())
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

/// The unprivileged account to run PostgreSQL as, when this process is root.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

impl EmbeddedServer {
    /// Starts a throw-away cluster in a new temporary directory.
    ///
    /// Settings favour speed over durability (`fsync=off`): the cluster is
    /// deleted when the process ends.
    ///
    /// # Errors
    /// [`ServerError`] when the PostgreSQL binaries are missing, `initdb` fails,
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
    /// [`ServerError`] as for [`EmbeddedServer::temporary`], and when another
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

/// Finds the directory holding `initdb` and `postgres`.
///
/// Order: `TRUTHGRAPH_PG_BINDIR`, the newest `/usr/lib/postgresql/<N>/bin`
/// (Debian's layout), then `pg_config --bindir`.
fn find_bindir() -> Result<PathBuf, Error> {
    let has_server = |dir: &Path| dir.join("postgres").is_file() && dir.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("TRUTHGRAPH_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(Error::server(format!(
                "TRUTHGRAPH_PG_BINDIR={} has no postgres and initdb",
                dir.display()
            )))
        };
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((major, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Ok(bin);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    Err(Error::server(
        "PostgreSQL server binaries not found: run scripts/provision-postgres.sh, \
         set TRUTHGRAPH_PG_BINDIR, or set DATABASE_URL to use an existing server",
    ))
}

fn run_as() -> Result<Option<RunAs>, Error> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|e| Error::server(format!("cannot read /etc/passwd: {e}")))?;
    passwd
        .lines()
        .find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == "postgres").then(|| {
                Some(RunAs {
                    uid: f[2].parse().ok()?,
                    gid: f[3].parse().ok()?,
                })
            })?
        })
        .map(Some)
        .ok_or_else(|| {
            Error::server(
                "running as root, and PostgreSQL refuses to run as root, but there is no \
                 `postgres` user to run it as (install postgresql-15, which creates it)",
            )
        })
}

fn chown(path: &Path, user: RunAs) -> Result<(), Error> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| Error::server(format!("cannot hand {} to postgres: {e}", path.display())))
}

/// Fails with a clear message when the `postgres` user cannot reach `dir`
/// (e.g. a checkout under `/root`, which is mode 700).
fn check_reachable(dir: &Path, user: RunAs) -> Result<(), Error> {
    let ok = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"test -r "$1" && test -w "$1" && test -x "$1""#)
        .arg("sh")
        .arg(dir)
        .uid(user.uid)
        .gid(user.gid)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::server(format!(
            "the postgres user cannot reach {} (a parent directory is private); set \
             TRUTHGRAPH_PGDATA to a directory it can reach, e.g. /var/tmp/truthgraph-pgdata",
            dir.display()
        )))
    }
}

fn init_cluster(bin: &Path, data: &Path, run_as: Option<RunAs>) -> Result<(), Error> {
    let mut cmd = Command::new(bin.join("initdb"));
    cmd.arg("-D")
        .arg(data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ])
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    // initdb uses the working directory; make sure the postgres user can stat it.
    cmd.current_dir(data.parent().unwrap_or(Path::new("/")));
    if let Some(user) = run_as {
        cmd.uid(user.uid).gid(user.gid).current_dir("/");
    }
    let out = cmd
        .output()
        .map_err(|e| Error::server(format!("cannot run initdb: {e}")))?;
    if !out.status.success() {
        return Err(Error::server(format!(
            "initdb {} failed: {}",
            data.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

fn free_port() -> Result<u16, Error> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::server(format!("no free TCP port on 127.0.0.1: {e}")))
}

//! An embedded PostgreSQL server for TruthGraph DB: used by the library when
//! `DATABASE_URL` is unset (feature `embedded`), by its tests, and by
//! `cargo xtask codegen`.
//!
//! [`EmbeddedServer::temporary`] makes a throw-away cluster (`initdb` into a temp
//! directory) for tests; [`EmbeddedServer::persistent`] keeps its data in a
//! directory (`.truthgraph/pgdata` by default) for the CLI. Both listen on
//! 127.0.0.1 on a free port, with `trust` authentication for the `postgres`
//! user, and both stop when the owning process ends.
//! [`EmbeddedServer::standby`] makes a throw-away streaming standby of a
//! running server (`pg_basebackup -R`), for tests of read replicas.
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
//! # One owner per data directory
//! A persistent data directory has one owner at a time: an exclusive `flock`
//! on `<data dir>.lock` (beside it, e.g. `.truthgraph/pgdata.lock`), which
//! holds the owner's pid. A second process waits for it (up to
//! [`DEFAULT_LOCK_WAIT`], or what [`EmbeddedServer::persistent_waiting`] is
//! given) and then fails with "data directory … is in use by pid N"; a second
//! open in the process that already runs a server there fails at once. `initdb`,
//! the supervisor and `postgres` inherit the lock, so it is held until the
//! last process that could write the directory is gone, even after the owner
//! was killed. Each start keeps the previous run's log as `postgres.log.1`.
//! A server that this library did not start (its `postmaster.pid` names a
//! live process) is reported as such, with its pid.
//!
//! # A first `initdb` that can be killed
//! Before the first `initdb` of an empty persistent directory, the marker
//! `<data dir>.initdb-incomplete` is written; it is removed once `initdb` has
//! finished and its files are flushed. A start that finds the marker empties
//! the directory (only ever one that was empty when the marker was written)
//! and runs `initdb` again, so a `SIGKILL` at any point of the first `initdb`
//! costs nothing but the time.
//!
//! # Memory
//! Every server starts with `maintenance_work_mem` sized from the machine
//! ([`maintenance_work_mem_mb`]: 1/16 of memory, 256 MB ..= 2 GB) so that
//! vector index builds and `REINDEX` fit; where `/dev/shm` is too small for a
//! parallel HNSW build's segment of that size (Docker's 64 MB), dynamic
//! shared memory goes to files in the data directory instead. A persistent
//! cluster is created with `shared_buffers` of 1/8 of memory (128 MB ..= 8
//! GB, [`shared_buffers_mb`]) written into its `postgresql.conf`, so that
//! the vector indexes of large tenants stay in memory and `ALTER SYSTEM`
//! can still change it; throw-away test servers keep 256 MB. It also loads
//! `pg_prewarm` when the server has it ([`AUTOPREWARM_CONF`]), so a restart
//! keeps what `shared_buffers` held; a cluster made before that gets it at
//! its next start.
//!
//! # Root
//! `initdb` and `postgres` refuse to run as root. When this process is root, both
//! run as the `postgres` system user (created by the Debian package), and the
//! data directory is owned by that user.

mod citus;
mod cluster;
mod control;
mod datadir;
mod error;
mod memory;
mod process;
mod standby;
mod url;

pub use citus::CitusCluster;
pub use control::StopMode;
pub use error::Error;
pub use memory::{maintenance_work_mem_mb, shared_buffers_mb};
pub use url::{strip_database, with_database};

use std::io::{Read, Seek, SeekFrom};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// How long to wait for a started server to accept TCP connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long [`EmbeddedServer::persistent`] waits for another process to
/// release the data directory: long enough for another CLI command such as
/// `migrate` or `status` to finish.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The comment a persistent cluster's `postgresql.conf` gets at its
/// creation, above its `shared_buffers`: how a start knows the cluster is
/// one this crate made.
const SIZED_CONF: &str = "# truthgraph-pg-embed: sized from this machine's memory at creation";

/// What a persistent cluster's `postgresql.conf` gets when the server
/// has `pg_prewarm` (Debian's `postgresql-15` does), at its creation or at
/// the first start of a cluster this crate made before it did so, unless
/// that file names `shared_preload_libraries` itself: autoprewarm writes the
/// list of blocks in `shared_buffers` to `autoprewarm.blocks` every 300 s
/// and at shutdown, and reads them back in the background at start, so the
/// searches after a restart find their vector indexes in memory instead of
/// reading them page by page (1M x 384 rows, 2 GB of tier indexes, OS cache
/// dropped: the first 90 searches took 27.5 s at p50 36 ms without it, 1.5
/// s at p50 9.9 ms with it; BENCHMARKS.md, "After a restart"). `ALTER
/// SYSTEM` overrides it.
pub const AUTOPREWARM_CONF: &str = "# truthgraph-pg-embed: autoprewarm reloads shared_buffers \
     after a restart (pg_prewarm); ALTER SYSTEM overrides it\n\
     shared_preload_libraries = 'pg_prewarm'\n";

/// Supervisor script: `$1` postgres binary, `$2` data dir, `$3` port, `$4` socket
/// dir, `$5` log file, `$6` directory to delete on exit (empty: keep), `$7..`
/// extra `-c` settings. Stops postgres when stdin reaches EOF. The data
/// directory's lock, when there is one, is inherited on fd 9 by it and by
/// `postgres` (see [`datadir`]).
const SUPERVISOR: &str = r#"
pg="$1"; data="$2"; port="$3"; sock="$4"; log="$5"; remove="$6"; shift 6
# Background jobs of a non-interactive shell read /dev/null, so keep our stdin on fd 3.
exec 3<&0
"$pg" -D "$data" -p "$port" -k "$sock" -c listen_addresses=127.0.0.1 "$@" >>"$log" 2>&1 </dev/null 3<&- &
pid=$!
# EOF on fd 3 means the owner is gone. Background jobs start with SIGINT ignored
# until postgres installs its handler, so repeat the fast-shutdown signal.
# It does not hold the data directory's lock (fd 9): once we are gone, it is free.
( cat <&3 >/dev/null; while kill -INT "$pid" 2>/dev/null; do sleep 0.2; done ) 9<&- &
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
    /// Where this start's lines begin in `log_file` (it is appended to).
    log_offset: u64,
    supervisor: Option<Child>,
    stdin: Option<ChildStdin>,
    /// How `postgres` was started, for [`EmbeddedServer::restart`].
    launch: Launch,
    /// Released after the supervisor has exited (fields drop after `Drop`).
    _lock: Option<DataDirLock>,
}

use cluster::{RunAs, check_reachable, chown, find_bindir, free_port, init_cluster, run_as};
use datadir::{DataDirLock, State};
use process::Launch;

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
        if let Err(e) = init_cluster(bin, &data, run_as, None) {
            let _ = std::fs::remove_dir_all(&root);
            return Err(e);
        }
        let mut extra: Vec<String> = [
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=300",
            "shared_buffers=256MB",
        ]
        .map(String::from)
        .into();
        extra.extend(memory::settings());
        Self::start(bin, &data, &root, Some(&root), run_as, &extra, None)
    }

    /// Starts a server on a persistent data directory, creating the cluster on
    /// first use; waits up to [`DEFAULT_LOCK_WAIT`] while another process
    /// uses the directory.
    ///
    /// # Errors
    /// As for [`EmbeddedServer::persistent_waiting`].
    pub fn persistent(data_dir: &Path) -> Result<Self, Error> {
        Self::persistent_waiting(data_dir, DEFAULT_LOCK_WAIT)
    }

    /// Starts a server on a persistent data directory, creating the cluster on
    /// first use (or again, when a first `initdb` was interrupted), after
    /// waiting up to `wait` for another process to release the directory
    /// (see the crate docs).
    ///
    /// # Errors
    /// [`Error`] as for [`EmbeddedServer::temporary`]; when another process
    /// still holds the directory after `wait` ("is in use by pid N"); when a
    /// PostgreSQL server this library did not start runs on it; when the
    /// directory is neither empty nor a cluster; and when the lock file beside
    /// it cannot be created.
    pub fn persistent_waiting(data_dir: &Path, wait: Duration) -> Result<Self, Error> {
        let bin = find_bindir()?;
        let run_as = run_as()?;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| Error::server(format!("cannot create {}: {e}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| Error::server(format!("cannot resolve {}: {e}", data_dir.display())))?;
        let lock = DataDirLock::acquire(&data_dir, wait)?;
        if let Some(user) = run_as {
            chown(&data_dir, user)?;
            check_reachable(&data_dir, user)?;
        }
        if datadir::prepare(&data_dir)? == State::NeedsInitdb {
            init_cluster(&bin, &data_dir, run_as, Some(&lock))?;
            let conf = format!(
                "{SIZED_CONF}; ALTER SYSTEM overrides it\nshared_buffers = '{}MB'\n",
                memory::shared_buffers_mb()
            );
            cluster::append_conf(&data_dir, &conf)?;
            datadir::finish_initdb(&data_dir)?;
        }
        // New clusters, and those made before autoprewarm was part of ours.
        if cluster::wants_autoprewarm(&data_dir, SIZED_CONF, AUTOPREWARM_CONF)?
            && cluster::has_library(&bin, "pg_prewarm")
        {
            cluster::append_conf(&data_dir, AUTOPREWARM_CONF)?;
        }
        // Keep the previous run's log for whoever looks into a failure; we hold
        // the lock, so no server of ours writes it any more.
        let log = data_dir.join("postgres.log");
        if log.exists() {
            let _ = std::fs::rename(&log, data_dir.join("postgres.log.1"));
        }
        let mut extra = vec!["max_connections=100".to_string()];
        extra.extend(memory::settings());
        let sock = data_dir.clone();
        Self::start(&bin, &data_dir, &sock, None, run_as, &extra, Some(lock))
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
    ///
    /// # Errors
    /// [`Error`] when the supervisor cannot be waited for, or exits with a
    /// failure: `postgres` did not end with a clean fast shutdown (it had
    /// crashed or was killed), with the tail of the log.
    pub fn stop(mut self) -> Result<(), Error> {
        self.shutdown()
    }
}

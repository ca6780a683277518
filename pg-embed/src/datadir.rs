//! A persistent data directory shared by processes that may start together or
//! be killed at any moment: the lock that gives it one owner at a time, and a
//! first `initdb` that a `SIGKILL` cannot leave half done.
//!
//! Both live *next to* the data directory (`pgdata` → `pgdata.lock`,
//! `pgdata.initdb-incomplete`): `initdb` wants an empty directory, and the lock
//! must already be held while it runs.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::Error;

/// The descriptor number under which children (`initdb`, the supervisor and
/// `postgres`) inherit the lock, so that it stays held until every process
/// that could write the data directory is gone, even when its owner was
/// killed first.
const INHERITED_FD: RawFd = 9;

/// An exclusive `flock` on `<data dir>.lock`, held for the life of the
/// [`crate::EmbeddedServer`] (and of the processes it started).
#[derive(Debug)]
pub(crate) struct DataDirLock {
    file: File,
    data_dir: PathBuf,
}

/// The data directories locked by this process. A second lock of one of them
/// fails at once: the holder is not going to finish while we wait. (The pid in
/// the lock file cannot tell: a child forked by another thread holds a copy
/// of the descriptor for a moment before its exec.)
fn held() -> MutexGuard<'static, Vec<PathBuf>> {
    static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    HELD.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        let mut held = held();
        if let Some(i) = held.iter().position(|d| *d == self.data_dir) {
            held.swap_remove(i);
        }
    }
}

impl DataDirLock {
    /// Takes the lock of `data_dir`, waiting up to `wait` for its holder to
    /// finish, and writes this process's id into the lock file.
    pub(crate) fn acquire(data_dir: &Path, wait: Duration) -> Result<Self, Error> {
        let path = sibling(data_dir, "lock");
        let mut file = open_lock_file(&path)?;
        let deadline = Instant::now() + wait;
        let mut announced = false;
        loop {
            // SAFETY: flock on a descriptor we own; no memory is involved.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != ErrorKind::WouldBlock {
                return Err(Error::server(format!(
                    "cannot lock {}: {err}",
                    path.display()
                )));
            }
            let holder = holder(&mut file);
            // Waiting for a server of our own would only end in the timeout.
            let ours = held().contains(&data_dir.to_path_buf());
            if ours || Instant::now() >= deadline {
                let how = if ours {
                    "this process already runs a server there: open it once and share it"
                } else {
                    "another truthgraph-db command?"
                };
                return Err(Error::server(format!(
                    "data directory {} is in use by {holder} ({how}); waited {:?} for it. \
                     Let it finish, or set TRUTHGRAPH_PGDATA to another directory",
                    data_dir.display(),
                    if ours { Duration::ZERO } else { wait }
                )));
            }
            if !announced {
                tracing::warn!(
                    "data directory {} is in use by {holder}; waiting up to {wait:?} for it to finish",
                    data_dir.display()
                );
                announced = true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Best effort: a lock file we may only read (made by root) still locks.
        let _ = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        held().push(data_dir.to_path_buf());
        Ok(DataDirLock {
            file,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Lets the child started by `cmd` inherit the lock (see [`INHERITED_FD`]).
    pub(crate) fn pass_to(&self, cmd: &mut Command) {
        let fd = self.file.as_raw_fd();
        // SAFETY: the closure runs between fork and exec and only calls dup2
        // and fcntl, which are async-signal-safe, and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                // dup2 onto itself would keep FD_CLOEXEC: clear it explicitly.
                if libc::dup2(fd, INHERITED_FD) < 0
                    || libc::fcntl(INHERITED_FD, libc::F_SETFD, 0) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

fn open_lock_file(path: &Path) -> Result<File, Error> {
    let writable = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .open(path);
    match writable {
        Ok(f) => Ok(f),
        // flock needs no write access: a lock file made by another user still locks.
        Err(e) if e.kind() == ErrorKind::PermissionDenied && path.exists() => {
            File::open(path).map_err(|e| lock_file_error(path, &e))
        }
        Err(e) => Err(lock_file_error(path, &e)),
    }
}

fn lock_file_error(path: &Path, e: &std::io::Error) -> Error {
    Error::server(format!(
        "cannot open the lock file {}: {e} (the directory holding the data directory must be \
         writable)",
        path.display()
    ))
}

/// "pid N" from the lock file, or a vaguer phrase while it is being written.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("pid {pid}"),
        Err(_) => "another process".to_string(),
    }
}

/// `dir` with `.suffix` appended to its last component: a file beside it.
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "pgdata".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!("{name}.{suffix}"))
}

/// What [`prepare`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// A cluster is there (`PG_VERSION`, no unfinished first `initdb`).
    Initialised,
    /// Empty, or emptied of an interrupted first `initdb`: run `initdb` now,
    /// then [`finish_initdb`].
    NeedsInitdb,
}

/// Decides whether `data_dir` (locked by the caller) needs `initdb`, removing
/// what an interrupted first `initdb` of ours left; when it does, leaves the
/// marker `<data dir>.initdb-incomplete` that [`finish_initdb`] removes.
///
/// Only a directory that was empty when the marker was written is ever
/// emptied again, so a cluster or files of someone else are never deleted.
pub(crate) fn prepare(data_dir: &Path) -> Result<State, Error> {
    let marker = sibling(data_dir, "initdb-incomplete");
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Error::server(format!("cannot {what} {}: {e}", p.display()))
    };
    if marker.exists() {
        tracing::warn!(
            "the first initdb of {} was interrupted; removing what it wrote and starting over",
            data_dir.display()
        );
        for entry in std::fs::read_dir(data_dir).map_err(|e| io("read", data_dir, e))? {
            let path = entry.map_err(|e| io("read", data_dir, e))?.path();
            let removed = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.map_err(|e| io("remove", &path, e))?;
        }
        return Ok(State::NeedsInitdb);
    }
    if data_dir.join("PG_VERSION").exists() {
        return Ok(State::Initialised);
    }
    let mut entries = std::fs::read_dir(data_dir).map_err(|e| io("read", data_dir, e))?;
    if entries.next().is_some() {
        return Err(Error::server(format!(
            "{} is neither empty nor a PostgreSQL data directory (it has no PG_VERSION); \
             empty it or set TRUTHGRAPH_PGDATA to another directory",
            data_dir.display()
        )));
    }
    let mut file = File::create(&marker).map_err(|e| io("create", &marker, e))?;
    writeln!(
        file,
        "initdb of {} started by pid {} has not finished; the next start empties that \
         directory and runs initdb again",
        data_dir.display(),
        std::process::id()
    )
    .and_then(|()| file.sync_all())
    .map_err(|e| io("write", &marker, e))?;
    sync_parent(&marker);
    Ok(State::NeedsInitdb)
}

/// Makes a finished `initdb` durable, then removes the marker.
pub(crate) fn finish_initdb(data_dir: &Path) -> Result<(), Error> {
    // initdb ran with --no-sync: flush its files before declaring it complete.
    if let Ok(dir) = File::open(data_dir) {
        // SAFETY: syncfs on a descriptor we own.
        unsafe { libc::syncfs(dir.as_raw_fd()) };
    }
    let marker = sibling(data_dir, "initdb-incomplete");
    std::fs::remove_file(&marker)
        .map_err(|e| Error::server(format!("cannot remove {}: {e}", marker.display())))?;
    sync_parent(&marker);
    Ok(())
}

fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent().and_then(|p| File::open(p).ok()) {
        let _ = dir.sync_all();
    }
}

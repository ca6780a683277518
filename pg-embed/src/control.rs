//! Faults of a running server, for failover tests and the load test's chaos
//! mode: the postmaster's pid, a `SIGKILL`, and a restart in place (fast or
//! immediate, as `pg_ctl restart -m …`).

use super::*;

/// How [`EmbeddedServer::restart`] stops the server: the signal `pg_ctl stop
/// -m <mode>` sends to the postmaster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// `-m fast` (`SIGINT`): sessions are ended (SQLSTATE 57P01), open
    /// transactions rolled back, a shutdown checkpoint written.
    Fast,
    /// `-m immediate` (`SIGQUIT`): every server process quits at once, with
    /// no checkpoint; the next start runs crash recovery from the WAL (with
    /// `fsync` on, every commit acknowledged under `synchronous_commit = on`
    /// survives it).
    Immediate,
}

impl StopMode {
    fn signal(self) -> libc::c_int {
        match self {
            StopMode::Fast => libc::SIGINT,
            StopMode::Immediate => libc::SIGQUIT,
        }
    }
}

impl EmbeddedServer {
    /// The postmaster's process id (the first line of `postmaster.pid` in the
    /// data directory), while it runs.
    pub fn postmaster_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    fn signal_postmaster(&self, signal: libc::c_int) -> Result<(), Error> {
        // After a kill or a stop, postmaster.pid may still name a pid that
        // is someone else's by now.
        let running = self.supervisor.is_some();
        let pid = self.postmaster_pid().filter(|_| running).ok_or_else(|| {
            Error::server(format!(
                "postgres on port {} is not running (no postmaster.pid)",
                self.port
            ))
        })?;
        // SAFETY: kill(2) on a pid we read; no memory is involved.
        if unsafe { libc::kill(pid, signal) } != 0 {
            return Err(Error::server(format!(
                "cannot signal postgres (pid {pid}): {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }

    /// Waits until the supervisor has exited (after `postgres` did), and
    /// closes the pipe that would have told it to stop.
    fn wait_supervisor(&mut self) -> Result<std::process::ExitStatus, Error> {
        drop(self.stdin.take());
        let Some(mut child) = self.supervisor.take() else {
            return Err(Error::server("the server was stopped already"));
        };
        child.wait().map_err(|e| {
            Error::server(format!(
                "cannot wait for the supervisor of postgres on port {}: {e}",
                self.port
            ))
        })
    }

    /// Kills the server with `SIGKILL`, as a crash of its machine would: the
    /// postmaster and every server process at the same moment, so nothing
    /// is shut down and no backend goes on committing after the crash (a
    /// postmaster killed alone leaves its backends running until they notice,
    /// and a throw-away cluster's directory is deleted under them). Clients
    /// see their connections closed. Returns once the supervisor has exited
    /// (for a throw-away cluster, after deleting it); [`EmbeddedServer::port`]
    /// then refuses connections.
    ///
    /// # Errors
    /// [`Error`] when the server is not running or cannot be signalled.
    pub fn kill(&mut self) -> Result<(), Error> {
        // Stopped first, the postmaster forks no new backend while its
        // children are listed and killed.
        self.signal_postmaster(libc::SIGSTOP)?;
        if let Some(pid) = self.postmaster_pid() {
            for child in children_of(pid) {
                // SAFETY: kill(2) on a pid just read from /proc; no memory.
                unsafe { libc::kill(child, libc::SIGKILL) };
            }
        }
        self.signal_postmaster(libc::SIGKILL)?;
        self.wait_supervisor().map(|_| ())
    }

    /// Stops the server as `mode` says and starts it again on the same data
    /// directory, port and settings, as `pg_ctl restart -m <mode>` would;
    /// returns once it accepts connections again (after crash recovery, for
    /// [`StopMode::Immediate`]). Meanwhile clients see their connections
    /// ended, then refused, then "the database system is starting up"
    /// (57P03).
    ///
    /// # Errors
    /// [`Error`] for a throw-away cluster ([`EmbeddedServer::temporary`],
    /// [`EmbeddedServer::standby`]: its supervisor deletes the cluster when
    /// `postgres` exits), when the server is not running, or does not start
    /// again (with its log).
    pub fn restart(&mut self, mode: StopMode) -> Result<(), Error> {
        if self.launch.removes_cluster() {
            return Err(Error::server(
                "a throw-away cluster cannot restart: its supervisor deletes it when postgres \
                 exits (restart a persistent one)",
            ));
        }
        self.signal_postmaster(mode.signal())?;
        self.wait_supervisor()?;
        let lock = self._lock.take();
        let server = Self::launch(self.launch.clone(), Some(self.port), lock)?;
        *self = server;
        Ok(())
    }
}

/// The processes whose parent is `pid` (from `/proc/<pid>/stat`).
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // "pid (comm) state ppid …": comm may hold spaces, so split
                // after its closing parenthesis.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

//! The embedded server on a persistent data directory, as the CLI uses it,
//! against real `truthgraph-db` processes: two commands started together on
//! one fresh directory, and a `SIGKILL` during the first `initdb`. The
//! library's side (a held directory, a server we did not start, its memory)
//! is `tests/it/embedded.rs` of the library.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{PausePoint, PausingBindir, listed, versions};

/// A directory for `pgdata` that the `postgres` user can reach when the
/// tests run as root.
fn reachable_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn cli(pgdata: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("TRUTHGRAPH_PGDATA", pgdata);
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command whose stderr is read line by line as it comes.
struct Watched {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Watched {
    fn spawn(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            for line in std::io::BufRead::lines(std::io::BufReader::new(err)) {
                let line = line.unwrap_or_default();
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(line);
            }
            all
        });
        Watched {
            child,
            lines,
            stderr: Some(stderr),
        }
    }

    /// Waits (up to 60 s) for a line of stderr containing `needle`.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(e) => panic!("no line with {needle:?} on stderr ({e})"),
            }
        }
    }

    /// Exit status, stdout and stderr once it has ended.
    fn finish(mut self) -> (std::process::ExitStatus, String, String) {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut out).unwrap();
        let status = self.child.wait().unwrap();
        let stderr = self.stderr.take().unwrap().join().unwrap();
        (status, out, stderr)
    }
}

impl Drop for Watched {
    /// Never leaves the command running (e.g. when a test panicked).
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `args` twice on `pgdata`: the first stops at `at` (holding the data
/// directory's lock), the second starts only then, and the first goes on only
/// once the second has said that it waits for the lock. Returns both
/// outcomes (status, stdout, stderr).
fn second_waits_for_first(
    pgdata: &Path,
    bin: &PausingBindir,
    at: PausePoint,
    args: &[&str],
) -> [(std::process::ExitStatus, String, String); 2] {
    let mut first = cli(pgdata, args);
    bin.apply(&mut first, Some(at));
    let mut first = Watched::spawn(first);
    bin.wait_paused(|| first.child.try_wait().unwrap().is_some());
    let mut second = cli(pgdata, args);
    bin.apply(&mut second, None);
    let second = Watched::spawn(second);
    let line = second.wait_for("is in use by");
    assert!(
        line.contains(&format!("pid {}", first.child.id())),
        "{line}"
    );
    bin.release();
    [first.finish(), second.finish()]
}

#[test]
fn two_commands_started_together_on_one_fresh_data_directory_both_succeed() {
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    let bin = PausingBindir::new(dir.path());
    // Both race for the first initdb and the server; before the lock, one
    // deleted the other's log (which then waited a minute and failed) or
    // their initdbs collided. Forced: the first is held inside its initdb
    // (bootstrapping template1) while the second starts.
    let outs = second_waits_for_first(&pgdata, &bin, "--boot", &["migrate"]);
    for (status, _, err) in &outs {
        assert!(status.success(), "{err}");
    }
    let both = format!("{}{}", outs[0].1, outs[1].1);
    assert_eq!(
        both.matches(&format!("applied {}", listed(&versions())))
            .count(),
        1,
        "{both}"
    );
    assert_eq!(both.matches("already up to date").count(), 1, "{both}");

    // Again on the initialised directory: there the second used to delete the
    // first's log, so the first never saw "ready" and failed after a minute.
    // Forced: the first is held as its server starts.
    let bin = PausingBindir::new(&dir.path().join("again"));
    let outs = second_waits_for_first(&pgdata, &bin, "-D", &["status"]);
    for (status, _, err) in &outs {
        assert!(status.success(), "{err}");
    }
    assert!(!pgdata.join("postmaster.pid").exists());
    // Each start kept the previous run's log.
    assert!(pgdata.join("postgres.log.1").exists());
}

/// Starts `truthgraph-db status` on a fresh `pgdata` in its own process
/// group with `bin` stopping its first `initdb` at `at`, waits until it
/// stopped there, then `SIGKILL`s the group (or, with `orphan`, only the
/// command, and lets its `initdb` go on: it holds the lock until it ends).
fn kill_first_initdb(pgdata: &Path, bin: &PausingBindir, at: PausePoint, orphan: bool) {
    let mut cmd = cli(pgdata, &["status"]);
    bin.apply(&mut cmd, Some(at));
    let mut child: Child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    bin.wait_paused(|| child.try_wait().unwrap().is_some());
    let target = if orphan {
        child.id().to_string()
    } else {
        format!("-{}", child.id())
    };
    let killed = Command::new("kill")
        .args(["-KILL", "--", &target])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap();
    if orphan {
        bin.release();
    }
}

fn marker(pgdata: &Path) -> PathBuf {
    pgdata.with_file_name("pgdata.initdb-incomplete")
}

fn entries(p: &Path) -> usize {
    std::fs::read_dir(p).map_or(0, Iterator::count)
}

/// What the data directory holds at a pause point.
type Holds = fn(&Path) -> bool;

#[test]
fn sigkill_during_the_first_initdb_is_recovered_by_the_next_start() {
    // Points of initdb's work, in order, each held there (initdb waits for
    // the postgres it started, or is itself held before it exits) while the
    // kill lands, with what the data directory holds then (PostgreSQL 15:
    // template1 is base/1, template0 base/4, postgres base/5). PG_VERSION is
    // written first, which is what used to pass for "initialised".
    let points: [(PausePoint, Holds, bool); 6] = [
        // Looking for postgres: nothing written yet.
        ("-V", |p| entries(p) == 0, false),
        // Sizing shared memory: PG_VERSION, no configuration yet.
        (
            "--check",
            |p| p.join("PG_VERSION").exists() && !p.join("pg_hba.conf").exists(),
            false,
        ),
        // Bootstrapping template1: configured, no pg_control.
        (
            "--boot",
            |p| p.join("pg_hba.conf").exists() && !p.join("global/pg_control").exists(),
            false,
        ),
        // After bootstrap: template1 filled, template0 not made.
        (
            "--single",
            |p| entries(&p.join("base/1")) > 100 && !p.join("base/4").exists(),
            false,
        ),
        // Every file written (database postgres too), initdb not yet exited.
        (
            PausingBindir::INITDB_EXIT,
            |p| p.join("base/5").exists(),
            false,
        ),
        // Only the command dies; its initdb goes on (holding the lock) and ends.
        ("--boot", |_| true, true),
    ];
    for (at, holds, orphan) in points {
        let dir = reachable_dir();
        let pgdata = dir.path().join("pgdata");
        let bin = PausingBindir::new(dir.path());
        kill_first_initdb(&pgdata, &bin, at, orphan);
        let name = format!("{at}{}", if orphan { ", orphaned initdb" } else { "" });
        // Cut short there, for certain.
        assert!(
            marker(&pgdata).exists(),
            "{name}: no marker of an unfinished initdb"
        );
        if !orphan {
            assert!(
                holds(&pgdata),
                "{name}: the data directory is not at that point"
            );
        }
        // The next start (with the same programs, running straight through)
        // recovers.
        let mut next = cli(&pgdata, &["status"]);
        bin.apply(&mut next, None);
        bin.release();
        let out = next.output().unwrap();
        assert!(
            out.status.success(),
            "after a SIGKILL at {name}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("pending"), "{name}");
        assert!(!marker(&pgdata).exists(), "{name}");
    }
}

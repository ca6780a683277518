//! Faults of the embedded server on a persistent data directory, against real
//! processes: two commands started together, a server we did not start, a
//! `SIGKILL` during the first `initdb`, and the memory it is given.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use truthgraph_db::embedded::{EmbeddedServer, maintenance_work_mem_mb};

use crate::support::{listed, versions};

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

#[test]
fn two_commands_started_together_on_one_fresh_data_directory_both_succeed() {
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    // Both race for the first initdb and the server; before the lock, one
    // deleted the other's log (which then waited a minute and failed) or
    // their initdbs collided.
    let spawn = || cli(&pgdata, &["migrate"]).output().unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let both = format!("{}{}", text(&a.stdout), text(&b.stdout));
    assert_eq!(
        both.matches(&format!("applied {}", listed(&versions())))
            .count(),
        1,
        "{both}"
    );
    assert_eq!(both.matches("already up to date").count(), 1, "{both}");

    // Again on the initialised directory: there the second used to delete the
    // first's log, so the first never saw "ready" and failed after a minute.
    let status = || cli(&pgdata, &["status"]).output().unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(status);
        let b = s.spawn(status);
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert!(!pgdata.join("postmaster.pid").exists());
    // Each start kept the previous run's log.
    assert!(pgdata.join("postgres.log.1").exists());
}

#[test]
fn a_held_data_directory_names_the_process_holding_it() {
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    let first = EmbeddedServer::persistent(&pgdata).unwrap();
    // Even with the default wait: the holder is this very process.
    let err = EmbeddedServer::persistent(&pgdata).unwrap_err();
    let msg = err.message();
    assert!(
        msg.contains(&format!("is in use by pid {}", std::process::id())) && msg.contains("pgdata"),
        "{msg}"
    );
    // The first server was not disturbed, and once it stops the directory is free.
    assert!(std::net::TcpStream::connect(("127.0.0.1", first.port())).is_ok());
    first.stop();
    // (A child forked by another test may hold the descriptor for a moment.)
    EmbeddedServer::persistent_waiting(&pgdata, FREE)
        .unwrap()
        .stop();

    // Another process holding the lock and writing its pid as we do (the
    // shell locks its own descriptor with flock(1), then becomes `sleep`):
    // after the wait, the error names it.
    let lock = pgdata.with_file_name("pgdata.lock");
    let mut other = Reaped(
        Command::new("sh")
            .args([
                "-c",
                "exec 8>>\"$0\"; flock -x 8; echo $$ > \"$0\"; echo locked; exec sleep 600",
            ])
            .arg(&lock)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(other.0.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let result = EmbeddedServer::persistent_waiting(&pgdata, Duration::from_millis(300));
    let pid = other.0.id();
    drop(other);
    let msg = result.unwrap_err().message().to_string();
    assert!(
        msg.contains(&format!(
            "is in use by pid {pid} (another truthgraph-db command?)"
        )),
        "{msg}"
    );
    EmbeddedServer::persistent_waiting(&pgdata, FREE)
        .unwrap()
        .stop();
}

/// A child killed and reaped when the test ends, even by a panic.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The wait for a directory that is free but for a moment.
const FREE: Duration = Duration::from_secs(10);

#[test]
fn a_server_we_did_not_start_is_reported_with_its_pid() {
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    EmbeddedServer::persistent(&pgdata).unwrap().stop();
    // A live process of the cluster's owner named in postmaster.pid is what
    // PostgreSQL takes for another postmaster (it ignores pids it cannot signal).
    let meta = std::fs::metadata(&pgdata).unwrap();
    let mut other = Command::new("sleep");
    other.arg("600");
    if is_root() {
        other.uid(meta.uid()).gid(meta.gid());
    }
    let other = Reaped(other.spawn().unwrap());
    let pidfile = pgdata.join("postmaster.pid");
    let pid = other.0.id();
    std::fs::write(&pidfile, format!("{pid}\n{}\n", pgdata.display())).unwrap();
    let result = EmbeddedServer::persistent_waiting(&pgdata, FREE);
    drop(other);
    let msg = result.unwrap_err().message().to_string();
    assert!(
        msg.contains(&format!(
            "is in use by another PostgreSQL server (pid {pid}"
        )),
        "{msg}"
    );
    // With the stale file gone, it starts again.
    std::fs::remove_file(&pidfile).unwrap();
    EmbeddedServer::persistent(&pgdata).unwrap().stop();
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0")
}

/// A point of `initdb`'s work, seen in the data directory.
type Reached = fn(&Path) -> bool;

/// Starts `truthgraph-db status` on a fresh `pgdata` in its own process
/// group, waits until `reached(pgdata)` (or the command ends), then
/// `SIGKILL`s the group (or, with `orphan`, only the command, leaving its
/// `initdb` running). Returns whether the first `initdb` was cut short.
fn kill_first_initdb(pgdata: &Path, reached: Reached, orphan: bool) -> bool {
    let mut child: Child = cli(pgdata, &["status"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut ended = false;
    while !reached(pgdata) {
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            ended = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    if !ended {
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
    }
    child.wait().unwrap();
    marker(pgdata).exists()
}

fn marker(pgdata: &Path) -> PathBuf {
    pgdata.with_file_name("pgdata.initdb-incomplete")
}

fn entries(p: &Path) -> usize {
    std::fs::read_dir(p).map_or(0, Iterator::count)
}

#[test]
fn sigkill_during_the_first_initdb_is_recovered_by_the_next_start() {
    // Points of initdb's work, in order (PostgreSQL 15: template1 is base/1,
    // template0 base/4, postgres base/5). PG_VERSION is written first, which
    // is what used to pass for "initialised".
    let points: [(&str, Reached, bool); 6] = [
        ("PG_VERSION", |p| p.join("PG_VERSION").exists(), false),
        (
            "pg_control",
            |p| p.join("global/pg_control").exists(),
            false,
        ),
        (
            "template1 filling",
            |p| entries(&p.join("base/1")) > 100,
            false,
        ),
        ("template0", |p| p.join("base/4").exists(), false),
        ("database postgres", |p| p.join("base/5").exists(), false),
        // Only the command dies; its initdb goes on holding the lock.
        (
            "PG_VERSION, orphaned initdb",
            |p| p.join("PG_VERSION").exists(),
            true,
        ),
    ];
    let mut cut_short = Vec::new();
    for (name, reached, orphan) in points {
        let dir = reachable_dir();
        let pgdata = dir.path().join("pgdata");
        if kill_first_initdb(&pgdata, reached, orphan) {
            cut_short.push(name);
        }
        let out = cli(&pgdata, &["status"]).output().unwrap();
        assert!(
            out.status.success(),
            "after a SIGKILL at {name}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("pending"), "{name}");
        assert!(!marker(&pgdata).exists(), "{name}");
    }
    eprintln!("initdb cut short at: {cut_short:?}");
    // The test means something only if some kills landed inside initdb.
    assert!(
        cut_short.len() >= 3,
        "initdb finished before most kills: {cut_short:?}"
    );
}

async fn maintenance_work_mem_kb(url: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let shown: String = client
        .query_one("SHOW maintenance_work_mem", &[])
        .await
        .unwrap()
        .get(0);
    let kb: String = client
        .query_one(
            "SELECT setting FROM pg_settings WHERE name = 'maintenance_work_mem'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    eprintln!("maintenance_work_mem = {shown}");
    kb.parse().unwrap()
}

#[tokio::test]
async fn embedded_servers_size_maintenance_work_mem_from_the_machine() {
    let expected = i64::try_from(maintenance_work_mem_mb()).unwrap() * 1024;
    assert!((256 * 1024..=2048 * 1024).contains(&expected));
    let dir = reachable_dir();
    let persistent = EmbeddedServer::persistent(&dir.path().join("pgdata")).unwrap();
    assert_eq!(
        maintenance_work_mem_kb(&persistent.url("postgres")).await,
        expected
    );
    let temporary = EmbeddedServer::temporary().unwrap();
    assert_eq!(
        maintenance_work_mem_kb(&temporary.url("postgres")).await,
        expected
    );
}

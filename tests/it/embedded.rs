//! Faults of the embedded server on a persistent data directory, against real
//! processes: a directory another process holds, a server we did not start,
//! and the memory it is given. Two `truthgraph-db` commands started together
//! and a `SIGKILL` during the first `initdb` are the CLI crate's tests
//! (`cli/tests/it/embedded.rs`).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use truthgraph_db::embedded::{EmbeddedServer, maintenance_work_mem_mb, shared_buffers_mb};

/// A directory for `pgdata` that the `postgres` user can reach when the
/// tests run as root.
fn reachable_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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
    first.stop().unwrap();
    // (A child forked by another test may hold the descriptor for a moment.)
    EmbeddedServer::persistent_waiting(&pgdata, FREE)
        .unwrap()
        .stop()
        .unwrap();

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
        .stop()
        .unwrap();
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
    EmbeddedServer::persistent(&pgdata).unwrap().stop().unwrap();
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
    EmbeddedServer::persistent(&pgdata).unwrap().stop().unwrap();
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0")
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

#[tokio::test]
async fn a_new_persistent_cluster_sizes_shared_buffers_from_the_machine() {
    let expected = shared_buffers_mb();
    assert!((128..=8192).contains(&expected));
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    let url = |s: &EmbeddedServer| s.url("postgres");
    let shared_buffers_mb = async |url: String| -> u64 {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let row = client
            .query_one(
                "SELECT setting::bigint * 8 / 1024, source FROM pg_settings \
                 WHERE name = 'shared_buffers'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(1), "configuration file");
        u64::try_from(row.get::<_, i64>(0)).unwrap()
    };
    let server = EmbeddedServer::persistent(&pgdata).unwrap();
    assert_eq!(shared_buffers_mb(url(&server)).await, expected);
    // ALTER SYSTEM still decides after a restart (the value is not a
    // command-line option).
    let (client, conn) = tokio_postgres::connect(&url(&server), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute("ALTER SYSTEM SET shared_buffers = '160MB'")
        .await
        .unwrap();
    drop(client);
    server.stop().unwrap();
    let server = EmbeddedServer::persistent_waiting(&pgdata, FREE).unwrap();
    assert_eq!(shared_buffers_mb(url(&server)).await, 160);
    server.stop().unwrap();
}

/// A new persistent cluster loads `pg_prewarm` (autoprewarm): the pages
/// `shared_buffers` held at shutdown are there again after the restart, so
/// a scan of them reads nothing (`EXPLAIN (BUFFERS)` counts every page not
/// in `shared_buffers` as read, whether the OS cache has it or not).
#[tokio::test]
async fn a_persistent_cluster_keeps_its_buffers_over_a_restart() {
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    let connect = async |s: &EmbeddedServer| {
        let (client, conn) = tokio_postgres::connect(&s.url("postgres"), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
    };
    let server = EmbeddedServer::persistent(&pgdata).unwrap();
    let client = connect(&server).await;
    // About 1,300 pages, far below a quarter of shared_buffers (a larger
    // table's scan would go through a small ring of buffers instead).
    client
        .batch_execute(
            "CREATE TABLE warm AS SELECT g AS id, repeat('x', 500) AS pad \
             FROM generate_series(1, 20000) g; SELECT count(*) FROM warm",
        )
        .await
        .unwrap();
    drop(client);
    server.stop().unwrap();

    let server = EmbeddedServer::persistent_waiting(&pgdata, FREE).unwrap();
    let log = pgdata.join("postgres.log");
    let loaded = (0..600).any(|_| {
        let done = std::fs::read_to_string(&log)
            .is_ok_and(|l| l.contains("autoprewarm successfully prewarmed"));
        if !done {
            std::thread::sleep(Duration::from_millis(100));
        }
        done
    });
    assert!(loaded, "no autoprewarm in {}", log.display());
    let client = connect(&server).await;
    let plan: Vec<String> = client
        .query(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM warm",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("shared hit="), "{plan}");
    assert!(!plan.contains("read="), "{plan}");
    drop(client);
    server.stop().unwrap();
}

#[tokio::test]
async fn a_cluster_made_before_autoprewarm_gets_it_at_its_next_start_unless_it_names_its_own() {
    let dir = reachable_dir();
    let pgdata = dir.path().join("pgdata");
    let conf = pgdata.join("postgresql.conf");
    let marker = truthgraph_db::embedded::AUTOPREWARM_CONF
        .lines()
        .next()
        .unwrap();
    // The file as a cluster of ours created before autoprewarm had it, plus `extra`.
    let as_before = |extra: &str| {
        let text = std::fs::read_to_string(&conf).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| *l != marker && !l.starts_with("shared_preload_libraries"))
            .collect();
        std::fs::write(&conf, format!("{}\n{extra}", kept.join("\n"))).unwrap();
    };
    let preload = async |s: &EmbeddedServer| -> String {
        let (client, conn) = tokio_postgres::connect(&s.url("postgres"), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
            .query_one("SHOW shared_preload_libraries", &[])
            .await
            .unwrap()
            .get(0)
    };
    EmbeddedServer::persistent(&pgdata).unwrap().stop().unwrap();

    as_before("");
    let server = EmbeddedServer::persistent_waiting(&pgdata, FREE).unwrap();
    assert_eq!(preload(&server).await, "pg_prewarm");
    server.stop().unwrap();
    let text = std::fs::read_to_string(&conf).unwrap();
    assert_eq!(text.matches(marker).count(), 1, "{text}");

    // An operator's own setting in the file stays the one in force.
    as_before("shared_preload_libraries = ''\n");
    let server = EmbeddedServer::persistent_waiting(&pgdata, FREE).unwrap();
    assert_eq!(preload(&server).await, "");
    server.stop().unwrap();
    assert!(!std::fs::read_to_string(&conf).unwrap().contains(marker));
}

//! `doctor` and `Database::health` say which host is the primary and whether
//! replication is synchronous (issue 14, item 2), on a real primary and
//! streaming standby (`testing::ReplicatedServers`).

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use truthgraph_db::testing::ReplicatedServers;
use truthgraph_db::{Config, Database};

/// `doctor --json` against `url`: its exit status and its `replication`
/// finding.
fn doctor(url: &str) -> (i32, Value) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
        .args(["doctor", "--json"])
        .env("DATABASE_URL", url)
        .output()
        .expect("run truthgraph-db");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "replication")
        .unwrap_or_else(|| panic!("no replication finding: {report:#}"))
        .clone();
    (out.status.code().unwrap(), finding)
}

fn summary(finding: &Value) -> &str {
    finding["summary"].as_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_and_health_name_the_primary_and_how_it_replicates() {
    let pair = ReplicatedServers::start().await.unwrap();
    pair.make_synchronous().await.unwrap();
    let (p, s) = (pair.primary.port(), pair.standby.as_ref().unwrap().port());

    // Synchronous, through a URL naming both hosts: the primary answers.
    let (_, f) = doctor(&pair.failover_url());
    println!("synchronous: {f}");
    assert_eq!(f["status"], "ok", "{f}");
    assert!(
        summary(&f).contains(&format!(
            "127.0.0.1:{p} is the primary; replication synchronous"
        )),
        "{f}"
    );
    assert!(summary(&f).contains("streaming sync"), "{f}");
    let db = Database::open(&Config::default().with_url(pair.failover_url()))
        .await
        .unwrap();
    let health = db.health().await.unwrap();
    assert!(health.replication.is_primary && health.replication.is_synchronous());
    assert_eq!(health.replication.server, Some(format!("127.0.0.1:{p}")));
    assert!(health.replication.standbys[0].is_synchronous());
    db.close().await;

    // A URL naming the standby only: doctor errs (every write would fail),
    // health is not ready and says why.
    let standby_url = pair.standby_url().unwrap();
    let (code, f) = doctor(&standby_url);
    println!("standby: {f}");
    assert_eq!(code, 4);
    assert_eq!(f["status"], "error", "{f}");
    assert!(
        summary(&f).contains(&format!("127.0.0.1:{s} is the standby")),
        "{f}"
    );
    let db = Database::open(&Config::default().with_url(standby_url))
        .await
        .unwrap();
    let health = db.health().await.unwrap();
    assert!(!health.replication.is_primary);
    assert!(!health.is_ready());
    assert!(
        health.problems().iter().any(|p| p.contains("is a standby")),
        "{:?}",
        health.problems()
    );
    db.close().await;

    // Asynchronous: commits stop waiting for the standby; doctor warns that
    // a failover may lose the last commits.
    let (admin, conn) =
        tokio_postgres::connect(&pair.primary.url("postgres"), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(conn);
    admin
        .batch_execute(truthgraph_db::raw_sql::NO_SYNCHRONOUS_STANDBY)
        .await
        .unwrap();
    admin
        .batch_execute(truthgraph_db::raw_sql::RELOAD_CONF)
        .await
        .unwrap();
    // The reload reaches the postmaster a moment later.
    let started = Instant::now();
    let f = loop {
        let (_, f) = doctor(&pair.failover_url());
        if summary(&f).contains("replication asynchronous") {
            break f;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{f}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!("asynchronous: {f}");
    assert_eq!(f["status"], "warn", "{f}");
    assert!(summary(&f).contains("streaming async"), "{f}");
    assert!(
        f["action"]
            .as_str()
            .unwrap()
            .contains("synchronous_standby_names"),
        "{f}"
    );
}

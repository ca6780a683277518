//! `bench load --chaos` (issue 14, item 4): the mixed workload on a durable
//! cluster while backends are terminated and the server restarts fast and
//! immediate; the run passes only when every acknowledged write is stored
//! once, nothing unacknowledged is stored, and every failed call failed
//! with a connection error.

use std::process::Command;

use serde_json::Value;

use crate::support::TestDatabase;

#[tokio::test]
async fn chaos_load_loses_no_acknowledged_write_and_fails_calls_only_with_connection_errors() {
    // The chaos cluster is the command's own; DATABASE_URL only keeps the
    // CLI from starting its embedded server in the working directory.
    let t = TestDatabase::migrated().await.unwrap();
    let report = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
        .args([
            "bench",
            "load",
            "--synthetic",
            "--dim",
            "16",
            "--vectors",
            "300",
            "--claims",
            "24",
            "--seconds",
            "15",
            "--tasks",
            "6",
            "--chaos",
            "--chaos-every",
            "1",
            "--report",
        ])
        .arg(report.path())
        .env("DATABASE_URL", &t.url)
        .env("TRUTHGRAPH_POOL_MAX_SIZE", "4")
        .output()
        .expect("run truthgraph-db");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&std::fs::read(report.path()).unwrap()).unwrap();
    assert_eq!(r["passed"], true, "{r:#}");
    assert_eq!(r["lost_writes"], 0);
    assert_eq!(r["unacknowledged_rows"], 0);
    assert_eq!(r["total"]["errors"], 0);
    assert_eq!(r["server"]["fsync"], "on");
    assert!(r["acknowledged_rows"].as_i64().unwrap() > 0);
    let faults = r["chaos"]["faults"].as_array().unwrap();
    for what in ["restart -m fast", "restart -m immediate"] {
        assert!(faults.iter().any(|f| f["fault"] == what), "{what}: {r:#}");
    }
    assert!(
        faults
            .iter()
            .any(|f| f["fault"].as_str().unwrap().starts_with("terminate")),
        "{r:#}"
    );
    // Every failed call failed with a connection error.
    for f in faults {
        for kind in f["errors"].as_object().unwrap().keys() {
            assert!(kind.starts_with("connection ("), "{kind}: {f}");
        }
    }
    let before = r["chaos"]["errors_before_faults"].as_object().unwrap();
    assert!(before.is_empty(), "{r:#}");
}

//! `bench`, `bench load` and `tune`: one JSON report, every write acknowledged, a stored setting.

use std::process::Command;

use crate::run::{cli, stderr, stdout};
use crate::support::TestDatabase;

#[tokio::test]
async fn bench_prints_one_json_document_with_exactly_one_default() {
    let t = TestDatabase::migrated().await.unwrap();
    let out = cli(
        Some(&t.url),
        &[
            "bench",
            "--vectors",
            "400",
            "--dim",
            "32",
            "--queries",
            "20",
            "--indexes",
            "hnsw",
            "--concurrency",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let scenarios = report["scenarios"].as_array().unwrap();
    assert_eq!(
        scenarios.iter().filter(|s| s["default"] == true).count(),
        1,
        "{report:#}"
    );
    // Each tenant holds as many claims (with embeddings) as a tier's
    // measurement takes (80), never searched with: the measured searches
    // stay on its evidence (rows below).
    let claims = truthgraph_db::index_build::TIER_MEASUREMENT_QUERIES;
    assert_eq!(report["load"]["claims_per_tenant"], claims, "{report:#}");
    let default = scenarios.iter().find(|s| s["default"] == true).unwrap();
    let claim_tiers = default["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["entity_type"] == "claim" && t["rows"] == claims)
        .count();
    assert_eq!(claim_tiers, 4, "{default:#}");
    let recall = |s: &serde_json::Value| s["recall_at_10"].as_f64().unwrap();
    for s in scenarios {
        // Every tenant has at least k rows: never fewer than k back.
        assert_eq!(s["short_results"], 0, "{s}");
        // Four tenants, 20 queries: 5 each, so the overall recall is the
        // mean of the tenants' (each rounded to 4 places).
        if let Some(by) = s["recall_by_tenant"].as_object() {
            assert_eq!(by.len(), 4, "{s}");
            let mean = by.values().map(|r| r.as_f64().unwrap()).sum::<f64>() / 4.0;
            assert!((mean - recall(s)).abs() < 2e-4, "{s}");
        }
        let p = |name: &str| s[name].as_f64().unwrap();
        assert!(
            p("p50_ms") <= p("p95_ms") && p("p95_ms") <= p("p99_ms"),
            "{s}"
        );
        // Latency per tenant: every query counted once, under its tenant.
        if let Some(by) = s["latency_by_tenant"].as_object() {
            assert_eq!(by.len(), 4, "{s}");
            let queries: u64 = by.values().map(|t| t["queries"].as_u64().unwrap()).sum();
            assert_eq!(queries, 20, "{s}");
            let rows: u64 = by.values().map(|t| t["rows"].as_u64().unwrap()).sum();
            assert_eq!(rows, 400, "{s}");
            for t in by.values() {
                assert!(t["p50_ms"].as_f64() <= t["p95_ms"].as_f64(), "{s}");
            }
        }
    }
    let is_anchor = |s: &&serde_json::Value| s["name"].as_str().unwrap().starts_with("anchor");
    assert_eq!(scenarios.iter().filter(is_anchor).count(), 1, "{report:#}");
    // An HNSW search whose candidate list holds every row (ef_search 400,
    // 400 rows) walks the whole graph: it finds what exact search finds.
    let full = scenarios
        .iter()
        .find(|s| s["params"]["hnsw.ef_search"] == 400 && s["default"] == false)
        .unwrap_or_else(|| panic!("no ef_search = 400 scenario: {report:#}"));
    assert_eq!(recall(full), 1.0, "{full}");
    // The same index and settings as the owner and as truthgraph_app (row-
    // level security) return the same rows: the same recall, to the digit.
    let named = |name: &str| {
        scenarios
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no scenario {name:?}: {report:#}"))
    };
    let default = named("default");
    assert_eq!(default["default"], true);
    assert_eq!(
        recall(default),
        recall(named("default, row-level security (truthgraph_app)")),
        "{report:#}"
    );
    assert_eq!(report["load"]["rows"], 400);
    assert!(report["server"]["pgvector"].is_string());
    // The bench's own database is gone afterwards (other tests' benches
    // may be running on the same server: only this one's name counts).
    let err = stderr(&out);
    let name = err
        .lines()
        .find_map(|l| l.strip_prefix("bench: database "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no database named on stderr: {err}"));
    assert!(name.starts_with("truthgraph_bench_"), "{name}");
    let left = t
        .raw_client()
        .await
        .unwrap()
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap();
    assert!(left.is_none(), "{name} is still there");
}

#[tokio::test]
async fn bench_without_the_anchor_measures_exact_and_the_default_only() {
    let t = TestDatabase::migrated().await.unwrap();
    let args = [
        "bench",
        "--vectors",
        "300",
        "--dim",
        "16",
        "--queries",
        "12",
    ];
    let more = ["--indexes", "none", "--no-anchor", "--concurrency", "2"];
    let out = cli(Some(&t.url), &[&args[..], &more[..]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "exact (no index)",
            "default",
            "default, row-level security (truthgraph_app)"
        ],
        "{report:#}"
    );
}

#[tokio::test]
async fn tune_stores_a_setting_that_inspect_reports() {
    let t = TestDatabase::migrated().await.unwrap();
    {
        t.db.set_dimension(16).await.unwrap();
        let acme = t.db.tenant("acme").unwrap();
        let mut rows = Vec::new();
        for i in 0..200u64 {
            let ev = acme
                .insert_evidence(&format!("e{i}"), None, None)
                .await
                .unwrap();
            rows.push(truthgraph_db::NewEmbedding {
                entity_type: truthgraph_db::EntityType::Evidence,
                entity_id: ev.id,
                embedding: crate::support::random_unit(i, 16),
                model_name: "m".into(),
                model_version: None,
            });
        }
        acme.bulk_load_embeddings(&rows).await.unwrap();
    }
    let out = cli(Some(&t.url), &["tune", "--recall", "0.9", "--sample", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("stored hnsw.ef_search = "), "{text}");
    let out = cli(Some(&t.url), &["inspect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("stored by tune: hnsw.ef_search"), "{text}");
    assert!(text.contains("(Tuned {"), "{text}");
}

/// Runs `bench load` on a small synthetic seed (300 rows of 16 dims, 24
/// claims, one second) against `t`'s server with `env`; returns its output
/// and the name of its scratch database.
fn bench_load(
    t: &TestDatabase,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Output, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
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
            "1",
        ])
        .args(extra)
        .env("DATABASE_URL", &t.url)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run truthgraph-db");
    let name = format!("truthgraph_load_{}", child.id());
    (child.wait_with_output().unwrap(), name)
}

#[tokio::test]
async fn bench_load_acknowledges_every_write_with_more_tasks_than_connections() {
    let t = TestDatabase::migrated().await.unwrap();
    // Six tasks on a pool of two: callers wait for a connection, none fails.
    let (out, name) = bench_load(&t, &["--tasks", "6"], &[("TRUTHGRAPH_POOL_MAX_SIZE", "2")]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("| **total** |"), "{text}");
    assert!(text.contains("zero errors, zero lost writes"), "{text}");
    // Its scratch database is gone.
    let left: bool = t
        .raw_client()
        .await
        .unwrap()
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)",
            &[&name],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!left, "{name} left behind");
}

#[tokio::test]
async fn bench_load_searches_the_tenants_through_their_own_indexes() {
    let t = TestDatabase::migrated().await.unwrap();
    // Threshold 100: the seed's largest tenant (150 of its 300 rows) gets
    // its own index, by the tier maintenance after the seed, and keeps it
    // (the seed rebuilds the migrations' indexes after loading).
    let (out, name) = bench_load(
        &t,
        &["--tasks", "2", "--keep"],
        &[("TRUTHGRAPH_TIER_THRESHOLD", "100")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let url = truthgraph_db::embedded::with_database(&t.url, &name);
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    let tiers: Vec<(String, bool)> = client
        .query(
            "SELECT tenant_id, to_regclass(index_name) IS NOT NULL FROM truthgraph_tiers \
             WHERE index_name IS NOT NULL AND tenant_id LIKE 'tenant-%' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    drop(client);
    let _ = conn.await;
    t.raw_client()
        .await
        .unwrap()
        .batch_execute(&truthgraph_db::raw_sql::drop_database(&name))
        .await
        .unwrap();
    assert_eq!(tiers, [("tenant-1".to_string(), true)], "{}", stderr(&out));
}

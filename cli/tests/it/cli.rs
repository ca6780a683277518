//! The `truthgraph-db` binary: commands, exit codes, offline SQL, and two
//! migrating processes at once.

use std::process::{Command, Output};

use truthgraph_db::EntityType;
use uuid::Uuid;

use crate::support::{
    TestDatabase, interrupt_concurrent_build, listed, random_unit, undone_to, vector_index_states,
    versions, wait_for_advisory_waiters,
};

fn cli(url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"));
    cmd.args(args).env_remove("DATABASE_URL");
    if let Some(url) = url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.output().expect("run truthgraph-db")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn migrate_status_rollback_through_the_cli() {
    let t = TestDatabase::empty().await.unwrap();
    let url = Some(t.url.as_str());
    let out = cli(url, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("applied {}", listed(&versions()))),
        "{text}"
    );
    assert!(
        text.contains(
            "idx_embeddings_vector_cosine hnsw vector_cosine_ops (m=16, ef_construction=64)"
        ),
        "{text}"
    );
    assert!(text.contains("pgvector"), "{text}");

    let out = cli(url, &["rollback", "--to", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("undid {}", listed(&undone_to(1)))));
    let status = stdout(&cli(url, &["status"]));
    assert!(status.contains("version    1"), "{status}");
    assert!(status.contains("pending"), "{status}");

    let out = cli(url, &["migrate", "--dimension", "384"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("embedding dimension: 384"));

    // Failure: non-zero, one line.
    let out = cli(url, &["rollback", "--to=-1"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.trim().lines().count() == 1,
        "{err}"
    );
    let out = cli(Some("postgresql://nobody@127.0.0.1:1/none"), &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: "));
}

#[tokio::test]
async fn two_cli_processes_migrating_at_once_both_succeed() {
    let t = TestDatabase::empty().await.unwrap();
    // The migrators' lock, held here until both processes wait for it: they
    // overlap for certain. Released, one migrates and the other, serialised
    // behind it, finds nothing left to do.
    let key = truthgraph_db::migrate::LOCK_KEY;
    let holder = t.raw_client().await.unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .unwrap();
    let spawn = |url: String| tokio::task::spawn_blocking(move || cli(Some(&url), &["migrate"]));
    let (a, b) = (spawn(t.url.clone()), spawn(t.url.clone()));
    wait_for_advisory_waiters(&holder, key, 2, || a.is_finished() || b.is_finished()).await;
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .unwrap();
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let both = format!("{}{}", stdout(&a), stdout(&b));
    assert_eq!(
        both.matches(&format!("applied {}", listed(&versions())))
            .count(),
        1,
        "{both}"
    );
    assert_eq!(both.matches("already up to date").count(), 1, "{both}");
}

#[test]
fn offline_sql_needs_no_database() {
    let out = cli(Some("postgresql://nobody@127.0.0.1:1/none"), &["sql"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = stdout(&out);
    assert!(
        sql.contains("CREATE TABLE claims") && sql.contains("INSERT INTO refinery_schema_history")
    );
    assert_eq!(sql, truthgraph_db::migrate::migrate_script(0, None));
    let out = cli(None, &["sql", "--rollback-to", "1"]);
    let sql = stdout(&out);
    assert!(
        sql.contains("DROP TABLE IF EXISTS embeddings")
            && !sql.contains("DROP TABLE IF EXISTS claims"),
        "{sql}"
    );
}

#[test]
fn embedded_server_persists_between_commands() {
    let dir = tempfile::tempdir().unwrap();
    // The postgres user must reach it when the tests run as root.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let pgdata = dir.path().join("pgdata");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("TRUTHGRAPH_PGDATA", &pgdata)
            .output()
            .unwrap()
    };
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("embedded PostgreSQL"));
    let out = run(&["status"]);
    let latest = versions().last().copied().unwrap();
    assert!(
        stdout(&out).contains(&format!("version    {latest}")),
        "{}",
        stdout(&out)
    );
    // No server is left running on the data directory.
    assert!(!pgdata.join("postmaster.pid").exists());
}

#[test]
fn a_missing_server_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
        .arg("status")
        .env_remove("DATABASE_URL")
        .env("TRUTHGRAPH_PG_BINDIR", dir.path())
        .env("TRUTHGRAPH_PGDATA", dir.path().join("pgdata"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: embedded PostgreSQL: TRUTHGRAPH_PG_BINDIR="),
        "{err}"
    );
}

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
    }
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
    // The bench's own database is gone afterwards.
    let names: Vec<String> = t
        .raw_client()
        .await
        .unwrap()
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'truthgraph_bench_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(names.is_empty(), "{names:?}");
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

#[tokio::test]
async fn bench_load_acknowledges_every_write_with_more_tasks_than_connections() {
    let t = TestDatabase::migrated().await.unwrap();
    // Six tasks on a pool of two: callers wait for a connection, none fails.
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
            "1",
            "--tasks",
            "6",
        ])
        .env("DATABASE_URL", &t.url)
        .env("TRUTHGRAPH_POOL_MAX_SIZE", "2")
        .output()
        .expect("run truthgraph-db");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(text.contains("| **total** |"), "{text}");
    assert!(text.contains("zero errors, zero lost writes"), "{text}");
    let names: Vec<String> = t
        .raw_client()
        .await
        .unwrap()
        .query(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'truthgraph_load_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[tokio::test]
async fn reindex_and_prune_embeddings_through_the_cli() {
    let t = TestDatabase::migrated().await.unwrap();
    let url = Some(t.url.as_str());
    let a = t.db.tenant("a").unwrap();
    for i in 0..20 {
        let ev = a
            .insert_evidence(&format!("e{i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(
            EntityType::Evidence,
            ev.id,
            &random_unit(i, 1536),
            "m",
            None,
        )
        .await
        .unwrap();
    }
    let raw = t.raw_client().await.unwrap();

    // An interrupted rebuild's leftover: shown as such, then dropped.
    interrupt_concurrent_build(
        &t,
        "REINDEX INDEX CONCURRENTLY idx_embeddings_vector_cosine",
    )
    .await;
    let status = stdout(&cli(url, &["status"]));
    assert!(
        status.contains("idx_embeddings_vector_cosine_ccnew hnsw vector_cosine_ops (m=16, ef_construction=64) INVALID: leftover"),
        "{status}"
    );
    let inspect = stdout(&cli(url, &["inspect"]));
    assert!(
        inspect.contains("idx_embeddings_vector_cosine_ccnew (hnsw): INVALID leftover"),
        "{inspect}"
    );
    let out = cli(url, &["reindex"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "reindex: dropped idx_embeddings_vector_cosine_ccnew (invalid leftover of an \
             interrupted concurrent build,"
        ) && text.contains("reindex: rebuilt idx_embeddings_vector_cosine (blocking writes)\n"),
        "{text}"
    );
    assert_eq!(
        vector_index_states(&raw).await,
        (vec![("idx_embeddings_vector_cosine".to_string(), true)], 0)
    );

    // A failing rebuild: exit 1, one clear line, nothing invalid left.
    raw.batch_execute(
        "SET maintenance_work_mem = '256MB'; \
         CREATE INDEX idx_embeddings_ivf ON embeddings USING ivfflat (embedding vector_cosine_ops) \
         WITH (lists = 1); \
         DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET maintenance_work_mem = ''1MB''', \
         current_database()); END $$",
    )
    .await
    .unwrap();
    let out = cli(url, &["reindex"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let first = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    assert!(
        first.starts_with("error: reindex failed: ")
            && first.contains("memory required is")
            && first.contains("maintenance_work_mem is 1 MB")
            && first.contains("raise maintenance_work_mem"),
        "{err}"
    );
    assert_eq!(
        vector_index_states(&raw).await,
        (
            vec![
                ("idx_embeddings_ivf".to_string(), true),
                ("idx_embeddings_vector_cosine".to_string(), true)
            ],
            0
        )
    );

    // prune-embeddings: --dry-run lists, then the real run deletes exactly those.
    // (Rows as a pre-V7 writer could leave them: the entity check switched off.)
    raw.batch_execute("ALTER TABLE embeddings DISABLE TRIGGER check_embeddings_entity")
        .await
        .unwrap();
    for (tenant, entity) in [("a", Uuid::new_v4()), ("b", Uuid::new_v4())] {
        raw.execute(
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
             VALUES ($1, 'claim', $2, $3, 'm')",
            &[&tenant, &entity, &random_unit(99, 1536)],
        )
        .await
        .unwrap();
    }
    let count = async || -> i64 {
        raw.query_one("SELECT count(*) FROM embeddings", &[])
            .await
            .unwrap()
            .get(0)
    };
    let out = cli(url, &["prune-embeddings", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "tenant \"b\" claim: 1 with no entity, 0 pointing at another tenant's entity"
        ) && text.contains("would delete 2 embeddings (dry run: nothing deleted)"),
        "{text}"
    );
    assert_eq!(count().await, 22);
    let out = cli(url, &["prune-embeddings"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("prune-embeddings: deleted 2 embeddings"),
        "{}",
        stdout(&out)
    );
    assert_eq!(count().await, 20);
    assert!(t.db.orphan_embeddings().await.unwrap().is_empty());
}

/// Similarities of the vector hits and ranks of the hybrid hits in a demo
/// report, claim by claim.
fn demo_hits(report: &str) -> Vec<(Vec<f64>, Vec<String>)> {
    let mut claims: Vec<(Vec<f64>, Vec<String>)> = Vec::new();
    for line in report.lines() {
        if line.starts_with("done in ") {
            break;
        } else if line.starts_with("claim ") {
            claims.push((Vec::new(), Vec::new()));
        } else if let Some(c) = claims.last_mut() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if line.starts_with("     ") && !words.is_empty() {
                c.0.push(words[0].parse().unwrap_or_else(|_| panic!("{line}")));
            } else if line.starts_with("    ") && words.len() > 3 && words[0].ends_with('.') {
                assert!(words[2] == "(vector" && words[4] == "keyword", "{line}");
                c.1.push(line.to_string());
            }
        }
    }
    claims
}

#[tokio::test]
async fn demo_loads_searches_and_then_reuses_its_corpus() {
    // The test's own database: migrated at 1536 dims with an empty
    // embeddings table, which the demo switches to 384.
    let t = TestDatabase::migrated().await.unwrap();
    let demo = |passages: &str| {
        cli(
            Some(&t.url),
            &["demo", "--database", &t.name, "--passages", passages],
        )
    };
    let out = demo("300");
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("embeddings switched to vector(384) (was 1536)"),
        "{report}"
    );
    assert!(
        report.contains("300 evidence, 5 claims, 305 embeddings"),
        "{report}"
    );
    assert!(!report.contains("reused"), "{report}");
    let hits = demo_hits(&report);
    assert_eq!(hits.len(), 5, "{report}");
    for (similarities, hybrid) in &hits {
        assert_eq!(similarities.len(), 3, "{report}");
        assert!(
            similarities.iter().all(|s| (-1.0..=1.0).contains(s)),
            "{report}"
        );
        assert!(similarities.windows(2).all(|w| w[0] >= w[1]), "{report}");
        assert_eq!(hybrid.len(), 3, "{report}");
    }
    assert!(report.contains("next: "), "{report}");
    let stats =
        t.db.tenant("demo")
            .unwrap()
            .embedding_stats()
            .await
            .unwrap();
    let count = |kind: &str| {
        stats
            .iter()
            .filter(|s| s.entity_type == kind && s.model_name == "all-MiniLM-L6-v2")
            .map(|s| s.count)
            .sum::<i64>()
    };
    assert_eq!((count("evidence"), count("claim")), (300, 5));

    // Again: the corpus is found and reused, the same hits come back.
    let out = demo("300");
    assert!(out.status.success(), "{}", stderr(&out));
    let again = stdout(&out);
    assert!(again.contains("reused"), "{again}");
    assert!(!again.contains(" evidence, 5 claims, "), "{again}");
    let same: Vec<Vec<f64>> = demo_hits(&again).into_iter().map(|c| c.0).collect();
    let first: Vec<Vec<f64>> = hits.into_iter().map(|c| c.0).collect();
    assert_eq!(same, first);

    // Another size is not the same corpus: refused in a database named
    // with --database, nothing written.
    let out = demo("200");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("incomplete or different"),
        "{}",
        stderr(&out)
    );
    let stats =
        t.db.tenant("demo")
            .unwrap()
            .embedding_stats()
            .await
            .unwrap();
    assert_eq!(stats.iter().map(|s| s.count).sum::<i64>(), 305);
}

#[tokio::test]
async fn demo_creates_a_missing_database_and_refuses_one_with_other_embeddings() {
    let t = TestDatabase::migrated().await.unwrap();
    let name = format!("demo_{}", Uuid::new_v4().simple());
    let out = cli(
        Some(&t.url),
        &["demo", "--database", &name, "--passages", "20"],
    );
    let client = t.raw_client().await.unwrap();
    client
        .batch_execute(&truthgraph_db::raw_sql::drop_database(&name))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("database") && report.contains("created"),
        "{report}"
    );
    assert!(
        report.contains(&format!("applied {} migrations", versions().len())),
        "{report}"
    );

    // The test's database with a 1536-dim embedding: refused, unchanged.
    let acme = t.db.tenant("acme").unwrap();
    let claim = acme.insert_claim("The sky is blue", None).await.unwrap();
    acme.upsert_embedding(
        EntityType::Claim,
        claim.id,
        &random_unit(7, 1536),
        "text-embedding-3-small",
        None,
    )
    .await
    .unwrap();
    let out = cli(
        Some(&t.url),
        &["demo", "--database", &t.name, "--passages", "20"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.contains("384") && err.contains("1536"),
        "{err}"
    );
    assert_eq!(t.db.embedding_dimension().await.unwrap(), 1536);
    assert!(
        t.db.tenant("demo")
            .unwrap()
            .recent_evidence(1, None)
            .await
            .unwrap()
            .is_empty()
    );
}

/// `cli` with stdout parsed as the one JSON document `--json` promises.
fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", stdout(o)))
}

const CLAIM: &str = "00000000-0000-4000-8000-000000000001";
const EV_A: &str = "00000000-0000-4000-8000-000000000002";
const EV_B: &str = "00000000-0000-4000-8000-000000000003";

/// A small file of every record kind, two tenants, 4-dimensional vectors.
fn sample_jsonl() -> String {
    [
        format!(r#"{{"kind":"claim","tenant_id":"acme","id":"{CLAIM}","text":"Water boils at 100 C","embedding":[1,0,0,0]}}"#),
        format!(r#"{{"kind":"evidence","tenant_id":"acme","id":"{EV_A}","content":"At 1 atm water boils at 100 C","source_type":"textbook","embedding":[0.9,0.1,0,0],"model_name":"m"}}"#),
        format!(r#"{{"kind":"evidence","tenant_id":"acme","id":"{EV_B}","content":"Ice melts at 0 C","source_url":"http://x"}}"#),
        String::new(),
        format!(r#"{{"kind":"embedding","tenant_id":"acme","entity_type":"evidence","entity_id":"{EV_B}","model_name":"m","embedding":[0,1,0,0]}}"#),
        r#"{"kind":"evidence","tenant_id":"globex","id":"00000000-0000-4000-8000-000000000004","content":"Other tenant","embedding":[1,0,0,0]}"#.to_string(),
    ]
    .join("\n")
}

async fn rows(t: &TestDatabase, table: &str) -> i64 {
    t.raw_client()
        .await
        .unwrap()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn load_search_stats_doctor_reindex_through_the_cli() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(4).await.unwrap();
    let url = Some(t.url.as_str());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.jsonl");
    std::fs::write(&file, sample_jsonl()).unwrap();
    let file = file.to_str().unwrap();

    // load: every kind, ids kept, counts and rate reported.
    let out = cli(url, &["load", file, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(
        (
            report["claims"].as_u64(),
            report["evidence"].as_u64(),
            report["embeddings"].as_u64()
        ),
        (Some(1), Some(3), Some(4)),
        "{report:#}"
    );
    assert_eq!(report["transactions"], 1);
    assert!(report["rows_per_second"].as_f64().unwrap() > 0.0);
    let acme = t.db.tenant("acme").unwrap();
    let claim: Uuid = CLAIM.parse().unwrap();
    assert_eq!(
        acme.get_claim(claim).await.unwrap().unwrap().text,
        "Water boils at 100 C"
    );
    let stored = acme
        .get_embedding(EntityType::Evidence, EV_B.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.model_name, "m");
    assert_eq!(rows(&t, "embeddings").await, 4);

    // search: inline vector (table, with the latency), --like (JSON, the
    // entity itself left out), --vector-file, --exact, another tenant.
    let out = cli(
        url,
        &["search", "--tenant", "acme", "--vector", "[1,0,0,0]"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().nth(1).unwrap().contains(EV_A), "{text}");
    assert!(
        text.contains("2 evidence hits for tenant \"acme\" (index search) in "),
        "{text}"
    );
    let out = cli(
        url,
        &[
            "search", "--tenant", "acme", "--like", CLAIM, "--exact", "--k", "1", "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let hits = json_of(&out);
    assert_eq!(hits["hits"].as_array().unwrap().len(), 1, "{hits:#}");
    assert_eq!(hits["hits"][0]["id"], EV_A);
    assert_eq!(hits["mode"], "exact");
    // The claim's [1,0,0,0] against EV_A's [0.9,0.1,0,0], in f64.
    let want = crate::support::cosine(&[1.0, 0.0, 0.0, 0.0], &[0.9, 0.1, 0.0, 0.0]);
    let got = hits["hits"][0]["similarity"].as_f64().unwrap();
    assert!(
        (got - want).abs() < 1e-6,
        "similarity {got}, f64 cosine {want}"
    );
    let out = cli(
        url,
        &["search", "--tenant", "acme", "--like", EV_A, "--json"],
    );
    // acme's evidence embeddings are EV_A's and EV_B's: EV_B alone comes back.
    let hits = json_of(&out);
    let ids: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [EV_B], "{hits:#}");
    let vfile = dir.path().join("q.json");
    std::fs::write(&vfile, "[0, 1, 0, 0]").unwrap();
    let out = cli(
        url,
        &[
            "search",
            "--tenant",
            "acme",
            "--vector-file",
            vfile.to_str().unwrap(),
            "--ef-search",
            "40",
            "--json",
        ],
    );
    assert_eq!(json_of(&out)["hits"][0]["id"], EV_B);
    let out = cli(
        url,
        &[
            "search",
            "--tenant",
            "globex",
            "--vector",
            "[1,0,0,0]",
            "--claims",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["hits"].as_array().unwrap().len(), 0);
    // A vector of the wrong dimension: exit 1, one line naming it.
    let out = cli(url, &["search", "--tenant", "acme", "--vector", "[1,0]"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has 2 dimensions"),
        "{}",
        stderr(&out)
    );

    // stats: per tenant, entity type and model.
    let out = cli(url, &["stats", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stats = json_of(&out);
    let counted = |table: &str, tenant: &str, model: Option<&str>| -> i64 {
        stats["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["table"] == table && r["tenant_id"] == tenant)
            .filter(|r| model.is_none_or(|m| r["model_name"] == m))
            .map(|r| r["rows"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(counted("evidence", "acme", None), 2);
    assert_eq!(counted("embeddings", "acme", Some("m")), 2);
    assert_eq!(counted("embeddings", "globex", None), 1);
    assert!(
        stats["indexes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["index"] == "idx_embeddings_vector_cosine")
    );
    let out = cli(url, &["stats"]);
    assert!(stdout(&out).contains("rows per tenant"), "{}", stdout(&out));

    // reindex, both ways.
    let out = cli(url, &["reindex", "--concurrently", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json_of(&out);
    assert_eq!(r["rebuilt"][0], "idx_embeddings_vector_cosine");
    assert_eq!(r["concurrently"], true);
    let out = cli(url, &["reindex"]);
    assert!(
        stdout(&out).contains("reindex: rebuilt idx_embeddings_vector_cosine (blocking writes)"),
        "{}",
        stdout(&out)
    );

    // doctor: an orphan embedding is a warning naming prune-embeddings.
    let raw = t.raw_client().await.unwrap();
    raw.batch_execute("ALTER TABLE embeddings DISABLE TRIGGER check_embeddings_entity")
        .await
        .unwrap();
    raw.execute(
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
         VALUES ('acme', 'claim', $1, '[1,1,1,1]', 'm')",
        &[&Uuid::new_v4()],
    )
    .await
    .unwrap();
    let out = cli(url, &["doctor", "--json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    let orphan = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "orphan_embeddings")
        .unwrap();
    assert_eq!(orphan["status"], "warn");
    assert!(
        orphan["action"]
            .as_str()
            .unwrap()
            .contains("prune-embeddings")
    );
    let out = cli(url, &["doctor"]);
    assert!(
        stdout(&out).contains("WARN  orphan_embeddings"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn two_demos_at_once_load_the_corpus_once() {
    let t = TestDatabase::migrated().await.unwrap();
    // The demo's corpus lock (its check-and-load, key "tgdemo01"), held here
    // until both demos wait for it: they overlap for certain. Released, one
    // loads the corpus and the other, serialised behind it, reuses it.
    let key: i64 = 0x7467_6465_6d6f_3031;
    let holder = t.raw_client().await.unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .unwrap();
    let spawn = |url: String, name: String| {
        tokio::task::spawn_blocking(move || {
            cli(
                Some(&url),
                &["demo", "--database", &name, "--passages", "50"],
            )
        })
    };
    let a = spawn(t.url.clone(), t.name.clone());
    let b = spawn(t.url.clone(), t.name.clone());
    wait_for_advisory_waiters(&holder, key, 2, || a.is_finished() || b.is_finished()).await;
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .unwrap();
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let both = format!("{}{}", stdout(&a), stdout(&b));
    assert_eq!(
        both.matches("50 evidence, 5 claims, 55 embeddings").count(),
        1,
        "{both}"
    );
    assert_eq!(both.matches("reused").count(), 1, "{both}");
}

#[tokio::test]
async fn doctor_on_a_fresh_database_and_its_findings() {
    let t = TestDatabase::migrated().await.unwrap();
    let out = cli(Some(&t.url), &["doctor", "--json"]);
    let report = json_of(&out);
    // Print it: the closing note of issue 9 quotes it.
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let code = out.status.code().unwrap();
    assert_eq!(report["exit_code"], code);
    let findings = report["findings"].as_array().unwrap();
    // Nothing is broken on a fresh database; only pgvector < 0.8.4 may warn.
    for f in findings {
        assert!(
            f["status"] == "ok" || f["check"] == "pgvector",
            "{report:#}"
        );
        assert!(f["status"] == "ok" || f["action"].is_string(), "{f}");
    }
    let pgvector = findings.iter().find(|f| f["check"] == "pgvector").unwrap();
    let old =
        truthgraph_db::catalog::version_lt(report["pgvector_version"].as_str().unwrap(), "0.8.4");
    assert_eq!(code, if old { 3 } else { 0 }, "{report:#}");
    if old {
        assert!(
            pgvector["summary"].as_str().unwrap().contains("vacuum"),
            "{pgvector}"
        );
    }
    for check in [
        "migrations",
        "vector_index",
        "tuned_settings",
        "vector_storage",
        "orphan_embeddings",
        "pool",
        "statement_timeout",
        "shared_buffers",
        "parallel_workers",
    ] {
        assert!(
            findings.iter().any(|f| f["check"] == check),
            "{check} missing: {report:#}"
        );
    }

    // Pending migrations and an invalid index are findings too (exit 4 for the error).
    let raw = t.raw_client().await.unwrap();
    raw.batch_execute(
        "UPDATE pg_index SET indisvalid = false \
         WHERE indexrelid = 'idx_embeddings_vector_cosine'::regclass",
    )
    .await
    .unwrap();
    let out = cli(Some(&t.url), &["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    let report = json_of(&out);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "vector_index"
                && f["status"] == "error"
                && f["action"].as_str().unwrap().contains("reindex"))
    );
}

#[tokio::test]
async fn load_with_a_malformed_line_writes_nothing() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(4).await.unwrap();
    let url = Some(t.url.as_str());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[&str]| {
        let p = dir.path().join(name);
        std::fs::write(&p, lines.join("\n")).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good = r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a1","text":"ok","embedding":[1,0,0,0]}"#;
    // Found without the database: a bad UUID on line 3 (after good lines).
    let file = write(
        "a.jsonl",
        &[
            good,
            r#"{"kind":"evidence","tenant_id":"b","id":"00000000-0000-4000-8000-0000000000a2","content":"c"}"#,
            r#"{"kind":"evidence","tenant_id":"acme","id":"nope","content":"c"}"#,
        ],
    );
    let out = cli(url, &["load", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 3: id: \"nope\" is not a UUID"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    // Found with the database: the dimension, an unknown entity, a field of the wrong type.
    let file = write(
        "b.jsonl",
        &[
            good,
            r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a3","text":"x","embedding":[1,2,3]}"#,
            r#"{"kind":"embedding","tenant_id":"acme","entity_type":"evidence","entity_id":"00000000-0000-4000-8000-0000000000ff","embedding":[0,1,0,0]}"#,
        ],
    );
    let out = cli(url, &["load", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("line 2: embedding: has 3 dimensions, but embeddings.embedding has 4"),
        "{err}"
    );
    assert!(
        err.contains("line 3: entity_id: no evidence 00000000-0000-4000-8000-0000000000ff"),
        "{err}"
    );
    let file = write(
        "c.jsonl",
        &[
            good,
            r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a4","text":7}"#,
            r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a5","txt":"typo"}"#,
        ],
    );
    let err = stderr(&cli(url, &["load", &file]));
    assert!(
        err.contains("line 2: text: expected a string, got 7"),
        "{err}"
    );
    assert!(err.contains("line 3: txt: unknown field"), "{err}");
    for table in ["claims", "evidence", "embeddings"] {
        assert_eq!(rows(&t, table).await, 0, "{table}");
    }

    // Refused by the server (an id already stored) in one transaction:
    // nothing written. With --batch, the batches before it stay, as said.
    let stored = r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000b1","text":"stored"}"#;
    let out = cli(url, &["load", &write("d.jsonl", &[stored])]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = write(
        "e.jsonl",
        &[
            good,
            r#"{"kind":"claim","tenant_id":"z","id":"00000000-0000-4000-8000-0000000000c1","text":"z"}"#,
            stored,
        ],
    );
    let out = cli(url, &["load", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("load: nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(rows(&t, "claims").await, 1);
    let out = cli(url, &["load", &file, "--batch", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("batch 2 of 2 failed; batches 1-1 (2 rows) were committed, nothing after"),
        "{err}"
    );
    assert_eq!(rows(&t, "claims").await, 3);
    assert_eq!(rows(&t, "embeddings").await, 0);
}

#[tokio::test]
async fn database_url_flag_and_dotenv() {
    let t = TestDatabase::migrated().await.unwrap();
    let bad = "postgresql://nobody@127.0.0.1:1/none";
    // --database-url wins over DATABASE_URL; a bad one is one line, exit 1.
    let out = cli(Some(&t.url), &["--database-url", bad, "doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.trim().lines().count() == 1,
        "{err}"
    );
    assert!(
        err.contains("127.0.0.1:1") || err.contains("refused"),
        "{err}"
    );
    let out = cli(Some(bad), &["--database-url", &t.url, "status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["version"], *versions().last().unwrap());
    // Usage errors are exit 2; --json where a command prints text is refused.
    assert_eq!(
        cli(Some(&t.url), &["search", "--tenant", "a"])
            .status
            .code(),
        Some(2)
    );
    let out = cli(Some(&t.url), &["inspect", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--json is not supported"),
        "{}",
        stderr(&out)
    );

    // .env in the working directory is read; the real environment wins.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), format!("DATABASE_URL={}\n", t.url)).unwrap();
    let run = |env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"));
        cmd.args(["status", "--json"])
            .current_dir(dir.path())
            .env_remove("DATABASE_URL");
        if let Some(url) = env {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    };
    let out = run(None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["version"], *versions().last().unwrap());
    let out = run(Some(bad));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the environment must win over .env"
    );
}

//! The `truthgraph-db` binary: commands, exit codes, offline SQL, and two
//! migrating processes at once.

use std::process::{Command, Output};

use truthgraph_db::EntityType;
use uuid::Uuid;

use crate::support::{
    TestDatabase, interrupt_concurrent_build, listed, random_unit, undone_to, vector_index_states,
    versions,
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
    let url = t.url.clone();
    let spawn = |url: String| std::thread::spawn(move || cli(Some(&url), &["migrate"]));
    let (a, b) = (spawn(url.clone()), spawn(url));
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
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
    for s in scenarios {
        let recall = s["recall_at_10"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&recall), "{s}");
        assert!(s["p50_ms"].as_f64().unwrap() > 0.0, "{s}");
    }
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
        ) && text.contains("reindex: rebuilt idx_embeddings_vector_cosine\n"),
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
        report.contains("applied 7 migrations") || report.contains("applied"),
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

#[tokio::test]
async fn two_demos_at_once_load_the_corpus_once() {
    let t = TestDatabase::migrated().await.unwrap();
    let spawn = |url: String, name: String| {
        std::thread::spawn(move || {
            cli(
                Some(&url),
                &["demo", "--database", &name, "--passages", "50"],
            )
        })
    };
    let a = spawn(t.url.clone(), t.name.clone());
    let b = spawn(t.url.clone(), t.name.clone());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
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

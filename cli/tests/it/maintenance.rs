//! `reindex`, `prune-embeddings` and `doctor`: leftovers, failures, orphans and findings.

use truthgraph_db::EntityType;
use uuid::Uuid;

use crate::run::{cli, json_of, stderr, stdout};
use crate::support::{TestDatabase, interrupt_concurrent_build, random_unit, vector_index_states};

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
    // (Rows as a pre-V7 writer could leave them: this session skips V12's
    // foreign keys, which check the entity.)
    raw.batch_execute("SET session_replication_role = replica")
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

//! The operator's catalog reads under concurrent DDL: `doctor`, `status` and
//! `inspect`, each a separate `truthgraph-db` process, never fail while
//! another session swaps the vector index with `REINDEX … CONCURRENTLY` and
//! creates and drops vector indexes.
//!
//! The library's side of the same race (opening a handle, the dimension,
//! status, health, the vector indexes, searches, and dimension switches) is
//! `tests/it/concurrent_ddl.rs` of the library. The race: a catalog query
//! finds an index in its snapshot, then a catalog function
//! (`pg_get_indexdef`, …) looks it up after another session dropped it, and
//! PostgreSQL answers "cache lookup failed for attribute 1 of relation N"
//! (XX000).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use truthgraph_db::{EntityType, NewEmbedding};

use crate::support::{TestDatabase, random_unit};

/// How long the DDL and the commands run against each other.
const RUN: Duration = Duration::from_secs(8);
/// Evidence rows of the tenant whose index is rebuilt.
const ROWS: usize = 60;

async fn seed_rows(t: &TestDatabase) {
    let acme = t.db.tenant("acme").unwrap();
    let mut rows = Vec::new();
    for i in 0..ROWS {
        let ev = acme
            .insert_evidence(&format!("passage {i}"), None, None)
            .await
            .unwrap();
        rows.push(NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: ev.id,
            embedding: random_unit(i as u64, 1536),
            model_name: "synthetic".into(),
            model_version: None,
        });
    }
    acme.bulk_load_embeddings(&rows).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operator_commands_never_fail_under_concurrent_ddl() {
    let busy = TestDatabase::migrated().await.unwrap();
    seed_rows(&busy).await;
    let deadline = Instant::now() + RUN;
    let ddl_done = Arc::new(AtomicUsize::new(0));

    let swaps = {
        let (db, done) = (busy.db.clone(), ddl_done.clone());
        tokio::spawn(async move {
            let c = db.client().await.unwrap();
            while Instant::now() < deadline {
                db.reindex_vector_indexes().await.unwrap();
                for sql in [
                    "CREATE INDEX CONCURRENTLY idx_ddl_race ON embeddings \
                     USING hnsw (embedding vector_cosine_ops)",
                    "DROP INDEX CONCURRENTLY idx_ddl_race",
                    "CREATE INDEX idx_ddl_race ON embeddings \
                     USING ivfflat (embedding vector_cosine_ops) WITH (lists = 4)",
                    "DROP INDEX idx_ddl_race",
                ] {
                    c.batch_execute(sql).await.unwrap();
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    // The operator's commands, as separate processes: `doctor` exits 0, 3
    // or 4 by its findings (an index mid-build is one) and 1 on an error.
    let operator = {
        let url = busy.url.clone();
        tokio::task::spawn_blocking(move || {
            let (mut rounds, mut errors) = (0u64, Vec::new());
            while Instant::now() < deadline {
                rounds += 1;
                // `inspect` prints text only and exits 0 unless it failed.
                for args in [
                    &["doctor", "--json"][..],
                    &["status", "--json"],
                    &["inspect"],
                ] {
                    let out = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
                        .args(args)
                        .env("DATABASE_URL", &url)
                        .output()
                        .expect("run truthgraph-db");
                    let ok = match args {
                        [_, "--json"] => {
                            out.status.code() != Some(1)
                                && serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok()
                        }
                        _ => out.status.success(),
                    };
                    if !ok {
                        errors.push(format!(
                            "round {rounds}: {args:?}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    }
                }
            }
            (rounds, errors)
        })
    };
    let (rounds, errors) = operator.await.unwrap();
    assert!(
        errors.is_empty(),
        "{} of {rounds}: {errors:#?}",
        errors.len()
    );
    assert!(rounds >= 3, "only {rounds} rounds ran");
    swaps.await.unwrap();
    let ddl = ddl_done.load(Ordering::Relaxed);
    assert!(ddl >= 2, "only {ddl} DDL rounds overlapped the commands");
    println!("{rounds} rounds of doctor, status and inspect against {ddl} DDL rounds: no error");
}

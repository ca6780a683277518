//! Catalog reads under concurrent DDL: opening a handle, reading the
//! dimension, the status, the health, the vector indexes and searching never
//! fail while other sessions switch the embedding dimension, swap indexes
//! with `REINDEX … CONCURRENTLY`, and create and drop vector indexes.
//!
//! The operator's commands (`doctor`, `status`, `inspect`) under the same
//! DDL are the CLI crate's test (`cli/tests/it/concurrent_ddl.rs`).
//!
//! The race this guards against: a catalog query finds an index in its
//! snapshot, then a catalog function (`pg_get_indexdef`, …) looks it up in
//! the catalog caches after another session dropped it, and PostgreSQL
//! answers "cache lookup failed for attribute 1 of relation N" (XX000).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use truthgraph_db::{Config, Database, EntityType, NewEmbedding, SearchOptions};

use crate::support::{TestDatabase, random_unit};

/// How long the DDL and the readers run against each other.
const RUN: Duration = Duration::from_secs(8);
/// Evidence rows of the searched tenant.
const ROWS: usize = 60;

/// Everything a service or an operator command reads from the catalog, then
/// a search with a vector of the dimension it read. Returns the number of
/// hits; every error is returned, none is retried here.
async fn open_and_search(config: &Config, url: &str, seed: u64) -> truthgraph_db::Result<usize> {
    let db = Database::connect(config, url).await?;
    let dim = db.embedding_dimension().await?;
    db.status().await?;
    db.health().await?;
    db.vector_indexes().await?;
    db.tuning_advice().await?;
    let hits = db
        .tenant("acme")?
        .search_evidence(&random_unit(seed, dim), &SearchOptions::top(10))
        .await;
    db.close().await;
    Ok(hits?.len())
}

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
async fn catalog_reads_and_searches_never_fail_under_concurrent_ddl() {
    // `busy` has rows: its indexes are swapped, created and dropped.
    // `empty` has none: its dimension switches back and forth.
    let busy = TestDatabase::migrated().await.unwrap();
    let empty = TestDatabase::migrated().await.unwrap();
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
    let switches = {
        let (db, done) = (empty.db.clone(), ddl_done.clone());
        tokio::spawn(async move {
            while Instant::now() < deadline {
                db.set_dimension(384).await.unwrap();
                db.set_dimension(1536).await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let config = busy.db.config().clone();
    let mut readers = Vec::new();
    for (r, url) in [&busy.url, &busy.url, &empty.url].into_iter().enumerate() {
        let (config, url) = (config.clone(), url.clone());
        readers.push(tokio::spawn(async move {
            let (mut rounds, mut errors) = (0u64, Vec::new());
            while Instant::now() < deadline {
                rounds += 1;
                match open_and_search(&config, &url, rounds).await {
                    Ok(_) if r == 2 => {}
                    Ok(hits) => assert_eq!(hits, 10, "round {rounds}: short result"),
                    // The one refusal a dimension switch may cause: the
                    // column changed between reading its dimension and the
                    // search, and the server refuses the vector.
                    Err(truthgraph_db::Error::InvalidInput { reason, .. })
                        if r == 2 && reason.contains("dimensions") => {}
                    Err(e) => errors.push(format!("round {rounds}: {e}")),
                }
            }
            (rounds, errors)
        }));
    }
    let mut total = 0;
    for reader in readers {
        let (rounds, errors) = reader.await.unwrap();
        assert!(
            errors.is_empty(),
            "{} of {rounds}: {errors:#?}",
            errors.len()
        );
        assert!(rounds >= 3, "only {rounds} rounds ran");
        total += rounds;
    }
    swaps.await.unwrap();
    switches.await.unwrap();
    let ddl = ddl_done.load(Ordering::Relaxed);
    assert!(ddl >= 2, "only {ddl} DDL rounds overlapped the readers");
    println!("{total} open-and-search rounds against {ddl} DDL rounds: no error");
}

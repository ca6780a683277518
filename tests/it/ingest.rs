//! Bulk loads into an indexed table: the switch to the rebuild path decided
//! from row counts (`records/bulk_plan.rs`), its report and tracing event,
//! and atomicity of loads that span several statements.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use truthgraph_db::{
    BulkLoadOptions, Config, Database, EntityType, Error, IndexMaintenance, NewEmbedding,
    NewEvidence, Tenant,
};

use crate::support::{TestDatabase, field, random_unit};

const DIM: usize = 8;
/// The migrations' HNSW index (V5) replaced by an IVFFlat one.
const IVFFLAT_ONLY: &str = "DROP INDEX idx_embeddings_vector_cosine; \
     CREATE INDEX idx_embeddings_vector_cosine ON embeddings USING ivfflat \
     (embedding vector_cosine_ops) WITH (lists = 10)";
const HNSW: &str = "CREATE INDEX idx_test_hnsw ON embeddings USING hnsw \
                    (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32)";

/// `n` evidence rows of `t` and an embedding row for each (not stored).
async fn rows(t: &Tenant<'_>, seed: u64, n: usize) -> Vec<NewEmbedding> {
    let evidence: Vec<NewEvidence> = (0..n)
        .map(|i| NewEvidence {
            content: format!("passage {seed} {i}"),
            ..NewEvidence::default()
        })
        .collect();
    let stored = t.insert_evidence_many(&evidence).await.unwrap();
    stored
        .iter()
        .enumerate()
        .map(|(i, e)| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: e.id,
            embedding: random_unit(seed * 100_000 + i as u64, DIM),
            model_name: "m".into(),
            model_version: None,
        })
        .collect()
}

async fn count(db: &Database) -> i64 {
    let c = db.client().await.unwrap();
    c.query_one("SELECT count(*) FROM embeddings", &[])
        .await
        .unwrap()
        .get(0)
}

/// Index name, definition and validity of every index on `embeddings`.
async fn indexes(db: &Database) -> Vec<(String, String)> {
    let c = db.client().await.unwrap();
    c.query(
        "SELECT i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         WHERE x.indrelid = 'embeddings'::regclass AND x.indisvalid ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// The messages of the events logged on this thread while the guard lives.
#[derive(Clone, Default)]
struct Messages(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Messages {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct M(String);
        impl tracing::field::Visit for M {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    self.0 = format!("{v:?}");
                }
            }
        }
        let mut m = M(String::new());
        event.record(&mut m);
        self.0.lock().unwrap().push(m.0);
    }
}

/// A migrated database at `DIM` dimensions with its HNSW index (V5) and a
/// second one.
async fn migrated_with_hnsw() -> TestDatabase {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    t.db.client()
        .await
        .unwrap()
        .batch_execute(HNSW)
        .await
        .unwrap();
    t
}

#[tokio::test]
async fn a_large_load_into_an_hnsw_table_rebuilds_by_itself_and_says_so() {
    use tracing_subscriber::layer::SubscriberExt;
    let t = migrated_with_hnsw().await;
    let db = &t.db;
    let before = indexes(db).await;
    let a = db.tenant("a").unwrap();
    // The tenant's own index (V10's tiers) is the tiers tests' subject:
    // deferred here, so only the index over every tenant is in play.
    let messages = Messages::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(messages.clone()));

    // 1,200 rows into an empty table with an HNSW index: rebuilt.
    let first = rows(&a, 1, 1_200).await;
    let report = a
        .bulk_load_embeddings_with(&first, BulkLoadOptions::default().deferring_tiers())
        .await
        .unwrap();
    assert_eq!(report.rows, 1_200);
    assert!(report.rebuilt_indexes, "{report:?}");
    assert_eq!(report.existing_rows, 0);
    assert!(report.reason.contains("rebuilding"), "{}", report.reason);
    let logged = messages.0.lock().unwrap().clone();
    assert!(
        logged
            .iter()
            .any(|m| m.starts_with("bulk_load_embeddings: rebuilding the vector indexes")),
        "{logged:?}"
    );
    assert_eq!(count(db).await, 1_200);
    assert_eq!(
        indexes(db).await,
        before,
        "same indexes under the same names"
    );

    // 150 rows into 1,200: below the minimum, inserted into the graph.
    let small = rows(&a, 2, 150).await;
    let report = a
        .bulk_load_embeddings_with(&small, BulkLoadOptions::default().deferring_tiers())
        .await
        .unwrap();
    assert!(!report.rebuilt_indexes, "{report:?}");
    assert_eq!(report.existing_rows, 1_200, "ANALYZE after the rebuild");

    // 1,000 rows into 1,350 (>= 1/6): rebuilt, unless told to keep.
    let more = rows(&a, 3, 1_000).await;
    let keep = BulkLoadOptions::default()
        .deferring_tiers()
        .keeping_indexes();
    assert_eq!(keep.indexes, IndexMaintenance::Keep);
    let report = a
        .bulk_load_embeddings_with(&more[..500], keep)
        .await
        .unwrap();
    assert!(!report.rebuilt_indexes);
    assert!(report.reason.contains("as requested"), "{}", report.reason);
    let report = a
        .bulk_load_embeddings_with(&more[500..], BulkLoadOptions::default().deferring_tiers())
        .await
        .unwrap();
    assert!(!report.rebuilt_indexes, "500 rows is below the minimum");
    let last = rows(&a, 4, 1_000).await;
    let report = a
        .bulk_load_embeddings_with(&last, BulkLoadOptions::default().deferring_tiers())
        .await
        .unwrap();
    assert!(report.rebuilt_indexes, "{report:?}");
    assert_eq!(count(db).await, 3_350);
    assert_eq!(indexes(db).await, before);
    // The rebuilt graph finds a stored row as its own nearest neighbour.
    let hits = a
        .search_evidence(&last[7].embedding, &truthgraph_db::SearchOptions::top(5))
        .await
        .unwrap();
    assert_eq!(hits[0].id, last[7].entity_id);
}

#[tokio::test]
async fn without_an_hnsw_index_or_as_the_app_login_the_indexes_stay() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    let raw = t.raw_client().await.unwrap();
    raw.batch_execute(IVFFLAT_ONLY).await.unwrap();
    let a = t.db.tenant("a").unwrap();
    // An IVFFlat index alone: a rebuild is no faster.
    let report = a
        .bulk_load_embeddings_with(&rows(&a, 5, 1_500).await, BulkLoadOptions::default())
        .await
        .unwrap();
    assert!(!report.rebuilt_indexes);
    assert!(report.reason.contains("no HNSW index"), "{}", report.reason);
    // A truthgraph_app login cannot drop the owner's indexes.
    raw.batch_execute(HNSW).await.unwrap();
    let app = t.app(&Config::default()).await.unwrap();
    let app_a = app.tenant("a").unwrap();
    let report = app_a
        .bulk_load_embeddings_with(&rows(&app_a, 6, 1_500).await, BulkLoadOptions::default())
        .await
        .unwrap();
    assert_eq!(report.rows, 1_500);
    assert!(!report.rebuilt_indexes);
    assert!(report.reason.contains("does not own"), "{}", report.reason);
    assert_eq!(count(&t.db).await, 3_000);
    app.close().await;
}

/// A login whose `work_mem` (64 kB) puts 256 rows in each statement, so a
/// load of 2,000 rows runs as eight statements in one transaction.
async fn small_statements(t: &TestDatabase) -> Database {
    let config = Config {
        statement_timeout: Duration::from_secs(120),
        ..Config::default()
    };
    let sep = if t.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options=-c%20work_mem%3D64kB", t.url);
    Database::connect(&config, &url).await.unwrap()
}

#[tokio::test]
async fn a_bad_row_deep_in_a_multi_statement_load_writes_nothing() {
    let t = migrated_with_hnsw().await;
    let before = indexes(&t.db).await;
    let db = small_statements(&t).await;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();
    let good = rows(&a, 7, 2_000).await;
    let theirs = rows(&b, 8, 1).await;

    for mode in [IndexMaintenance::Auto, IndexMaintenance::Keep] {
        let options = BulkLoadOptions {
            indexes: mode,
            ..BulkLoadOptions::default()
        };
        // Another tenant's entity at row 1,700: the seventh statement fails.
        let mut bad = good.clone();
        bad[1_700].entity_id = theirs[0].entity_id;
        let e = a
            .bulk_load_embeddings_with(&bad, options)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "rows[1700].entity_id", "{mode:?}: {e}");
        assert_eq!(e.constraint(), Some("embeddings_evidence_fkey"));
        assert_eq!(count(&t.db).await, 0, "{mode:?}: nothing half-written");
        assert_eq!(indexes(&t.db).await, before, "{mode:?}: indexes back");

        // A NaN at row 1,500: refused before anything is sent.
        let mut nan = good.clone();
        let mut v = nan[1_500].embedding.to_vec();
        v[3] = f32::NAN;
        nan[1_500].embedding = v.into();
        let e = a
            .bulk_load_embeddings_with(&nan, options)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
        assert_eq!(field(&e), "rows[1500].embedding", "{e}");
        assert_eq!(count(&t.db).await, 0);

        // A duplicate of an entity within the batch: a conflict, nothing stored.
        let mut twice = good.clone();
        twice[1_999].entity_id = twice[10].entity_id;
        let e = a
            .bulk_load_embeddings_with(&twice, options)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Conflict { .. }), "{mode:?}: {e:?}");
        assert_eq!(count(&t.db).await, 0);
        assert_eq!(indexes(&t.db).await, before);
    }
    let report = a
        .bulk_load_embeddings_with(&good, BulkLoadOptions::default())
        .await
        .unwrap();
    assert_eq!((report.rows, report.rebuilt_indexes), (2_000, true));
    assert_eq!(count(&t.db).await, 2_000);
    db.close().await;
}

/// Index builds the library runs are serial where pgvector is older than
/// 0.8.2 (CVE-2026-3172, overflow in parallel HNSW builds), and keep the
/// server's setting from 0.8.2 on.
#[tokio::test]
async fn index_builds_are_serial_on_a_pgvector_with_the_parallel_build_overflow() {
    let t = TestDatabase::migrated().await.unwrap();
    let mut raw = t.raw_client().await.unwrap();
    let version: String = raw
        .query_one(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let vulnerable = truthgraph_db::catalog::version_lt(&version, "0.8.2");
    let tx = raw.transaction().await.unwrap();
    tx.batch_execute("SET LOCAL max_parallel_maintenance_workers = 2")
        .await
        .unwrap();
    tx.execute(
        truthgraph_db::raw_sql::SERIAL_BUILDS_ON_VULNERABLE_PGVECTOR,
        &[&true],
    )
    .await
    .unwrap();
    let workers: String = tx
        .query_one("SHOW max_parallel_maintenance_workers", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        workers,
        if vulnerable { "0" } else { "2" },
        "pgvector {version}"
    );
    tx.rollback().await.unwrap();
}

/// V11 stores vectors PLAIN (inline, uncompressed): the widest indexable
/// vector with the longest model name and version must still fit a page.
#[tokio::test]
async fn a_widest_vector_row_fits_a_page_under_plain_storage() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let storage: String = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT attstorage::text FROM pg_attribute \
             WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(storage, "p");
    db.set_dimension(truthgraph_db::migrate::dimension::MAX_INDEXED_DIMENSION)
        .await
        .unwrap();
    let a = db.tenant("a").unwrap();
    let ev = a.insert_evidence("wide", None, None).await.unwrap();
    let dim = truthgraph_db::migrate::dimension::MAX_INDEXED_DIMENSION;
    let row = NewEmbedding {
        entity_type: EntityType::Evidence,
        entity_id: ev.id,
        embedding: random_unit(11, dim),
        model_name: "m".repeat(100),
        model_version: Some("v".repeat(50)),
    };
    assert_eq!(
        a.bulk_load_embeddings(std::slice::from_ref(&row))
            .await
            .unwrap(),
        1
    );
    let got = a
        .get_embedding(EntityType::Evidence, ev.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.embedding, row.embedding);
}

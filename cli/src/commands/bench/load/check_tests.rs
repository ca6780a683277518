//! The zero-lost-writes check, shown to fail: a run whose acknowledged rows
//! were lost, acknowledged twice, stored twice, or joined by a row nobody
//! acknowledged is a failed run; the same run untouched, or with a stored
//! row that a failed call may have written, passes.

use pgvector::Vector;
use truthgraph_db::EntityType;
use truthgraph_db::testing::TestDatabase;

use super::*;
use crate::commands::bench::load::MODEL_NEW;

const TENANT: &str = "acme";

/// A database as a load run leaves it: two seeded evidence rows of
/// [`TENANT`], then three acknowledged evidence rows, two of them with an
/// acknowledged embedding.
struct Run {
    t: TestDatabase,
    tenants: Vec<TenantSeed>,
    before: Counts,
    acked: Vec<Acked>,
}

impl Run {
    async fn new() -> Self {
        let t = TestDatabase::migrated().await.unwrap();
        t.db.set_dimension(4).await.unwrap();
        let acme = t.db.tenant(TENANT).unwrap();
        for i in 0..2 {
            acme.insert_evidence(&format!("seeded {i}"), None, None)
                .await
                .unwrap();
        }
        let before = count_rows(&t.db).await.unwrap();
        let mut acked = Acked::default();
        for i in 0..3 {
            let ev = acme
                .insert_evidence(&format!("written {i}"), None, None)
                .await
                .unwrap();
            acked.evidence.push(ev.id);
            if i < 2 {
                let v = Vector::from(vec![1.0, i as f32, 0.5, 0.25]);
                acme.upsert_embedding(EntityType::Evidence, ev.id, &v, MODEL_NEW, None)
                    .await
                    .unwrap();
                acked.embeddings.push(ev.id);
            }
        }
        let tenants = vec![TenantSeed {
            name: TENANT.into(),
            claims: Vec::new(),
            evidence: Vec::new(),
        }];
        Run {
            t,
            tenants,
            before,
            acked: vec![acked],
        }
    }

    async fn check(&self) -> (Writes, Vec<String>) {
        let mut failures = Vec::new();
        let writes = compare(
            &self.t.db,
            &self.tenants,
            &self.before,
            &self.acked,
            &mut failures,
        )
        .await
        .unwrap();
        (writes, failures)
    }

    async fn sql(&self, sql: &str) {
        self.t
            .raw_client()
            .await
            .unwrap()
            .batch_execute(sql)
            .await
            .unwrap();
    }
}

fn has(failures: &[String], needle: &str) -> bool {
    failures.iter().any(|f| f.contains(needle))
}

#[tokio::test]
async fn an_untouched_run_passes() {
    let run = Run::new().await;
    let (writes, failures) = run.check().await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!((writes.acknowledged, writes.lost, writes.extra), (5, 0, 0));
}

#[tokio::test]
async fn a_lost_row_fails_the_run() {
    let run = Run::new().await;
    let lost = run.acked[0].evidence[2];
    run.sql(&format!("DELETE FROM evidence WHERE id = '{lost}'"))
        .await;
    let (writes, failures) = run.check().await;
    assert_eq!(writes.lost, 1, "{failures:?}");
    assert!(
        has(&failures, "evidence of acme: 1 acknowledged rows not found"),
        "{failures:?}"
    );
    assert!(
        has(
            &failures,
            "evidence of acme: 4 rows stored, 2 seeded + 3 acknowledged"
        ),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_lost_embedding_fails_the_run() {
    let run = Run::new().await;
    let lost = run.acked[0].embeddings[1];
    run.sql(&format!(
        "DELETE FROM embeddings WHERE entity_id = '{lost}'"
    ))
    .await;
    let (writes, failures) = run.check().await;
    assert_eq!(writes.lost, 1, "{failures:?}");
    assert!(
        has(
            &failures,
            "embeddings of acme: 1 acknowledged rows not found"
        ),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_row_acknowledged_twice_fails_the_run() {
    let mut run = Run::new().await;
    let first = run.acked[0].evidence[0];
    run.acked[0].evidence.push(first);
    let (_, failures) = run.check().await;
    assert!(
        has(&failures, "evidence of acme: 1 ids acknowledged twice"),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_row_stored_twice_fails_the_run() {
    let run = Run::new().await;
    // The same evidence written twice (two rows), acknowledged once.
    let twice = run.acked[0].evidence[1];
    run.sql(&format!(
        "INSERT INTO evidence (tenant_id, content) SELECT tenant_id, content FROM evidence \
         WHERE id = '{twice}'"
    ))
    .await;
    let (writes, failures) = run.check().await;
    assert_eq!((writes.lost, writes.extra), (0, 1), "{failures:?}");
    assert!(
        has(
            &failures,
            "evidence of acme: 6 rows stored, only 2 seeded + 3 acknowledged (+ 0 in doubt)"
        ),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_stored_but_unacknowledged_row_fails_the_run_unless_a_failed_call_may_have_written_it() {
    let mut run = Run::new().await;
    // An embedding for the third evidence row, which no call acknowledged.
    let unacked = run.acked[0].evidence[2];
    run.sql(&format!(
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
         VALUES ('{TENANT}', 'evidence', '{unacked}', '[1,1,1,1]', '{MODEL_NEW}')"
    ))
    .await;
    let (writes, failures) = run.check().await;
    assert_eq!(writes.extra, 1, "{failures:?}");
    assert!(
        has(
            &failures,
            "embeddings of acme: 3 rows stored, only 0 seeded + 2 acknowledged (+ 0 in doubt)"
        ),
        "{failures:?}"
    );
    // The same row after a failed write (in doubt): it may be that write's.
    run.acked[0].in_doubt.insert("embeddings", 1);
    let (writes, failures) = run.check().await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(writes.extra, 0);
}

#[tokio::test]
async fn a_replacement_acknowledged_but_not_stored_fails_the_run() {
    let mut run = Run::new().await;
    let replaced = run.acked[0].embeddings[0];
    run.acked[0].replaced.push(replaced);
    let (writes, failures) = run.check().await;
    assert_eq!(writes.replaced, (1, 0, 0));
    assert!(
        has(
            &failures,
            "embeddings of acme: 1 replaced (acknowledged) but 0 stored as replaced"
        ),
        "{failures:?}"
    );
    run.sql(&format!(
        "UPDATE embeddings SET model_name = '{MODEL_REPLACED}' WHERE entity_id = '{replaced}'"
    ))
    .await;
    let (_, failures) = run.check().await;
    assert!(failures.is_empty(), "{failures:?}");
}

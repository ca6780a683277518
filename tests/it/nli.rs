//! NLI results: one, many, atomic batches (`queries/nli.sql`).

use truthgraph_db::{Error, NewNliResult, NliLabel, queries::nli as nli_queries};
use uuid::Uuid;

use crate::support::{TestDatabase, field};

fn nli(claim_id: Uuid, evidence_id: Uuid, label: NliLabel, confidence: f64) -> NewNliResult {
    NewNliResult {
        claim_id,
        evidence_id,
        label,
        confidence,
        entailment_score: 0.1,
        contradiction_score: 0.1,
        neutral_score: 0.8,
        model_name: "roberta-large-mnli".into(),
        model_version: None,
        premise_text: "prem".into(),
        hypothesis_text: "hyp".into(),
    }
}

#[tokio::test]
async fn nli_results_one_many_and_atomic_batches() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let claim = a.insert_claim("c", None).await.unwrap();
    let ev: Vec<Uuid> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(
                a.insert_evidence(&format!("e{i}"), None, None)
                    .await
                    .unwrap()
                    .id,
            );
        }
        v
    };
    let foreign_ev = b.insert_evidence("not a's", None, None).await.unwrap();

    let one = a
        .insert_nli_result(&nli(claim.id, ev[0], NliLabel::Entailment, 0.9))
        .await
        .unwrap();
    assert_eq!(
        (
            one.label.as_str(),
            one.model_version.clone(),
            one.premise_text.as_str()
        ),
        ("ENTAILMENT", None, "prem")
    );

    let batch: Vec<NewNliResult> = vec![
        nli(claim.id, ev[1], NliLabel::Contradiction, 0.8),
        nli(claim.id, ev[2], NliLabel::Neutral, 0.7),
        nli(claim.id, ev[0], NliLabel::Neutral, 0.6),
    ];
    let stored = a.insert_nli_results(&batch).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|r| (r.evidence_id, r.label.clone()))
            .collect::<Vec<_>>(),
        batch
            .iter()
            .map(|r| (r.evidence_id, r.label.as_str().to_string()))
            .collect::<Vec<_>>()
    );
    let count = async || a.nli_results_for_claim(claim.id).await.unwrap().len();
    assert_eq!(count().await, 4);

    // A bad value anywhere: nothing is sent.
    let mut bad = batch.clone();
    bad[1].confidence = 1.5;
    assert_eq!(
        field(&a.insert_nli_results(&bad).await.unwrap_err()),
        "results[1].confidence"
    );
    // Another tenant's evidence anywhere: nothing is written.
    let mut foreign = batch.clone();
    foreign[2].evidence_id = foreign_ev.id;
    assert!(matches!(
        a.insert_nli_results(&foreign).await.unwrap_err(),
        Error::MissingReference { .. }
    ));
    // A row the database itself rejects (bypassing validation): nothing is written.
    let err = nli_queries::insert_nli_results()
        .bind(
            &db.client().await.unwrap(),
            &[claim.id, claim.id].as_slice(),
            &[ev[0], ev[1]].as_slice(),
            &["NEUTRAL", "MAYBE"].as_slice(),
            &[0.5, 0.5].as_slice(),
            &[0.5, 0.5].as_slice(),
            &[0.5, 0.5].as_slice(),
            &[0.5, 0.5].as_slice(),
            &["m", "m"].as_slice(),
            &[None::<&str>, None].as_slice(),
            &["p", "p"].as_slice(),
            &["h", "h"].as_slice(),
            &"a",
        )
        .all()
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(field(&err), "nli_results_label_check");
    assert_eq!(count().await, 4);

    assert_eq!(
        a.nli_results_for_pair(claim.id, ev[0]).await.unwrap().len(),
        2
    );
    let neutral = a.nli_results_by_label(NliLabel::Neutral, 10).await.unwrap();
    assert_eq!(neutral.len(), 2);
    assert!(
        b.nli_results_by_label(NliLabel::Neutral, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(b.nli_results_for_claim(claim.id).await.unwrap().is_empty());
    assert!(matches!(
        b.insert_nli_result(&nli(claim.id, ev[0], NliLabel::Neutral, 0.5))
            .await,
        Err(Error::MissingReference { .. })
    ));
}

#[tokio::test]
async fn a_batch_whose_backend_is_killed_mid_statement_writes_nothing() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let claim = a.insert_claim("c", None).await.unwrap();
    let ev = a.insert_evidence("e", None, None).await.unwrap();
    // 50K results with 1 KB premises: a 50 MB statement.
    let premise = "the premise text of a long passage of evidence. ".repeat(21);
    let batch: Vec<NewNliResult> = (0..50_000)
        .map(|i| NewNliResult {
            premise_text: format!("{i} {premise}"),
            ..nli(claim.id, ev.id, NliLabel::Neutral, 0.5)
        })
        .collect();

    // Hold the claim row FOR UPDATE: the batch's foreign-key checks (FOR KEY
    // SHARE on that row, run after every row is in the heap) wait for it, so
    // the backend is killed for certain in the middle of its statement, with
    // all 50K rows written but not committed.
    let locker = t.raw_client().await.unwrap();
    locker
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM claims WHERE id = '{}' FOR UPDATE",
            claim.id
        ))
        .await
        .unwrap();
    let killer = async {
        let admin = t.raw_client().await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let pid: i32 = loop {
            let row = admin
                .query_opt(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                     AND state = 'active' AND wait_event_type = 'Lock' \
                     AND query LIKE 'INSERT INTO nli_results%'",
                    &[],
                )
                .await
                .unwrap();
            if let Some(row) = row {
                break row.get(0);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the batch never got to its checks"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        // With a timeout, returns once the backend is gone.
        assert!(
            admin
                .query_one("SELECT pg_terminate_backend($1, 60000)", &[&pid])
                .await
                .unwrap()
                .get::<_, bool>(0)
        );
    };
    let (result, ()) = tokio::join!(a.insert_nli_results(&batch), killer);
    locker.batch_execute("ROLLBACK").await.unwrap();
    let e = result.unwrap_err();
    assert!(e.is_connection_error(), "{e:?}");
    let raw = t.raw_client().await.unwrap();
    let stored: i64 = raw
        .query_one("SELECT count(*) FROM nli_results", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
    // It was killed mid-statement: every row had been inserted, and is dead.
    let inserted: i64 = raw
        .query_one(
            "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'nli_results'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(inserted, 50_000);

    // The same handle goes on: its next batch is stored.
    let stored = a.insert_nli_results(&batch[..3]).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(a.nli_results_for_claim(claim.id).await.unwrap().len(), 3);
}

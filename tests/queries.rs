//! Every query family through the typed facade, with NULLs, tenants, bad
//! input and database errors mapped by SQLSTATE.

mod common;

use common::{TestDatabase, random_unit};
use truthgraph_db::queries::nli as nli_queries;
use truthgraph_db::{
    EntityType, Error, NewNliResult, NewVerificationResult, NliLabel, Relationship,
    RetrievalMethod, VerdictLabel,
};
use uuid::Uuid;

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
        premise_text: None,
        hypothesis_text: Some("hyp".into()),
    }
}

fn verification(claim_id: Uuid, verdict: VerdictLabel, confidence: f64) -> NewVerificationResult {
    NewVerificationResult {
        claim_id,
        verdict,
        confidence,
        support_score: 0.7,
        refute_score: 0.2,
        neutral_score: 0.1,
        evidence_count: 3,
        supporting_evidence_count: 2,
        refuting_evidence_count: 1,
        neutral_evidence_count: 0,
        reasoning: None,
        nli_result_ids: vec![],
        pipeline_version: None,
        retrieval_method: Some(RetrievalMethod::Hybrid),
    }
}

fn field(e: &Error) -> &str {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn claims_crud_keyset_paging_and_tenant_scope() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let mut ids = Vec::new();
    for i in 0..5 {
        let c = db
            .insert_claim(
                "a",
                &format!("claim {i}"),
                (i % 2 == 0).then_some("https://x"),
            )
            .await
            .unwrap();
        ids.push(c.id);
    }
    let other = db.insert_claim("b", "other tenant", None).await.unwrap();

    let c0 = db.get_claim("a", ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (
            c0.text.as_str(),
            c0.source_url.as_deref(),
            c0.tenant_id.as_str()
        ),
        ("claim 1", None, "a")
    );
    assert!(
        db.get_claim("b", ids[1]).await.unwrap().is_none(),
        "tenant b read a's claim"
    );

    let many = db
        .get_claims("a", &[ids[3], other.id, ids[0]])
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[3], ids[0]]
    );

    // Keyset paging, newest first, no gaps or repeats.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = db.recent_claims("a", 2, cursor).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        cursor = page.last().map(|c| (c.created_at, c.id));
        seen.extend(page.into_iter().map(|c| c.id));
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);

    assert!(
        !db.delete_claim("b", ids[0]).await.unwrap(),
        "tenant b deleted a's claim"
    );
    assert!(db.delete_claim("a", ids[0]).await.unwrap());
    assert!(!db.delete_claim("a", ids[0]).await.unwrap());

    assert_eq!(
        field(&db.insert_claim("", "x", None).await.unwrap_err()),
        "tenant_id"
    );
    assert_eq!(
        field(&db.insert_claim("a", "  ", None).await.unwrap_err()),
        "text"
    );
    assert_eq!(
        field(&db.recent_claims("a", 0, None).await.unwrap_err()),
        "limit"
    );
}

#[tokio::test]
async fn evidence_reads_back_nulls_and_pages() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let e1 = db.insert_evidence("a", "first", None, None).await.unwrap();
    let e2 = db
        .insert_evidence("a", "second", Some("https://e"), Some("news"))
        .await
        .unwrap();
    let got = db.get_evidence("a", e1.id).await.unwrap().unwrap();
    assert_eq!((got.source_url, got.source_type), (None, None));
    let page = db.recent_evidence("a", 1, None).await.unwrap();
    assert_eq!(page[0].id, e2.id);
    let next = db
        .recent_evidence("a", 1, Some((page[0].created_at, page[0].id)))
        .await
        .unwrap();
    assert_eq!(next[0].id, e1.id);
    assert_eq!(
        db.get_evidence_many("a", &[e2.id, e1.id])
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(db.get_evidence("b", e1.id).await.unwrap().is_none());
    assert!(db.delete_evidence("a", e1.id).await.unwrap());
}

#[tokio::test]
async fn embeddings_upsert_replace_stats_and_tenant_conflict() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let ev = db.insert_evidence("a", "text", None, None).await.unwrap();
    let v1 = random_unit(1, 1536);
    let first = db
        .upsert_embedding("a", EntityType::Evidence, ev.id, &v1, "m", None)
        .await
        .unwrap();
    assert_eq!(first.model_version, None);
    let v2 = random_unit(2, 1536);
    let second = db
        .upsert_embedding("a", EntityType::Evidence, ev.id, &v2, "m", Some("2"))
        .await
        .unwrap();
    assert_eq!(second.id, first.id, "upsert must keep one row per entity");
    assert_eq!(second.embedding, v2);
    assert!(second.updated_at >= first.updated_at);
    assert_eq!(second.model_version.as_deref(), Some("2"));

    // Tenant b cannot overwrite a's embedding.
    let err = db
        .upsert_embedding("b", EntityType::Evidence, ev.id, &v1, "m", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { constraint, .. } if constraint == "idx_embeddings_entity_unique"),
        "{err}"
    );
    assert_eq!(
        db.get_embedding("a", EntityType::Evidence, ev.id)
            .await
            .unwrap()
            .unwrap()
            .embedding,
        v2
    );
    assert!(
        db.get_embedding("b", EntityType::Evidence, ev.id)
            .await
            .unwrap()
            .is_none()
    );

    let stats = db.embedding_stats("a").await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].entity_type.as_str(), stats[0].count),
        ("evidence", 1)
    );
    assert!(db.embedding_stats("b").await.unwrap().is_empty());

    // Bad vectors never reach the server.
    for (v, needle) in [
        (pgvector::Vector::from(vec![0.5; 10]), "10 dimensions"),
        (pgvector::Vector::from(vec![f32::NAN; 1536]), "component 0"),
        (pgvector::Vector::from(vec![0.0; 1536]), "zeros"),
        (pgvector::Vector::from(Vec::<f32>::new()), "empty"),
    ] {
        let e = db
            .upsert_embedding("a", EntityType::Evidence, ev.id, &v, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding");
        assert!(e.to_string().contains(needle), "{e}");
    }
    assert!(
        db.delete_embedding("a", EntityType::Evidence, ev.id)
            .await
            .unwrap()
    );
    assert!(
        !db.delete_embedding("a", EntityType::Evidence, ev.id)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn nli_results_one_many_and_atomic_batches() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let claim = db.insert_claim("a", "c", None).await.unwrap();
    let ev: Vec<Uuid> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(
                db.insert_evidence("a", &format!("e{i}"), None, None)
                    .await
                    .unwrap()
                    .id,
            );
        }
        v
    };
    let foreign_ev = db
        .insert_evidence("b", "not a's", None, None)
        .await
        .unwrap();

    let one = db
        .insert_nli_result("a", &nli(claim.id, ev[0], NliLabel::Entailment, 0.9))
        .await
        .unwrap();
    assert_eq!(
        (
            one.label.as_str(),
            one.model_version.clone(),
            one.premise_text.clone()
        ),
        ("ENTAILMENT", None, None)
    );

    let batch: Vec<NewNliResult> = vec![
        nli(claim.id, ev[1], NliLabel::Contradiction, 0.8),
        nli(claim.id, ev[2], NliLabel::Neutral, 0.7),
        nli(claim.id, ev[0], NliLabel::Neutral, 0.6),
    ];
    let stored = db.insert_nli_results("a", &batch).await.unwrap();
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
    let count = async || db.nli_results_for_claim("a", claim.id).await.unwrap().len();
    assert_eq!(count().await, 4);

    // A bad value anywhere: nothing is sent.
    let mut bad = batch.clone();
    bad[1].confidence = 1.5;
    assert_eq!(
        field(&db.insert_nli_results("a", &bad).await.unwrap_err()),
        "results[1].confidence"
    );
    // Another tenant's evidence anywhere: nothing is written.
    let mut foreign = batch.clone();
    foreign[2].evidence_id = foreign_ev.id;
    assert!(matches!(
        db.insert_nli_results("a", &foreign).await.unwrap_err(),
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
            &[None::<&str>, None].as_slice(),
            &[None::<&str>, None].as_slice(),
            &"a",
        )
        .all()
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(field(&err), "nli_results_label_check");
    assert_eq!(count().await, 4);

    assert_eq!(
        db.nli_results_for_pair("a", claim.id, ev[0])
            .await
            .unwrap()
            .len(),
        2
    );
    let neutral = db
        .nli_results_by_label("a", NliLabel::Neutral, 10)
        .await
        .unwrap();
    assert_eq!(neutral.len(), 2);
    assert!(
        db.nli_results_by_label("b", NliLabel::Neutral, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.nli_results_for_claim("b", claim.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        db.insert_nli_result("b", &nli(claim.id, ev[0], NliLabel::Neutral, 0.5))
            .await,
        Err(Error::MissingReference { .. })
    ));
}

#[tokio::test]
async fn verification_results_latest_history_and_by_verdict() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let claim = db.insert_claim("a", "c", None).await.unwrap();
    let first = db
        .insert_verification_result(
            "a",
            &verification(claim.id, VerdictLabel::Insufficient, 0.4),
        )
        .await
        .unwrap();
    assert_eq!(
        (first.reasoning.clone(), first.pipeline_version.clone()),
        (None, None)
    );
    assert_eq!(first.nli_result_ids, Some(vec![]));
    let mut second = verification(claim.id, VerdictLabel::Supported, 0.9);
    second.reasoning = Some("two sources agree".into());
    second.nli_result_ids = vec![Uuid::new_v4()];
    let second = db.insert_verification_result("a", &second).await.unwrap();

    let latest = db
        .latest_verification_result("a", claim.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, second.id);
    let history = db.verification_history("a", claim.id).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );
    let other = db.insert_claim("a", "c2", None).await.unwrap();
    db.insert_verification_result("a", &verification(other.id, VerdictLabel::Supported, 0.95))
        .await
        .unwrap();
    let supported = db
        .verification_results_by_verdict("a", VerdictLabel::Supported, 10)
        .await
        .unwrap();
    assert_eq!(
        supported.iter().map(|r| r.confidence).collect::<Vec<_>>(),
        vec![0.95, 0.9]
    );

    assert!(
        db.latest_verification_result("b", claim.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        db.insert_verification_result("b", &verification(claim.id, VerdictLabel::Refuted, 0.5))
            .await,
        Err(Error::MissingReference { .. })
    ));
    let mut bad = verification(claim.id, VerdictLabel::Refuted, 0.5);
    bad.refute_score = f64::NAN;
    assert_eq!(
        field(&db.insert_verification_result("a", &bad).await.unwrap_err()),
        "refute_score"
    );
    bad = verification(claim.id, VerdictLabel::Refuted, 0.5);
    bad.evidence_count = -1;
    assert_eq!(
        field(&db.insert_verification_result("a", &bad).await.unwrap_err()),
        "evidence_count"
    );
    assert_eq!(
        field(&"UNKNOWN".parse::<VerdictLabel>().unwrap_err()),
        "verdict"
    );
}

#[tokio::test]
async fn phase1_verdicts_with_their_evidence() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let claim = db.insert_claim("a", "c", None).await.unwrap();
    let e1 = db
        .insert_evidence("a", "for", Some("https://for"), None)
        .await
        .unwrap();
    let e2 = db
        .insert_evidence("a", "against", None, None)
        .await
        .unwrap();
    let pending = db
        .insert_verdict("a", claim.id, None, None, None)
        .await
        .unwrap();
    assert_eq!((pending.verdict.clone(), pending.confidence), (None, None));
    let v = db
        .insert_verdict(
            "a",
            claim.id,
            Some(VerdictLabel::Supported),
            Some(0.8),
            Some("r"),
        )
        .await
        .unwrap();
    db.link_verdict_evidence("a", v.id, e1.id, Some(Relationship::Supports), Some(0.9))
        .await
        .unwrap();
    db.link_verdict_evidence("a", v.id, e2.id, None, None)
        .await
        .unwrap();
    let err = db
        .link_verdict_evidence("a", v.id, e1.id, Some(Relationship::Refutes), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { constraint, .. } if constraint.contains("verdict_id_evidence_id")),
        "{err:?}"
    );
    let (latest, links) = db.latest_verdict("a", claim.id).await.unwrap().unwrap();
    assert_eq!(latest.id, v.id);
    assert_eq!(links.len(), 2);
    assert_eq!(
        (links[0].evidence_id, links[0].relationship.as_deref()),
        (e1.id, Some("supports"))
    );
    assert_eq!(
        (
            links[1].relationship.clone(),
            links[1].confidence,
            links[1].source_url.clone()
        ),
        (None, None, None)
    );
    let foreign = db.insert_evidence("b", "x", None, None).await.unwrap();
    assert!(matches!(
        db.link_verdict_evidence("a", v.id, foreign.id, None, None)
            .await,
        Err(Error::NotFound { .. })
    ));
    assert!(db.latest_verdict("b", claim.id).await.unwrap().is_none());
}

#[tokio::test]
async fn sqlstate_mapping_keeps_the_constraint() {
    let t = TestDatabase::migrated().await.unwrap();
    let client = t.db.client().await.unwrap();
    let fk = client
        .execute(
            "INSERT INTO verdicts (claim_id) VALUES ($1)",
            &[&Uuid::new_v4()],
        )
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(
        matches!(&fk, Error::MissingReference { constraint, .. } if constraint == "verdicts_claim_id_fkey"),
        "{fk:?}"
    );
    assert_eq!(fk.constraint(), Some("verdicts_claim_id_fkey"));
    let nn = client
        .execute("INSERT INTO claims (text) VALUES (NULL)", &[])
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(field(&nn), "text");
    let other = client
        .execute("SELECT * FROM no_such_table", &[])
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(other, Error::Database(_)));
    assert_eq!(other.code().map(|c| c.code()), Some("42P01"));
}

#[tokio::test]
async fn transactions_commit_on_ok_and_roll_back_on_err_or_panic() {
    let t = TestDatabase::migrated().await.unwrap();
    let count = async || -> i64 {
        t.db.client()
            .await
            .unwrap()
            .query_one("SELECT count(*) FROM claims", &[])
            .await
            .unwrap()
            .get(0)
    };
    t.db.transaction(|tx| {
        Box::pin(async move {
            tx.execute("INSERT INTO claims (text) VALUES ('kept')", &[])
                .await?;
            Ok(())
        })
    })
    .await
    .unwrap();
    assert_eq!(count().await, 1);
    let err =
        t.db.transaction(|tx| {
            Box::pin(async move {
                tx.execute("INSERT INTO claims (text) VALUES ('undone')", &[])
                    .await?;
                Err::<(), _>(Error::NotFound {
                    what: "reason to commit".into(),
                })
            })
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    assert_eq!(count().await, 1);
    let db = t.db.clone();
    let panicked = tokio::spawn(async move {
        db.transaction::<(), _>(|tx| {
            Box::pin(async move {
                tx.execute("INSERT INTO claims (text) VALUES ('panic')", &[])
                    .await?;
                panic!("boom");
            })
        })
        .await
    })
    .await;
    assert!(panicked.is_err());
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn an_exhausted_pool_times_out_instead_of_hanging() {
    let t = TestDatabase::migrated().await.unwrap();
    let config = truthgraph_db::Config {
        pool_max_size: 1,
        pool_timeout: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let db = t.connect(&config).await.unwrap();
    let held = db.client().await.unwrap();
    let err = db.client().await.unwrap_err();
    assert!(
        matches!(err, Error::PoolTimeout(d) if d == config.pool_timeout),
        "{err:?}"
    );
    drop(held);
    let _again = db.client().await.unwrap();
}

#[tokio::test]
async fn maintenance_reports_indexes_sizes_and_advice() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let ev = db.insert_evidence("a", "x", None, None).await.unwrap();
    db.upsert_embedding(
        "a",
        EntityType::Evidence,
        ev.id,
        &random_unit(3, 1536),
        "m",
        None,
    )
    .await
    .unwrap();
    let usage = db.index_usage().await.unwrap();
    assert!(usage.iter().any(|u| u.index_name == "idx_embeddings_vector_cosine" && u.table_name == "embeddings"));
    assert!(usage.iter().all(|u| u.size_bytes > 0));
    let sizes = db.table_sizes().await.unwrap();
    let emb = sizes.iter().find(|s| s.table_name == "embeddings").unwrap();
    assert!(emb.total_bytes >= emb.table_bytes + emb.index_bytes - 8192 && emb.total_bytes > 0);
    let params = db.vector_index_params().await.unwrap();
    assert_eq!(params.len(), 1);
    assert_eq!(
        (
            params[0].method.as_str(),
            params[0].opclass.as_str(),
            params[0].options.clone()
        ),
        (
            "ivfflat",
            "vector_cosine_ops",
            Some(vec!["lists=100".to_string()])
        )
    );
    let advice = db.tuning_advice().await.unwrap();
    assert_eq!(advice.len(), 1);
    assert_eq!((advice[0].current, advice[0].rows), (Some(100), 1));
    assert!(
        advice[0].advice[0].contains("rebuild the index once the table is loaded"),
        "{advice:?}"
    );
    assert_eq!(
        db.reindex_vector_indexes().await.unwrap(),
        vec!["idx_embeddings_vector_cosine"]
    );
}

#[tokio::test]
async fn the_pool_survives_terminated_connections() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    db.insert_claim("a", "before", None).await.unwrap();
    // Hold a few connections so the pool has several idle ones to recycle.
    let held: Vec<_> = futures_util::future::join_all((0..3).map(|_| db.client()))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    drop(held);
    // Kill every backend of this database, as a server restart would.
    let admin = t.raw_client().await.unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for i in 0..5 {
        db.insert_claim("a", &format!("after {i}"), None)
            .await
            .unwrap();
    }
    assert_eq!(db.recent_claims("a", 10, None).await.unwrap().len(), 6);
}

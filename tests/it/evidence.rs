//! Evidence: nullable columns read back, paging, batch insert
//! (`queries/evidence.sql`).

use truthgraph_db::{Error, NewEvidence};

use crate::support::{TestDatabase, field};

#[tokio::test]
async fn evidence_reads_back_nulls_and_pages() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();

    let e1 = a.insert_evidence("first", None, None).await.unwrap();
    let e2 = a
        .insert_evidence("second", Some("https://e"), Some("news"))
        .await
        .unwrap();
    let got = a.get_evidence(e1.id).await.unwrap().unwrap();
    assert_eq!((got.source_url, got.source_type), (None, None));
    let page = a.recent_evidence(1, None).await.unwrap();
    assert_eq!(page[0].id, e2.id);
    let next = a
        .recent_evidence(1, Some((page[0].created_at, page[0].id)))
        .await
        .unwrap();
    assert_eq!(next[0].id, e1.id);
    assert_eq!(a.get_evidence_many(&[e2.id, e1.id]).await.unwrap().len(), 2);
    assert!(b.get_evidence(e1.id).await.unwrap().is_none());
    assert!(a.delete_evidence(e1.id).await.unwrap());
}

async fn evidence_count(db: &truthgraph_db::Database) -> i64 {
    db.client()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM evidence", &[])
        .await
        .unwrap()
        .get(0)
}

fn batch(n: usize) -> Vec<NewEvidence> {
    (0..n)
        .map(|i| NewEvidence {
            content: format!("passage {i} about water boiling"),
            source_url: (i % 3 == 0).then(|| format!("https://e/{i}")),
            source_type: (i % 2 == 0).then(|| "news".to_string()),
        })
        .collect()
}

#[tokio::test]
async fn evidence_batch_validates_every_row_first_and_keeps_input_order() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let b = db.tenant("b").unwrap();

    let a = db.tenant("a").unwrap();
    let rows = batch(1000);

    // A blank content at row 500: named, nothing sent.
    let mut bad = rows.clone();
    bad[500].content = " \n".into();
    let e = a.insert_evidence_many(&bad).await.unwrap_err();
    assert_eq!(field(&e), "rows[500].content");
    // A source type that does not fit varchar(50): named, nothing sent.
    let mut bad = rows.clone();
    bad[3].source_type = Some("x".repeat(51));
    let e = a.insert_evidence_many(&bad).await.unwrap_err();
    assert_eq!(field(&e), "rows[3].source_type");
    assert_eq!(evidence_count(db).await, 0);

    let stored = a.insert_evidence_many(&rows).await.unwrap();
    assert_eq!(stored.len(), rows.len());
    for (s, r) in stored.iter().zip(&rows) {
        assert_eq!(
            (&s.content, &s.source_url, &s.source_type),
            (&r.content, &r.source_url, &r.source_type)
        );
        assert_eq!(s.tenant_id, "a");
    }
    assert_eq!(evidence_count(db).await, 1000);
    // Stored as the single-row insert stores: readable, searchable by keyword.
    let ids: Vec<_> = stored.iter().map(|e| e.id).collect();
    assert_eq!(a.get_evidence_many(&ids).await.unwrap(), stored);
    let tsv: i64 = db
        .client()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM evidence WHERE content_tsv @@ to_tsquery('english', 'boil')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tsv, 1000);
    assert!(b.get_evidence_many(&ids).await.unwrap().is_empty());
    assert!(a.insert_evidence_many(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn evidence_batch_is_all_or_nothing_when_the_server_rejects_a_row() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();

    // A rule only the server knows, so row 700 passes validation and fails
    // mid-statement, after 700 rows were inserted.
    db.client()
        .await
        .unwrap()
        .batch_execute(
            "ALTER TABLE evidence ADD CONSTRAINT test_no_poison CHECK (content <> 'poison')",
        )
        .await
        .unwrap();
    let mut rows = batch(1000);
    rows[700].content = "poison".into();
    let e = a.insert_evidence_many(&rows).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput { constraint: Some(c), .. } if c == "test_no_poison"),
        "{e:?}"
    );
    assert_eq!(evidence_count(db).await, 0);
}

/// V9's columns serve the three queries of the Python services' query module
/// (`db_queries/queries.py`) that read them, in the shape that module sends
/// them (as the tables' owner, ids as `= ANY(...)`), and hold their CHECK.
#[tokio::test]
async fn credibility_columns_serve_the_old_query_module() {
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("default").unwrap();
    let rated = a
        .insert_evidence("rated", Some("https://r"), Some("news"))
        .await
        .unwrap();
    let unrated = a.insert_evidence("unrated", None, None).await.unwrap();
    let dim = t.db.embedding_dimension().await.unwrap();
    let v = crate::support::random_unit(9, dim);
    a.upsert_embedding(truthgraph_db::EntityType::Evidence, rated.id, &v, "m", None)
        .await
        .unwrap();
    let c = t.raw_client().await.unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2023, 5, 15).unwrap();
    c.execute(
        "UPDATE evidence SET credibility_score = 0.8, publication_date = $2 WHERE id = $1",
        &[&rated.id, &date],
    )
    .await
    .unwrap();
    let ids = vec![rated.id, unrated.id];
    // batch_get_evidence_by_ids, include_embeddings = false and true.
    let plain = c
        .query(
            "SELECT id, content, source_url, source_type, credibility_score, publication_date, \
             created_at FROM evidence WHERE id = ANY($1) ORDER BY created_at DESC",
            &[&ids],
        )
        .await
        .unwrap();
    let joined = c
        .query(
            "SELECT e.id, e.content, e.source_url, e.source_type, e.credibility_score, \
             e.publication_date, e.created_at, emb.embedding, emb.model_name, emb.id AS embedding_id \
             FROM evidence e LEFT JOIN embeddings emb ON e.id = emb.entity_id \
             AND emb.entity_type = 'evidence' WHERE e.id = ANY($1) ORDER BY e.created_at DESC",
            &[&ids],
        )
        .await
        .unwrap();
    for rows in [&plain, &joined] {
        let got: Vec<(uuid::Uuid, Option<f64>, Option<chrono::NaiveDate>)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(4), r.get(5)))
            .collect();
        assert_eq!(
            got,
            vec![(unrated.id, None, None), (rated.id, Some(0.8), Some(date))]
        );
    }
    // get_evidence_with_similarity_scores (its operator is `<->`, L2).
    let scored = c
        .query(
            "SELECT e.id, e.content, e.source_url, e.source_type, e.credibility_score, \
             1 - (emb.embedding <-> $1) AS similarity, emb.model_name FROM evidence e \
             JOIN embeddings emb ON e.id = emb.entity_id AND emb.entity_type = 'evidence' \
             WHERE emb.tenant_id = $2 ORDER BY emb.embedding <-> $1 ASC LIMIT $3",
            &[&v, &"default", &20i64],
        )
        .await
        .unwrap();
    assert_eq!(scored.len(), 1);
    assert_eq!(scored[0].get::<_, Option<f64>>(4), Some(0.8));
    assert!((scored[0].get::<_, f64>(5) - 1.0).abs() < 1e-6);
    // The range is enforced, and both columns say what they mean.
    let e = c
        .execute(
            "UPDATE evidence SET credibility_score = 1.5 WHERE id = $1",
            &[&rated.id],
        )
        .await
        .unwrap_err();
    let db_error = e.as_db_error().unwrap();
    assert_eq!(db_error.code().code(), "23514");
    assert_eq!(
        db_error.constraint(),
        Some("evidence_credibility_score_range")
    );
    for column in ["credibility_score", "publication_date"] {
        let comment: Option<String> = c
            .query_one(
                "SELECT col_description('evidence'::regclass, attnum) FROM pg_attribute \
                 WHERE attrelid = 'evidence'::regclass AND attname = $1",
                &[&column],
            )
            .await
            .unwrap()
            .get(0);
        assert!(
            comment.is_some_and(|c| !c.is_empty()),
            "{column} has no comment"
        );
    }
}

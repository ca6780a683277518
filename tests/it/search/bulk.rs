//! Bulk loads: atomic and bit-identical.

use super::*;

#[tokio::test]
async fn bulk_load_is_atomic_and_bit_identical() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();

    let mut data = Clustered::new(5, DIM, 4, 0.5);
    // The entities first: an embedding must belong to one of the tenant's.
    let mut entities = Vec::new();
    for i in 0..50 {
        entities.push(if i % 2 == 0 {
            a.insert_evidence(&format!("e{i}"), None, None)
                .await
                .unwrap()
                .id
        } else {
            a.insert_claim(&format!("c{i}"), None).await.unwrap().id
        });
    }
    let mut rows: Vec<NewEmbedding> = (0..50)
        .map(|i| NewEmbedding {
            entity_type: if i % 2 == 0 {
                EntityType::Evidence
            } else {
                EntityType::Claim
            },
            entity_id: entities[i],
            embedding: data.next(),
            model_name: "m".into(),
            model_version: (i % 3 == 0).then(|| "v1".to_string()),
        })
        .collect();
    let count = async || -> i64 {
        db.client()
            .await
            .unwrap()
            .query_one("SELECT count(*) FROM embeddings", &[])
            .await
            .unwrap()
            .get(0)
    };
    // One bad vector anywhere: nothing is written.
    let mut bad = rows.clone();
    let mut v = bad[37].embedding.to_vec();
    v[100] = f32::NAN;
    bad[37].embedding = Vector::from(v);
    match a.bulk_load_embeddings(&bad).await.unwrap_err() {
        Error::InvalidInput { field, .. } => assert_eq!(field, "rows[37].embedding"),
        e => panic!("{e}"),
    }
    bad = rows.clone();
    bad[3].embedding = Vector::from(vec![0.1; 384]);
    assert!(a.bulk_load_embeddings(&bad).await.is_err());
    // A duplicate entity (caught by the database mid-COPY): nothing is written.
    bad = rows.clone();
    bad[49].entity_id = bad[1].entity_id;
    bad[49].entity_type = bad[1].entity_type;
    let err = a.bulk_load_embeddings(&bad).await.unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { constraint, .. } if constraint == "idx_embeddings_entity_unique"),
        "{err:?}"
    );
    assert_eq!(count().await, 0);

    // A correct batch reads back bit for bit.
    rows[0].embedding = Vector::from(
        (0..DIM)
            .map(|i| {
                if i == 0 {
                    f32::MIN_POSITIVE
                } else {
                    1.0 / (i as f32 + 0.3)
                }
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(a.bulk_load_embeddings(&rows).await.unwrap(), 50);
    for r in &rows {
        let got = a
            .get_embedding(r.entity_type, r.entity_id)
            .await
            .unwrap()
            .unwrap();
        let bits = |v: &Vector| v.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got.embedding), bits(&r.embedding));
        assert_eq!(got.model_version, r.model_version);
        assert_eq!(got.tenant_id, "a");
    }
    assert_eq!(a.bulk_load_embeddings(&[]).await.unwrap(), 0);
}

//! Property: any vector is stored bit for bit and searches finitely, or is refused.

use pgvector::Vector;
use proptest::prelude::*;
use truthgraph_db::validate::{MAX_VECTOR_NORM, MIN_VECTOR_NORM};
use truthgraph_db::{EntityType, NewEmbedding, SearchOptions};
use uuid::Uuid;

use super::{check, count, refused, runtime, vector_ok};
use crate::support::TestDatabase;

/// Dimensions of the vector property: small, so cases stay cheap.
const DIM: usize = 8;

/// One vector component: ordinary, zero (both signs), subnormal, or any f32
/// at all (NaN, ±∞ and the extremes included).
fn component() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -1.0f32..1.0,
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => prop::num::f32::SUBNORMAL,
        1 => any::<f32>(),
        1 => prop::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, f32::MIN_POSITIVE]),
    ]
}

/// A vector, often scaled by 2^e across both float4 cliffs (the scale is
/// applied in f64 and rounded once, so it underflows gradually).
fn vector() -> impl Strategy<Value = Vec<f32>> {
    (
        prop::collection::vec(component(), DIM),
        prop_oneof![3 => Just(0i32), 3 => -170i32..=140, 1 => prop::sample::select(vec![-76, -75, -51, -50, -49, 49, 50, 51, 63, 64])],
    )
        .prop_map(|(v, e)| {
            v.into_iter()
                .map(|x| (f64::from(x) * 2f64.powi(e)) as f32)
                .collect()
        })
}

/// Evidence rows to hang embeddings on, and the anchors every accepted query
/// is compared with: the smallest and largest accepted norms, spread and in
/// one component, and ordinary vectors.
async fn vector_fixture(t: &TestDatabase) -> (Vec<Uuid>, Vec<(Uuid, Vec<f32>)>) {
    let db = &t.db;
    db.set_dimension(DIM).await.unwrap();
    let a = db.tenant("a").unwrap();
    let mut slots = Vec::new();
    for i in 0..4 {
        slots.push(
            a.insert_evidence(&format!("slot {i}"), None, None)
                .await
                .unwrap()
                .id,
        );
    }
    let (lo, hi) = (MIN_VECTOR_NORM as f32, MAX_VECTOR_NORM as f32);
    let mut anchors = vec![
        vec![lo, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        vec![0.0, -hi, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        vec![lo / 2.0, lo / 2.0, -lo / 2.0, lo / 2.0, 0.0, 0.0, 0.0, 0.0],
        vec![hi / 2.0, 0.0, hi / 2.0, 0.0, -hi / 2.0, 0.0, hi / 2.0, 0.0],
        vec![0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8],
    ];
    anchors.push(vec![1.0; DIM]);
    let mut stored = Vec::new();
    for (i, v) in anchors.into_iter().enumerate() {
        assert!(vector_ok(&v));
        let e = a
            .insert_evidence(&format!("anchor {i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(
            EntityType::Evidence,
            e.id,
            &Vector::from(v.clone()),
            "m",
            None,
        )
        .await
        .unwrap();
        stored.push((e.id, v));
    }
    (slots, stored)
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum();
    dot / (na * nb).sqrt()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn vectors_are_stored_exactly_and_search_finitely_or_are_refused() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    let (slots, anchors) = rt.block_on(vector_fixture(&t));
    let a = t.db.tenant("a").unwrap();
    let strategy = prop::collection::vec(vector(), 1..=slots.len());
    check(&rt, 64, strategy, |vectors| {
        let (a, t, slots, anchors) = (a, &t, &slots, &anchors);
        async move {
            for id in slots {
                a.delete_embedding(EntityType::Evidence, *id).await.unwrap();
            }
            let before = count(t, "embeddings").await;
            let rows: Vec<NewEmbedding> = vectors
                .iter()
                .zip(slots)
                .map(|(v, id)| NewEmbedding {
                    entity_type: EntityType::Evidence,
                    entity_id: *id,
                    embedding: Vector::from(v.clone()),
                    model_name: "m".into(),
                    model_version: Some("1".into()),
                })
                .collect();
            // Bulk: all stored bit for bit, or refused at the first bad row.
            let loaded = a.bulk_load_embeddings(&rows).await;
            match vectors.iter().position(|v| !vector_ok(v)) {
                Some(i) => {
                    refused(loaded, &format!("rows[{i}].embedding"))?;
                    prop_assert_eq!(count(t, "embeddings").await, before);
                }
                None => {
                    prop_assert_eq!(loaded.unwrap(), rows.len() as u64);
                    for r in &rows {
                        let got = a
                            .get_embedding(r.entity_type, r.entity_id)
                            .await
                            .unwrap()
                            .unwrap();
                        prop_assert_eq!(
                            bits(got.embedding.as_slice()),
                            bits(r.embedding.as_slice())
                        );
                    }
                }
            }
            // One by one: the same verdict on each vector.
            for (v, id) in vectors.iter().zip(slots) {
                let vector = Vector::from(v.clone());
                let upserted = a
                    .upsert_embedding(EntityType::Evidence, *id, &vector, "m", None)
                    .await;
                let stored = a.get_embedding(EntityType::Evidence, *id).await.unwrap();
                if vector_ok(v) {
                    prop_assert_eq!(bits(upserted.unwrap().embedding.as_slice()), bits(v));
                    prop_assert_eq!(bits(stored.unwrap().embedding.as_slice()), bits(v));
                } else {
                    refused(upserted, "embedding")?;
                    prop_assert!(stored.is_none(), "a refused vector left a row");
                }
            }
            // As a query: refused, or every similarity finite and the f64 cosine.
            for v in &vectors {
                let hits = a
                    .search_evidence(
                        &Vector::from(v.clone()),
                        &SearchOptions {
                            exact: true,
                            ..SearchOptions::top(20)
                        },
                    )
                    .await;
                if !vector_ok(v) {
                    refused(hits, "query")?;
                    continue;
                }
                let hits = hits.unwrap();
                let mine = vectors.iter().zip(slots).filter(|(v, _)| vector_ok(v));
                prop_assert_eq!(hits.len(), anchors.len() + mine.clone().count());
                for h in hits {
                    let other = anchors
                        .iter()
                        .map(|(id, v)| (id, v))
                        .chain(mine.clone().map(|(v, id)| (id, v)))
                        .find(|(id, _)| **id == h.id)
                        .unwrap()
                        .1;
                    let want = cosine(v, other);
                    prop_assert!(
                        h.similarity.is_finite() && (h.similarity - want).abs() < 1e-5,
                        "similarity {} where the f64 cosine is {}",
                        h.similarity,
                        want
                    );
                }
            }
            Ok(())
        }
    });
}

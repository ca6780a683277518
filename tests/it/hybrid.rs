//! Hybrid search with a whole sentence as its text (`queries/search.sql`,
//! `hybrid_search_evidence`): any of its rare lexemes matches (an OR, not
//! an AND of every word), common lexemes are dropped, at most 12 are kept;
//! a text of common lexemes only matches the rows holding all of them.

use truthgraph_db::{EntityType, HybridOptions, NewEmbedding, NewEvidence, Tenant};
use uuid::Uuid;

use crate::support::{TestDatabase, random_unit};

const DIM: usize = 8;

/// Stores `texts` as evidence of `t` with random embeddings; returns the ids.
async fn store(t: &Tenant<'_>, texts: &[String]) -> Vec<Uuid> {
    let rows: Vec<NewEvidence> = texts
        .iter()
        .map(|c| NewEvidence {
            content: c.clone(),
            ..NewEvidence::default()
        })
        .collect();
    let stored = t.insert_evidence_many(&rows).await.unwrap();
    let embeddings: Vec<NewEmbedding> = stored
        .iter()
        .enumerate()
        .map(|(i, e)| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: e.id,
            embedding: random_unit(1_000 + i as u64, DIM),
            model_name: "m".into(),
            model_version: None,
        })
        .collect();
    t.bulk_load_embeddings(&embeddings).await.unwrap();
    stored.iter().map(|e| e.id).collect()
}

/// The ids the keyword side contributed to `hits`.
fn keyword_ids(hits: &[truthgraph_db::search::HybridHit]) -> Vec<Uuid> {
    hits.iter()
        .filter(|h| h.keyword_rank.is_some())
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn a_claim_sentence_finds_keyword_hits_and_common_words_are_dropped() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    let a = t.db.tenant("a").unwrap();
    // 200 passages about rivers; one mentions glaciers and Patagonia.
    let mut texts: Vec<String> = (0..200)
        .map(|i| format!("The river number {i} carries water to the sea"))
        .collect();
    texts[117] = "Glaciers in Patagonia retreat every summer".into();
    let ids = store(&a, &texts).await;
    t.raw_client()
        .await
        .unwrap()
        .batch_execute("ANALYZE evidence")
        .await
        .unwrap();
    let opts = HybridOptions {
        k: 100,
        candidates: 100,
        ..HybridOptions::default()
    };
    // A whole sentence: most of its words are in no passage, "river" and
    // "water" are in every one. ANDing every word would match nothing.
    let claim = "Scientists say the river water shows that glaciers of Patagonia are \
                 shrinking faster than any model predicted";
    let hits = a
        .hybrid_search(claim, &random_unit(7, DIM), &opts)
        .await
        .unwrap();
    assert_eq!(
        keyword_ids(&hits),
        vec![ids[117]],
        "only the passage with the sentence's rare words, not every river"
    );
    // A text of common words alone matches the passages holding all of
    // them (an AND, as a short keyword text needs), not any one of them.
    let hits = a
        .hybrid_search("river carries water", &random_unit(8, DIM), &opts)
        .await
        .unwrap();
    let keyword = keyword_ids(&hits);
    assert!(!keyword.is_empty(), "a keyword side");
    assert!(
        !keyword.contains(&ids[117]),
        "only passages with all three words"
    );
    let hits = a
        .hybrid_search("river glaciers water", &random_unit(9, DIM), &opts)
        .await
        .unwrap();
    assert_eq!(
        keyword_ids(&hits),
        vec![ids[117]],
        "the rare word alone decides when there is one"
    );
    assert!(!hits.is_empty(), "the vector side still answers");
}

#[tokio::test]
async fn a_long_sentence_keeps_at_most_twelve_lexemes() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(DIM).await.unwrap();
    let a = t.db.tenant("a").unwrap();
    // 30 made-up words, each in exactly one passage, and 70 passages of filler.
    let words: Vec<String> = (0..30)
        .map(|i| format!("zq{}", "x".repeat(i % 7) + &format!("w{i:02}")))
        .collect();
    let mut texts: Vec<String> = words.iter().map(|w| format!("A note on {w}")).collect();
    texts.extend((0..70).map(|i| format!("Filler passage {i} about nothing")));
    let ids = store(&a, &texts).await;
    t.raw_client()
        .await
        .unwrap()
        .batch_execute("ANALYZE evidence")
        .await
        .unwrap();
    let sentence = words.join(" ");
    let opts = HybridOptions {
        k: 100,
        candidates: 100,
        ..HybridOptions::default()
    };
    let hits = a
        .hybrid_search(&sentence, &random_unit(9, DIM), &opts)
        .await
        .unwrap();
    let found = keyword_ids(&hits);
    assert_eq!(found.len(), 12, "30 words, 12 lexemes kept: {found:?}");
    // All equally rare: the 12 longest are kept, the words with 4 to 6 x's.
    let mut longest: Vec<Uuid> = (0..30).filter(|i| i % 7 >= 4).map(|i| ids[i]).collect();
    let mut found = found;
    longest.sort();
    found.sort();
    assert_eq!(found, longest);
}

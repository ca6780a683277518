//! Inputs the server would take badly, against the real server: vectors
//! whose float4 cosine underflows or overflows, texts PostgreSQL refuses
//! without naming the field (NUL, over-long varchar, over-long tsvector), and
//! hybrid search texts past the documented limit. Each is refused before
//! anything is sent, with [`Error::InvalidInput`] naming the field as the
//! caller knows it, and nothing is written; the inputs just inside each limit
//! are stored and work.

use pgvector::Vector;
use truthgraph_db::validate::{
    MAX_CONTENT_BYTES, MAX_QUERY_TEXT_CHARS, MAX_VECTOR_NORM, MIN_VECTOR_NORM,
};
use truthgraph_db::{
    EntityType, Error, HybridOptions, NewClaim, NewEmbedding, NewEvidence, NewNliResult,
    NewVerificationResult, NliLabel, SearchOptions, VerdictLabel,
};

use crate::support::{TestDatabase, cosine, explain, field, random_unit};
use truthgraph_vector_ref::VectorRef;

const DIM: usize = 1536;

/// Rows of `table` in the whole database.
async fn count(raw: &tokio_postgres::Client, table: &str) -> i64 {
    raw.query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// A vector of `DIM` dimensions: `value` in the first `n`, zeros after.
fn filled(value: f32, n: usize) -> Vector {
    Vector::from(
        (0..DIM)
            .map(|i| if i < n { value } else { 0.0 })
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn vectors_whose_float4_cosine_breaks_are_refused_and_the_extremes_accepted_search_finitely()
{
    let t = TestDatabase::migrated().await.unwrap();
    let raw = t.raw_client().await.unwrap();
    let a = t.db.tenant("a").unwrap();

    // What the server does with them unchecked: ±1 for any query, NaN.
    let tiny = filled(1e-23, DIM);
    let huge = filled(3e38, DIM);
    let unit = random_unit(1, DIM);
    let row = raw
        .query_one(
            "SELECT 1 - ($1::vector <=> $3::vector), 1 - ($2::vector <=> $3::vector)",
            &[&tiny, &huge, &unit],
        )
        .await
        .unwrap();
    let (tiny_sim, huge_sim): (f64, f64) = (row.get(0), row.get(1));
    assert_eq!(
        tiny_sim.abs(),
        1.0,
        "1e-23 should underflow to ±1 unchecked"
    );
    assert!(huge_sim.is_nan(), "3e38 should overflow to NaN unchecked");

    let ev = a.insert_evidence("a passage", None, None).await.unwrap();
    let before = count(&raw, "embeddings").await;
    for bad in [&tiny, &huge] {
        let e = a
            .upsert_embedding(EntityType::Evidence, ev.id, bad, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding", "{e}");
        assert!(e.to_string().contains("L2 norm"), "{e}");
        let rows: Vec<NewEmbedding> = (0..5)
            .map(|i| NewEmbedding {
                entity_type: EntityType::Evidence,
                entity_id: if i == 3 { ev.id } else { uuid::Uuid::new_v4() },
                embedding: if i == 3 {
                    bad.clone()
                } else {
                    random_unit(i, DIM)
                },
                model_name: "m".into(),
                model_version: None,
            })
            .collect();
        let e = a.bulk_load_embeddings(&rows).await.unwrap_err();
        assert_eq!(field(&e), "rows[3].embedding", "{e}");
        let e = a
            .search_evidence(bad, &SearchOptions::top(5))
            .await
            .unwrap_err();
        assert_eq!(field(&e), "query", "{e}");
        let e = a
            .hybrid_search("passage", bad, &HybridOptions::default())
            .await
            .unwrap_err();
        assert_eq!(field(&e), "query", "{e}");
    }
    assert_eq!(count(&raw, "embeddings").await, before, "nothing written");

    // The extremes the rule accepts, spread over 1024 components (norm
    // exactly 2^±50) and in one component, beside ordinary unit vectors.
    let lo = MIN_VECTOR_NORM as f32 / 32.0;
    let hi = MAX_VECTOR_NORM as f32 / 32.0;
    let extremes = [
        filled(lo, 1024),
        filled(hi, 1024),
        filled(MIN_VECTOR_NORM as f32, 1),
        filled(-(MAX_VECTOR_NORM as f32), 1),
        random_unit(7, DIM),
        random_unit(8, DIM),
    ];
    let mut stored = Vec::new();
    for (i, v) in extremes.iter().enumerate() {
        let e = a
            .insert_evidence(&format!("extreme {i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(EntityType::Evidence, e.id, v, "m", None)
            .await
            .unwrap();
        stored.push((e.id, v));
    }
    // One step beyond each bound is refused.
    for v in [filled(lo.next_down(), 1024), filled(hi.next_up(), 1024)] {
        let e = a
            .upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
            .await
            .unwrap_err();
        assert_eq!(field(&e), "embedding", "{e}");
    }
    // Every extreme as the query, exact and through the HNSW index: every
    // similarity finite and the f64 cosine of the pair. With six rows the
    // planner would rather sort them: the index is forced on a handle of its
    // own (sorting and sequential scans priced out for this database's new
    // connections), and EXPLAIN on that handle shows the index in the plan.
    raw.batch_execute(&format!(
        "ALTER DATABASE {} SET enable_sort = off; ALTER DATABASE {} SET enable_seqscan = off",
        t.name, t.name
    ))
    .await
    .unwrap();
    // Six rows: tenant "a" is searched exactly unless it has an index of
    // its own, which a threshold of one row gives it.
    let tiers =
        t.db.maintain_tiers(&truthgraph_db::index_build::TierOptions {
            threshold: Some(1),
            apply: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let own = truthgraph_db::tiers::tier_index_name("a", EntityType::Evidence);
    assert!(tiers.tiers.iter().any(|p| p.index_name == own), "{tiers:?}");
    let forced = t
        .connect(&truthgraph_db::Config {
            pool_max_size: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let fa = forced.tenant("a").unwrap();
    for q in &extremes {
        let qref = VectorRef::from(q);
        let (k, none_src, none_min): (i64, Option<&str>, Option<f64>) = (10, None, None);
        let plan = explain(
            &**forced.client().await.unwrap(),
            truthgraph_db::sql::search::SEARCH_EVIDENCE,
            &[&qref, &"a", &none_src, &k, &none_min],
        )
        .await;
        assert!(
            plan.contains(&format!("Index Scan using {own}")),
            "the index search does not use the HNSW index:\n{}",
            plan.lines()
                .map(|l| &l[..l.len().min(120)])
                .collect::<Vec<_>>()
                .join("\n")
        );
        for exact in [true, false] {
            let hits = fa
                .search_evidence(
                    q,
                    &SearchOptions {
                        exact,
                        ..SearchOptions::top(10)
                    },
                )
                .await
                .unwrap();
            assert_eq!(hits.len(), stored.len(), "exact = {exact}");
            for h in hits {
                let v = stored.iter().find(|(id, _)| *id == h.id).unwrap().1;
                let want = cosine(q.as_slice(), v.as_slice());
                assert!(h.similarity.is_finite(), "{h:?}");
                assert!(
                    (h.similarity - want).abs() < 1e-5,
                    "similarity {} against f64 cosine {want} (exact = {exact})",
                    h.similarity
                );
            }
        }
    }
    forced.close().await;
}

#[tokio::test]
async fn hybrid_search_text_is_accepted_at_its_limit_and_refused_past_it() {
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("a").unwrap();
    let ev = a
        .insert_evidence("water boils at one hundred degrees", None, None)
        .await
        .unwrap();
    let v = random_unit(1, DIM);
    a.upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
        .await
        .unwrap();
    let opts = HybridOptions::default();

    // Words, quoted phrases, `or` and negation, cut at exactly the limit in
    // characters (two-byte letters, so bytes are not what is counted).
    let words = ["water", "\"boils at\"", "or", "-ice", "degrés", "hundred"];
    let mut text: String = words
        .iter()
        .cycle()
        .flat_map(|w| [*w, " "])
        .flat_map(str::chars)
        .take(MAX_QUERY_TEXT_CHARS - 1)
        .collect();
    text.push('é');
    assert_eq!(text.chars().count(), MAX_QUERY_TEXT_CHARS);
    a.hybrid_search(&text, &v, &opts).await.unwrap();

    text.push('x');
    let e = a.hybrid_search(&text, &v, &opts).await.unwrap_err();
    assert_eq!(field(&e), "text", "{e}");
    assert!(
        e.to_string().contains(&MAX_QUERY_TEXT_CHARS.to_string()),
        "{e}"
    );
    let e = a
        .hybrid_search("water\0boils", &v, &opts)
        .await
        .unwrap_err();
    assert_eq!(field(&e), "text", "{e}");
    // A short text still finds the row by both sides.
    let hits = a.hybrid_search("boiling water", &v, &opts).await.unwrap();
    assert_eq!(hits[0].id, ev.id);
    assert_eq!(
        (hits[0].vector_rank, hits[0].keyword_rank),
        (Some(1), Some(1))
    );
}

/// Hyphenated words of upper-case two-byte letters whose lower case takes
/// three bytes (`Ⱥ` → `ⱥ`): the most lexeme bytes per content byte measured
/// (each word gives itself and each part), `bytes` long.
fn worst_tsvector_text(bytes: usize) -> String {
    let letters = ['Ⱥ', 'Ⱦ', 'Ƀ', 'Ȼ'];
    let mut out = String::new();
    let mut n: u64 = 0;
    loop {
        let mut word = String::new();
        for part in 0..3 {
            if part > 0 {
                word.push('-');
            }
            let mut k = n;
            n += 1;
            for _ in 0..9 {
                word.push(letters[(k % 4) as usize]);
                k /= 4;
            }
        }
        if out.len() + word.len() + 1 > bytes {
            break;
        }
        out.push_str(&word);
        out.push(' ');
    }
    while out.len() < bytes {
        out.push('x');
    }
    out
}

#[tokio::test]
async fn evidence_content_fits_its_tsvector_up_to_the_limit_and_is_refused_past_it() {
    let t = TestDatabase::migrated().await.unwrap();
    let raw = t.raw_client().await.unwrap();
    let a = t.db.tenant("a").unwrap();

    // Unchecked, twice the limit of the worst text is past the server's 1 MB
    // of lexemes: 54000, naming no row.
    let e = raw
        .query_one(
            "SELECT to_tsvector('english', $1)",
            &[&worst_tsvector_text(2 * MAX_CONTENT_BYTES)],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code().unwrap().code(), "54000", "{e}");

    // At the limit the worst text is stored, with its tsvector, and reads back.
    let at_limit = worst_tsvector_text(MAX_CONTENT_BYTES);
    assert_eq!(at_limit.len(), MAX_CONTENT_BYTES);
    let lexeme_bytes: i64 = raw
        .query_one(
            "SELECT sum(octet_length(lexeme))::int8 FROM unnest(to_tsvector('english', $1))",
            &[&at_limit],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        lexeme_bytes > 2 * MAX_CONTENT_BYTES as i64,
        "the text should be near the worst case: {lexeme_bytes} lexeme bytes"
    );
    let ev = a.insert_evidence(&at_limit, None, None).await.unwrap();
    assert_eq!(
        a.get_evidence(ev.id).await.unwrap().unwrap().content,
        at_limit
    );

    let before = count(&raw, "evidence").await;
    let mut over = at_limit.clone();
    over.push('x');
    let e = a.insert_evidence(&over, None, None).await.unwrap_err();
    assert_eq!(field(&e), "content", "{e}");
    let rows = vec![
        NewEvidence {
            content: "fine".into(),
            ..Default::default()
        },
        NewEvidence {
            content: over.clone(),
            ..Default::default()
        },
    ];
    let e = a.insert_evidence_many(&rows).await.unwrap_err();
    assert_eq!(field(&e), "rows[1].content", "{e}");
    assert_eq!(count(&raw, "evidence").await, before, "nothing written");
}

fn nli(claim: uuid::Uuid, evidence: uuid::Uuid) -> NewNliResult {
    NewNliResult {
        claim_id: claim,
        evidence_id: evidence,
        label: NliLabel::Neutral,
        confidence: 0.5,
        entailment_score: 0.2,
        contradiction_score: 0.3,
        neutral_score: 0.5,
        model_name: "m".into(),
        model_version: None,
        premise_text: "p".into(),
        hypothesis_text: "h".into(),
    }
}

fn verification(claim: uuid::Uuid) -> NewVerificationResult {
    NewVerificationResult {
        claim_id: claim,
        verdict: VerdictLabel::Supported,
        confidence: 0.9,
        support_score: 0.9,
        refute_score: 0.05,
        neutral_score: 0.05,
        evidence_count: 1,
        supporting_evidence_count: 1,
        refuting_evidence_count: 0,
        neutral_evidence_count: 0,
        reasoning: None,
        nli_result_ids: Vec::new(),
        pipeline_version: None,
        retrieval_method: None,
    }
}

#[tokio::test]
async fn texts_the_server_refuses_namelessly_are_refused_first_naming_the_field() {
    let t = TestDatabase::migrated().await.unwrap();
    let raw = t.raw_client().await.unwrap();
    let a = t.db.tenant("a").unwrap();

    // What the server says unchecked: no field, no row.
    let e = raw
        .execute("SELECT $1::text", &[&"a\0b"])
        .await
        .unwrap_err();
    assert_eq!(e.code().unwrap().code(), "22021", "{e}");
    // (an INSERT: an explicit cast to varchar(100) would truncate silently)
    let e = raw
        .execute(
            "INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, \
             contradiction_score, neutral_score, model_name, premise_text, hypothesis_text) \
             VALUES (gen_random_uuid(), gen_random_uuid(), 'NEUTRAL', 0, 0, 0, 0, $1, '', '')",
            &[&"m".repeat(101)],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code().unwrap().code(), "22001", "{e}");

    let claim = a.insert_claim("c", None).await.unwrap();
    let ev = a.insert_evidence("e", None, None).await.unwrap();
    let tables = [
        "claims",
        "evidence",
        "embeddings",
        "nli_results",
        "verification_results",
        "verdicts",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(count(&raw, table).await);
    }
    let nul = "x\0y".to_string();
    let long = |n: usize| "é".repeat(n);
    let v = random_unit(3, DIM);
    let mut failures: Vec<(&str, Error)> = Vec::new();
    macro_rules! refused {
        ($want:expr, $call:expr) => {
            failures.push(($want, $call.await.map(|_| ()).unwrap_err()))
        };
    }

    refused!("text", a.insert_claim(&nul, None));
    refused!("source_url", a.insert_claim("c", Some(&nul)));
    let claims = |i: usize, row: NewClaim| {
        let mut rows = vec![
            NewClaim {
                text: "ok".into(),
                source_url: None,
            };
            4
        ];
        rows[i] = row;
        rows
    };
    refused!(
        "rows[2].text",
        a.insert_claims(&claims(
            2,
            NewClaim {
                text: nul.clone(),
                source_url: None
            }
        ))
    );
    refused!(
        "rows[3].source_url",
        a.insert_claims(&claims(
            3,
            NewClaim {
                text: "t".into(),
                source_url: Some(nul.clone())
            }
        ))
    );

    refused!("content", a.insert_evidence(&nul, None, None));
    refused!("source_url", a.insert_evidence("e", Some(&nul), None));
    refused!("source_type", a.insert_evidence("e", None, Some(&nul)));
    refused!("source_type", a.insert_evidence("e", None, Some(&long(51))));
    let evidence = |i: usize, row: NewEvidence| {
        let mut rows = vec![
            NewEvidence {
                content: "ok".into(),
                ..Default::default()
            };
            3
        ];
        rows[i] = row;
        rows
    };
    refused!(
        "rows[1].content",
        a.insert_evidence_many(&evidence(
            1,
            NewEvidence {
                content: nul.clone(),
                ..Default::default()
            }
        ))
    );
    refused!(
        "rows[2].source_url",
        a.insert_evidence_many(&evidence(
            2,
            NewEvidence {
                content: "e".into(),
                source_url: Some(nul.clone()),
                ..Default::default()
            }
        ))
    );

    refused!(
        "model_name",
        a.upsert_embedding(EntityType::Evidence, ev.id, &v, &long(101), None)
    );
    refused!(
        "model_name",
        a.upsert_embedding(EntityType::Evidence, ev.id, &v, &nul, None)
    );
    refused!(
        "model_version",
        a.upsert_embedding(EntityType::Evidence, ev.id, &v, "m", Some(&long(51)))
    );
    let embeddings = |i: usize, name: String, version: Option<String>| {
        (0..600)
            .map(|j| NewEmbedding {
                entity_type: EntityType::Claim,
                entity_id: uuid::Uuid::new_v4(),
                embedding: v.clone(),
                model_name: if j == i { name.clone() } else { "m".into() },
                model_version: if j == i { version.clone() } else { None },
            })
            .collect::<Vec<_>>()
    };
    refused!(
        "rows[500].model_name",
        a.bulk_load_embeddings(&embeddings(500, long(101), None))
    );
    refused!(
        "rows[7].model_version",
        a.bulk_load_embeddings(&embeddings(7, "m".into(), Some(nul.clone())))
    );

    let with = |f: &dyn Fn(&mut NewNliResult)| {
        let mut r = nli(claim.id, ev.id);
        f(&mut r);
        r
    };
    refused!(
        "premise_text",
        a.insert_nli_result(&with(&|r| r.premise_text = nul.clone()))
    );
    refused!(
        "model_name",
        a.insert_nli_result(&with(&|r| r.model_name = long(101)))
    );
    let batch = |i: usize, r: NewNliResult| {
        let mut rows = vec![nli(claim.id, ev.id); 5];
        rows[i] = r;
        rows
    };
    refused!(
        "results[3].premise_text",
        a.insert_nli_results(&batch(3, with(&|r| r.premise_text = nul.clone())))
    );
    refused!(
        "results[4].hypothesis_text",
        a.insert_nli_results(&batch(4, with(&|r| r.hypothesis_text = nul.clone())))
    );
    refused!(
        "results[0].model_version",
        a.insert_nli_results(&batch(0, with(&|r| r.model_version = Some(long(51)))))
    );

    let mut vr = verification(claim.id);
    vr.reasoning = Some(nul.clone());
    refused!("reasoning", a.insert_verification_result(&vr));
    let mut vr = verification(claim.id);
    vr.pipeline_version = Some(long(51));
    refused!("pipeline_version", a.insert_verification_result(&vr));
    refused!(
        "reasoning",
        a.insert_verdict(claim.id, None, None, Some(&nul))
    );
    refused!(
        "source_type",
        a.search_evidence(
            &v,
            &SearchOptions {
                source_type: Some(nul.clone()),
                ..SearchOptions::top(3)
            }
        )
    );

    for (want, e) in &failures {
        assert!(
            matches!(
                e,
                Error::InvalidInput {
                    constraint: None,
                    ..
                }
            ),
            "{want}: {e:?}"
        );
        assert_eq!(field(e), *want, "{e}");
    }
    for (table, n) in tables.iter().zip(before) {
        assert_eq!(count(&raw, table).await, n, "nothing written to {table}");
    }
    let e = t.db.tenant("a\0b").unwrap_err();
    assert_eq!(field(&e), "tenant_id");

    // Just inside every limit: stored and read back as sent.
    let name = long(100);
    let version = long(50);
    a.upsert_embedding(EntityType::Evidence, ev.id, &v, &name, Some(&version))
        .await
        .unwrap();
    let got = a
        .get_embedding(EntityType::Evidence, ev.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.model_name, got.model_version),
        (name.clone(), Some(version.clone()))
    );
    let stored = a
        .insert_nli_result(&with(&|r| {
            r.model_name = name.clone();
            r.model_version = Some(version.clone());
            r.premise_text = String::new();
        }))
        .await
        .unwrap();
    assert_eq!(stored.model_name, name);
    assert_eq!(stored.premise_text, "");
    let typed = a.insert_evidence("e", None, Some(&long(50))).await.unwrap();
    assert_eq!(typed.source_type, Some(long(50)));
}

#[tokio::test]
async fn a_value_the_server_refuses_mid_copy_is_named_by_row_and_column() {
    use futures_util::{SinkExt, pin_mut};

    let t = TestDatabase::migrated().await.unwrap();
    let raw = t.raw_client().await.unwrap();
    // Validation keeps the library's own loads from getting here; a COPY
    // sent anyway (or a server with another column width) is refused by the
    // server, and the error names the row as a batch caller counts it.
    let line = |kind: &str| format!("a\tsome content\t{kind}\n");
    let data = [line("web"), line("web"), line(&"w".repeat(51))].concat();
    let sink = raw
        .copy_in("COPY evidence (tenant_id, content, source_type) FROM STDIN")
        .await
        .unwrap();
    pin_mut!(sink);
    let sent: &'static [u8] = Box::leak(data.into_bytes().into_boxed_slice());
    let result = match sink.send(sent).await {
        Ok(()) => sink.finish().await,
        Err(e) => Err(e),
    };
    let e = Error::from(result.unwrap_err());
    assert_eq!(field(&e), "rows[2].source_type", "{e}");
    assert!(e.to_string().contains("character varying(50)"), "{e}");
    assert_eq!(count(&raw, "evidence").await, 0);
}

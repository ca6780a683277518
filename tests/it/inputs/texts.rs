//! Texts and values the server refuses namelessly are refused first, naming the field (or row and column).

use super::*;

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

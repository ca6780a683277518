//! Texts around the tsvector limits: hybrid search texts and evidence content.

use super::*;

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

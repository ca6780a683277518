//! Property: claims and evidence are stored exactly, or refused naming the first bad field.

use proptest::prelude::*;
use truthgraph_db::validate::MAX_CONTENT_BYTES;
use truthgraph_db::{NewClaim, NewEvidence};

use super::{check, count, first_bad, fits, named, optional_text, refused, runtime, said, text};
use crate::support::TestDatabase;

#[derive(Debug, Clone)]
struct ClaimCase {
    text: String,
    source_url: Option<String>,
}

#[derive(Debug, Clone)]
struct EvidenceCase {
    content: String,
    source_url: Option<String>,
    source_type: Option<String>,
}

/// Evidence content: mostly a text, sometimes a run of `a` around
/// [`MAX_CONTENT_BYTES`].
fn content() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => text(),
        1 => (MAX_CONTENT_BYTES - 1..=MAX_CONTENT_BYTES + 1).prop_map(|n| {
            let mut s = "word ".repeat(n / 5);
            while s.len() < n {
                s.push('a');
            }
            s
        }),
    ]
}

#[test]
fn claims_and_evidence_are_stored_exactly_or_refused_by_field() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    let a = t.db.tenant("a").unwrap();
    let claim =
        (text(), optional_text()).prop_map(|(text, source_url)| ClaimCase { text, source_url });
    check(&rt, 48, claim, |c| {
        let t = &t;
        async move {
            let bad = first_bad(&[
                ("text", said(&c.text)),
                ("source_url", fits(c.source_url.as_deref(), usize::MAX)),
            ]);
            let before = count(t, "claims").await;
            let one = a.insert_claim(&c.text, c.source_url.as_deref()).await;
            let row = NewClaim {
                text: c.text.clone(),
                source_url: c.source_url.clone(),
            };
            let ok_row = NewClaim {
                text: "ok".into(),
                source_url: None,
            };
            let many = a.insert_claims(&[ok_row, row]).await;
            match bad {
                Some(f) => {
                    refused(one, f)?;
                    refused(many, &named(Some(1), "rows", f))?;
                    prop_assert_eq!(count(t, "claims").await, before);
                }
                None => {
                    let stored = [one.unwrap().id, many.unwrap()[1].id];
                    for got in a.get_claims(&stored).await.unwrap() {
                        prop_assert_eq!(&got.text, &c.text);
                        prop_assert_eq!(&got.source_url, &c.source_url);
                    }
                    prop_assert_eq!(count(t, "claims").await, before + 3);
                }
            }
            Ok(())
        }
    });

    let evidence = (content(), optional_text(), optional_text()).prop_map(
        |(content, source_url, source_type)| EvidenceCase {
            content,
            source_url,
            source_type,
        },
    );
    check(&rt, 48, evidence, |e| {
        let t = &t;
        async move {
            let bad = first_bad(&[
                (
                    "content",
                    said(&e.content) && e.content.len() <= MAX_CONTENT_BYTES,
                ),
                ("source_url", fits(e.source_url.as_deref(), usize::MAX)),
                ("source_type", fits(e.source_type.as_deref(), 50)),
            ]);
            let before = count(t, "evidence").await;
            let one = a
                .insert_evidence(
                    &e.content,
                    e.source_url.as_deref(),
                    e.source_type.as_deref(),
                )
                .await;
            let row = NewEvidence {
                content: e.content.clone(),
                source_url: e.source_url.clone(),
                source_type: e.source_type.clone(),
            };
            let ok_row = NewEvidence {
                content: "ok".into(),
                ..Default::default()
            };
            let many = a.insert_evidence_many(&[ok_row, row]).await;
            match bad {
                Some(f) => {
                    refused(one, f)?;
                    refused(many, &named(Some(1), "rows", f))?;
                    prop_assert_eq!(count(t, "evidence").await, before);
                }
                None => {
                    let stored = [one.unwrap().id, many.unwrap()[1].id];
                    for got in a.get_evidence_many(&stored).await.unwrap() {
                        prop_assert_eq!(&got.content, &e.content);
                        prop_assert_eq!(&got.source_url, &e.source_url);
                        prop_assert_eq!(&got.source_type, &e.source_type);
                    }
                    prop_assert_eq!(count(t, "evidence").await, before + 3);
                }
            }
            Ok(())
        }
    });
}

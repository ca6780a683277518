//! `demo`: loads, searches and reuses its corpus, creates or refuses a database, runs twice.

use truthgraph_db::EntityType;
use uuid::Uuid;

use crate::run::{cli, stderr, stdout};
use crate::support::{TestDatabase, random_unit, versions, wait_for_advisory_waiters};

/// Similarities of the vector hits and ranks of the hybrid hits in a demo
/// report, claim by claim.
fn demo_hits(report: &str) -> Vec<(Vec<f64>, Vec<String>)> {
    let mut claims: Vec<(Vec<f64>, Vec<String>)> = Vec::new();
    for line in report.lines() {
        if line.starts_with("done in ") {
            break;
        } else if line.starts_with("claim ") {
            claims.push((Vec::new(), Vec::new()));
        } else if let Some(c) = claims.last_mut() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if line.starts_with("     ") && !words.is_empty() {
                c.0.push(words[0].parse().unwrap_or_else(|_| panic!("{line}")));
            } else if line.starts_with("    ") && words.len() > 3 && words[0].ends_with('.') {
                assert!(words[2] == "(vector" && words[4] == "keyword", "{line}");
                c.1.push(line.to_string());
            }
        }
    }
    claims
}

#[tokio::test]
async fn demo_loads_searches_and_then_reuses_its_corpus() {
    // The test's own database: migrated at 1536 dims with an empty
    // embeddings table, which the demo switches to 384.
    let t = TestDatabase::migrated().await.unwrap();
    let demo = |passages: &str| {
        cli(
            Some(&t.url),
            &["demo", "--database", &t.name, "--passages", passages],
        )
    };
    let out = demo("300");
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("embeddings switched to vector(384) (was 1536)"),
        "{report}"
    );
    assert!(
        report.contains("300 evidence, 5 claims, 305 embeddings"),
        "{report}"
    );
    assert!(!report.contains("reused"), "{report}");
    let hits = demo_hits(&report);
    assert_eq!(hits.len(), 5, "{report}");
    for (similarities, hybrid) in &hits {
        assert_eq!(similarities.len(), 3, "{report}");
        assert!(
            similarities.iter().all(|s| (-1.0..=1.0).contains(s)),
            "{report}"
        );
        assert!(similarities.windows(2).all(|w| w[0] >= w[1]), "{report}");
        assert_eq!(hybrid.len(), 3, "{report}");
    }
    assert!(report.contains("next: "), "{report}");
    let stats =
        t.db.tenant("demo")
            .unwrap()
            .embedding_stats()
            .await
            .unwrap();
    let count = |kind: &str| {
        stats
            .iter()
            .filter(|s| s.entity_type == kind && s.model_name == "all-MiniLM-L6-v2")
            .map(|s| s.count)
            .sum::<i64>()
    };
    assert_eq!((count("evidence"), count("claim")), (300, 5));

    // Again: the corpus is found and reused, the same hits come back.
    let out = demo("300");
    assert!(out.status.success(), "{}", stderr(&out));
    let again = stdout(&out);
    assert!(again.contains("reused"), "{again}");
    assert!(!again.contains(" evidence, 5 claims, "), "{again}");
    let same: Vec<Vec<f64>> = demo_hits(&again).into_iter().map(|c| c.0).collect();
    let first: Vec<Vec<f64>> = hits.into_iter().map(|c| c.0).collect();
    assert_eq!(same, first);

    // Another size is not the same corpus: refused in a database named
    // with --database, nothing written.
    let out = demo("200");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("incomplete or different"),
        "{}",
        stderr(&out)
    );
    let stats =
        t.db.tenant("demo")
            .unwrap()
            .embedding_stats()
            .await
            .unwrap();
    assert_eq!(stats.iter().map(|s| s.count).sum::<i64>(), 305);
}

#[tokio::test]
async fn demo_creates_a_missing_database_and_refuses_one_with_other_embeddings() {
    let t = TestDatabase::migrated().await.unwrap();
    let name = format!("demo_{}", Uuid::new_v4().simple());
    let out = cli(
        Some(&t.url),
        &["demo", "--database", &name, "--passages", "20"],
    );
    let client = t.raw_client().await.unwrap();
    client
        .batch_execute(&truthgraph_db::raw_sql::drop_database(&name))
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("database") && report.contains("created"),
        "{report}"
    );
    assert!(
        report.contains(&format!("applied {} migrations", versions().len())),
        "{report}"
    );

    // The test's database with a 1536-dim embedding: refused, unchanged.
    let acme = t.db.tenant("acme").unwrap();
    let claim = acme.insert_claim("The sky is blue", None).await.unwrap();
    acme.upsert_embedding(
        EntityType::Claim,
        claim.id,
        &random_unit(7, 1536),
        "text-embedding-3-small",
        None,
    )
    .await
    .unwrap();
    let out = cli(
        Some(&t.url),
        &["demo", "--database", &t.name, "--passages", "20"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.contains("384") && err.contains("1536"),
        "{err}"
    );
    assert_eq!(t.db.embedding_dimension().await.unwrap(), 1536);
    assert!(
        t.db.tenant("demo")
            .unwrap()
            .recent_evidence(1, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn two_demos_at_once_load_the_corpus_once() {
    let t = TestDatabase::migrated().await.unwrap();
    // The demo's corpus lock (its check-and-load, key "tgdemo01"), held here
    // until both demos wait for it: they overlap for certain. Released, one
    // loads the corpus and the other, serialised behind it, reuses it.
    let key: i64 = 0x7467_6465_6d6f_3031;
    let holder = t.raw_client().await.unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .unwrap();
    let spawn = |url: String, name: String| {
        tokio::task::spawn_blocking(move || {
            cli(
                Some(&url),
                &["demo", "--database", &name, "--passages", "50"],
            )
        })
    };
    let a = spawn(t.url.clone(), t.name.clone());
    let b = spawn(t.url.clone(), t.name.clone());
    wait_for_advisory_waiters(&holder, key, 2, || a.is_finished() || b.is_finished()).await;
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .unwrap();
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let both = format!("{}{}", stdout(&a), stdout(&b));
    assert_eq!(
        both.matches("50 evidence, 5 claims, 55 embeddings").count(),
        1,
        "{both}"
    );
    assert_eq!(both.matches("reused").count(), 1, "{both}");
}

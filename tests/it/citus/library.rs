//! The library's tenant calls, unchanged, on a distributed database: one
//! call of each family as the owner (the superuser, as the Python services
//! connect) and as the application login (row-level security), each
//! refused by Citus if it were planned over more than one shard.

use pgvector::Vector;
use truthgraph_db::testing::APP_LOGIN;
use truthgraph_db::{
    Config, Database, EntityType, HybridOptions, NewClaim, NewEmbedding, NewEvidence, NewNliResult,
    NewVerificationResult, NliLabel, Result, SearchOptions, VerdictLabel,
};

use super::distributed::distributed;
use crate::support::random_unit;

const DIM: usize = 1536;

/// An error without what changes from run to run: ids, ports, shard numbers
/// (a SQLSTATE has five characters, a port follows a colon, a shard id has six
/// digits or more).
fn stable(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 36 <= chars.len() {
            let s: String = chars[i..i + 36].iter().collect();
            if uuid::Uuid::parse_str(&s).is_ok() {
                out.push_str("<uuid>");
                i += 36;
                continue;
            }
        }
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let after_colon = start > 0 && chars[start - 1] == ':';
            out.push_str(if run.len() >= 6 || (after_colon && run.len() == 5) {
                "<n>"
            } else {
                &run
            });
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn hits<T>(n: &[T]) -> String {
    format!(", {} hits", n.len())
}

fn outcome<T>(r: Result<T>, show: impl Fn(&T) -> String) -> String {
    match r {
        Ok(v) => format!("ok{}", show(&v)),
        Err(e) => format!("error: {}", stable(&e.to_string())),
    }
}

/// One call of each family for `tenant` through `db`, in order, each line
/// `who call: outcome`.
async fn sweep(db: &Database, who: &str, tenant: &str, seed: u64) -> Vec<String> {
    let t = db.tenant(tenant).unwrap();
    let mut out = Vec::new();
    let mut note = |call: &str, o: String| out.push(format!("{who} {call}: {o}"));
    let claim = t.insert_claim(&format!("{tenant} claim"), None).await;
    let claim_id = claim.as_ref().map(|c| c.id).ok();
    note("insert_claim", outcome(claim, |_| String::new()));
    let ev = t
        .insert_evidence("the sky is blue", None, Some("web"))
        .await;
    let ev_id = ev.as_ref().map(|e| e.id).ok();
    note("insert_evidence", outcome(ev, |_| String::new()));
    let (Some(claim_id), Some(ev_id)) = (claim_id, ev_id) else {
        return out;
    };
    let v = random_unit(seed, DIM);
    let r = t
        .upsert_embedding(EntityType::Evidence, ev_id, &v, "m", None)
        .await;
    note("upsert_embedding", outcome(r, |_| String::new()));
    let rows = [NewEmbedding {
        entity_type: EntityType::Claim,
        entity_id: claim_id,
        embedding: random_unit(seed + 1, DIM),
        model_name: "m".into(),
        model_version: None,
    }];
    let r = t.bulk_load_embeddings(&rows).await;
    note(
        "bulk_load_embeddings",
        outcome(r, |n| format!(", {n} rows")),
    );
    let r = t.search_evidence(&v, &SearchOptions::top(5)).await;
    note("search_evidence", outcome(r, |v| hits(v)));
    let opts = SearchOptions {
        ef_search: Some(80),
        ..SearchOptions::top(5)
    };
    let r = t.search_evidence(&v, &opts).await;
    note("search_evidence with ef_search", outcome(r, |v| hits(v)));
    let opts = SearchOptions {
        exact: true,
        ..SearchOptions::top(5)
    };
    let r = t.search_evidence(&v, &opts).await;
    note("search_evidence exact", outcome(r, |v| hits(v)));
    let q: Vector = random_unit(seed + 1, DIM);
    let r = t.search_claims(&q, &SearchOptions::top(5)).await;
    note("search_claims", outcome(r, |v| hits(v)));
    let r = t.hybrid_search("sky", &v, &HybridOptions::default()).await;
    note("hybrid_search", outcome(r, |v| hits(v)));
    let nli = NewNliResult {
        claim_id,
        evidence_id: ev_id,
        label: NliLabel::Entailment,
        confidence: 0.8,
        entailment_score: 0.8,
        contradiction_score: 0.1,
        neutral_score: 0.1,
        model_name: "m".into(),
        model_version: None,
        premise_text: "p".into(),
        hypothesis_text: "h".into(),
    };
    let r = t.insert_nli_result(&nli).await;
    let nli_ids: Vec<_> = r.as_ref().map(|n| vec![n.id]).unwrap_or_default();
    note("insert_nli_result", outcome(r, |_| String::new()));
    let r = t
        .insert_verification_result(&NewVerificationResult {
            claim_id,
            verdict: VerdictLabel::Supported,
            confidence: 0.8,
            support_score: 0.8,
            refute_score: 0.1,
            neutral_score: 0.1,
            evidence_count: 1,
            supporting_evidence_count: 1,
            refuting_evidence_count: 0,
            neutral_evidence_count: 0,
            reasoning: None,
            nli_result_ids: nli_ids,
            pipeline_version: None,
            retrieval_method: None,
        })
        .await;
    note("insert_verification_result", outcome(r, |_| String::new()));
    let r = t
        .insert_verdict(claim_id, Some(VerdictLabel::Supported), Some(0.8), None)
        .await;
    let verdict_id = r.as_ref().map(|v| v.id).ok();
    note("insert_verdict", outcome(r, |_| String::new()));
    if let Some(verdict_id) = verdict_id {
        let r = t
            .link_verdict_evidence(verdict_id, ev_id, None, Some(0.8))
            .await;
        note("link_verdict_evidence", outcome(r, |_| String::new()));
    }
    let r = t.latest_verdict(claim_id).await;
    note(
        "latest_verdict",
        outcome(r, |v| match v {
            Some((_, links)) => format!(", {} links", links.len()),
            None => ", none".into(),
        }),
    );
    let r = t.nli_results_for_claim(claim_id).await;
    note(
        "nli_results_for_claim",
        outcome(r, |n| format!(", {} rows", n.len())),
    );
    let r = t.get_claim(claim_id).await;
    note(
        "get_claim",
        outcome(r, |c| {
            if c.is_some() {
                ", found".into()
            } else {
                ", none".into()
            }
        }),
    );
    let r = t.recent_claims(10, None).await;
    note(
        "recent_claims",
        outcome(r, |n| format!(", {} rows", n.len())),
    );
    let r = t.embedding_stats().await;
    note(
        "embedding_stats",
        outcome(r, |n| format!(", {} rows", n.len())),
    );
    let r = t
        .insert_claims(&[NewClaim {
            text: "batch".into(),
            source_url: None,
        }])
        .await;
    note(
        "insert_claims",
        outcome(r, |n| format!(", {} rows", n.len())),
    );
    let r = t
        .insert_evidence_many(&[NewEvidence {
            content: "batch".into(),
            ..Default::default()
        }])
        .await;
    note(
        "insert_evidence_many",
        outcome(r, |n| format!(", {} rows", n.len())),
    );
    let r = t.delete_evidence(ev_id).await;
    note("delete_evidence", outcome(r, |d| format!(", {d}")));
    let r = t.delete_claim(claim_id).await;
    note("delete_claim", outcome(r, |d| format!(", {d}")));
    out
}

/// `url` with the Citus setting that makes any statement planned as more
/// than one task fail (`citus.multi_task_query_log_level = error`), so a
/// call that does not route to one shard is an error line in the sweep.
fn one_task_only(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20citus.multi_task_query_log_level%3Derror")
}

#[tokio::test]
async fn the_library_on_the_distributed_database_routes_every_tenant_call_to_one_shard() {
    let t = distributed().await;
    let config = Config {
        pool_max_size: 2,
        ..Config::default()
    };
    let owner = Database::connect(&config, &one_task_only(&t.url))
        .await
        .unwrap();
    assert!(owner.on_citus());
    let mut found = sweep(&owner, "owner", "acme", 1).await;
    let app = Database::connect(&config, &one_task_only(&t.app_url()))
        .await
        .unwrap();
    assert!(
        app.sets_tenant(),
        "{APP_LOGIN} is subject to row-level security"
    );
    found.extend(sweep(&app, "app", "globex", 2).await);
    println!("The library on the distributed database:");
    for line in &found {
        println!("{line}");
    }
    let expected: Vec<String> = EXPECTED
        .iter()
        .flat_map(|l| ["owner", "app"].map(|who| format!("{who} {l}")))
        .collect();
    let mut sorted = found.clone();
    sorted.sort();
    let mut expected_sorted = expected;
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted);
    // A statement over every shard does fail under the guard (the guard is on).
    let c = tokio_postgres::connect(&one_task_only(&t.url), tokio_postgres::NoTls).await;
    let (c, conn) = c.unwrap();
    tokio::spawn(conn);
    let e = c
        .query_one("SELECT count(*) FROM claims", &[])
        .await
        .unwrap_err();
    let message = e.as_db_error().map(|d| d.message().to_string());
    assert!(
        message.as_deref().is_some_and(|m| m.contains("multi-task")),
        "{message:?}"
    );
}

/// What each call returns, for either login and tenant (one claim, one
/// evidence row with its embedding, the claim's embedding).
const EXPECTED: [&str; 22] = [
    "insert_claim: ok",
    "insert_evidence: ok",
    "upsert_embedding: ok",
    "bulk_load_embeddings: ok, 1 rows",
    "search_evidence: ok, 1 hits",
    "search_evidence with ef_search: ok, 1 hits",
    "search_evidence exact: ok, 1 hits",
    "search_claims: ok, 1 hits",
    "hybrid_search: ok, 1 hits",
    "insert_nli_result: ok",
    "insert_verification_result: ok",
    "insert_verdict: ok",
    "link_verdict_evidence: ok",
    "latest_verdict: ok, 1 links",
    "nli_results_for_claim: ok, 1 rows",
    "get_claim: ok, found",
    "recent_claims: ok, 1 rows",
    "embedding_stats: ok, 2 rows",
    "insert_claims: ok, 1 rows",
    "insert_evidence_many: ok, 1 rows",
    "delete_evidence: ok, true",
    "delete_claim: ok, true",
];

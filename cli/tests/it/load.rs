//! `load`, then `search`, `stats`, `doctor`, `reindex` on what it wrote; a bad file writes nothing.

use truthgraph_db::EntityType;
use uuid::Uuid;

use crate::run::{cli, json_of, stderr, stdout};
use crate::support::TestDatabase;

const CLAIM: &str = "00000000-0000-4000-8000-000000000001";
const EV_A: &str = "00000000-0000-4000-8000-000000000002";
const EV_B: &str = "00000000-0000-4000-8000-000000000003";

/// A small file of every record kind, two tenants, 4-dimensional vectors.
fn sample_jsonl() -> String {
    [
        format!(r#"{{"kind":"claim","tenant_id":"acme","id":"{CLAIM}","text":"Water boils at 100 C","embedding":[1,0,0,0]}}"#),
        format!(r#"{{"kind":"evidence","tenant_id":"acme","id":"{EV_A}","content":"At 1 atm water boils at 100 C","source_type":"textbook","embedding":[0.9,0.1,0,0],"model_name":"m"}}"#),
        format!(r#"{{"kind":"evidence","tenant_id":"acme","id":"{EV_B}","content":"Ice melts at 0 C","source_url":"http://x"}}"#),
        String::new(),
        format!(r#"{{"kind":"embedding","tenant_id":"acme","entity_type":"evidence","entity_id":"{EV_B}","model_name":"m","embedding":[0,1,0,0]}}"#),
        r#"{"kind":"evidence","tenant_id":"globex","id":"00000000-0000-4000-8000-000000000004","content":"Other tenant","embedding":[1,0,0,0]}"#.to_string(),
    ]
    .join("\n")
}

async fn rows(t: &TestDatabase, table: &str) -> i64 {
    t.raw_client()
        .await
        .unwrap()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn load_search_stats_doctor_reindex_through_the_cli() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(4).await.unwrap();
    let url = Some(t.url.as_str());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.jsonl");
    std::fs::write(&file, sample_jsonl()).unwrap();
    let file = file.to_str().unwrap();

    // load: every kind, ids kept, counts and rate reported.
    let out = cli(url, &["load", file, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(
        (
            report["claims"].as_u64(),
            report["evidence"].as_u64(),
            report["embeddings"].as_u64()
        ),
        (Some(1), Some(3), Some(4)),
        "{report:#}"
    );
    assert_eq!(report["transactions"], 1);
    assert!(report["rows_per_second"].as_f64().unwrap() > 0.0);
    let acme = t.db.tenant("acme").unwrap();
    let claim: Uuid = CLAIM.parse().unwrap();
    assert_eq!(
        acme.get_claim(claim).await.unwrap().unwrap().text,
        "Water boils at 100 C"
    );
    let stored = acme
        .get_embedding(EntityType::Evidence, EV_B.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.model_name, "m");
    assert_eq!(rows(&t, "embeddings").await, 4);

    // search: inline vector (table, with the latency), --like (JSON, the
    // entity itself left out), --vector-file, --exact, another tenant.
    let out = cli(
        url,
        &["search", "--tenant", "acme", "--vector", "[1,0,0,0]"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().nth(1).unwrap().contains(EV_A), "{text}");
    assert!(
        text.contains("2 evidence hits for tenant \"acme\" (index search) in "),
        "{text}"
    );
    let out = cli(
        url,
        &[
            "search", "--tenant", "acme", "--like", CLAIM, "--exact", "--k", "1", "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let hits = json_of(&out);
    assert_eq!(hits["hits"].as_array().unwrap().len(), 1, "{hits:#}");
    assert_eq!(hits["hits"][0]["id"], EV_A);
    assert_eq!(hits["mode"], "exact");
    // The claim's [1,0,0,0] against EV_A's [0.9,0.1,0,0], in f64.
    let want = crate::support::cosine(&[1.0, 0.0, 0.0, 0.0], &[0.9, 0.1, 0.0, 0.0]);
    let got = hits["hits"][0]["similarity"].as_f64().unwrap();
    assert!(
        (got - want).abs() < 1e-6,
        "similarity {got}, f64 cosine {want}"
    );
    let out = cli(
        url,
        &["search", "--tenant", "acme", "--like", EV_A, "--json"],
    );
    // acme's evidence embeddings are EV_A's and EV_B's: EV_B alone comes back.
    let hits = json_of(&out);
    let ids: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [EV_B], "{hits:#}");
    let vfile = dir.path().join("q.json");
    std::fs::write(&vfile, "[0, 1, 0, 0]").unwrap();
    let out = cli(
        url,
        &[
            "search",
            "--tenant",
            "acme",
            "--vector-file",
            vfile.to_str().unwrap(),
            "--ef-search",
            "40",
            "--json",
        ],
    );
    assert_eq!(json_of(&out)["hits"][0]["id"], EV_B);
    let out = cli(
        url,
        &[
            "search",
            "--tenant",
            "globex",
            "--vector",
            "[1,0,0,0]",
            "--claims",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["hits"].as_array().unwrap().len(), 0);
    // A vector of the wrong dimension: exit 1, one line naming it.
    let out = cli(url, &["search", "--tenant", "acme", "--vector", "[1,0]"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has 2 dimensions"),
        "{}",
        stderr(&out)
    );

    // stats: per tenant, entity type and model.
    let out = cli(url, &["stats", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stats = json_of(&out);
    let counted = |table: &str, tenant: &str, model: Option<&str>| -> i64 {
        stats["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["table"] == table && r["tenant_id"] == tenant)
            .filter(|r| model.is_none_or(|m| r["model_name"] == m))
            .map(|r| r["rows"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(counted("evidence", "acme", None), 2);
    assert_eq!(counted("embeddings", "acme", Some("m")), 2);
    assert_eq!(counted("embeddings", "globex", None), 1);
    assert!(
        stats["indexes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["index"] == "idx_embeddings_vector_cosine")
    );
    let out = cli(url, &["stats"]);
    assert!(stdout(&out).contains("rows per tenant"), "{}", stdout(&out));

    // reindex, both ways.
    let out = cli(url, &["reindex", "--concurrently", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json_of(&out);
    assert_eq!(r["rebuilt"][0], "idx_embeddings_vector_cosine");
    assert_eq!(r["concurrently"], true);
    let out = cli(url, &["reindex"]);
    assert!(
        stdout(&out).contains("reindex: rebuilt idx_embeddings_vector_cosine (blocking writes)"),
        "{}",
        stdout(&out)
    );

    // doctor: an orphan embedding is a warning naming prune-embeddings.
    let raw = t.raw_client().await.unwrap();
    raw.batch_execute("SET session_replication_role = replica")
        .await
        .unwrap();
    raw.execute(
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
         VALUES ('acme', 'claim', $1, '[1,1,1,1]', 'm')",
        &[&Uuid::new_v4()],
    )
    .await
    .unwrap();
    let out = cli(url, &["doctor", "--json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    let orphan = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "orphan_embeddings")
        .unwrap();
    assert_eq!(orphan["status"], "warn");
    assert!(
        orphan["action"]
            .as_str()
            .unwrap()
            .contains("prune-embeddings")
    );
    let out = cli(url, &["doctor"]);
    assert!(
        stdout(&out).contains("WARN  orphan_embeddings"),
        "{}",
        stdout(&out)
    );

    // Every command above ended its sessions with Terminate, failed ones
    // too: the server counts none abandoned (it logs "Connection reset by
    // peer" for those that left replies unread).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    raw.batch_execute("SELECT pg_stat_clear_snapshot()")
        .await
        .unwrap();
    let abandoned: i64 = raw
        .query_one(
            "SELECT sessions_abandoned FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(abandoned, 0, "sessions the CLI left without a goodbye");
}

#[tokio::test]
async fn load_with_a_malformed_line_writes_nothing() {
    let t = TestDatabase::migrated().await.unwrap();
    t.db.set_dimension(4).await.unwrap();
    let url = Some(t.url.as_str());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[&str]| {
        let p = dir.path().join(name);
        std::fs::write(&p, lines.join("\n")).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good = r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a1","text":"ok","embedding":[1,0,0,0]}"#;
    // Found without the database: a bad UUID on line 3 (after good lines).
    let file = write(
        "a.jsonl",
        &[
            good,
            r#"{"kind":"evidence","tenant_id":"b","id":"00000000-0000-4000-8000-0000000000a2","content":"c"}"#,
            r#"{"kind":"evidence","tenant_id":"acme","id":"nope","content":"c"}"#,
        ],
    );
    let out = cli(url, &["load", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 3: id: \"nope\" is not a UUID"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    // Found with the database: the dimension, an unknown entity, a field of the wrong type.
    let file = write(
        "b.jsonl",
        &[
            good,
            r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a3","text":"x","embedding":[1,2,3]}"#,
            r#"{"kind":"embedding","tenant_id":"acme","entity_type":"evidence","entity_id":"00000000-0000-4000-8000-0000000000ff","embedding":[0,1,0,0]}"#,
        ],
    );
    let out = cli(url, &["load", &file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("line 2: embedding: has 3 dimensions, but embeddings.embedding has 4"),
        "{err}"
    );
    assert!(
        err.contains("line 3: entity_id: no evidence 00000000-0000-4000-8000-0000000000ff"),
        "{err}"
    );
    let file = write(
        "c.jsonl",
        &[
            good,
            r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a4","text":7}"#,
            r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000a5","txt":"typo"}"#,
        ],
    );
    let err = stderr(&cli(url, &["load", &file]));
    assert!(
        err.contains("line 2: text: expected a string, got 7"),
        "{err}"
    );
    assert!(err.contains("line 3: txt: unknown field"), "{err}");
    for table in ["claims", "evidence", "embeddings"] {
        assert_eq!(rows(&t, table).await, 0, "{table}");
    }

    // Refused by the server (an id already stored) in one transaction:
    // nothing written. With --batch, the batches before it stay, as said.
    let stored = r#"{"kind":"claim","tenant_id":"acme","id":"00000000-0000-4000-8000-0000000000b1","text":"stored"}"#;
    let out = cli(url, &["load", &write("d.jsonl", &[stored])]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = write(
        "e.jsonl",
        &[
            good,
            r#"{"kind":"claim","tenant_id":"z","id":"00000000-0000-4000-8000-0000000000c1","text":"z"}"#,
            stored,
        ],
    );
    let out = cli(url, &["load", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("load: nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(rows(&t, "claims").await, 1);
    let out = cli(url, &["load", &file, "--batch", "2"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("batch 2 of 2 failed; batches 1-1 (2 rows) were committed, nothing after"),
        "{err}"
    );
    assert_eq!(rows(&t, "claims").await, 3);
    assert_eq!(rows(&t, "embeddings").await, 0);
}

//! `truthgraph-db tiers`: the plan as a dry run, then `--apply` builds a
//! tenant's own index; `inspect` and `doctor` show the tiers.

use std::process::Command;

use truthgraph_db::EntityType;
use truthgraph_db::tiers::tier_index_name;

use crate::support::{TestDatabase, random_unit};

fn cli(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .expect("run truthgraph-db")
}

#[tokio::test]
async fn tiers_plans_then_applies_and_inspect_and_doctor_show_it() {
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("acme").unwrap();
    for i in 0..30 {
        let ev = a
            .insert_evidence(&format!("e{i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(
            EntityType::Evidence,
            ev.id,
            &random_unit(i, 1536),
            "m",
            None,
        )
        .await
        .unwrap();
    }
    let own = tier_index_name("acme", EntityType::Evidence);
    let json = |o: &std::process::Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("one JSON document")
    };
    let acme = |v: &serde_json::Value| {
        v["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tenant"] == "acme")
            .cloned()
            .unwrap()
    };
    // 30 rows, threshold 20: a dry run plans the build and builds nothing.
    let plan = json(&cli(&t.url, &["--json", "tiers", "--threshold", "20"]));
    assert_eq!(acme(&plan)["action"], "build", "{plan}");
    assert_eq!(acme(&plan)["rows"], 30);
    assert_eq!(plan["applied"], false);
    let doctor = String::from_utf8_lossy(&cli(&t.url, &["doctor"]).stdout).into_owned();
    assert!(doctor.contains("searched exactly"), "{doctor}");
    let done = json(&cli(
        &t.url,
        &["--json", "tiers", "--threshold", "20", "--apply"],
    ));
    assert_eq!(acme(&done)["action"], "build");
    assert_eq!(acme(&done)["index"], own.as_str());
    assert!(acme(&done)["build_seconds"].as_f64().is_some());
    // Measured at its build's 30 rows; again from twice them.
    assert_eq!(acme(&done)["measured_rows"], 30, "{done}");
    assert_eq!(acme(&done)["remeasure_from_rows"], 60, "{done}");
    let exists: bool = t
        .raw_client()
        .await
        .unwrap()
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&own])
        .await
        .unwrap()
        .get(0);
    assert!(exists);
    let inspect = String::from_utf8_lossy(&cli(&t.url, &["inspect"]).stdout).into_owned();
    assert!(
        inspect.contains("search tiers") && inspect.contains(&own),
        "{inspect}"
    );
    // --remeasure measures the tier again and keeps its index
    // (tests/it/tier_ef.rs measures one of 2,000 rows; 30 rows are searched
    // by a scan, so not measured) and needs --apply.
    let again = json(&cli(
        &t.url,
        &[
            "--json",
            "tiers",
            "--threshold",
            "20",
            "--apply",
            "--remeasure",
        ],
    ));
    assert_eq!(acme(&again)["action"], "remeasure", "{again}");
    assert_eq!(acme(&again)["index"], own.as_str());
    assert_eq!(again["applied"], true);
    let text = cli(
        &t.url,
        &["tiers", "--threshold", "20", "--apply", "--remeasure"],
    );
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains(&format!(
            "measured {own} (0 MB) again, measured at 30 rows, again from 60"
        )),
        "{text}"
    );
    let refused = cli(&t.url, &["tiers", "--remeasure"]);
    assert_eq!(refused.status.code(), Some(2), "a usage error");

    // Twice the rows it was last measured at (as if measured at 15, the
    // threshold here): the plan measures it again, and `doctor` names it.
    t.raw_client()
        .await
        .unwrap()
        .execute(
            "UPDATE truthgraph_tiers SET measured_rows = 15 WHERE tenant_id = 'acme'",
            &[],
        )
        .await
        .unwrap();
    let plan = json(&cli(&t.url, &["--json", "tiers", "--threshold", "15"]));
    assert_eq!(acme(&plan)["action"], "remeasure", "{plan}");
    assert_eq!(acme(&plan)["measured_rows"], 15, "{plan}");
    assert_eq!(acme(&plan)["remeasure_from_rows"], 30, "{plan}");
    let text =
        String::from_utf8_lossy(&cli(&t.url, &["tiers", "--threshold", "15"]).stdout).into_owned();
    assert!(text.contains("again (measured at 15 rows)"), "{text}");
    let doctor = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
        .arg("doctor")
        .env("DATABASE_URL", &t.url)
        .env("TRUTHGRAPH_TIER_THRESHOLD", "15")
        .output()
        .unwrap();
    let doctor = String::from_utf8_lossy(&doctor.stdout).into_owned();
    assert!(
        doctor.contains("twice the rows their index was last measured at")
            && doctor.contains("acme evidence (30 rows)"),
        "{doctor}"
    );
}

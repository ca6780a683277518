//! What reaches the workers: a tenant call on a Citus coordinator carries
//! the tenant (row-level security) and the search settings as propagated
//! `SET LOCAL`s, where a plain session on the coordinator leaves the workers
//! at their defaults; `tune` measures through the same calls.

use truthgraph_db::testing::APP_LOGIN;
use truthgraph_db::tune::TuneOptions;
use truthgraph_db::{Config, Database, EntityType};

use super::distributed::distributed;
use crate::support::random_unit;

/// Run on the tenant's shard (Citus pushes a router SELECT's functions down
/// to the worker): the settings the worker's session has.
const ON_THE_WORKER: &str = "SELECT current_setting('truthgraph.tenant_id', true), \
     current_setting('hnsw.ef_search', true), current_setting('hnsw.iterative_scan', true) \
     FROM claims WHERE tenant_id = $1 LIMIT 1";

type Seen = Option<(Option<String>, Option<String>, Option<String>)>;

async fn seen_by_library(db: &Database, tenant: &str) -> Seen {
    let t = db.tenant(tenant).unwrap();
    let tenant = tenant.to_string();
    t.transaction(move |tx| {
        let tenant = tenant.clone();
        Box::pin(async move {
            Ok(tx
                .query_opt(ON_THE_WORKER, &[&tenant])
                .await?
                .map(|r| (r.get(0), r.get(1), r.get(2))))
        })
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_tenant_and_the_search_settings_reach_the_workers() {
    let t = distributed().await;
    let acme = t.db.tenant("acme").unwrap();
    acme.insert_claim("acme's", None).await.unwrap();
    t.db.tenant("globex")
        .unwrap()
        .insert_claim("globex's", None)
        .await
        .unwrap();
    let ef = t.db.search_defaults().ef_search.to_string();
    // The owner bypasses row-level security: no tenant, the settings.
    assert_eq!(
        seen_by_library(&t.db, "acme").await,
        Some((None, Some(ef.clone()), Some("relaxed_order".into())))
    );
    // A plain session on the coordinator: the workers' defaults (pgvector
    // not even loaded in the worker's session, or 40 and off).
    let raw = t.raw_client().await.unwrap();
    let r = raw.query_one(ON_THE_WORKER, &[&"acme"]).await.unwrap();
    let ef_seen: Option<String> = r.get(1);
    let scan_seen: Option<String> = r.get(2);
    assert!(
        ef_seen.is_none() || ef_seen.as_deref() == Some("40"),
        "{ef_seen:?}"
    );
    assert!(
        scan_seen.is_none() || scan_seen.as_deref() == Some("off"),
        "{scan_seen:?}"
    );
    // The application login: the tenant too, and only its rows.
    let config = Config {
        pool_max_size: 2,
        ..Config::default()
    };
    let app = Database::connect(&config, &t.app_url()).await.unwrap();
    assert!(app.sets_tenant(), "{APP_LOGIN}");
    assert_eq!(
        seen_by_library(&app, "acme").await,
        Some((
            Some("acme".into()),
            Some(ef.clone()),
            Some("relaxed_order".into())
        ))
    );
    let texts = app
        .tenant("globex")
        .unwrap()
        .recent_claims(10, None)
        .await
        .unwrap();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].text, "globex's");
    // By raw SQL, that login without a tenant sees nothing on the workers.
    let (c, conn) = tokio_postgres::connect(&t.app_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    assert!(
        c.query_opt(ON_THE_WORKER, &[&"acme"])
            .await
            .unwrap()
            .is_none()
    );
    app.close().await;
}

#[tokio::test]
async fn tune_measures_on_the_workers_and_its_setting_reaches_them() {
    let t = distributed().await;
    let acme = t.db.tenant("acme").unwrap();
    acme.insert_claim("acme's", None).await.unwrap();
    for i in 0..300u64 {
        let ev = acme
            .insert_evidence(&format!("evidence {i}"), None, None)
            .await
            .unwrap();
        acme.upsert_embedding(
            EntityType::Evidence,
            ev.id,
            &random_unit(i, 1536),
            "m",
            None,
        )
        .await
        .unwrap();
    }
    t.raw_client()
        .await
        .unwrap()
        .batch_execute("ANALYZE")
        .await
        .unwrap();
    let report = t.db.tune(&TuneOptions::default()).await.unwrap();
    println!("tune on the cluster: {report:?}");
    let stored = t.db.stored_settings().await.unwrap();
    let ef = stored
        .iter()
        .find(|s| s.name == "hnsw.ef_search")
        .expect("tune stored hnsw.ef_search");
    // A new handle starts with the stored value, and the workers get it.
    let db = Database::connect(&Config::default(), &t.url).await.unwrap();
    assert_eq!(db.search_defaults().ef_search.to_string(), ef.value);
    let seen = seen_by_library(&db, "acme").await.unwrap();
    assert_eq!(seen.1.as_deref(), Some(ef.value.as_str()));
    db.close().await;
}

//! A lagging, stopped or absent standby costs no caller an error.

use super::*;

#[tokio::test]
async fn a_lagging_standby_is_skipped() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let writer = Database::open(&pair.config().with_url(pair.primary_url()))
        .await
        .unwrap();
    // One commit replayed first: a standby that has replayed none since it
    // started has no `pg_last_xact_replay_timestamp()`, hence no known lag,
    // and is skipped while behind whatever the bound.
    writer
        .tenant(TENANT)
        .unwrap()
        .insert_claim("replayed", None)
        .await
        .unwrap();
    pair.wait_caught_up().await.unwrap();
    set_replay_paused(&pair, true).await;
    let claim = writer
        .tenant(TENANT)
        .unwrap()
        .insert_claim("written while replay is paused", None)
        .await
        .unwrap();
    // Any lag is too much for this handle: the standby is behind, so reads
    // go to the primary and see the claim without a token.
    let config = Config {
        replica_max_lag: Duration::ZERO,
        ..pair.config()
    };
    let db = Database::open(&config).await.unwrap();
    for _ in 0..5 {
        let got = db
            .tenant(TENANT)
            .unwrap()
            .get_claim(claim.id)
            .await
            .unwrap();
        assert!(got.is_some(), "read on the lagging standby");
    }
    // With a generous bound the same standby serves reads (and misses it).
    let config = Config {
        replica_max_lag: Duration::from_secs(600),
        ..pair.config()
    };
    let lenient = Database::open(&config).await.unwrap();
    let got = lenient
        .tenant(TENANT)
        .unwrap()
        .get_claim(claim.id)
        .await
        .unwrap();
    assert!(got.is_none(), "the standby was not used");
    set_replay_paused(&pair, false).await;
}

#[tokio::test]
async fn stopping_the_standby_mid_workload_costs_no_caller_an_error() {
    let _one = PAIRS.lock().await;
    let mut pair = ReplicatedServers::start().await.unwrap();
    let db = Database::open(&pair.config()).await.unwrap();
    let dim = db.embedding_dimension().await.unwrap();
    let mut data = Clustered::new(11, dim, 4, 0.5);
    let vectors = Arc::new(load(&db, &mut data, 30).await);
    pair.wait_caught_up().await.unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let stopped_at = Arc::new(AtomicUsize::new(usize::MAX));
    let tasks: Vec<_> = (0..10)
        .map(|k| {
            let (db, vectors, done, stopped_at) = (
                db.clone(),
                vectors.clone(),
                done.clone(),
                stopped_at.clone(),
            );
            tokio::spawn(async move {
                let acme = db.tenant(TENANT).unwrap();
                let mut i = k;
                // Until 300 calls after the stop.
                while done.load(Ordering::SeqCst)
                    < stopped_at.load(Ordering::SeqCst).saturating_add(300)
                {
                    let v = &vectors[i % vectors.len()];
                    let hits = acme.search_evidence(v, &SearchOptions::top(3)).await;
                    assert_eq!(hits.map(|h| h.len()).unwrap(), 3);
                    i += 1;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    while done.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let before = searches_seen_on_standby(&pair).await;
    assert!(before > 0, "the standby served no search before the stop");
    let standby_url = pair.standby_url().unwrap();
    pair.stop_standby().await.unwrap();
    stopped_at.store(done.load(Ordering::SeqCst), Ordering::SeqCst);
    // Down for certain: its server process has exited, its port refuses.
    let refused = tokio_postgres::connect(&standby_url, tokio_postgres::NoTls).await;
    assert!(
        refused.is_err(),
        "the stopped standby still accepts connections"
    );
    let (primary, conn) = tokio_postgres::connect(&pair.primary_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let stopped: std::time::SystemTime = primary
        .query_one("SELECT clock_timestamp()", &[])
        .await
        .unwrap()
        .get(0);
    for t in tasks {
        t.await.expect("a search failed (see the panic above)");
    }
    assert!(done.load(Ordering::SeqCst) >= stopped_at.load(Ordering::SeqCst) + 300);
    // Rerouted: the primary's server processes ran searches after the stop
    // (a backend's last statement and its start, in pg_stat_activity).
    let on_primary: i64 = primary
        .query_one(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = 'truthgraph-db' \
             AND query LIKE '%hits.distance%' AND query_start > $2",
            &[&pair.dbname, &stopped],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        on_primary > 0,
        "no search ran on the primary after the stop"
    );
    // The primary serves alone, still without errors.
    let acme = db.tenant(TENANT).unwrap();
    assert_eq!(
        acme.search_evidence(&vectors[0], &SearchOptions::top(3))
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn a_replica_that_is_down_from_the_start_is_skipped() {
    let t = crate::support::TestDatabase::migrated().await.unwrap();
    // Nothing listens on port 1: opening succeeds, and reads fall back to
    // the primary without an error.
    let config = Config {
        replica_urls: vec!["postgresql://postgres@127.0.0.1:1/nowhere".into()],
        ..Config::default()
    };
    let db = t.connect(&config).await.unwrap();
    let acme = db.tenant(TENANT).unwrap();
    let claim = acme.insert_claim("on the primary", None).await.unwrap();
    for _ in 0..5 {
        assert!(acme.get_claim(claim.id).await.unwrap().is_some());
    }
    let token = db.write_token().await.unwrap();
    assert!(
        acme.after_write(token)
            .get_claim(claim.id)
            .await
            .unwrap()
            .is_some()
    );
    // A replica URL that does not parse is a configuration error.
    let bad = Config {
        replica_urls: vec!["postgresql://[oops".into()],
        ..Config::default()
    };
    let err = t.connect(&bad).await.unwrap_err();
    assert!(
        matches!(
            err,
            truthgraph_db::Error::Config {
                name: "TRUTHGRAPH_REPLICA_URLS",
                ..
            }
        ),
        "{err}"
    );
}

//! Read replicas, for real: an embedded primary and a streaming standby made
//! with `pg_basebackup -R` (`testing::ReplicatedServers`), each test with its
//! own pair. Reads go to the standby, writes and transactions to the
//! primary, a read after a write token sees the write, a dead or lagging
//! standby costs no caller an error, tuned settings replicate.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pgvector::Vector;
use tokio_postgres::error::SqlState;
use truthgraph_db::testing::ReplicatedServers;
use truthgraph_db::{Config, Database, EntityType, NewEmbedding, SearchOptions};

use crate::support::{Clustered, PAIRS};

const TENANT: &str = "acme";

/// `n` evidence rows with embeddings for [`TENANT`]; returns the vectors.
async fn load(db: &Database, data: &mut Clustered, n: usize) -> Vec<Vector> {
    let t = db.tenant(TENANT).unwrap();
    let mut rows = Vec::new();
    for i in 0..n {
        let ev = t
            .insert_evidence(&format!("fact {i}"), None, None)
            .await
            .unwrap();
        rows.push(NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: ev.id,
            embedding: data.next(),
            model_name: "m".into(),
            model_version: None,
        });
    }
    let vectors = rows.iter().map(|r| r.embedding.clone()).collect();
    t.bulk_load_embeddings(&rows).await.unwrap();
    vectors
}

/// Searches of this test's database that the standby's server processes
/// ran last (the `query` column of `pg_stat_activity` keeps a backend's
/// last statement).
async fn searches_seen_on_standby(pair: &ReplicatedServers) -> i64 {
    pair.standby_client()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = 'truthgraph-db' \
             AND query LIKE '%hits.distance%'",
            &[&pair.dbname],
        )
        .await
        .unwrap()
        .get(0)
}

async fn set_replay_paused(pair: &ReplicatedServers, paused: bool) {
    let f = if paused {
        "pg_wal_replay_pause()"
    } else {
        "pg_wal_replay_resume()"
    };
    pair.standby_client()
        .await
        .unwrap()
        .batch_execute(&format!("SELECT {f}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn searches_run_on_the_standby_and_a_token_read_sees_the_write() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let config = Config {
        // Replay is paused below: the standby must stay "fresh enough".
        replica_max_lag: Duration::from_secs(600),
        replica_wait: Duration::from_millis(300),
        ..pair.config()
    };
    let db = Database::open(&config).await.unwrap();
    let dim = db.embedding_dimension().await.unwrap();
    let mut data = Clustered::new(7, dim, 4, 0.5);
    let vectors = load(&db, &mut data, 40).await;
    pair.wait_caught_up().await.unwrap();
    let acme = db.tenant(TENANT).unwrap();
    let top = SearchOptions::top(5);
    assert_eq!(searches_seen_on_standby(&pair).await, 0);
    for v in &vectors[..10] {
        let hits = acme.search_evidence(v, &top).await.unwrap();
        assert_eq!(hits.len(), 5);
    }
    // Server-side evidence: the standby's backends ran the searches.
    assert!(searches_seen_on_standby(&pair).await > 0);

    // With replay paused, a new row exists on the primary only.
    set_replay_paused(&pair, true).await;
    let fresh = acme
        .insert_evidence("only on the primary", None, None)
        .await
        .unwrap();
    let probe = data.next();
    acme.upsert_embedding(EntityType::Evidence, fresh.id, &probe, "m", None)
        .await
        .unwrap();
    let token = db.write_token().await.unwrap();
    // A default read comes from the standby: it does not see the row.
    let hits = acme.search_evidence(&probe, &top).await.unwrap();
    // The standby holds the 40 older rows: a full page, none of it the fresh row.
    assert_eq!(hits.len(), 5);
    assert!(hits.iter().all(|h| h.id != fresh.id), "read on the primary");
    assert!(acme.get_evidence(fresh.id).await.unwrap().is_none());
    // A read given the token waits for the standby, which cannot replay
    // it, and then reads from the primary: it sees the row.
    let after = acme.after_write(token);
    let hits = after.search_evidence(&probe, &top).await.unwrap();
    assert_eq!(hits[0].id, fresh.id);
    assert!(after.get_evidence(fresh.id).await.unwrap().is_some());
    // Replay on again: the standby serves the token read and sees the row.
    set_replay_paused(&pair, false).await;
    pair.wait_caught_up().await.unwrap();
    let hits = after.search_evidence(&probe, &top).await.unwrap();
    assert_eq!(hits[0].id, fresh.id);
    // Many writes, each read back at once through its token.
    for i in 0..20 {
        let claim = acme
            .insert_claim(&format!("claim {i}"), None)
            .await
            .unwrap();
        let token = db.write_token().await.unwrap();
        let got = acme.after_write(token).get_claim(claim.id).await.unwrap();
        assert_eq!(got.map(|c| c.id), Some(claim.id), "write {i} not seen");
    }
    db.close().await;
}

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
async fn the_standby_refuses_writes_and_the_library_writes_to_the_primary() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let db = Database::open(&pair.config()).await.unwrap();
    pair.wait_caught_up().await.unwrap();
    // Directly, the standby refuses a write: 25006 read_only_sql_transaction.
    let err = pair
        .standby_client()
        .await
        .unwrap()
        .execute(
            "INSERT INTO claims (tenant_id, text) VALUES ('acme', 'direct')",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&SqlState::READ_ONLY_SQL_TRANSACTION),
        "{err}"
    );
    // Through the library, writes (single statements and transactions) go
    // to the primary and succeed.
    let acme = db.tenant(TENANT).unwrap();
    let claim = acme
        .insert_claim("through the library", None)
        .await
        .unwrap();
    let n: i64 = acme
        .transaction(|tx| {
            Box::pin(async move {
                tx.execute(
                    "INSERT INTO claims (tenant_id, text) VALUES ('acme', 'in a tx')",
                    &[],
                )
                .await?;
                Ok(tx
                    .query_one("SELECT count(*) FROM claims", &[])
                    .await?
                    .get(0))
            })
        })
        .await
        .unwrap();
    assert_eq!(n, 2);
    let (primary, conn) = tokio_postgres::connect(&pair.primary_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let on_primary: i64 = primary
        .query_one("SELECT count(*) FROM claims WHERE id = $1", &[&claim.id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(on_primary, 1);
}

#[tokio::test]
async fn tuned_settings_replicate_and_replica_connections_use_them() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    // What `tune` stores: a row of truthgraph_settings, on the primary.
    let (primary, conn) = tokio_postgres::connect(&pair.primary_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    primary
        .batch_execute(
            "INSERT INTO truthgraph_settings (name, value, recall, note) \
             VALUES ('hnsw.ef_search', '77', 0.97, 'test')",
        )
        .await
        .unwrap();
    pair.wait_caught_up().await.unwrap();
    // It replicated: the standby has the row.
    let on_standby: String = pair
        .standby_client()
        .await
        .unwrap()
        .query_one(
            "SELECT value FROM truthgraph_settings WHERE name = 'hnsw.ef_search'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(on_standby, "77");
    // A handle opened now starts its replica connections with it too.
    let db = Database::open(&pair.config()).await.unwrap();
    assert_eq!(db.search_defaults().ef_search, 77);
    let replica = db.replica_pools()[0].get().await.unwrap();
    let row = replica
        .query_one(
            "SELECT current_setting('hnsw.ef_search'), pg_is_in_recovery()",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "77");
    assert!(row.get::<_, bool>(1), "not the standby");
}

/// Searches/s of 10 tasks for `secs`, and the mean latency of a write
/// followed by a token read (and of a plain read, for comparison).
async fn measure(db: &Database, vectors: Arc<Vec<Vector>>, secs: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|k| {
            let (db, vectors, done) = (db.clone(), vectors.clone(), done.clone());
            tokio::spawn(async move {
                let acme = db.tenant(TENANT).unwrap();
                let mut i = k * 37;
                while Instant::now() < deadline {
                    acme.search_evidence(&vectors[i % vectors.len()], &SearchOptions::top(10))
                        .await
                        .unwrap();
                    i += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// The figures of issue 10 part 5; run with
/// `cargo test --release --test it -- replicas::throughput --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints figures"]
async fn throughput() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let both = Database::open(&pair.config()).await.unwrap();
    let dim = both.embedding_dimension().await.unwrap();
    let mut data = Clustered::new(5, dim, 16, 0.5);
    let mut vectors = Vec::new();
    for _ in 0..10 {
        vectors.extend(load(&both, &mut data, 1000).await);
    }
    let queries = Arc::new(vectors.into_iter().step_by(10).collect::<Vec<_>>());
    pair.wait_caught_up().await.unwrap();
    let alone = Database::open(&Config {
        replica_urls: Vec::new(),
        ..pair.config()
    })
    .await
    .unwrap();
    // Warm both servers' caches first.
    measure(&alone, queries.clone(), 2).await;
    measure(&both, queries.clone(), 2).await;
    let secs = 10;
    let primary_only = measure(&alone, queries.clone(), secs).await;
    let with_standby = measure(&both, queries.clone(), secs).await;
    println!(
        "10 tasks, {dim}-d, 10000 rows, k=10, hnsw.ef_search {}, pools of {}, {secs} s each:",
        alone.search_defaults().ef_search,
        alone.config().pool_max_size
    );
    println!("  primary alone:      {primary_only:.0} searches/s");
    println!("  primary + standby:  {with_standby:.0} searches/s (reads on the standby)");
    // Write then read back: plain read vs read after a token.
    let acme = both.tenant(TENANT).unwrap();
    let n = 200;
    let (mut plain, mut token_read, mut token_take) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut fell_back = 0;
    for i in 0..n {
        let claim = acme.insert_claim(&format!("c{i}"), None).await.unwrap();
        let t0 = Instant::now();
        let token = both.write_token().await.unwrap();
        token_take += t0.elapsed();
        let t1 = Instant::now();
        let seen = acme.after_write(token).get_claim(claim.id).await.unwrap();
        token_read += t1.elapsed();
        assert!(seen.is_some());
        let t2 = Instant::now();
        if acme.get_claim(claim.id).await.unwrap().is_none() {
            fell_back += 1;
        }
        plain += t2.elapsed();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / n as f64;
    println!("write then read back, {n} times (mean):");
    println!("  write_token():          {:.3} ms", ms(token_take));
    println!("  read after the token:   {:.3} ms", ms(token_read));
    println!(
        "  plain read just after:  {:.3} ms ({fell_back} of {n} did not see the write yet)",
        ms(plain)
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

#[tokio::test]
async fn row_level_security_holds_on_the_standby_for_an_app_login() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let (primary, conn) = tokio_postgres::connect(&pair.primary_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    primary
        .batch_execute("CREATE ROLE replica_app LOGIN IN ROLE truthgraph_app")
        .await
        .unwrap();
    let as_app = |url: String| url.replace("postgres@", "replica_app@");
    let config = Config {
        replica_urls: vec![as_app(pair.standby_url().unwrap())],
        ..pair.config().with_url(as_app(pair.primary_url()))
    };
    let db = Database::open(&config).await.unwrap();
    assert!(db.sets_tenant(), "row-level security applies to this login");
    let claim = db
        .tenant(TENANT)
        .unwrap()
        .insert_claim("acme's", None)
        .await
        .unwrap();
    pair.wait_caught_up().await.unwrap();
    for _ in 0..5 {
        // On the standby, with the tenant set there: only acme sees it.
        let acme = db
            .tenant(TENANT)
            .unwrap()
            .recent_claims(10, None)
            .await
            .unwrap();
        assert_eq!(acme.iter().map(|c| c.id).collect::<Vec<_>>(), [claim.id]);
        let globex = db
            .tenant("globex")
            .unwrap()
            .recent_claims(10, None)
            .await
            .unwrap();
        assert!(globex.is_empty());
    }
    let on_standby: i64 = pair
        .standby_client()
        .await
        .unwrap()
        .query_one(
            // A backend's last statement: the read, or the tenant reset
            // queued after it.
            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'replica_app' \
             AND (query LIKE '%FROM claims%' OR query LIKE 'RESET truthgraph.tenant_id%')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(on_standby > 0, "the app's reads did not run on the standby");
}

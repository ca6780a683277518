//! Reads across a failover (issue 14, item 2): with every node listed as a
//! replica and a `DATABASE_URL` naming both hosts
//! (`target_session_attrs=read-write`), reads go to the standby before a
//! failover; after the primary is killed and the standby promoted, the
//! promoted node is skipped as a replica and serves reads through the
//! primary pool; once the failed node is rebuilt as a standby of the new
//! primary, reads go to it.

use std::time::{Duration, Instant};

use truthgraph_db::testing::ReplicatedServers;
use truthgraph_db::{Config, Database};

use crate::support::PAIRS;

const TENANT: &str = "acme";

/// `url` with `application_name=name`, so that `pg_stat_activity` tells the
/// pools apart.
fn named(url: &str, name: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}application_name={name}")
}

/// When the last read (`recent_claims`) of a connection of the pool
/// `application` started on the server at `url`, the latest of them (`None`:
/// no such read there).
async fn last_read_at(url: &str, dbname: &str, application: &str) -> Option<std::time::SystemTime> {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    c.query_one(
        "SELECT max(query_start) FROM pg_stat_activity WHERE datname = $1 \
         AND application_name = $2 AND query = $3",
        &[
            &dbname,
            &application,
            &truthgraph_db::sql::claims::RECENT_CLAIMS,
        ],
    )
    .await
    .unwrap()
    .get(0)
}

/// Reads until the pool `application` has served one on the server at
/// `url` (up to 30 s).
async fn read_until_served(db: &Database, url: &str, dbname: &str, application: &str) {
    let started = Instant::now();
    loop {
        db.tenant(TENANT)
            .unwrap()
            .recent_claims(1, None)
            .await
            .unwrap();
        if last_read_at(url, dbname, application).await.is_some() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no read went to {application} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_node_listed_as_a_replica_reads_follow_a_failover() {
    let _one = PAIRS.lock().await;
    let mut pair = ReplicatedServers::start().await.unwrap();
    let (p_url, s_url) = (pair.primary_url(), pair.standby_url().unwrap());
    let dbname = pair.dbname.clone();
    // Both nodes are replicas, and the URL names both: whichever is a
    // standby serves the reads, whichever is the primary the writes.
    let config = Config {
        pool_max_size: 2,
        replica_urls: vec![named(&p_url, "replica-p"), named(&s_url, "replica-s")],
        ..Config::default()
    }
    .with_url(named(&pair.failover_url(), "primary-pool"));
    let db = Database::open(&config).await.unwrap();
    let acme = db.tenant(TENANT).unwrap();
    acme.insert_claim("before the failover", None)
        .await
        .unwrap();
    pair.wait_caught_up().await.unwrap();
    for _ in 0..20 {
        assert_eq!(acme.recent_claims(1, None).await.unwrap().len(), 1);
    }
    // Before: the standby serves them, the primary is skipped as a replica
    // (not in recovery), and the primary pool serves none.
    assert!(last_read_at(&s_url, &dbname, "replica-s").await.is_some());
    assert!(last_read_at(&p_url, &dbname, "replica-p").await.is_none());
    assert!(
        last_read_at(&p_url, &dbname, "primary-pool")
            .await
            .is_none()
    );

    tokio::task::block_in_place(|| pair.kill_primary()).unwrap();
    pair.promote_standby().await.unwrap();
    // After: the promoted standby is skipped as a replica once checked (at
    // most `replica::CHECK_INTERVAL` later): reads go to the primary pool,
    // which the URL now connects to the promoted node.
    read_until_served(&db, &s_url, &dbname, "primary-pool").await;
    let switched = std::time::SystemTime::now();
    for _ in 0..20 {
        assert_eq!(acme.recent_claims(1, None).await.unwrap().len(), 1);
    }
    // (A connection's `query` is its last statement: a replica-s connection
    // that ran a check since shows that instead.)
    let last_as_replica = last_read_at(&s_url, &dbname, "replica-s").await;
    assert!(
        last_as_replica.is_none_or(|t| t < switched),
        "the promoted node still served reads as a replica"
    );
    acme.insert_claim("after the failover", None).await.unwrap();

    // The failed node rebuilt as a standby of the new primary, on its old
    // port: the replica URL that named the old primary now reaches a
    // standby, and reads go there.
    let rebuilt = tokio::task::block_in_place(|| pair.rebuild_old_primary()).unwrap();
    read_until_served(&db, &p_url, &dbname, "replica-p").await;
    let claims = acme.recent_claims(2, None).await.unwrap();
    assert_eq!(claims.len(), 2);
    println!(
        "reads: standby before the failover, the promoted node's primary pool after it, the \
         rebuilt node (port {}) once it streams",
        rebuilt.port()
    );
    db.close().await;
}

/// The replica bound of [`a_standby_of_an_idle_primary_serves_reads_once_it_dies_within_the_lag_bound`].
const MAX_LAG: Duration = Duration::from_secs(2);

/// A primary that wrote nothing for longer than the lag bound, then died:
/// its standby's last replayed commit is older than the bound, yet it had
/// replayed every position the library read from the primary until the
/// crash, so it keeps serving reads, until the newest of those positions
/// is older than the bound (then the library cannot vouch for it and a read
/// fails); after the promotion reads go on through the primary pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_of_an_idle_primary_serves_reads_once_it_dies_within_the_lag_bound() {
    let _one = PAIRS.lock().await;
    let mut pair = ReplicatedServers::start().await.unwrap();
    let config = Config {
        pool_max_size: 2,
        replica_urls: vec![pair.standby_url().unwrap()],
        replica_max_lag: MAX_LAG,
        ..Config::default()
    }
    .with_url(pair.failover_url());
    let db = Database::open(&config).await.unwrap();
    let acme = db.tenant(TENANT).unwrap();
    acme.insert_claim("the last write", None).await.unwrap();
    pair.wait_caught_up().await.unwrap();
    // Idle past the bound, reading (each read may check the standby).
    let idle = Instant::now();
    while idle.elapsed() < MAX_LAG + MAX_LAG / 4 {
        assert_eq!(acme.recent_claims(1, None).await.unwrap().len(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    tokio::task::block_in_place(|| pair.kill_primary()).unwrap();
    let killed = Instant::now();
    // The newest position the library read is at most a check interval
    // (and a read) older than the crash: well within the bound for these.
    for _ in 0..10 {
        let got = acme.recent_claims(1, None).await;
        let got = got.unwrap_or_else(|e| panic!("{:?} after the kill: {e}", killed.elapsed()));
        assert_eq!(got.len(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Past the bound since the crash, every position read is older than the
    // bound, and so is the last replayed commit: no server can serve.
    tokio::time::sleep((MAX_LAG + MAX_LAG / 4).saturating_sub(killed.elapsed())).await;
    let err = acme.recent_claims(1, None).await.unwrap_err();
    assert!(err.is_connection_error(), "{err}");

    pair.promote_standby().await.unwrap();
    assert_eq!(acme.recent_claims(1, None).await.unwrap().len(), 1);
    db.close().await;
}

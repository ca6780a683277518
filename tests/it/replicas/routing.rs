//! Where reads and writes go: the standby for searches, the primary for writes, settings and RLS on both.

use super::*;

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

/// Pads the WAL of the server `c` is connected to until its last record
/// ends exactly at the end of a WAL page (the insert position then sits
/// just past the next page's header); returns that page's start, or `None`
/// when other WAL came in between (a background record: try again).
async fn end_a_wal_page(c: &tokio_postgres::Client) -> Option<u64> {
    // On PostgreSQL 15 a logical message with prefix 'p' and n bytes takes
    // 52 + n bytes of WAL, 55 + n once its record's data (26 + n bytes)
    // exceeds 255 (a long data header); records are 8-aligned.
    c.batch_execute(
        "DO $$ DECLARE rem bigint; BEGIN \
           FOR i IN 1..3 LOOP \
             rem := 8192 - (pg_current_wal_insert_lsn() - '0/0') % 8192; \
             IF rem >= 52 THEN \
               PERFORM pg_logical_emit_message(false, 'p', repeat('x', \
                 (CASE WHEN rem - 26 > 255 THEN rem - 55 ELSE rem - 52 END)::int)); \
               EXIT; \
             END IF; \
             PERFORM pg_logical_emit_message(false, 'p', repeat('x', 100)); \
           END LOOP; END $$",
    )
    .await
    .unwrap();
    let insert = insert_position(c).await;
    matches!(insert % 8192, 24 | 40).then_some(insert - insert % 8192)
}

/// `pg_current_wal_insert_lsn()` of the server `c` is connected to, as is.
async fn insert_position(c: &tokio_postgres::Client) -> u64 {
    let lsn: tokio_postgres::types::PgLsn = c
        .query_one("SELECT pg_current_wal_insert_lsn()", &[])
        .await
        .unwrap()
        .get(0);
    lsn.into()
}

/// A token taken when the primary's last record ended exactly at a WAL
/// page's end is reached by the standby's replay, which stops at the page's
/// start: `pg_current_wal_insert_lsn()` points past the next page's header,
/// which no replay reaches until the primary writes again (a token read
/// then waited `replica_wait` and went to the primary).
#[tokio::test]
async fn a_token_at_a_wal_page_boundary_is_reached_by_replay() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let db = Database::open(&pair.config()).await.unwrap();
    let claim = db
        .tenant(TENANT)
        .unwrap()
        .insert_claim("the last write", None)
        .await
        .unwrap();
    let (primary, conn) = tokio_postgres::connect(&pair.primary_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut tries = 0;
    let (page, token) = loop {
        tries += 1;
        assert!(tries <= 20, "the WAL never ended at a page's end");
        let Some(page) = end_a_wal_page(&primary).await else {
            continue;
        };
        let token = db.write_token().await.unwrap();
        // Nothing written since the pad (else it is not this case).
        if matches!(insert_position(&primary).await - page, 24 | 40) {
            break (page, token);
        }
    };
    assert_eq!(token.as_u64(), page, "the token is the page's start");
    // The standby replays up to the page's start, and no further: the token
    // is reached.
    pair.wait_caught_up().await.unwrap();
    let replayed: tokio_postgres::types::PgLsn = pair
        .standby_client()
        .await
        .unwrap()
        .query_one("SELECT pg_last_wal_replay_lsn()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(
        u64::from(replayed) >= token.as_u64(),
        "{replayed} < {token}"
    );
    let got = db
        .tenant(TENANT)
        .unwrap()
        .after_write(token)
        .get_claim(claim.id)
        .await
        .unwrap();
    assert!(got.is_some());
    db.close().await;
}

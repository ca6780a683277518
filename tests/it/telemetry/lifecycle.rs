//! Health, pool metrics and a graceful close.

use std::time::Duration;

use truthgraph_db::{Config, Error, SearchOptions};

use crate::support::{TestDatabase, random_unit};

#[tokio::test]
async fn health_says_ready_only_when_migrations_are_current() {
    let t = TestDatabase::migrated().await.unwrap();
    let h = t.db.health().await.unwrap();
    assert!(h.is_ready(), "{:?}", h.problems());
    assert!(h.pgvector_version.is_some());
    let m = h.migrations.as_ref().unwrap();
    assert!(m.is_current());
    assert_eq!(m.current, truthgraph_db::migrate::latest_version());
    assert_eq!(m.current, m.latest);
    assert!(!h.server_version.is_empty());
    assert_eq!(h.pool.max_size, t.db.config().pool_max_size);

    let empty = TestDatabase::empty().await.unwrap();
    let h = empty.db.health().await.unwrap();
    assert!(!h.is_ready());
    let m = h.migrations.as_ref().unwrap();
    assert_eq!(m.current, 0);
    assert_eq!(
        m.pending.len(),
        truthgraph_db::migrate::embedded_migrations().len()
    );
    assert!(
        h.problems().iter().any(|p| p.contains("pending")),
        "{:?}",
        h.problems()
    );
    // After migrating, the same handle reports ready.
    empty.db.migrate(None).await.unwrap();
    assert!(empty.db.health().await.unwrap().is_ready());

    // A least-privilege login may not read the history: unknown, not a problem.
    let app = t.app(&Config::default()).await.unwrap();
    let h = app.health().await.unwrap();
    assert_eq!(h.migrations, None);
    assert!(h.is_ready(), "{:?}", h.problems());
}

#[tokio::test]
async fn pool_status_counts_lent_connections_and_waiters() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = t
        .connect(&Config {
            pool_max_size: 2,
            ..Config::default()
        })
        .await
        .unwrap();
    let s = db.pool_status();
    assert_eq!((s.max_size, s.in_use(), s.waiting), (2, 0, 0));
    let a = db.client().await.unwrap();
    let b = db.client().await.unwrap();
    let s = db.pool_status();
    assert_eq!((s.size, s.available, s.in_use()), (2, 0, 2));
    let waiter = tokio::spawn({
        let db = db.clone();
        async move { db.client().await.map(drop) }
    });
    let mut waiting = 0;
    for _ in 0..500 {
        waiting = db.pool_status().waiting;
        if waiting == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(waiting, 1);
    drop(a);
    waiter.await.unwrap().unwrap();
    drop(b);
    let s = db.pool_status();
    assert_eq!((s.size, s.available, s.in_use(), s.waiting), (2, 2, 0, 0));
}

#[tokio::test]
async fn close_lets_calls_in_flight_finish_and_refuses_new_ones() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = t.connect(&Config::default()).await.unwrap();
    // A call in flight: holds its connection for a while.
    let in_flight = tokio::spawn({
        let db = db.clone();
        async move {
            db.tenant("acme")?
                .transaction(|tx| {
                    Box::pin(async move {
                        tx.batch_execute("SELECT pg_sleep(0.5)").await?;
                        Ok(tx.query_one("SELECT 42", &[]).await?.get::<_, i32>(0))
                    })
                })
                .await
        }
    });
    while db.pool_status().in_use() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let closing = tokio::spawn({
        let db = db.clone();
        async move { db.close_with_deadline(Duration::from_secs(30)).await }
    });
    while !db.is_closed() {
        tokio::task::yield_now().await;
    }
    // New work is refused at once, on every path.
    assert!(matches!(db.client().await, Err(Error::Closed)));
    assert!(matches!(db.health().await, Err(Error::Closed)));
    let acme = db.tenant("acme").unwrap();
    assert!(matches!(
        acme.insert_claim("too late", None).await,
        Err(Error::Closed)
    ));
    assert!(matches!(
        acme.search_evidence(
            &random_unit(1, db.embedding_dimension().await.unwrap()),
            &SearchOptions::top(1)
        )
        .await,
        Err(Error::Closed)
    ));
    // The call in flight finishes, then the close returns.
    assert_eq!(in_flight.await.unwrap().unwrap(), 42);
    let report = closing.await.unwrap();
    assert_eq!(report.still_busy, 0, "{report:?}");
    assert!(db.pool().is_closed());
    assert!(matches!(db.client().await, Err(Error::Closed)));

    // A deadline that passes closes anyway and says what was still busy.
    let db = t.connect(&Config::default()).await.unwrap();
    let held = db.client().await.unwrap();
    let report = db.close_with_deadline(Duration::from_millis(50)).await;
    assert_eq!(report.still_busy, 1, "{report:?}");
    assert!(report.waited >= Duration::from_millis(50));
    // The held connection still works until it is given back.
    held.batch_execute("SELECT 1").await.unwrap();
    drop(held);
    assert!(matches!(db.client().await, Err(Error::Closed)));
    // `close(self)` keeps working for existing callers.
    let db = t.connect(&Config::default()).await.unwrap();
    db.close().await;
}

/// A closed handle says goodbye on every connection: each session ends with
/// the protocol's Terminate, after the replies it had not read yet (a
/// tenant call's queued `RESET`), not by its socket closing under the
/// server. PostgreSQL counts a session whose client vanished in
/// `pg_stat_database.sessions_abandoned` (and logs "could not receive data
/// from client: Connection reset by peer" when replies were left unread).
#[tokio::test]
async fn close_ends_every_session_with_terminate() {
    let t = TestDatabase::migrated().await.unwrap();
    let observer = t.raw_client().await.unwrap();
    let stats = "SELECT sessions, sessions_abandoned FROM pg_stat_database \
                 WHERE datname = current_database()";
    let read = |sql: &'static str| {
        let observer = &observer;
        async move {
            observer
                .batch_execute("SELECT pg_stat_clear_snapshot()")
                .await
                .unwrap();
            let r = observer.query_one(sql, &[]).await.unwrap();
            (r.get::<_, i64>(0), r.get::<_, i64>(1))
        }
    };
    let ours = "SELECT count(*), 0::bigint FROM pg_stat_activity \
                WHERE datname = current_database() AND application_name = 'goodbye'";
    let (sessions_before, abandoned_before) = read(stats).await;

    // A least-privilege handle: every tenant call sets the tenant and
    // queues its reset without awaiting it.
    let url = format!("{}&application_name=goodbye", t.app_url());
    let db = truthgraph_db::Database::connect(&Config::default(), &url)
        .await
        .unwrap();
    let dim = db.embedding_dimension().await.unwrap();
    let searches = (0..8).map(|i| {
        let db = db.clone();
        async move {
            db.tenant(&format!("t{}", i % 4))
                .unwrap()
                .search_evidence(&random_unit(i, dim), &SearchOptions::top(3))
                .await
                .unwrap()
        }
    });
    futures_util::future::join_all(searches).await;
    let opened = read(ours).await.0;
    assert!(opened >= 1, "no pooled connection seen");
    db.close().await;

    // The server ends each session when it reads the Terminate (or EOF).
    let started = std::time::Instant::now();
    while read(ours).await.0 > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "sessions linger"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A backend leaves pg_stat_activity just before it flushes its
    // session's statistics (a loaded machine may take a while).
    let (mut sessions, mut abandoned) = read(stats).await;
    while sessions < sessions_before + opened {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{sessions} sessions"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        (sessions, abandoned) = read(stats).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    abandoned = abandoned.max(read(stats).await.1);
    assert_eq!(
        abandoned - abandoned_before,
        0,
        "sessions of the closed handle ended without a Terminate"
    );
}

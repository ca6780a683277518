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

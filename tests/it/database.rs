//! The `Database` handle: SQLSTATE mapping, transactions, pool exhaustion and recovery.

use truthgraph_db::Error;
use uuid::Uuid;

use crate::support::{Retries, TestDatabase, field, library_backends, terminate_while_blocked};

#[tokio::test]
async fn sqlstate_mapping_keeps_the_constraint() {
    let t = TestDatabase::migrated().await.unwrap();
    let client = t.db.client().await.unwrap();
    let fk = client
        .execute(
            "INSERT INTO verdicts (claim_id) VALUES ($1)",
            &[&Uuid::new_v4()],
        )
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(
        matches!(&fk, Error::MissingReference { constraint, .. } if constraint == "verdicts_claim_id_fkey"),
        "{fk:?}"
    );
    assert_eq!(fk.constraint(), Some("verdicts_claim_id_fkey"));
    let nn = client
        .execute("INSERT INTO claims (text) VALUES (NULL)", &[])
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(field(&nn), "text");
    let other = client
        .execute("SELECT * FROM no_such_table", &[])
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(other, Error::Database(_)));
    assert_eq!(other.code().map(|c| c.code()), Some("42P01"));
}

#[tokio::test]
async fn transactions_commit_on_ok_and_roll_back_on_err_or_panic() {
    let t = TestDatabase::migrated().await.unwrap();
    let count = async || -> i64 {
        t.db.client()
            .await
            .unwrap()
            .query_one("SELECT count(*) FROM claims", &[])
            .await
            .unwrap()
            .get(0)
    };
    t.db.transaction(|tx| {
        Box::pin(async move {
            tx.execute("INSERT INTO claims (text) VALUES ('kept')", &[])
                .await?;
            Ok(())
        })
    })
    .await
    .unwrap();
    assert_eq!(count().await, 1);
    let err =
        t.db.transaction(|tx| {
            Box::pin(async move {
                tx.execute("INSERT INTO claims (text) VALUES ('undone')", &[])
                    .await?;
                Err::<(), _>(Error::NotFound {
                    what: "reason to commit".into(),
                })
            })
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
    assert_eq!(count().await, 1);
    let db = t.db.clone();
    let panicked = tokio::spawn(async move {
        db.transaction::<(), _>(|tx| {
            Box::pin(async move {
                tx.execute("INSERT INTO claims (text) VALUES ('panic')", &[])
                    .await?;
                panic!("boom");
            })
        })
        .await
    })
    .await;
    assert!(panicked.is_err());
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn an_exhausted_pool_times_out_instead_of_hanging() {
    let t = TestDatabase::migrated().await.unwrap();
    let config = truthgraph_db::Config {
        pool_max_size: 1,
        pool_timeout: std::time::Duration::from_millis(200),
        ..Default::default()
    };
    let db = t.connect(&config).await.unwrap();
    let held = db.client().await.unwrap();
    let err = db.client().await.unwrap_err();
    assert!(
        matches!(err, Error::PoolTimeout(d) if d == config.pool_timeout),
        "{err:?}"
    );
    drop(held);
    let _again = db.client().await.unwrap();
}

#[tokio::test]
async fn the_pool_survives_terminated_connections() {
    let t = TestDatabase::migrated().await.unwrap();
    let config = truthgraph_db::Config {
        pool_max_size: 3,
        ..Default::default()
    };
    let db = t.connect(&config).await.unwrap();
    let a = db.tenant("a").unwrap();
    // Three writes at once: three connections, each with the write's
    // statements prepared, so a dead one is found by the first statement sent.
    let before: Vec<String> = (0..3).map(|i| format!("before {i}")).collect();
    for r in futures_util::future::join_all(before.iter().map(|s| a.insert_claim(s, None))).await {
        r.unwrap();
    }
    assert_eq!(db.pool().status().size, 3);
    let held: Vec<_> = futures_util::future::join_all((0..3).map(|_| db.client()))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut pids = Vec::new();
    for c in &held {
        pids.push(
            c.query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get::<_, i32>(0),
        );
    }
    drop(held);
    // Every connection of the pool killed, as a server restart would, and
    // gone before anything else runs here: the pool still holds all three.
    let (retries, _counting) = Retries::count();
    assert_eq!(terminate_while_blocked(&t.url, &pids), 3);
    assert_eq!(db.pool().status().size, 3);
    // Five writes at once: the first three borrow the dead connections, find
    // them dead before anything ran, and are retried on new ones.
    let after: Vec<String> = (0..5).map(|i| format!("after {i}")).collect();
    for r in futures_util::future::join_all(after.iter().map(|s| a.insert_claim(s, None))).await {
        r.unwrap();
    }
    assert!(
        retries.seen() >= 3,
        "{} retries: the dead connections were never borrowed",
        retries.seen()
    );
    let admin = t.raw_client().await.unwrap();
    let now = library_backends(&admin, &t.name).await;
    assert!(
        pids.iter().all(|p| !now.contains(p)),
        "{pids:?} still in {now:?}"
    );
    // Each write stored once.
    assert_eq!(a.recent_claims(20, None).await.unwrap().len(), 8);
}

#[tokio::test]
async fn errors_say_what_happened_timeouts_and_lost_connections_are_told_apart() {
    let t = TestDatabase::migrated().await.unwrap();
    let config = truthgraph_db::Config {
        statement_timeout: std::time::Duration::from_millis(50),
        pool_max_size: 2,
        ..Default::default()
    };
    let db = t.connect(&config).await.unwrap();
    let client = db.client().await.unwrap();

    // 57014: its own variant, with the server's words.
    let e = Error::from(
        client
            .batch_execute("SELECT pg_sleep(1)")
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(&e, Error::Timeout { message } if message.contains("statement timeout")),
        "{e:?}"
    );
    assert_eq!(e.code().map(|c| c.code()), Some("57014"));
    assert!(!e.is_connection_error());
    // The rest on a connection with the default timeout: 50 ms can also cut
    // a trivial statement short on a busy machine.
    drop(client);
    let client = t.db.client().await.unwrap();

    // Any other server error: Display has the message and the SQLSTATE, not "db error".
    let e = Error::from(client.batch_execute("SELECT 1/0").await.unwrap_err());
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");
    let e = Error::from(
        client
            .batch_execute("SELECT * FROM no_such_table")
            .await
            .unwrap_err(),
    );
    let text = e.to_string();
    assert!(
        text.contains("relation \"no_such_table\" does not exist")
            && text.contains("[SQLSTATE 42P01]"),
        "{text}"
    );
    assert!(!e.is_connection_error());

    // 54000 (a value over a server limit) is bad input, named as such.
    // 200,000 distinct words: a tsvector over PostgreSQL's 1 MB limit.
    let long: String = (0..200_000).map(|i| format!("w{i} ")).collect();
    let e = Error::from(
        t.raw_client()
            .await
            .unwrap()
            .query_one("SELECT to_tsvector('simple', $1)", &[&long])
            .await
            .unwrap_err(),
    );
    assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}");

    // The backend killed under us: a connection error a caller can retry on.
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let gone: bool = t
        .raw_client()
        .await
        .unwrap()
        .query_one("SELECT pg_terminate_backend($1, 60000)", &[&pid])
        .await
        .unwrap()
        .get(0);
    assert!(gone, "backend {pid} still alive after 60 s");
    // Waited for: the backend is gone before the next statement is sent.
    let e = Error::from(client.batch_execute("SELECT 1").await.unwrap_err());
    assert!(e.is_connection_error(), "{e:?}");
}

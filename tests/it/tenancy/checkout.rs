//! The tenant setting on pooled connections: checkouts and mass disconnects.

use super::*;

#[tokio::test]
async fn the_tenant_never_outlives_a_checkout() {
    let t = TestDatabase::migrated().await.unwrap();
    seed(&t.db, "a", 1).await;
    // One connection, so every call below reuses the same server session.
    let app = t.app(&small_pool()).await.unwrap();
    let a = app.tenant("a").unwrap();
    let setting = async |db: &Database| -> (Option<String>, i64) {
        let c = db.client().await.unwrap();
        let row = c
            .query_one(
                "SELECT truthgraph_tenant()::text, (SELECT count(*) FROM claims)",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(setting(&app).await, (None, 0));

    // A finished call.
    assert_eq!(a.recent_claims(10, None).await.unwrap().len(), 1);
    assert_eq!(setting(&app).await, (None, 0));

    // Calls whose statements reached the server and ran there with the
    // tenant set: each search waits for a lock held here (seen waiting in
    // pg_stat_activity), and is then dropped, or cancelled on the server.
    let q = random_unit(1, DIM);
    let tuned = SearchOptions {
        ef_search: Some(40),
        ..SearchOptions::top(3)
    };
    // Prepared on the connection already: what waits is the search itself.
    a.search_evidence(&q, &SearchOptions::top(3)).await.unwrap();
    a.search_evidence(&q, &tuned).await.unwrap();
    let admin = t.raw_client().await.unwrap();
    let locker = t.raw_client().await.unwrap();
    let lock = "BEGIN; LOCK TABLE embeddings IN ACCESS EXCLUSIVE MODE";
    for opts in [SearchOptions::top(3), tuned.clone()] {
        locker.batch_execute(lock).await.unwrap();
        {
            // A single statement, and one in a transaction (per-call settings).
            let call = a.search_evidence(&q, &opts);
            tokio::pin!(call);
            poll_until_lock_wait(call.as_mut(), &admin, &t.name, "hits.distance").await;
        } // dropped here, still waiting on the server
        locker.batch_execute("ROLLBACK").await.unwrap();
        assert_eq!(setting(&app).await, (None, 0), "{opts:?}");
    }
    // One that fails on the server: cancelled there while it waits.
    locker.batch_execute(lock).await.unwrap();
    let top = SearchOptions::top(3);
    let call = a.search_evidence(&q, &top);
    tokio::pin!(call);
    let pid = poll_until_lock_wait(call.as_mut(), &admin, &t.name, "hits.distance").await;
    admin
        .execute("SELECT pg_cancel_backend($1)", &[&pid])
        .await
        .unwrap();
    let err = call.await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("57014"), "{err:?}");
    locker.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(setting(&app).await, (None, 0));

    // A panic in the middle of a transaction of the tenant.
    let app2 = app.clone();
    let panicked = tokio::spawn(async move {
        app2.tenant("a")
            .unwrap()
            .transaction::<(), _>(|tx| {
                Box::pin(async move {
                    tx.query_one("SELECT 1", &[]).await?;
                    panic!("caller bug");
                })
            })
            .await
    })
    .await;
    assert!(panicked.is_err());
    assert_eq!(setting(&app).await, (None, 0));

    // Many tasks, two tenants, one connection: every raw query in between
    // sees no tenant, every tenant call only its own rows.
    seed(&t.db, "b", 2).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let tenant = if i % 2 == 0 { "a" } else { "b" };
            for _ in 0..25 {
                let claims = app
                    .tenant(tenant)
                    .unwrap()
                    .recent_claims(10, None)
                    .await
                    .unwrap();
                assert_eq!(claims.len(), 1);
                assert!(claims[0].text.starts_with(tenant));
                let c = app.client().await.unwrap();
                let n: i64 = c
                    .query_one("SELECT count(*) FROM claims", &[])
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(n, 0, "a tenant leaked into a later checkout");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(app.pool().status().size, 1);
}

#[tokio::test]
async fn a_mass_disconnect_is_never_seen_by_a_caller() {
    let t = TestDatabase::migrated().await.unwrap();
    seed(&t.db, "a", 1).await;
    let config = Config {
        pool_max_size: 4,
        ..Config::default()
    };
    for round in 0..3 {
        let db = t.connect(&config).await.unwrap();
        let a = db.tenant("a").unwrap();
        // Fill the pool with four open connections.
        let warm: Vec<_> = futures_util::future::join_all((0..4).map(|_| db.client()))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let mut pids = Vec::new();
        for c in &warm {
            let pid: i32 = c
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            pids.push(pid);
        }
        drop(warm);
        assert_eq!(db.pool().status().size, 4);
        // A failover in miniature: every connection of the pool killed, and
        // gone before anything runs here, so the pool still holds all four.
        let (retries, counting) = Retries::count();
        assert_eq!(terminate_while_blocked(&t.url, &pids), 4, "round {round}");
        assert_eq!(db.pool().status().size, 4);
        // Six reads at once right after: the four that borrow the dead
        // connections lose them and run again on fresh ones.
        let claims =
            futures_util::future::join_all((0..6).map(|_| a.recent_claims(10, None))).await;
        for c in claims {
            assert_eq!(c.unwrap().len(), round + 1, "round {round}");
        }
        assert!(
            retries.seen() >= 4,
            "round {round}: {} retries, the dead connections were never borrowed",
            retries.seen()
        );
        drop(counting);
        let admin = t.raw_client().await.unwrap();
        let now = library_backends(&admin, &t.name).await;
        assert!(
            pids.iter().all(|p| !now.contains(p)),
            "round {round}: {pids:?} still in {now:?}"
        );
        let q = random_unit(1, DIM);
        a.search_evidence(&q, &SearchOptions::top(3)).await.unwrap();
        a.insert_claim(&format!("after round {round}"), None)
            .await
            .unwrap();
        db.close().await;
    }
    assert_eq!(
        t.db.tenant("a")
            .unwrap()
            .recent_claims(10, None)
            .await
            .unwrap()
            .len(),
        4
    );
}

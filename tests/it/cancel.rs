//! Cancelled calls stop (issue 14, item 3): a call whose future is dropped
//! while its statement runs has that statement cancelled on the server and
//! its connection kept out of the pool, so the next borrower never waits
//! behind it; a search past its own deadline returns `Error::Timeout` and
//! its statement is gone too.
//!
//! Each statement is made to wait for certain: the test holds a lock it
//! needs (seen waiting in `pg_stat_activity` before the drop). Without the
//! cancel, it would wait for as long as the test holds the lock.

use std::pin::Pin;
use std::time::{Duration, Instant};

use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{Config, Database, EntityType, Error, HybridOptions, SearchOptions};

use crate::support::{poll_until_lock_wait, random_unit, wait_for_advisory_waiters};

const DIM: usize = 1536;

/// How soon after the drop no statement of the call may still run before
/// the test fails: a bound that tells a cancelled statement from one that
/// waits for the lock (as long as the test holds it), not a latency figure.
/// The 200 ms is measured (docs/library.md "A dropped call stops"),
/// not asserted: the stop takes 5-35 ms, but on a shared 2-core machine any
/// of the processes involved (the test, the postmaster forking for the
/// cancel request, the backend, the monitoring session) can stall longer
/// now and then, and a full suite run once saw 201 ms.
const STOPPED_WITHIN: Duration = Duration::from_secs(10);

/// How long the next borrower may take before it counts as waiting behind
/// the dropped call (it runs in milliseconds; the dropped call would wait
/// for as long as the test holds its lock).
const NEXT_BORROWER_BOUND: Duration = Duration::from_secs(10);

const LOCK_EMBEDDINGS: &str = "BEGIN; LOCK TABLE embeddings IN ACCESS EXCLUSIVE MODE";

/// A pool of one connection, so the dropped call's connection is the only
/// one there is, with a `statement_timeout` a leaked session setting would
/// show against.
fn one_connection() -> Config {
    Config {
        pool_max_size: 1,
        statement_timeout: Duration::from_secs(30),
        ..Config::default()
    }
}

/// Polls `pg_stat_activity` (every millisecond) until server process `pid`
/// runs no statement: gone, or no longer `active`. Returns how long that
/// took from `dropped`; panics past [`STOPPED_WITHIN`].
async fn stopped(admin: &tokio_postgres::Client, pid: i32, dropped: Instant) -> Duration {
    loop {
        let state: Option<Option<String>> = admin
            .query_opt("SELECT state FROM pg_stat_activity WHERE pid = $1", &[&pid])
            .await
            .unwrap()
            .map(|r| r.get(0));
        let took = dropped.elapsed();
        if state.as_ref().and_then(Option::as_deref) != Some("active") {
            return took;
        }
        assert!(
            took <= STOPPED_WITHIN,
            "server process {pid} still runs the dropped call's statement {took:?} after the drop"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Polls until no statement of database `dbname` containing `needle` is
/// active; returns how long that took from `since`; panics past
/// [`STOPPED_WITHIN`].
async fn no_statement_like(
    admin: &tokio_postgres::Client,
    dbname: &str,
    needle: &str,
    since: Instant,
) -> Duration {
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' \
                 AND strpos(query, $2) > 0 AND pid <> pg_backend_pid()",
                &[&dbname, &needle],
            )
            .await
            .unwrap()
            .get(0);
        let took = since.elapsed();
        if n == 0 {
            return took;
        }
        assert!(
            took <= STOPPED_WITHIN,
            "{n} statements with {needle:?} still active {took:?} after the call returned"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The next borrower of `db`'s pool: a tenant call that needs no locked
/// table, then the server process and `statement_timeout` of the connection
/// it got. Panics if it waits past [`NEXT_BORROWER_BOUND`].
async fn next_borrower(db: &Database) -> (Duration, i32, String) {
    let started = Instant::now();
    let run = async {
        let claims = db
            .tenant("a")
            .unwrap()
            .recent_claims(5, None)
            .await
            .unwrap();
        assert_eq!(claims.len(), 1);
        let c = db.client().await.unwrap();
        let row = c
            .query_one(
                "SELECT pg_backend_pid(), current_setting('statement_timeout')",
                &[],
            )
            .await
            .unwrap();
        (row.get::<_, i32>(0), row.get::<_, String>(1))
    };
    let (pid, timeout) = tokio::time::timeout(NEXT_BORROWER_BOUND, run)
        .await
        .expect("the next borrower waited behind the dropped call");
    (started.elapsed(), pid, timeout)
}

/// A claim, and evidence with an embedding, of tenant `a`.
async fn seed(t: &TestDatabase) -> truthgraph_db::pgvector::Vector {
    let a = t.db.tenant("a").unwrap();
    a.insert_claim("a claim", None).await.unwrap();
    let ev = a
        .insert_evidence("a passage", None, Some("web"))
        .await
        .unwrap();
    let v = random_unit(1, DIM);
    a.upsert_embedding(EntityType::Evidence, ev.id, &v, "m", None)
        .await
        .unwrap();
    v
}

#[tokio::test]
async fn a_dropped_search_stops_on_the_server_and_the_next_borrower_runs_at_once() {
    let t = TestDatabase::migrated().await.unwrap();
    let q = seed(&t).await;
    // As the application login: a read pipelines the tenant setting with
    // the search, and would queue its reset when given back.
    let db = t.app(&one_connection()).await.unwrap();
    let a = db.tenant("a").unwrap();
    let tuned = SearchOptions {
        ef_search: Some(40),
        ..SearchOptions::top(3)
    };
    // A single statement, and a search in a transaction (per-call settings).
    for opts in [SearchOptions::top(3), tuned] {
        // Prepared on the connection already: what waits is the search.
        assert_eq!(a.search_evidence(&q, &opts).await.unwrap().len(), 1);
        let admin = t.raw_client().await.unwrap();
        let locker = t.raw_client().await.unwrap();
        locker.batch_execute(LOCK_EMBEDDINGS).await.unwrap();
        let mut call = Box::pin(a.search_evidence(&q, &opts));
        let pid = poll_until_lock_wait(call.as_mut(), &admin, &t.name, "hits.distance").await;
        drop(call);
        let dropped = Instant::now();
        // Both at once, while the test still holds the lock.
        let (stopped_after, (next_took, next_pid, next_timeout)) =
            tokio::join!(stopped(&admin, pid, dropped), next_borrower(&db));
        println!(
            "{opts:?}: dropped call's backend {pid} stopped {stopped_after:?} after the drop; \
             next borrower ran in {next_took:?} on backend {next_pid}"
        );
        assert_ne!(
            next_pid, pid,
            "the dropped call's connection was lent again"
        );
        assert_eq!(next_timeout, "30s");
        locker.batch_execute("ROLLBACK").await.unwrap();
        // The dropped connection left the pool: one connection, the new one.
        assert_eq!(db.pool().status().size, 1);
    }
}

#[tokio::test]
async fn a_search_past_its_deadline_times_out_and_its_statement_is_cancelled() {
    let t = TestDatabase::migrated().await.unwrap();
    let q = seed(&t).await;
    let db = t.connect(&one_connection()).await.unwrap();
    let a = db.tenant("a").unwrap();
    let deadline = Duration::from_millis(100);
    let search = SearchOptions::top(3).with_deadline(deadline);
    let hybrid = HybridOptions::default().with_deadline(deadline);
    // Within its deadline, a search answers as usual (and is prepared).
    assert_eq!(a.search_evidence(&q, &search).await.unwrap().len(), 1);
    assert_eq!(
        a.hybrid_search("passage", &q, &hybrid).await.unwrap().len(),
        1
    );
    let admin = t.raw_client().await.unwrap();
    let locker = t.raw_client().await.unwrap();
    locker.batch_execute(LOCK_EMBEDDINGS).await.unwrap();
    type Call<'a> = Pin<Box<dyn std::future::Future<Output = Result<usize, Error>> + 'a>>;
    let calls: [(&str, Call); 2] = [
        (
            "search",
            Box::pin(async { a.search_evidence(&q, &search).await.map(|h| h.len()) }),
        ),
        (
            "hybrid",
            Box::pin(async {
                a.hybrid_search("passage", &q, &hybrid)
                    .await
                    .map(|h| h.len())
            }),
        ),
    ];
    for (what, mut call) in calls {
        let started = Instant::now();
        // Its statement reached the server and waits there for the lock.
        let pid = poll_until_lock_wait(Pin::new(&mut call), &admin, &t.name, "<=>").await;
        let err = call.await.unwrap_err();
        let returned = Instant::now();
        let took = started.elapsed();
        assert!(
            matches!(&err, Error::Timeout { message } if message.contains("deadline of 100ms passed")),
            "{what}: {err:?}"
        );
        assert_eq!(err.code().map(|c| c.code()), Some("57014"));
        let gone = no_statement_like(&admin, &t.name, "<=>", returned).await;
        println!(
            "{what}: Error::Timeout after {took:?} (deadline {deadline:?}); no search statement \
             active {gone:?} after it returned"
        );
        // The next call runs at once, on a new connection.
        let (next_took, next_pid, _) = next_borrower(&db).await;
        println!("{what}: next borrower ran in {next_took:?}");
        assert_ne!(
            next_pid, pid,
            "{what}: the timed-out call's connection was lent again"
        );
    }
    locker.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(a.search_evidence(&q, &search).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_dropped_schema_command_never_returns_its_connection_to_the_pool() {
    let t = TestDatabase::migrated().await.unwrap();
    seed(&t).await;
    let db = t.connect(&one_connection()).await.unwrap();
    let admin = t.raw_client().await.unwrap();
    // The migrators' lock, held here: `migrate` waits for it on its schema
    // connection, which runs without statement_timeout.
    let key = truthgraph_db::migrate::LOCK_KEY;
    admin
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .unwrap();
    let mut call = Box::pin(db.migrate(None));
    tokio::select! {
        _ = wait_for_advisory_waiters(&admin, key, 1, || false) => {}
        _ = call.as_mut() => panic!("migrate finished while the test held the migrators' lock"),
    }
    let pid: i32 = admin
        .query_one(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    drop(call);
    let dropped = Instant::now();
    let (stopped_after, (next_took, next_pid, next_timeout)) =
        tokio::join!(stopped(&admin, pid, dropped), next_borrower(&db));
    println!(
        "dropped migrate's backend {pid} stopped {stopped_after:?} after the drop; next \
         borrower ran in {next_took:?} with statement_timeout {next_timeout}"
    );
    assert_ne!(next_pid, pid);
    // The schema connection's `statement_timeout = 0` never reached the pool.
    assert_eq!(next_timeout, "30s");
    admin
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .unwrap();
    assert_eq!(db.migrate(None).await.unwrap(), Vec::<i32>::new());
}

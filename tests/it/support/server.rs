//! Time, locks and backends on the server.

/// Waits (up to 10 s) until the server's clock, in UTC as the `updated_at`
/// triggers write it, is past `t`: a transaction started after this returns
/// stamps a later `updated_at` than `t`.
pub async fn wait_for_server_clock_after(
    client: &impl tokio_postgres::GenericClient,
    t: chrono::NaiveDateTime,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        // Each statement is its own transaction, so now() moves.
        let past: bool = client
            .query_one("SELECT (now() AT TIME ZONE 'utc') > $1", &[&t])
            .await
            .unwrap()
            .get(0);
        if past {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server's clock did not pass {t}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

/// Waits (up to 60 s) until `n` sessions of the current database wait for the
/// session advisory lock `key` (`pg_advisory_lock(key)` while `client`
/// holds it): proof that they got that far and are held there together.
/// Panics when `finished()` says one of them ended first.
pub async fn wait_for_advisory_waiters(
    client: &tokio_postgres::Client,
    key: i64,
    n: i64,
    finished: impl Fn() -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert!(
            !finished(),
            "one ended without waiting for advisory lock {key:#x}, which this test holds"
        );
        // A bigint key is stored as classid (high 32 bits), objid (low 32 bits), objsubid 1.
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND classid::int8 = ($1::int8 >> 32) & 4294967295 \
                 AND objid::int8 = $1::int8 & 4294967295 AND objsubid = 1",
                &[&key],
            )
            .await
            .unwrap()
            .get(0);
        if waiting >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{waiting} of {n} sessions waited for advisory lock {key:#x} within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// One primary-and-standby pair (`testing::ReplicatedServers`) at a time,
/// across the replica and failover tests: each is two clusters, and the
/// machine is small.
pub static PAIRS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server process ids of `db`'s current connections to database
/// `dbname` as seen from `admin` (application `truthgraph-db`).
pub async fn library_backends(admin: &tokio_postgres::Client, dbname: &str) -> Vec<i32> {
    admin
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 \
             AND application_name = 'truthgraph-db' ORDER BY pid",
            &[&dbname],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Terminates the server processes `pids` of the server at `url` and waits
/// (up to 60 s each, `pg_terminate_backend(pid, 60000)`) until each is gone,
/// from another thread with a runtime of its own, while the caller's thread
/// is blocked. On the current-thread runtime of a `#[tokio::test]`, the
/// caller's connections to those processes therefore cannot notice in the
/// meantime: the pool still holds them as live, and the next calls borrow
/// connections that are dead for certain (the path the library's retry on a
/// lost connection is for). Returns how many were terminated.
pub fn terminate_while_blocked(url: &str, pids: &[i32]) -> usize {
    let (url, pids) = (url.to_string(), pids.to_vec());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let (admin, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                let mut gone = 0;
                for pid in pids {
                    let ok: bool = admin
                        .query_one("SELECT pg_terminate_backend($1, 60000)", &[&pid])
                        .await
                        .unwrap()
                        .get(0);
                    gone += usize::from(ok);
                }
                gone
            })
    })
    .join()
    .unwrap()
}

/// Counts the library's retries on another connection (its `debug` event
/// "connection lost; retrying on another") on the current thread, while the
/// guard lives. The tests run on a current-thread runtime, so every poll of
/// the library's futures sees it.
#[derive(Clone, Default)]
pub struct Retries(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Retries {
    /// Starts counting on this thread.
    pub fn count() -> (Self, tracing::subscriber::DefaultGuard) {
        use tracing_subscriber::layer::SubscriberExt;
        let r = Retries::default();
        let guard =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(r.clone()));
        (r, guard)
    }

    /// Retries seen so far.
    pub fn seen(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Retries {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" && format!("{v:?}").contains("connection lost; retrying") {
                    self.0 = true;
                }
            }
        }
        let mut m = Message(false);
        event.record(&mut m);
        if m.0 {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Polls `call` until a server process of database `dbname` whose statement
/// contains `needle` waits for a lock (held by the test); returns that
/// process's pid, with `call` still pending: its statements reached the
/// server and are running there. Panics if `call` finishes first, or after 60 s.
pub async fn poll_until_lock_wait<F: std::future::Future>(
    mut call: std::pin::Pin<&mut F>,
    admin: &tokio_postgres::Client,
    dbname: &str,
    needle: &str,
) -> i32 {
    let watch = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let row = admin
                .query_opt(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'active' \
                     AND wait_event_type = 'Lock' AND strpos(query, $2) > 0",
                    &[&dbname, &needle],
                )
                .await
                .unwrap();
            if let Some(row) = row {
                return row.get::<_, i32>(0);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no statement with {needle:?} waited for a lock within 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        pid = watch => pid,
        _ = call.as_mut() => panic!("the call finished before its statement waited for the lock"),
    }
}

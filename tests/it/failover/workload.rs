//! The failover workload: writers that insert claims, a reader of the
//! newest claim, and the log of what each call saw.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use truthgraph_db::Database;
use uuid::Uuid;

use super::TENANT;

/// An acknowledged write: when it was sent and acknowledged.
pub(super) struct Write {
    pub(super) id: Uuid,
    pub(super) sent: Instant,
    pub(super) acked: Instant,
}

/// A failed call.
pub(super) struct Failure {
    pub(super) at: Instant,
    pub(super) connection: bool,
    pub(super) what: String,
}

#[derive(Default)]
pub(super) struct Log {
    pub(super) writes: Vec<Write>,
    pub(super) write_errors: Vec<Failure>,
    pub(super) reads: Vec<Instant>,
    pub(super) read_errors: Vec<Failure>,
}

pub(super) fn failure(e: &truthgraph_db::Error) -> Failure {
    Failure {
        at: Instant::now(),
        connection: e.is_connection_error(),
        what: e.to_string(),
    }
}

/// Inserts claims until `stop`; a failed call is recorded and followed by a
/// 5 ms pause (a service's retry loop).
pub(super) async fn writer(db: Database, task: usize, stop: Arc<AtomicBool>, log: Arc<Mutex<Log>>) {
    let t = db.tenant(TENANT).unwrap();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let sent = Instant::now();
        match t
            .insert_claim(&format!("writer {task} claim {n}"), None)
            .await
        {
            Ok(c) => log.lock().unwrap().writes.push(Write {
                id: c.id,
                sent,
                acked: Instant::now(),
            }),
            Err(e) => {
                log.lock().unwrap().write_errors.push(failure(&e));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
}

/// Reads the newest claim (a replica read) until `stop`. A failed read is
/// recorded with what the standby (at `standby_url`) said just after: in
/// recovery, replayed position, ms since its last replayed commit (the lag
/// the library's check reads).
pub(super) async fn reader(
    db: Database,
    standby_url: String,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Log>>,
) {
    let t = db.tenant(TENANT).unwrap();
    while !stop.load(Ordering::SeqCst) {
        match t.recent_claims(1, None).await {
            Ok(_) => log.lock().unwrap().reads.push(Instant::now()),
            Err(e) => {
                let mut f = failure(&e);
                f.what = format!(
                    "{}; standby then: {}",
                    f.what,
                    standby_state(&standby_url).await
                );
                log.lock().unwrap().read_errors.push(f);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The standby's state as the library's lag check reads it
/// (`raw_sql::REPLICA_STATE`: in recovery, replayed position, ms since its
/// last replayed commit), as text.
pub(super) async fn standby_state(url: &str) -> String {
    let (client, conn) = match tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        Ok(c) => c,
        Err(e) => return format!("unreachable: {e}"),
    };
    tokio::spawn(conn);
    match client
        .query_one(truthgraph_db::raw_sql::REPLICA_STATE, &[])
        .await
    {
        Ok(row) => {
            let replayed: Option<tokio_postgres::types::PgLsn> = row.get(1);
            let behind_ms: Option<f64> = row.get(2);
            format!(
                "in recovery {}, replayed {replayed:?}, {behind_ms:?} ms since its last replayed commit",
                row.get::<_, bool>(0)
            )
        }
        Err(e) => format!("query failed: {e:?}"),
    }
}

/// Waits (up to 60 s) until `n` writes sent after `since` are acknowledged.
pub(super) async fn wait_for_writes(log: &Mutex<Log>, since: Instant, n: usize) {
    let started = Instant::now();
    loop {
        let done = log
            .lock()
            .unwrap()
            .writes
            .iter()
            .filter(|w| w.sent >= since)
            .count();
        if done >= n {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {done} of {n} writes acknowledged within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

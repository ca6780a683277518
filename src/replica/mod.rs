//! Read replicas: streaming standbys of the primary that serve the library's
//! single-statement reads, and the [`WalToken`] that makes a read see an
//! earlier write.
//!
//! # Routing
//! With `TRUTHGRAPH_REPLICA_URLS` set ([`Config::replica_urls`]), the
//! [`Database`] keeps one pool per replica, with the primary pool's size,
//! timeouts and startup options (the search settings read from the primary
//! at open: `truthgraph_settings` replicates, so they are the replica's too).
//! The reads of a [`crate::Tenant`] that are one statement (searches, gets,
//! lists: the calls whose docs say "a replica read", `Access::Read` in
//! `src/call/mod.rs`) take a connection from the replicas in turn (round robin),
//! and so **may be a moment behind** the primary (at most
//! [`Config::replica_max_lag`]); a read through [`crate::Tenant::after_write`]
//! sees every write committed before its token ([read-your-writes](#read-your-writes)).
//! Without replicas, every call reads the primary. Writes, migrations,
//! [`Database::client`], [`Database::transaction`],
//! [`crate::Tenant::transaction`] and the reads made in a transaction (a
//! search with per-call settings) use the primary.
//!
//! # Skipped replicas
//! A replica is skipped, and the read goes to the next one or to the
//! primary, when
//! - its pool cannot lend a connection (server down, refused login, pool
//!   exhausted for [`Config::pool_timeout`]), or a call on it loses its
//!   connection or is cancelled by a recovery conflict: it is then skipped
//!   for [`CHECK_INTERVAL`] and the call runs again elsewhere, so a caller
//!   never sees an error for a dead replica while the primary is up;
//! - it lags: at most every [`CHECK_INTERVAL`] per replica, the read that
//!   picks it asks the primary for its WAL insert position
//!   ([`crate::raw_sql::WAL_INSERT_POSITION`]) and then the replica for
//!   `pg_last_wal_replay_lsn()`; a replica that has replayed
//!   that position lags 0 ms, one that has not lags
//!   `now() - pg_last_xact_replay_timestamp()`, and past
//!   [`Config::replica_max_lag`] it is skipped until the next check (as
//!   is one that is behind but has replayed no commit since it started, whose
//!   lag is unknown);
//! - it is not in recovery (e.g. promoted, or a primary given by mistake).
//!
//! A replica that has not replayed the primary's position is also within
//! the bound when it has replayed a position the library read from the
//! primary at most [`Config::replica_max_lag`] ago: it then has every
//! write acknowledged before that moment. (Each check keeps the position
//! it read, with when it asked, for as long as the bound.) That is what
//! keeps a replica of an idle primary usable once the primary is gone:
//! its last replayed commit may be hours old.
//!
//! A read that finds the primary unreachable (it crashed, a failover is
//! under way) checks the replicas skipped on their last verdict again
//! before it fails: while there is no primary, a standby serves the reads
//! while its lag, as measured above without the primary's current
//! position, is within [`Config::replica_max_lag`]; if none does, the read
//! tries the primary once more (the promotion may have finished meanwhile)
//! and fails with its error (see docs/failover.md). A standby that has
//! replayed no commit since it started, and none of the positions the
//! library read, has no known lag: it serves no read while the primary is
//! unreachable.
//!
//! Until its first check succeeds, a replica is not used.
//!
//! # Read-your-writes
//! Default reads on a replica may be a moment behind the primary (at most
//! [`Config::replica_max_lag`], as of the last check). After a write,
//! [`Database::write_token`] gives the primary's WAL insert position, which
//! is at or past the write's commit record; a read through
//! [`crate::Tenant::after_write`] with that token uses a replica only once it has
//! replayed the position, polling it for up to [`Config::replica_wait`], and
//! reads from the primary otherwise.
//!
//! How soon a standby has a commit depends on the primary: only WAL flushed
//! there is streamed, so with `synchronous_commit = off` a commit reaches
//! standbys only when the WAL writer flushes it (`wal_writer_delay`, 200 ms
//! by default), and token reads wait that long. (A token taken when the
//! primary's last record ended exactly at a WAL page's end is that page's
//! start, which replay reaches, not the insert position past the next
//! page's header, which it would not until the primary writes again.)

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio_postgres::types::PgLsn;

#[cfg(doc)]
use crate::Database;
use crate::config::{Config, redact};
use crate::error::Result;
use crate::pool::{self, Client, Goodbyes};
use crate::raw_sql;

mod lag;
mod wal_token;

use lag::PrimarySeen;

pub use wal_token::WalToken;
pub(crate) use wal_token::wal_insert_position;

/// How long a replica's health (lag, or being down) is trusted before a read
/// checks it again.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// How often a read after a [`WalToken`] asks the replica how far it has
/// replayed while it waits.
const POLL_INTERVAL: Duration = Duration::from_millis(2);

/// What the last check of a replica found.
#[derive(Debug, Clone, Copy)]
struct Health {
    /// When it was checked (`None`: never).
    checked: Option<Instant>,
    /// Whether it may serve reads.
    usable: bool,
    /// The last replay position seen on it.
    replayed: u64,
}

/// One read replica: its pool and what is known of its health.
struct Replica {
    pool: Pool,
    url: String,
    health: Mutex<Health>,
    /// Set while one read checks the replica, so others do not pile on.
    checking: AtomicBool,
}

impl fmt::Debug for Replica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replica")
            .field("url", &redact(&self.url))
            .field("pool", &self.pool.status())
            .finish()
    }
}

/// What to do with a replica for one read, after its health was looked at.
enum Choice<'a> {
    /// Use it.
    Use,
    /// Skip it.
    Skip,
    /// Check it on the connection just borrowed; the guard ends the check
    /// even when the read is cancelled midway.
    Check(CheckGuard<'a>),
}

/// Clears [`Replica::checking`] when dropped, so a cancelled check does not
/// freeze the replica's verdict.
struct CheckGuard<'a>(&'a AtomicBool);

impl Drop for CheckGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Replica {
    /// A replica at `url` with the primary's startup `options`; connects
    /// lazily, so a replica that is down does not stop [`Database::open`].
    fn new(config: &Config, url: &str, options: &str, goodbyes: &Goodbyes) -> Result<Self> {
        let pg = pool::connection_config(url, "TRUTHGRAPH_REPLICA_URLS", config)?;
        let pg = pool::with_startup_options(pg, options);
        Ok(Replica {
            pool: pool::new_pool(pg, config, goodbyes)?,
            url: url.to_string(),
            health: Mutex::new(Health {
                checked: None,
                usable: false,
                replayed: 0,
            }),
            checking: AtomicBool::new(false),
        })
    }

    /// Whether to use, skip or check this replica now; `recheck`: check it
    /// now if its last verdict was to skip it.
    fn choice(&self, recheck: bool) -> Choice<'_> {
        let h = *self.health.lock().expect("replica health");
        if recheck && !h.usable {
            self.checking.store(true, Ordering::Release);
            return Choice::Check(CheckGuard(&self.checking));
        }
        match h.checked {
            Some(at) if at.elapsed() < CHECK_INTERVAL => match h.usable {
                true => Choice::Use,
                false => Choice::Skip,
            },
            // Stale or never checked: one read checks, the others go by
            // the last verdict.
            _ if self.checking.swap(true, Ordering::AcqRel) => match h.usable {
                true => Choice::Use,
                false => Choice::Skip,
            },
            _ => Choice::Check(CheckGuard(&self.checking)),
        }
    }

    /// Records a verdict.
    fn record(&self, usable: bool, replayed: Option<u64>) {
        let mut h = self.health.lock().expect("replica health");
        h.checked = Some(Instant::now());
        h.usable = usable;
        if let Some(r) = replayed {
            h.replayed = h.replayed.max(r);
        }
    }

    /// Marks the replica down until the next check.
    fn failed(&self, why: &dyn fmt::Display) {
        tracing::debug!(replica = %redact(&self.url), %why, "replica skipped");
        self.record(false, None);
    }

    /// Checks lag on `client`, a connection of this replica, against the
    /// primary's WAL position `primary` (when it could be read) and the
    /// positions read before (`seen`). Records and returns the verdict.
    async fn check(
        &self,
        client: &Client,
        primary: Option<WalToken>,
        seen: &PrimarySeen,
        max_lag: Duration,
    ) -> bool {
        let row = client.query_one(raw_sql::REPLICA_STATE, &[]).await;
        let (recovering, replayed, behind_ms): (bool, Option<PgLsn>, Option<f64>) = match row {
            Ok(r) => (r.get(0), r.get(1), r.get(2)),
            Err(e) => {
                self.failed(&e);
                return false;
            }
        };
        let replayed = replayed.map(u64::from);
        let caught_up = matches!((replayed, primary), (Some(r), Some(p)) if r >= p.as_u64());
        let since_seen = replayed.and_then(|r| seen.replayed_since(r));
        let lag_ok = caught_up
            || since_seen.is_some_and(|d| d <= max_lag)
            || behind_ms.is_some_and(|ms| ms <= max_lag.as_millis() as f64);
        let usable = recovering && lag_ok;
        if !usable {
            tracing::debug!(
                replica = %redact(&self.url),
                recovering, ?behind_ms, ?since_seen, "replica skipped: not a standby, or lagging"
            );
        }
        self.record(usable, replayed);
        usable
    }

    /// Waits up to `wait` until the replica (asked on `client`) has
    /// replayed `token`; false when it has not by then, or on an error.
    async fn wait_for(&self, client: &Client, token: WalToken, wait: Duration) -> bool {
        if self.health.lock().expect("replica health").replayed >= token.as_u64() {
            return true;
        }
        let started = Instant::now();
        loop {
            let replayed: Option<PgLsn> =
                match client.query_one(raw_sql::REPLAY_POSITION, &[]).await {
                    Ok(r) => r.get(0),
                    Err(_) => return false,
                };
            let replayed = replayed.map_or(0, u64::from);
            if replayed >= token.as_u64() {
                let mut h = self.health.lock().expect("replica health");
                h.replayed = h.replayed.max(replayed);
                return true;
            }
            if started.elapsed() >= wait {
                return false;
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

/// The read replicas of a [`Database`], each with its pool, and the cursor
/// of the round robin over them.
#[derive(Debug)]
pub(crate) struct Replicas {
    list: Vec<Replica>,
    next: AtomicUsize,
    seen: PrimarySeen,
}

impl Replicas {
    /// One replica per URL of [`Config::replica_urls`], whose connections
    /// start with `options` (the primary's) and whose connection tasks
    /// `goodbyes` tracks.
    ///
    /// # Errors
    /// [`Error::Config`] naming `TRUTHGRAPH_REPLICA_URLS` for a bad URL.
    pub(crate) fn new(config: &Config, options: &str, goodbyes: &Goodbyes) -> Result<Self> {
        Ok(Replicas {
            list: config
                .replica_urls
                .iter()
                .map(|u| Replica::new(config, u, options, goodbyes))
                .collect::<Result<_>>()?,
            next: AtomicUsize::new(0),
            seen: PrimarySeen::default(),
        })
    }

    /// The replicas' pools, in the order of [`Config::replica_urls`].
    pub(crate) fn pools(&self) -> impl Iterator<Item = &Pool> {
        self.list.iter().map(|r| &r.pool)
    }

    /// Marks replica `i` down until its next check (a call on it lost its
    /// connection or was cancelled by recovery).
    pub(crate) fn failed(&self, i: usize, why: &dyn fmt::Display) {
        if let Some(r) = self.list.get(i) {
            r.failed(why);
        }
    }

    /// Lends a connection for one single-statement read from the next
    /// replica (round robin) that is up, not lagging and, given `after`,
    /// has replayed that position (waiting up to [`Config::replica_wait`]);
    /// `None` when none qualifies and the read goes to `primary`, whose WAL
    /// position a lag check reads. Returns the replica's index too.
    /// `recheck`: a replica skipped on its last verdict is checked again now
    /// (the primary cannot be reached, so the read has nowhere else to go).
    pub(crate) async fn lend(
        &self,
        after: Option<WalToken>,
        config: &Config,
        primary: &Pool,
        recheck: bool,
    ) -> Option<(Client, usize)> {
        let n = self.list.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let i = (start + k) % n;
            let replica = &self.list[i];
            // A check's guard lives to the end of this turn.
            let check = match replica.choice(recheck) {
                Choice::Skip => continue,
                Choice::Use => None,
                Choice::Check(guard) => Some(guard),
            };
            let client = match replica.pool.get().await {
                Ok(c) => c,
                Err(e) => {
                    replica.failed(&e);
                    continue;
                }
            };
            if check.is_some() {
                let position = match pool::borrow(primary, config).await {
                    Ok(c) => {
                        let asked = Instant::now();
                        let p = wal_insert_position(&c).await.ok();
                        if let Some(p) = p {
                            self.seen.record(asked, p.as_u64(), config.replica_max_lag);
                        }
                        p
                    }
                    Err(_) => None,
                };
                if !replica
                    .check(&client, position, &self.seen, config.replica_max_lag)
                    .await
                {
                    continue;
                }
            }
            if let Some(token) = after
                && !replica.wait_for(&client, token, config.replica_wait).await
            {
                // Another replica is unlikely to be further ahead: read
                // from the primary rather than wait again.
                return None;
            }
            return Some((client, i));
        }
        None
    }
}

//! Closing a [`Database`]: refusing new work, waiting for calls in flight
//! up to a deadline, closing the pools, stopping an embedded server.

#[cfg(feature = "embedded")]
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Database;
use crate::pool::GOODBYE_GRACE;

/// What [`Database::close_with_deadline`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReport {
    /// How long it waited for calls in flight.
    pub waited: Duration,
    /// Connections still lent out (or callers waiting for one) at the
    /// deadline: 0 when everything finished in time; those calls go on, and
    /// their connections are closed when they come back.
    pub still_busy: usize,
}

impl Database {
    /// Whether [`Database::close`] or [`Database::close_with_deadline`] was
    /// called on this handle or a clone.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Shuts down gracefully: from now on this handle and every clone refuse
    /// new work ([`Database::client`] and every [`crate::Tenant`] call fail
    /// with [`crate::Error::Closed`]); calls that already hold a pooled connection
    /// (or wait for one) finish, for up to `deadline`; then the pool is
    /// closed: idle connections are closed at once, busy ones when they come
    /// back. A connection closes with the protocol's Terminate, after the
    /// replies it still owes are read. When no call was cut off, this waits
    /// for that too, for what is left of `deadline` (at least two seconds),
    /// so that a process may exit right after it without the server
    /// counting its sessions as abandoned. Takes `&self`, so a service can
    /// call it from its shutdown path while other tasks still use clones.
    /// Calling it again returns at once.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(db: truthgraph_db::Database) {
    /// let report = db.close_with_deadline(std::time::Duration::from_secs(5)).await;
    /// assert_eq!(report.still_busy, 0, "calls were cut off");
    /// assert!(matches!(db.client().await, Err(truthgraph_db::Error::Closed)));
    /// # }
    /// ```
    pub async fn close_with_deadline(&self, deadline: Duration) -> CloseReport {
        self.closed.store(true, Ordering::Release);
        let started = Instant::now();
        let busy = || {
            let s = self.pool.status();
            // Holders of a connection and callers waiting for one.
            s.size.saturating_sub(s.available) + s.waiting
        };
        let mut still_busy = busy();
        while still_busy > 0 && !self.pool.is_closed() && started.elapsed() < deadline {
            tokio::time::sleep(Duration::from_millis(5).min(deadline)).await;
            still_busy = busy();
        }
        self.pool.close();
        for p in self.replicas.pools() {
            p.close();
        }
        // The closed connections read what they still owe and send their
        // Terminate (`crate::pool`'s "A closed connection says goodbye").
        // Connections still lent out say it when they come back; nobody
        // waits for them.
        if still_busy == 0 {
            let left = deadline.saturating_sub(started.elapsed());
            self.goodbyes.wait(left.max(GOODBYE_GRACE)).await;
        }
        CloseReport {
            waited: started.elapsed(),
            still_busy,
        }
    }

    /// Closes the handle gracefully ([`Database::close_with_deadline`] with
    /// [`crate::Config::shutdown_timeout`]). An embedded server stops when the last
    /// clone of this handle is gone.
    pub async fn close(self) {
        let deadline = self.config.shutdown_timeout;
        self.close_with_deadline(deadline).await;
        #[cfg(feature = "embedded")]
        if let Some(server) = self.server
            && let Ok(server) = Arc::try_unwrap(server)
        {
            // `close` returns nothing: a server that did not stop cleanly is logged.
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || server.stop()).await {
                tracing::warn!("embedded PostgreSQL: {e}");
            }
        }
    }
}

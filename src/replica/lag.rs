//! What a lag check remembers of the primary: the WAL positions it read
//! lately, so that a replica's lag stays known when the primary is gone.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[cfg(doc)]
use super::CHECK_INTERVAL;
#[cfg(doc)]
use crate::Config;

/// The primary's WAL insert positions that lag checks read lately, each
/// with when it was asked for (the newest last): a replica that has
/// replayed one has every write acknowledged before that moment. Kept for
/// [`Config::replica_max_lag`] (an older one proves no lag within the
/// bound), shared by the replicas.
#[derive(Debug, Default)]
pub(super) struct PrimarySeen(Mutex<VecDeque<(Instant, u64)>>);

impl PrimarySeen {
    /// At most this many positions are kept (checks come at most every
    /// [`CHECK_INTERVAL`] per replica).
    const KEPT: usize = 64;

    /// Keeps `position`, asked for at `asked`; forgets those older than
    /// `max_lag`.
    pub(super) fn record(&self, asked: Instant, position: u64, max_lag: Duration) {
        let mut seen = self.0.lock().expect("primary positions");
        while seen
            .front()
            .is_some_and(|(at, _)| at.elapsed() > max_lag || seen.len() >= Self::KEPT)
        {
            seen.pop_front();
        }
        seen.push_back((asked, position));
    }

    /// How long ago the newest kept position at or before `replayed` was
    /// asked for (`None`: the replica has replayed none of them).
    pub(super) fn replayed_since(&self, replayed: u64) -> Option<Duration> {
        let seen = self.0.lock().expect("primary positions");
        seen.iter()
            .rev()
            .find(|(_, p)| *p <= replayed)
            .map(|(at, _)| at.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_is_as_far_behind_as_the_newest_position_it_has_replayed() {
        let seen = PrimarySeen::default();
        let bound = Duration::from_secs(60);
        let long_ago = Instant::now() - Duration::from_secs(3);
        seen.record(long_ago, 100, bound);
        seen.record(Instant::now(), 200, bound);
        assert_eq!(seen.replayed_since(99), None, "replayed none");
        let since = seen.replayed_since(150).unwrap();
        assert!(since >= Duration::from_secs(3), "{since:?}");
        assert!(seen.replayed_since(200).unwrap() < Duration::from_secs(3));
    }

    #[test]
    fn positions_older_than_the_bound_are_forgotten_and_at_most_kept_stay() {
        let seen = PrimarySeen::default();
        let bound = Duration::from_secs(1);
        seen.record(Instant::now() - Duration::from_secs(5), 100, bound);
        seen.record(Instant::now(), 200, bound);
        assert_eq!(seen.replayed_since(150), None, "kept past the bound");
        for p in 0..2 * PrimarySeen::KEPT as u64 {
            seen.record(Instant::now(), 300 + p, bound);
        }
        assert_eq!(seen.0.lock().unwrap().len(), PrimarySeen::KEPT);
    }
}

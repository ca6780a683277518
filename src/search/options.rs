//! The options of a search: how many rows, filters, the similarity floor,
//! per-call index settings, exact mode, a deadline, and the weights of a
//! hybrid search; each checked field by field.

use std::time::Duration;

use crate::error::{Error, Result};
#[cfg(doc)]
use crate::tenant::Tenant;
use crate::validate;

/// Default number of candidates each side of a hybrid search contributes.
pub const DEFAULT_HYBRID_CANDIDATES: usize = 60;

/// Options of [`Tenant::search_evidence`] and [`Tenant::search_claims`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Rows to return, 1..=1000 (default 10).
    pub k: usize,
    /// Only evidence with this `source_type` (evidence search only).
    pub source_type: Option<String>,
    /// Drop hits whose cosine similarity is below this, in [-1, 1].
    pub min_similarity: Option<f64>,
    /// `ivfflat.probes` for this call, 1..=32768, instead of the connection's
    /// default (costs a transaction around the call).
    pub probes: Option<u32>,
    /// `hnsw.ef_search` for this call, 1..=1000, instead of the connection's
    /// default (costs a transaction around the call).
    pub ef_search: Option<u32>,
    /// Compare against every row instead of using the index (slow, exact).
    pub exact: bool,
    /// The most the call may take, waiting for a connection included
    /// (1 ms ..= 1 h); past it the call returns [`Error::Timeout`] and its
    /// statement is cancelled on the server. `None`: no deadline of its own
    /// (the pool's wait and the server's `statement_timeout` still apply).
    pub deadline: Option<Duration>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            k: 10,
            source_type: None,
            min_similarity: None,
            probes: None,
            ef_search: None,
            exact: false,
            deadline: None,
        }
    }
}

impl SearchOptions {
    /// The default options with `k` rows.
    pub fn top(k: usize) -> Self {
        SearchOptions {
            k,
            ..Self::default()
        }
    }

    /// The same options with a per-call [`SearchOptions::deadline`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let opts = truthgraph_db::SearchOptions::top(10).with_deadline(Duration::from_millis(250));
    /// assert_eq!(opts.deadline, Some(Duration::from_millis(250)));
    /// ```
    pub fn with_deadline(self, deadline: Duration) -> Self {
        SearchOptions {
            deadline: Some(deadline),
            ..self
        }
    }

    /// Checks every field; errors name the field.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::k(self.k)?;
        validate_overrides(self.probes, self.ef_search, self.deadline)?;
        if let Some(m) = self.min_similarity {
            validate::similarity("min_similarity", m)?;
        }
        validate::filter("source_type", self.source_type.as_deref())
    }
}

/// Options of [`Tenant::hybrid_search`].
#[derive(Debug, Clone, PartialEq)]
pub struct HybridOptions {
    /// Rows to return, 1..=1000 (default 10).
    pub k: usize,
    /// Rows each side (full text, vector) contributes before fusion, 1..=1000
    /// (default 60); the result has at most `2 × candidates` rows.
    pub candidates: usize,
    /// Weight of the vector rank in the fused score (default 1).
    pub vector_weight: f64,
    /// Weight of the full-text rank in the fused score (default 1).
    pub keyword_weight: f64,
    /// `ivfflat.probes` for this call instead of the connection's default.
    pub probes: Option<u32>,
    /// `hnsw.ef_search` for this call instead of the connection's default.
    pub ef_search: Option<u32>,
    /// The most the call may take, as [`SearchOptions::deadline`].
    pub deadline: Option<Duration>,
}

impl Default for HybridOptions {
    fn default() -> Self {
        HybridOptions {
            k: 10,
            candidates: DEFAULT_HYBRID_CANDIDATES,
            vector_weight: 1.0,
            keyword_weight: 1.0,
            probes: None,
            ef_search: None,
            deadline: None,
        }
    }
}

impl HybridOptions {
    /// The same options with a per-call [`HybridOptions::deadline`].
    pub fn with_deadline(self, deadline: Duration) -> Self {
        HybridOptions {
            deadline: Some(deadline),
            ..self
        }
    }

    /// Checks every field; errors name the field.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::k(self.k)?;
        validate::candidates(self.candidates)?;
        validate::weight("vector_weight", self.vector_weight)?;
        validate::weight("keyword_weight", self.keyword_weight)?;
        if self.vector_weight == 0.0 && self.keyword_weight == 0.0 {
            return Err(Error::invalid("vector_weight", "both weights are 0"));
        }
        validate_overrides(self.probes, self.ef_search, self.deadline)
    }
}

fn validate_overrides(
    probes: Option<u32>,
    ef_search: Option<u32>,
    deadline: Option<Duration>,
) -> Result<()> {
    if let Some(p) = probes {
        validate::probes(p)?;
    }
    if let Some(e) = ef_search {
        validate::ef_search(e)?;
    }
    if let Some(d) = deadline {
        validate::deadline(d)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        e.field()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("expected InvalidInput, got {e}"))
    }

    #[test]
    fn options_are_checked_field_by_field() {
        SearchOptions::default().validate().unwrap();
        let field = |o: SearchOptions| field_of(o.validate().unwrap_err());
        assert_eq!(field(SearchOptions::top(0)), "k");
        assert_eq!(field(SearchOptions::top(1001)), "k");
        assert_eq!(
            field(SearchOptions {
                min_similarity: Some(1.5),
                ..Default::default()
            }),
            "min_similarity"
        );
        assert_eq!(
            field(SearchOptions {
                probes: Some(0),
                ..Default::default()
            }),
            "probes"
        );
        assert_eq!(
            field(SearchOptions {
                ef_search: Some(5000),
                ..Default::default()
            }),
            "ef_search"
        );
        assert_eq!(
            field(SearchOptions {
                source_type: Some(String::new()),
                ..Default::default()
            }),
            "source_type"
        );
        assert_eq!(
            field(SearchOptions::top(3).with_deadline(Duration::ZERO)),
            "deadline"
        );
        assert_eq!(
            field(SearchOptions::top(3).with_deadline(Duration::from_secs(7200))),
            "deadline"
        );
        SearchOptions::top(3)
            .with_deadline(Duration::from_millis(1))
            .validate()
            .unwrap();
        HybridOptions::default().validate().unwrap();
        let hybrid = |o: HybridOptions| field_of(o.validate().unwrap_err());
        assert_eq!(
            hybrid(HybridOptions {
                vector_weight: 0.0,
                keyword_weight: 0.0,
                ..Default::default()
            }),
            "vector_weight"
        );
        assert_eq!(
            hybrid(HybridOptions {
                candidates: 0,
                ..Default::default()
            }),
            "candidates"
        );
        assert_eq!(
            hybrid(HybridOptions {
                keyword_weight: -1.0,
                ..Default::default()
            }),
            "keyword_weight"
        );
        assert_eq!(
            hybrid(HybridOptions::default().with_deadline(Duration::from_micros(10))),
            "deadline"
        );
    }
}

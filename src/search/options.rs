//! The options of a search: how many rows, filters, the similarity floor,
//! per-call index settings, exact mode, and the weights of a hybrid search;
//! each checked field by field.

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

    /// Checks every field; errors name the field.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate::k(self.k)?;
        validate_overrides(self.probes, self.ef_search)?;
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
        }
    }
}

impl HybridOptions {
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
        validate_overrides(self.probes, self.ef_search)
    }
}

fn validate_overrides(probes: Option<u32>, ef_search: Option<u32>) -> Result<()> {
    if let Some(p) = probes {
        validate::probes(p)?;
    }
    if let Some(e) = ef_search {
        validate::ef_search(e)?;
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
    }
}

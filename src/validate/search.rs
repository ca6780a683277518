//! Search options: `k`, the index settings a call may override, the
//! similarity floor, fusion weights, filters and the text of a hybrid search.

use super::{storable, text};
use crate::error::{Error, Result};

/// Largest `k` a search accepts (and the most candidates a hybrid side gives).
pub const MAX_K: usize = 1000;

/// Characters of a hybrid search's `text`: 1024.
///
/// The text becomes `websearch_to_tsquery('english', text)`, and the keyword
/// side ranks every matching row of the tenant with `ts_rank_cd` before it
/// keeps the best `candidates`. Parsing grows with the text until the server
/// fails ("stack depth limit exceeded" from about 130 KB), and ranking costs
/// per matching row per query term. 1024 characters holds any claim or
/// question a caller would search for, parses a hundred times below the
/// stack failure, and bounds the ranking cost per matching row; it still
/// grows with the rows that match. Figures: BENCHMARKS.md, "Figures behind
/// the library's limits".
pub const MAX_QUERY_TEXT_CHARS: usize = 1024;

/// The text of a hybrid search: not blank, storable, at most
/// [`MAX_QUERY_TEXT_CHARS`] characters.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn query_text(field: &str, value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars > MAX_QUERY_TEXT_CHARS {
        return Err(Error::invalid(
            field,
            format!("has {chars} characters; a search text has at most {MAX_QUERY_TEXT_CHARS}"),
        ));
    }
    text(field, value)
}

/// Rows to return from a search: 1..=[`MAX_K`].
///
/// # Errors
/// [`Error::InvalidInput`] naming `k`.
pub fn k(k: usize) -> Result<()> {
    if (1..=MAX_K).contains(&k) {
        Ok(())
    } else {
        Err(Error::invalid("k", format!("{k} is outside 1..={MAX_K}")))
    }
}

/// `ivfflat.probes`: 1..=32768 (pgvector's range).
///
/// # Errors
/// [`Error::InvalidInput`] naming `probes`.
pub fn probes(probes: u32) -> Result<()> {
    if (1..=32768).contains(&probes) {
        Ok(())
    } else {
        Err(Error::invalid(
            "probes",
            format!("{probes} is outside 1..=32768"),
        ))
    }
}

/// `hnsw.ef_search`: 1..=1000 (pgvector's range).
///
/// # Errors
/// [`Error::InvalidInput`] naming `ef_search`.
pub fn ef_search(ef_search: u32) -> Result<()> {
    if (1..=1000).contains(&ef_search) {
        Ok(())
    } else {
        Err(Error::invalid(
            "ef_search",
            format!("{ef_search} is outside 1..=1000"),
        ))
    }
}

/// A similarity threshold: finite and within [-1, 1].
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn similarity(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && (-1.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is outside [-1, 1]")))
    }
}

/// A fusion weight: finite and not negative.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn weight(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{value} is not a finite weight >= 0"),
        ))
    }
}

/// An optional filter text: `None` (any) or not empty, and [`storable`].
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn filter(field: &str, value: Option<&str>) -> Result<()> {
    if value.is_some_and(str::is_empty) {
        Err(Error::invalid(field, "is empty (use None for any)"))
    } else {
        storable(field, value)
    }
}

/// Candidates per side of a hybrid search: 1..=[`MAX_K`].
///
/// # Errors
/// [`Error::InvalidInput`] naming `candidates`.
pub fn candidates(n: usize) -> Result<()> {
    if (1..=MAX_K).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid(
            "candidates",
            format!("{n} is outside 1..={MAX_K}"),
        ))
    }
}

/// Longest [`deadline`] a search accepts: an hour.
pub const MAX_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3600);

/// A search's per-call deadline: at least 1 ms (the timer's resolution), at
/// most [`MAX_DEADLINE`].
///
/// # Errors
/// [`Error::InvalidInput`] naming `deadline`.
pub fn deadline(deadline: std::time::Duration) -> Result<()> {
    if deadline < std::time::Duration::from_millis(1) {
        Err(Error::invalid(
            "deadline",
            format!("{deadline:?} is less than 1 ms"),
        ))
    } else if deadline > MAX_DEADLINE {
        Err(Error::invalid(
            "deadline",
            format!("{deadline:?} is more than an hour"),
        ))
    } else {
        Ok(())
    }
}

//! Every check on caller input, before anything is sent: tenants, texts,
//! scores, counts, page sizes, vectors, search options, and the rows of
//! batches. Errors are [`Error::InvalidInput`] naming the field as the caller
//! knows it (`results[3].confidence`, `rows[37].embedding`, `k`).

//!
//! Only plain values come in here, so this module depends on nothing but the
//! error type; each input type's `validate()` (beside the type) lists which
//! check applies to which of its fields.

use crate::error::{Error, Result};

/// Largest page size of the list methods (`limit`).
pub const MAX_LIMIT: i64 = 1000;

/// Largest `k` a search accepts (and the most candidates a hybrid side gives).
pub const MAX_K: usize = 1000;

/// A tenant id: not blank, at most 255 bytes (`varchar(255)`).
pub fn tenant(tenant: &str) -> Result<()> {
    if tenant.trim().is_empty() {
        return Err(Error::invalid("tenant_id", "is empty"));
    }
    if tenant.len() > 255 {
        return Err(Error::invalid("tenant_id", "is longer than 255 bytes"));
    }
    Ok(())
}

/// A probability: finite and within [0, 1].
pub fn score(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is outside [0, 1]")))
    }
}

/// A text that must say something: not blank.
pub fn text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "is empty"))
    } else {
        Ok(())
    }
}

/// An optional text stored in a `varchar(max)` column: at most `max`
/// characters (PostgreSQL counts characters, not bytes).
pub fn max_chars(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    match value {
        Some(v) if v.chars().count() > max => Err(Error::invalid(
            field,
            format!("has {} characters; at most {max} fit", v.chars().count()),
        )),
        _ => Ok(()),
    }
}

/// No two rows of a batch share a key: the second of a pair is named
/// (`prefix[j].field`, "is the same as `prefix[i]`").
pub fn distinct<K: Eq + std::hash::Hash>(
    prefix: &str,
    field: &str,
    keys: impl IntoIterator<Item = K>,
) -> Result<()> {
    let mut seen = std::collections::HashMap::new();
    for (j, key) in keys.into_iter().enumerate() {
        if let Some(i) = seen.insert(key, j) {
            return Err(Error::invalid(
                name(Some(j), prefix, field),
                format!("is the same as {prefix}[{i}]; a batch names each key once"),
            ));
        }
    }
    Ok(())
}

/// A page size: 1..=[`MAX_LIMIT`].
pub fn limit(limit: i64) -> Result<()> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(Error::invalid(
            "limit",
            format!("{limit} is outside 1..={MAX_LIMIT}"),
        ))
    }
}

/// A count: not negative.
pub fn count(field: &str, value: i32) -> Result<()> {
    if value >= 0 {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is negative")))
    }
}

/// A vector to store in or search against a column of `dimension`
/// dimensions with cosine distance.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `v` is empty, has another
/// length than `dimension`, has a NaN or infinite component, or is all zeros
/// (cosine similarity is undefined for a zero vector).
pub fn vector(field: &str, v: &[f32], dimension: usize) -> Result<()> {
    if v.is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    if v.len() != dimension {
        return Err(Error::invalid(
            field,
            format!(
                "has {} dimensions, but embeddings.embedding has {dimension}",
                v.len()
            ),
        ));
    }
    if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(Error::invalid(
            field,
            format!("component {i} is {x}; only finite values are allowed"),
        ));
    }
    if v.iter().all(|x| *x == 0.0) {
        return Err(Error::invalid(
            field,
            "is all zeros; cosine similarity is undefined for it",
        ));
    }
    Ok(())
}

/// Rows to return from a search: 1..=[`MAX_K`].
pub fn k(k: usize) -> Result<()> {
    if (1..=MAX_K).contains(&k) {
        Ok(())
    } else {
        Err(Error::invalid("k", format!("{k} is outside 1..={MAX_K}")))
    }
}

/// `ivfflat.probes`: 1..=32768 (pgvector's range).
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

/// `field`, or `prefix[i].field` for row `i` of a batch.
pub fn name(index: Option<usize>, prefix: &str, field: &str) -> String {
    match index {
        Some(i) => format!("{prefix}[{i}].{field}"),
        None => field.to_string(),
    }
}

/// A similarity threshold: finite and within [-1, 1].
pub fn similarity(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && (-1.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is outside [-1, 1]")))
    }
}

/// A fusion weight: finite and not negative.
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

/// An optional filter text: `None` (any) or not empty.
pub fn filter(field: &str, value: Option<&str>) -> Result<()> {
    if value.is_some_and(str::is_empty) {
        Err(Error::invalid(field, "is empty (use None for any)"))
    } else {
        Ok(())
    }
}

/// Candidates per side of a hybrid search: 1..=[`MAX_K`].
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

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        e.field()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("expected InvalidInput, got {e}"))
    }

    #[test]
    fn rejects_vectors_that_cannot_be_searched() {
        assert_eq!(field_of(vector("query", &[], 3).unwrap_err()), "query");
        assert!(
            vector("query", &[1.0, 2.0], 3)
                .unwrap_err()
                .to_string()
                .contains("2 dimensions")
        );
        assert!(
            vector("q", &[1.0, f32::NAN, 0.0], 3)
                .unwrap_err()
                .to_string()
                .contains("component 1")
        );
        assert!(vector("q", &[f32::INFINITY, 1.0, 0.0], 3).is_err());
        assert!(
            vector("q", &[0.0; 3], 3)
                .unwrap_err()
                .to_string()
                .contains("zeros")
        );
        vector("q", &[0.0, 1.0, -2.5], 3).unwrap();
    }

    #[test]
    fn scores_and_tenants_are_checked() {
        assert!(score("confidence", 1.0).is_ok());
        assert!(score("confidence", 1.01).is_err());
        assert!(score("confidence", f64::NAN).is_err());
        assert!(tenant("").is_err());
        assert!(tenant(" ").is_err());
        assert!(tenant(&"x".repeat(256)).is_err());
        assert_eq!(field_of(limit(0).unwrap_err()), "limit");
        assert!(max_chars("s", Some("ééé"), 3).is_ok());
        assert_eq!(field_of(max_chars("s", Some("abcd"), 3).unwrap_err()), "s");
        assert!(max_chars("s", None, 0).is_ok());
        assert_eq!(
            field_of(distinct("rows", "id", [1, 2, 1]).unwrap_err()),
            "rows[2].id"
        );
        assert!(distinct("rows", "id", [1, 2, 3]).is_ok());
        assert_eq!(
            field_of(count("evidence_count", -1).unwrap_err()),
            "evidence_count"
        );
    }
}

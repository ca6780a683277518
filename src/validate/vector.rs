//! Vectors: the checks on a vector to store or to search with.

use crate::error::{Error, Result};

/// Smallest L2 norm of a stored or query vector: 2^-50 (about 8.9e-16).
/// See [`vector`] for why.
pub const MIN_VECTOR_NORM: f64 = 1.0 / (1u64 << 50) as f64;

/// Largest L2 norm of a stored or query vector: 2^50 (about 1.1e15).
/// See [`vector`] for why.
pub const MAX_VECTOR_NORM: f64 = (1u64 << 50) as f64;

/// A vector to store in or search against a column of `dimension`
/// dimensions with cosine distance: every component finite, and its L2 norm
/// within [[`MIN_VECTOR_NORM`], [`MAX_VECTOR_NORM`]] = [2^-50, 2^50]
/// (about 8.9e-16 to 1.1e15), so that its cosine similarity with any other
/// accepted vector comes out finite and accurate.
///
/// Why these bounds: pgvector (`cosine_distance` in `src/vector.c`) sums the
/// dot product `a·b` and both squared norms `|a|²`, `|b|²` in `float` (f32)
/// accumulators, then takes `a·b / sqrt(|a|²·|b|²)` in double, clamped to
/// [-1, 1]. When every component is below about 2^-75 (e.g. 1e-23
/// everywhere) each square underflows to 0 in f32, the denominator is 0 and
/// the similarity comes out ±1 (NaN against a zero dot product): the vector
/// "matches" every query perfectly and ranks first. When a component is above
/// about 2^64 (e.g. 3e38), its square overflows f32 (max about 2^128) and the
/// similarity is NaN. With both norms at most 2^50, `|a|²` and `|b|²` are at
/// most 2^100, and by Cauchy–Schwarz so is `|a·b|`; f32 rounding over at most
/// 16,000 terms adds under 0.1 %, so no sum comes within 2^27 of overflow.
/// With both norms at least 2^-50, `|a|²` is at least 2^-100, 2^26 above f32's
/// smallest normal number, and the components too small to square in f32
/// (below 2^-75) change it by at most 16,000 · 2^-150 < 2^-135 (relative
/// 2^-35): the similarity is as accurate as for unit vectors. Embeddings
/// (unit norm, or components of order 1) sit about 2^50 inside either
/// bound. The norm is computed here in f64, where squaring an f32 is exact.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `v` is empty, has another
/// length than `dimension`, has a NaN or infinite component, is all zeros
/// (cosine similarity is undefined for a zero vector), or has a norm outside
/// the bounds above.
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
    let squared: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    let bounds = MIN_VECTOR_NORM * MIN_VECTOR_NORM..=MAX_VECTOR_NORM * MAX_VECTOR_NORM;
    if !bounds.contains(&squared) {
        return Err(Error::invalid(
            field,
            format!(
                "has L2 norm {:e}, outside [2^-50, 2^50] (about 8.9e-16..1.1e15), where \
                 pgvector's float4 cosine similarity is finite for any pair of vectors (too \
                 small underflows to ±1 against every query, too large overflows to NaN); \
                 scale it, e.g. to norm 1",
                squared.sqrt()
            ),
        ));
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
    fn vector_norms_stay_where_float4_cosine_is_finite() {
        let norm_err = |v: &[f32]| {
            let e = vector("rows[3].embedding", v, v.len()).unwrap_err();
            assert!(e.to_string().contains("L2 norm"), "{e}");
            field_of(e)
        };
        // The cases of the issue: squares underflow, squares overflow.
        assert_eq!(norm_err(&[1e-23; 1536]), "rows[3].embedding");
        assert_eq!(norm_err(&[3e38; 4]), "rows[3].embedding");
        // Exactly at the bounds: accepted; one step outside: refused.
        let lo = MIN_VECTOR_NORM as f32;
        let hi = MAX_VECTOR_NORM as f32;
        vector("q", &[lo, 0.0], 2).unwrap();
        vector("q", &[0.0, -hi], 2).unwrap();
        norm_err(&[lo.next_down(), 0.0]);
        norm_err(&[hi.next_up(), 0.0]);
        // The norm counts, not one component: many small components add up,
        // a subnormal component beside normal ones is fine.
        vector("q", &[lo / 2.0; 4], 4).unwrap();
        vector("q", &[f32::MIN_POSITIVE / 8.0, 1.0], 2).unwrap();
        norm_err(&[hi, hi]);
    }
}

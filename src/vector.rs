//! Vector validation: every vector is checked here before anything is sent.

use pgvector::Vector;

use crate::error::{Error, Result};

/// Checks that `v` can be stored in or searched against a column of
/// `dimension` dimensions with cosine distance.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `v` is empty, has another
/// length than `dimension`, has a NaN or infinite component, or is all zeros
/// (cosine similarity is undefined for a zero vector).
pub fn validate(field: &str, v: &[f32], dimension: usize) -> Result<()> {
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

/// [`validate`] for a [`pgvector::Vector`].
pub fn validate_vector(field: &str, v: &Vector, dimension: usize) -> Result<()> {
    validate(field, v.as_slice(), dimension)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other}"),
        }
    }

    #[test]
    fn rejects_what_cannot_be_searched() {
        assert_eq!(field_of(validate("query", &[], 3).unwrap_err()), "query");
        assert!(
            validate("query", &[1.0, 2.0], 3)
                .unwrap_err()
                .to_string()
                .contains("2 dimensions")
        );
        assert!(
            validate("q", &[1.0, f32::NAN, 0.0], 3)
                .unwrap_err()
                .to_string()
                .contains("component 1")
        );
        assert!(validate("q", &[f32::INFINITY, 1.0, 0.0], 3).is_err());
        assert!(
            validate("q", &[0.0; 3], 3)
                .unwrap_err()
                .to_string()
                .contains("zeros")
        );
        validate("q", &[0.0, 1.0, -2.5], 3).unwrap();
    }
}

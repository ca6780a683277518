//! Every check on caller input, before anything is sent: tenants, texts,
//! scores, counts, page sizes, vectors, search options, and the rows of
//! batches. Errors are [`Error::InvalidInput`] naming the field as the caller
//! knows it (`results[3].confidence`, `rows[37].embedding`, `k`).

//!
//! Only plain values come in here, so this module depends on nothing but the
//! error type; each input type's `validate()` (beside the type) lists which
//! check applies to which of its fields.

use crate::error::{Error, Result};

mod search;
mod vector;

pub use search::{
    MAX_DEADLINE, MAX_K, MAX_QUERY_TEXT_CHARS, candidates, deadline, ef_search, filter, k, probes,
    query_text, similarity, weight,
};
pub use vector::{MAX_VECTOR_NORM, MIN_VECTOR_NORM, vector};

/// Largest page size of the list methods (`limit`).
pub const MAX_LIMIT: i64 = 1000;

/// Characters `embeddings.model_name` and `nli_results.model_name` hold
/// (`varchar(100)`).
pub const MODEL_NAME_MAX_CHARS: usize = 100;

/// Characters `model_version` (embeddings, NLI) and
/// `verification_results.pipeline_version` hold (`varchar(50)`).
pub const VERSION_MAX_CHARS: usize = 50;

/// Bytes (UTF-8) of evidence `content`: 256 KiB.
///
/// `evidence.content_tsv` is `to_tsvector('english', content)`, and a
/// tsvector holds at most 1,048,575 bytes of distinct lexemes: above that
/// PostgreSQL refuses the row (SQLSTATE 54000, "string is too long for
/// tsvector", naming no row). Lexemes can be longer than the text they come
/// from: a hyphenated word gives the whole word and each part
/// (`foo-bar` → `foo-bar`, `foo`, `bar`: about 2×), and lower-casing can grow
/// a character from 2 to 3 bytes (`Ⱥ` → `ⱥ`: 1.5×): at most about 3 lexeme
/// bytes per content byte, so 256 KiB gives at most 786,432 bytes of
/// lexemes, a quarter below the server's limit. English prose repeats its
/// words, so its tsvector is far smaller than its text. Figures:
/// BENCHMARKS.md, "Figures behind the library's limits".
pub const MAX_CONTENT_BYTES: usize = 256 * 1024;

/// A tenant id: not blank, at most 255 bytes (`varchar(255)`), no NUL
/// character.
///
/// # Errors
/// [`Error::InvalidInput`] naming `tenant_id`.
pub fn tenant(tenant: &str) -> Result<()> {
    if tenant.trim().is_empty() {
        return Err(Error::invalid("tenant_id", "is empty"));
    }
    if tenant.len() > 255 {
        return Err(Error::invalid("tenant_id", "is longer than 255 bytes"));
    }
    storable("tenant_id", tenant)
}

/// A probability: finite and within [0, 1].
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn score(field: &str, value: f64) -> Result<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is outside [0, 1]")))
    }
}

/// A text PostgreSQL can store (`None` passes): no NUL character.
///
/// PostgreSQL's `text` and `varchar` cannot hold U+0000 and refuse it with
/// SQLSTATE 22021 ("invalid byte sequence for encoding \"UTF8\": 0x00"),
/// which names no field or row; this names `field`. Every text a write
/// method sends goes through here (or [`text`], [`max_chars`]).
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`, with the byte offset of the first NUL.
pub fn storable<'a>(field: &str, value: impl Into<Option<&'a str>>) -> Result<()> {
    match value.into().and_then(|v| v.find('\0')) {
        Some(at) => Err(Error::invalid(
            field,
            format!("has a NUL character (byte {at}); PostgreSQL cannot store it in text"),
        )),
        None => Ok(()),
    }
}

/// A text that must say something: not blank, and [`storable`].
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    storable(field, value)
}

/// An optional text stored in a `varchar(max)` column: at most `max`
/// characters (PostgreSQL counts characters, not bytes), and [`storable`].
///
/// PostgreSQL would refuse a longer one with SQLSTATE 22001 ("value too long
/// for type character varying(100)"), naming no field or row.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn max_chars<'a>(field: &str, value: impl Into<Option<&'a str>>, max: usize) -> Result<()> {
    let value = value.into();
    match value {
        Some(v) if v.chars().count() > max => Err(Error::invalid(
            field,
            format!("has {} characters; at most {max} fit", v.chars().count()),
        )),
        _ => storable(field, value),
    }
}

/// A model name (`varchar(100)`): not blank, at most
/// [`MODEL_NAME_MAX_CHARS`] characters, storable.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn model_name(field: &str, value: &str) -> Result<()> {
    text(field, value)?;
    max_chars(field, value, MODEL_NAME_MAX_CHARS)
}

/// A model or pipeline version (`varchar(50)`): `None`, or at most
/// [`VERSION_MAX_CHARS`] characters, storable.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn version(field: &str, value: Option<&str>) -> Result<()> {
    max_chars(field, value, VERSION_MAX_CHARS)
}

/// Evidence content: not blank, storable, at most [`MAX_CONTENT_BYTES`]
/// bytes, so that its tsvector always fits.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn content(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_CONTENT_BYTES {
        return Err(Error::invalid(
            field,
            format!(
                "has {} bytes; at most {MAX_CONTENT_BYTES} (256 KiB) are accepted, so that its \
                 full-text vector fits PostgreSQL's 1 MB tsvector limit: split it into passages",
                value.len()
            ),
        ));
    }
    text(field, value)
}

/// No two rows of a batch share a key: the second of a pair is named
/// (`prefix[j].field`, "is the same as `prefix[i]`").
///
/// # Errors
/// [`Error::InvalidInput`] naming `prefix[j].field` of the second row.
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
///
/// # Errors
/// [`Error::InvalidInput`] naming `limit`.
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
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn count(field: &str, value: i32) -> Result<()> {
    if value >= 0 {
        Ok(())
    } else {
        Err(Error::invalid(field, format!("{value} is negative")))
    }
}

/// `field`, or `prefix[i].field` for row `i` of a batch.
pub fn name(index: Option<usize>, prefix: &str, field: &str) -> String {
    match index {
        Some(i) => format!("{prefix}[{i}].{field}"),
        None => field.to_string(),
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
    fn texts_are_storable_and_fit_their_columns() {
        assert_eq!(field_of(text("content", "a\0b").unwrap_err()), "content");
        assert!(
            storable("x", "ab\0")
                .unwrap_err()
                .to_string()
                .contains("byte 2")
        );
        storable("x", None).unwrap();
        storable("x", "ünïcødé ✓").unwrap();
        assert_eq!(
            field_of(max_chars("rows[1].source_type", Some("\0"), 50).unwrap_err()),
            "rows[1].source_type"
        );
        assert_eq!(field_of(tenant("a\0").unwrap_err()), "tenant_id");
        tenant(&"é".repeat(127)).unwrap();
        assert!(tenant(&"é".repeat(128)).is_err());
        model_name("m", &"é".repeat(MODEL_NAME_MAX_CHARS)).unwrap();
        assert_eq!(
            field_of(model_name("rows[500].model_name", &"m".repeat(101)).unwrap_err()),
            "rows[500].model_name"
        );
        version("v", Some(&"v".repeat(VERSION_MAX_CHARS))).unwrap();
        assert!(version("v", Some(&"v".repeat(VERSION_MAX_CHARS + 1))).is_err());
        content("content", &"a".repeat(MAX_CONTENT_BYTES)).unwrap();
        assert!(content("content", &"a".repeat(MAX_CONTENT_BYTES + 1)).is_err());
        query_text("text", &"é".repeat(MAX_QUERY_TEXT_CHARS)).unwrap();
        assert_eq!(
            field_of(query_text("text", &"a".repeat(MAX_QUERY_TEXT_CHARS + 1)).unwrap_err()),
            "text"
        );
        assert!(filter("source_type", Some("a\0")).is_err());
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

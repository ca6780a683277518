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
/// a character from 2 to 3 bytes (`Ⱥ` → `ⱥ`: 1.5×). Measured on PostgreSQL 15
/// (C.UTF-8), lexeme bytes per content byte: 0.83 for distinct plain words,
/// 1.7–1.8 for hyphenated words, 1.9 for URLs (url + host + path), 2.5–2.6
/// for hyphenated upper-case `Ⱥ`-words, tending to 3 as their parts grow. At
/// 3× the limit gives 786,432 bytes of lexemes, a quarter below the server's;
/// `to_tsvector` of 256 KiB of that worst text took 30–80 ms. English prose
/// repeats its words, so its tsvector is far smaller than its text.
pub const MAX_CONTENT_BYTES: usize = 256 * 1024;

/// Characters of a hybrid search's `text`: 1024.
///
/// The text becomes `websearch_to_tsquery('english', text)`, and the keyword
/// side ranks every matching row of the tenant with `ts_rank_cd` before it
/// keeps the best `candidates`. Measured on PostgreSQL 15 on this project's
/// 2-core machine (busy):
/// - parsing: 1–5 ms at 4 KB of random words, 4–10 ms at 16 KB, 30–115 ms at
///   64 KB (plain words, `or` chains, quoted phrases and `-` negations
///   alike); from about 130–160 KB the server fails with "stack depth limit
///   exceeded" (`max_stack_depth` 2 MB) after 0.2–0.6 s;
/// - ranking, the larger cost: per matching row about 3 µs per query term
///   for an all-`or` text (every row matches): 18 µs at 128 characters,
///   45 µs at 256, 130 µs at 512, 0.3 ms at 1024, 0.7 ms at 2048, 1.6 ms at
///   4096 (2,000 matching passages of 80 words: 0.04, 0.09, 0.26, 0.6, 1.4
///   and 3.3 s). A text of plain words is an AND of all of them and matches
///   few rows, so it stays cheap at any length.
///
/// 1024 characters holds any claim or question a caller would search for,
/// parses in about 2 ms, 100 times below the stack failure, and keeps the
/// worst ranking cost per matching row at a fifth of 4096 characters'. The
/// ranking still grows with the rows that match: a short `or` text matching
/// 100,000 rows costs seconds too.
pub const MAX_QUERY_TEXT_CHARS: usize = 1024;

/// Smallest L2 norm of a stored or query vector: 2^-50 (about 8.9e-16).
/// See [`vector`] for why.
pub const MIN_VECTOR_NORM: f64 = 1.0 / (1u64 << 50) as f64;

/// Largest L2 norm of a stored or query vector: 2^50 (about 1.1e15).
/// See [`vector`] for why.
pub const MAX_VECTOR_NORM: f64 = (1u64 << 50) as f64;

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

/// `field`, or `prefix[i].field` for row `i` of a batch.
pub fn name(index: Option<usize>, prefix: &str, field: &str) -> String {
    match index {
        Some(i) => format!("{prefix}[{i}].{field}"),
        None => field.to_string(),
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

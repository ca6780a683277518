//! What the database says about itself (`queries/catalog.sql`): the embedding
//! dimension, vector indexes, server versions, row counts; plus identifier
//! quoting and error-message helpers. It imports only the error type: the
//! database handle and the migrations build on it, never the other way.

use std::collections::BTreeSet;

use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::catalog;

use crate::error::{Result, catalog_changed};

pub use truthgraph_queries::queries::catalog::{
    EmbeddingColumn, ServerInfo, TableRows, VectorIndex,
};

/// How often a catalog read runs again after another session's DDL changed
/// the catalog under it ([`reread`]).
const REREADS: u32 = 10;

/// Runs `read`, one read-only catalog statement, again when another
/// session's DDL changed the catalog while it ran (SQLSTATE XX000 "cache
/// lookup failed", see `error::catalog_changed`): at most [`REREADS`] more
/// times, a few milliseconds apart. Not for reads inside a transaction (the
/// failed statement aborts it): those take a lock first instead.
///
/// # Errors
/// The read's error, when it is another error or keeps recurring.
pub(crate) async fn reread<T, F>(mut read: impl FnMut() -> F) -> Result<T>
where
    F: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
{
    let mut attempt = 0;
    loop {
        match read().await {
            Err(e) if attempt < REREADS && catalog_changed(&e) => {
                attempt += 1;
                tracing::debug!(attempt, error = %e, "the catalog changed under a read; reading again");
                tokio::time::sleep(std::time::Duration::from_millis(2 * u64::from(attempt))).await;
            }
            out => return Ok(out?),
        }
    }
}

/// The declared dimension and storage mode of `embeddings.embedding`, or
/// `None` before the table exists.
///
/// # Errors
/// Connection and database errors only.
pub async fn embedding_column(client: &impl GenericClient) -> Result<Option<EmbeddingColumn>> {
    let stmt = catalog::embedding_dimension();
    reread(|| stmt.bind(client).opt()).await
}

/// The dimension of `embeddings.embedding`, or `None` before the table exists.
///
/// # Errors
/// Connection and database errors only.
pub async fn read_dimension(client: &impl GenericClient) -> Result<Option<usize>> {
    Ok(embedding_column(client)
        .await?
        .map(|c| c.dimension.max(0) as usize))
}

/// Whether row-level security can never apply to the connected user
/// (superuser, `BYPASSRLS`, or owner of the tables): then the tenant setting
/// (migration V7) has no effect and [`crate::Tenant`] calls skip it.
///
/// # Errors
/// Connection and database errors only.
pub async fn bypasses_row_security(client: &impl GenericClient) -> Result<bool> {
    let stmt = catalog::bypasses_row_security();
    reread(|| stmt.bind(client).one()).await
}

/// Whether the database has the Citus extension (a coordinator or worker).
///
/// # Errors
/// Connection and database errors only.
pub async fn has_citus(client: &impl GenericClient) -> Result<bool> {
    Ok(client
        .query_one(crate::raw_sql::CITUS_INSTALLED, &[])
        .await?
        .get(0))
}

/// Every ivfflat/hnsw index in `public`, by name. An index dropped by
/// another session while this reads is left out, and a read that the
/// catalog changed under runs again (a few times, milliseconds apart), so the list is the catalog
/// before or after each concurrent change, never a half.
///
/// # Errors
/// Connection and database errors only.
pub async fn vector_indexes(client: &impl GenericClient) -> Result<Vec<VectorIndex>> {
    let stmt = catalog::vector_indexes();
    reread(|| stmt.bind(client).all()).await
}

/// The vector indexes on `embeddings` that are meant to be there, by name:
/// every valid one, and every invalid one that is not a [build
/// leftover](is_build_leftover) (a failed `CREATE INDEX CONCURRENTLY` of a
/// real index, which a rebuild repairs). Leftovers are left out, so code that
/// drops and recreates these indexes from their definitions never turns a
/// leftover into a second valid index; [`all_embedding_indexes`] lists them too.
///
/// # Errors
/// Connection and database errors only.
pub async fn embedding_indexes(client: &impl GenericClient) -> Result<Vec<VectorIndex>> {
    let mut all = all_embedding_indexes(client).await?;
    all.retain(|ix| !is_build_leftover(ix));
    Ok(all)
}

/// Every vector index on `embeddings`, by name, build leftovers included
/// (check [`VectorIndex::is_valid`] and [`is_build_leftover`]).
///
/// # Errors
/// Connection and database errors only.
pub async fn all_embedding_indexes(client: &impl GenericClient) -> Result<Vec<VectorIndex>> {
    let mut all = vector_indexes(client).await?;
    all.retain(|ix| ix.table_name == "embeddings");
    Ok(all)
}

/// The temporary name under which `tune` builds a replacement vector index
/// before swapping it in.
pub const TUNE_REBUILD_INDEX: &str = "idx_embeddings_vector_cosine_rebuild";

/// Whether `ix` is the invalid leftover of an interrupted or failed
/// concurrent build: `REINDEX … CONCURRENTLY` leaves `<name>_ccnew` (then
/// `_ccnew1`, `_ccnew2`, …) when the new copy's build fails, and
/// `<name>_ccold` when dropping the old copy fails; `tune` leaves
/// [`TUNE_REBUILD_INDEX`]. Such an index is never used by searches and must
/// be dropped, not rebuilt: a rebuild would make it a second valid copy of an
/// index that already exists. Valid indexes are never leftovers.
pub fn is_build_leftover(ix: &VectorIndex) -> bool {
    !ix.is_valid
        && (ix.index_name == TUNE_REBUILD_INDEX || concurrent_copy_of(&ix.index_name).is_some())
}

/// For a name `REINDEX … CONCURRENTLY` gives its transient copies
/// (`<base>_ccnew`, `<base>_ccold`, with an optional counter), `<base>`.
pub fn concurrent_copy_of(name: &str) -> Option<&str> {
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit());
    trimmed
        .strip_suffix("_ccnew")
        .or_else(|| trimmed.strip_suffix("_ccold"))
        .filter(|base| !base.is_empty())
}

/// The value of storage parameter `name` (`lists`, `m`, …) of an index, if set.
pub fn index_option(ix: &VectorIndex, name: &str) -> Option<u32> {
    ix.options
        .iter()
        .flatten()
        .find_map(|o| o.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// The server's and pgvector's versions.
///
/// # Errors
/// Connection and database errors only.
pub async fn server_info(client: &impl GenericClient) -> Result<ServerInfo> {
    let stmt = catalog::server_info();
    reread(|| stmt.bind(client).one()).await
}

/// Tables of `public` with approximate live rows.
///
/// # Errors
/// Connection and database errors only.
pub async fn table_rows(client: &impl GenericClient) -> Result<Vec<TableRows>> {
    let stmt = catalog::table_rows();
    reread(|| stmt.bind(client).all()).await
}

/// The Phase 1 tables (the Python services' init script).
pub const PHASE1_TABLES: [&str; 4] = ["claims", "evidence", "verdicts", "verdict_evidence"];
/// The Phase 2 tables (the Python services' Alembic revision).
pub const PHASE2_TABLES: [&str; 3] = ["embeddings", "nli_results", "verification_results"];

/// The ordinary tables of `schema`.
///
/// # Errors
/// Connection and database errors only.
pub async fn schema_tables(client: &impl GenericClient, schema: &str) -> Result<BTreeSet<String>> {
    Ok(catalog::schema_tables()
        .bind(client, &schema)
        .all()
        .await?
        .into_iter()
        .collect())
}

/// Whether any TruthGraph table (Phase 1 or 2) exists in `public`.
///
/// # Errors
/// Connection and database errors only.
pub async fn has_truthgraph_tables(client: &impl GenericClient) -> Result<bool> {
    let present = schema_tables(client, "public").await?;
    Ok(PHASE1_TABLES
        .iter()
        .chain(&PHASE2_TABLES)
        .any(|t| present.contains(*t)))
}

/// Whether a relation named `name` is visible on the search path.
///
/// # Errors
/// Connection and database errors only.
pub async fn relation_exists(client: &impl GenericClient, name: &str) -> Result<bool> {
    Ok(catalog::relation_exists().bind(client, &name).one().await?)
}

/// `name` quoted as an SQL identifier (`"a""b"`), for DDL built from catalog names.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL's message (and detail) for an error, or its display form.
pub fn db_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

/// `a < b` for dotted numeric versions (`0.8.0 < 0.8.4`).
pub fn version_lt(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Vec<u32> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parse(a) < parse(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_quote_and_versions_compare() {
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
        assert!(version_lt("0.8.0", "0.8.4"));
        assert!(!version_lt("0.10.0", "0.8.4"));
    }

    #[test]
    fn index_options_parse_by_exact_name() {
        let ix = VectorIndex {
            index_name: "i".into(),
            table_name: "embeddings".into(),
            method: "hnsw".into(),
            opclass: "vector_cosine_ops".into(),
            options: Some(vec!["m=24".into(), "ef_construction=64".into()]),
            definition: String::new(),
            size_bytes: 0,
            is_valid: true,
            table_rows_estimate: 0,
            on_expression: false,
        };
        assert_eq!(index_option(&ix, "m"), Some(24));
        assert_eq!(index_option(&ix, "ef_construction"), Some(64));
        assert_eq!(index_option(&ix, "lists"), None);
    }

    #[test]
    fn build_leftovers_are_invalid_concurrent_copies() {
        assert_eq!(concurrent_copy_of("idx_a_ccnew"), Some("idx_a"));
        assert_eq!(concurrent_copy_of("idx_a_ccnew12"), Some("idx_a"));
        assert_eq!(concurrent_copy_of("idx_a_ccold"), Some("idx_a"));
        assert_eq!(concurrent_copy_of("idx_a_ccnewer"), None);
        assert_eq!(concurrent_copy_of("idx_a"), None);
        assert_eq!(concurrent_copy_of("_ccnew"), None);
        let ix = |name: &str, is_valid| VectorIndex {
            index_name: name.into(),
            table_name: "embeddings".into(),
            method: "hnsw".into(),
            opclass: "vector_cosine_ops".into(),
            options: None,
            definition: String::new(),
            size_bytes: 0,
            is_valid,
            table_rows_estimate: 0,
            on_expression: false,
        };
        assert!(is_build_leftover(&ix("idx_a_ccnew1", false)));
        assert!(is_build_leftover(&ix("idx_a_ccold", false)));
        assert!(is_build_leftover(&ix(TUNE_REBUILD_INDEX, false)));
        // A valid index is in use whatever its name; an invalid real index
        // is repaired by a rebuild.
        assert!(!is_build_leftover(&ix("idx_a_ccnew", true)));
        assert!(!is_build_leftover(&ix("idx_a", false)));
    }
}

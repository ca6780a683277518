//! Switching the embedding dimension of a database.
//!
//! V2 creates `embedding vector(1536)`. A model with another width (384 for
//! all-MiniLM-L6-v2) needs the column altered. That is a command, not a
//! migration parameter, so migration checksums stay the same everywhere.

use tokio_postgres::Client;

use truthgraph_queries::queries::embeddings::count_embeddings;

use super::lock::with_lock;
use crate::catalog::{all_embedding_indexes, embedding_column, is_build_leftover};
use crate::error::{Error, Result};
use crate::raw_sql;

/// Largest dimension pgvector can index with ivfflat or hnsw.
pub const MAX_INDEXED_DIMENSION: usize = 2000;

/// Sets `embeddings.embedding` to `vector(dimension)` and recreates every
/// vector index on it under the same name, method, operator class and
/// parameters, keeping the column's storage mode, in one transaction under
/// the migration lock. An index on an expression (a quantized tier's
/// `binary_quantize(embedding)::bit(N)`, which names the old dimension) is
/// dropped and not recreated: the tier's index is built again, for the new
/// dimension, when its tenant reaches the threshold.
///
/// Returns the previous dimension; setting the current one changes nothing.
///
/// # Errors
/// [`Error::InvalidInput`] (`dimension`) outside `1..=2000`;
/// [`Error::Migration`] when `embeddings` does not exist or has rows (their
/// vectors would not fit the new width).
pub async fn set_dimension(client: &mut Client, dimension: usize) -> Result<usize> {
    if !(1..=MAX_INDEXED_DIMENSION).contains(&dimension) {
        return Err(Error::invalid(
            "dimension",
            format!(
                "{dimension} is outside 1..={MAX_INDEXED_DIMENSION} (pgvector's limit for indexed vectors)"
            ),
        ));
    }
    with_lock(client, async |client| {
        let column = embedding_column(client).await?.ok_or_else(|| {
            Error::migration("the embeddings table does not exist; run migrate first")
        })?;
        let current = column.dimension.max(0) as usize;
        if current == dimension {
            return Ok(current);
        }
        let tx = client.transaction().await?;
        // Blocks writers until the switch commits, so no row slips in meanwhile.
        tx.batch_execute(raw_sql::LOCK_EMBEDDINGS).await?;
        let rows = count_embeddings().bind(&tx).one().await?;
        if rows > 0 {
            return Err(Error::migration(format!(
                "embeddings has {rows} rows of dimension {current}; the dimension can only be \
                 switched while it is empty (re-embed after switching)"
            )));
        }
        // Leftovers of interrupted concurrent builds are dropped with the
        // rest but not recreated: ALTER … TYPE would rebuild an invalid
        // index as a valid one, a second copy of an index that exists.
        let mut indexes = all_embedding_indexes(&tx).await?;
        for ix in &indexes {
            tx.batch_execute(&raw_sql::drop_index(&ix.index_name))
                .await?;
        }
        indexes.retain(|ix| !is_build_leftover(ix));
        // An index on an expression (a quantized tier's
        // `binary_quantize(embedding)::bit(N)`) names the old dimension:
        // recreated, it would pad or cut the new vectors' bits and never
        // match the new dimension's search. The table is empty: a tier's
        // index is built again when the tenant reaches the threshold.
        for ix in indexes.iter().filter(|ix| ix.on_expression) {
            tracing::warn!(
                index = ix.index_name,
                "set_dimension: dropped an index on an expression of the old dimension, \
                 not recreated (`truthgraph-db tiers --apply` builds tier indexes again)"
            );
        }
        indexes.retain(|ix| !ix.on_expression);
        // `dimension` is a validated integer, so formatting it is safe.
        tx.batch_execute(&raw_sql::alter_embedding_dimension(dimension))
            .await?;
        // ALTER COLUMN TYPE resets the storage mode to the type's default: keep ours.
        tx.batch_execute(&raw_sql::set_embedding_storage(&column.storage))
            .await?;
        for ix in &indexes {
            tx.batch_execute(&ix.definition).await?;
        }
        tx.commit().await?;
        Ok(current)
    })
    .await
}

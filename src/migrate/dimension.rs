//! Switching the embedding dimension of a database.
//!
//! V2 creates `embedding vector(1536)`. A model with another width (384 for
//! all-MiniLM-L6-v2) needs the column altered. That is a command, not a
//! migration parameter, so migration checksums stay the same everywhere.

use tokio_postgres::Client;

use super::{read_dimension, status::vector_indexes, with_lock};
use crate::error::{Error, Result};

/// Largest dimension pgvector can index with ivfflat or hnsw.
pub const MAX_INDEXED_DIMENSION: usize = 2000;

/// Sets `embeddings.embedding` to `vector(dimension)` and recreates every
/// vector index on it under the same name, method, operator class and
/// parameters, keeping the column's storage mode, in one transaction under
/// the migration lock.
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
        let current = read_dimension(client).await?.ok_or_else(|| {
            Error::Migration("the embeddings table does not exist; run migrate first".into())
        })?;
        if current == dimension {
            return Ok(current);
        }
        let tx = client.transaction().await?;
        // Blocks writers until the switch commits, so no row slips in meanwhile.
        tx.batch_execute("LOCK TABLE embeddings IN ACCESS EXCLUSIVE MODE")
            .await?;
        let rows: i64 = tx
            .query_one("SELECT count(*) FROM embeddings", &[])
            .await?
            .get(0);
        if rows > 0 {
            return Err(Error::Migration(format!(
                "embeddings has {rows} rows of dimension {current}; the dimension can only be \
                 switched while it is empty (re-embed after switching)"
            )));
        }
        let indexes = vector_indexes(&tx).await?;
        // ALTER COLUMN TYPE resets the storage mode to the type's default: keep ours.
        let storage: i8 = tx
            .query_one(
                "SELECT attstorage::\"char\" FROM pg_attribute \
                 WHERE attrelid = 'embeddings'::regclass AND attname = 'embedding'",
                &[],
            )
            .await?
            .get(0);
        for ix in &indexes {
            tx.batch_execute(&format!("DROP INDEX {}", quote_ident(&ix.name)))
                .await?;
        }
        // `dimension` is a validated integer, so formatting it is safe.
        tx.batch_execute(&format!(
            "ALTER TABLE embeddings ALTER COLUMN embedding TYPE vector({dimension})"
        ))
        .await?;
        let storage = match storage as u8 {
            b'p' => "PLAIN",
            b'e' => "EXTERNAL",
            b'm' => "MAIN",
            _ => "EXTENDED",
        };
        tx.batch_execute(&format!(
            "ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE {storage}"
        ))
        .await?;
        for ix in &indexes {
            tx.batch_execute(&ix.definition).await?;
        }
        tx.commit().await?;
        Ok(current)
    })
    .await
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

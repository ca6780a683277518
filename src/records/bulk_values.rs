//! The bulk-load path of a login under row-level security on a Citus
//! coordinator: multi-row `INSERT … VALUES` statements (see
//! [`insert_values`]).

use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::bulk_load::{OnConflict, row_error};
use super::embeddings::NewEmbedding;
use crate::db::Transaction;
use crate::error::Result;
use crate::raw_sql;

/// Stores `rows[order[k]]` under `ids[k]` for `tenant` by multi-row
/// `INSERT … VALUES` statements of at most [`raw_sql::VALUES_ROWS`] rows:
/// Citus runs an `INSERT … SELECT` by `COPY` into the shards, which
/// PostgreSQL refuses where row-level security applies; a multi-row
/// `INSERT` goes to the tenant's shard as an `INSERT`.
pub(super) async fn insert_values(
    tx: &Transaction<'_>,
    tenant: &str,
    rows: &[NewEmbedding],
    order: &[usize],
    ids: &[Uuid],
    on_conflict: OnConflict,
) -> Result<u64> {
    let mut n = 0;
    for (order, ids) in order
        .chunks(raw_sql::VALUES_ROWS)
        .zip(ids.chunks(raw_sql::VALUES_ROWS))
    {
        let sql =
            raw_sql::insert_embeddings_values(order.len(), on_conflict == OnConflict::Replace);
        let types: Vec<&str> = order
            .iter()
            .map(|&i| rows[i].entity_type.as_str())
            .collect();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&tenant];
        for ((&i, id), t) in order.iter().zip(ids).zip(&types) {
            let r = &rows[i];
            params.extend([
                id as &(dyn ToSql + Sync),
                t,
                &r.entity_id,
                &r.embedding,
                &r.model_name,
                &r.model_version,
            ]);
        }
        n += tx
            .execute(sql.as_str(), &params)
            .await
            .map_err(|e| row_error(e, on_conflict, rows))?;
    }
    Ok(n)
}

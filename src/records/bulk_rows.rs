//! How the rows of a bulk load go in ([`super::bulk_load`]): binary `COPY`
//! straight into `embeddings` (encoded here, sent 1 MB at a time),
//! `INSERT … SELECT … FROM unnest(…)` in statements sized to the session's
//! `work_mem`, or, for a login under row-level security on a Citus
//! coordinator, multi-row `INSERT … VALUES`; in (entity type, entity id)
//! order.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{SinkExt, pin_mut};
use pgvector::Vector;
use tokio_postgres::types::{IsNull, ToSql, Type};
use uuid::Uuid;

use super::bulk_load::OnConflict;
use super::embeddings::{NewEmbedding, entity_error};
use crate::db::{Database, Transaction};
use crate::error::{Error, Result};
use crate::raw_sql;
use crate::validate;

/// Rows per statement of a load, whatever the row count: a statement's
/// pending foreign-key checks (V12's entity keys; a transition table under
/// V11's entity check) grow with its rows. A `COPY` takes the most (the
/// server streams its rows; the checks queued are some bytes a row): 40
/// statements of `work_mem`'s share instead of one cost a 20K x 1536 load
/// 12-14 % without the foreign keys, 4 % with them (BENCHMARKS.md, "Ingest").
const MIN_ROWS_PER_STATEMENT: usize = 256;
const MAX_ROWS_PER_STATEMENT: usize = 50_000;

/// Bytes of binary `COPY` data handed to the connection at a time.
/// tokio-postgres's `BinaryCopyInWriter` hands over every 4 KB, through a
/// one-slot channel to the connection's task: at 1,536 dimensions (6 KB a
/// row) that is a hand-over and a socket write per row, and a load of 20K
/// rows spent about as long there as the server did on the rows
/// (BENCHMARKS.md, "Ingest").
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// The binary `COPY` header: signature, flags (none), header extension
/// length (none).
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The columns of [`raw_sql::COPY_EMBEDDINGS`], in order (for errors).
const COPY_COLUMNS: [&str; 7] = [
    "id",
    "tenant_id",
    "entity_type",
    "entity_id",
    "embedding",
    "model_name",
    "model_version",
];

/// How a login's rows go in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// Binary `COPY` straight into `embeddings`: a login row-level security
    /// does not apply to.
    Direct,
    /// `INSERT … SELECT … FROM unnest(…)`: a login under row-level security.
    Unnest,
    /// Multi-row `INSERT … VALUES`: a login under row-level security on a
    /// Citus coordinator ([`insert_values`]).
    Values,
}

impl Route {
    /// How the rows of `db`'s login go in.
    pub(super) fn of(db: &Database) -> Route {
        match (db.sets_tenant(), db.on_citus()) {
            (false, _) => Route::Direct,
            (true, false) => Route::Unnest,
            (true, true) => Route::Values,
        }
    }
}

/// Stores `rows` for `tenant`: by binary `COPY` straight into `embeddings`
/// for [`Route::Direct`] (inserting only; [`MAX_ROWS_PER_STATEMENT`] rows a
/// statement), else in statements of as many rows as fit in three quarters
/// of the session's `work_mem` (their parameters are held whole): by multi-row
/// `INSERT … VALUES` for [`Route::Values`], else by `INSERT … SELECT … FROM unnest(…)` of
/// parallel arrays (`COPY FROM` into a table under row-level security is
/// refused; an upsert cannot be a `COPY`). Rows go in (entity type, entity
/// id) order with ids (UUIDv7) rising in that order, so every btree of
/// `embeddings` is appended to in order rather than at random places.
pub(super) async fn load_rows(
    tx: &Transaction<'_>,
    tenant: &str,
    rows: &[NewEmbedding],
    on_conflict: OnConflict,
    route: Route,
) -> Result<u64> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (rows[i].entity_type.as_str(), rows[i].entity_id));
    let ids: Vec<Uuid> = order.iter().map(|_| Uuid::now_v7()).collect();
    if route == Route::Values {
        return insert_values(tx, tenant, rows, &order, &ids, on_conflict).await;
    }
    let mut stored = 0;
    if route == Route::Direct && on_conflict == OnConflict::Fail {
        // The vector type's OID differs per database: ask the server.
        let vector_type = tx
            .prepare_cached(raw_sql::VECTOR_TYPE_PROBE)
            .await?
            .params()[0]
            .clone();
        let types = [
            Type::UUID,
            Type::VARCHAR,
            Type::VARCHAR,
            Type::UUID,
            vector_type,
            Type::VARCHAR,
            Type::VARCHAR,
        ];
        let chunks = order.chunks(MAX_ROWS_PER_STATEMENT);
        for (order, ids) in chunks.zip(ids.chunks(MAX_ROWS_PER_STATEMENT)) {
            stored += copy_rows(tx, &types, tenant, rows, order, ids).await?;
        }
    } else {
        let work_mem: i64 = tx.query_one(raw_sql::WORK_MEM_BYTES, &[]).await?.get(0);
        let row_bytes = 4 * rows[0].embedding.as_slice().len() + 200;
        let per_statement = (usize::try_from(work_mem).unwrap_or(0) / 4 * 3 / row_bytes)
            .clamp(MIN_ROWS_PER_STATEMENT, MAX_ROWS_PER_STATEMENT);
        let insert = tx
            .prepare_cached(match on_conflict {
                OnConflict::Fail => raw_sql::INSERT_EMBEDDINGS_ROWS,
                OnConflict::Replace => raw_sql::UPSERT_EMBEDDINGS_ROWS,
            })
            .await?;
        for (order, ids) in order.chunks(per_statement).zip(ids.chunks(per_statement)) {
            let types: Vec<&str> = order
                .iter()
                .map(|&i| rows[i].entity_type.as_str())
                .collect();
            let entities: Vec<Uuid> = order.iter().map(|&i| rows[i].entity_id).collect();
            let vectors: Vec<&Vector> = order.iter().map(|&i| &rows[i].embedding).collect();
            let models: Vec<&str> = order.iter().map(|&i| rows[i].model_name.as_str()).collect();
            let versions: Vec<Option<&str>> = order
                .iter()
                .map(|&i| rows[i].model_version.as_deref())
                .collect();
            stored += tx
                .execute(
                    &insert,
                    &[
                        &tenant, &ids, &types, &entities, &vectors, &models, &versions,
                    ],
                )
                .await
                .map_err(|e| row_error(e, on_conflict, rows))?;
        }
    }
    Ok(stored)
}

/// One binary `COPY` of `rows[order[k]]` under `ids[k]` into `embeddings`.
async fn copy_rows(
    tx: &Transaction<'_>,
    types: &[Type],
    tenant: &str,
    rows: &[NewEmbedding],
    order: &[usize],
    ids: &[Uuid],
) -> Result<u64> {
    let failed = |e| row_error(e, OnConflict::Fail, rows);
    let sink = tx
        .copy_in::<_, Bytes>(raw_sql::COPY_EMBEDDINGS)
        .await
        .map_err(failed)?;
    pin_mut!(sink);
    let mut buf = BytesMut::with_capacity(COPY_CHUNK_BYTES + (64 << 10));
    buf.put_slice(COPY_HEADER);
    for (&i, id) in order.iter().zip(ids) {
        let r = &rows[i];
        let values: [&(dyn ToSql + Sync); 7] = [
            id,
            &tenant,
            &r.entity_type.as_str(),
            &r.entity_id,
            &r.embedding,
            &r.model_name,
            &r.model_version,
        ];
        buf.put_i16(values.len() as i16);
        for ((value, ty), column) in values.iter().zip(types).zip(COPY_COLUMNS) {
            put_field(&mut buf, *value, ty)
                .map_err(|e| Error::invalid(format!("rows[{i}].{column}"), e.to_string()))?;
        }
        if buf.len() >= COPY_CHUNK_BYTES {
            sink.send(buf.split().freeze()).await.map_err(failed)?;
        }
    }
    // The trailer: a field count of -1.
    buf.put_i16(-1);
    sink.send(buf.freeze()).await.map_err(failed)?;
    sink.finish().await.map_err(failed)
}

/// One field of a binary `COPY` row: its length (-1 for NULL), then
/// `value` as `ty` encodes it.
fn put_field(
    buf: &mut BytesMut,
    value: &(dyn ToSql + Sync),
    ty: &Type,
) -> std::result::Result<(), Box<dyn std::error::Error + Sync + Send>> {
    let at = buf.len();
    buf.put_i32(0);
    let len = match value.to_sql_checked(ty, buf)? {
        IsNull::Yes => -1,
        IsNull::No => i32::try_from(buf.len() - at - 4)?,
    };
    buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    Ok(())
}

/// Stores `rows[order[k]]` under `ids[k]` for `tenant` by multi-row
/// `INSERT … VALUES` statements of at most [`raw_sql::VALUES_ROWS`] rows:
/// Citus runs an `INSERT … SELECT` by `COPY` into the shards, which
/// PostgreSQL refuses where row-level security applies; a multi-row
/// `INSERT` goes to the tenant's shard as an `INSERT`.
async fn insert_values(
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

/// The error of a row whose entity is not the tenant's, naming `rows[i]`.
fn row_error(e: tokio_postgres::Error, on_conflict: OnConflict, rows: &[NewEmbedding]) -> Error {
    entity_error(e, on_conflict == OnConflict::Replace, |id| {
        let i = rows.iter().position(|r| r.entity_id == id);
        validate::name(i, "rows", "entity_id")
    })
}

// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug, Clone, PartialEq)]
pub struct IndexUsage {
    pub table_name: String,
    pub index_name: String,
    pub scans: i64,
    pub tuples_read: i64,
    pub size_bytes: i64,
    pub is_valid: bool,
}
pub struct IndexUsageBorrowed<'a> {
    pub table_name: &'a str,
    pub index_name: &'a str,
    pub scans: i64,
    pub tuples_read: i64,
    pub size_bytes: i64,
    pub is_valid: bool,
}
impl<'a> From<IndexUsageBorrowed<'a>> for IndexUsage {
    fn from(
        IndexUsageBorrowed {
            table_name,
            index_name,
            scans,
            tuples_read,
            size_bytes,
            is_valid,
        }: IndexUsageBorrowed<'a>,
    ) -> Self {
        Self {
            table_name: table_name.into(),
            index_name: index_name.into(),
            scans,
            tuples_read,
            size_bytes,
            is_valid,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct TableSize {
    pub table_name: String,
    pub live_rows: i64,
    pub table_bytes: i64,
    pub index_bytes: i64,
    pub total_bytes: i64,
}
pub struct TableSizeBorrowed<'a> {
    pub table_name: &'a str,
    pub live_rows: i64,
    pub table_bytes: i64,
    pub index_bytes: i64,
    pub total_bytes: i64,
}
impl<'a> From<TableSizeBorrowed<'a>> for TableSize {
    fn from(
        TableSizeBorrowed {
            table_name,
            live_rows,
            table_bytes,
            index_bytes,
            total_bytes,
        }: TableSizeBorrowed<'a>,
    ) -> Self {
        Self {
            table_name: table_name.into(),
            live_rows,
            table_bytes,
            index_bytes,
            total_bytes,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanEmbeddings {
    pub tenant_id: String,
    pub entity_type: String,
    pub missing_entity: i64,
    pub foreign_entity: i64,
}
pub struct OrphanEmbeddingsBorrowed<'a> {
    pub tenant_id: &'a str,
    pub entity_type: &'a str,
    pub missing_entity: i64,
    pub foreign_entity: i64,
}
impl<'a> From<OrphanEmbeddingsBorrowed<'a>> for OrphanEmbeddings {
    fn from(
        OrphanEmbeddingsBorrowed {
            tenant_id,
            entity_type,
            missing_entity,
            foreign_entity,
        }: OrphanEmbeddingsBorrowed<'a>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            entity_type: entity_type.into(),
            missing_entity,
            foreign_entity,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct TenantCount {
    pub table_name: String,
    pub tenant_id: String,
    pub entity_type: Option<String>,
    pub model_name: Option<String>,
    pub rows: i64,
}
pub struct TenantCountBorrowed<'a> {
    pub table_name: &'a str,
    pub tenant_id: &'a str,
    pub entity_type: Option<&'a str>,
    pub model_name: Option<&'a str>,
    pub rows: i64,
}
impl<'a> From<TenantCountBorrowed<'a>> for TenantCount {
    fn from(
        TenantCountBorrowed {
            table_name,
            tenant_id,
            entity_type,
            model_name,
            rows,
        }: TenantCountBorrowed<'a>,
    ) -> Self {
        Self {
            table_name: table_name.into(),
            tenant_id: tenant_id.into(),
            entity_type: entity_type.map(|v| v.into()),
            model_name: model_name.map(|v| v.into()),
            rows,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSetting {
    pub name: String,
    pub setting: String,
    pub unit: Option<String>,
    pub pretty: String,
}
pub struct ServerSettingBorrowed<'a> {
    pub name: &'a str,
    pub setting: &'a str,
    pub unit: Option<&'a str>,
    pub pretty: &'a str,
}
impl<'a> From<ServerSettingBorrowed<'a>> for ServerSetting {
    fn from(
        ServerSettingBorrowed {
            name,
            setting,
            unit,
            pretty,
        }: ServerSettingBorrowed<'a>,
    ) -> Self {
        Self {
            name: name.into(),
            setting: setting.into(),
            unit: unit.map(|v| v.into()),
            pretty: pretty.into(),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct IndexUsageQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<IndexUsageBorrowed, tokio_postgres::Error>,
    mapper: fn(IndexUsageBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> IndexUsageQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(IndexUsageBorrowed) -> R,
    ) -> IndexUsageQuery<'c, 'a, 's, C, R, N> {
        IndexUsageQuery {
            client: self.client,
            params: self.params,
            query: self.query,
            cached: self.cached,
            extractor: self.extractor,
            mapper,
        }
    }
    pub async fn one(self) -> Result<T, tokio_postgres::Error> {
        let row =
            crate::client::async_::one(self.client, self.query, &self.params, self.cached).await?;
        Ok((self.mapper)((self.extractor)(&row)?))
    }
    pub async fn all(self) -> Result<Vec<T>, tokio_postgres::Error> {
        self.iter().await?.try_collect().await
    }
    pub async fn opt(self) -> Result<Option<T>, tokio_postgres::Error> {
        let opt_row =
            crate::client::async_::opt(self.client, self.query, &self.params, self.cached).await?;
        Ok(opt_row
            .map(|row| {
                let extracted = (self.extractor)(&row)?;
                Ok((self.mapper)(extracted))
            })
            .transpose()?)
    }
    pub async fn iter(
        self,
    ) -> Result<
        impl futures::Stream<Item = Result<T, tokio_postgres::Error>> + 'c,
        tokio_postgres::Error,
    > {
        let stream = crate::client::async_::raw(
            self.client,
            self.query,
            crate::slice_iter(&self.params),
            self.cached,
        )
        .await?;
        let mapped = stream
            .map(move |res| {
                res.and_then(|row| {
                    let extracted = (self.extractor)(&row)?;
                    Ok((self.mapper)(extracted))
                })
            })
            .into_stream();
        Ok(mapped)
    }
}
pub struct TableSizeQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TableSizeBorrowed, tokio_postgres::Error>,
    mapper: fn(TableSizeBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TableSizeQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(TableSizeBorrowed) -> R) -> TableSizeQuery<'c, 'a, 's, C, R, N> {
        TableSizeQuery {
            client: self.client,
            params: self.params,
            query: self.query,
            cached: self.cached,
            extractor: self.extractor,
            mapper,
        }
    }
    pub async fn one(self) -> Result<T, tokio_postgres::Error> {
        let row =
            crate::client::async_::one(self.client, self.query, &self.params, self.cached).await?;
        Ok((self.mapper)((self.extractor)(&row)?))
    }
    pub async fn all(self) -> Result<Vec<T>, tokio_postgres::Error> {
        self.iter().await?.try_collect().await
    }
    pub async fn opt(self) -> Result<Option<T>, tokio_postgres::Error> {
        let opt_row =
            crate::client::async_::opt(self.client, self.query, &self.params, self.cached).await?;
        Ok(opt_row
            .map(|row| {
                let extracted = (self.extractor)(&row)?;
                Ok((self.mapper)(extracted))
            })
            .transpose()?)
    }
    pub async fn iter(
        self,
    ) -> Result<
        impl futures::Stream<Item = Result<T, tokio_postgres::Error>> + 'c,
        tokio_postgres::Error,
    > {
        let stream = crate::client::async_::raw(
            self.client,
            self.query,
            crate::slice_iter(&self.params),
            self.cached,
        )
        .await?;
        let mapped = stream
            .map(move |res| {
                res.and_then(|row| {
                    let extracted = (self.extractor)(&row)?;
                    Ok((self.mapper)(extracted))
                })
            })
            .into_stream();
        Ok(mapped)
    }
}
pub struct OrphanEmbeddingsQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<OrphanEmbeddingsBorrowed, tokio_postgres::Error>,
    mapper: fn(OrphanEmbeddingsBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> OrphanEmbeddingsQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(OrphanEmbeddingsBorrowed) -> R,
    ) -> OrphanEmbeddingsQuery<'c, 'a, 's, C, R, N> {
        OrphanEmbeddingsQuery {
            client: self.client,
            params: self.params,
            query: self.query,
            cached: self.cached,
            extractor: self.extractor,
            mapper,
        }
    }
    pub async fn one(self) -> Result<T, tokio_postgres::Error> {
        let row =
            crate::client::async_::one(self.client, self.query, &self.params, self.cached).await?;
        Ok((self.mapper)((self.extractor)(&row)?))
    }
    pub async fn all(self) -> Result<Vec<T>, tokio_postgres::Error> {
        self.iter().await?.try_collect().await
    }
    pub async fn opt(self) -> Result<Option<T>, tokio_postgres::Error> {
        let opt_row =
            crate::client::async_::opt(self.client, self.query, &self.params, self.cached).await?;
        Ok(opt_row
            .map(|row| {
                let extracted = (self.extractor)(&row)?;
                Ok((self.mapper)(extracted))
            })
            .transpose()?)
    }
    pub async fn iter(
        self,
    ) -> Result<
        impl futures::Stream<Item = Result<T, tokio_postgres::Error>> + 'c,
        tokio_postgres::Error,
    > {
        let stream = crate::client::async_::raw(
            self.client,
            self.query,
            crate::slice_iter(&self.params),
            self.cached,
        )
        .await?;
        let mapped = stream
            .map(move |res| {
                res.and_then(|row| {
                    let extracted = (self.extractor)(&row)?;
                    Ok((self.mapper)(extracted))
                })
            })
            .into_stream();
        Ok(mapped)
    }
}
pub struct TenantCountQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TenantCountBorrowed, tokio_postgres::Error>,
    mapper: fn(TenantCountBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TenantCountQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(TenantCountBorrowed) -> R,
    ) -> TenantCountQuery<'c, 'a, 's, C, R, N> {
        TenantCountQuery {
            client: self.client,
            params: self.params,
            query: self.query,
            cached: self.cached,
            extractor: self.extractor,
            mapper,
        }
    }
    pub async fn one(self) -> Result<T, tokio_postgres::Error> {
        let row =
            crate::client::async_::one(self.client, self.query, &self.params, self.cached).await?;
        Ok((self.mapper)((self.extractor)(&row)?))
    }
    pub async fn all(self) -> Result<Vec<T>, tokio_postgres::Error> {
        self.iter().await?.try_collect().await
    }
    pub async fn opt(self) -> Result<Option<T>, tokio_postgres::Error> {
        let opt_row =
            crate::client::async_::opt(self.client, self.query, &self.params, self.cached).await?;
        Ok(opt_row
            .map(|row| {
                let extracted = (self.extractor)(&row)?;
                Ok((self.mapper)(extracted))
            })
            .transpose()?)
    }
    pub async fn iter(
        self,
    ) -> Result<
        impl futures::Stream<Item = Result<T, tokio_postgres::Error>> + 'c,
        tokio_postgres::Error,
    > {
        let stream = crate::client::async_::raw(
            self.client,
            self.query,
            crate::slice_iter(&self.params),
            self.cached,
        )
        .await?;
        let mapped = stream
            .map(move |res| {
                res.and_then(|row| {
                    let extracted = (self.extractor)(&row)?;
                    Ok((self.mapper)(extracted))
                })
            })
            .into_stream();
        Ok(mapped)
    }
}
pub struct ServerSettingQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ServerSettingBorrowed, tokio_postgres::Error>,
    mapper: fn(ServerSettingBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ServerSettingQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(ServerSettingBorrowed) -> R,
    ) -> ServerSettingQuery<'c, 'a, 's, C, R, N> {
        ServerSettingQuery {
            client: self.client,
            params: self.params,
            query: self.query,
            cached: self.cached,
            extractor: self.extractor,
            mapper,
        }
    }
    pub async fn one(self) -> Result<T, tokio_postgres::Error> {
        let row =
            crate::client::async_::one(self.client, self.query, &self.params, self.cached).await?;
        Ok((self.mapper)((self.extractor)(&row)?))
    }
    pub async fn all(self) -> Result<Vec<T>, tokio_postgres::Error> {
        self.iter().await?.try_collect().await
    }
    pub async fn opt(self) -> Result<Option<T>, tokio_postgres::Error> {
        let opt_row =
            crate::client::async_::opt(self.client, self.query, &self.params, self.cached).await?;
        Ok(opt_row
            .map(|row| {
                let extracted = (self.extractor)(&row)?;
                Ok((self.mapper)(extracted))
            })
            .transpose()?)
    }
    pub async fn iter(
        self,
    ) -> Result<
        impl futures::Stream<Item = Result<T, tokio_postgres::Error>> + 'c,
        tokio_postgres::Error,
    > {
        let stream = crate::client::async_::raw(
            self.client,
            self.query,
            crate::slice_iter(&self.params),
            self.cached,
        )
        .await?;
        let mapped = stream
            .map(move |res| {
                res.and_then(|row| {
                    let extracted = (self.extractor)(&row)?;
                    Ok((self.mapper)(extracted))
                })
            })
            .into_stream();
        Ok(mapped)
    }
}
pub struct IndexUsageStmt(&'static str, Option<tokio_postgres::Statement>);
/// Scans, size and validity of every index on the TruthGraph tables, least
/// used first (an invalid index, left by an interrupted concurrent build, is
/// never scanned but still takes space). An index dropped by another
/// session meanwhile is left out (its size is NULL).
pub fn index_usage() -> IndexUsageStmt {
    IndexUsageStmt(
        "SELECT s.relname::text AS table_name, s.indexrelname::text AS index_name, s.idx_scan AS scans, s.idx_tup_read AS tuples_read, f.size_bytes, i.indisvalid AS is_valid FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid CROSS JOIN LATERAL (SELECT pg_relation_size(s.indexrelid) AS size_bytes OFFSET 0) f WHERE s.schemaname = 'public' AND f.size_bytes IS NOT NULL ORDER BY s.idx_scan, s.relname, s.indexrelname",
        None,
    )
}
impl IndexUsageStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> IndexUsageQuery<'c, 'a, 's, C, IndexUsage, 0> {
        IndexUsageQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<IndexUsageBorrowed, tokio_postgres::Error> {
                    Ok(IndexUsageBorrowed {
                        table_name: row.try_get(0)?,
                        index_name: row.try_get(1)?,
                        scans: row.try_get(2)?,
                        tuples_read: row.try_get(3)?,
                        size_bytes: row.try_get(4)?,
                        is_valid: row.try_get(5)?,
                    })
                },
            mapper: |it| IndexUsage::from(it),
        }
    }
}
pub struct TableSizesStmt(&'static str, Option<tokio_postgres::Statement>);
/// Heap, index and total size and live rows of every table, largest first
/// (a table dropped by another session meanwhile is left out).
pub fn table_sizes() -> TableSizesStmt {
    TableSizesStmt(
        "SELECT s.relname::text AS table_name, s.n_live_tup AS live_rows, f.table_bytes, f.index_bytes, f.total_bytes FROM pg_stat_user_tables s CROSS JOIN LATERAL (SELECT pg_relation_size(s.relid) AS table_bytes, pg_indexes_size(s.relid) AS index_bytes, pg_total_relation_size(s.relid) AS total_bytes OFFSET 0) f WHERE s.schemaname = 'public' AND f.table_bytes IS NOT NULL AND f.index_bytes IS NOT NULL AND f.total_bytes IS NOT NULL ORDER BY f.total_bytes DESC, s.relname",
        None,
    )
}
impl TableSizesStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> TableSizeQuery<'c, 'a, 's, C, TableSize, 0> {
        TableSizeQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TableSizeBorrowed, tokio_postgres::Error> {
                    Ok(TableSizeBorrowed {
                        table_name: row.try_get(0)?,
                        live_rows: row.try_get(1)?,
                        table_bytes: row.try_get(2)?,
                        index_bytes: row.try_get(3)?,
                        total_bytes: row.try_get(4)?,
                    })
                },
            mapper: |it| TableSize::from(it),
        }
    }
}
pub struct OrphanEmbeddingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Embeddings per tenant and entity type whose entity does not exist or
/// belongs to another tenant (possible in databases adopted from the Python
/// services, which wrote embeddings without checking the entity). Such rows
/// can take top-k slots that the search's tenant join then drops.
pub fn orphan_embeddings() -> OrphanEmbeddingsStmt {
    OrphanEmbeddingsStmt(
        "SELECT em.tenant_id, em.entity_type, count(*) FILTER (WHERE coalesce(c.id, e.id) IS NULL) AS missing_entity, count(*) FILTER (WHERE coalesce(c.tenant_id, e.tenant_id) <> em.tenant_id) AS foreign_entity FROM embeddings em LEFT JOIN claims c ON em.entity_type = 'claim' AND c.id = em.entity_id LEFT JOIN evidence e ON em.entity_type = 'evidence' AND e.id = em.entity_id WHERE coalesce(c.id, e.id) IS NULL OR coalesce(c.tenant_id, e.tenant_id) <> em.tenant_id GROUP BY em.tenant_id, em.entity_type ORDER BY em.tenant_id, em.entity_type",
        None,
    )
}
impl OrphanEmbeddingsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> OrphanEmbeddingsQuery<'c, 'a, 's, C, OrphanEmbeddings, 0> {
        OrphanEmbeddingsQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<OrphanEmbeddingsBorrowed, tokio_postgres::Error> {
                Ok(OrphanEmbeddingsBorrowed {
                    tenant_id: row.try_get(0)?,
                    entity_type: row.try_get(1)?,
                    missing_entity: row.try_get(2)?,
                    foreign_entity: row.try_get(3)?,
                })
            },
            mapper: |it| OrphanEmbeddings::from(it),
        }
    }
}
pub struct DeleteOrphanEmbeddingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Deletes, in one statement, every embedding `orphan_embeddings` counts (its
/// entity does not exist or belongs to another tenant) and returns how many
/// went per tenant and entity type (same columns as `orphan_embeddings`).
pub fn delete_orphan_embeddings() -> DeleteOrphanEmbeddingsStmt {
    DeleteOrphanEmbeddingsStmt(
        "WITH doomed AS ( SELECT em.id, em.tenant_id, em.entity_type, coalesce(c.id, e.id) IS NULL AS missing FROM embeddings em LEFT JOIN claims c ON em.entity_type = 'claim' AND c.id = em.entity_id LEFT JOIN evidence e ON em.entity_type = 'evidence' AND e.id = em.entity_id WHERE coalesce(c.id, e.id) IS NULL OR coalesce(c.tenant_id, e.tenant_id) <> em.tenant_id FOR UPDATE OF em ), gone AS ( DELETE FROM embeddings x USING doomed d WHERE x.id = d.id RETURNING d.tenant_id, d.entity_type, d.missing ) SELECT tenant_id, entity_type, count(*) FILTER (WHERE missing) AS missing_entity, count(*) FILTER (WHERE NOT missing) AS foreign_entity FROM gone GROUP BY tenant_id, entity_type ORDER BY tenant_id, entity_type",
        None,
    )
}
impl DeleteOrphanEmbeddingsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> OrphanEmbeddingsQuery<'c, 'a, 's, C, OrphanEmbeddings, 0> {
        OrphanEmbeddingsQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<OrphanEmbeddingsBorrowed, tokio_postgres::Error> {
                Ok(OrphanEmbeddingsBorrowed {
                    tenant_id: row.try_get(0)?,
                    entity_type: row.try_get(1)?,
                    missing_entity: row.try_get(2)?,
                    foreign_entity: row.try_get(3)?,
                })
            },
            mapper: |it| OrphanEmbeddings::from(it),
        }
    }
}
pub struct TenantCountsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Exact rows per table and tenant (`claims`, `evidence`), and per tenant,
/// entity type and model (`embeddings`); counts every row, so it reads the
/// whole of each table.
pub fn tenant_counts() -> TenantCountsStmt {
    TenantCountsStmt(
        "SELECT 'claims'::text AS table_name, tenant_id::text AS tenant_id, NULL::text AS entity_type, NULL::text AS model_name, count(*) AS rows FROM claims GROUP BY tenant_id UNION ALL SELECT 'evidence', tenant_id::text, NULL, NULL, count(*) FROM evidence GROUP BY tenant_id UNION ALL SELECT 'embeddings', tenant_id::text, entity_type::text, model_name::text, count(*) FROM embeddings GROUP BY tenant_id, entity_type, model_name ORDER BY 1, 2, 3, 4",
        None,
    )
}
impl TenantCountsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> TenantCountQuery<'c, 'a, 's, C, TenantCount, 0> {
        TenantCountQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TenantCountBorrowed, tokio_postgres::Error> {
                    Ok(TenantCountBorrowed {
                        table_name: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        entity_type: row.try_get(2)?,
                        model_name: row.try_get(3)?,
                        rows: row.try_get(4)?,
                    })
                },
            mapper: |it| TenantCount::from(it),
        }
    }
}
pub struct ServerSettingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// The server settings that matter for vector index builds, searches and
/// pooling, and what reloads the buffers after a restart
/// (`shared_preload_libraries`, `pg_prewarm.autoprewarm` when loaded), as
/// the server reports them (`setting` in `unit`, and the human-readable
/// `current_setting`).
pub fn server_settings() -> ServerSettingsStmt {
    ServerSettingsStmt(
        "SELECT name::text AS name, setting::text AS setting, unit::text AS unit, current_setting(name) AS pretty FROM pg_settings WHERE name IN ('maintenance_work_mem', 'shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_maintenance_workers', 'max_parallel_workers', 'max_parallel_workers_per_gather', 'max_worker_processes', 'max_connections', 'statement_timeout', 'shared_preload_libraries', 'pg_prewarm.autoprewarm') ORDER BY name",
        None,
    )
}
impl ServerSettingsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> ServerSettingQuery<'c, 'a, 's, C, ServerSetting, 0> {
        ServerSettingQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ServerSettingBorrowed, tokio_postgres::Error> {
                    Ok(ServerSettingBorrowed {
                        name: row.try_get(0)?,
                        setting: row.try_get(1)?,
                        unit: row.try_get(2)?,
                        pretty: row.try_get(3)?,
                    })
                },
            mapper: |it| ServerSetting::from(it),
        }
    }
}

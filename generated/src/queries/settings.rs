// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct StoreSettingParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql> {
    pub name: T1,
    pub value: T2,
    pub rows_measured: Option<i64>,
    pub recall: Option<f64>,
    pub p50_ms: Option<f64>,
    pub note: Option<T3>,
}
#[derive(Debug)]
pub struct SampleEmbeddingsParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub n: i64,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub name: String,
    pub value: String,
    pub rows_measured: Option<i64>,
    pub recall: Option<f64>,
    pub p50_ms: Option<f64>,
    pub measured_at: chrono::NaiveDateTime,
    pub note: Option<String>,
}
pub struct SettingBorrowed<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub rows_measured: Option<i64>,
    pub recall: Option<f64>,
    pub p50_ms: Option<f64>,
    pub measured_at: chrono::NaiveDateTime,
    pub note: Option<&'a str>,
}
impl<'a> From<SettingBorrowed<'a>> for Setting {
    fn from(
        SettingBorrowed {
            name,
            value,
            rows_measured,
            recall,
            p50_ms,
            measured_at,
            note,
        }: SettingBorrowed<'a>,
    ) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            rows_measured,
            recall,
            p50_ms,
            measured_at,
            note: note.map(|v| v.into()),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct TenantSize {
    pub tenant_id: String,
    pub rows: i64,
}
pub struct TenantSizeBorrowed<'a> {
    pub tenant_id: &'a str,
    pub rows: i64,
}
impl<'a> From<TenantSizeBorrowed<'a>> for TenantSize {
    fn from(TenantSizeBorrowed { tenant_id, rows }: TenantSizeBorrowed<'a>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            rows,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct SampledEmbedding {
    pub entity_id: uuid::Uuid,
    pub embedding: pgvector::Vector,
}
pub struct SampledEmbeddingBorrowed<'a> {
    pub entity_id: uuid::Uuid,
    pub embedding: truthgraph_vector_ref::VectorRef<'a>,
}
impl<'a> From<SampledEmbeddingBorrowed<'a>> for SampledEmbedding {
    fn from(
        SampledEmbeddingBorrowed {
            entity_id,
            embedding,
        }: SampledEmbeddingBorrowed<'a>,
    ) -> Self {
        Self {
            entity_id,
            embedding: embedding.into(),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct IndexBuildProgress {
    pub phase: Option<String>,
    pub blocks_done: i64,
    pub blocks_total: i64,
    pub tuples_done: i64,
    pub tuples_total: i64,
}
pub struct IndexBuildProgressBorrowed<'a> {
    pub phase: Option<&'a str>,
    pub blocks_done: i64,
    pub blocks_total: i64,
    pub tuples_done: i64,
    pub tuples_total: i64,
}
impl<'a> From<IndexBuildProgressBorrowed<'a>> for IndexBuildProgress {
    fn from(
        IndexBuildProgressBorrowed {
            phase,
            blocks_done,
            blocks_total,
            tuples_done,
            tuples_total,
        }: IndexBuildProgressBorrowed<'a>,
    ) -> Self {
        Self {
            phase: phase.map(|v| v.into()),
            blocks_done,
            blocks_total,
            tuples_done,
            tuples_total,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct SettingQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<SettingBorrowed, tokio_postgres::Error>,
    mapper: fn(SettingBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> SettingQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(SettingBorrowed) -> R) -> SettingQuery<'c, 'a, 's, C, R, N> {
        SettingQuery {
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
pub struct I64Query<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<i64, tokio_postgres::Error>,
    mapper: fn(i64) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> I64Query<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(i64) -> R) -> I64Query<'c, 'a, 's, C, R, N> {
        I64Query {
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
pub struct TenantSizeQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TenantSizeBorrowed, tokio_postgres::Error>,
    mapper: fn(TenantSizeBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TenantSizeQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(TenantSizeBorrowed) -> R,
    ) -> TenantSizeQuery<'c, 'a, 's, C, R, N> {
        TenantSizeQuery {
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
pub struct SampledEmbeddingQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<SampledEmbeddingBorrowed, tokio_postgres::Error>,
    mapper: fn(SampledEmbeddingBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> SampledEmbeddingQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(SampledEmbeddingBorrowed) -> R,
    ) -> SampledEmbeddingQuery<'c, 'a, 's, C, R, N> {
        SampledEmbeddingQuery {
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
pub struct IndexBuildProgressQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor:
        fn(&tokio_postgres::Row) -> Result<IndexBuildProgressBorrowed, tokio_postgres::Error>,
    mapper: fn(IndexBuildProgressBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> IndexBuildProgressQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(IndexBuildProgressBorrowed) -> R,
    ) -> IndexBuildProgressQuery<'c, 'a, 's, C, R, N> {
        IndexBuildProgressQuery {
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
pub struct SettingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Every stored setting.
pub fn settings() -> SettingsStmt {
    SettingsStmt(
        "SELECT name, value, rows_measured, recall, p50_ms, measured_at, note FROM truthgraph_settings ORDER BY name",
        None,
    )
}
impl SettingsStmt {
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
    ) -> SettingQuery<'c, 'a, 's, C, Setting, 0> {
        SettingQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<SettingBorrowed, tokio_postgres::Error> {
                    Ok(SettingBorrowed {
                        name: row.try_get(0)?,
                        value: row.try_get(1)?,
                        rows_measured: row.try_get(2)?,
                        recall: row.try_get(3)?,
                        p50_ms: row.try_get(4)?,
                        measured_at: row.try_get(5)?,
                        note: row.try_get(6)?,
                    })
                },
            mapper: |it| Setting::from(it),
        }
    }
}
pub struct StoreSettingStmt(&'static str, Option<tokio_postgres::Statement>);
/// Inserts or replaces one setting, stamping the time of measurement.
pub fn store_setting() -> StoreSettingStmt {
    StoreSettingStmt(
        "INSERT INTO truthgraph_settings (name, value, rows_measured, recall, p50_ms, note) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, rows_measured = EXCLUDED.rows_measured, recall = EXCLUDED.recall, p50_ms = EXCLUDED.p50_ms, note = EXCLUDED.note, measured_at = EXCLUDED.measured_at RETURNING name, value, rows_measured, recall, p50_ms, measured_at, note",
        None,
    )
}
impl StoreSettingStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<
        'c,
        'a,
        's,
        C: GenericClient,
        T1: crate::StringSql,
        T2: crate::StringSql,
        T3: crate::StringSql,
    >(
        &'s self,
        client: &'c C,
        name: &'a T1,
        value: &'a T2,
        rows_measured: &'a Option<i64>,
        recall: &'a Option<f64>,
        p50_ms: &'a Option<f64>,
        note: &'a Option<T3>,
    ) -> SettingQuery<'c, 'a, 's, C, Setting, 6> {
        SettingQuery {
            client,
            params: [name, value, rows_measured, recall, p50_ms, note],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<SettingBorrowed, tokio_postgres::Error> {
                    Ok(SettingBorrowed {
                        name: row.try_get(0)?,
                        value: row.try_get(1)?,
                        rows_measured: row.try_get(2)?,
                        recall: row.try_get(3)?,
                        p50_ms: row.try_get(4)?,
                        measured_at: row.try_get(5)?,
                        note: row.try_get(6)?,
                    })
                },
            mapper: |it| Setting::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        StoreSettingParams<T1, T2, T3>,
        SettingQuery<'c, 'a, 's, C, Setting, 6>,
        C,
    > for StoreSettingStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a StoreSettingParams<T1, T2, T3>,
    ) -> SettingQuery<'c, 'a, 's, C, Setting, 6> {
        self.bind(
            client,
            &params.name,
            &params.value,
            &params.rows_measured,
            &params.recall,
            &params.p50_ms,
            &params.note,
        )
    }
}
pub struct ClearSettingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Deletes every stored setting (back to the built-in defaults).
pub fn clear_settings() -> ClearSettingsStmt {
    ClearSettingsStmt("DELETE FROM truthgraph_settings", None)
}
impl ClearSettingsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient>(
        &'s self,
        client: &'c C,
    ) -> Result<u64, tokio_postgres::Error> {
        client.execute(self.0, &[]).await
    }
}
pub struct EmbeddingRowsEstimateStmt(&'static str, Option<tokio_postgres::Statement>);
/// The planner's estimate of rows in `embeddings` (-1 before the first ANALYZE).
pub fn embedding_rows_estimate() -> EmbeddingRowsEstimateStmt {
    EmbeddingRowsEstimateStmt(
        "SELECT reltuples::int8 AS estimate FROM pg_class WHERE oid = to_regclass('embeddings')",
        None,
    )
}
impl EmbeddingRowsEstimateStmt {
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
    ) -> I64Query<'c, 'a, 's, C, i64, 0> {
        I64Query {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
pub struct TenantSizesStmt(&'static str, Option<tokio_postgres::Statement>);
/// Evidence embeddings per tenant, largest first.
pub fn tenant_sizes() -> TenantSizesStmt {
    TenantSizesStmt(
        "SELECT tenant_id, count(*) AS rows FROM embeddings WHERE entity_type = 'evidence' GROUP BY tenant_id ORDER BY count(*) DESC, tenant_id",
        None,
    )
}
impl TenantSizesStmt {
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
    ) -> TenantSizeQuery<'c, 'a, 's, C, TenantSize, 0> {
        TenantSizeQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TenantSizeBorrowed, tokio_postgres::Error> {
                    Ok(TenantSizeBorrowed {
                        tenant_id: row.try_get(0)?,
                        rows: row.try_get(1)?,
                    })
                },
            mapper: |it| TenantSize::from(it),
        }
    }
}
pub struct SampleEmbeddingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Up to `n` evidence embeddings of a tenant, the same ones on every call
/// (ordered by a hash of the entity id), as queries for tuning.
pub fn sample_embeddings() -> SampleEmbeddingsStmt {
    SampleEmbeddingsStmt(
        "SELECT entity_id, embedding FROM embeddings WHERE tenant_id = $1 AND entity_type = 'evidence' ORDER BY hashtext(entity_id::text), entity_id LIMIT $2",
        None,
    )
}
impl SampleEmbeddingsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        n: &'a i64,
    ) -> SampledEmbeddingQuery<'c, 'a, 's, C, SampledEmbedding, 2> {
        SampledEmbeddingQuery {
            client,
            params: [tenant_id, n],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<SampledEmbeddingBorrowed, tokio_postgres::Error> {
                Ok(SampledEmbeddingBorrowed {
                    entity_id: row.try_get(0)?,
                    embedding: row.try_get(1)?,
                })
            },
            mapper: |it| SampledEmbedding::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SampleEmbeddingsParams<T1>,
        SampledEmbeddingQuery<'c, 'a, 's, C, SampledEmbedding, 2>,
        C,
    > for SampleEmbeddingsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SampleEmbeddingsParams<T1>,
    ) -> SampledEmbeddingQuery<'c, 'a, 's, C, SampledEmbedding, 2> {
        self.bind(client, &params.tenant_id, &params.n)
    }
}
pub struct IndexBuildProgressStmt(&'static str, Option<tokio_postgres::Statement>);
/// Progress of index builds on `embeddings` (`pg_stat_progress_create_index`).
pub fn index_build_progress() -> IndexBuildProgressStmt {
    IndexBuildProgressStmt(
        "SELECT p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total FROM pg_stat_progress_create_index p WHERE p.relid = to_regclass('embeddings')",
        None,
    )
}
impl IndexBuildProgressStmt {
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
    ) -> IndexBuildProgressQuery<'c, 'a, 's, C, IndexBuildProgress, 0> {
        IndexBuildProgressQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<IndexBuildProgressBorrowed, tokio_postgres::Error> {
                Ok(IndexBuildProgressBorrowed {
                    phase: row.try_get(0)?,
                    blocks_done: row.try_get(1)?,
                    blocks_total: row.try_get(2)?,
                    tuples_done: row.try_get(3)?,
                    tuples_total: row.try_get(4)?,
                })
            },
            mapper: |it| IndexBuildProgress::from(it),
        }
    }
}

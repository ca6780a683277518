// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct EmbeddingCountOfParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
}
#[derive(Debug)]
pub struct UpsertTierParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub row_count: i64,
    pub index_name: Option<T3>,
    pub ef_search: Option<i32>,
    pub built: bool,
}
#[derive(Debug)]
pub struct RecordBuiltRowsParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub built: bool,
    pub tenant_id: T1,
    pub entity_type: T2,
}
#[derive(Debug)]
pub struct RecordElementBytesParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub built: bool,
    pub index_bytes: Option<i64>,
    pub tenant_id: T1,
    pub entity_type: T2,
}
#[derive(Debug)]
pub struct RecordMeasuredRowsParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub measured: bool,
    pub tenant_id: T1,
    pub entity_type: T2,
}
#[derive(Debug)]
pub struct DeleteTierParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
}
#[derive(Debug)]
pub struct TierSampleParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub n: i64,
}
#[derive(Debug)]
pub struct TierProbesOfTenantParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub n: i64,
}
#[derive(Debug)]
pub struct TierNeighbourAtParams<'a, T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub rank: i64,
}
#[derive(Debug)]
pub struct TierNeighboursExactParams<'a, T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub k: i64,
}
#[derive(Debug)]
pub struct TierNeighboursParams<'a, T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub k: i64,
}
#[derive(Debug, Clone, PartialEq)]
pub struct TierRoute {
    pub tenant_id: String,
    pub entity_type: String,
    pub row_count: i64,
    pub ef_search: Option<i32>,
    pub quantized: bool,
    pub hamming_list: bool,
}
pub struct TierRouteBorrowed<'a> {
    pub tenant_id: &'a str,
    pub entity_type: &'a str,
    pub row_count: i64,
    pub ef_search: Option<i32>,
    pub quantized: bool,
    pub hamming_list: bool,
}
impl<'a> From<TierRouteBorrowed<'a>> for TierRoute {
    fn from(
        TierRouteBorrowed {
            tenant_id,
            entity_type,
            row_count,
            ef_search,
            quantized,
            hamming_list,
        }: TierRouteBorrowed<'a>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            entity_type: entity_type.into(),
            row_count,
            ef_search,
            quantized,
            hamming_list,
        }
    }
}
#[derive(Debug, Clone, PartialEq, Copy)]
pub struct SharedIndex {
    pub shared: bool,
    pub registry: bool,
}
#[derive(Debug, Clone, PartialEq)]
pub struct TierRow {
    pub tenant_id: String,
    pub entity_type: String,
    pub row_count: i64,
    pub index_name: Option<String>,
    pub ef_search: Option<i32>,
    pub counted_at: chrono::NaiveDateTime,
    pub built_at: Option<chrono::NaiveDateTime>,
    pub built_rows: Option<i64>,
    pub element_bytes: Option<f64>,
    pub measured_rows: Option<i64>,
    pub index_bytes: Option<i64>,
}
pub struct TierRowBorrowed<'a> {
    pub tenant_id: &'a str,
    pub entity_type: &'a str,
    pub row_count: i64,
    pub index_name: Option<&'a str>,
    pub ef_search: Option<i32>,
    pub counted_at: chrono::NaiveDateTime,
    pub built_at: Option<chrono::NaiveDateTime>,
    pub built_rows: Option<i64>,
    pub element_bytes: Option<f64>,
    pub measured_rows: Option<i64>,
    pub index_bytes: Option<i64>,
}
impl<'a> From<TierRowBorrowed<'a>> for TierRow {
    fn from(
        TierRowBorrowed {
            tenant_id,
            entity_type,
            row_count,
            index_name,
            ef_search,
            counted_at,
            built_at,
            built_rows,
            element_bytes,
            measured_rows,
            index_bytes,
        }: TierRowBorrowed<'a>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            entity_type: entity_type.into(),
            row_count,
            index_name: index_name.map(|v| v.into()),
            ef_search,
            counted_at,
            built_at,
            built_rows,
            element_bytes,
            measured_rows,
            index_bytes,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingCount {
    pub tenant_id: String,
    pub entity_type: String,
    pub rows: i64,
}
pub struct EmbeddingCountBorrowed<'a> {
    pub tenant_id: &'a str,
    pub entity_type: &'a str,
    pub rows: i64,
}
impl<'a> From<EmbeddingCountBorrowed<'a>> for EmbeddingCount {
    fn from(
        EmbeddingCountBorrowed {
            tenant_id,
            entity_type,
            rows,
        }: EmbeddingCountBorrowed<'a>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            entity_type: entity_type.into(),
            rows,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct TierIndex {
    pub index_name: String,
    pub is_valid: bool,
    pub predicate: Option<String>,
    pub bytes: i64,
    pub options: Option<Vec<String>>,
    pub quantized: bool,
}
pub struct TierIndexBorrowed<'a> {
    pub index_name: &'a str,
    pub is_valid: bool,
    pub predicate: Option<&'a str>,
    pub bytes: i64,
    pub options: Option<crate::ArrayIterator<'a, &'a str>>,
    pub quantized: bool,
}
impl<'a> From<TierIndexBorrowed<'a>> for TierIndex {
    fn from(
        TierIndexBorrowed {
            index_name,
            is_valid,
            predicate,
            bytes,
            options,
            quantized,
        }: TierIndexBorrowed<'a>,
    ) -> Self {
        Self {
            index_name: index_name.into(),
            is_valid,
            predicate: predicate.map(|v| v.into()),
            bytes,
            options: options.map(|v| v.map(|v| v.into()).collect()),
            quantized,
        }
    }
}
#[derive(Debug, Clone, PartialEq, Copy)]
pub struct RegistryColumnSet {
    pub built_rows: bool,
    pub element_bytes: bool,
    pub measured_rows: bool,
}
#[derive(Debug, Clone, PartialEq)]
pub struct TierProbe {
    pub embedding: pgvector::Vector,
}
pub struct TierProbeBorrowed<'a> {
    pub embedding: truthgraph_vector_ref::VectorRef<'a>,
}
impl<'a> From<TierProbeBorrowed<'a>> for TierProbe {
    fn from(TierProbeBorrowed { embedding }: TierProbeBorrowed<'a>) -> Self {
        Self {
            embedding: embedding.into(),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct TierRouteQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TierRouteBorrowed, tokio_postgres::Error>,
    mapper: fn(TierRouteBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TierRouteQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(TierRouteBorrowed) -> R) -> TierRouteQuery<'c, 'a, 's, C, R, N> {
        TierRouteQuery {
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
pub struct SharedIndexQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<SharedIndex, tokio_postgres::Error>,
    mapper: fn(SharedIndex) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> SharedIndexQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(SharedIndex) -> R) -> SharedIndexQuery<'c, 'a, 's, C, R, N> {
        SharedIndexQuery {
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
pub struct TierRowQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TierRowBorrowed, tokio_postgres::Error>,
    mapper: fn(TierRowBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TierRowQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(TierRowBorrowed) -> R) -> TierRowQuery<'c, 'a, 's, C, R, N> {
        TierRowQuery {
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
pub struct EmbeddingCountQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EmbeddingCountBorrowed, tokio_postgres::Error>,
    mapper: fn(EmbeddingCountBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EmbeddingCountQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(EmbeddingCountBorrowed) -> R,
    ) -> EmbeddingCountQuery<'c, 'a, 's, C, R, N> {
        EmbeddingCountQuery {
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
pub struct TierIndexQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TierIndexBorrowed, tokio_postgres::Error>,
    mapper: fn(TierIndexBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TierIndexQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(TierIndexBorrowed) -> R) -> TierIndexQuery<'c, 'a, 's, C, R, N> {
        TierIndexQuery {
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
pub struct RegistryColumnSetQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<RegistryColumnSet, tokio_postgres::Error>,
    mapper: fn(RegistryColumnSet) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> RegistryColumnSetQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(RegistryColumnSet) -> R,
    ) -> RegistryColumnSetQuery<'c, 'a, 's, C, R, N> {
        RegistryColumnSetQuery {
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
pub struct Optioni64Query<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<Option<i64>, tokio_postgres::Error>,
    mapper: fn(Option<i64>) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> Optioni64Query<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(Option<i64>) -> R) -> Optioni64Query<'c, 'a, 's, C, R, N> {
        Optioni64Query {
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
pub struct TierProbeQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TierProbeBorrowed, tokio_postgres::Error>,
    mapper: fn(TierProbeBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TierProbeQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(TierProbeBorrowed) -> R) -> TierProbeQuery<'c, 'a, 's, C, R, N> {
        TierProbeQuery {
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
pub struct UuidUuidQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<uuid::Uuid, tokio_postgres::Error>,
    mapper: fn(uuid::Uuid) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> UuidUuidQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(uuid::Uuid) -> R) -> UuidUuidQuery<'c, 'a, 's, C, R, N> {
        UuidUuidQuery {
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
pub struct TierRoutesStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tiers whose index is there and valid: a search of such a tenant
/// uses the statement its index serves. Everything else is searched exactly.
/// `quantized`: the index is on an expression (`binary_quantize(embedding)`,
/// the only expression a tier index is built on), so its search ranks by
/// Hamming distance and re-ranks by the full vector. `hamming_list`: that
/// index is IVFFlat (a Hamming list, one list), whose `ef_search` in the
/// registry is the candidates it re-ranks (it has no graph).
pub fn tier_routes() -> TierRoutesStmt {
    TierRoutesStmt(
        "SELECT t.tenant_id, t.entity_type, t.row_count, t.ef_search, i.indexprs IS NOT NULL AS quantized, am.amname = 'ivfflat' AS hamming_list FROM truthgraph_tiers t JOIN pg_class c ON c.relname = t.index_name AND c.relnamespace = 'public'::regnamespace JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_am am ON am.oid = c.relam WHERE i.indisvalid AND i.indrelid = to_regclass('embeddings')",
        None,
    )
}
impl TierRoutesStmt {
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
    ) -> TierRouteQuery<'c, 'a, 's, C, TierRoute, 0> {
        TierRouteQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TierRouteBorrowed, tokio_postgres::Error> {
                    Ok(TierRouteBorrowed {
                        tenant_id: row.try_get(0)?,
                        entity_type: row.try_get(1)?,
                        row_count: row.try_get(2)?,
                        ef_search: row.try_get(3)?,
                        quantized: row.try_get(4)?,
                        hamming_list: row.try_get(5)?,
                    })
                },
            mapper: |it| TierRoute::from(it),
        }
    }
}
pub struct SharedVectorIndexStmt(&'static str, Option<tokio_postgres::Statement>);
/// Whether a valid vector index over every tenant (no predicate) is on
/// `embeddings`: kept by V10 until the tiers are built, or a user's. Tenants
/// without an index of their own are searched through it meanwhile. And
/// whether the registry is there (V10 on): before it there are no routes
/// to read (asked here, so that reading them never fails in the server's
/// log).
pub fn shared_vector_index() -> SharedVectorIndexStmt {
    SharedVectorIndexStmt(
        "SELECT EXISTS ( SELECT FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = to_regclass('embeddings') AND i.indisvalid AND i.indpred IS NULL AND am.amname IN ('hnsw', 'ivfflat') ) AS shared, to_regclass('truthgraph_tiers') IS NOT NULL AS registry",
        None,
    )
}
impl SharedVectorIndexStmt {
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
    ) -> SharedIndexQuery<'c, 'a, 's, C, SharedIndex, 0> {
        SharedIndexQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<SharedIndex, tokio_postgres::Error> {
                Ok(SharedIndex {
                    shared: row.try_get(0)?,
                    registry: row.try_get(1)?,
                })
            },
            mapper: |it| SharedIndex::from(it),
        }
    }
}
pub struct TierRowsStmt(&'static str, Option<tokio_postgres::Statement>);
/// The registry, with the size of each tier's index (NULL: no such index),
/// the rows it was built over (V13), the bytes of one of its elements
/// (V14) and the rows it was last measured at (V15); NULL before, read so
/// that a database not yet migrated still has its tiers kept.
pub fn tier_rows() -> TierRowsStmt {
    TierRowsStmt(
        "SELECT t.tenant_id, t.entity_type, t.row_count, t.index_name, t.ef_search, t.counted_at, t.built_at, (to_jsonb(t) ->> 'built_rows')::int8 AS built_rows, (to_jsonb(t) ->> 'element_bytes')::float8 AS element_bytes, (to_jsonb(t) ->> 'measured_rows')::int8 AS measured_rows, pg_relation_size(to_regclass(quote_ident(t.index_name))) AS index_bytes FROM truthgraph_tiers t ORDER BY t.row_count DESC, t.tenant_id, t.entity_type",
        None,
    )
}
impl TierRowsStmt {
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
    ) -> TierRowQuery<'c, 'a, 's, C, TierRow, 0> {
        TierRowQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TierRowBorrowed, tokio_postgres::Error> {
                    Ok(TierRowBorrowed {
                        tenant_id: row.try_get(0)?,
                        entity_type: row.try_get(1)?,
                        row_count: row.try_get(2)?,
                        index_name: row.try_get(3)?,
                        ef_search: row.try_get(4)?,
                        counted_at: row.try_get(5)?,
                        built_at: row.try_get(6)?,
                        built_rows: row.try_get(7)?,
                        element_bytes: row.try_get(8)?,
                        measured_rows: row.try_get(9)?,
                        index_bytes: row.try_get(10)?,
                    })
                },
            mapper: |it| TierRow::from(it),
        }
    }
}
pub struct EmbeddingCountsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Embeddings per tenant and entity type (an index-only scan of
/// `idx_embeddings_tenant_type`).
pub fn embedding_counts() -> EmbeddingCountsStmt {
    EmbeddingCountsStmt(
        "SELECT tenant_id, entity_type, count(*) AS rows FROM embeddings GROUP BY tenant_id, entity_type ORDER BY tenant_id, entity_type",
        None,
    )
}
impl EmbeddingCountsStmt {
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
    ) -> EmbeddingCountQuery<'c, 'a, 's, C, EmbeddingCount, 0> {
        EmbeddingCountQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<EmbeddingCountBorrowed, tokio_postgres::Error> {
                Ok(EmbeddingCountBorrowed {
                    tenant_id: row.try_get(0)?,
                    entity_type: row.try_get(1)?,
                    rows: row.try_get(2)?,
                })
            },
            mapper: |it| EmbeddingCount::from(it),
        }
    }
}
pub struct EmbeddingCountOfStmt(&'static str, Option<tokio_postgres::Statement>);
/// Embeddings of one tenant and entity type.
pub fn embedding_count_of() -> EmbeddingCountOfStmt {
    EmbeddingCountOfStmt(
        "SELECT count(*) AS rows FROM embeddings WHERE tenant_id = $1 AND entity_type = $2",
        None,
    )
}
impl EmbeddingCountOfStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
    ) -> I64Query<'c, 'a, 's, C, i64, 2> {
        I64Query {
            client,
            params: [tenant_id, entity_type],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        EmbeddingCountOfParams<T1, T2>,
        I64Query<'c, 'a, 's, C, i64, 2>,
        C,
    > for EmbeddingCountOfStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a EmbeddingCountOfParams<T1, T2>,
    ) -> I64Query<'c, 'a, 's, C, i64, 2> {
        self.bind(client, &params.tenant_id, &params.entity_type)
    }
}
pub struct TierIndexesStmt(&'static str, Option<tokio_postgres::Statement>);
/// The library's tier indexes on `embeddings`: `idx_embeddings_tier_*` and
/// the Python tenant's `idx_embeddings_vector_cosine` when partial, with
/// validity, predicate (as PostgreSQL prints it), storage parameters
/// (`m=32` for a dense graph) and whether it is on `binary_quantize(embedding)`.
pub fn tier_indexes() -> TierIndexesStmt {
    TierIndexesStmt(
        "SELECT c.relname::text AS index_name, i.indisvalid AS is_valid, pg_get_expr(i.indpred, i.indrelid) AS predicate, pg_relation_size(c.oid) AS bytes, c.reloptions AS options, i.indexprs IS NOT NULL AS quantized FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass('embeddings') AND (c.relname LIKE 'idx\\_embeddings\\_tier\\_%' OR (c.relname = 'idx_embeddings_vector_cosine' AND i.indpred IS NOT NULL)) ORDER BY 1",
        None,
    )
}
impl TierIndexesStmt {
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
    ) -> TierIndexQuery<'c, 'a, 's, C, TierIndex, 0> {
        TierIndexQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TierIndexBorrowed, tokio_postgres::Error> {
                    Ok(TierIndexBorrowed {
                        index_name: row.try_get(0)?,
                        is_valid: row.try_get(1)?,
                        predicate: row.try_get(2)?,
                        bytes: row.try_get(3)?,
                        options: row.try_get(4)?,
                        quantized: row.try_get(5)?,
                    })
                },
            mapper: |it| TierIndex::from(it),
        }
    }
}
pub struct UpsertTierStmt(&'static str, Option<tokio_postgres::Statement>);
/// Records a tier as counted and, when `built` is true, its index as built now.
pub fn upsert_tier() -> UpsertTierStmt {
    UpsertTierStmt(
        "INSERT INTO truthgraph_tiers (tenant_id, entity_type, row_count, index_name, ef_search, built_at) VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::bool THEN now() AT TIME ZONE 'utc' END) ON CONFLICT (tenant_id, entity_type) DO UPDATE SET row_count = EXCLUDED.row_count, index_name = EXCLUDED.index_name, ef_search = EXCLUDED.ef_search, counted_at = EXCLUDED.counted_at, built_at = CASE WHEN EXCLUDED.index_name IS NULL THEN NULL ELSE coalesce(EXCLUDED.built_at, truthgraph_tiers.built_at) END",
        None,
    )
}
impl UpsertTierStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<
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
        tenant_id: &'a T1,
        entity_type: &'a T2,
        row_count: &'a i64,
        index_name: &'a Option<T3>,
        ef_search: &'a Option<i32>,
        built: &'a bool,
    ) -> Result<u64, tokio_postgres::Error> {
        client
            .execute(
                self.0,
                &[
                    tenant_id,
                    entity_type,
                    row_count,
                    index_name,
                    ef_search,
                    built,
                ],
            )
            .await
    }
}
impl<
    'a,
    C: GenericClient + Send + Sync,
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        UpsertTierParams<T1, T2, T3>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for UpsertTierStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a UpsertTierParams<T1, T2, T3>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.row_count,
            &params.index_name,
            &params.ef_search,
            &params.built,
        ))
    }
}
pub struct RegistryColumnsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Which of the registry's later columns `truthgraph_tiers` has: V13's
/// `built_rows`, V14's `element_bytes`, V15's `measured_rows` (a database
/// not yet migrated to them has its tiers recorded without).
pub fn registry_columns() -> RegistryColumnsStmt {
    RegistryColumnsStmt(
        "SELECT coalesce('built_rows' = ANY (a.names), false) AS built_rows, coalesce('element_bytes' = ANY (a.names), false) AS element_bytes, coalesce('measured_rows' = ANY (a.names), false) AS measured_rows FROM (SELECT array_agg(attname::text) AS names FROM pg_attribute WHERE attrelid = to_regclass('truthgraph_tiers') AND attnum > 0 AND NOT attisdropped) a",
        None,
    )
}
impl RegistryColumnsStmt {
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
    ) -> RegistryColumnSetQuery<'c, 'a, 's, C, RegistryColumnSet, 0> {
        RegistryColumnSetQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<RegistryColumnSet, tokio_postgres::Error> {
                    Ok(RegistryColumnSet {
                        built_rows: row.try_get(0)?,
                        element_bytes: row.try_get(1)?,
                        measured_rows: row.try_get(2)?,
                    })
                },
            mapper: |it| RegistryColumnSet::from(it),
        }
    }
}
pub struct RecordBuiltRowsStmt(&'static str, Option<tokio_postgres::Statement>);
/// After `upsert_tier` (V13 on): the most rows the tier's index has held,
/// those counted now when `built` is true (or none were known), else
/// raised to the count now when larger (inserted rows are in the graph
/// too); NULL without an index.
pub fn record_built_rows() -> RecordBuiltRowsStmt {
    RecordBuiltRowsStmt(
        "UPDATE truthgraph_tiers SET built_rows = CASE WHEN index_name IS NULL THEN NULL WHEN $1::bool THEN row_count ELSE greatest(coalesce(built_rows, row_count), row_count) END WHERE tenant_id = $2 AND entity_type = $3",
        None,
    )
}
impl RecordBuiltRowsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        built: &'a bool,
        tenant_id: &'a T1,
        entity_type: &'a T2,
    ) -> Result<u64, tokio_postgres::Error> {
        client
            .execute(self.0, &[built, tenant_id, entity_type])
            .await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        RecordBuiltRowsParams<T1, T2>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for RecordBuiltRowsStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a RecordBuiltRowsParams<T1, T2>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(
            client,
            &params.built,
            &params.tenant_id,
            &params.entity_type,
        ))
    }
}
pub struct RecordElementBytesStmt(&'static str, Option<tokio_postgres::Statement>);
/// After `record_built_rows` (V14 on): the bytes of one element of the
/// tier's index of `index_bytes` bytes now, (bytes - the metapage) / the
/// most rows it has held, when it was just built or none is recorded yet
/// (a tier built before V14: what its index holds now is taken as live);
/// else kept. NULL without an index, or under 64 bytes an element, less
/// than any element takes: a shell, as on a Citus coordinator, whose rows
/// are on the workers. The size is read by the caller (`index_bytes`), so
/// the statement calls no volatile function on what is a reference table
/// on Citus.
pub fn record_element_bytes() -> RecordElementBytesStmt {
    RecordElementBytesStmt(
        "UPDATE truthgraph_tiers SET element_bytes = CASE WHEN index_name IS NULL THEN NULL WHEN NOT $1::bool AND element_bytes IS NOT NULL THEN element_bytes WHEN ($2::int8 - 8192)::float8 / greatest(coalesce(built_rows, row_count), 1) >= 64 THEN ($2::int8 - 8192)::float8 / greatest(coalesce(built_rows, row_count), 1) END WHERE tenant_id = $3 AND entity_type = $4",
        None,
    )
}
impl RecordElementBytesStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        built: &'a bool,
        index_bytes: &'a Option<i64>,
        tenant_id: &'a T1,
        entity_type: &'a T2,
    ) -> Result<u64, tokio_postgres::Error> {
        client
            .execute(self.0, &[built, index_bytes, tenant_id, entity_type])
            .await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        RecordElementBytesParams<T1, T2>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for RecordElementBytesStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a RecordElementBytesParams<T1, T2>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(
            client,
            &params.built,
            &params.index_bytes,
            &params.tenant_id,
            &params.entity_type,
        ))
    }
}
pub struct RecordMeasuredRowsStmt(&'static str, Option<tokio_postgres::Statement>);
/// After `upsert_tier` (V15 on): the rows the tier's index was last
/// measured at, those counted now when `measured` is true (a build, a
/// conversion or a re-measurement) or none are recorded yet; else kept.
/// NULL without an index.
pub fn record_measured_rows() -> RecordMeasuredRowsStmt {
    RecordMeasuredRowsStmt(
        "UPDATE truthgraph_tiers SET measured_rows = CASE WHEN index_name IS NULL THEN NULL WHEN $1::bool THEN row_count ELSE coalesce(measured_rows, row_count) END WHERE tenant_id = $2 AND entity_type = $3",
        None,
    )
}
impl RecordMeasuredRowsStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        measured: &'a bool,
        tenant_id: &'a T1,
        entity_type: &'a T2,
    ) -> Result<u64, tokio_postgres::Error> {
        client
            .execute(self.0, &[measured, tenant_id, entity_type])
            .await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        RecordMeasuredRowsParams<T1, T2>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for RecordMeasuredRowsStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a RecordMeasuredRowsParams<T1, T2>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(
            client,
            &params.measured,
            &params.tenant_id,
            &params.entity_type,
        ))
    }
}
pub struct IndexBytesStmt(&'static str, Option<tokio_postgres::Statement>);
/// The size of an index of `embeddings` by name (NULL: no such index).
pub fn index_bytes() -> IndexBytesStmt {
    IndexBytesStmt(
        "SELECT pg_relation_size(to_regclass(quote_ident($1))) AS bytes",
        None,
    )
}
impl IndexBytesStmt {
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
        index_name: &'a T1,
    ) -> Optioni64Query<'c, 'a, 's, C, Option<i64>, 1> {
        Optioni64Query {
            client,
            params: [index_name],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
pub struct ForgetBuiltRowsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Every tier index was just rebuilt (`reindex`): each is built over the
/// rows it has now, which the tier's next record counts (`built_rows` NULL).
pub fn forget_built_rows() -> ForgetBuiltRowsStmt {
    ForgetBuiltRowsStmt(
        "UPDATE truthgraph_tiers SET built_rows = NULL WHERE index_name IS NOT NULL",
        None,
    )
}
impl ForgetBuiltRowsStmt {
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
pub struct DeleteTierStmt(&'static str, Option<tokio_postgres::Statement>);
/// Forgets a tier (its tenant has no embeddings of the type left).
pub fn delete_tier() -> DeleteTierStmt {
    DeleteTierStmt(
        "DELETE FROM truthgraph_tiers WHERE tenant_id = $1 AND entity_type = $2",
        None,
    )
}
impl DeleteTierStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
    ) -> Result<u64, tokio_postgres::Error> {
        client.execute(self.0, &[tenant_id, entity_type]).await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        DeleteTierParams<T1, T2>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for DeleteTierStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a DeleteTierParams<T1, T2>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(client, &params.tenant_id, &params.entity_type))
    }
}
pub struct BuildMemoryKbStmt(&'static str, Option<tokio_postgres::Statement>);
/// The server's `maintenance_work_mem` in kB: what an index build gets
/// unless the library sizes it (src/index_build/tiers.rs).
pub fn build_memory_kb() -> BuildMemoryKbStmt {
    BuildMemoryKbStmt(
        "SELECT setting::int8 AS kb FROM pg_settings WHERE name = 'maintenance_work_mem'",
        None,
    )
}
impl BuildMemoryKbStmt {
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
pub struct TierSampleStmt(&'static str, Option<tokio_postgres::Statement>);
/// Up to `n` of one tier's embeddings, the same ones on every call (by a
/// hash of the entity id): each, moved by its distance to its nearest row,
/// is a query of the tier's `ef_search` measurement when the tenant has no
/// rows of the other entity type (src/index_build/tier_ef.rs).
pub fn tier_sample() -> TierSampleStmt {
    TierSampleStmt(
        "SELECT embedding FROM embeddings WHERE tenant_id = $1 AND entity_type = $2 ORDER BY hashtext(entity_id::text), entity_id LIMIT $3",
        None,
    )
}
impl TierSampleStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
        n: &'a i64,
    ) -> TierProbeQuery<'c, 'a, 's, C, TierProbe, 3> {
        TierProbeQuery {
            client,
            params: [tenant_id, entity_type, n],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TierProbeBorrowed, tokio_postgres::Error> {
                    Ok(TierProbeBorrowed {
                        embedding: row.try_get(0)?,
                    })
                },
            mapper: |it| TierProbe::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TierSampleParams<T1, T2>,
        TierProbeQuery<'c, 'a, 's, C, TierProbe, 3>,
        C,
    > for TierSampleStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TierSampleParams<T1, T2>,
    ) -> TierProbeQuery<'c, 'a, 's, C, TierProbe, 3> {
        self.bind(client, &params.tenant_id, &params.entity_type, &params.n)
    }
}
pub struct TierProbesOfTenantStmt(&'static str, Option<tokio_postgres::Statement>);
/// Up to `n` of a tenant's embeddings of the other entity type (its claims,
/// for its evidence tier: the queries that tier is asked), the same ones on
/// every call.
pub fn tier_probes_of_tenant() -> TierProbesOfTenantStmt {
    TierProbesOfTenantStmt(
        "SELECT embedding FROM embeddings WHERE tenant_id = $1 AND entity_type <> $2 ORDER BY hashtext(entity_id::text), entity_id LIMIT $3",
        None,
    )
}
impl TierProbesOfTenantStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
        n: &'a i64,
    ) -> TierProbeQuery<'c, 'a, 's, C, TierProbe, 3> {
        TierProbeQuery {
            client,
            params: [tenant_id, entity_type, n],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TierProbeBorrowed, tokio_postgres::Error> {
                    Ok(TierProbeBorrowed {
                        embedding: row.try_get(0)?,
                    })
                },
            mapper: |it| TierProbe::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TierProbesOfTenantParams<T1, T2>,
        TierProbeQuery<'c, 'a, 's, C, TierProbe, 3>,
        C,
    > for TierProbesOfTenantStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TierProbesOfTenantParams<T1, T2>,
    ) -> TierProbeQuery<'c, 'a, 's, C, TierProbe, 3> {
        self.bind(client, &params.tenant_id, &params.entity_type, &params.n)
    }
}
pub struct TierNeighbourAtStmt(&'static str, Option<tokio_postgres::Statement>);
/// The embedding of the `rank`-th nearest (from 0) of one tier's embeddings
/// to `query`, exactly (rank 1 of a stored row: its nearest other row).
pub fn tier_neighbour_at() -> TierNeighbourAtStmt {
    TierNeighbourAtStmt(
        "SELECT embedding FROM embeddings WHERE tenant_id = $1 AND entity_type = $2 ORDER BY (embedding <=> $3) + 0, entity_id OFFSET $4 LIMIT 1",
        None,
    )
}
impl TierNeighbourAtStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        rank: &'a i64,
    ) -> TierProbeQuery<'c, 'a, 's, C, TierProbe, 4> {
        TierProbeQuery {
            client,
            params: [tenant_id, entity_type, query, rank],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TierProbeBorrowed, tokio_postgres::Error> {
                    Ok(TierProbeBorrowed {
                        embedding: row.try_get(0)?,
                    })
                },
            mapper: |it| TierProbe::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TierNeighbourAtParams<'a, T1, T2>,
        TierProbeQuery<'c, 'a, 's, C, TierProbe, 4>,
        C,
    > for TierNeighbourAtStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TierNeighbourAtParams<'a, T1, T2>,
    ) -> TierProbeQuery<'c, 'a, 's, C, TierProbe, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.query,
            &params.rank,
        )
    }
}
pub struct TierNeighboursExactStmt(&'static str, Option<tokio_postgres::Statement>);
/// The `k` nearest of one tier's embeddings to `query`, exactly: ordered by
/// an expression no index serves (`+ 0`).
pub fn tier_neighbours_exact() -> TierNeighboursExactStmt {
    TierNeighboursExactStmt(
        "SELECT entity_id FROM embeddings WHERE tenant_id = $1 AND entity_type = $2 ORDER BY (embedding <=> $3) + 0, entity_id LIMIT $4",
        None,
    )
}
impl TierNeighboursExactStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        k: &'a i64,
    ) -> UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 4> {
        UuidUuidQuery {
            client,
            params: [tenant_id, entity_type, query, k],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TierNeighboursExactParams<'a, T1, T2>,
        UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 4>,
        C,
    > for TierNeighboursExactStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TierNeighboursExactParams<'a, T1, T2>,
    ) -> UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.query,
            &params.k,
        )
    }
}
pub struct TierNeighboursStmt(&'static str, Option<tokio_postgres::Statement>);
/// The `k` nearest of one tier's embeddings to `query` as its own index finds
/// them (planned for the tenant's value: the partial index).
pub fn tier_neighbours() -> TierNeighboursStmt {
    TierNeighboursStmt(
        "SELECT entity_id FROM embeddings WHERE tenant_id = $1 AND entity_type = $2 ORDER BY embedding <=> $3 LIMIT $4",
        None,
    )
}
impl TierNeighboursStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        k: &'a i64,
    ) -> UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 4> {
        UuidUuidQuery {
            client,
            params: [tenant_id, entity_type, query, k],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TierNeighboursParams<'a, T1, T2>,
        UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 4>,
        C,
    > for TierNeighboursStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TierNeighboursParams<'a, T1, T2>,
    ) -> UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.query,
            &params.k,
        )
    }
}

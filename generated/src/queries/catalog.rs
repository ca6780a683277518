// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct SchemaColumnsParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = T2>,
> {
    pub schema: T1,
    pub tables: T3,
}
#[derive(Debug)]
pub struct SchemaIndexesParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = T2>,
> {
    pub schema: T1,
    pub tables: T3,
}
#[derive(Debug)]
pub struct SchemaTriggersParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = T2>,
> {
    pub schema: T1,
    pub tables: T3,
}
#[derive(Debug)]
pub struct SchemaHasFunctionParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub name: T1,
    pub schema: T2,
}
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingColumn {
    pub dimension: i32,
    pub storage: String,
}
pub struct EmbeddingColumnBorrowed<'a> {
    pub dimension: i32,
    pub storage: &'a str,
}
impl<'a> From<EmbeddingColumnBorrowed<'a>> for EmbeddingColumn {
    fn from(EmbeddingColumnBorrowed { dimension, storage }: EmbeddingColumnBorrowed<'a>) -> Self {
        Self {
            dimension,
            storage: storage.into(),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct VectorIndex {
    pub index_name: String,
    pub table_name: String,
    pub method: String,
    pub opclass: String,
    pub options: Option<Vec<String>>,
    pub definition: String,
    pub size_bytes: i64,
    pub is_valid: bool,
    pub table_rows_estimate: i64,
    pub on_expression: bool,
}
pub struct VectorIndexBorrowed<'a> {
    pub index_name: &'a str,
    pub table_name: &'a str,
    pub method: &'a str,
    pub opclass: &'a str,
    pub options: Option<crate::ArrayIterator<'a, &'a str>>,
    pub definition: &'a str,
    pub size_bytes: i64,
    pub is_valid: bool,
    pub table_rows_estimate: i64,
    pub on_expression: bool,
}
impl<'a> From<VectorIndexBorrowed<'a>> for VectorIndex {
    fn from(
        VectorIndexBorrowed {
            index_name,
            table_name,
            method,
            opclass,
            options,
            definition,
            size_bytes,
            is_valid,
            table_rows_estimate,
            on_expression,
        }: VectorIndexBorrowed<'a>,
    ) -> Self {
        Self {
            index_name: index_name.into(),
            table_name: table_name.into(),
            method: method.into(),
            opclass: opclass.into(),
            options: options.map(|v| v.map(|v| v.into()).collect()),
            definition: definition.into(),
            size_bytes,
            is_valid,
            table_rows_estimate,
            on_expression,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct ServerInfo {
    pub server_version: String,
    pub pgvector_version: Option<String>,
    pub pgvector_available: Option<String>,
}
pub struct ServerInfoBorrowed<'a> {
    pub server_version: &'a str,
    pub pgvector_version: Option<&'a str>,
    pub pgvector_available: Option<&'a str>,
}
impl<'a> From<ServerInfoBorrowed<'a>> for ServerInfo {
    fn from(
        ServerInfoBorrowed {
            server_version,
            pgvector_version,
            pgvector_available,
        }: ServerInfoBorrowed<'a>,
    ) -> Self {
        Self {
            server_version: server_version.into(),
            pgvector_version: pgvector_version.map(|v| v.into()),
            pgvector_available: pgvector_available.map(|v| v.into()),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRole {
    pub server_address: Option<String>,
    pub server_port: Option<i32>,
    pub in_recovery: bool,
    pub synchronous_standby_names: String,
    pub synchronous_commit: String,
}
pub struct ServerRoleBorrowed<'a> {
    pub server_address: Option<&'a str>,
    pub server_port: Option<i32>,
    pub in_recovery: bool,
    pub synchronous_standby_names: &'a str,
    pub synchronous_commit: &'a str,
}
impl<'a> From<ServerRoleBorrowed<'a>> for ServerRole {
    fn from(
        ServerRoleBorrowed {
            server_address,
            server_port,
            in_recovery,
            synchronous_standby_names,
            synchronous_commit,
        }: ServerRoleBorrowed<'a>,
    ) -> Self {
        Self {
            server_address: server_address.map(|v| v.into()),
            server_port,
            in_recovery,
            synchronous_standby_names: synchronous_standby_names.into(),
            synchronous_commit: synchronous_commit.into(),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct StandbyState {
    pub application_name: Option<String>,
    pub client_address: Option<String>,
    pub state: Option<String>,
    pub sync_state: Option<String>,
    pub replay_lag_ms: Option<f64>,
}
pub struct StandbyStateBorrowed<'a> {
    pub application_name: Option<&'a str>,
    pub client_address: Option<&'a str>,
    pub state: Option<&'a str>,
    pub sync_state: Option<&'a str>,
    pub replay_lag_ms: Option<f64>,
}
impl<'a> From<StandbyStateBorrowed<'a>> for StandbyState {
    fn from(
        StandbyStateBorrowed {
            application_name,
            client_address,
            state,
            sync_state,
            replay_lag_ms,
        }: StandbyStateBorrowed<'a>,
    ) -> Self {
        Self {
            application_name: application_name.map(|v| v.into()),
            client_address: client_address.map(|v| v.into()),
            state: state.map(|v| v.into()),
            sync_state: sync_state.map(|v| v.into()),
            replay_lag_ms,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    pub table_name: String,
    pub live_rows: i64,
}
pub struct TableRowsBorrowed<'a> {
    pub table_name: &'a str,
    pub live_rows: i64,
}
impl<'a> From<TableRowsBorrowed<'a>> for TableRows {
    fn from(
        TableRowsBorrowed {
            table_name,
            live_rows,
        }: TableRowsBorrowed<'a>,
    ) -> Self {
        Self {
            table_name: table_name.into(),
            live_rows,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaColumn {
    pub table_name: String,
    pub column_name: String,
    pub data_type: String,
}
pub struct SchemaColumnBorrowed<'a> {
    pub table_name: &'a str,
    pub column_name: &'a str,
    pub data_type: &'a str,
}
impl<'a> From<SchemaColumnBorrowed<'a>> for SchemaColumn {
    fn from(
        SchemaColumnBorrowed {
            table_name,
            column_name,
            data_type,
        }: SchemaColumnBorrowed<'a>,
    ) -> Self {
        Self {
            table_name: table_name.into(),
            column_name: column_name.into(),
            data_type: data_type.into(),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaObject {
    pub table_name: String,
    pub name: String,
}
pub struct SchemaObjectBorrowed<'a> {
    pub table_name: &'a str,
    pub name: &'a str,
}
impl<'a> From<SchemaObjectBorrowed<'a>> for SchemaObject {
    fn from(SchemaObjectBorrowed { table_name, name }: SchemaObjectBorrowed<'a>) -> Self {
        Self {
            table_name: table_name.into(),
            name: name.into(),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct EmbeddingColumnQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EmbeddingColumnBorrowed, tokio_postgres::Error>,
    mapper: fn(EmbeddingColumnBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EmbeddingColumnQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(EmbeddingColumnBorrowed) -> R,
    ) -> EmbeddingColumnQuery<'c, 'a, 's, C, R, N> {
        EmbeddingColumnQuery {
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
pub struct BoolQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<bool, tokio_postgres::Error>,
    mapper: fn(bool) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> BoolQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(bool) -> R) -> BoolQuery<'c, 'a, 's, C, R, N> {
        BoolQuery {
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
pub struct VectorIndexQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<VectorIndexBorrowed, tokio_postgres::Error>,
    mapper: fn(VectorIndexBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> VectorIndexQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(VectorIndexBorrowed) -> R,
    ) -> VectorIndexQuery<'c, 'a, 's, C, R, N> {
        VectorIndexQuery {
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
pub struct ServerInfoQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ServerInfoBorrowed, tokio_postgres::Error>,
    mapper: fn(ServerInfoBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ServerInfoQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(ServerInfoBorrowed) -> R,
    ) -> ServerInfoQuery<'c, 'a, 's, C, R, N> {
        ServerInfoQuery {
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
pub struct ServerRoleQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ServerRoleBorrowed, tokio_postgres::Error>,
    mapper: fn(ServerRoleBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ServerRoleQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(ServerRoleBorrowed) -> R,
    ) -> ServerRoleQuery<'c, 'a, 's, C, R, N> {
        ServerRoleQuery {
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
pub struct StandbyStateQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<StandbyStateBorrowed, tokio_postgres::Error>,
    mapper: fn(StandbyStateBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> StandbyStateQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(StandbyStateBorrowed) -> R,
    ) -> StandbyStateQuery<'c, 'a, 's, C, R, N> {
        StandbyStateQuery {
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
pub struct TableRowsQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TableRowsBorrowed, tokio_postgres::Error>,
    mapper: fn(TableRowsBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TableRowsQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(TableRowsBorrowed) -> R) -> TableRowsQuery<'c, 'a, 's, C, R, N> {
        TableRowsQuery {
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
pub struct StringQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<&str, tokio_postgres::Error>,
    mapper: fn(&str) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> StringQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(&str) -> R) -> StringQuery<'c, 'a, 's, C, R, N> {
        StringQuery {
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
pub struct SchemaColumnQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<SchemaColumnBorrowed, tokio_postgres::Error>,
    mapper: fn(SchemaColumnBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> SchemaColumnQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(SchemaColumnBorrowed) -> R,
    ) -> SchemaColumnQuery<'c, 'a, 's, C, R, N> {
        SchemaColumnQuery {
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
pub struct SchemaObjectQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<SchemaObjectBorrowed, tokio_postgres::Error>,
    mapper: fn(SchemaObjectBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> SchemaObjectQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(SchemaObjectBorrowed) -> R,
    ) -> SchemaObjectQuery<'c, 'a, 's, C, R, N> {
        SchemaObjectQuery {
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
pub struct EmbeddingDimensionStmt(&'static str, Option<tokio_postgres::Statement>);
/// The declared dimension (`atttypmod`) and storage mode of `embeddings.embedding`;
/// no row before the table exists.
pub fn embedding_dimension() -> EmbeddingDimensionStmt {
    EmbeddingDimensionStmt(
        "SELECT a.atttypmod AS dimension, a.attstorage::text AS storage FROM pg_attribute a WHERE a.attrelid = to_regclass('embeddings') AND a.attname = 'embedding' AND NOT a.attisdropped",
        None,
    )
}
impl EmbeddingDimensionStmt {
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
    ) -> EmbeddingColumnQuery<'c, 'a, 's, C, EmbeddingColumn, 0> {
        EmbeddingColumnQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<EmbeddingColumnBorrowed, tokio_postgres::Error> {
                Ok(EmbeddingColumnBorrowed {
                    dimension: row.try_get(0)?,
                    storage: row.try_get(1)?,
                })
            },
            mapper: |it| EmbeddingColumn::from(it),
        }
    }
}
pub struct BypassesRowSecurityStmt(&'static str, Option<tokio_postgres::Statement>);
/// Whether row-level security can never apply to the current user: a
/// superuser, a role with BYPASSRLS, or (a member of) the owner of `claims`
/// (V7 does not FORCE it). False before `claims` exists unless superuser.
pub fn bypasses_row_security() -> BypassesRowSecurityStmt {
    BypassesRowSecurityStmt(
        "SELECT r.rolsuper OR r.rolbypassrls OR coalesce((SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass('claims')), false) AS bypasses FROM pg_roles r WHERE r.rolname = current_user",
        None,
    )
}
impl BypassesRowSecurityStmt {
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
    ) -> BoolQuery<'c, 'a, 's, C, bool, 0> {
        BoolQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
pub struct VectorIndexesStmt(&'static str, Option<tokio_postgres::Statement>);
/// Every ivfflat/hnsw index in `public`: method, operator class, storage
/// parameters, the DDL that recreates it, size, validity (an interrupted
/// `CREATE INDEX CONCURRENTLY` leaves an invalid one), the planner's row
/// estimate of its table, and whether it is on an expression (a quantized
/// tier's `binary_quantize(embedding)::bit(N)`: its definition names the
/// column's dimension). An index that another session drops while this
/// runs is left out: the catalog functions answer NULL for it (computed once,
/// in the fenced LATERAL, so the filter and the row see the same value).
pub fn vector_indexes() -> VectorIndexesStmt {
    VectorIndexesStmt(
        "SELECT c.relname::text AS index_name, t.relname::text AS table_name, am.amname::text AS method, oc.opcname::text AS opclass, c.reloptions AS options, f.definition, f.size_bytes, i.indisvalid AS is_valid, t.reltuples::int8 AS table_rows_estimate, i.indexprs IS NOT NULL AS on_expression FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am am ON am.oid = c.relam JOIN pg_opclass oc ON oc.oid = i.indclass[0] CROSS JOIN LATERAL (SELECT pg_get_indexdef(i.indexrelid) AS definition, pg_relation_size(c.oid) AS size_bytes OFFSET 0) f WHERE am.amname IN ('ivfflat', 'hnsw') AND t.relnamespace = 'public'::regnamespace AND f.definition IS NOT NULL AND f.size_bytes IS NOT NULL ORDER BY c.relname",
        None,
    )
}
impl VectorIndexesStmt {
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
    ) -> VectorIndexQuery<'c, 'a, 's, C, VectorIndex, 0> {
        VectorIndexQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<VectorIndexBorrowed, tokio_postgres::Error> {
                    Ok(VectorIndexBorrowed {
                        index_name: row.try_get(0)?,
                        table_name: row.try_get(1)?,
                        method: row.try_get(2)?,
                        opclass: row.try_get(3)?,
                        options: row.try_get(4)?,
                        definition: row.try_get(5)?,
                        size_bytes: row.try_get(6)?,
                        is_valid: row.try_get(7)?,
                        table_rows_estimate: row.try_get(8)?,
                        on_expression: row.try_get(9)?,
                    })
                },
            mapper: |it| VectorIndex::from(it),
        }
    }
}
pub struct ServerInfoStmt(&'static str, Option<tokio_postgres::Statement>);
/// The server's version, the pgvector version of this database's extension
/// and the version the server's installed library offers
/// (`pg_available_extensions.default_version`: what `ALTER EXTENSION vector
/// UPDATE` moves to).
pub fn server_info() -> ServerInfoStmt {
    ServerInfoStmt(
        "SELECT current_setting('server_version') AS server_version, (SELECT extversion::text FROM pg_extension WHERE extname = 'vector') AS pgvector_version, (SELECT default_version::text FROM pg_available_extensions WHERE name = 'vector') AS pgvector_available",
        None,
    )
}
impl ServerInfoStmt {
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
    ) -> ServerInfoQuery<'c, 'a, 's, C, ServerInfo, 0> {
        ServerInfoQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ServerInfoBorrowed, tokio_postgres::Error> {
                    Ok(ServerInfoBorrowed {
                        server_version: row.try_get(0)?,
                        pgvector_version: row.try_get(1)?,
                        pgvector_available: row.try_get(2)?,
                    })
                },
            mapper: |it| ServerInfo::from(it),
        }
    }
}
pub struct ServerRoleStmt(&'static str, Option<tokio_postgres::Statement>);
/// Which server answered and how its commits replicate: its address and
/// port as it sees them (NULL over a Unix socket), whether it is a standby
/// (in recovery), `synchronous_standby_names` and this session's
/// `synchronous_commit`.
pub fn server_role() -> ServerRoleStmt {
    ServerRoleStmt(
        "SELECT host(inet_server_addr()) AS server_address, inet_server_port() AS server_port, pg_is_in_recovery() AS in_recovery, current_setting('synchronous_standby_names') AS synchronous_standby_names, current_setting('synchronous_commit') AS synchronous_commit",
        None,
    )
}
impl ServerRoleStmt {
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
    ) -> ServerRoleQuery<'c, 'a, 's, C, ServerRole, 0> {
        ServerRoleQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ServerRoleBorrowed, tokio_postgres::Error> {
                    Ok(ServerRoleBorrowed {
                        server_address: row.try_get(0)?,
                        server_port: row.try_get(1)?,
                        in_recovery: row.try_get(2)?,
                        synchronous_standby_names: row.try_get(3)?,
                        synchronous_commit: row.try_get(4)?,
                    })
                },
            mapper: |it| ServerRole::from(it),
        }
    }
}
pub struct StandbysStmt(&'static str, Option<tokio_postgres::Statement>);
/// The standbys streaming from this server (`pg_stat_replication`). Without
/// superuser or `pg_read_all_stats`, only the rows show, their fields NULL.
pub fn standbys() -> StandbysStmt {
    StandbysStmt(
        "SELECT application_name::text AS application_name, host(client_addr) AS client_address, state::text AS state, sync_state::text AS sync_state, (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms FROM pg_stat_replication ORDER BY application_name, client_addr",
        None,
    )
}
impl StandbysStmt {
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
    ) -> StandbyStateQuery<'c, 'a, 's, C, StandbyState, 0> {
        StandbyStateQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<StandbyStateBorrowed, tokio_postgres::Error> {
                    Ok(StandbyStateBorrowed {
                        application_name: row.try_get(0)?,
                        client_address: row.try_get(1)?,
                        state: row.try_get(2)?,
                        sync_state: row.try_get(3)?,
                        replay_lag_ms: row.try_get(4)?,
                    })
                },
            mapper: |it| StandbyState::from(it),
        }
    }
}
pub struct TableRowsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Tables of `public` with live rows from the statistics collector
/// (approximate, a moment behind the latest writes).
pub fn table_rows() -> TableRowsStmt {
    TableRowsStmt(
        "SELECT c.relname::text AS table_name, coalesce(s.n_live_tup, 0)::int8 AS live_rows FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace ORDER BY 1",
        None,
    )
}
impl TableRowsStmt {
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
    ) -> TableRowsQuery<'c, 'a, 's, C, TableRows, 0> {
        TableRowsQuery {
            client,
            params: [],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TableRowsBorrowed, tokio_postgres::Error> {
                    Ok(TableRowsBorrowed {
                        table_name: row.try_get(0)?,
                        live_rows: row.try_get(1)?,
                    })
                },
            mapper: |it| TableRows::from(it),
        }
    }
}
pub struct RelationExistsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Whether a table or other relation of this name is visible.
pub fn relation_exists() -> RelationExistsStmt {
    RelationExistsStmt("SELECT to_regclass($1) IS NOT NULL AS exists", None)
}
impl RelationExistsStmt {
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
        name: &'a T1,
    ) -> BoolQuery<'c, 'a, 's, C, bool, 1> {
        BoolQuery {
            client,
            params: [name],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
pub struct SchemaTablesStmt(&'static str, Option<tokio_postgres::Statement>);
/// Ordinary tables of a schema.
pub fn schema_tables() -> SchemaTablesStmt {
    SchemaTablesStmt(
        "SELECT tablename::text AS table_name FROM pg_tables WHERE schemaname = $1 ORDER BY 1",
        None,
    )
}
impl SchemaTablesStmt {
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
        schema: &'a T1,
    ) -> StringQuery<'c, 'a, 's, C, String, 1> {
        StringQuery {
            client,
            params: [schema],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it.into(),
        }
    }
}
pub struct SchemaColumnsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Columns of the given tables of a schema, with their types without modifiers
/// (so `vector(384)` and `vector(1536)` compare equal).
pub fn schema_columns() -> SchemaColumnsStmt {
    SchemaColumnsStmt(
        "SELECT c.relname::text AS table_name, a.attname::text AS column_name, regexp_replace(format_type(a.atttypid, a.atttypmod), '\\(.*\\)', '') AS data_type FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = $1::text::regnamespace AND c.relkind = 'r' AND c.relname = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped",
        None,
    )
}
impl SchemaColumnsStmt {
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
        T3: crate::ArraySql<Item = T2>,
    >(
        &'s self,
        client: &'c C,
        schema: &'a T1,
        tables: &'a T3,
    ) -> SchemaColumnQuery<'c, 'a, 's, C, SchemaColumn, 2> {
        SchemaColumnQuery {
            client,
            params: [schema, tables],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<SchemaColumnBorrowed, tokio_postgres::Error> {
                    Ok(SchemaColumnBorrowed {
                        table_name: row.try_get(0)?,
                        column_name: row.try_get(1)?,
                        data_type: row.try_get(2)?,
                    })
                },
            mapper: |it| SchemaColumn::from(it),
        }
    }
}
impl<
    'c,
    'a,
    's,
    C: GenericClient,
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = T2>,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SchemaColumnsParams<T1, T2, T3>,
        SchemaColumnQuery<'c, 'a, 's, C, SchemaColumn, 2>,
        C,
    > for SchemaColumnsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SchemaColumnsParams<T1, T2, T3>,
    ) -> SchemaColumnQuery<'c, 'a, 's, C, SchemaColumn, 2> {
        self.bind(client, &params.schema, &params.tables)
    }
}
pub struct SchemaIndexesStmt(&'static str, Option<tokio_postgres::Statement>);
/// `idx_*` indexes of the given tables of a schema.
pub fn schema_indexes() -> SchemaIndexesStmt {
    SchemaIndexesStmt(
        "SELECT tablename::text AS table_name, indexname::text AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2::text[]) AND indexname LIKE 'idx\\_%'",
        None,
    )
}
impl SchemaIndexesStmt {
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
        T3: crate::ArraySql<Item = T2>,
    >(
        &'s self,
        client: &'c C,
        schema: &'a T1,
        tables: &'a T3,
    ) -> SchemaObjectQuery<'c, 'a, 's, C, SchemaObject, 2> {
        SchemaObjectQuery {
            client,
            params: [schema, tables],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<SchemaObjectBorrowed, tokio_postgres::Error> {
                    Ok(SchemaObjectBorrowed {
                        table_name: row.try_get(0)?,
                        name: row.try_get(1)?,
                    })
                },
            mapper: |it| SchemaObject::from(it),
        }
    }
}
impl<
    'c,
    'a,
    's,
    C: GenericClient,
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = T2>,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SchemaIndexesParams<T1, T2, T3>,
        SchemaObjectQuery<'c, 'a, 's, C, SchemaObject, 2>,
        C,
    > for SchemaIndexesStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SchemaIndexesParams<T1, T2, T3>,
    ) -> SchemaObjectQuery<'c, 'a, 's, C, SchemaObject, 2> {
        self.bind(client, &params.schema, &params.tables)
    }
}
pub struct SchemaTriggersStmt(&'static str, Option<tokio_postgres::Statement>);
/// User triggers of the given tables of a schema.
pub fn schema_triggers() -> SchemaTriggersStmt {
    SchemaTriggersStmt(
        "SELECT c.relname::text AS table_name, t.tgname::text AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = $1::text::regnamespace AND c.relname = ANY($2::text[]) AND NOT t.tgisinternal",
        None,
    )
}
impl SchemaTriggersStmt {
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
        T3: crate::ArraySql<Item = T2>,
    >(
        &'s self,
        client: &'c C,
        schema: &'a T1,
        tables: &'a T3,
    ) -> SchemaObjectQuery<'c, 'a, 's, C, SchemaObject, 2> {
        SchemaObjectQuery {
            client,
            params: [schema, tables],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<SchemaObjectBorrowed, tokio_postgres::Error> {
                    Ok(SchemaObjectBorrowed {
                        table_name: row.try_get(0)?,
                        name: row.try_get(1)?,
                    })
                },
            mapper: |it| SchemaObject::from(it),
        }
    }
}
impl<
    'c,
    'a,
    's,
    C: GenericClient,
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = T2>,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SchemaTriggersParams<T1, T2, T3>,
        SchemaObjectQuery<'c, 'a, 's, C, SchemaObject, 2>,
        C,
    > for SchemaTriggersStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SchemaTriggersParams<T1, T2, T3>,
    ) -> SchemaObjectQuery<'c, 'a, 's, C, SchemaObject, 2> {
        self.bind(client, &params.schema, &params.tables)
    }
}
pub struct SchemaHasFunctionStmt(&'static str, Option<tokio_postgres::Statement>);
/// Whether a schema has a function of this name.
pub fn schema_has_function() -> SchemaHasFunctionStmt {
    SchemaHasFunctionStmt(
        "SELECT count(*) > 0 AS found FROM pg_proc WHERE proname = $1 AND pronamespace = $2::text::regnamespace",
        None,
    )
}
impl SchemaHasFunctionStmt {
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
        name: &'a T1,
        schema: &'a T2,
    ) -> BoolQuery<'c, 'a, 's, C, bool, 2> {
        BoolQuery {
            client,
            params: [name, schema],
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
        SchemaHasFunctionParams<T1, T2>,
        BoolQuery<'c, 'a, 's, C, bool, 2>,
        C,
    > for SchemaHasFunctionStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SchemaHasFunctionParams<T1, T2>,
    ) -> BoolQuery<'c, 'a, 's, C, bool, 2> {
        self.bind(client, &params.name, &params.schema)
    }
}
pub struct AdvisoryLockStmt(&'static str, Option<tokio_postgres::Statement>);
/// Waits for the session advisory lock `key` (held until unlocked or the session ends).
pub fn advisory_lock() -> AdvisoryLockStmt {
    AdvisoryLockStmt("SELECT pg_advisory_lock($1)::text AS locked", None)
}
impl AdvisoryLockStmt {
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
        key: &'a i64,
    ) -> StringQuery<'c, 'a, 's, C, String, 1> {
        StringQuery {
            client,
            params: [key],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it.into(),
        }
    }
}
pub struct AdvisoryUnlockStmt(&'static str, Option<tokio_postgres::Statement>);
/// Releases the session advisory lock `key`; false when it was not held.
pub fn advisory_unlock() -> AdvisoryUnlockStmt {
    AdvisoryUnlockStmt("SELECT pg_advisory_unlock($1) AS unlocked", None)
}
impl AdvisoryUnlockStmt {
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
        key: &'a i64,
    ) -> BoolQuery<'c, 'a, 's, C, bool, 1> {
        BoolQuery {
            client,
            params: [key],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}

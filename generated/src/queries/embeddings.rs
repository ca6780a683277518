// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct UpsertEmbeddingParams<
    'a,
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::StringSql,
> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub entity_id: uuid::Uuid,
    pub embedding: truthgraph_vector_ref::VectorRef<'a>,
    pub model_name: T3,
    pub model_version: Option<T4>,
}
#[derive(Debug)]
pub struct GetEmbeddingParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub entity_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct DeleteEmbeddingParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub entity_type: T2,
    pub entity_id: uuid::Uuid,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub id: uuid::Uuid,
    pub tenant_id: String,
    pub entity_type: String,
    pub entity_id: uuid::Uuid,
    pub embedding: pgvector::Vector,
    pub model_name: String,
    pub model_version: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
pub struct EmbeddingBorrowed<'a> {
    pub id: uuid::Uuid,
    pub tenant_id: &'a str,
    pub entity_type: &'a str,
    pub entity_id: uuid::Uuid,
    pub embedding: truthgraph_vector_ref::VectorRef<'a>,
    pub model_name: &'a str,
    pub model_version: Option<&'a str>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
impl<'a> From<EmbeddingBorrowed<'a>> for Embedding {
    fn from(
        EmbeddingBorrowed {
            id,
            tenant_id,
            entity_type,
            entity_id,
            embedding,
            model_name,
            model_version,
            created_at,
            updated_at,
        }: EmbeddingBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            tenant_id: tenant_id.into(),
            entity_type: entity_type.into(),
            entity_id,
            embedding: embedding.into(),
            model_name: model_name.into(),
            model_version: model_version.map(|v| v.into()),
            created_at,
            updated_at,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingStats {
    pub entity_type: String,
    pub model_name: String,
    pub model_version: Option<String>,
    pub count: i64,
    pub first_created_at: chrono::NaiveDateTime,
    pub last_updated_at: chrono::NaiveDateTime,
}
pub struct EmbeddingStatsBorrowed<'a> {
    pub entity_type: &'a str,
    pub model_name: &'a str,
    pub model_version: Option<&'a str>,
    pub count: i64,
    pub first_created_at: chrono::NaiveDateTime,
    pub last_updated_at: chrono::NaiveDateTime,
}
impl<'a> From<EmbeddingStatsBorrowed<'a>> for EmbeddingStats {
    fn from(
        EmbeddingStatsBorrowed {
            entity_type,
            model_name,
            model_version,
            count,
            first_created_at,
            last_updated_at,
        }: EmbeddingStatsBorrowed<'a>,
    ) -> Self {
        Self {
            entity_type: entity_type.into(),
            model_name: model_name.into(),
            model_version: model_version.map(|v| v.into()),
            count,
            first_created_at,
            last_updated_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct EmbeddingQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EmbeddingBorrowed, tokio_postgres::Error>,
    mapper: fn(EmbeddingBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EmbeddingQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(EmbeddingBorrowed) -> R) -> EmbeddingQuery<'c, 'a, 's, C, R, N> {
        EmbeddingQuery {
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
pub struct EmbeddingStatsQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EmbeddingStatsBorrowed, tokio_postgres::Error>,
    mapper: fn(EmbeddingStatsBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EmbeddingStatsQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(EmbeddingStatsBorrowed) -> R,
    ) -> EmbeddingStatsQuery<'c, 'a, 's, C, R, N> {
        EmbeddingStatsQuery {
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
pub struct UpsertEmbeddingStmt(&'static str, Option<tokio_postgres::Statement>);
/// Inserts or replaces the embedding of an entity (one per entity: V12's
/// unique key `(tenant_id, entity_type, entity_id)`, the one a database
/// distributed by tenant keeps). The foreign keys `embeddings_claim_fkey` /
/// `embeddings_evidence_fkey` (V12) refuse an entity that is not a
/// claim/evidence of `tenant_id`.
pub fn upsert_embedding() -> UpsertEmbeddingStmt {
    UpsertEmbeddingStmt(
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name, model_version) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, entity_type, entity_id) DO UPDATE SET embedding = EXCLUDED.embedding, model_name = EXCLUDED.model_name, model_version = EXCLUDED.model_version RETURNING id, tenant_id, entity_type, entity_id, embedding, model_name, model_version, created_at, updated_at",
        None,
    )
}
impl UpsertEmbeddingStmt {
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
        T4: crate::StringSql,
    >(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        entity_type: &'a T2,
        entity_id: &'a uuid::Uuid,
        embedding: &'a truthgraph_vector_ref::VectorRef<'a>,
        model_name: &'a T3,
        model_version: &'a Option<T4>,
    ) -> EmbeddingQuery<'c, 'a, 's, C, Embedding, 6> {
        EmbeddingQuery {
            client,
            params: [
                tenant_id,
                entity_type,
                entity_id,
                embedding,
                model_name,
                model_version,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmbeddingBorrowed, tokio_postgres::Error> {
                    Ok(EmbeddingBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        entity_type: row.try_get(2)?,
                        entity_id: row.try_get(3)?,
                        embedding: row.try_get(4)?,
                        model_name: row.try_get(5)?,
                        model_version: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                    })
                },
            mapper: |it| Embedding::from(it),
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
    T3: crate::StringSql,
    T4: crate::StringSql,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        UpsertEmbeddingParams<'a, T1, T2, T3, T4>,
        EmbeddingQuery<'c, 'a, 's, C, Embedding, 6>,
        C,
    > for UpsertEmbeddingStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a UpsertEmbeddingParams<'a, T1, T2, T3, T4>,
    ) -> EmbeddingQuery<'c, 'a, 's, C, Embedding, 6> {
        self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.entity_id,
            &params.embedding,
            &params.model_name,
            &params.model_version,
        )
    }
}
pub struct GetEmbeddingStmt(&'static str, Option<tokio_postgres::Statement>);
/// The embedding of one entity of a tenant.
pub fn get_embedding() -> GetEmbeddingStmt {
    GetEmbeddingStmt(
        "SELECT id, tenant_id, entity_type, entity_id, embedding, model_name, model_version, created_at, updated_at FROM embeddings WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3",
        None,
    )
}
impl GetEmbeddingStmt {
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
        entity_id: &'a uuid::Uuid,
    ) -> EmbeddingQuery<'c, 'a, 's, C, Embedding, 3> {
        EmbeddingQuery {
            client,
            params: [tenant_id, entity_type, entity_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EmbeddingBorrowed, tokio_postgres::Error> {
                    Ok(EmbeddingBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        entity_type: row.try_get(2)?,
                        entity_id: row.try_get(3)?,
                        embedding: row.try_get(4)?,
                        model_name: row.try_get(5)?,
                        model_version: row.try_get(6)?,
                        created_at: row.try_get(7)?,
                        updated_at: row.try_get(8)?,
                    })
                },
            mapper: |it| Embedding::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetEmbeddingParams<T1, T2>,
        EmbeddingQuery<'c, 'a, 's, C, Embedding, 3>,
        C,
    > for GetEmbeddingStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetEmbeddingParams<T1, T2>,
    ) -> EmbeddingQuery<'c, 'a, 's, C, Embedding, 3> {
        self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.entity_id,
        )
    }
}
pub struct DeleteEmbeddingStmt(&'static str, Option<tokio_postgres::Statement>);
/// Deletes the embedding of one entity. Returns 0 or 1.
pub fn delete_embedding() -> DeleteEmbeddingStmt {
    DeleteEmbeddingStmt(
        "DELETE FROM embeddings WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3",
        None,
    )
}
impl DeleteEmbeddingStmt {
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
        entity_id: &'a uuid::Uuid,
    ) -> Result<u64, tokio_postgres::Error> {
        client
            .execute(self.0, &[tenant_id, entity_type, entity_id])
            .await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        DeleteEmbeddingParams<T1, T2>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for DeleteEmbeddingStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a DeleteEmbeddingParams<T1, T2>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(
            client,
            &params.tenant_id,
            &params.entity_type,
            &params.entity_id,
        ))
    }
}
pub struct EmbeddingStatsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Embedding counts of a tenant per entity type, model and model version.
pub fn embedding_stats() -> EmbeddingStatsStmt {
    EmbeddingStatsStmt(
        "SELECT entity_type, model_name, model_version, count(*) AS count, min(created_at) AS first_created_at, max(updated_at) AS last_updated_at FROM embeddings WHERE tenant_id = $1 GROUP BY entity_type, model_name, model_version ORDER BY entity_type, model_name, model_version",
        None,
    )
}
impl EmbeddingStatsStmt {
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
    ) -> EmbeddingStatsQuery<'c, 'a, 's, C, EmbeddingStats, 1> {
        EmbeddingStatsQuery {
            client,
            params: [tenant_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<EmbeddingStatsBorrowed, tokio_postgres::Error> {
                Ok(EmbeddingStatsBorrowed {
                    entity_type: row.try_get(0)?,
                    model_name: row.try_get(1)?,
                    model_version: row.try_get(2)?,
                    count: row.try_get(3)?,
                    first_created_at: row.try_get(4)?,
                    last_updated_at: row.try_get(5)?,
                })
            },
            mapper: |it| EmbeddingStats::from(it),
        }
    }
}
pub struct CountEmbeddingsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Rows in `embeddings`, all tenants.
pub fn count_embeddings() -> CountEmbeddingsStmt {
    CountEmbeddingsStmt("SELECT count(*) AS count FROM embeddings", None)
}
impl CountEmbeddingsStmt {
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

// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct InsertEvidenceParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::StringSql,
> {
    pub tenant_id: T1,
    pub content: T2,
    pub source_url: Option<T3>,
    pub source_type: Option<T4>,
}
#[derive(Debug)]
pub struct GetEvidenceParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub id: uuid::Uuid,
}
#[derive(Debug)]
pub struct GetEvidenceManyParams<T1: crate::StringSql, T2: crate::ArraySql<Item = uuid::Uuid>> {
    pub tenant_id: T1,
    pub ids: T2,
}
#[derive(Debug)]
pub struct RecentEvidenceParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub limit: i64,
}
#[derive(Debug)]
pub struct RecentEvidenceBeforeParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub cursor_created_at: chrono::NaiveDateTime,
    pub cursor_id: uuid::Uuid,
    pub limit: i64,
}
#[derive(Debug)]
pub struct DeleteEvidenceParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub id: uuid::Uuid,
}
#[derive(Debug)]
pub struct InsertEvidenceBatchParams<
    T1: crate::StringSql,
    T2: crate::ArraySql<Item = uuid::Uuid>,
    T3: crate::StringSql,
    T4: crate::ArraySql<Item = T3>,
    T5: crate::StringSql,
    T6: crate::ArraySql<Item = Option<T5>>,
    T7: crate::StringSql,
    T8: crate::ArraySql<Item = Option<T7>>,
> {
    pub tenant_id: T1,
    pub ids: T2,
    pub contents: T4,
    pub source_urls: T6,
    pub source_types: T8,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub id: uuid::Uuid,
    pub tenant_id: String,
    pub content: String,
    pub source_url: Option<String>,
    pub source_type: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}
pub struct EvidenceBorrowed<'a> {
    pub id: uuid::Uuid,
    pub tenant_id: &'a str,
    pub content: &'a str,
    pub source_url: Option<&'a str>,
    pub source_type: Option<&'a str>,
    pub created_at: chrono::NaiveDateTime,
}
impl<'a> From<EvidenceBorrowed<'a>> for Evidence {
    fn from(
        EvidenceBorrowed {
            id,
            tenant_id,
            content,
            source_url,
            source_type,
            created_at,
        }: EvidenceBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            tenant_id: tenant_id.into(),
            content: content.into(),
            source_url: source_url.map(|v| v.into()),
            source_type: source_type.map(|v| v.into()),
            created_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct EvidenceQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EvidenceBorrowed, tokio_postgres::Error>,
    mapper: fn(EvidenceBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EvidenceQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(EvidenceBorrowed) -> R) -> EvidenceQuery<'c, 'a, 's, C, R, N> {
        EvidenceQuery {
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
pub struct InsertEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores a piece of evidence for a tenant and returns it.
pub fn insert_evidence() -> InsertEvidenceStmt {
    InsertEvidenceStmt(
        "INSERT INTO evidence (tenant_id, content, source_url, source_type) VALUES ($1, $2, $3, $4) RETURNING id, tenant_id, content, source_url, source_type, created_at",
        None,
    )
}
impl InsertEvidenceStmt {
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
        content: &'a T2,
        source_url: &'a Option<T3>,
        source_type: &'a Option<T4>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 4> {
        EvidenceQuery {
            client,
            params: [tenant_id, content, source_url, source_type],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Evidence::from(it),
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
        InsertEvidenceParams<T1, T2, T3, T4>,
        EvidenceQuery<'c, 'a, 's, C, Evidence, 4>,
        C,
    > for InsertEvidenceStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertEvidenceParams<T1, T2, T3, T4>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.content,
            &params.source_url,
            &params.source_type,
        )
    }
}
pub struct GetEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// One piece of evidence of a tenant.
pub fn get_evidence() -> GetEvidenceStmt {
    GetEvidenceStmt(
        "SELECT id, tenant_id, content, source_url, source_type, created_at FROM evidence WHERE tenant_id = $1 AND id = $2",
        None,
    )
}
impl GetEvidenceStmt {
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
        id: &'a uuid::Uuid,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 2> {
        EvidenceQuery {
            client,
            params: [tenant_id, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Evidence::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetEvidenceParams<T1>,
        EvidenceQuery<'c, 'a, 's, C, Evidence, 2>,
        C,
    > for GetEvidenceStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetEvidenceParams<T1>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 2> {
        self.bind(client, &params.tenant_id, &params.id)
    }
}
pub struct GetEvidenceManyStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tenant's evidence among `ids`, in the order of `ids`.
pub fn get_evidence_many() -> GetEvidenceManyStmt {
    GetEvidenceManyStmt(
        "SELECT id, tenant_id, content, source_url, source_type, created_at FROM evidence WHERE tenant_id = $1 AND id = ANY($2) ORDER BY array_position($2, id)",
        None,
    )
}
impl GetEvidenceManyStmt {
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
        T2: crate::ArraySql<Item = uuid::Uuid>,
    >(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        ids: &'a T2,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 2> {
        EvidenceQuery {
            client,
            params: [tenant_id, ids],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Evidence::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::ArraySql<Item = uuid::Uuid>>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetEvidenceManyParams<T1, T2>,
        EvidenceQuery<'c, 'a, 's, C, Evidence, 2>,
        C,
    > for GetEvidenceManyStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetEvidenceManyParams<T1, T2>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 2> {
        self.bind(client, &params.tenant_id, &params.ids)
    }
}
pub struct RecentEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tenant's newest evidence: first page of keyset paging (newest first).
pub fn recent_evidence() -> RecentEvidenceStmt {
    RecentEvidenceStmt(
        "SELECT id, tenant_id, content, source_url, source_type, created_at FROM evidence WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        None,
    )
}
impl RecentEvidenceStmt {
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
        limit: &'a i64,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 2> {
        EvidenceQuery {
            client,
            params: [tenant_id, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Evidence::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        RecentEvidenceParams<T1>,
        EvidenceQuery<'c, 'a, 's, C, Evidence, 2>,
        C,
    > for RecentEvidenceStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a RecentEvidenceParams<T1>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 2> {
        self.bind(client, &params.tenant_id, &params.limit)
    }
}
pub struct RecentEvidenceBeforeStmt(&'static str, Option<tokio_postgres::Statement>);
/// The next page: evidence older than the cursor (`created_at`, `id`) of the last row seen.
pub fn recent_evidence_before() -> RecentEvidenceBeforeStmt {
    RecentEvidenceBeforeStmt(
        "SELECT id, tenant_id, content, source_url, source_type, created_at FROM evidence WHERE tenant_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4",
        None,
    )
}
impl RecentEvidenceBeforeStmt {
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
        cursor_created_at: &'a chrono::NaiveDateTime,
        cursor_id: &'a uuid::Uuid,
        limit: &'a i64,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 4> {
        EvidenceQuery {
            client,
            params: [tenant_id, cursor_created_at, cursor_id, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Evidence::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        RecentEvidenceBeforeParams<T1>,
        EvidenceQuery<'c, 'a, 's, C, Evidence, 4>,
        C,
    > for RecentEvidenceBeforeStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a RecentEvidenceBeforeParams<T1>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.cursor_created_at,
            &params.cursor_id,
            &params.limit,
        )
    }
}
pub struct DeleteEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// Deletes evidence (its NLI rows and verdict links cascade). Returns 0 or 1.
pub fn delete_evidence() -> DeleteEvidenceStmt {
    DeleteEvidenceStmt(
        "DELETE FROM evidence WHERE tenant_id = $1 AND id = $2",
        None,
    )
}
impl DeleteEvidenceStmt {
    pub async fn prepare<'a, C: GenericClient>(
        mut self,
        client: &'a C,
    ) -> Result<Self, tokio_postgres::Error> {
        self.1 = Some(client.prepare(self.0).await?);
        Ok(self)
    }
    pub async fn bind<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        id: &'a uuid::Uuid,
    ) -> Result<u64, tokio_postgres::Error> {
        client.execute(self.0, &[tenant_id, id]).await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        DeleteEvidenceParams<T1>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for DeleteEvidenceStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a DeleteEvidenceParams<T1>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(client, &params.tenant_id, &params.id))
    }
}
pub struct InsertEvidenceBatchStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores many pieces of evidence for a tenant in one statement (parallel
/// arrays, one element per row; ids are chosen by the caller so rows can be
/// matched to the input) and returns them in input order.
pub fn insert_evidence_batch() -> InsertEvidenceBatchStmt {
    InsertEvidenceBatchStmt(
        "INSERT INTO evidence (id, tenant_id, content, source_url, source_type) SELECT b.id, $1::text, b.content, b.source_url, b.source_type FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS b(id, content, source_url, source_type, ord) ORDER BY b.ord RETURNING id, tenant_id, content, source_url, source_type, created_at",
        None,
    )
}
impl InsertEvidenceBatchStmt {
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
        T2: crate::ArraySql<Item = uuid::Uuid>,
        T3: crate::StringSql,
        T4: crate::ArraySql<Item = T3>,
        T5: crate::StringSql,
        T6: crate::ArraySql<Item = Option<T5>>,
        T7: crate::StringSql,
        T8: crate::ArraySql<Item = Option<T7>>,
    >(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        ids: &'a T2,
        contents: &'a T4,
        source_urls: &'a T6,
        source_types: &'a T8,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 5> {
        EvidenceQuery {
            client,
            params: [tenant_id, ids, contents, source_urls, source_types],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceBorrowed {
                        id: row.try_get(0)?,
                        tenant_id: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                    })
                },
            mapper: |it| Evidence::from(it),
        }
    }
}
impl<
    'c,
    'a,
    's,
    C: GenericClient,
    T1: crate::StringSql,
    T2: crate::ArraySql<Item = uuid::Uuid>,
    T3: crate::StringSql,
    T4: crate::ArraySql<Item = T3>,
    T5: crate::StringSql,
    T6: crate::ArraySql<Item = Option<T5>>,
    T7: crate::StringSql,
    T8: crate::ArraySql<Item = Option<T7>>,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertEvidenceBatchParams<T1, T2, T3, T4, T5, T6, T7, T8>,
        EvidenceQuery<'c, 'a, 's, C, Evidence, 5>,
        C,
    > for InsertEvidenceBatchStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertEvidenceBatchParams<T1, T2, T3, T4, T5, T6, T7, T8>,
    ) -> EvidenceQuery<'c, 'a, 's, C, Evidence, 5> {
        self.bind(
            client,
            &params.tenant_id,
            &params.ids,
            &params.contents,
            &params.source_urls,
            &params.source_types,
        )
    }
}

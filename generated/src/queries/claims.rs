// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct InsertClaimParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql> {
    pub tenant_id: T1,
    pub text: T2,
    pub source_url: Option<T3>,
}
#[derive(Debug)]
pub struct GetClaimParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub id: uuid::Uuid,
}
#[derive(Debug)]
pub struct GetClaimsParams<T1: crate::StringSql, T2: crate::ArraySql<Item = uuid::Uuid>> {
    pub tenant_id: T1,
    pub ids: T2,
}
#[derive(Debug)]
pub struct RecentClaimsParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub limit: i64,
}
#[derive(Debug)]
pub struct RecentClaimsBeforeParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub cursor_created_at: chrono::NaiveDateTime,
    pub cursor_id: uuid::Uuid,
    pub limit: i64,
}
#[derive(Debug)]
pub struct DeleteClaimParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub id: uuid::Uuid,
}
#[derive(Debug)]
pub struct InsertClaimsParams<
    T1: crate::StringSql,
    T2: crate::ArraySql<Item = uuid::Uuid>,
    T3: crate::StringSql,
    T4: crate::ArraySql<Item = T3>,
    T5: crate::StringSql,
    T6: crate::ArraySql<Item = Option<T5>>,
> {
    pub tenant_id: T1,
    pub ids: T2,
    pub texts: T4,
    pub source_urls: T6,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub id: uuid::Uuid,
    pub tenant_id: String,
    pub text: String,
    pub source_url: Option<String>,
    pub submitted_at: chrono::NaiveDateTime,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
pub struct ClaimBorrowed<'a> {
    pub id: uuid::Uuid,
    pub tenant_id: &'a str,
    pub text: &'a str,
    pub source_url: Option<&'a str>,
    pub submitted_at: chrono::NaiveDateTime,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
impl<'a> From<ClaimBorrowed<'a>> for Claim {
    fn from(
        ClaimBorrowed {
            id,
            tenant_id,
            text,
            source_url,
            submitted_at,
            created_at,
            updated_at,
        }: ClaimBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            tenant_id: tenant_id.into(),
            text: text.into(),
            source_url: source_url.map(|v| v.into()),
            submitted_at,
            created_at,
            updated_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct ClaimQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ClaimBorrowed, tokio_postgres::Error>,
    mapper: fn(ClaimBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ClaimQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(ClaimBorrowed) -> R) -> ClaimQuery<'c, 'a, 's, C, R, N> {
        ClaimQuery {
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
pub struct InsertClaimStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores a claim for a tenant and returns it.
pub fn insert_claim() -> InsertClaimStmt {
    InsertClaimStmt(
        "INSERT INTO claims (tenant_id, text, source_url) VALUES ($1, $2, $3) RETURNING id, tenant_id, text, source_url, submitted_at, created_at, updated_at",
        None,
    )
}
impl InsertClaimStmt {
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
        tenant_id: &'a T1,
        text: &'a T2,
        source_url: &'a Option<T3>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 3> {
        ClaimQuery {
            client,
            params: [tenant_id, text, source_url],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<ClaimBorrowed, tokio_postgres::Error> {
                Ok(ClaimBorrowed {
                    id: row.try_get(0)?,
                    tenant_id: row.try_get(1)?,
                    text: row.try_get(2)?,
                    source_url: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    updated_at: row.try_get(6)?,
                })
            },
            mapper: |it| Claim::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertClaimParams<T1, T2, T3>,
        ClaimQuery<'c, 'a, 's, C, Claim, 3>,
        C,
    > for InsertClaimStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertClaimParams<T1, T2, T3>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 3> {
        self.bind(client, &params.tenant_id, &params.text, &params.source_url)
    }
}
pub struct GetClaimStmt(&'static str, Option<tokio_postgres::Statement>);
/// One claim of a tenant.
pub fn get_claim() -> GetClaimStmt {
    GetClaimStmt(
        "SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at FROM claims WHERE tenant_id = $1 AND id = $2",
        None,
    )
}
impl GetClaimStmt {
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
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 2> {
        ClaimQuery {
            client,
            params: [tenant_id, id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<ClaimBorrowed, tokio_postgres::Error> {
                Ok(ClaimBorrowed {
                    id: row.try_get(0)?,
                    tenant_id: row.try_get(1)?,
                    text: row.try_get(2)?,
                    source_url: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    updated_at: row.try_get(6)?,
                })
            },
            mapper: |it| Claim::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetClaimParams<T1>,
        ClaimQuery<'c, 'a, 's, C, Claim, 2>,
        C,
    > for GetClaimStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetClaimParams<T1>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 2> {
        self.bind(client, &params.tenant_id, &params.id)
    }
}
pub struct GetClaimsStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tenant's claims among `ids`, in the order of `ids`.
pub fn get_claims() -> GetClaimsStmt {
    GetClaimsStmt(
        "SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at FROM claims WHERE tenant_id = $1 AND id = ANY($2) ORDER BY array_position($2, id)",
        None,
    )
}
impl GetClaimsStmt {
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
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 2> {
        ClaimQuery {
            client,
            params: [tenant_id, ids],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<ClaimBorrowed, tokio_postgres::Error> {
                Ok(ClaimBorrowed {
                    id: row.try_get(0)?,
                    tenant_id: row.try_get(1)?,
                    text: row.try_get(2)?,
                    source_url: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    updated_at: row.try_get(6)?,
                })
            },
            mapper: |it| Claim::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::ArraySql<Item = uuid::Uuid>>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        GetClaimsParams<T1, T2>,
        ClaimQuery<'c, 'a, 's, C, Claim, 2>,
        C,
    > for GetClaimsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a GetClaimsParams<T1, T2>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 2> {
        self.bind(client, &params.tenant_id, &params.ids)
    }
}
pub struct RecentClaimsStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tenant's newest claims: first page of keyset paging (newest first).
pub fn recent_claims() -> RecentClaimsStmt {
    RecentClaimsStmt(
        "SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at FROM claims WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        None,
    )
}
impl RecentClaimsStmt {
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
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 2> {
        ClaimQuery {
            client,
            params: [tenant_id, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<ClaimBorrowed, tokio_postgres::Error> {
                Ok(ClaimBorrowed {
                    id: row.try_get(0)?,
                    tenant_id: row.try_get(1)?,
                    text: row.try_get(2)?,
                    source_url: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    updated_at: row.try_get(6)?,
                })
            },
            mapper: |it| Claim::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        RecentClaimsParams<T1>,
        ClaimQuery<'c, 'a, 's, C, Claim, 2>,
        C,
    > for RecentClaimsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a RecentClaimsParams<T1>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 2> {
        self.bind(client, &params.tenant_id, &params.limit)
    }
}
pub struct RecentClaimsBeforeStmt(&'static str, Option<tokio_postgres::Statement>);
/// The next page: claims older than the cursor (`created_at`, `id`) of the last row seen.
pub fn recent_claims_before() -> RecentClaimsBeforeStmt {
    RecentClaimsBeforeStmt(
        "SELECT id, tenant_id, text, source_url, submitted_at, created_at, updated_at FROM claims WHERE tenant_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4",
        None,
    )
}
impl RecentClaimsBeforeStmt {
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
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 4> {
        ClaimQuery {
            client,
            params: [tenant_id, cursor_created_at, cursor_id, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<ClaimBorrowed, tokio_postgres::Error> {
                Ok(ClaimBorrowed {
                    id: row.try_get(0)?,
                    tenant_id: row.try_get(1)?,
                    text: row.try_get(2)?,
                    source_url: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    updated_at: row.try_get(6)?,
                })
            },
            mapper: |it| Claim::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        RecentClaimsBeforeParams<T1>,
        ClaimQuery<'c, 'a, 's, C, Claim, 4>,
        C,
    > for RecentClaimsBeforeStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a RecentClaimsBeforeParams<T1>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.cursor_created_at,
            &params.cursor_id,
            &params.limit,
        )
    }
}
pub struct DeleteClaimStmt(&'static str, Option<tokio_postgres::Statement>);
/// Deletes a claim (its verdicts, NLI and verification results cascade). Returns 0 or 1.
pub fn delete_claim() -> DeleteClaimStmt {
    DeleteClaimStmt("DELETE FROM claims WHERE tenant_id = $1 AND id = $2", None)
}
impl DeleteClaimStmt {
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
        DeleteClaimParams<T1>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for DeleteClaimStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a DeleteClaimParams<T1>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(client, &params.tenant_id, &params.id))
    }
}
pub struct InsertClaimsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores many claims for a tenant in one statement (parallel arrays, one
/// element per row; ids are chosen by the caller so rows can be matched to
/// the input) and returns them in input order.
pub fn insert_claims() -> InsertClaimsStmt {
    InsertClaimsStmt(
        "INSERT INTO claims (id, tenant_id, text, source_url) SELECT b.id, $1::text, b.text, b.source_url FROM UNNEST($2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS b(id, text, source_url, ord) ORDER BY b.ord RETURNING id, tenant_id, text, source_url, submitted_at, created_at, updated_at",
        None,
    )
}
impl InsertClaimsStmt {
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
    >(
        &'s self,
        client: &'c C,
        tenant_id: &'a T1,
        ids: &'a T2,
        texts: &'a T4,
        source_urls: &'a T6,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 4> {
        ClaimQuery {
            client,
            params: [tenant_id, ids, texts, source_urls],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row: &tokio_postgres::Row| -> Result<ClaimBorrowed, tokio_postgres::Error> {
                Ok(ClaimBorrowed {
                    id: row.try_get(0)?,
                    tenant_id: row.try_get(1)?,
                    text: row.try_get(2)?,
                    source_url: row.try_get(3)?,
                    submitted_at: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    updated_at: row.try_get(6)?,
                })
            },
            mapper: |it| Claim::from(it),
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
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertClaimsParams<T1, T2, T3, T4, T5, T6>,
        ClaimQuery<'c, 'a, 's, C, Claim, 4>,
        C,
    > for InsertClaimsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertClaimsParams<T1, T2, T3, T4, T5, T6>,
    ) -> ClaimQuery<'c, 'a, 's, C, Claim, 4> {
        self.bind(
            client,
            &params.tenant_id,
            &params.ids,
            &params.texts,
            &params.source_urls,
        )
    }
}

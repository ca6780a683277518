// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct TuneSearchParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub probes: Option<T1>,
    pub ef_search: Option<T2>,
}
#[derive(Debug)]
pub struct SearchEvidenceParams<'a, T1: crate::StringSql, T2: crate::StringSql> {
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub tenant_id: T1,
    pub source_type: Option<T2>,
    pub k: i64,
    pub min_similarity: Option<f64>,
}
#[derive(Debug)]
pub struct SearchEvidenceExactParams<'a, T1: crate::StringSql, T2: crate::StringSql> {
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub tenant_id: T1,
    pub source_type: Option<T2>,
    pub min_similarity: Option<f64>,
    pub k: i64,
}
#[derive(Debug)]
pub struct SearchClaimsParams<'a, T1: crate::StringSql> {
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub tenant_id: T1,
    pub k: i64,
    pub min_similarity: Option<f64>,
}
#[derive(Debug)]
pub struct SearchClaimsExactParams<'a, T1: crate::StringSql> {
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub tenant_id: T1,
    pub min_similarity: Option<f64>,
    pub k: i64,
}
#[derive(Debug)]
pub struct HybridSearchEvidenceParams<'a, T1: crate::StringSql, T2: crate::StringSql> {
    pub query: truthgraph_vector_ref::VectorRef<'a>,
    pub tenant_id: T1,
    pub candidates: i64,
    pub text: T2,
    pub vector_weight: f64,
    pub keyword_weight: f64,
    pub k: i64,
}
#[derive(Debug, Clone, PartialEq)]
pub struct TuneSearch {
    pub probes: String,
    pub ef_search: String,
}
pub struct TuneSearchBorrowed<'a> {
    pub probes: &'a str,
    pub ef_search: &'a str,
}
impl<'a> From<TuneSearchBorrowed<'a>> for TuneSearch {
    fn from(TuneSearchBorrowed { probes, ef_search }: TuneSearchBorrowed<'a>) -> Self {
        Self {
            probes: probes.into(),
            ef_search: ef_search.into(),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceHit {
    pub id: uuid::Uuid,
    pub similarity: f64,
    pub content: String,
    pub source_url: Option<String>,
    pub source_type: Option<String>,
}
pub struct EvidenceHitBorrowed<'a> {
    pub id: uuid::Uuid,
    pub similarity: f64,
    pub content: &'a str,
    pub source_url: Option<&'a str>,
    pub source_type: Option<&'a str>,
}
impl<'a> From<EvidenceHitBorrowed<'a>> for EvidenceHit {
    fn from(
        EvidenceHitBorrowed {
            id,
            similarity,
            content,
            source_url,
            source_type,
        }: EvidenceHitBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            similarity,
            content: content.into(),
            source_url: source_url.map(|v| v.into()),
            source_type: source_type.map(|v| v.into()),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimHit {
    pub id: uuid::Uuid,
    pub similarity: f64,
    pub text: String,
    pub source_url: Option<String>,
}
pub struct ClaimHitBorrowed<'a> {
    pub id: uuid::Uuid,
    pub similarity: f64,
    pub text: &'a str,
    pub source_url: Option<&'a str>,
}
impl<'a> From<ClaimHitBorrowed<'a>> for ClaimHit {
    fn from(
        ClaimHitBorrowed {
            id,
            similarity,
            text,
            source_url,
        }: ClaimHitBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            similarity,
            text: text.into(),
            source_url: source_url.map(|v| v.into()),
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct HybridHit {
    pub id: uuid::Uuid,
    pub score: f64,
    pub vector_rank: Option<i64>,
    pub keyword_rank: Option<i64>,
    pub content: String,
    pub source_url: Option<String>,
    pub source_type: Option<String>,
}
pub struct HybridHitBorrowed<'a> {
    pub id: uuid::Uuid,
    pub score: f64,
    pub vector_rank: Option<i64>,
    pub keyword_rank: Option<i64>,
    pub content: &'a str,
    pub source_url: Option<&'a str>,
    pub source_type: Option<&'a str>,
}
impl<'a> From<HybridHitBorrowed<'a>> for HybridHit {
    fn from(
        HybridHitBorrowed {
            id,
            score,
            vector_rank,
            keyword_rank,
            content,
            source_url,
            source_type,
        }: HybridHitBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            score,
            vector_rank,
            keyword_rank,
            content: content.into(),
            source_url: source_url.map(|v| v.into()),
            source_type: source_type.map(|v| v.into()),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct TuneSearchQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<TuneSearchBorrowed, tokio_postgres::Error>,
    mapper: fn(TuneSearchBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> TuneSearchQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(TuneSearchBorrowed) -> R,
    ) -> TuneSearchQuery<'c, 'a, 's, C, R, N> {
        TuneSearchQuery {
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
pub struct EvidenceHitQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<EvidenceHitBorrowed, tokio_postgres::Error>,
    mapper: fn(EvidenceHitBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> EvidenceHitQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(EvidenceHitBorrowed) -> R,
    ) -> EvidenceHitQuery<'c, 'a, 's, C, R, N> {
        EvidenceHitQuery {
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
pub struct ClaimHitQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<ClaimHitBorrowed, tokio_postgres::Error>,
    mapper: fn(ClaimHitBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> ClaimHitQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(ClaimHitBorrowed) -> R) -> ClaimHitQuery<'c, 'a, 's, C, R, N> {
        ClaimHitQuery {
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
pub struct HybridHitQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<HybridHitBorrowed, tokio_postgres::Error>,
    mapper: fn(HybridHitBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> HybridHitQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(HybridHitBorrowed) -> R) -> HybridHitQuery<'c, 'a, 's, C, R, N> {
        HybridHitQuery {
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
pub struct TuneSearchStmt(&'static str, Option<tokio_postgres::Statement>);
/// Overrides, for the current transaction only, `ivfflat.probes` and
/// `hnsw.ef_search`; NULL keeps the connection's value. A search whose options
/// override the connection's defaults runs in its own transaction with this first.
pub fn tune_search() -> TuneSearchStmt {
    TuneSearchStmt(
        "SELECT set_config('ivfflat.probes', coalesce($1::text, current_setting('ivfflat.probes')), true) AS probes, set_config('hnsw.ef_search', coalesce($2::text, current_setting('hnsw.ef_search')), true) AS ef_search",
        None,
    )
}
impl TuneSearchStmt {
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
        probes: &'a Option<T1>,
        ef_search: &'a Option<T2>,
    ) -> TuneSearchQuery<'c, 'a, 's, C, TuneSearch, 2> {
        TuneSearchQuery {
            client,
            params: [probes, ef_search],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<TuneSearchBorrowed, tokio_postgres::Error> {
                    Ok(TuneSearchBorrowed {
                        probes: row.try_get(0)?,
                        ef_search: row.try_get(1)?,
                    })
                },
            mapper: |it| TuneSearch::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TuneSearchParams<T1, T2>,
        TuneSearchQuery<'c, 'a, 's, C, TuneSearch, 2>,
        C,
    > for TuneSearchStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TuneSearchParams<T1, T2>,
    ) -> TuneSearchQuery<'c, 'a, 's, C, TuneSearch, 2> {
        self.bind(client, &params.probes, &params.ef_search)
    }
}
pub struct SearchEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// Top-k evidence of a tenant by cosine similarity to `query` (index scan).
pub fn search_evidence() -> SearchEvidenceStmt {
    SearchEvidenceStmt(
        "SELECT e.id, 1 - hits.distance AS similarity, e.content, e.source_url, e.source_type FROM ( SELECT em.entity_id, em.embedding <=> $1 AS distance FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' AND (SELECT s.tenant_id = em.tenant_id AND ($3::text IS NULL OR s.source_type = $3) FROM evidence s WHERE s.id = em.entity_id AND s.tenant_id = $2) ORDER BY em.embedding <=> $1 LIMIT $4 ) hits CROSS JOIN LATERAL ( SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type FROM evidence e WHERE e.id = hits.entity_id AND e.tenant_id = $2 OFFSET 0 ) e WHERE e.tenant_id = $2 AND ($5::float8 IS NULL OR 1 - hits.distance >= $5) ORDER BY hits.distance, e.id",
        None,
    )
}
impl SearchEvidenceStmt {
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
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        tenant_id: &'a T1,
        source_type: &'a Option<T2>,
        k: &'a i64,
        min_similarity: &'a Option<f64>,
    ) -> EvidenceHitQuery<'c, 'a, 's, C, EvidenceHit, 5> {
        EvidenceHitQuery {
            client,
            params: [query, tenant_id, source_type, k, min_similarity],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceHitBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceHitBorrowed {
                        id: row.try_get(0)?,
                        similarity: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                    })
                },
            mapper: |it| EvidenceHit::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SearchEvidenceParams<'a, T1, T2>,
        EvidenceHitQuery<'c, 'a, 's, C, EvidenceHit, 5>,
        C,
    > for SearchEvidenceStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SearchEvidenceParams<'a, T1, T2>,
    ) -> EvidenceHitQuery<'c, 'a, 's, C, EvidenceHit, 5> {
        self.bind(
            client,
            &params.query,
            &params.tenant_id,
            &params.source_type,
            &params.k,
            &params.min_similarity,
        )
    }
}
pub struct SearchEvidenceExactStmt(&'static str, Option<tokio_postgres::Statement>);
/// Like `search_evidence`, but exact: orders by an expression the index cannot
/// serve (`+ 0`), so every row of the tenant is compared (for recall checks).
/// The rows are sorted whole and the outer LIMIT stops the primary-key
/// lookups at the k-th valid row: checking every row's entity before a
/// top-k sort cost 3x (12.9 against 4.1 ms p50 at 20K x 384).
pub fn search_evidence_exact() -> SearchEvidenceExactStmt {
    SearchEvidenceExactStmt(
        "SELECT e.id, 1 - hits.distance AS similarity, e.content, e.source_url, e.source_type FROM ( SELECT em.entity_id, (em.embedding <=> $1) + 0 AS distance FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' ORDER BY 2, 1 ) hits CROSS JOIN LATERAL ( SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type FROM evidence e WHERE e.id = hits.entity_id AND e.tenant_id = $2 OFFSET 0 ) e WHERE e.tenant_id = $2 AND ($3::text IS NULL OR e.source_type = $3) AND ($4::float8 IS NULL OR 1 - hits.distance >= $4) ORDER BY hits.distance, hits.entity_id LIMIT $5",
        None,
    )
}
impl SearchEvidenceExactStmt {
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
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        tenant_id: &'a T1,
        source_type: &'a Option<T2>,
        min_similarity: &'a Option<f64>,
        k: &'a i64,
    ) -> EvidenceHitQuery<'c, 'a, 's, C, EvidenceHit, 5> {
        EvidenceHitQuery {
            client,
            params: [query, tenant_id, source_type, min_similarity, k],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<EvidenceHitBorrowed, tokio_postgres::Error> {
                    Ok(EvidenceHitBorrowed {
                        id: row.try_get(0)?,
                        similarity: row.try_get(1)?,
                        content: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                        source_type: row.try_get(4)?,
                    })
                },
            mapper: |it| EvidenceHit::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SearchEvidenceExactParams<'a, T1, T2>,
        EvidenceHitQuery<'c, 'a, 's, C, EvidenceHit, 5>,
        C,
    > for SearchEvidenceExactStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SearchEvidenceExactParams<'a, T1, T2>,
    ) -> EvidenceHitQuery<'c, 'a, 's, C, EvidenceHit, 5> {
        self.bind(
            client,
            &params.query,
            &params.tenant_id,
            &params.source_type,
            &params.min_similarity,
            &params.k,
        )
    }
}
pub struct SearchClaimsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Top-k claims of a tenant by cosine similarity to `query` (index scan).
pub fn search_claims() -> SearchClaimsStmt {
    SearchClaimsStmt(
        "SELECT c.id, 1 - hits.distance AS similarity, c.text, c.source_url FROM ( SELECT em.entity_id, em.embedding <=> $1 AS distance FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'claim' AND (SELECT c.tenant_id = em.tenant_id FROM claims c WHERE c.id = em.entity_id AND c.tenant_id = $2) ORDER BY em.embedding <=> $1 LIMIT $3 ) hits CROSS JOIN LATERAL ( SELECT c.id, c.tenant_id, c.text, c.source_url FROM claims c WHERE c.id = hits.entity_id AND c.tenant_id = $2 OFFSET 0 ) c WHERE c.tenant_id = $2 AND ($4::float8 IS NULL OR 1 - hits.distance >= $4) ORDER BY hits.distance, c.id",
        None,
    )
}
impl SearchClaimsStmt {
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
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        tenant_id: &'a T1,
        k: &'a i64,
        min_similarity: &'a Option<f64>,
    ) -> ClaimHitQuery<'c, 'a, 's, C, ClaimHit, 4> {
        ClaimHitQuery {
            client,
            params: [query, tenant_id, k, min_similarity],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ClaimHitBorrowed, tokio_postgres::Error> {
                    Ok(ClaimHitBorrowed {
                        id: row.try_get(0)?,
                        similarity: row.try_get(1)?,
                        text: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                    })
                },
            mapper: |it| ClaimHit::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SearchClaimsParams<'a, T1>,
        ClaimHitQuery<'c, 'a, 's, C, ClaimHit, 4>,
        C,
    > for SearchClaimsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SearchClaimsParams<'a, T1>,
    ) -> ClaimHitQuery<'c, 'a, 's, C, ClaimHit, 4> {
        self.bind(
            client,
            &params.query,
            &params.tenant_id,
            &params.k,
            &params.min_similarity,
        )
    }
}
pub struct SearchClaimsExactStmt(&'static str, Option<tokio_postgres::Statement>);
/// Like `search_claims`, but exact (no index), built as `search_evidence_exact`.
pub fn search_claims_exact() -> SearchClaimsExactStmt {
    SearchClaimsExactStmt(
        "SELECT c.id, 1 - hits.distance AS similarity, c.text, c.source_url FROM ( SELECT em.entity_id, (em.embedding <=> $1) + 0 AS distance FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'claim' ORDER BY 2, 1 ) hits CROSS JOIN LATERAL ( SELECT c.id, c.tenant_id, c.text, c.source_url FROM claims c WHERE c.id = hits.entity_id AND c.tenant_id = $2 OFFSET 0 ) c WHERE c.tenant_id = $2 AND ($3::float8 IS NULL OR 1 - hits.distance >= $3) ORDER BY hits.distance, hits.entity_id LIMIT $4",
        None,
    )
}
impl SearchClaimsExactStmt {
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
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        tenant_id: &'a T1,
        min_similarity: &'a Option<f64>,
        k: &'a i64,
    ) -> ClaimHitQuery<'c, 'a, 's, C, ClaimHit, 4> {
        ClaimHitQuery {
            client,
            params: [query, tenant_id, min_similarity, k],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<ClaimHitBorrowed, tokio_postgres::Error> {
                    Ok(ClaimHitBorrowed {
                        id: row.try_get(0)?,
                        similarity: row.try_get(1)?,
                        text: row.try_get(2)?,
                        source_url: row.try_get(3)?,
                    })
                },
            mapper: |it| ClaimHit::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        SearchClaimsExactParams<'a, T1>,
        ClaimHitQuery<'c, 'a, 's, C, ClaimHit, 4>,
        C,
    > for SearchClaimsExactStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a SearchClaimsExactParams<'a, T1>,
    ) -> ClaimHitQuery<'c, 'a, 's, C, ClaimHit, 4> {
        self.bind(
            client,
            &params.query,
            &params.tenant_id,
            &params.min_similarity,
            &params.k,
        )
    }
}
pub struct HybridSearchEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// Evidence ranked by reciprocal rank fusion (k = 60) of full-text rank and
/// vector rank, weighted per call, in one statement. Each side contributes its
/// best `candidates` rows. The full-text side matches any of the text's
/// English lexemes (an OR: a claim sentence ANDed word by word matches almost
/// nothing), bounded so that a long sentence stays cheap: only lexemes found
/// in under 2 % of evidence rows (`pg_stats.most_common_elems` of
/// `content_tsv`, kept by ANALYZE; table-wide; no statistics yet: every
/// lexeme counts as rare), at most the 12 rarest (then the longest), ranked
/// by `ts_rank`; a text whose lexemes are all common (e.g. "network
/// address" over a networking corpus) matches the rows holding all of them
/// (an AND of at most 12, as `plainto_tsquery` did), so a short keyword text
/// is never left without a keyword side. Each lexeme is quoted for tsquery
/// input (`\` and `'`
/// escaped), so the text is never parsed as query syntax. `pg_stats` hides
/// the statistics of a table with row-level security from a login it applies
/// to (a `truthgraph_app` member): there every lexeme counts as rare and only
/// the cap of 12 bounds the work. The statistics are a MATERIALIZED CTE: on
/// a Citus coordinator it runs there as one subplan (text and real rows), and
/// the rest is routed to the tenant's shard (inlined, Citus would pull
/// pg_stats' catalog tables whole, aclitem columns included, and fail).
pub fn hybrid_search_evidence() -> HybridSearchEvidenceStmt {
    HybridSearchEvidenceStmt(
        "WITH stats AS MATERIALIZED ( SELECT unnest(s.most_common_elems::text::text[]) AS lexeme, unnest(s.most_common_elem_freqs) AS freq FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = 'evidence' AND s.attname = 'content_tsv' ), vec AS ( SELECT id, row_number() OVER (ORDER BY distance, id) AS rank FROM ( SELECT em.entity_id AS id, em.embedding <=> $1 AS distance FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' AND (SELECT s.tenant_id = em.tenant_id FROM evidence s WHERE s.id = em.entity_id AND s.tenant_id = $2) ORDER BY em.embedding <=> $1 LIMIT $3 ) v ), kw AS ( SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank FROM ( SELECT e.id, ts_rank(e.content_tsv, q.q) AS score FROM evidence e, ( SELECT coalesce(CASE WHEN bool_or(r.rare) THEN string_agg(r.quoted, ' | ') FILTER (WHERE r.rare) ELSE string_agg(r.quoted, ' & ') END, '')::tsquery AS q FROM ( SELECT '''' || replace(replace(l.lexeme, '\\', '\\\\'), '''', '''''') || '''' AS quoted, coalesce(f.freq, 0) < 0.02 AS rare FROM unnest(to_tsvector('english', $4)) l LEFT JOIN stats f ON f.lexeme = l.lexeme ORDER BY coalesce(f.freq, 0), length(l.lexeme) DESC, l.lexeme LIMIT 12 ) r ) q WHERE e.tenant_id = $2 AND e.content_tsv @@ q.q ORDER BY score DESC, e.id LIMIT $3 ) k ) SELECT e.id, coalesce($5::float8 / (60 + vec.rank), 0) + coalesce($6::float8 / (60 + kw.rank), 0) AS score, vec.rank AS vector_rank, kw.rank AS keyword_rank, e.content, e.source_url, e.source_type FROM vec FULL OUTER JOIN kw ON kw.id = vec.id CROSS JOIN LATERAL ( SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type FROM evidence e WHERE e.id = coalesce(vec.id, kw.id) AND e.tenant_id = $2 OFFSET 0 ) e WHERE e.tenant_id = $2 ORDER BY score DESC, e.id LIMIT $7",
        None,
    )
}
impl HybridSearchEvidenceStmt {
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
        query: &'a truthgraph_vector_ref::VectorRef<'a>,
        tenant_id: &'a T1,
        candidates: &'a i64,
        text: &'a T2,
        vector_weight: &'a f64,
        keyword_weight: &'a f64,
        k: &'a i64,
    ) -> HybridHitQuery<'c, 'a, 's, C, HybridHit, 7> {
        HybridHitQuery {
            client,
            params: [
                query,
                tenant_id,
                candidates,
                text,
                vector_weight,
                keyword_weight,
                k,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<HybridHitBorrowed, tokio_postgres::Error> {
                    Ok(HybridHitBorrowed {
                        id: row.try_get(0)?,
                        score: row.try_get(1)?,
                        vector_rank: row.try_get(2)?,
                        keyword_rank: row.try_get(3)?,
                        content: row.try_get(4)?,
                        source_url: row.try_get(5)?,
                        source_type: row.try_get(6)?,
                    })
                },
            mapper: |it| HybridHit::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        HybridSearchEvidenceParams<'a, T1, T2>,
        HybridHitQuery<'c, 'a, 's, C, HybridHit, 7>,
        C,
    > for HybridSearchEvidenceStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a HybridSearchEvidenceParams<'a, T1, T2>,
    ) -> HybridHitQuery<'c, 'a, 's, C, HybridHit, 7> {
        self.bind(
            client,
            &params.query,
            &params.tenant_id,
            &params.candidates,
            &params.text,
            &params.vector_weight,
            &params.keyword_weight,
            &params.k,
        )
    }
}

// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct InsertVerdictParams<T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql> {
    pub verdict: Option<T1>,
    pub confidence: Option<f64>,
    pub reasoning: Option<T2>,
    pub claim_id: uuid::Uuid,
    pub tenant_id: T3,
}
#[derive(Debug)]
pub struct LinkVerdictEvidenceParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub verdict_id: uuid::Uuid,
    pub evidence_id: uuid::Uuid,
    pub relationship: Option<T2>,
    pub confidence: Option<f64>,
}
#[derive(Debug)]
pub struct LatestVerdictParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub claim_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct VerdictEvidenceParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub verdict_id: uuid::Uuid,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub id: uuid::Uuid,
    pub claim_id: uuid::Uuid,
    pub verdict: Option<String>,
    pub confidence: Option<f64>,
    pub reasoning: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
pub struct VerdictBorrowed<'a> {
    pub id: uuid::Uuid,
    pub claim_id: uuid::Uuid,
    pub verdict: Option<&'a str>,
    pub confidence: Option<f64>,
    pub reasoning: Option<&'a str>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
impl<'a> From<VerdictBorrowed<'a>> for Verdict {
    fn from(
        VerdictBorrowed {
            id,
            claim_id,
            verdict,
            confidence,
            reasoning,
            created_at,
            updated_at,
        }: VerdictBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            claim_id,
            verdict: verdict.map(|v| v.into()),
            confidence,
            reasoning: reasoning.map(|v| v.into()),
            created_at,
            updated_at,
        }
    }
}
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictEvidence {
    pub evidence_id: uuid::Uuid,
    pub relationship: Option<String>,
    pub confidence: Option<f64>,
    pub content: String,
    pub source_url: Option<String>,
}
pub struct VerdictEvidenceBorrowed<'a> {
    pub evidence_id: uuid::Uuid,
    pub relationship: Option<&'a str>,
    pub confidence: Option<f64>,
    pub content: &'a str,
    pub source_url: Option<&'a str>,
}
impl<'a> From<VerdictEvidenceBorrowed<'a>> for VerdictEvidence {
    fn from(
        VerdictEvidenceBorrowed {
            evidence_id,
            relationship,
            confidence,
            content,
            source_url,
        }: VerdictEvidenceBorrowed<'a>,
    ) -> Self {
        Self {
            evidence_id,
            relationship: relationship.map(|v| v.into()),
            confidence,
            content: content.into(),
            source_url: source_url.map(|v| v.into()),
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct VerdictQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<VerdictBorrowed, tokio_postgres::Error>,
    mapper: fn(VerdictBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> VerdictQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(VerdictBorrowed) -> R) -> VerdictQuery<'c, 'a, 's, C, R, N> {
        VerdictQuery {
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
pub struct VerdictEvidenceQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<VerdictEvidenceBorrowed, tokio_postgres::Error>,
    mapper: fn(VerdictEvidenceBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> VerdictEvidenceQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(VerdictEvidenceBorrowed) -> R,
    ) -> VerdictEvidenceQuery<'c, 'a, 's, C, R, N> {
        VerdictEvidenceQuery {
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
pub struct InsertVerdictStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores a Phase 1 verdict (NULL verdict: pending) for a claim of the tenant.
pub fn insert_verdict() -> InsertVerdictStmt {
    InsertVerdictStmt(
        "INSERT INTO verdicts (tenant_id, claim_id, verdict, confidence, reasoning) SELECT c.tenant_id, c.id, $1::text, $2::float8, $3::text FROM claims c WHERE c.id = $4 AND c.tenant_id = $5 RETURNING id, claim_id, verdict, confidence, reasoning, created_at, updated_at",
        None,
    )
}
impl InsertVerdictStmt {
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
        verdict: &'a Option<T1>,
        confidence: &'a Option<f64>,
        reasoning: &'a Option<T2>,
        claim_id: &'a uuid::Uuid,
        tenant_id: &'a T3,
    ) -> VerdictQuery<'c, 'a, 's, C, Verdict, 5> {
        VerdictQuery {
            client,
            params: [verdict, confidence, reasoning, claim_id, tenant_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<VerdictBorrowed, tokio_postgres::Error> {
                    Ok(VerdictBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        verdict: row.try_get(2)?,
                        confidence: row.try_get(3)?,
                        reasoning: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                        updated_at: row.try_get(6)?,
                    })
                },
            mapper: |it| Verdict::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql, T3: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertVerdictParams<T1, T2, T3>,
        VerdictQuery<'c, 'a, 's, C, Verdict, 5>,
        C,
    > for InsertVerdictStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertVerdictParams<T1, T2, T3>,
    ) -> VerdictQuery<'c, 'a, 's, C, Verdict, 5> {
        self.bind(
            client,
            &params.verdict,
            &params.confidence,
            &params.reasoning,
            &params.claim_id,
            &params.tenant_id,
        )
    }
}
pub struct LinkVerdictEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// Links evidence of the tenant to a verdict of the tenant: the tenant-scoped
/// foreign keys refuse (23503) a verdict or evidence that is missing or
/// another tenant's. VALUES, not INSERT … SELECT: Citus runs an INSERT …
/// SELECT over two tables through the coordinator by COPY, which row-level
/// security refuses.
pub fn link_verdict_evidence() -> LinkVerdictEvidenceStmt {
    LinkVerdictEvidenceStmt(
        "INSERT INTO verdict_evidence (tenant_id, verdict_id, evidence_id, relationship, confidence) VALUES ($1, $2, $3, $4::text, $5::float8)",
        None,
    )
}
impl LinkVerdictEvidenceStmt {
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
        verdict_id: &'a uuid::Uuid,
        evidence_id: &'a uuid::Uuid,
        relationship: &'a Option<T2>,
        confidence: &'a Option<f64>,
    ) -> Result<u64, tokio_postgres::Error> {
        client
            .execute(
                self.0,
                &[tenant_id, verdict_id, evidence_id, relationship, confidence],
            )
            .await
    }
}
impl<'a, C: GenericClient + Send + Sync, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'a,
        'a,
        'a,
        LinkVerdictEvidenceParams<T1, T2>,
        std::pin::Pin<
            Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
        >,
        C,
    > for LinkVerdictEvidenceStmt
{
    fn params(
        &'a self,
        client: &'a C,
        params: &'a LinkVerdictEvidenceParams<T1, T2>,
    ) -> std::pin::Pin<
        Box<dyn futures::Future<Output = Result<u64, tokio_postgres::Error>> + Send + 'a>,
    > {
        Box::pin(self.bind(
            client,
            &params.tenant_id,
            &params.verdict_id,
            &params.evidence_id,
            &params.relationship,
            &params.confidence,
        ))
    }
}
pub struct LatestVerdictStmt(&'static str, Option<tokio_postgres::Statement>);
/// The newest Phase 1 verdict of a claim.
pub fn latest_verdict() -> LatestVerdictStmt {
    LatestVerdictStmt(
        "SELECT v.id, v.claim_id, v.verdict, v.confidence, v.reasoning, v.created_at, v.updated_at FROM verdicts v WHERE v.tenant_id = $1 AND v.claim_id = $2 ORDER BY v.created_at DESC, v.id DESC LIMIT 1",
        None,
    )
}
impl LatestVerdictStmt {
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
        claim_id: &'a uuid::Uuid,
    ) -> VerdictQuery<'c, 'a, 's, C, Verdict, 2> {
        VerdictQuery {
            client,
            params: [tenant_id, claim_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<VerdictBorrowed, tokio_postgres::Error> {
                    Ok(VerdictBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        verdict: row.try_get(2)?,
                        confidence: row.try_get(3)?,
                        reasoning: row.try_get(4)?,
                        created_at: row.try_get(5)?,
                        updated_at: row.try_get(6)?,
                    })
                },
            mapper: |it| Verdict::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        LatestVerdictParams<T1>,
        VerdictQuery<'c, 'a, 's, C, Verdict, 2>,
        C,
    > for LatestVerdictStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a LatestVerdictParams<T1>,
    ) -> VerdictQuery<'c, 'a, 's, C, Verdict, 2> {
        self.bind(client, &params.tenant_id, &params.claim_id)
    }
}
pub struct VerdictEvidenceStmt(&'static str, Option<tokio_postgres::Statement>);
/// The evidence of a verdict with its relationship, most confident first.
pub fn verdict_evidence() -> VerdictEvidenceStmt {
    VerdictEvidenceStmt(
        "SELECT ve.evidence_id, ve.relationship, ve.confidence, e.content, e.source_url FROM verdict_evidence ve JOIN evidence e ON e.id = ve.evidence_id AND e.tenant_id = $1 WHERE ve.tenant_id = $1 AND ve.verdict_id = $2 ORDER BY ve.confidence DESC NULLS LAST, ve.evidence_id",
        None,
    )
}
impl VerdictEvidenceStmt {
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
        verdict_id: &'a uuid::Uuid,
    ) -> VerdictEvidenceQuery<'c, 'a, 's, C, VerdictEvidence, 2> {
        VerdictEvidenceQuery {
            client,
            params: [tenant_id, verdict_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<VerdictEvidenceBorrowed, tokio_postgres::Error> {
                Ok(VerdictEvidenceBorrowed {
                    evidence_id: row.try_get(0)?,
                    relationship: row.try_get(1)?,
                    confidence: row.try_get(2)?,
                    content: row.try_get(3)?,
                    source_url: row.try_get(4)?,
                })
            },
            mapper: |it| VerdictEvidence::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        VerdictEvidenceParams<T1>,
        VerdictEvidenceQuery<'c, 'a, 's, C, VerdictEvidence, 2>,
        C,
    > for VerdictEvidenceStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a VerdictEvidenceParams<T1>,
    ) -> VerdictEvidenceQuery<'c, 'a, 's, C, VerdictEvidence, 2> {
        self.bind(client, &params.tenant_id, &params.verdict_id)
    }
}

// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct InsertVerificationResultParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::ArraySql<Item = uuid::Uuid>,
    T4: crate::StringSql,
    T5: crate::StringSql,
    T6: crate::StringSql,
> {
    pub verdict: T1,
    pub confidence: f64,
    pub support_score: f64,
    pub refute_score: f64,
    pub neutral_score: f64,
    pub evidence_count: i32,
    pub supporting_evidence_count: i32,
    pub refuting_evidence_count: i32,
    pub neutral_evidence_count: i32,
    pub reasoning: Option<T2>,
    pub nli_result_ids: Option<T3>,
    pub pipeline_version: Option<T4>,
    pub retrieval_method: Option<T5>,
    pub claim_id: uuid::Uuid,
    pub tenant_id: T6,
}
#[derive(Debug)]
pub struct LatestVerificationResultParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub claim_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct VerificationHistoryParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub claim_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct VerificationResultsByVerdictParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub verdict: T2,
    pub limit: i64,
}
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationResult {
    pub id: uuid::Uuid,
    pub claim_id: uuid::Uuid,
    pub verdict: String,
    pub confidence: f64,
    pub support_score: f64,
    pub refute_score: f64,
    pub neutral_score: f64,
    pub evidence_count: i32,
    pub supporting_evidence_count: i32,
    pub refuting_evidence_count: i32,
    pub neutral_evidence_count: i32,
    pub reasoning: Option<String>,
    pub nli_result_ids: Option<Vec<uuid::Uuid>>,
    pub pipeline_version: Option<String>,
    pub retrieval_method: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
pub struct VerificationResultBorrowed<'a> {
    pub id: uuid::Uuid,
    pub claim_id: uuid::Uuid,
    pub verdict: &'a str,
    pub confidence: f64,
    pub support_score: f64,
    pub refute_score: f64,
    pub neutral_score: f64,
    pub evidence_count: i32,
    pub supporting_evidence_count: i32,
    pub refuting_evidence_count: i32,
    pub neutral_evidence_count: i32,
    pub reasoning: Option<&'a str>,
    pub nli_result_ids: Option<crate::ArrayIterator<'a, uuid::Uuid>>,
    pub pipeline_version: Option<&'a str>,
    pub retrieval_method: Option<&'a str>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}
impl<'a> From<VerificationResultBorrowed<'a>> for VerificationResult {
    fn from(
        VerificationResultBorrowed {
            id,
            claim_id,
            verdict,
            confidence,
            support_score,
            refute_score,
            neutral_score,
            evidence_count,
            supporting_evidence_count,
            refuting_evidence_count,
            neutral_evidence_count,
            reasoning,
            nli_result_ids,
            pipeline_version,
            retrieval_method,
            created_at,
            updated_at,
        }: VerificationResultBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            claim_id,
            verdict: verdict.into(),
            confidence,
            support_score,
            refute_score,
            neutral_score,
            evidence_count,
            supporting_evidence_count,
            refuting_evidence_count,
            neutral_evidence_count,
            reasoning: reasoning.map(|v| v.into()),
            nli_result_ids: nli_result_ids.map(|v| v.map(|v| v).collect()),
            pipeline_version: pipeline_version.map(|v| v.into()),
            retrieval_method: retrieval_method.map(|v| v.into()),
            created_at,
            updated_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct VerificationResultQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor:
        fn(&tokio_postgres::Row) -> Result<VerificationResultBorrowed, tokio_postgres::Error>,
    mapper: fn(VerificationResultBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> VerificationResultQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(
        self,
        mapper: fn(VerificationResultBorrowed) -> R,
    ) -> VerificationResultQuery<'c, 'a, 's, C, R, N> {
        VerificationResultQuery {
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
pub struct InsertVerificationResultStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores the verdict of one verification run. Inserts nothing (returns no row)
/// unless the claim belongs to the tenant and every id of `nli_result_ids` is
/// an NLI result of the tenant's (checked in this statement). `tenant_id` is
/// the claim's; reads filter on it (V8's tenant-scoped foreign key keeps it
/// the claim's), so a database distributed by tenant routes them to one shard.
pub fn insert_verification_result() -> InsertVerificationResultStmt {
    InsertVerificationResultStmt(
        "INSERT INTO verification_results (tenant_id, claim_id, verdict, confidence, support_score, refute_score, neutral_score, evidence_count, supporting_evidence_count, refuting_evidence_count, neutral_evidence_count, reasoning, nli_result_ids, pipeline_version, retrieval_method) SELECT c.tenant_id, c.id, $1::text, $2::float8, $3::float8, $4::float8, $5::float8, $6::int4, $7::int4, $8::int4, $9::int4, $10::text, $11::uuid[], $12::text, $13::text FROM claims c WHERE c.id = $14 AND c.tenant_id = $15 AND NOT EXISTS (SELECT FROM unnest($11::uuid[]) AS x(id) WHERE NOT EXISTS (SELECT FROM nli_results n WHERE n.tenant_id = $15 AND n.id = x.id)) RETURNING id, claim_id, verdict, confidence, support_score, refute_score, neutral_score, evidence_count, supporting_evidence_count, refuting_evidence_count, neutral_evidence_count, reasoning, nli_result_ids, pipeline_version, retrieval_method, created_at, updated_at",
        None,
    )
}
impl InsertVerificationResultStmt {
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
        T3: crate::ArraySql<Item = uuid::Uuid>,
        T4: crate::StringSql,
        T5: crate::StringSql,
        T6: crate::StringSql,
    >(
        &'s self,
        client: &'c C,
        verdict: &'a T1,
        confidence: &'a f64,
        support_score: &'a f64,
        refute_score: &'a f64,
        neutral_score: &'a f64,
        evidence_count: &'a i32,
        supporting_evidence_count: &'a i32,
        refuting_evidence_count: &'a i32,
        neutral_evidence_count: &'a i32,
        reasoning: &'a Option<T2>,
        nli_result_ids: &'a Option<T3>,
        pipeline_version: &'a Option<T4>,
        retrieval_method: &'a Option<T5>,
        claim_id: &'a uuid::Uuid,
        tenant_id: &'a T6,
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 15> {
        VerificationResultQuery {
            client,
            params: [
                verdict,
                confidence,
                support_score,
                refute_score,
                neutral_score,
                evidence_count,
                supporting_evidence_count,
                refuting_evidence_count,
                neutral_evidence_count,
                reasoning,
                nli_result_ids,
                pipeline_version,
                retrieval_method,
                claim_id,
                tenant_id,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<VerificationResultBorrowed, tokio_postgres::Error> {
                Ok(VerificationResultBorrowed {
                    id: row.try_get(0)?,
                    claim_id: row.try_get(1)?,
                    verdict: row.try_get(2)?,
                    confidence: row.try_get(3)?,
                    support_score: row.try_get(4)?,
                    refute_score: row.try_get(5)?,
                    neutral_score: row.try_get(6)?,
                    evidence_count: row.try_get(7)?,
                    supporting_evidence_count: row.try_get(8)?,
                    refuting_evidence_count: row.try_get(9)?,
                    neutral_evidence_count: row.try_get(10)?,
                    reasoning: row.try_get(11)?,
                    nli_result_ids: row.try_get(12)?,
                    pipeline_version: row.try_get(13)?,
                    retrieval_method: row.try_get(14)?,
                    created_at: row.try_get(15)?,
                    updated_at: row.try_get(16)?,
                })
            },
            mapper: |it| VerificationResult::from(it),
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
    T3: crate::ArraySql<Item = uuid::Uuid>,
    T4: crate::StringSql,
    T5: crate::StringSql,
    T6: crate::StringSql,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertVerificationResultParams<T1, T2, T3, T4, T5, T6>,
        VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 15>,
        C,
    > for InsertVerificationResultStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertVerificationResultParams<T1, T2, T3, T4, T5, T6>,
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 15> {
        self.bind(
            client,
            &params.verdict,
            &params.confidence,
            &params.support_score,
            &params.refute_score,
            &params.neutral_score,
            &params.evidence_count,
            &params.supporting_evidence_count,
            &params.refuting_evidence_count,
            &params.neutral_evidence_count,
            &params.reasoning,
            &params.nli_result_ids,
            &params.pipeline_version,
            &params.retrieval_method,
            &params.claim_id,
            &params.tenant_id,
        )
    }
}
pub struct LatestVerificationResultStmt(&'static str, Option<tokio_postgres::Statement>);
/// The newest verification result of a claim.
pub fn latest_verification_result() -> LatestVerificationResultStmt {
    LatestVerificationResultStmt(
        "SELECT v.id, v.claim_id, v.verdict, v.confidence, v.support_score, v.refute_score, v.neutral_score, v.evidence_count, v.supporting_evidence_count, v.refuting_evidence_count, v.neutral_evidence_count, v.reasoning, v.nli_result_ids, v.pipeline_version, v.retrieval_method, v.created_at, v.updated_at FROM verification_results v WHERE v.tenant_id = $1 AND v.claim_id = $2 ORDER BY v.created_at DESC, v.id DESC LIMIT 1",
        None,
    )
}
impl LatestVerificationResultStmt {
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
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 2> {
        VerificationResultQuery {
            client,
            params: [tenant_id, claim_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<VerificationResultBorrowed, tokio_postgres::Error> {
                Ok(VerificationResultBorrowed {
                    id: row.try_get(0)?,
                    claim_id: row.try_get(1)?,
                    verdict: row.try_get(2)?,
                    confidence: row.try_get(3)?,
                    support_score: row.try_get(4)?,
                    refute_score: row.try_get(5)?,
                    neutral_score: row.try_get(6)?,
                    evidence_count: row.try_get(7)?,
                    supporting_evidence_count: row.try_get(8)?,
                    refuting_evidence_count: row.try_get(9)?,
                    neutral_evidence_count: row.try_get(10)?,
                    reasoning: row.try_get(11)?,
                    nli_result_ids: row.try_get(12)?,
                    pipeline_version: row.try_get(13)?,
                    retrieval_method: row.try_get(14)?,
                    created_at: row.try_get(15)?,
                    updated_at: row.try_get(16)?,
                })
            },
            mapper: |it| VerificationResult::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        LatestVerificationResultParams<T1>,
        VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 2>,
        C,
    > for LatestVerificationResultStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a LatestVerificationResultParams<T1>,
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 2> {
        self.bind(client, &params.tenant_id, &params.claim_id)
    }
}
pub struct VerificationHistoryStmt(&'static str, Option<tokio_postgres::Statement>);
/// Every verification result of a claim, newest first.
pub fn verification_history() -> VerificationHistoryStmt {
    VerificationHistoryStmt(
        "SELECT v.id, v.claim_id, v.verdict, v.confidence, v.support_score, v.refute_score, v.neutral_score, v.evidence_count, v.supporting_evidence_count, v.refuting_evidence_count, v.neutral_evidence_count, v.reasoning, v.nli_result_ids, v.pipeline_version, v.retrieval_method, v.created_at, v.updated_at FROM verification_results v WHERE v.tenant_id = $1 AND v.claim_id = $2 ORDER BY v.created_at DESC, v.id DESC",
        None,
    )
}
impl VerificationHistoryStmt {
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
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 2> {
        VerificationResultQuery {
            client,
            params: [tenant_id, claim_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<VerificationResultBorrowed, tokio_postgres::Error> {
                Ok(VerificationResultBorrowed {
                    id: row.try_get(0)?,
                    claim_id: row.try_get(1)?,
                    verdict: row.try_get(2)?,
                    confidence: row.try_get(3)?,
                    support_score: row.try_get(4)?,
                    refute_score: row.try_get(5)?,
                    neutral_score: row.try_get(6)?,
                    evidence_count: row.try_get(7)?,
                    supporting_evidence_count: row.try_get(8)?,
                    refuting_evidence_count: row.try_get(9)?,
                    neutral_evidence_count: row.try_get(10)?,
                    reasoning: row.try_get(11)?,
                    nli_result_ids: row.try_get(12)?,
                    pipeline_version: row.try_get(13)?,
                    retrieval_method: row.try_get(14)?,
                    created_at: row.try_get(15)?,
                    updated_at: row.try_get(16)?,
                })
            },
            mapper: |it| VerificationResult::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        VerificationHistoryParams<T1>,
        VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 2>,
        C,
    > for VerificationHistoryStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a VerificationHistoryParams<T1>,
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 2> {
        self.bind(client, &params.tenant_id, &params.claim_id)
    }
}
pub struct VerificationResultsByVerdictStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tenant's results with a verdict, most confident first.
pub fn verification_results_by_verdict() -> VerificationResultsByVerdictStmt {
    VerificationResultsByVerdictStmt(
        "SELECT v.id, v.claim_id, v.verdict, v.confidence, v.support_score, v.refute_score, v.neutral_score, v.evidence_count, v.supporting_evidence_count, v.refuting_evidence_count, v.neutral_evidence_count, v.reasoning, v.nli_result_ids, v.pipeline_version, v.retrieval_method, v.created_at, v.updated_at FROM verification_results v WHERE v.tenant_id = $1 AND v.verdict = $2 ORDER BY v.confidence DESC, v.id LIMIT $3",
        None,
    )
}
impl VerificationResultsByVerdictStmt {
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
        verdict: &'a T2,
        limit: &'a i64,
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 3> {
        VerificationResultQuery {
            client,
            params: [tenant_id, verdict, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |
                row: &tokio_postgres::Row,
            | -> Result<VerificationResultBorrowed, tokio_postgres::Error> {
                Ok(VerificationResultBorrowed {
                    id: row.try_get(0)?,
                    claim_id: row.try_get(1)?,
                    verdict: row.try_get(2)?,
                    confidence: row.try_get(3)?,
                    support_score: row.try_get(4)?,
                    refute_score: row.try_get(5)?,
                    neutral_score: row.try_get(6)?,
                    evidence_count: row.try_get(7)?,
                    supporting_evidence_count: row.try_get(8)?,
                    refuting_evidence_count: row.try_get(9)?,
                    neutral_evidence_count: row.try_get(10)?,
                    reasoning: row.try_get(11)?,
                    nli_result_ids: row.try_get(12)?,
                    pipeline_version: row.try_get(13)?,
                    retrieval_method: row.try_get(14)?,
                    created_at: row.try_get(15)?,
                    updated_at: row.try_get(16)?,
                })
            },
            mapper: |it| VerificationResult::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        VerificationResultsByVerdictParams<T1, T2>,
        VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 3>,
        C,
    > for VerificationResultsByVerdictStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a VerificationResultsByVerdictParams<T1, T2>,
    ) -> VerificationResultQuery<'c, 'a, 's, C, VerificationResult, 3> {
        self.bind(client, &params.tenant_id, &params.verdict, &params.limit)
    }
}

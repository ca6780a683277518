// This file was generated with `cornucopia`. Do not modify.

#[derive(Debug)]
pub struct InsertNliResultParams<
    T1: crate::StringSql,
    T2: crate::StringSql,
    T3: crate::StringSql,
    T4: crate::StringSql,
    T5: crate::StringSql,
    T6: crate::StringSql,
> {
    pub label: T1,
    pub confidence: f64,
    pub entailment_score: f64,
    pub contradiction_score: f64,
    pub neutral_score: f64,
    pub model_name: T2,
    pub model_version: Option<T3>,
    pub premise_text: T4,
    pub hypothesis_text: T5,
    pub evidence_id: uuid::Uuid,
    pub tenant_id: T6,
    pub claim_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct InsertNliResultsParams<
    T1: crate::ArraySql<Item = uuid::Uuid>,
    T2: crate::ArraySql<Item = uuid::Uuid>,
    T3: crate::StringSql,
    T4: crate::ArraySql<Item = T3>,
    T5: crate::ArraySql<Item = f64>,
    T6: crate::ArraySql<Item = f64>,
    T7: crate::ArraySql<Item = f64>,
    T8: crate::ArraySql<Item = f64>,
    T9: crate::StringSql,
    T10: crate::ArraySql<Item = T9>,
    T11: crate::StringSql,
    T12: crate::ArraySql<Item = Option<T11>>,
    T13: crate::StringSql,
    T14: crate::ArraySql<Item = T13>,
    T15: crate::StringSql,
    T16: crate::ArraySql<Item = T15>,
    T17: crate::StringSql,
> {
    pub claim_ids: T1,
    pub evidence_ids: T2,
    pub labels: T4,
    pub confidences: T5,
    pub entailment_scores: T6,
    pub contradiction_scores: T7,
    pub neutral_scores: T8,
    pub model_names: T10,
    pub model_versions: T12,
    pub premise_texts: T14,
    pub hypothesis_texts: T16,
    pub tenant_id: T17,
}
#[derive(Debug)]
pub struct NliResultsForClaimParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub claim_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct NliResultsForPairParams<T1: crate::StringSql> {
    pub tenant_id: T1,
    pub claim_id: uuid::Uuid,
    pub evidence_id: uuid::Uuid,
}
#[derive(Debug)]
pub struct NliResultsByLabelParams<T1: crate::StringSql, T2: crate::StringSql> {
    pub tenant_id: T1,
    pub label: T2,
    pub limit: i64,
}
#[derive(Debug)]
pub struct TenantNliResultIdsParams<T1: crate::StringSql, T2: crate::ArraySql<Item = uuid::Uuid>> {
    pub tenant_id: T1,
    pub ids: T2,
}
#[derive(Debug, Clone, PartialEq)]
pub struct NliResult {
    pub id: uuid::Uuid,
    pub claim_id: uuid::Uuid,
    pub evidence_id: uuid::Uuid,
    pub label: String,
    pub confidence: f64,
    pub entailment_score: f64,
    pub contradiction_score: f64,
    pub neutral_score: f64,
    pub model_name: String,
    pub model_version: Option<String>,
    pub premise_text: String,
    pub hypothesis_text: String,
    pub created_at: chrono::NaiveDateTime,
}
pub struct NliResultBorrowed<'a> {
    pub id: uuid::Uuid,
    pub claim_id: uuid::Uuid,
    pub evidence_id: uuid::Uuid,
    pub label: &'a str,
    pub confidence: f64,
    pub entailment_score: f64,
    pub contradiction_score: f64,
    pub neutral_score: f64,
    pub model_name: &'a str,
    pub model_version: Option<&'a str>,
    pub premise_text: &'a str,
    pub hypothesis_text: &'a str,
    pub created_at: chrono::NaiveDateTime,
}
impl<'a> From<NliResultBorrowed<'a>> for NliResult {
    fn from(
        NliResultBorrowed {
            id,
            claim_id,
            evidence_id,
            label,
            confidence,
            entailment_score,
            contradiction_score,
            neutral_score,
            model_name,
            model_version,
            premise_text,
            hypothesis_text,
            created_at,
        }: NliResultBorrowed<'a>,
    ) -> Self {
        Self {
            id,
            claim_id,
            evidence_id,
            label: label.into(),
            confidence,
            entailment_score,
            contradiction_score,
            neutral_score,
            model_name: model_name.into(),
            model_version: model_version.map(|v| v.into()),
            premise_text: premise_text.into(),
            hypothesis_text: hypothesis_text.into(),
            created_at,
        }
    }
}
use crate::client::async_::GenericClient;
use futures::{self, StreamExt, TryStreamExt};
pub struct NliResultQuery<'c, 'a, 's, C: GenericClient, T, const N: usize> {
    client: &'c C,
    params: [&'a (dyn postgres_types::ToSql + Sync); N],
    query: &'static str,
    cached: Option<&'s tokio_postgres::Statement>,
    extractor: fn(&tokio_postgres::Row) -> Result<NliResultBorrowed, tokio_postgres::Error>,
    mapper: fn(NliResultBorrowed) -> T,
}
impl<'c, 'a, 's, C, T: 'c, const N: usize> NliResultQuery<'c, 'a, 's, C, T, N>
where
    C: GenericClient,
{
    pub fn map<R>(self, mapper: fn(NliResultBorrowed) -> R) -> NliResultQuery<'c, 'a, 's, C, R, N> {
        NliResultQuery {
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
pub struct InsertNliResultStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores one NLI prediction. Inserts nothing (returns no row) unless both the
/// claim and the evidence belong to the tenant. `tenant_id` is the claim's
/// (a database distributed by tenant routes the row by it).
pub fn insert_nli_result() -> InsertNliResultStmt {
    InsertNliResultStmt(
        "INSERT INTO nli_results (tenant_id, claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, model_version, premise_text, hypothesis_text) SELECT c.tenant_id, c.id, e.id, $1::text, $2::float8, $3::float8, $4::float8, $5::float8, $6::text, $7::text, $8::text, $9::text FROM claims c JOIN evidence e ON e.id = $10 AND e.tenant_id = $11 WHERE c.id = $12 AND c.tenant_id = $11 RETURNING id, claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, model_version, premise_text, hypothesis_text, created_at",
        None,
    )
}
impl InsertNliResultStmt {
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
        T5: crate::StringSql,
        T6: crate::StringSql,
    >(
        &'s self,
        client: &'c C,
        label: &'a T1,
        confidence: &'a f64,
        entailment_score: &'a f64,
        contradiction_score: &'a f64,
        neutral_score: &'a f64,
        model_name: &'a T2,
        model_version: &'a Option<T3>,
        premise_text: &'a T4,
        hypothesis_text: &'a T5,
        evidence_id: &'a uuid::Uuid,
        tenant_id: &'a T6,
        claim_id: &'a uuid::Uuid,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 12> {
        NliResultQuery {
            client,
            params: [
                label,
                confidence,
                entailment_score,
                contradiction_score,
                neutral_score,
                model_name,
                model_version,
                premise_text,
                hypothesis_text,
                evidence_id,
                tenant_id,
                claim_id,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<NliResultBorrowed, tokio_postgres::Error> {
                    Ok(NliResultBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        evidence_id: row.try_get(2)?,
                        label: row.try_get(3)?,
                        confidence: row.try_get(4)?,
                        entailment_score: row.try_get(5)?,
                        contradiction_score: row.try_get(6)?,
                        neutral_score: row.try_get(7)?,
                        model_name: row.try_get(8)?,
                        model_version: row.try_get(9)?,
                        premise_text: row.try_get(10)?,
                        hypothesis_text: row.try_get(11)?,
                        created_at: row.try_get(12)?,
                    })
                },
            mapper: |it| NliResult::from(it),
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
    T5: crate::StringSql,
    T6: crate::StringSql,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertNliResultParams<T1, T2, T3, T4, T5, T6>,
        NliResultQuery<'c, 'a, 's, C, NliResult, 12>,
        C,
    > for InsertNliResultStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertNliResultParams<T1, T2, T3, T4, T5, T6>,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 12> {
        self.bind(
            client,
            &params.label,
            &params.confidence,
            &params.entailment_score,
            &params.contradiction_score,
            &params.neutral_score,
            &params.model_name,
            &params.model_version,
            &params.premise_text,
            &params.hypothesis_text,
            &params.evidence_id,
            &params.tenant_id,
            &params.claim_id,
        )
    }
}
pub struct InsertNliResultsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Stores many NLI predictions in one statement (parallel arrays, one element
/// per row). Rows whose claim or evidence is not the tenant's are skipped; the
/// library compares the count and rolls the whole batch back then.
pub fn insert_nli_results() -> InsertNliResultsStmt {
    InsertNliResultsStmt(
        "INSERT INTO nli_results (tenant_id, claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, model_version, premise_text, hypothesis_text) SELECT c.tenant_id, c.id, e.id, b.label, b.confidence, b.entailment_score, b.contradiction_score, b.neutral_score, b.model_name, b.model_version, b.premise_text, b.hypothesis_text FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::text[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY AS b(claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, model_version, premise_text, hypothesis_text, ord) JOIN claims c ON c.id = b.claim_id AND c.tenant_id = $12 JOIN evidence e ON e.id = b.evidence_id AND e.tenant_id = $12 ORDER BY b.ord RETURNING id, claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, neutral_score, model_name, model_version, premise_text, hypothesis_text, created_at",
        None,
    )
}
impl InsertNliResultsStmt {
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
        T1: crate::ArraySql<Item = uuid::Uuid>,
        T2: crate::ArraySql<Item = uuid::Uuid>,
        T3: crate::StringSql,
        T4: crate::ArraySql<Item = T3>,
        T5: crate::ArraySql<Item = f64>,
        T6: crate::ArraySql<Item = f64>,
        T7: crate::ArraySql<Item = f64>,
        T8: crate::ArraySql<Item = f64>,
        T9: crate::StringSql,
        T10: crate::ArraySql<Item = T9>,
        T11: crate::StringSql,
        T12: crate::ArraySql<Item = Option<T11>>,
        T13: crate::StringSql,
        T14: crate::ArraySql<Item = T13>,
        T15: crate::StringSql,
        T16: crate::ArraySql<Item = T15>,
        T17: crate::StringSql,
    >(
        &'s self,
        client: &'c C,
        claim_ids: &'a T1,
        evidence_ids: &'a T2,
        labels: &'a T4,
        confidences: &'a T5,
        entailment_scores: &'a T6,
        contradiction_scores: &'a T7,
        neutral_scores: &'a T8,
        model_names: &'a T10,
        model_versions: &'a T12,
        premise_texts: &'a T14,
        hypothesis_texts: &'a T16,
        tenant_id: &'a T17,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 12> {
        NliResultQuery {
            client,
            params: [
                claim_ids,
                evidence_ids,
                labels,
                confidences,
                entailment_scores,
                contradiction_scores,
                neutral_scores,
                model_names,
                model_versions,
                premise_texts,
                hypothesis_texts,
                tenant_id,
            ],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<NliResultBorrowed, tokio_postgres::Error> {
                    Ok(NliResultBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        evidence_id: row.try_get(2)?,
                        label: row.try_get(3)?,
                        confidence: row.try_get(4)?,
                        entailment_score: row.try_get(5)?,
                        contradiction_score: row.try_get(6)?,
                        neutral_score: row.try_get(7)?,
                        model_name: row.try_get(8)?,
                        model_version: row.try_get(9)?,
                        premise_text: row.try_get(10)?,
                        hypothesis_text: row.try_get(11)?,
                        created_at: row.try_get(12)?,
                    })
                },
            mapper: |it| NliResult::from(it),
        }
    }
}
impl<
    'c,
    'a,
    's,
    C: GenericClient,
    T1: crate::ArraySql<Item = uuid::Uuid>,
    T2: crate::ArraySql<Item = uuid::Uuid>,
    T3: crate::StringSql,
    T4: crate::ArraySql<Item = T3>,
    T5: crate::ArraySql<Item = f64>,
    T6: crate::ArraySql<Item = f64>,
    T7: crate::ArraySql<Item = f64>,
    T8: crate::ArraySql<Item = f64>,
    T9: crate::StringSql,
    T10: crate::ArraySql<Item = T9>,
    T11: crate::StringSql,
    T12: crate::ArraySql<Item = Option<T11>>,
    T13: crate::StringSql,
    T14: crate::ArraySql<Item = T13>,
    T15: crate::StringSql,
    T16: crate::ArraySql<Item = T15>,
    T17: crate::StringSql,
>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        InsertNliResultsParams<
            T1,
            T2,
            T3,
            T4,
            T5,
            T6,
            T7,
            T8,
            T9,
            T10,
            T11,
            T12,
            T13,
            T14,
            T15,
            T16,
            T17,
        >,
        NliResultQuery<'c, 'a, 's, C, NliResult, 12>,
        C,
    > for InsertNliResultsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a InsertNliResultsParams<
            T1,
            T2,
            T3,
            T4,
            T5,
            T6,
            T7,
            T8,
            T9,
            T10,
            T11,
            T12,
            T13,
            T14,
            T15,
            T16,
            T17,
        >,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 12> {
        self.bind(
            client,
            &params.claim_ids,
            &params.evidence_ids,
            &params.labels,
            &params.confidences,
            &params.entailment_scores,
            &params.contradiction_scores,
            &params.neutral_scores,
            &params.model_names,
            &params.model_versions,
            &params.premise_texts,
            &params.hypothesis_texts,
            &params.tenant_id,
        )
    }
}
pub struct NliResultsForClaimStmt(&'static str, Option<tokio_postgres::Statement>);
/// A claim's NLI results, newest first.
pub fn nli_results_for_claim() -> NliResultsForClaimStmt {
    NliResultsForClaimStmt(
        "SELECT n.id, n.claim_id, n.evidence_id, n.label, n.confidence, n.entailment_score, n.contradiction_score, n.neutral_score, n.model_name, n.model_version, n.premise_text, n.hypothesis_text, n.created_at FROM nli_results n WHERE n.tenant_id = $1 AND n.claim_id = $2 ORDER BY n.created_at DESC, n.id",
        None,
    )
}
impl NliResultsForClaimStmt {
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
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 2> {
        NliResultQuery {
            client,
            params: [tenant_id, claim_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<NliResultBorrowed, tokio_postgres::Error> {
                    Ok(NliResultBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        evidence_id: row.try_get(2)?,
                        label: row.try_get(3)?,
                        confidence: row.try_get(4)?,
                        entailment_score: row.try_get(5)?,
                        contradiction_score: row.try_get(6)?,
                        neutral_score: row.try_get(7)?,
                        model_name: row.try_get(8)?,
                        model_version: row.try_get(9)?,
                        premise_text: row.try_get(10)?,
                        hypothesis_text: row.try_get(11)?,
                        created_at: row.try_get(12)?,
                    })
                },
            mapper: |it| NliResult::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        NliResultsForClaimParams<T1>,
        NliResultQuery<'c, 'a, 's, C, NliResult, 2>,
        C,
    > for NliResultsForClaimStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a NliResultsForClaimParams<T1>,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 2> {
        self.bind(client, &params.tenant_id, &params.claim_id)
    }
}
pub struct NliResultsForPairStmt(&'static str, Option<tokio_postgres::Statement>);
/// The NLI results of one claim/evidence pair, newest first.
pub fn nli_results_for_pair() -> NliResultsForPairStmt {
    NliResultsForPairStmt(
        "SELECT n.id, n.claim_id, n.evidence_id, n.label, n.confidence, n.entailment_score, n.contradiction_score, n.neutral_score, n.model_name, n.model_version, n.premise_text, n.hypothesis_text, n.created_at FROM nli_results n WHERE n.tenant_id = $1 AND n.claim_id = $2 AND n.evidence_id = $3 ORDER BY n.created_at DESC, n.id",
        None,
    )
}
impl NliResultsForPairStmt {
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
        evidence_id: &'a uuid::Uuid,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 3> {
        NliResultQuery {
            client,
            params: [tenant_id, claim_id, evidence_id],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<NliResultBorrowed, tokio_postgres::Error> {
                    Ok(NliResultBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        evidence_id: row.try_get(2)?,
                        label: row.try_get(3)?,
                        confidence: row.try_get(4)?,
                        entailment_score: row.try_get(5)?,
                        contradiction_score: row.try_get(6)?,
                        neutral_score: row.try_get(7)?,
                        model_name: row.try_get(8)?,
                        model_version: row.try_get(9)?,
                        premise_text: row.try_get(10)?,
                        hypothesis_text: row.try_get(11)?,
                        created_at: row.try_get(12)?,
                    })
                },
            mapper: |it| NliResult::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        NliResultsForPairParams<T1>,
        NliResultQuery<'c, 'a, 's, C, NliResult, 3>,
        C,
    > for NliResultsForPairStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a NliResultsForPairParams<T1>,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 3> {
        self.bind(
            client,
            &params.tenant_id,
            &params.claim_id,
            &params.evidence_id,
        )
    }
}
pub struct NliResultsByLabelStmt(&'static str, Option<tokio_postgres::Statement>);
/// The tenant's newest NLI results with a label.
pub fn nli_results_by_label() -> NliResultsByLabelStmt {
    NliResultsByLabelStmt(
        "SELECT n.id, n.claim_id, n.evidence_id, n.label, n.confidence, n.entailment_score, n.contradiction_score, n.neutral_score, n.model_name, n.model_version, n.premise_text, n.hypothesis_text, n.created_at FROM nli_results n WHERE n.tenant_id = $1 AND n.label = $2 ORDER BY n.created_at DESC, n.id LIMIT $3",
        None,
    )
}
impl NliResultsByLabelStmt {
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
        label: &'a T2,
        limit: &'a i64,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 3> {
        NliResultQuery {
            client,
            params: [tenant_id, label, limit],
            query: self.0,
            cached: self.1.as_ref(),
            extractor:
                |row: &tokio_postgres::Row| -> Result<NliResultBorrowed, tokio_postgres::Error> {
                    Ok(NliResultBorrowed {
                        id: row.try_get(0)?,
                        claim_id: row.try_get(1)?,
                        evidence_id: row.try_get(2)?,
                        label: row.try_get(3)?,
                        confidence: row.try_get(4)?,
                        entailment_score: row.try_get(5)?,
                        contradiction_score: row.try_get(6)?,
                        neutral_score: row.try_get(7)?,
                        model_name: row.try_get(8)?,
                        model_version: row.try_get(9)?,
                        premise_text: row.try_get(10)?,
                        hypothesis_text: row.try_get(11)?,
                        created_at: row.try_get(12)?,
                    })
                },
            mapper: |it| NliResult::from(it),
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::StringSql>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        NliResultsByLabelParams<T1, T2>,
        NliResultQuery<'c, 'a, 's, C, NliResult, 3>,
        C,
    > for NliResultsByLabelStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a NliResultsByLabelParams<T1, T2>,
    ) -> NliResultQuery<'c, 'a, 's, C, NliResult, 3> {
        self.bind(client, &params.tenant_id, &params.label, &params.limit)
    }
}
pub struct TenantNliResultIdsStmt(&'static str, Option<tokio_postgres::Statement>);
/// Which of `ids` are NLI results of the tenant's claims (to name the bad
/// one when a verification result is refused).
pub fn tenant_nli_result_ids() -> TenantNliResultIdsStmt {
    TenantNliResultIdsStmt(
        "SELECT n.id FROM nli_results n WHERE n.tenant_id = $1 AND n.id = ANY($2)",
        None,
    )
}
impl TenantNliResultIdsStmt {
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
    ) -> UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 2> {
        UuidUuidQuery {
            client,
            params: [tenant_id, ids],
            query: self.0,
            cached: self.1.as_ref(),
            extractor: |row| Ok(row.try_get(0)?),
            mapper: |it| it,
        }
    }
}
impl<'c, 'a, 's, C: GenericClient, T1: crate::StringSql, T2: crate::ArraySql<Item = uuid::Uuid>>
    crate::client::async_::Params<
        'c,
        'a,
        's,
        TenantNliResultIdsParams<T1, T2>,
        UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 2>,
        C,
    > for TenantNliResultIdsStmt
{
    fn params(
        &'s self,
        client: &'c C,
        params: &'a TenantNliResultIdsParams<T1, T2>,
    ) -> UuidUuidQuery<'c, 'a, 's, C, uuid::Uuid, 2> {
        self.bind(client, &params.tenant_id, &params.ids)
    }
}

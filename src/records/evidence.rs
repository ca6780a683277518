//! Evidence (`queries/evidence.sql`): insert one or many (atomic), get, get
//! many, recent with keyset paging, delete.

use truthgraph_queries::client::{GenericClient, Params};
use truthgraph_queries::queries::evidence;
use uuid::Uuid;

use super::{Cursor, in_input_order};
use crate::call::Access;
use crate::db::Transaction;
use crate::error::Result;
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

pub use truthgraph_queries::queries::evidence::Evidence;

/// Characters `evidence.source_type` holds (`varchar(50)`).
pub const SOURCE_TYPE_MAX_CHARS: usize = 50;

/// One piece of evidence to store with [`Tenant::insert_evidence_many`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewEvidence {
    /// The text; must not be blank.
    pub content: String,
    /// Where it comes from.
    pub source_url: Option<String>,
    /// What kind of source (`news`, `textbook`, …), at most 50 characters.
    pub source_type: Option<String>,
}

impl NewEvidence {
    /// Checks `content` ([`validate::content`]: not blank, at most 256 KiB),
    /// `source_url` ([`validate::storable`]) and `source_type`
    /// ([`validate::max_chars`], 50); errors name `rows[index].field`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] for the first bad field.
    pub fn validate(&self, index: usize) -> Result<()> {
        validate::content(
            &validate::name(Some(index), "rows", "content"),
            &self.content,
        )?;
        validate::storable(
            &validate::name(Some(index), "rows", "source_url"),
            self.source_url.as_deref(),
        )?;
        validate::max_chars(
            &validate::name(Some(index), "rows", "source_type"),
            self.source_type.as_deref(),
            SOURCE_TYPE_MAX_CHARS,
        )
    }
}

impl Tenant<'_> {
    /// Stores a piece of evidence.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`content`) for blank content,
    /// (`source_type`) for one longer than 50 characters.
    pub async fn insert_evidence(
        &self,
        content: &str,
        source_url: Option<&str>,
        source_type: Option<&str>,
    ) -> Result<Evidence> {
        validate::content("content", content)?;
        validate::storable("source_url", source_url)?;
        validate::max_chars("source_type", source_type, SOURCE_TYPE_MAX_CHARS)?;
        self.run(
            Access::Write,
            tenant_span!(self, "insert_evidence", "evidence"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(evidence::insert_evidence()
                            .bind(client, &self.id(), &content, &source_url, &source_type)
                            .one()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// Stores many pieces of evidence in one statement, all or nothing, and
    /// returns them in input order.
    ///
    /// Every row is validated before anything is sent. The rows go as
    /// parallel arrays through one `INSERT … SELECT … FROM UNNEST`: binary
    /// `COPY` measured no faster and cannot return the stored rows; the
    /// server's cost dominates, above all the generated `content_tsv`
    /// (BENCHMARKS.md, "Figures behind the library's limits").
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming `rows[i].content` (blank) or
    /// `rows[i].source_type` (over 50 characters), nothing sent; database
    /// errors when the server rejects a row, nothing written.
    pub async fn insert_evidence_many(&self, rows: &[NewEvidence]) -> Result<Vec<Evidence>> {
        for (i, r) in rows.iter().enumerate() {
            r.validate(i)?;
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::new_v4()).collect();
        let rows: Vec<&NewEvidence> = rows.iter().collect();
        let (ids, rows) = (&ids, &rows);
        self.run(
            Access::Write,
            tenant_span!(self, "insert_evidence_many", "evidence"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        // One statement: atomic without a transaction of its own.
                        insert_batch(client, self.id(), ids, rows).await
                    }
                })
            },
        )
        .await
    }

    /// Stores evidence under the ids given, inside the caller's transaction
    /// `tx`, and returns it in input order, as [`Tenant::insert_claims_in`]
    /// does for claims (the tenant is set for the rest of `tx`).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming `rows[i].content`,
    /// `rows[i].source_type` or `rows[i].id` (an id given twice), nothing
    /// sent; [`crate::Error::Conflict`] (`evidence_pkey`) for an id already
    /// stored; the transaction is then aborted and the caller should roll it
    /// back.
    pub async fn insert_evidence_many_in(
        &self,
        tx: &Transaction<'_>,
        rows: &[(Uuid, NewEvidence)],
    ) -> Result<Vec<Evidence>> {
        for (i, (_, r)) in rows.iter().enumerate() {
            r.validate(i)?;
        }
        validate::distinct("rows", "id", rows.iter().map(|(id, _)| *id))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        crate::tenant::set_in_transaction(tx, self.id()).await?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        let rows: Vec<&NewEvidence> = rows.iter().map(|(_, r)| r).collect();
        insert_batch(tx, self.id(), &ids, &rows).await
    }

    /// One piece of evidence of the tenant, if it exists.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_evidence(&self, id: Uuid) -> Result<Option<Evidence>> {
        self.run(
            Access::Read,
            tenant_span!(self, "get_evidence", "evidence"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(evidence::get_evidence()
                            .bind(client, &self.id(), &id)
                            .opt()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The tenant's evidence among `ids`, in the order of `ids`.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_evidence_many(&self, ids: &[Uuid]) -> Result<Vec<Evidence>> {
        self.run(
            Access::Read,
            tenant_span!(self, "get_evidence_many", "evidence"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(evidence::get_evidence_many()
                            .bind(client, &self.id(), &ids)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The tenant's evidence, newest first, with keyset paging as in
    /// [`Tenant::recent_claims`].
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`limit`) outside 1..=1000.
    pub async fn recent_evidence(
        &self,
        limit: i64,
        after: Option<Cursor>,
    ) -> Result<Vec<Evidence>> {
        validate::limit(limit)?;
        self.run(
            Access::Read,
            tenant_span!(self, "recent_evidence", "evidence"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(match after {
                            None => {
                                evidence::recent_evidence()
                                    .bind(client, &self.id(), &limit)
                                    .all()
                                    .await?
                            }
                            Some((at, id)) => {
                                evidence::recent_evidence_before()
                                    .bind(client, &self.id(), &at, &id, &limit)
                                    .all()
                                    .await?
                            }
                        })
                    }
                })
            },
        )
        .await
    }

    /// Deletes a piece of evidence (its NLI rows, verdict links and embedding
    /// go with it). Returns whether it existed.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn delete_evidence(&self, id: Uuid) -> Result<bool> {
        self.run(
            Access::Write,
            tenant_span!(self, "delete_evidence", "evidence"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(evidence::delete_evidence()
                            .bind(client, &self.id(), &id)
                            .await?
                            == 1)
                    }
                })
            },
        )
        .await
    }
}

/// One `INSERT … SELECT … FROM UNNEST` of `rows` under `ids`, returned in
/// input order.
async fn insert_batch(
    client: &impl GenericClient,
    tenant_id: &str,
    ids: &[Uuid],
    rows: &[&NewEvidence],
) -> Result<Vec<Evidence>> {
    let contents: Vec<&str> = rows.iter().map(|r| r.content.as_str()).collect();
    let urls: Vec<Option<&str>> = rows.iter().map(|r| r.source_url.as_deref()).collect();
    let types: Vec<Option<&str>> = rows.iter().map(|r| r.source_type.as_deref()).collect();
    let stored = evidence::insert_evidence_batch()
        .params(
            client,
            &evidence::InsertEvidenceBatchParams {
                tenant_id,
                ids: &ids,
                contents: &contents,
                source_urls: &urls,
                source_types: &types,
            },
        )
        .all()
        .await?;
    Ok(in_input_order(stored, ids, |e| e.id))
}

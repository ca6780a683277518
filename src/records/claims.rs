//! Claims (`queries/claims.sql`): insert one or many (atomic), get, get
//! many, recent with keyset paging, delete.

use truthgraph_queries::client::{GenericClient, Params};
use truthgraph_queries::queries::claims;
use uuid::Uuid;

use super::{Cursor, in_input_order};
use crate::call::Access;
use crate::db::Transaction;
use crate::error::Result;
use crate::tenant::{Tenant, tenant_span};
use crate::validate;

pub use truthgraph_queries::queries::claims::Claim;

/// One claim to store with [`Tenant::insert_claims`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewClaim {
    /// The claim's text; must not be blank.
    pub text: String,
    /// Where it was found.
    pub source_url: Option<String>,
}

impl NewClaim {
    /// Checks `text` ([`validate::text`]) and `source_url`
    /// ([`validate::storable`]). Errors name `rows[index].field`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] for a blank text or a NUL character.
    pub fn validate(&self, index: usize) -> Result<()> {
        validate::text(&validate::name(Some(index), "rows", "text"), &self.text)?;
        validate::storable(
            &validate::name(Some(index), "rows", "source_url"),
            self.source_url.as_deref(),
        )
    }
}

impl Tenant<'_> {
    /// Stores a claim.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`text`) for a blank text.
    pub async fn insert_claim(&self, text: &str, source_url: Option<&str>) -> Result<Claim> {
        validate::text("text", text)?;
        validate::storable("source_url", source_url)?;
        self.run(
            Access::Write,
            tenant_span!(self, "insert_claim", "claims"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(claims::insert_claim()
                            .bind(client, &self.id(), &text, &source_url)
                            .one()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// Stores many claims in one statement (`INSERT … SELECT … FROM UNNEST`),
    /// all or nothing, and returns them in input order.
    ///
    /// Every row is validated before anything is sent.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming `rows[i].text` for a blank text,
    /// nothing sent; database errors when the server rejects a row, nothing
    /// written.
    pub async fn insert_claims(&self, rows: &[NewClaim]) -> Result<Vec<Claim>> {
        for (i, r) in rows.iter().enumerate() {
            r.validate(i)?;
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::new_v4()).collect();
        let rows: Vec<&NewClaim> = rows.iter().collect();
        let (ids, rows) = (&ids, &rows);
        self.run(
            Access::Write,
            tenant_span!(self, "insert_claims", "claims"),
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

    /// Stores claims under the ids given, inside the caller's transaction
    /// `tx` (e.g. with evidence and embeddings that must commit or roll
    /// back together), and returns them in input order. The tenant is set
    /// for the rest of `tx` (`set_config(…, true)`), so this works for
    /// members of `truthgraph_app` too.
    ///
    /// Every row is validated, and the ids checked for duplicates, before
    /// anything is sent.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming `rows[i].text` or `rows[i].id`
    /// (an id given twice), nothing sent; [`crate::Error::Conflict`]
    /// (`claims_pkey`) for an id already stored; the transaction is then
    /// aborted and the caller should roll it back.
    pub async fn insert_claims_in(
        &self,
        tx: &Transaction<'_>,
        rows: &[(Uuid, NewClaim)],
    ) -> Result<Vec<Claim>> {
        for (i, (_, r)) in rows.iter().enumerate() {
            r.validate(i)?;
        }
        validate::distinct("rows", "id", rows.iter().map(|(id, _)| *id))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        crate::tenant::set_in_transaction(tx, self.id()).await?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        let rows: Vec<&NewClaim> = rows.iter().map(|(_, r)| r).collect();
        insert_batch(tx, self.id(), &ids, &rows).await
    }

    /// One claim of the tenant, if it exists.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_claim(&self, id: Uuid) -> Result<Option<Claim>> {
        self.run(
            Access::Read,
            tenant_span!(self, "get_claim", "claims"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(claims::get_claim()
                            .bind(client, &self.id(), &id)
                            .opt()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The tenant's claims among `ids`, in the order of `ids` (missing ones left out).
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_claims(&self, ids: &[Uuid]) -> Result<Vec<Claim>> {
        self.run(
            Access::Read,
            tenant_span!(self, "get_claims", "claims"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(claims::get_claims()
                            .bind(client, &self.id(), &ids)
                            .all()
                            .await?)
                    }
                })
            },
        )
        .await
    }

    /// The tenant's claims, newest first, `limit` at a time. Pass the
    /// `(created_at, id)` of the last row of a page as `after` for the next one.
    ///
    /// A [replica read](crate::replica#routing).
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`limit`) outside 1..=1000.
    pub async fn recent_claims(&self, limit: i64, after: Option<Cursor>) -> Result<Vec<Claim>> {
        validate::limit(limit)?;
        self.run(
            Access::Read,
            tenant_span!(self, "recent_claims", "claims"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    {
                        Ok(match after {
                            None => {
                                claims::recent_claims()
                                    .bind(client, &self.id(), &limit)
                                    .all()
                                    .await?
                            }
                            Some((at, id)) => {
                                claims::recent_claims_before()
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

    /// Deletes a claim and, by cascade, its verdicts, NLI and verification
    /// results and its embedding. Returns whether it existed.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn delete_claim(&self, id: Uuid) -> Result<bool> {
        self.run(
            Access::Write,
            tenant_span!(self, "delete_claim", "claims"),
            |conn| {
                Box::pin(async move {
                    let client = conn.client();
                    Ok(claims::delete_claim().bind(client, &self.id(), &id).await? == 1)
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
    rows: &[&NewClaim],
) -> Result<Vec<Claim>> {
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    let urls: Vec<Option<&str>> = rows.iter().map(|r| r.source_url.as_deref()).collect();
    let stored = claims::insert_claims()
        .params(
            client,
            &claims::InsertClaimsParams {
                tenant_id,
                ids: &ids,
                texts: &texts,
                source_urls: &urls,
            },
        )
        .all()
        .await?;
    Ok(in_input_order(stored, ids, |c| c.id))
}

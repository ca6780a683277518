//! Claims (`queries/claims.sql`): insert, get, get many, recent with keyset
//! paging, delete.

use truthgraph_queries::queries::claims;
use uuid::Uuid;

use super::Cursor;
use crate::error::Result;
use crate::tenant::Tenant;
use crate::validate;

pub use truthgraph_queries::queries::claims::Claim;

impl Tenant<'_> {
    /// Stores a claim.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`text`) for a blank text.
    pub async fn insert_claim(&self, text: &str, source_url: Option<&str>) -> Result<Claim> {
        validate::text("text", text)?;
        let client = self.client().await?;
        Ok(claims::insert_claim()
            .bind(&client, &self.id(), &text, &source_url)
            .one()
            .await?)
    }

    /// One claim of the tenant, if it exists.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_claim(&self, id: Uuid) -> Result<Option<Claim>> {
        let client = self.client().await?;
        Ok(claims::get_claim()
            .bind(&client, &self.id(), &id)
            .opt()
            .await?)
    }

    /// The tenant's claims among `ids`, in the order of `ids` (missing ones left out).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_claims(&self, ids: &[Uuid]) -> Result<Vec<Claim>> {
        let client = self.client().await?;
        Ok(claims::get_claims()
            .bind(&client, &self.id(), &ids)
            .all()
            .await?)
    }

    /// The tenant's claims, newest first, `limit` at a time. Pass the
    /// `(created_at, id)` of the last row of a page as `after` for the next one.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`limit`) outside 1..=1000.
    pub async fn recent_claims(&self, limit: i64, after: Option<Cursor>) -> Result<Vec<Claim>> {
        validate::limit(limit)?;
        let client = self.client().await?;
        Ok(match after {
            None => {
                claims::recent_claims()
                    .bind(&client, &self.id(), &limit)
                    .all()
                    .await?
            }
            Some((at, id)) => {
                claims::recent_claims_before()
                    .bind(&client, &self.id(), &at, &id, &limit)
                    .all()
                    .await?
            }
        })
    }

    /// Deletes a claim and, by cascade, its verdicts, NLI and verification
    /// results and its embedding. Returns whether it existed.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn delete_claim(&self, id: Uuid) -> Result<bool> {
        let client = self.client().await?;
        Ok(claims::delete_claim()
            .bind(&client, &self.id(), &id)
            .await?
            == 1)
    }
}

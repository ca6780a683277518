//! Evidence (`queries/evidence.sql`): insert, get, get many, recent with
//! keyset paging, delete.

use truthgraph_queries::queries::evidence;
use uuid::Uuid;

use super::Cursor;
use crate::error::Result;
use crate::tenant::Tenant;
use crate::validate;

pub use truthgraph_queries::queries::evidence::Evidence;

impl Tenant<'_> {
    /// Stores a piece of evidence.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`content`) for blank content.
    pub async fn insert_evidence(
        &self,
        content: &str,
        source_url: Option<&str>,
        source_type: Option<&str>,
    ) -> Result<Evidence> {
        validate::text("content", content)?;
        let client = self.client().await?;
        Ok(evidence::insert_evidence()
            .bind(&client, &self.id(), &content, &source_url, &source_type)
            .one()
            .await?)
    }

    /// One piece of evidence of the tenant, if it exists.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_evidence(&self, id: Uuid) -> Result<Option<Evidence>> {
        let client = self.client().await?;
        Ok(evidence::get_evidence()
            .bind(&client, &self.id(), &id)
            .opt()
            .await?)
    }

    /// The tenant's evidence among `ids`, in the order of `ids`.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn get_evidence_many(&self, ids: &[Uuid]) -> Result<Vec<Evidence>> {
        let client = self.client().await?;
        Ok(evidence::get_evidence_many()
            .bind(&client, &self.id(), &ids)
            .all()
            .await?)
    }

    /// The tenant's evidence, newest first, with keyset paging as in
    /// [`Tenant::recent_claims`].
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`limit`) outside 1..=1000.
    pub async fn recent_evidence(
        &self,
        limit: i64,
        after: Option<Cursor>,
    ) -> Result<Vec<Evidence>> {
        validate::limit(limit)?;
        let client = self.client().await?;
        Ok(match after {
            None => {
                evidence::recent_evidence()
                    .bind(&client, &self.id(), &limit)
                    .all()
                    .await?
            }
            Some((at, id)) => {
                evidence::recent_evidence_before()
                    .bind(&client, &self.id(), &at, &id, &limit)
                    .all()
                    .await?
            }
        })
    }

    /// Deletes a piece of evidence (its NLI rows, verdict links and embedding
    /// go with it). Returns whether it existed.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn delete_evidence(&self, id: Uuid) -> Result<bool> {
        let client = self.client().await?;
        Ok(evidence::delete_evidence()
            .bind(&client, &self.id(), &id)
            .await?
            == 1)
    }
}

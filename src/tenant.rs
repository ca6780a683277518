//! [`Tenant`]: the tenant-scoped API, a borrowed handle from [`Database::tenant`].
//!
//! The tenant id is validated once, when the handle is made; every method of
//! the handle then reads, changes or references only that tenant's rows. The
//! methods live beside their queries, one file per family: `records/claims.rs`,
//! `records/evidence.rs`, `records/embeddings.rs`, `records/nli.rs`,
//! `records/verification.rs`, `records/verdicts.rs` and `search.rs`.

use crate::db::{Client, Database};
use crate::error::Result;
use crate::validate;

/// One tenant's view of the database. Cheap to copy; borrows the [`Database`].
///
/// # Examples
/// ```no_run
/// # async fn demo(db: &truthgraph_db::Database) -> truthgraph_db::Result<()> {
/// let acme = db.tenant("acme")?;
/// let claim = acme.insert_claim("Water boils at 100 °C", None).await?;
/// assert!(acme.get_claim(claim.id).await?.is_some());
/// assert!(db.tenant("globex")?.get_claim(claim.id).await?.is_none());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Tenant<'a> {
    db: &'a Database,
    id: &'a str,
}

impl Database {
    /// The tenant-scoped API for tenant `id`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`tenant_id`) when `id` is blank or
    /// longer than 255 bytes.
    pub fn tenant<'a>(&'a self, id: &'a str) -> Result<Tenant<'a>> {
        validate::tenant(id)?;
        Ok(Tenant { db: self, id })
    }
}

impl<'a> Tenant<'a> {
    /// The tenant id (`tenant_id` in the tables).
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// The database this handle borrows.
    pub fn database(&self) -> &'a Database {
        self.db
    }

    /// Borrows a pooled connection.
    pub(crate) async fn client(&self) -> Result<Client> {
        self.db.client().await
    }
}

//! `Tenant`: the tenant-scoped API. The Rust `Tenant<'a>` borrows the
//! `Database`; this one holds a clone of the handle and the tenant id, and
//! makes a Rust `Tenant` inside each call's future. This file: the handle,
//! claims and evidence; `vectors.rs`: embeddings and search; `results.rs`:
//! NLI, verification results and verdicts.

use chrono::NaiveDateTime;
use pyo3::prelude::*;
use truthgraph_db::WalToken as RustToken;

use crate::convert::{uuid, uuids};
use crate::database::WalToken;
use crate::inputs::{NewClaim, NewEvidence};
use crate::records::{Claim, Evidence};

/// One tenant's view of the database, from `Database.tenant("acme")`.
/// Every call reads, changes or references only that tenant's rows.
#[pyclass(frozen, module = "truthgraph_db")]
pub struct Tenant {
    pub db: truthgraph_db::Database,
    pub id: String,
    pub waits_for: Option<RustToken>,
}

impl Tenant {
    pub fn new(db: truthgraph_db::Database, id: String) -> Self {
        Tenant {
            db,
            id,
            waits_for: None,
        }
    }
}

/// Runs `$body` with `$t` bound to the Rust `Tenant` of `$self`, on the
/// tokio runtime, and returns the awaitable. `$body` is an expression of
/// type `Result<T, truthgraph_db::Error>` that may `.await` and use `?`;
/// its inputs were converted before (they are moved into the future).
macro_rules! tenant_call {
    ($self:ident, $py:ident, |$t:ident| $body:expr) => {{
        let (db, id, waits) = ($self.db.clone(), $self.id.clone(), $self.waits_for);
        $crate::bridge::spawn($py, async move {
            let $t = db.tenant(&id)?;
            let $t = match waits {
                Some(token) => $t.after_write(token),
                None => $t,
            };
            $body
        })
    }};
}
pub(crate) use tenant_call;

/// A keyset-paging cursor `(created_at, id)` from Python.
fn cursor(
    after: Option<(NaiveDateTime, Bound<'_, PyAny>)>,
) -> PyResult<Option<(NaiveDateTime, uuid::Uuid)>> {
    after
        .map(|(at, id)| Ok((at, uuid(&id, "after")?)))
        .transpose()
}

#[pymethods]
impl Tenant {
    /// The tenant id.
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }

    /// The same handle, whose reads see every write committed before
    /// `token` (replicas wait for it, else the primary answers).
    fn after_write(&self, token: &WalToken) -> Tenant {
        Tenant {
            db: self.db.clone(),
            id: self.id.clone(),
            waits_for: Some(token.0),
        }
    }

    fn __repr__(&self) -> String {
        format!("Tenant({:?})", self.id)
    }

    // ----- claims -----

    /// Stores a claim.
    #[pyo3(signature = (text, source_url=None))]
    fn insert_claim<'py>(
        &self,
        py: Python<'py>,
        text: String,
        source_url: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        tenant_call!(self, py, |t| Ok(Claim::from(
            t.insert_claim(&text, source_url.as_deref()).await?
        )))
    }

    /// Stores many claims in one statement, all or nothing; input order.
    fn insert_claims<'py>(
        &self,
        py: Python<'py>,
        rows: Vec<PyRef<'py, NewClaim>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rows: Vec<_> = rows.iter().map(|r| r.0.clone()).collect();
        tenant_call!(self, py, |t| Ok(t
            .insert_claims(&rows)
            .await?
            .into_iter()
            .map(Claim::from)
            .collect::<Vec<_>>()))
    }

    /// One claim of the tenant, or None.
    fn get_claim<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = uuid(id, "id")?;
        tenant_call!(self, py, |t| Ok(t.get_claim(id).await?.map(Claim::from)))
    }

    /// The tenant's claims among `ids`, in that order (missing ones left out).
    fn get_claims<'py>(
        &self,
        py: Python<'py>,
        ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ids = uuids(ids, "ids")?;
        tenant_call!(self, py, |t| Ok(t
            .get_claims(&ids)
            .await?
            .into_iter()
            .map(Claim::from)
            .collect::<Vec<_>>()))
    }

    /// Newest first, `limit` at a time; `after=(created_at, id)` of the last row for the next page.
    #[pyo3(signature = (limit, after=None))]
    fn recent_claims<'py>(
        &self,
        py: Python<'py>,
        limit: i64,
        after: Option<(NaiveDateTime, Bound<'py, PyAny>)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let after = cursor(after)?;
        tenant_call!(self, py, |t| Ok(t
            .recent_claims(limit, after)
            .await?
            .into_iter()
            .map(Claim::from)
            .collect::<Vec<_>>()))
    }

    /// Deletes a claim (and by cascade what hangs on it); whether it existed.
    fn delete_claim<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = uuid(id, "id")?;
        tenant_call!(self, py, |t| t.delete_claim(id).await)
    }

    // ----- evidence -----

    /// Stores a piece of evidence.
    #[pyo3(signature = (content, source_url=None, source_type=None))]
    fn insert_evidence<'py>(
        &self,
        py: Python<'py>,
        content: String,
        source_url: Option<String>,
        source_type: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        tenant_call!(self, py, |t| Ok(Evidence::from(
            t.insert_evidence(&content, source_url.as_deref(), source_type.as_deref())
                .await?
        )))
    }

    /// Stores many pieces of evidence in one statement, all or nothing; input order.
    fn insert_evidence_many<'py>(
        &self,
        py: Python<'py>,
        rows: Vec<PyRef<'py, NewEvidence>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rows: Vec<_> = rows.iter().map(|r| r.0.clone()).collect();
        tenant_call!(self, py, |t| Ok(t
            .insert_evidence_many(&rows)
            .await?
            .into_iter()
            .map(Evidence::from)
            .collect::<Vec<_>>()))
    }

    /// One piece of evidence of the tenant, or None.
    fn get_evidence<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = uuid(id, "id")?;
        tenant_call!(self, py, |t| Ok(t
            .get_evidence(id)
            .await?
            .map(Evidence::from)))
    }

    /// The tenant's evidence among `ids`, in that order.
    fn get_evidence_many<'py>(
        &self,
        py: Python<'py>,
        ids: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ids = uuids(ids, "ids")?;
        tenant_call!(self, py, |t| Ok(t
            .get_evidence_many(&ids)
            .await?
            .into_iter()
            .map(Evidence::from)
            .collect::<Vec<_>>()))
    }

    /// Newest first, with keyset paging as `recent_claims`.
    #[pyo3(signature = (limit, after=None))]
    fn recent_evidence<'py>(
        &self,
        py: Python<'py>,
        limit: i64,
        after: Option<(NaiveDateTime, Bound<'py, PyAny>)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let after = cursor(after)?;
        tenant_call!(self, py, |t| Ok(t
            .recent_evidence(limit, after)
            .await?
            .into_iter()
            .map(Evidence::from)
            .collect::<Vec<_>>()))
    }

    /// Deletes a piece of evidence; whether it existed.
    fn delete_evidence<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = uuid(id, "id")?;
        tenant_call!(self, py, |t| t.delete_evidence(id).await)
    }
}

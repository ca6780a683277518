//! `Tenant`'s embeddings (single upsert, batches, bulk load from a 2-D
//! numpy array) and searches (top-k by cosine, hybrid).

use pyo3::prelude::*;
use truthgraph_db::{
    BulkLoadOptions, EntityType, HybridOptions, IndexMaintenance, OnConflict, SearchOptions,
};

use crate::convert::{label, matrix, uuid, uuids, vector};
use crate::errors::invalid;
use crate::inputs::NewEmbedding;
use crate::records::{ClaimHit, Embedding, EmbeddingStats, EvidenceHit, HybridHit};
use crate::tenant::{Tenant, tenant_call};

fn load_options(py: Python<'_>, on_conflict: &str, indexes: &str) -> PyResult<BulkLoadOptions> {
    let on_conflict = match on_conflict {
        "fail" => OnConflict::Fail,
        "replace" => OnConflict::Replace,
        other => {
            return Err(invalid(
                py,
                "on_conflict",
                format!("{other:?} is not one of fail, replace"),
            ));
        }
    };
    let indexes = match indexes {
        "auto" => IndexMaintenance::Auto,
        "keep" => IndexMaintenance::Keep,
        "rebuild" => IndexMaintenance::Rebuild,
        other => {
            return Err(invalid(
                py,
                "indexes",
                format!("{other:?} is not one of auto, keep, rebuild"),
            ));
        }
    };
    Ok(BulkLoadOptions {
        on_conflict,
        indexes,
        ..BulkLoadOptions::default()
    })
}

#[pymethods]
impl Tenant {
    /// Inserts or replaces the embedding of an entity (a 1-D float32 array).
    #[pyo3(signature = (entity_type, entity_id, embedding, model_name, model_version=None))]
    fn upsert_embedding<'py>(
        &self,
        py: Python<'py>,
        entity_type: &str,
        entity_id: &Bound<'py, PyAny>,
        embedding: &Bound<'py, PyAny>,
        model_name: String,
        model_version: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let entity_type: EntityType = label(entity_type)?;
        let entity_id = uuid(entity_id, "entity_id")?;
        let v = vector(embedding, "embedding")?;
        tenant_call!(self, py, |t| Ok(Embedding::from(
            t.upsert_embedding(
                entity_type,
                entity_id,
                &v,
                &model_name,
                model_version.as_deref()
            )
            .await?
        )))
    }

    /// The embedding of one entity, or None.
    fn get_embedding<'py>(
        &self,
        py: Python<'py>,
        entity_type: &str,
        entity_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let entity_type: EntityType = label(entity_type)?;
        let entity_id = uuid(entity_id, "entity_id")?;
        tenant_call!(self, py, |t| Ok(t
            .get_embedding(entity_type, entity_id)
            .await?
            .map(Embedding::from)))
    }

    /// Deletes the embedding of one entity; whether it existed.
    fn delete_embedding<'py>(
        &self,
        py: Python<'py>,
        entity_type: &str,
        entity_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let entity_type: EntityType = label(entity_type)?;
        let entity_id = uuid(entity_id, "entity_id")?;
        tenant_call!(self, py, |t| t
            .delete_embedding(entity_type, entity_id)
            .await)
    }

    /// Embedding counts per entity type, model and version.
    fn embedding_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tenant_call!(self, py, |t| Ok(t
            .embedding_stats()
            .await?
            .into_iter()
            .map(EmbeddingStats::from)
            .collect::<Vec<_>>()))
    }

    /// Loads `rows` by binary COPY in one transaction (all or none);
    /// returns the number stored. `on_conflict`: "fail" or "replace".
    #[pyo3(signature = (rows, *, on_conflict="fail", indexes="auto"))]
    fn bulk_load_embeddings<'py>(
        &self,
        py: Python<'py>,
        rows: Vec<PyRef<'py, NewEmbedding>>,
        on_conflict: &str,
        indexes: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = load_options(py, on_conflict, indexes)?;
        let rows: Vec<_> = rows.iter().map(|r| r.0.clone()).collect();
        tenant_call!(self, py, |t| Ok(t
            .bulk_load_embeddings_with(&rows, opts)
            .await?
            .rows))
    }

    /// Loads one embedding per row of `embeddings` (a 2-D float32 array,
    /// read row by row as slices of its buffer) for the entities `entity_ids`
    /// (same length), as `bulk_load_embeddings`.
    #[pyo3(signature = (entity_type, entity_ids, embeddings, model_name, model_version=None, *, on_conflict="fail", indexes="auto"))]
    #[allow(clippy::too_many_arguments)]
    fn bulk_load_embedding_array<'py>(
        &self,
        py: Python<'py>,
        entity_type: &str,
        entity_ids: &Bound<'py, PyAny>,
        embeddings: &Bound<'py, PyAny>,
        model_name: String,
        model_version: Option<String>,
        on_conflict: &str,
        indexes: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let entity_type: EntityType = label(entity_type)?;
        let opts = load_options(py, on_conflict, indexes)?;
        let ids = uuids(entity_ids, "entity_ids")?;
        let vectors = matrix(embeddings, "embeddings")?;
        if ids.len() != vectors.len() {
            return Err(invalid(
                py,
                "embeddings",
                format!("has {} rows for {} entity_ids", vectors.len(), ids.len()),
            ));
        }
        let rows: Vec<truthgraph_db::NewEmbedding> = ids
            .into_iter()
            .zip(vectors)
            .map(|(entity_id, embedding)| truthgraph_db::NewEmbedding {
                entity_type,
                entity_id,
                embedding,
                model_name: model_name.clone(),
                model_version: model_version.clone(),
            })
            .collect();
        tenant_call!(self, py, |t| Ok(t
            .bulk_load_embeddings_with(&rows, opts)
            .await?
            .rows))
    }

    /// The `k` evidence most similar to `query` by cosine similarity.
    #[pyo3(signature = (query, k=10, *, source_type=None, min_similarity=None, probes=None, ef_search=None, exact=false))]
    #[allow(clippy::too_many_arguments)]
    fn search_evidence<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        k: usize,
        source_type: Option<String>,
        min_similarity: Option<f64>,
        probes: Option<u32>,
        ef_search: Option<u32>,
        exact: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q = vector(query, "query")?;
        let opts = SearchOptions {
            k,
            source_type,
            min_similarity,
            probes,
            ef_search,
            exact,
            deadline: None,
        };
        tenant_call!(self, py, |t| Ok(t
            .search_evidence(&q, &opts)
            .await?
            .into_iter()
            .map(EvidenceHit::from)
            .collect::<Vec<_>>()))
    }

    /// The `k` claims most similar to `query` (e.g. near-duplicates).
    #[pyo3(signature = (query, k=10, *, min_similarity=None, probes=None, ef_search=None, exact=false))]
    #[allow(clippy::too_many_arguments)]
    fn search_claims<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        k: usize,
        min_similarity: Option<f64>,
        probes: Option<u32>,
        ef_search: Option<u32>,
        exact: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q = vector(query, "query")?;
        let opts = SearchOptions {
            k,
            source_type: None,
            min_similarity,
            probes,
            ef_search,
            exact,
            deadline: None,
        };
        tenant_call!(self, py, |t| Ok(t
            .search_claims(&q, &opts)
            .await?
            .into_iter()
            .map(ClaimHit::from)
            .collect::<Vec<_>>()))
    }

    /// Evidence ranked by reciprocal rank fusion of full text (`text`) and
    /// vector (`query`) ranks, in one statement.
    #[pyo3(signature = (text, query, k=10, *, candidates=60, vector_weight=1.0, keyword_weight=1.0, probes=None, ef_search=None))]
    #[allow(clippy::too_many_arguments)]
    fn hybrid_search<'py>(
        &self,
        py: Python<'py>,
        text: String,
        query: &Bound<'py, PyAny>,
        k: usize,
        candidates: usize,
        vector_weight: f64,
        keyword_weight: f64,
        probes: Option<u32>,
        ef_search: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let q = vector(query, "query")?;
        let opts = HybridOptions {
            k,
            candidates,
            vector_weight,
            keyword_weight,
            probes,
            ef_search,
            deadline: None,
        };
        tenant_call!(self, py, |t| Ok(t
            .hybrid_search(&text, &q, &opts)
            .await?
            .into_iter()
            .map(HybridHit::from)
            .collect::<Vec<_>>()))
    }
}

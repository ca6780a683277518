//! The result classes: one frozen Python class per row type of the library,
//! with the same field names (`Claim.text`, `EvidenceHit.similarity`, …).
//! Timestamps are naive `datetime`s (UTC, as stored), ids `uuid.UUID`s,
//! vectors numpy float32 arrays.

use std::time::Duration;

use chrono::NaiveDateTime;
use numpy::PyArray1;
use pyo3::prelude::*;
use truthgraph_db::{health, records, search};
use uuid::Uuid;

use crate::convert::to_numpy;

/// `Name(field=repr(value), …)`, as a Python dataclass prints.
fn python_repr(obj: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for f in fields {
        parts.push(format!("{f}={}", obj.getattr(*f)?.repr()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

/// A frozen class with read-only attributes, built from the library's row
/// type `$src` field by field, with a `repr` listing the fields.
macro_rules! record {
    ($(#[$doc:meta])* $name:ident from $src:ty { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[pyclass(frozen, get_all, module = "truthgraph_db")]
        #[derive(Debug, Clone)]
        pub struct $name {
            $(pub $field: $ty),*
        }

        impl From<$src> for $name {
            fn from(r: $src) -> Self {
                $name { $($field: r.$field.into()),* }
            }
        }

        #[pymethods]
        impl $name {
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                python_repr(slf, stringify!($name), &[$(stringify!($field)),*])
            }
        }
    };
}

record!(
    /// A stored claim.
    Claim from records::claims::Claim {
        id: Uuid, tenant_id: String, text: String, source_url: Option<String>,
        submitted_at: NaiveDateTime, created_at: NaiveDateTime, updated_at: NaiveDateTime,
    }
);
record!(
    /// A stored piece of evidence.
    Evidence from records::evidence::Evidence {
        id: Uuid, tenant_id: String, content: String, source_url: Option<String>,
        source_type: Option<String>, created_at: NaiveDateTime,
    }
);
record!(
    /// Embedding counts of a tenant per entity type, model and version.
    EmbeddingStats from records::embeddings::EmbeddingStats {
        entity_type: String, model_name: String, model_version: Option<String>, count: i64,
        first_created_at: NaiveDateTime, last_updated_at: NaiveDateTime,
    }
);
record!(
    /// One hit of `search_evidence`: cosine `similarity` and the evidence.
    EvidenceHit from search::EvidenceHit {
        id: Uuid, similarity: f64, content: String, source_url: Option<String>,
        source_type: Option<String>,
    }
);
record!(
    /// One hit of `search_claims`.
    ClaimHit from search::ClaimHit {
        id: Uuid, similarity: f64, text: String, source_url: Option<String>,
    }
);
record!(
    /// One hit of `hybrid_search`: the fused `score` and each side's rank.
    HybridHit from search::HybridHit {
        id: Uuid, score: f64, vector_rank: Option<i64>, keyword_rank: Option<i64>,
        content: String, source_url: Option<String>, source_type: Option<String>,
    }
);
record!(
    /// A stored NLI prediction.
    NliResult from records::nli::NliResult {
        id: Uuid, claim_id: Uuid, evidence_id: Uuid, label: String, confidence: f64,
        entailment_score: f64, contradiction_score: f64, neutral_score: f64,
        model_name: String, model_version: Option<String>, premise_text: String,
        hypothesis_text: String, created_at: NaiveDateTime,
    }
);
record!(
    /// A stored verification result.
    VerificationResult from records::verification::VerificationResult {
        id: Uuid, claim_id: Uuid, verdict: String, confidence: f64, support_score: f64,
        refute_score: f64, neutral_score: f64, evidence_count: i32,
        supporting_evidence_count: i32, refuting_evidence_count: i32,
        neutral_evidence_count: i32, reasoning: Option<String>,
        nli_result_ids: Option<Vec<Uuid>>, pipeline_version: Option<String>,
        retrieval_method: Option<String>, created_at: NaiveDateTime, updated_at: NaiveDateTime,
    }
);
record!(
    /// A stored Phase 1 verdict (`verdict` None: pending).
    Verdict from records::verdicts::Verdict {
        id: Uuid, claim_id: Uuid, verdict: Option<String>, confidence: Option<f64>,
        reasoning: Option<String>, created_at: NaiveDateTime, updated_at: NaiveDateTime,
    }
);
record!(
    /// A piece of evidence linked to a Phase 1 verdict.
    VerdictEvidence from records::verdicts::VerdictEvidence {
        evidence_id: Uuid, relationship: Option<String>, confidence: Option<f64>,
        content: String, source_url: Option<String>,
    }
);
record!(
    /// The connection pool at one moment.
    PoolStatus from health::PoolStatus {
        max_size: usize, size: usize, available: usize, waiting: usize,
    }
);
record!(
    /// How the applied migrations compare with those this build embeds.
    MigrationsHealth from health::MigrationsHealth {
        current: i32, latest: i32, pending: Vec<i32>, divergent: Vec<i32>, unknown: Vec<i32>,
    }
);

#[pymethods]
impl PoolStatus {
    /// Connections lent out now.
    #[getter]
    fn in_use(&self) -> usize {
        self.size.saturating_sub(self.available)
    }
}

/// What `Database.health()` found.
#[pyclass(frozen, get_all, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct Health {
    /// Probe round trip.
    pub round_trip: Duration,
    pub server_version: String,
    pub pgvector_version: Option<String>,
    pub migrations: Option<MigrationsHealth>,
    pub pool: PoolStatus,
    /// pgvector installed and migrations current (or unreadable by this login).
    pub is_ready: bool,
    /// What stands in the way of `is_ready`, one sentence each.
    pub problems: Vec<String>,
}

impl From<health::Health> for Health {
    fn from(h: health::Health) -> Self {
        Health {
            is_ready: h.is_ready(),
            problems: h.problems(),
            round_trip: h.round_trip,
            server_version: h.server_version,
            pgvector_version: h.pgvector_version,
            migrations: h.migrations.map(Into::into),
            pool: h.pool.into(),
        }
    }
}

#[pymethods]
impl Health {
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        python_repr(
            slf,
            "Health",
            &["is_ready", "server_version", "pgvector_version", "problems"],
        )
    }
}

/// A stored embedding; `embedding` is a numpy float32 array (a fresh copy
/// on each access).
#[pyclass(frozen, module = "truthgraph_db")]
#[derive(Debug, Clone)]
pub struct Embedding {
    #[pyo3(get)]
    pub id: Uuid,
    #[pyo3(get)]
    pub tenant_id: String,
    #[pyo3(get)]
    pub entity_type: String,
    #[pyo3(get)]
    pub entity_id: Uuid,
    pub values: Vec<f32>,
    #[pyo3(get)]
    pub model_name: String,
    #[pyo3(get)]
    pub model_version: Option<String>,
    #[pyo3(get)]
    pub created_at: NaiveDateTime,
    #[pyo3(get)]
    pub updated_at: NaiveDateTime,
}

impl From<records::embeddings::Embedding> for Embedding {
    fn from(e: records::embeddings::Embedding) -> Self {
        Embedding {
            id: e.id,
            tenant_id: e.tenant_id,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            values: e.embedding.to_vec(),
            model_name: e.model_name,
            model_version: e.model_version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

#[pymethods]
impl Embedding {
    /// The vector.
    #[getter]
    fn embedding<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        to_numpy(py, &self.values)
    }

    fn __repr__(&self) -> String {
        format!(
            "Embedding(id={}, entity_type={:?}, entity_id={}, dim={}, model_name={:?})",
            self.id,
            self.entity_type,
            self.entity_id,
            self.values.len(),
            self.model_name
        )
    }
}

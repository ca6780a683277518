//! Inputs the server would take badly, against the real server: vectors
//! whose float4 cosine underflows or overflows, texts PostgreSQL refuses
//! without naming the field (NUL, over-long varchar, over-long tsvector), and
//! hybrid search texts past the documented limit. Each is refused before
//! anything is sent, with [`Error::InvalidInput`] naming the field as the
//! caller knows it, and nothing is written; the inputs just inside each limit
//! are stored and work.

mod texts;
mod tsvector;
mod vectors;

use pgvector::Vector;
use truthgraph_db::validate::{
    MAX_CONTENT_BYTES, MAX_QUERY_TEXT_CHARS, MAX_VECTOR_NORM, MIN_VECTOR_NORM,
};
use truthgraph_db::{
    EntityType, Error, HybridOptions, NewClaim, NewEmbedding, NewEvidence, NewNliResult,
    NewVerificationResult, NliLabel, SearchOptions, VerdictLabel,
};

use crate::support::{TestDatabase, cosine, explain, field, random_unit};
use truthgraph_vector_ref::VectorRef;

const DIM: usize = 1536;

/// Rows of `table` in the whole database.
async fn count(raw: &tokio_postgres::Client, table: &str) -> i64 {
    raw.query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// A vector of `DIM` dimensions: `value` in the first `n`, zeros after.
fn filled(value: f32, n: usize) -> Vector {
    Vector::from(
        (0..DIM)
            .map(|i| if i < n { value } else { 0.0 })
            .collect::<Vec<_>>(),
    )
}

//! An independent truth for search: brute-force f64 cosine, computed here.

use super::*;

/// Cosine similarity of `a` and `b`, in f64 (every f32 product is exact there).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    dot / (na * nb).sqrt()
}

/// Brute-force search over rows kept in the test: the truth the library's
/// exact search and its index paths are compared with.
pub struct BruteForce {
    rows: Vec<(uuid::Uuid, Vec<f64>, f64)>,
}

impl BruteForce {
    /// The rows (id, vector) to search.
    pub fn new<'a>(rows: impl IntoIterator<Item = (uuid::Uuid, &'a Vector)>) -> Self {
        BruteForce {
            rows: rows
                .into_iter()
                .map(|(id, v)| {
                    let v: Vec<f64> = v.as_slice().iter().map(|x| f64::from(*x)).collect();
                    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                    (id, v, norm)
                })
                .collect(),
        }
    }

    /// Every row with its f64 cosine similarity to `query`, best first (ties
    /// by id), restricted to the ids `keep` accepts.
    pub fn ranking(
        &self,
        query: &Vector,
        keep: impl Fn(&uuid::Uuid) -> bool,
    ) -> Vec<(uuid::Uuid, f64)> {
        let q: Vec<f64> = query.as_slice().iter().map(|x| f64::from(*x)).collect();
        let qn = q.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mut all: Vec<(uuid::Uuid, f64)> = self
            .rows
            .iter()
            .filter(|(id, _, _)| keep(id))
            .map(|(id, v, n)| {
                let dot: f64 = v.iter().zip(&q).map(|(a, b)| a * b).sum();
                (*id, dot / (n * qn))
            })
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all
    }

    /// The top `k` of [`BruteForce::ranking`].
    pub fn top_k(
        &self,
        query: &Vector,
        k: usize,
        keep: impl Fn(&uuid::Uuid) -> bool,
    ) -> Vec<(uuid::Uuid, f64)> {
        let mut all = self.ranking(query, keep);
        all.truncate(k);
        all
    }
}

/// Similarities agree to this much: pgvector sums in f32 and divides in f64,
/// the truth is f64 throughout; neighbours closer than this may swap places.
pub const SIMILARITY_TOLERANCE: f64 = 2e-5;

/// Asserts that `got` (id, similarity as returned, best first) is the exact
/// top-k of `ranking` (a [`BruteForce::ranking`], every candidate row): as
/// many rows as `k` allows, no row twice, each returned similarity the f64
/// cosine of its row, and the i-th row as similar as the i-th best row
/// (so the same rows in the same order, up to neighbours that tie within
/// [`SIMILARITY_TOLERANCE`]).
pub fn assert_exact_top_k(
    got: &[(uuid::Uuid, f64)],
    ranking: &[(uuid::Uuid, f64)],
    k: usize,
    what: &str,
) {
    assert!(
        ranking.len() > k,
        "{what}: the truth must have more rows ({}) than k ({k}), or cutting is never tested",
        ranking.len()
    );
    assert_eq!(got.len(), k, "{what}: {} rows, not k = {k}", got.len());
    let distinct: std::collections::HashSet<_> = got.iter().map(|g| g.0).collect();
    assert_eq!(distinct.len(), got.len(), "{what}: a row returned twice");
    for (i, (id, similarity)) in got.iter().enumerate() {
        let truth = ranking
            .iter()
            .find(|r| r.0 == *id)
            .unwrap_or_else(|| panic!("{what}: row {i} ({id}) is not a candidate"))
            .1;
        assert!(
            (similarity - truth).abs() < SIMILARITY_TOLERANCE,
            "{what}: row {i} reported similarity {similarity}, its f64 cosine is {truth}"
        );
        assert!(
            (truth - ranking[i].1).abs() < SIMILARITY_TOLERANCE,
            "{what}: row {i} has cosine {truth}, the {i}-th best row has {} (returned {:?}, truth {:?})",
            ranking[i].1,
            got.iter().map(|g| g.1).collect::<Vec<_>>(),
            ranking[..k].iter().map(|r| r.1).collect::<Vec<_>>()
        );
    }
}

/// The share of `truth`'s rows found in `got`.
pub fn recall_of(got: &[uuid::Uuid], truth: &[(uuid::Uuid, f64)]) -> f64 {
    let hit = got
        .iter()
        .filter(|id| truth.iter().any(|t| t.0 == **id))
        .count();
    hit as f64 / truth.len().max(1) as f64
}

/// `v` scaled to a norm drawn log-uniformly from `[lo, hi]` by `rng`: data
/// on which ordering by L2 distance or inner product gives other rows than
/// ordering by cosine.
pub fn with_random_norm(v: &Vector, rng: &mut impl Rng, lo: f32, hi: f32) -> Vector {
    let norm = (lo.ln() + rng.random::<f32>() * (hi.ln() - lo.ln())).exp();
    let current = v.as_slice().iter().map(|x| x * x).sum::<f32>().sqrt();
    Vector::from(
        v.as_slice()
            .iter()
            .map(|x| x / current * norm)
            .collect::<Vec<_>>(),
    )
}

/// Mean recall@10 of `queries` new points of `data` searched in `tenant`
/// (top 10, default options) against the f64 truth over `rows`, the
/// tenant's own (id, vector). Every search must return 10 rows, each one of
/// `rows` (panics naming `label` otherwise).
pub async fn held_out_recall(
    tenant: &truthgraph_db::Tenant<'_>,
    rows: &[(uuid::Uuid, Vector)],
    data: &mut Clustered,
    queries: u32,
    label: &str,
) -> f64 {
    let truth = BruteForce::new(rows.iter().map(|(id, v)| (*id, v)));
    let own: std::collections::HashSet<uuid::Uuid> = rows.iter().map(|r| r.0).collect();
    let mut sum = 0.0;
    for _ in 0..queries {
        let q = data.next();
        let hits = tenant
            .search_evidence(&q, &truthgraph_db::SearchOptions::top(10))
            .await
            .unwrap();
        assert_eq!(hits.len(), 10, "{label}: short");
        // Row-level security and the tenant filter: never another's row.
        assert!(
            hits.iter().all(|h| own.contains(&h.id)),
            "{label}: a foreign row"
        );
        let got: Vec<uuid::Uuid> = hits.iter().map(|h| h.id).collect();
        sum += recall_of(&got, &truth.top_k(&q, 10, |_| true));
    }
    sum / f64::from(queries)
}

//! The queries a tier's measurement ([`super::tier_ef`]) searches with:
//! vectors its index does not hold, as a search's are. The tenant's
//! embeddings of the other entity type (its claims, for its evidence),
//! else a sample of the tier's own rows, each moved in a random direction
//! by its distance to its nearest row ([`displaced`]); why these and not
//! others: [`super::tier_ef`]'s module documentation.

use pgvector::Vector;
use truthgraph_queries::queries::tiers as q;
use truthgraph_vector_ref::VectorRef;

use super::tier_ef::{MIN_PROBES, SAMPLE};
use crate::error::Result;

/// The queries of a measurement ([`SAMPLE`] at most): the tenant's rows of
/// the other entity type, else a sample of the tier's own rows, each
/// moved by its distance to its nearest row.
pub(super) async fn probe_queries(
    tx: &tokio_postgres::Transaction<'_>,
    tenant: &str,
    ty: &str,
) -> Result<Vec<Vector>> {
    let of_tenant = q::tier_probes_of_tenant()
        .bind(tx, &tenant, &ty, &SAMPLE)
        .all()
        .await?;
    if of_tenant.len() >= MIN_PROBES {
        return Ok(of_tenant.into_iter().map(|p| p.embedding).collect());
    }
    let own = q::tier_sample()
        .bind(tx, &tenant, &ty, &SAMPLE)
        .all()
        .await?;
    let mut out = Vec::with_capacity(own.len());
    for (i, row) in own.iter().enumerate() {
        let nearest = q::tier_neighbour_at()
            .bind(tx, &tenant, &ty, &VectorRef::from(&row.embedding), &1)
            .opt()
            .await?;
        if let Some(nearest) = nearest {
            out.extend(displaced(&row.embedding, &nearest.embedding, i as u64));
        }
    }
    Ok(out)
}

/// `a`'s direction moved, in a random direction (seeded by `seed`), as far
/// as the direction of its nearest row `b` is from it: a point the graph
/// does not hold, as near to the data as its rows are to each other.
/// `None` when `a` or `b` is zero.
fn displaced(a: &Vector, b: &Vector, seed: u64) -> Option<Vector> {
    let unit = |v: &[f32]| {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        (n > 0.0).then(|| v.iter().map(|x| x / n).collect::<Vec<f32>>())
    };
    let (a, b) = (unit(a.as_slice())?, unit(b.as_slice())?);
    let far = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f32>()
        .sqrt();
    let mut rng = SplitMix(seed ^ 0x5eed);
    let direction = unit(&(0..a.len()).map(|_| rng.normal()).collect::<Vec<f32>>())?;
    Some(Vector::from(
        a.iter()
            .zip(&direction)
            .map(|(x, d)| x + far * d)
            .collect::<Vec<f32>>(),
    ))
}

/// A small deterministic generator (SplitMix64), so that a measurement
/// draws the same queries on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f32 {
        let u = |x: u64| ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let (u1, u2) = (u(self.next()), u(self.next()));
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_displaced_query_is_as_far_from_its_row_as_the_nearest_row_and_repeatable() {
        let a = Vector::from(vec![3.0, 0.0, 0.0, 0.0]);
        let b = Vector::from(vec![0.0, 2.0, 0.0, 0.0]);
        let q = displaced(&a, &b, 7).unwrap();
        let far = 2f32.sqrt(); // between the unit directions of a and b
        let moved: f32 = q
            .as_slice()
            .iter()
            .zip([1.0, 0.0, 0.0, 0.0])
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f32>()
            .sqrt();
        assert!((moved - far).abs() < 1e-5, "{moved}");
        assert_eq!(displaced(&a, &b, 7), Some(q.clone()));
        assert_ne!(displaced(&a, &b, 8), Some(q));
        assert_eq!(displaced(&Vector::from(vec![0.0; 4]), &b, 7), None);
    }
}

//! Shared test helpers: deterministic vectors, plans, schema snapshots,
//! error fields. SQL to EXPLAIN comes from `truthgraph_db::sql` (the generated
//! crate), never from re-reading `queries/`.
#![allow(dead_code)]

use pgvector::Vector;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr_free::normal;

use truthgraph_db::Error;
pub use truthgraph_db::testing::TestDatabase;

mod pausing;
mod plans;
mod rows;
mod server;
mod truth;

// The pause points serve the CLI's tests (cli/tests/it/), not the library's.
#[allow(unused_imports)]
pub use pausing::*;
pub use plans::*;
#[allow(unused_imports)]
pub use rows::*;
pub use server::*;
pub use truth::*;

/// Box-Muller normal samples without another dependency.
mod rand_distr_free {
    use rand::Rng;

    pub fn normal(rng: &mut impl Rng) -> f32 {
        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = rng.random();
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }
}

/// Deterministic clustered unit vectors: `n` points around `clusters` random
/// centres, each point `centre + noise · N(0, I)`, normalised (or, after
/// [`Clustered::with_norms`], scaled to a random norm).
pub struct Clustered {
    pub centres: Vec<Vec<f32>>,
    rng: ChaCha8Rng,
    pub dim: usize,
    pub noise: f32,
    norms: Option<(f32, f32)>,
    /// Low-rank mode ([`Clustered::low_rank`]): the spanning vectors.
    basis: Option<Vec<Vec<f32>>>,
}

impl Clustered {
    pub fn new(seed: u64, dim: usize, clusters: usize, noise: f32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centres = (0..clusters)
            .map(|_| unit((0..dim).map(|_| normal(&mut rng)).collect()))
            .collect();
        Clustered {
            centres,
            rng,
            dim,
            noise,
            norms: None,
            basis: None,
        }
    }

    /// Points of a random `rank`-dimensional subspace of `dim` dimensions
    /// (standard normal coordinates on `rank` random directions, then unit
    /// length): what a sentence encoder's outputs look like to an index
    /// (low intrinsic dimension, every coordinate a mix), and data on which
    /// sign quantisation keeps the neighbours.
    pub fn low_rank(seed: u64, dim: usize, rank: usize) -> Self {
        let mut me = Clustered::new(seed, dim, 1, 0.0);
        let basis = (0..rank)
            .map(|_| (0..dim).map(|_| normal(&mut me.rng)).collect())
            .collect();
        me.basis = Some(basis);
        me
    }

    /// The same points, each scaled to a norm drawn log-uniformly from
    /// `[lo, hi]` (see [`with_random_norm`]).
    pub fn with_norms(mut self, lo: f32, hi: f32) -> Self {
        self.norms = Some((lo, hi));
        self
    }

    /// The next point (round-robin over a random centre).
    pub fn next(&mut self) -> Vector {
        if let Some(basis) = &self.basis {
            let mut v = vec![0.0f32; self.dim];
            for b in basis {
                let z = normal(&mut self.rng);
                v.iter_mut().zip(b).for_each(|(x, y)| *x += z * y);
            }
            return Vector::from(unit(v));
        }
        let c = self.rng.random_range(0..self.centres.len());
        let noise = self.noise / (self.dim as f32).sqrt();
        let v: Vec<f32> = self.centres[c]
            .iter()
            .map(|x| x + noise * normal(&mut self.rng))
            .collect();
        let v = Vector::from(unit(v));
        match self.norms {
            Some((lo, hi)) => with_random_norm(&v, &mut self.rng, lo, hi),
            None => v,
        }
    }

    pub fn take(&mut self, n: usize) -> Vec<Vector> {
        (0..n).map(|_| self.next()).collect()
    }
}

pub fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// A deterministic unit vector of `dim` dimensions from `seed`.
pub fn random_unit(seed: u64, dim: usize) -> Vector {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Vector::from(unit((0..dim).map(|_| normal(&mut rng)).collect()))
}

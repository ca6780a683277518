//! Data sets for `bench` and `tune`: a real embedding set read from a
//! directory (`benches/data/minilm`: `passages.tgvec.gz`, `queries.tgvec.gz`
//! and their `.jsonl.gz` texts, format in that folder's README), or a
//! deterministic synthetic one.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Vectors (unit length) and their texts: a corpus and held-out queries.
pub struct Dataset {
    /// Where it came from, for the report.
    pub name: String,
    /// Dimensions of every vector.
    pub dim: usize,
    /// Corpus vectors.
    pub passages: Vec<Vec<f32>>,
    /// Corpus texts, one per vector.
    pub texts: Vec<String>,
    /// Query vectors, none of them in the corpus.
    pub queries: Vec<Vec<f32>>,
    /// Query texts, one per query vector (claim-like sentences).
    pub query_texts: Vec<String>,
}

/// Reads at most `max_passages` passages and `max_queries` queries from `dir`.
pub fn read_dir(dir: &Path, max_passages: usize, max_queries: usize) -> anyhow::Result<Dataset> {
    let (dim, mut passages) = read_tgvec(&dir.join("passages.tgvec.gz"))?;
    let (qdim, mut queries) = read_tgvec(&dir.join("queries.tgvec.gz"))?;
    if dim != qdim {
        bail!("passages have {dim} dimensions but queries {qdim}");
    }
    passages.truncate(max_passages);
    queries.truncate(max_queries);
    let mut texts = read_texts(&dir.join("passages.jsonl.gz"), passages.len())?;
    texts.resize(passages.len(), String::new());
    let mut query_texts = read_texts(&dir.join("queries.jsonl.gz"), queries.len())?;
    query_texts.resize(queries.len(), String::new());
    Ok(Dataset {
        name: format!("{} (real, {} dims)", dir.display(), dim),
        dim,
        passages,
        texts,
        queries,
        query_texts,
    })
}

fn gunzip(path: &Path) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .with_context(|| format!("gunzip {}", path.display()))?;
    Ok(out)
}

/// `TGVEC001`, u32 LE rows, u32 LE dim, then per row f32 LE scale + dim i8.
fn read_tgvec(path: &Path) -> anyhow::Result<(usize, Vec<Vec<f32>>)> {
    let bytes = gunzip(path)?;
    if bytes.len() < 16 || &bytes[..8] != b"TGVEC001" {
        bail!("{} is not a TGVEC001 file", path.display());
    }
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let (rows, dim) = (word(8), word(12));
    let stride = 4 + dim;
    if bytes.len() != 16 + rows * stride {
        bail!(
            "{}: {} bytes for {rows} x {dim}",
            path.display(),
            bytes.len()
        );
    }
    let vectors = (0..rows)
        .map(|r| {
            let row = &bytes[16 + r * stride..16 + (r + 1) * stride];
            let scale = f32::from_le_bytes(row[..4].try_into().unwrap());
            row[4..]
                .iter()
                .map(|b| scale * f32::from(*b as i8))
                .collect()
        })
        .collect();
    Ok((dim, vectors))
}

fn read_texts(path: &Path, max: usize) -> anyhow::Result<Vec<String>> {
    let bytes = gunzip(path)?;
    String::from_utf8(bytes)?
        .lines()
        .take(max)
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)?;
            Ok(v["text"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// Deterministic vectors with the structure of text embeddings in miniature:
/// points on a 64-dimensional subspace plus isotropic noise, normalised.
/// Harder than clustered data, easier than uniform noise; use real
/// embeddings (`--data`) to choose settings.
pub fn synthetic(n: usize, dim: usize, queries: usize, seed: u64) -> Dataset {
    const LATENT: usize = 64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let basis: Vec<Vec<f32>> = (0..LATENT)
        .map(|_| (0..dim).map(|_| normal(&mut rng)).collect())
        .collect();
    let point = |rng: &mut ChaCha8Rng| {
        let mut v = vec![0f32; dim];
        for b in &basis {
            let z = normal(rng);
            v.iter_mut().zip(b).for_each(|(x, y)| *x += z * y);
        }
        let noise = 0.35 * (LATENT as f32).sqrt();
        v.iter_mut().for_each(|x| *x += noise * normal(rng));
        unit(v)
    };
    let passages: Vec<Vec<f32>> = (0..n).map(|_| point(&mut rng)).collect();
    let queries: Vec<Vec<f32>> = (0..queries).map(|_| point(&mut rng)).collect();
    Dataset {
        query_texts: (0..queries.len())
            .map(|i| format!("synthetic passage {i}"))
            .collect(),
        name: format!("synthetic low-rank (seed {seed}, {dim} dims)"),
        dim,
        texts: (0..n).map(|i| format!("synthetic passage {i}")).collect(),
        passages,
        queries,
    }
}

fn normal(rng: &mut impl Rng) -> f32 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// The first rows of one file pair of a real set (`passages` or `queries`):
/// vectors, texts and source document ids, in file order.
pub struct Rows {
    /// Dimensions of every vector.
    pub dim: usize,
    /// The vectors (unit length up to the int8 quantisation).
    pub vectors: Vec<Vec<f32>>,
    /// The text of each row.
    pub texts: Vec<String>,
    /// The source document of each row (`factbook:Venezuela`).
    pub sources: Vec<String>,
}

/// Reads the first `max` rows of `dir/<name>.tgvec.gz` and
/// `dir/<name>.jsonl.gz`, decompressing only what they need (the demo loads
/// a few thousand of 20,000 passages, from a debug build).
pub fn read_rows(dir: &Path, name: &str, max: usize) -> anyhow::Result<Rows> {
    use std::io::BufRead;
    let path = dir.join(format!("{name}.tgvec.gz"));
    let file = std::fs::File::open(&path).with_context(|| format!("open {}", path.display()))?;
    let mut gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut header = [0u8; 16];
    gz.read_exact(&mut header)
        .with_context(|| format!("read {}", path.display()))?;
    if &header[..8] != b"TGVEC001" {
        bail!("{} is not a TGVEC001 file", path.display());
    }
    let word = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().unwrap()) as usize;
    let (rows, dim) = (word(8), word(12));
    if rows < max {
        bail!("{} has {rows} rows, fewer than {max}", path.display());
    }
    let mut row = vec![0u8; 4 + dim];
    let mut vectors = Vec::with_capacity(max);
    for r in 0..max {
        gz.read_exact(&mut row)
            .with_context(|| format!("{}: row {r} is cut short", path.display()))?;
        let scale = f32::from_le_bytes(row[..4].try_into().unwrap());
        vectors.push(
            row[4..]
                .iter()
                .map(|b| scale * f32::from(*b as i8))
                .collect(),
        );
    }
    let path = dir.join(format!("{name}.jsonl.gz"));
    let file = std::fs::File::open(&path).with_context(|| format!("open {}", path.display()))?;
    let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(file)).lines();
    let (mut texts, mut sources) = (Vec::with_capacity(max), Vec::with_capacity(max));
    for (i, line) in lines.take(max).enumerate() {
        let line = line.with_context(|| format!("read {}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", path.display(), i + 1))?;
        texts.push(v["text"].as_str().unwrap_or_default().to_string());
        sources.push(v["source"].as_str().unwrap_or_default().to_string());
    }
    if texts.len() != max {
        bail!(
            "{} has {} lines, fewer than {max}",
            path.display(),
            texts.len()
        );
    }
    Ok(Rows {
        dim,
        vectors,
        texts,
        sources,
    })
}

//! `truthgraph-db bench`: loads a data set into a fresh database, measures
//! every candidate index and setting against exact search, and prints one
//! JSON document on stdout (progress on stderr).
//!
//! Each scenario builds its index, then runs every query through the path a
//! caller would use: the library's `Tenant::search_evidence` on a `Database`
//! whose connections start with the scenario's settings; index kinds the
//! library's queries cannot use (a `halfvec` expression index, binary
//! quantisation with re-ranking) and the strict-order variant run their own
//! SQL below on plain connections started with the same settings. Exactly one
//! scenario is marked `default`: the index the migrations create, with the
//! settings a user who changes nothing gets for this table.
//!
//! `bench load` ([`load`]) is the bounded load test: mixed calls from many
//! tasks for a fixed time, then acknowledged writes against stored rows.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use truthgraph_db::embedded::with_database;
use truthgraph_db::{Config, Database, raw_sql};

use crate::context::Context;
use crate::dataset;

mod indexes;
pub mod load;
mod measure;
mod scenario;

/// Load a data set into a fresh database, measure candidate indexes and settings against exact search, print JSON.
///
/// `bench load` is the bounded load test.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// A real embedding set (e.g. benches/data/minilm); without it, deterministic synthetic vectors.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Rows to load (at most the set's size with --data).
    #[arg(long, default_value_t = 10_000)]
    vectors: usize,
    /// Dimensions of synthetic vectors (ignored with --data).
    #[arg(long, default_value_t = 1536)]
    dim: usize,
    /// Queries to run (held out of the corpus).
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Tenant sizes in percent, comma-separated (one value: a single tenant), or `zipf:N`: N tenants, the i-th of weight 1/i (30 tenants: 25 % down to 0.8 %).
    #[arg(long, default_value = "50,30,15,5", value_parser = parse_tenants)]
    tenants: Weights,
    /// Concurrent tasks for the throughput figure.
    #[arg(long, default_value_t = 10)]
    concurrency: usize,
    /// Index kinds to compare besides the default and the anchor (the plain pgvector query, measured unless --no-anchor): hnsw, hnsw-strict, hnsw-off, hnsw32, ivfflat, ivfflat100, halfvec, bq (none: only exact and the default).
    #[arg(long, value_delimiter = ',', default_value = "hnsw,ivfflat")]
    indexes: Vec<String>,
    /// Skip the anchor (the plain pgvector query over one HNSW index shared by every tenant): at 1M rows its serial build alone takes most of an hour on 2 cores.
    #[arg(long)]
    no_anchor: bool,
    /// Claims stored per tenant (with their embeddings), drawn like the queries but never measured: what a fact-checking database holds, and what each tenant's index build measures its `ef_search` with (a measurement takes up to 80: the default). Real sets have 1,000 held-out vectors: the claims get what `--queries` leaves, shared out (0: none, as before 2026-12-05).
    #[arg(long, default_value_t = truthgraph_db::index_build::TIER_MEASUREMENT_QUERIES as usize)]
    claims: usize,
    /// Rows per search.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Keep the bench database afterwards.
    #[arg(long)]
    keep: bool,
}

// `bench`'s sub-verbs; each one's help is the doc comment of its `Args`.
#[derive(clap::Subcommand)]
enum Command {
    Load(Box<load::Args>),
}

/// Tenant weights (relative sizes) as given to `--tenants`.
#[derive(Debug, Clone)]
pub struct Weights(pub Vec<u32>);

/// `50,30,15,5` or `zipf:N` (weights 1000/i, i = 1..=N).
fn parse_tenants(s: &str) -> Result<Weights, String> {
    if let Some(n) = s.strip_prefix("zipf:") {
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|e| format!("tenants: zipf:N, N {e}"))?;
        if !(1..=1000).contains(&n) {
            return Err("tenants: zipf:N with N in 1..=1000".into());
        }
        return Ok(Weights((1..=n).map(|i| (1000 / i).max(1)).collect()));
    }
    let w = s
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<u32>()
                .map_err(|e| format!("tenants: {p:?}: {e}"))
        })
        .collect::<Result<Vec<u32>, String>>()?;
    if w.is_empty() || w.contains(&0) {
        return Err("tenants: every weight at least 1".into());
    }
    Ok(Weights(w))
}

/// `bench load`, or the benchmark itself. Both make a database of their own
/// on the server (`--database` does not apply) and print no `--json` but
/// their own report.
pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let config = cx.config()?;
    match args.command {
        Some(Command::Load(load)) => load::run(config, *load).await,
        None => bench(config, &args).await,
    }
}

/// Runs the benchmark and prints its JSON report.
async fn bench(config: &Config, args: &Args) -> anyhow::Result<()> {
    // Queries first, then the claims (the same queries as without claims).
    let wanted = args.queries + args.claims * args.tenants.0.len();
    let mut data = match &args.data {
        Some(dir) => dataset::read_dir(dir, args.vectors, wanted)?,
        None => dataset::synthetic(args.vectors, args.dim, wanted, 42),
    };
    let at = args.queries.min(data.queries.len());
    let claims = measure::Claims {
        vectors: data.queries.split_off(at),
        texts: data.query_texts.split_off(at),
    };
    let admin = Database::open(config).await?;
    let name = format!("truthgraph_bench_{}", std::process::id());
    admin
        .client()
        .await?
        .batch_execute(&raw_sql::create_database(&name, "template0"))
        .await?;
    eprintln!("bench: database {name} ({})", data.name);
    let url = with_database(admin.url(), &name);
    let report = measure::measure_all(config, &url, &data, &claims, args)
        .await
        .map(|mut r| {
            r["database"] = json!(if args.keep { Some(&name) } else { None });
            r
        });
    if !args.keep {
        admin
            .client()
            .await?
            .batch_execute(&raw_sql::drop_database(&name))
            .await?;
    } else {
        eprintln!("bench: kept database {name}");
    }
    admin.close().await;
    let report = report?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// A progress line on stderr: `label [#####     ] i/n`.
pub struct Progress {
    label: String,
    n: usize,
    shown: usize,
}

impl Progress {
    pub fn new(label: impl Into<String>, n: usize) -> Self {
        Progress {
            label: label.into(),
            n,
            shown: usize::MAX,
        }
    }

    pub fn set(&mut self, i: usize) {
        let step = (i * 30) / self.n.max(1);
        if step != self.shown || i == self.n {
            self.shown = step;
            eprint!(
                "\r{:<46} [{:<30}] {i}/{}",
                self.label,
                "#".repeat(step),
                self.n
            );
            let _ = std::io::stderr().flush();
            if i == self.n {
                eprintln!();
            }
        }
    }
}

pub fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Deterministic tenant of row `i` for `weights` (percent): `tenant-<n>`.
fn tenant_of(i: usize, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let h = ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % u64::from(total.max(1));
    let mut acc = 0u64;
    for (t, w) in weights.iter().enumerate() {
        acc += u64::from(*w);
        if h < acc {
            return t;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_weights_fall_as_one_over_rank() {
        let w = parse_tenants("zipf:30").unwrap().0;
        assert_eq!((w.len(), w[0], w[1], w[29]), (30, 1000, 500, 33));
        assert_eq!(parse_tenants("30,10,1").unwrap().0, vec![30, 10, 1]);
        assert!(parse_tenants("zipf:0").is_err() && parse_tenants("5,0").is_err());
    }

    #[test]
    fn tenants_follow_their_weights() {
        let w = [50, 30, 15, 5];
        let mut counts = [0usize; 4];
        for i in 0..100_000 {
            counts[tenant_of(i, &w)] += 1;
        }
        for (c, w) in counts.iter().zip(w) {
            let share = *c as f64 / 1000.0;
            assert!((share - f64::from(w)).abs() < 1.0, "{counts:?}");
        }
    }
}

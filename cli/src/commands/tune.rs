//! `truthgraph-db tune`: measure, store and (with `--apply`) rebuild.

use std::path::PathBuf;

use truthgraph_db::Database;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::tune::{TuneOptions, TuneReport};

use crate::context::Context;
use crate::dataset;

/// Measure recall and latency of the vector index's settings on this database, store the cheapest that reaches --recall, advise (and with --apply run) a rebuild.
#[derive(clap::Args)]
pub struct Args {
    /// Target recall@k against exact search (every tenant must reach it minus 0.03).
    #[arg(long, default_value_t = 0.98)]
    recall: f64,
    /// Rows per search.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Stored vectors to sample as queries, spread over the tenants.
    #[arg(long, default_value_t = 200)]
    sample: usize,
    /// Use the queries of a data set directory (queries.tgvec.gz) instead of sampled vectors.
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Build the recommended index now (CREATE INDEX CONCURRENTLY, then swap it in).
    #[arg(long)]
    apply: bool,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database(async |db| tune(db, args).await).await
}

async fn tune(db: &Database, args: Args) -> anyhow::Result<()> {
    let queries = match &args.queries {
        Some(dir) => Some(
            dataset::read_dir(dir, 0, usize::MAX)?
                .queries
                .into_iter()
                .map(Vector::from)
                .collect(),
        ),
        None => None,
    };
    let opts = TuneOptions {
        recall: args.recall,
        k: args.k,
        sample: args.sample,
        queries,
    };
    let report = db.tune(&opts).await?;
    print_report(&report, &opts);
    let Some(rebuild) = &report.rebuild else {
        return Ok(());
    };
    println!("\nrebuild recommended: {}", rebuild.reason);
    println!("  {};", rebuild.create);
    println!(
        "  BEGIN; DROP INDEX idx_embeddings_vector_cosine; ALTER INDEX {} RENAME TO idx_embeddings_vector_cosine; COMMIT;",
        rebuild.temporary
    );
    if !args.apply {
        println!("(run with --apply to build it now; reads and writes go on meanwhile)");
        return Ok(());
    }
    db.rebuild_vector_index(rebuild, |p| {
        let (done, total) = if p.blocks_total > 0 {
            (p.blocks_done, p.blocks_total)
        } else {
            (p.tuples_done, p.tuples_total)
        };
        eprintln!(
            "tune: {} {done}/{total}",
            p.phase.as_deref().unwrap_or("building")
        );
    })
    .await?;
    println!("\nrebuilt idx_embeddings_vector_cosine; measuring again:");
    let report = db.tune(&opts).await?;
    print_report(&report, &opts);
    Ok(())
}

fn print_report(r: &TuneReport, opts: &TuneOptions) {
    println!(
        "tune: {} ({} {}) over {} evidence embeddings; {} queries in {} tenants; target recall@{} >= {}",
        r.index.index_name,
        r.index.method,
        r.index.options.as_deref().unwrap_or_default().join(", "),
        r.rows,
        r.queries.values().sum::<usize>(),
        r.queries.len(),
        opts.k,
        opts.recall
    );
    println!(
        "  {:<16} {:>8} {:>22} {:>9}",
        r.setting, "recall", "worst tenant", "p50 ms"
    );
    for t in &r.trials {
        println!(
            "  {:<16} {:>8.4} {:>13} {:>8.4} {:>9.3}",
            t.value, t.recall, t.worst_tenant.0, t.worst_tenant.1, t.p50_ms
        );
    }
    match &r.chosen {
        Some(t) => println!(
            "stored {} = {} in truthgraph_settings: every connection opened from now on starts with it",
            r.setting, t.value
        ),
        None => println!(
            "no {} reached the target; nothing stored (see the rebuild advice)",
            r.setting
        ),
    }
}

//! `demo`: the library doing its job on real text with real embeddings.
//!
//! Loads the first passages of the committed MiniLM set
//! (`benches/data/minilm`, 384 dims) as evidence of tenant `demo`, stores a
//! few held-out sentences of the same set as claims, then searches the
//! evidence for each claim by vector and by hybrid (full text + vector)
//! search, and prints what it found with the time each step took.
//!
//! It works in a database of its own, `truthgraph_demo` on the same server
//! (created if missing), because the demo's vectors have 384 dimensions and
//! an operator's database is usually at 1536: the dimension can only change
//! while `embeddings` is empty. `--database NAME` runs it elsewhere; that
//! database is switched to 384 when its `embeddings` is empty and refused
//! otherwise. A second run finds the corpus complete (the tenant's embedding
//! counts per entity type, written last in one transaction) and reuses it.
//! No model runs here: every similarity comes from the shipped vectors, and
//! no NLI result or verdict is shown.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use truthgraph_db::embedded::with_database;
use truthgraph_db::queries::catalog;
use truthgraph_db::{Config, Database, raw_sql};

use crate::context::Context;
use crate::dataset;

mod corpus;
mod report;

use corpus::CorpusError::{Failed, Incomplete};
use report::{ms, step};

/// The demo's own database on the server.
pub const DATABASE: &str = "truthgraph_demo";
/// The tenant the corpus and the claims belong to.
pub const TENANT: &str = "demo";
/// Passages loaded by default.
pub const DEFAULT_PASSAGES: usize = 3000;
/// The encoder of the shipped vectors (stored as their `model_name`).
const MODEL: &str = "all-MiniLM-L6-v2";
/// Their dimension.
const DIMENSION: usize = 384;
/// Rows per search in the report.
const TOP: usize = 3;
/// Characters of evidence text shown per hit.
const SNIPPET_CHARS: usize = 80;
/// Session advisory lock key of the check-and-load ("tgdemo01"), so two
/// demos at once load the corpus once.
const LOCK_KEY: i64 = 0x7467_6465_6d6f_3031;
/// Session advisory lock key ("tgdemo02") of connect + migrate + dimension
/// switch, taken on the admin database (the same for concurrent demos).
const SETUP_LOCK_KEY: i64 = 0x7467_6465_6d6f_3032;

/// The sample claims: rows of `queries.jsonl.gz`, held-out claim-like
/// sentences (none of them is in the corpus) whose exact nearest passage among
/// all 20,000 is one of the first [`DEFAULT_PASSAGES`] (checked by this
/// module's test), from the three collections; each with the keywords its
/// hybrid search uses, chosen by hand for the demo. (The whole claim as the
/// keyword side would rarely match: `websearch_to_tsquery` requires every
/// word.)
pub const SAMPLE_CLAIMS: [(usize, &str); 5] = [
    (353, "Gran Colombia"),
    (214, "Panama Canal"),
    (86, "Nagorno-Karabakh"),
    (128, "network address"),
    (937, "immigration laws"),
];

/// A sample claim as the demo uses it.
struct Sample {
    text: String,
    vector: Vec<f32>,
    keywords: &'static str,
}

/// Load real text with real embeddings into tenant `demo` of database truthgraph_demo, search it, print a report.
///
/// The first N passages of benches/data/minilm (all-MiniLM-L6-v2, 384 dims) become evidence, five held-out
/// sentences of the set become claims; for each claim it prints the vector top 3, the hybrid (full text +
/// vector) top 3 and the time of every step. Creates and migrates truthgraph_demo on the server (embedded or
/// DATABASE_URL) if missing; a second run reuses the loaded corpus. `--database NAME` runs it in NAME instead,
/// which is switched to 384 dimensions if its embeddings table is empty and refused otherwise.
#[derive(clap::Args)]
pub struct Args {
    /// Passages to load (the first N of the set; the sample claims' best passages are in the first 3000).
    #[arg(long, default_value_t = DEFAULT_PASSAGES)]
    passages: usize,
    /// The data set directory.
    #[arg(long, default_value_os_t = default_data_dir())]
    data: PathBuf,
}

/// The data set shipped in the repository, found from the build's checkout
/// (this crate is `cli/` in it).
pub fn default_data_dir() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().unwrap_or(cli).join("benches/data/minilm")
}

/// Runs the demo in `--database` (default [`DATABASE`]) of the server the
/// configuration names (or the embedded one) and prints the report.
pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let config = cx.config()?;
    if !args.data.join("passages.tgvec.gz").exists() {
        bail!(
            "the demo data set is not at {}: run from a checkout of the repository or pass --data DIR",
            args.data.display()
        );
    }
    if !(1..=20_000).contains(&args.passages) {
        bail!(
            "--passages {} is outside 1..=20000 (the set's size)",
            args.passages
        );
    }
    let started = Instant::now();
    let t = Instant::now();
    let admin = Database::open(config).await?;
    let server_ms = ms(t);
    let owned = cx.database.is_none();
    let name = cx.database.clone().unwrap_or_else(|| DATABASE.to_string());
    let result = demo(config, &admin, &name, owned, &args, server_ms).await;
    let embedded = admin.is_embedded();
    let t = Instant::now();
    admin.close().await;
    result?;
    report::closing(&name, embedded.then_some(ms(t)), started);
    Ok(())
}

async fn demo(
    config: &Config,
    admin: &Database,
    name: &str,
    owned: bool,
    args: &Args,
    server_ms: f64,
) -> anyhow::Result<()> {
    let rows = SAMPLE_CLAIMS.iter().map(|(row, _)| row + 1).max().unwrap();
    let claims = dataset::read_rows(&args.data, "queries", rows)?;
    if claims.dim != DIMENSION {
        bail!(
            "{}: queries have {} dimensions, the demo expects {DIMENSION}",
            args.data.display(),
            claims.dim
        );
    }
    let claims: Vec<Sample> = SAMPLE_CLAIMS
        .iter()
        .map(|&(row, keywords)| Sample {
            text: claims.texts[row].clone(),
            vector: claims.vectors[row].clone(),
            keywords,
        })
        .collect();
    println!(
        "TruthGraph DB demo: {} passages of real text with {MODEL} embeddings ({DIMENSION} dims, {}) \
         as evidence of tenant \"{TENANT}\" in database {name}; {} sample claims",
        args.passages,
        args.data.display(),
        claims.len()
    );
    step(
        "server",
        server_ms,
        if admin.is_embedded() {
            "embedded PostgreSQL started"
        } else {
            "connected (DATABASE_URL)"
        },
    );
    let mut recreated = false;
    loop {
        // Connect, migrate and switch the dimension under a lock on the
        // admin database: a second demo started at the same moment must not
        // read the catalog while the first alters `embeddings` ("cache lookup
        // failed for attribute", seen in the two-demos test).
        let setup = admin.client().await?;
        catalog::advisory_lock()
            .bind(&setup, &SETUP_LOCK_KEY)
            .one()
            .await?;
        let prepared = async {
            let t = Instant::now();
            let (db, created) = connect_or_create(config, admin, name).await?;
            step(
                "database",
                ms(t),
                if created { "created" } else { "exists" },
            );
            let t = Instant::now();
            let applied = db.migrate(None).await?;
            let mut note = if applied.is_empty() {
                "already up to date".to_string()
            } else {
                format!("applied {} migrations", applied.len())
            };
            let before = db.embedding_dimension().await?;
            if before != DIMENSION {
                db.set_dimension(DIMENSION).await.with_context(|| {
                    format!(
                        "the demo needs embeddings of dimension {DIMENSION}, database {name} has \
                         {before}; run the demo in a database of its own (without --database it \
                         uses {DATABASE})"
                    )
                })?;
                note.push_str(&format!(
                    "; embeddings switched to vector({DIMENSION}) (was {before})"
                ));
            }
            step("migrate", ms(t), &note);
            Ok::<_, anyhow::Error>(db)
        }
        .await;
        catalog::advisory_unlock()
            .bind(&setup, &SETUP_LOCK_KEY)
            .one()
            .await?;
        drop(setup);
        let db = prepared?;
        let outcome = corpus::ensure(&db, args, &claims).await;
        match outcome {
            Ok(()) => {
                let result = report::searches(&db, &claims).await;
                db.close().await;
                return result;
            }
            Err(Incomplete(found)) if owned && !recreated => {
                db.close().await;
                println!(
                    "  found an incomplete or different demo corpus ({found}): recreating database {name}"
                );
                admin
                    .client()
                    .await?
                    .batch_execute(&raw_sql::drop_database(name))
                    .await?;
                recreated = true;
            }
            Err(Incomplete(found)) => {
                db.close().await;
                bail!(
                    "tenant {TENANT} of database {name} holds an incomplete or different demo \
                     corpus ({found}); drop that database (or use another --database) and run the \
                     demo again"
                );
            }
            Err(Failed(e)) => {
                db.close().await;
                return Err(e);
            }
        }
    }
}

/// Connects to `name` on the server of `admin`, creating it when missing.
/// Returns whether it was created.
async fn connect_or_create(
    config: &Config,
    admin: &Database,
    name: &str,
) -> anyhow::Result<(Database, bool)> {
    let url = with_database(admin.url(), name);
    match Database::connect(config, &url).await {
        Ok(db) => return Ok((db, false)),
        Err(e) if e.is_unknown_database() => {}
        Err(e) => return Err(e).with_context(|| format!("connect to database {name}")),
    }
    match admin
        .client()
        .await?
        .batch_execute(&raw_sql::create_database(name, "template0"))
        .await
        .map_err(truthgraph_db::Error::from)
    {
        Ok(()) => {}
        // Another demo created it meanwhile.
        Err(e) if e.is_duplicate_database() => {}
        Err(e) => {
            return Err(e).with_context(|| {
                format!(
                    "create database {name} for the demo (create it yourself, or run the demo in \
                     an existing database with --database NAME)"
                )
            });
        }
    }
    Ok((Database::connect(config, &url).await?, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample claims' exact nearest passages of the whole set are among
    /// the passages the demo loads, so its top hit is the set's best answer.
    #[test]
    fn sample_claims_are_answered_by_the_loaded_passages() {
        let dir = default_data_dir();
        let all = dataset::read_dir(&dir, 20_000, 1000).unwrap();
        for &(q, _) in &SAMPLE_CLAIMS {
            let query = &all.queries[q];
            let nearest = all
                .passages
                .iter()
                .map(|p| p.iter().zip(query).map(|(a, b)| a * b).sum::<f32>())
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap()
                .0;
            assert!(
                nearest < DEFAULT_PASSAGES,
                "query {q}: nearest passage {nearest}"
            );
        }
    }
}

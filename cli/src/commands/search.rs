//! `truthgraph-db search --tenant T`: top-k for a vector given inline, in a
//! file, or stored for an entity (`--like`), through the library's tuned or
//! exact search; table or `--json`, with the latency.

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::{Value, json};
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Database, EntityType, SearchOptions};
use uuid::Uuid;

use crate::context::Context;
use crate::output::Output;

/// Top-k evidence (or claims) of a tenant for a vector, by cosine similarity; prints the latency.
///
/// The query vector is given inline (--vector '[0.1, …]'), in a file holding a JSON
/// array (--vector-file, `-`: stdin), or is the stored embedding of a claim or evidence
/// of the tenant (--like <id>; the entity itself is left out of the hits).
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("query").required(true).args(["vector", "vector_file", "like"])))]
pub struct Args {
    /// The tenant whose rows are searched.
    #[arg(long)]
    tenant: String,
    /// The query vector as a JSON array.
    #[arg(long, value_name = "JSON")]
    vector: Option<String>,
    /// A file with the query vector as a JSON array (`-`: stdin).
    #[arg(long, value_name = "FILE")]
    vector_file: Option<PathBuf>,
    /// Use the stored embedding of this claim or evidence.
    #[arg(long, value_name = "ENTITY_ID")]
    like: Option<Uuid>,
    /// Rows to return (1..=1000).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Search the tenant's claims instead of its evidence.
    #[arg(long)]
    claims: bool,
    /// Only evidence with this source_type.
    #[arg(long)]
    source_type: Option<String>,
    /// Compare every row instead of using the vector index (exact, slow).
    #[arg(long)]
    exact: bool,
    /// hnsw.ef_search for this search (1..=1000) instead of the tuned value.
    #[arg(long)]
    ef_search: Option<u32>,
    /// ivfflat.probes for this search instead of the tuned value.
    #[arg(long)]
    probes: Option<u32>,
}

/// One hit, whatever was searched.
struct Hit {
    id: Uuid,
    similarity: f64,
    text: String,
    source_url: Option<String>,
    source_type: Option<String>,
}

pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    cx.with_database_json(async |db, out| search(db, args, out).await)
        .await
}

async fn search(db: &Database, args: Args, out: &Output) -> anyhow::Result<()> {
    let tenant = db.tenant(&args.tenant)?;
    let (query, like) = match (&args.vector, &args.vector_file, args.like) {
        (Some(text), _, _) => (parse_vector(text).context("--vector")?, None),
        (_, Some(file), _) => {
            let mut text = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut text)?;
            } else {
                text = std::fs::read_to_string(file)
                    .with_context(|| format!("--vector-file {}", file.display()))?;
            }
            (
                parse_vector(&text).with_context(|| format!("--vector-file {}", file.display()))?,
                None,
            )
        }
        (_, _, Some(id)) => {
            let mut found = None;
            for entity_type in [EntityType::Evidence, EntityType::Claim] {
                if let Some(e) = tenant.get_embedding(entity_type, id).await? {
                    found = Some((e.embedding, entity_type));
                    break;
                }
            }
            let (v, entity_type) = found.with_context(|| {
                format!(
                    "--like {id}: no claim or evidence of tenant {:?} with that id has an embedding",
                    args.tenant
                )
            })?;
            (v, Some((id, entity_type)))
        }
        _ => anyhow::bail!("give --vector, --vector-file or --like"),
    };
    // With --like, ask for one more: the entity itself comes first when it
    // is of the kind searched, and is left out.
    let searched_kind = if args.claims {
        EntityType::Claim
    } else {
        EntityType::Evidence
    };
    let self_hit = like.filter(|(_, t)| *t == searched_kind).map(|(id, _)| id);
    let opts = SearchOptions {
        k: if self_hit.is_some() {
            (args.k + 1).min(truthgraph_db::search::MAX_K)
        } else {
            args.k
        },
        source_type: args.source_type.clone(),
        min_similarity: None,
        probes: args.probes,
        ef_search: args.ef_search,
        exact: args.exact,
        deadline: None,
    };
    let started = Instant::now();
    let mut hits: Vec<Hit> = if args.claims {
        tenant
            .search_claims(&query, &opts)
            .await?
            .into_iter()
            .map(|h| Hit {
                id: h.id,
                similarity: h.similarity,
                text: h.text,
                source_url: h.source_url,
                source_type: None,
            })
            .collect()
    } else {
        tenant
            .search_evidence(&query, &opts)
            .await?
            .into_iter()
            .map(|h| Hit {
                id: h.id,
                similarity: h.similarity,
                text: h.content,
                source_url: h.source_url,
                source_type: h.source_type,
            })
            .collect()
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(id) = self_hit {
        hits.retain(|h| h.id != id);
    }
    hits.truncate(args.k);
    let mode = if args.exact { "exact" } else { "index" };
    let target = if args.claims { "claims" } else { "evidence" };
    if out.json {
        let hits: Vec<Value> = hits
            .iter()
            .enumerate()
            .map(|(i, h)| {
                json!({
                    "rank": i + 1,
                    "id": h.id.to_string(),
                    "similarity": h.similarity,
                    "text": h.text,
                    "source_url": h.source_url,
                    "source_type": h.source_type,
                })
            })
            .collect();
        out.json(&json!({
            "tenant": args.tenant,
            "searched": target,
            "k": args.k,
            "mode": mode,
            "ef_search": args.ef_search,
            "probes": args.probes,
            "like": like.map(|(id, t)| json!({"id": id.to_string(), "entity_type": t.as_str()})),
            "latency_ms": latency_ms,
            "hits": hits,
        }));
        return Ok(());
    }
    println!(
        "{:>4}  {:>10}  {:<36}  {:<12}  text",
        "rank", "similarity", "id", "source_type"
    );
    for (i, h) in hits.iter().enumerate() {
        println!(
            "{:>4}  {:>10.4}  {:<36}  {:<12}  {}",
            i + 1,
            h.similarity,
            h.id,
            h.source_type.as_deref().unwrap_or("-"),
            snippet(&h.text, 60)
        );
    }
    println!(
        "{} {target} hits for tenant {:?} ({mode} search) in {latency_ms:.2} ms",
        hits.len(),
        args.tenant
    );
    Ok(())
}

/// A JSON array of numbers.
fn parse_vector(text: &str) -> anyhow::Result<Vector> {
    let v: Vec<f32> = serde_json::from_str(text.trim())
        .context("expected a JSON array of numbers, e.g. [0.1, -0.2, 0.3]")?;
    Ok(Vector::from(v))
}

/// The first `n` characters of `text` on one line.
fn snippet(text: &str, n: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= n {
        one_line
    } else {
        one_line.chars().take(n - 1).collect::<String>() + "…"
    }
}

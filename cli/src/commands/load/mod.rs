//! `truthgraph-db load FILE`: claims, evidence and embeddings from JSON
//! Lines, every line checked first, then written through the library's batch
//! paths (`insert_claims_in`, `insert_evidence_many_in`,
//! `bulk_load_embeddings_in`) in one transaction for the whole file (across
//! tenants), or one per `--batch N` rows.
//!
//! Why one transaction across tenants rather than one per tenant: a file is
//! what the operator asked to load, and a per-tenant commit would leave the
//! file half loaded when a later tenant fails, which is what "nothing is
//! written unless every line is valid" rules out. The CLI connects as the
//! table owner, and each batch call sets its tenant for the transaction
//! (`set_config(…, true)`), so the tenant of each write stays explicit.

use std::path::PathBuf;

use truthgraph_db::{NewClaim, NewEmbedding, NewEvidence};
use uuid::Uuid;

use crate::context::Context;

mod parse;
mod write;

/// Load claims, evidence and embeddings from a JSON Lines file (`-`: stdin).
///
/// One record per line, each with a "kind":
///   {"kind":"claim","tenant_id":"acme","id":"<uuid>","text":"…","source_url":"…"}
///   {"kind":"evidence","tenant_id":"acme","id":"<uuid>","content":"…","source_url":"…","source_type":"…"}
///   {"kind":"embedding","tenant_id":"acme","entity_type":"claim|evidence","entity_id":"<uuid>","model_name":"…","embedding":[…]}
/// A claim or evidence may carry "embedding":[…] and "model_name" (default
/// text-embedding-3-small), stored as its embedding. source_url, source_type and
/// model_version are optional. An embedding must belong to a claim or evidence of
/// its tenant, in the file or already stored.
///
/// Every line is checked before anything is written; one bad line (reported as
/// `line N: field: reason`) means nothing is written. Then everything is written
/// in ONE transaction, across tenants: all or nothing. With --batch N, a
/// transaction commits every N rows (entities first, then embeddings), so a
/// failure leaves the batches before it committed, as the output says.
#[derive(clap::Args)]
pub struct Args {
    /// The JSON Lines file, or `-` for standard input.
    file: PathBuf,
    /// Commit every N rows instead of once at the end.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batch: Option<u64>,
}

/// Reads and checks the whole file before connecting (a malformed file
/// never starts a server), then writes it.
pub async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    // The configuration first, as for every verb: its note and its errors
    // come before the file's.
    cx.config()?;
    let records = parse::read(&args.file)?;
    cx.with_database_json(async |db, out| write::write(db, records, args.batch, out).await)
        .await
}

/// The model name stored when a line gives none (the schema's default).
const DEFAULT_MODEL: &str = "text-embedding-3-small";

/// Rows per statement inside a transaction (and per progress step).
const CHUNK: usize = 1000;

/// Most malformed lines listed before giving up.
const MAX_REPORTED: usize = 20;

/// One embedding to store, with the line it came from.
struct Emb {
    line: usize,
    tenant: String,
    row: NewEmbedding,
}

/// What a file holds once every line parsed.
pub struct Records {
    source: String,
    /// Claims and evidence (with their line and tenant), in file order.
    claims: Vec<(usize, String, Uuid, NewClaim)>,
    evidence: Vec<(usize, String, Uuid, NewEvidence)>,
    /// Inline embeddings first (file order), then `"kind":"embedding"` lines.
    embeddings: Vec<Emb>,
}

/// Prints the malformed lines and fails when there are any.
fn fail_on(errors: Vec<String>, source: &str) -> anyhow::Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    // Always printed, -q or not: these are the error.
    for e in errors.iter().take(MAX_REPORTED) {
        eprintln!("{e}");
    }
    if errors.len() > MAX_REPORTED {
        eprintln!("… and {} more", errors.len() - MAX_REPORTED);
    }
    anyhow::bail!(
        "load: {} malformed line{} in {source} ({}); nothing was written",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        errors[0]
    )
}

/// Sorts `line N: …` messages by N.
fn sort_by_line(errors: &mut [String]) {
    errors.sort_by_key(|l| {
        l.split(':')
            .next()
            .and_then(|s| s.trim_start_matches("line ").parse::<usize>().ok())
    });
}

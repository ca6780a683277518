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

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use serde_json::{Map, Value, json};
use truthgraph_db::{
    Database, EntityType, Error, NewClaim, NewEmbedding, NewEvidence, OnConflict, pgvector::Vector,
};
use uuid::Uuid;

use crate::context::Context;
use crate::output::Output;

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
    let records = read(&args.file)?;
    cx.with_database_json(async |db, out| write(db, records, args.batch, out).await)
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

/// Reads and checks every line of `file` (`-`: stdin) that needs no
/// database. Malformed lines are printed to stderr as `line N: field:
/// reason`; then it fails, before anything is written.
///
/// # Errors
/// The file cannot be read, or some lines are malformed.
pub fn read(file: &Path) -> anyhow::Result<Records> {
    let (source, reader): (String, Box<dyn BufRead>) = if file.as_os_str() == "-" {
        ("standard input".into(), Box::new(std::io::stdin().lock()))
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("load: {}", file.display()))?;
        (
            file.display().to_string(),
            Box::new(std::io::BufReader::new(f)),
        )
    };
    let mut records = Records {
        source,
        claims: Vec::new(),
        evidence: Vec::new(),
        embeddings: Vec::new(),
    };
    let mut standalone = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let n = i + 1;
        let line = line.with_context(|| format!("load: reading line {n} of {}", records.source))?;
        if line.trim().is_empty() {
            continue;
        }
        if let Err((field, reason)) = parse_line(n, &line, &mut records, &mut standalone) {
            errors.push(format!("line {n}: {field}: {reason}"));
        }
    }
    records.embeddings.extend(standalone);
    errors.extend(duplicates(&records));
    fail_on(errors, &records.source)?;
    Ok(records)
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

type Bad = (String, String);

fn bad(field: &str, reason: impl Into<String>) -> Bad {
    (field.to_string(), reason.into())
}

/// Parses one line into `records` (or `standalone` for embedding lines).
fn parse_line(
    n: usize,
    line: &str,
    records: &mut Records,
    standalone: &mut Vec<Emb>,
) -> Result<(), Bad> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| bad("line", format!("not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(bad("line", "not a JSON object"));
    };
    let kind = string(&obj, "kind")?.ok_or_else(|| bad("kind", "missing"))?;
    let tenant = string(&obj, "tenant_id")?.ok_or_else(|| bad("tenant_id", "missing"))?;
    checked("tenant_id", truthgraph_db::validate::tenant(&tenant))?;
    let allowed: &[&str] = match kind.as_str() {
        "claim" => &[
            "text",
            "source_url",
            "id",
            "embedding",
            "model_name",
            "model_version",
        ],
        "evidence" => &[
            "content",
            "source_url",
            "source_type",
            "id",
            "embedding",
            "model_name",
            "model_version",
        ],
        "embedding" => &[
            "entity_type",
            "entity_id",
            "embedding",
            "model_name",
            "model_version",
        ],
        other => {
            return Err(bad(
                "kind",
                format!("{other:?} is not one of \"claim\", \"evidence\", \"embedding\""),
            ));
        }
    };
    if let Some(unknown) = obj
        .keys()
        .find(|k| !["kind", "tenant_id"].contains(&k.as_str()) && !allowed.contains(&k.as_str()))
    {
        return Err(bad(unknown, format!("unknown field for a {kind} record")));
    }
    let vector = vector(&obj)?;
    let model = |vector_given: bool| -> Result<(String, Option<String>), Bad> {
        let name = string(&obj, "model_name")?;
        let version = string(&obj, "model_version")?;
        if !vector_given && (name.is_some() || version.is_some()) {
            return Err(bad(
                if name.is_some() {
                    "model_name"
                } else {
                    "model_version"
                },
                "given without an embedding",
            ));
        }
        let name = name.unwrap_or_else(|| DEFAULT_MODEL.to_string());
        checked(
            "model_name",
            truthgraph_db::validate::model_name("model_name", &name),
        )?;
        checked(
            "model_version",
            truthgraph_db::validate::version("model_version", version.as_deref()),
        )?;
        Ok((name, version))
    };
    let inline = |entity_type, id, v: Option<Vector>, records: &mut Records| -> Result<(), Bad> {
        if let Some(embedding) = v {
            let (model_name, model_version) = model(true)?;
            records.embeddings.push(Emb {
                line: n,
                tenant: tenant.clone(),
                row: NewEmbedding {
                    entity_type,
                    entity_id: id,
                    embedding,
                    model_name,
                    model_version,
                },
            });
        } else {
            model(false)?;
        }
        Ok(())
    };
    match kind.as_str() {
        "claim" => {
            let id = uuid(&obj, "id")?;
            let row = NewClaim {
                text: string(&obj, "text")?.ok_or_else(|| bad("text", "missing"))?,
                source_url: string(&obj, "source_url")?,
            };
            checked_row(row.validate(0))?;
            inline(EntityType::Claim, id, vector, records)?;
            records.claims.push((n, tenant.clone(), id, row));
        }
        "evidence" => {
            let id = uuid(&obj, "id")?;
            let row = NewEvidence {
                content: string(&obj, "content")?.ok_or_else(|| bad("content", "missing"))?,
                source_url: string(&obj, "source_url")?,
                source_type: string(&obj, "source_type")?,
            };
            checked_row(row.validate(0))?;
            inline(EntityType::Evidence, id, vector, records)?;
            records.evidence.push((n, tenant.clone(), id, row));
        }
        _ => {
            let entity_type: EntityType = string(&obj, "entity_type")?
                .ok_or_else(|| bad("entity_type", "missing"))?
                .parse()
                .map_err(|_| bad("entity_type", "must be \"claim\" or \"evidence\""))?;
            let entity_id = uuid(&obj, "entity_id")?;
            let embedding = vector.ok_or_else(|| bad("embedding", "missing"))?;
            let (model_name, model_version) = model(true)?;
            standalone.push(Emb {
                line: n,
                tenant: tenant.clone(),
                row: NewEmbedding {
                    entity_type,
                    entity_id,
                    embedding,
                    model_name,
                    model_version,
                },
            });
        }
    }
    Ok(())
}

/// A string field: `None` when absent or null.
fn string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Bad> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(bad(field, format!("expected a string, got {other}"))),
    }
}

fn uuid(obj: &Map<String, Value>, field: &str) -> Result<Uuid, Bad> {
    let s = string(obj, field)?.ok_or_else(|| bad(field, "missing"))?;
    Uuid::parse_str(&s).map_err(|e| bad(field, format!("{s:?} is not a UUID: {e}")))
}

/// The `embedding` array, if any (its dimension is checked once the
/// database's is known).
fn vector(obj: &Map<String, Value>) -> Result<Option<Vector>, Bad> {
    let Some(v) = obj.get("embedding") else {
        return Ok(None);
    };
    let Value::Array(items) = v else {
        return Err(bad("embedding", "expected an array of numbers"));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        let x = x
            .as_f64()
            .ok_or_else(|| bad(&format!("embedding[{i}]"), format!("{x} is not a number")))?;
        out.push(x as f32);
    }
    Ok(Some(Vector::from(out)))
}

/// A library validation of one field, reported under `field`.
fn checked(field: &str, r: truthgraph_db::Result<()>) -> Result<(), Bad> {
    r.map_err(|e| match e {
        Error::InvalidInput { reason, .. } => bad(field, reason),
        other => bad(field, other.to_string()),
    })
}

/// A row validated as `rows[0]`: reported under the bare field name.
fn checked_row(r: truthgraph_db::Result<()>) -> Result<(), Bad> {
    r.map_err(|e| match e {
        Error::InvalidInput { field, reason, .. } => {
            bad(field.strip_prefix("rows[0].").unwrap_or(&field), reason)
        }
        other => bad("line", other.to_string()),
    })
}

/// Ids named twice in the file: a claim or evidence id, or an entity's
/// embedding.
fn duplicates(r: &Records) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen: HashMap<(&str, Uuid), usize> = HashMap::new();
    let entities = r
        .claims
        .iter()
        .map(|(n, _, id, _)| ("claims", *n, *id))
        .chain(r.evidence.iter().map(|(n, _, id, _)| ("evidence", *n, *id)));
    for (table, n, id) in entities {
        if let Some(first) = seen.insert((table, id), n) {
            errors.push(format!("line {n}: id: {id} is also the id on line {first}"));
        }
    }
    let mut seen: HashMap<(&str, EntityType, Uuid), usize> = HashMap::new();
    for e in &r.embeddings {
        let key = (e.tenant.as_str(), e.row.entity_type, e.row.entity_id);
        if let Some(first) = seen.insert(key, e.line) {
            errors.push(format!(
                "line {}: entity_id: {} {} already gets an embedding on line {first}",
                e.line, e.row.entity_type, e.row.entity_id
            ));
        }
    }
    errors.sort_by_key(|l| {
        l.split(':')
            .next()
            .and_then(|s| s.trim_start_matches("line ").parse::<usize>().ok())
    });
    errors
}

/// What one unit of writing is: a row of a table for a tenant.
#[derive(Clone, Copy)]
enum Unit {
    Claim(usize),
    Evidence(usize),
    Embedding(usize),
}

/// Checks what needs the database (vector dimensions, entities of
/// embeddings not in the file), then writes: one transaction, or one per
/// `batch` rows.
///
/// # Errors
/// Lines that fail those checks (nothing written), or the server refusing a
/// write (nothing written, or with `--batch` the batches before it stay).
pub async fn write(
    db: &Database,
    records: Records,
    batch: Option<u64>,
    out: &Output,
) -> anyhow::Result<()> {
    let dimension = db.embedding_dimension().await?;
    let mut errors = Vec::new();
    for e in &records.embeddings {
        if let Err(Error::InvalidInput { reason, .. }) = e.row.validate(0, dimension) {
            errors.push(format!("line {}: embedding: {reason}", e.line));
        }
    }
    errors.extend(missing_entities(db, &records).await?);
    fail_on(errors, &records.source)?;

    // Entities first, then embeddings: a batch never holds an embedding
    // whose entity comes in a later batch.
    let units: Vec<Unit> = (0..records.claims.len())
        .map(Unit::Claim)
        .chain((0..records.evidence.len()).map(Unit::Evidence))
        .chain((0..records.embeddings.len()).map(Unit::Embedding))
        .collect();
    let total = units.len() as u64;
    let size = batch.map_or(units.len().max(1), |b| b as usize);
    let batches: Vec<&[Unit]> = units.chunks(size).collect();
    let mut progress = out.progress("rows", total);
    let started = Instant::now();
    let mut committed = 0u64;
    for (b, units) in batches.iter().enumerate() {
        if let Err(e) = write_batch(db, &records, units, &mut progress).await {
            let what = if batch.is_none() {
                "nothing was written".to_string()
            } else if committed == 0 {
                format!("batch 1 of {} failed; nothing was written", batches.len())
            } else {
                format!(
                    "batch {} of {} failed; batches 1-{b} ({committed} rows) were committed, nothing after",
                    b + 1,
                    batches.len()
                )
            };
            return Err(e.context(format!("load: {what}")));
        }
        committed += units.len() as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = total as f64 / seconds.max(1e-9);
    let transactions = batches.len();
    if out.json {
        out.json(&json!({
            "source": records.source,
            "claims": records.claims.len(),
            "evidence": records.evidence.len(),
            "embeddings": records.embeddings.len(),
            "rows": total,
            "seconds": seconds,
            "rows_per_second": rate,
            "transactions": transactions,
            "batch": batch,
        }));
    } else {
        let how = match batch {
            None => "in one transaction".to_string(),
            Some(n) => format!("in {transactions} transactions of at most {n} rows (--batch {n})"),
        };
        println!(
            "load: {} claims, {} evidence, {} embeddings ({total} rows) from {} {how}, in {seconds:.2} s: {rate:.0} rows/s",
            records.claims.len(),
            records.evidence.len(),
            records.embeddings.len(),
            records.source
        );
    }
    Ok(())
}

/// One transaction: per tenant, claims, evidence, then embeddings, in
/// statements of at most [`CHUNK`] rows.
async fn write_batch(
    db: &Database,
    r: &Records,
    units: &[Unit],
    progress: &mut crate::output::Progress,
) -> anyhow::Result<()> {
    let mut claims: BTreeMap<&str, Vec<(Uuid, NewClaim)>> = BTreeMap::new();
    let mut evidence: BTreeMap<&str, Vec<(Uuid, NewEvidence)>> = BTreeMap::new();
    let mut embeddings: BTreeMap<&str, Vec<&Emb>> = BTreeMap::new();
    for u in units {
        match *u {
            Unit::Claim(i) => {
                let (_, t, id, row) = &r.claims[i];
                claims.entry(t).or_default().push((*id, row.clone()));
            }
            Unit::Evidence(i) => {
                let (_, t, id, row) = &r.evidence[i];
                evidence.entry(t).or_default().push((*id, row.clone()));
            }
            Unit::Embedding(i) => {
                let e = &r.embeddings[i];
                embeddings.entry(&e.tenant).or_default().push(e);
            }
        }
    }
    let mut client = db.client().await?;
    let tx = client.transaction().await?;
    for (tenant, rows) in &claims {
        let t = db.tenant(tenant)?;
        for chunk in rows.chunks(CHUNK) {
            t.insert_claims_in(&tx, chunk)
                .await
                .map_err(|e| at_line(e, |i| r_line_claim(r, tenant, chunk, i)))?;
            progress.advance(chunk.len() as u64);
        }
    }
    for (tenant, rows) in &evidence {
        let t = db.tenant(tenant)?;
        for chunk in rows.chunks(CHUNK) {
            t.insert_evidence_many_in(&tx, chunk)
                .await
                .map_err(|e| at_line(e, |i| r_line_evidence(r, tenant, chunk, i)))?;
            progress.advance(chunk.len() as u64);
        }
    }
    for (tenant, rows) in &embeddings {
        let t = db.tenant(tenant)?;
        for chunk in rows.chunks(CHUNK) {
            let batch: Vec<NewEmbedding> = chunk.iter().map(|e| e.row.clone()).collect();
            t.bulk_load_embeddings_in(&tx, &batch, OnConflict::Fail)
                .await
                .map_err(|e| at_line(e, |i| chunk.get(i).map(|e| e.line)))?;
            progress.advance(chunk.len() as u64);
        }
    }
    tx.commit().await?;
    Ok(())
}

fn r_line_claim(r: &Records, tenant: &str, chunk: &[(Uuid, NewClaim)], i: usize) -> Option<usize> {
    let id = chunk.get(i)?.0;
    r.claims
        .iter()
        .find(|(_, t, cid, _)| t == tenant && *cid == id)
        .map(|(n, ..)| *n)
}

fn r_line_evidence(
    r: &Records,
    tenant: &str,
    chunk: &[(Uuid, NewEvidence)],
    i: usize,
) -> Option<usize> {
    let id = chunk.get(i)?.0;
    r.evidence
        .iter()
        .find(|(_, t, eid, _)| t == tenant && *eid == id)
        .map(|(n, ..)| *n)
}

/// A library error naming `rows[i].field` becomes `line N: field: reason`.
fn at_line(e: Error, line: impl Fn(usize) -> Option<usize>) -> anyhow::Error {
    if let Error::InvalidInput { field, reason, .. } = &e
        && let Some((i, rest)) = field
            .strip_prefix("rows[")
            .and_then(|f| f.split_once("]."))
            .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
        && let Some(n) = line(i)
    {
        return anyhow::anyhow!("line {n}: {rest}: {reason}");
    }
    anyhow::Error::new(e)
}

/// Embedding lines whose entity is neither in the file nor stored for the
/// tenant.
async fn missing_entities(db: &Database, r: &Records) -> anyhow::Result<Vec<String>> {
    let in_file: std::collections::HashSet<(&str, EntityType, Uuid)> = r
        .claims
        .iter()
        .map(|(_, t, id, _)| (t.as_str(), EntityType::Claim, *id))
        .chain(
            r.evidence
                .iter()
                .map(|(_, t, id, _)| (t.as_str(), EntityType::Evidence, *id)),
        )
        .collect();
    let mut wanted: HashMap<(&str, EntityType), Vec<&Emb>> = HashMap::new();
    for e in &r.embeddings {
        let key = (e.tenant.as_str(), e.row.entity_type, e.row.entity_id);
        if !in_file.contains(&key) {
            wanted
                .entry((e.tenant.as_str(), e.row.entity_type))
                .or_default()
                .push(e);
        }
    }
    let mut errors = Vec::new();
    for ((tenant, entity_type), embs) in wanted {
        let t = db.tenant(tenant)?;
        let mut stored = std::collections::HashSet::new();
        for chunk in embs.chunks(CHUNK) {
            let ids: Vec<Uuid> = chunk.iter().map(|e| e.row.entity_id).collect();
            match entity_type {
                EntityType::Claim => stored.extend(t.get_claims(&ids).await?.iter().map(|c| c.id)),
                EntityType::Evidence => {
                    stored.extend(t.get_evidence_many(&ids).await?.iter().map(|e| e.id))
                }
            }
        }
        for e in embs {
            if !stored.contains(&e.row.entity_id) {
                errors.push(format!(
                    "line {}: entity_id: no {entity_type} {} of tenant {tenant:?} in the file or the database",
                    e.line, e.row.entity_id
                ));
            }
        }
    }
    errors.sort_by_key(|l| {
        l.split(':')
            .next()
            .and_then(|s| s.trim_start_matches("line ").parse::<usize>().ok())
    });
    Ok(errors)
}

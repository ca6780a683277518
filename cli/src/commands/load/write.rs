//! Writing a file that parsed: the checks that need the database, then the
//! rows through the library's batch paths, one transaction per batch.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::json;
use truthgraph_db::{Database, EntityType, Error, NewClaim, NewEmbedding, NewEvidence, OnConflict};
use uuid::Uuid;

use super::{CHUNK, Emb, Records, fail_on, sort_by_line};
use crate::output::{Output, Progress};

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
    progress: &mut Progress,
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
    sort_by_line(&mut errors);
    Ok(errors)
}

//! Reading a file: every line parsed and checked as far as it can be
//! without the database, by the library's own validation.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use anyhow::Context as _;
use serde_json::{Map, Value};
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{EntityType, Error, NewClaim, NewEmbedding, NewEvidence};
use uuid::Uuid;

use super::{DEFAULT_MODEL, Emb, Records, fail_on, sort_by_line};

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
    sort_by_line(&mut errors);
    errors
}

//! After the run: acknowledged writes against stored rows, and the report.

use std::collections::HashSet;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use truthgraph_db::Database;
use uuid::Uuid;

use super::{Acked, Counts, MODEL_REPLACED, TABLES, TenantSeed};

/// Acknowledged against stored, per table.
pub struct Writes {
    /// Per table: seeded, acknowledged, in doubt, stored.
    pub tables: Vec<Value>,
    /// Rows acknowledged by the run.
    pub acknowledged: i64,
    /// Acknowledged rows not found.
    pub lost: i64,
    /// Rows stored beyond seeded + acknowledged + in doubt.
    pub extra: i64,
    /// Replaced embeddings: acknowledged (distinct), in doubt, stored as replaced.
    pub replaced: (i64, i64, i64),
}

/// Counts the rows per tenant and table and looks up every acknowledged id;
/// pushes a finding for each mismatch.
pub async fn compare(
    db: &Database,
    tenants: &[TenantSeed],
    before: &Counts,
    acked: &[Acked],
    failures: &mut Vec<String>,
) -> anyhow::Result<Writes> {
    let after = count_rows(db).await?;
    let mut writes = Vec::new();
    let (mut lost_total, mut extra_total, mut acked_total) = (0i64, 0i64, 0i64);
    for table in TABLES {
        let (mut seeded_n, mut acked_n, mut stored_n, mut doubt_n) = (0, 0, 0, 0);
        for (t, seed) in tenants.iter().enumerate() {
            let key = (seed.name.clone(), table);
            let (b, a) = (
                before.get(&key).copied().unwrap_or(0),
                after.get(&key).copied().unwrap_or(0),
            );
            let ack = acked[t].rows(table);
            let doubt = acked[t].in_doubt.get(table).copied().unwrap_or(0);
            if a < b + ack {
                failures.push(format!(
                    "{table} of {}: {a} rows stored, {b} seeded + {ack} acknowledged",
                    seed.name
                ));
            } else if a > b + ack + doubt {
                failures.push(format!(
                    "{table} of {}: {a} rows stored, only {b} seeded + {ack} acknowledged \
                     (+ {doubt} in doubt)",
                    seed.name
                ));
                extra_total += a - (b + ack + doubt);
            }
            seeded_n += b;
            acked_n += ack;
            stored_n += a;
            doubt_n += doubt;
        }
        acked_total += acked_n;
        writes.push(
            json!({ "table": table, "seeded": seeded_n, "acknowledged": acked_n,
            "in_doubt": doubt_n, "stored": stored_n }),
        );
    }
    // Every acknowledged id once, and stored as what and whose it was.
    let mut replaced_totals = (0i64, 0i64, 0i64);
    for (t, seed) in tenants.iter().enumerate() {
        let a = &acked[t];
        for (what, ids) in [
            ("evidence", &a.evidence),
            ("embeddings", &a.embeddings),
            ("nli_results", &a.nli),
            ("verification_results", &a.verification),
        ] {
            let distinct = ids.iter().collect::<HashSet<_>>().len();
            if distinct != ids.len() {
                failures.push(format!(
                    "{what} of {}: {} ids acknowledged twice",
                    seed.name,
                    ids.len() - distinct
                ));
            }
            let found = stored_ids(db, what, &seed.name, ids).await?;
            if found != distinct as i64 {
                lost_total += distinct as i64 - found;
                failures.push(format!(
                    "{what} of {}: {} acknowledged rows not found",
                    seed.name,
                    distinct as i64 - found
                ));
            }
        }
        let replaced = a.replaced.iter().collect::<HashSet<_>>().len() as i64;
        let doubt = a.in_doubt.get("replaced").copied().unwrap_or(0);
        let found = replaced_embeddings(db, &seed.name).await?;
        replaced_totals.0 += replaced;
        replaced_totals.1 += doubt;
        replaced_totals.2 += found;
        if found < replaced || found > replaced + doubt {
            failures.push(format!(
                "embeddings of {}: {replaced} replaced (acknowledged) but {found} stored as replaced",
                seed.name,
            ));
        }
    }

    Ok(Writes {
        tables: writes,
        acknowledged: acked_total,
        lost: lost_total,
        extra: extra_total,
        replaced: replaced_totals,
    })
}

// Load-test-only SQL: row counts per tenant and lookups of acknowledged ids,
// on the scratch database, to check what the library's calls acknowledged.
// NLI, verification and verdict rows belong to the tenant of their claim.
const COUNT_ROWS: &str = "\
    SELECT tenant_id::text, 'claims', count(*) FROM claims GROUP BY 1 UNION ALL \
    SELECT tenant_id::text, 'evidence', count(*) FROM evidence GROUP BY 1 UNION ALL \
    SELECT tenant_id::text, 'embeddings', count(*) FROM embeddings GROUP BY 1 UNION ALL \
    SELECT c.tenant_id::text, 'nli_results', count(*) FROM nli_results n \
        JOIN claims c ON c.id = n.claim_id GROUP BY 1 UNION ALL \
    SELECT c.tenant_id::text, 'verification_results', count(*) FROM verification_results v \
        JOIN claims c ON c.id = v.claim_id GROUP BY 1 UNION ALL \
    SELECT c.tenant_id::text, 'verdicts', count(*) FROM verdicts v \
        JOIN claims c ON c.id = v.claim_id GROUP BY 1 UNION ALL \
    SELECT c.tenant_id::text, 'verdict_evidence', count(*) FROM verdict_evidence ve \
        JOIN verdicts v ON v.id = ve.verdict_id JOIN claims c ON c.id = v.claim_id GROUP BY 1";

/// Rows per tenant and table.
pub async fn count_rows(db: &Database) -> anyhow::Result<Counts> {
    let client = db.client().await?;
    let mut counts = Counts::new();
    for row in client.query(COUNT_ROWS, &[]).await? {
        let table: String = row.get(1);
        let table = TABLES
            .iter()
            .copied()
            .find(|t| *t == table)
            .context("unknown table in the row counts")?;
        counts.insert((row.get(0), table), row.get(2));
    }
    Ok(counts)
}

/// How many of `ids` are stored in `table` as rows of `tenant`.
async fn stored_ids(db: &Database, table: &str, tenant: &str, ids: &[Uuid]) -> anyhow::Result<i64> {
    let sql = match table {
        "evidence" => "SELECT count(*) FROM evidence WHERE tenant_id = $1 AND id = ANY($2)",
        "embeddings" => {
            "SELECT count(*) FROM embeddings WHERE tenant_id = $1 AND entity_type = 'evidence' \
             AND entity_id = ANY($2)"
        }
        "nli_results" => {
            "SELECT count(*) FROM nli_results n JOIN claims c ON c.id = n.claim_id \
             WHERE c.tenant_id = $1 AND n.id = ANY($2)"
        }
        "verification_results" => {
            "SELECT count(*) FROM verification_results v JOIN claims c ON c.id = v.claim_id \
             WHERE c.tenant_id = $1 AND v.id = ANY($2)"
        }
        other => bail!("no id lookup for {other}"),
    };
    let client = db.client().await?;
    Ok(client.query_one(sql, &[&tenant, &ids]).await?.get(0))
}

/// Embeddings of `tenant` stored with the replacing model name.
async fn replaced_embeddings(db: &Database, tenant: &str) -> anyhow::Result<i64> {
    let client = db.client().await?;
    Ok(client
        .query_one(
            "SELECT count(*) FROM embeddings WHERE tenant_id = $1 AND model_name = $2",
            &[&tenant, &MODEL_REPLACED],
        )
        .await?
        .get(0))
}

/// The report as markdown tables on stdout.
pub fn print_report(r: &Value) {
    let tenants: Vec<String> = r["tenants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            format!(
                "{} {}/{}",
                t["tenant"].as_str().unwrap_or("?"),
                t["evidence"],
                t["claims"]
            )
        })
        .collect();
    println!(
        "load test: {} tasks for {} s (ran {} s), pool of {} connections (at most {} callers waiting), \
         {}; tenants (evidence/claims): {}; PostgreSQL {}, pgvector {}, fsync={}, synchronous_commit={}",
        r["tasks"],
        r["seconds"],
        r["elapsed_s"],
        r["pool_max_size"],
        r["pool_max_waiting"],
        r["dataset"].as_str().unwrap_or("?"),
        tenants.join(", "),
        r["server"]["version"]
            .as_str()
            .unwrap_or("?")
            .split_whitespace()
            .next()
            .unwrap_or("?"),
        r["server"]["pgvector"].as_str().unwrap_or("?"),
        r["server"]["fsync"].as_str().unwrap_or("?"),
        r["server"]["synchronous_commit"].as_str().unwrap_or("?"),
    );
    println!();
    println!(
        "| operation | ops | ops/s | p50 ms | p99 ms | max ms | errors | connection errors (--chaos) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let row = |name: &str, o: &Value| {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            o["ops"],
            o["ops_per_s"],
            o["p50_ms"],
            o["p99_ms"],
            o["max_ms"],
            o["errors"],
            o["connection_errors"]
        );
    };
    for o in r["ops"].as_array().into_iter().flatten() {
        row(o["kind"].as_str().unwrap_or("?"), o);
        for m in o["error_messages"].as_array().into_iter().flatten() {
            println!("|   error: {} | | | | | | | |", m.as_str().unwrap_or("?"));
        }
    }
    row("**total**", &r["total"]);
    println!();
    println!("| table | seeded | acknowledged | in doubt | stored |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for w in r["writes"].as_array().into_iter().flatten() {
        println!(
            "| {} | {} | {} | {} | {} |",
            w["table"].as_str().unwrap_or("?"),
            w["seeded"],
            w["acknowledged"],
            w["in_doubt"],
            w["stored"]
        );
    }
    let rep = &r["embeddings_replaced"];
    println!(
        "| embeddings replaced in place (distinct) | – | {} | {} | {} |",
        rep["acknowledged"], rep["in_doubt"], rep["stored"]
    );
    println!();
    if r["passed"] == true {
        let chaos = match r["total"]["connection_errors"].as_u64().unwrap_or(0) {
            0 => String::new(),
            n => format!(" ({n} connection errors under --chaos, their writes in doubt)"),
        };
        println!(
            "zero errors{chaos}, zero lost writes: every one of {} acknowledged rows stored \
             exactly once, no row stored that was neither acknowledged nor in doubt",
            r["acknowledged_rows"]
        );
    } else {
        for f in r["failures"].as_array().into_iter().flatten() {
            println!("FAILED: {}", f.as_str().unwrap_or("?"));
        }
    }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;

//! `truthgraph-db doctor`: every check an operator should run before
//! trusting a database, each finding with what to do about it. It reuses what
//! `status` and `inspect` compute (`Database::status`, `tuning_advice`,
//! `orphan_embeddings`, `stored_settings`) plus the server settings query.
//! The checks, in the order they are reported: the server, pgvector and
//! migrations ([`versions`]); which host is the primary and whether
//! replication is synchronous ([`replication`]); the vector indexes and the
//! memory they need ([`indexes`]); the search tiers and their builds' memory
//! ([`tiers`]); tuned settings, vector storage, orphans, the pool and
//! timeouts ([`operations`]).
//!
//! Exit status: 0 all checks pass, 3 warnings only, 4 at least one error.

use std::collections::HashMap;

use serde_json::{Value, json};
use truthgraph_db::Database;
use truthgraph_db::migrate::SchemaStatus;

use crate::context::Context;
use crate::output::Output;

mod indexes;
mod operations;
mod replication;
mod tiers;
mod versions;

/// Check the server, pgvector, migrations, indexes, settings and data; say what to do about each finding.
///
/// Exit status 0 when every check passes, 3 with warnings only, 4 with at least one error.
#[derive(clap::Args)]
pub struct Args {}

/// Runs every check, prints the findings, returns the exit status.
pub async fn run(_: Args, cx: &Context) -> anyhow::Result<u8> {
    cx.with_database_json(async |db, out| doctor(db, out).await)
        .await
}

async fn doctor(db: &Database, out: &Output) -> anyhow::Result<u8> {
    let mut f = Findings::default();
    let status = db.status().await?;
    let settings = Settings(
        db.server_settings()
            .await?
            .into_iter()
            .map(|s| (s.name, (s.setting, s.unit, s.pretty)))
            .collect(),
    );
    versions::check(&mut f, &status, &settings);
    replication::check(&mut f, &db.replication().await?);
    let Some(dimension) = status.dimension else {
        return report(f, out, &status, db);
    };
    let live_rows: HashMap<String, i64> = db
        .table_sizes()
        .await?
        .into_iter()
        .map(|t| (t.table_name, t.live_rows))
        .collect();
    // Rows of `embeddings`.
    let rows = *live_rows.get("embeddings").unwrap_or(&0);
    indexes::check(&mut f, db, &status, &settings, rows, dimension);
    tiers::check(&mut f, db, &settings, dimension).await;
    operations::check(&mut f, db, &settings, rows, dimension).await?;
    report(f, out, &status, db)
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One check's outcome.
struct Finding {
    check: &'static str,
    level: Level,
    summary: String,
    /// What to do (`None` when nothing needs doing).
    action: Option<String>,
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn ok(&mut self, check: &'static str, summary: impl Into<String>) {
        self.push(check, Level::Ok, summary, None::<String>);
    }
    fn warn(&mut self, check: &'static str, summary: impl Into<String>, action: impl Into<String>) {
        self.push(check, Level::Warn, summary, Some(action));
    }
    fn error(
        &mut self,
        check: &'static str,
        summary: impl Into<String>,
        action: impl Into<String>,
    ) {
        self.push(check, Level::Error, summary, Some(action));
    }
    fn push(
        &mut self,
        check: &'static str,
        level: Level,
        summary: impl Into<String>,
        action: Option<impl Into<String>>,
    ) {
        self.0.push(Finding {
            check,
            level,
            summary: summary.into(),
            action: action.map(Into::into),
        });
    }
}

/// The server's settings by name: (value, unit, as shown).
struct Settings(HashMap<String, (String, Option<String>, String)>);

impl Settings {
    /// A memory setting in bytes.
    fn bytes(&self, name: &str) -> Option<i64> {
        let (value, unit, _) = self.0.get(name)?;
        let n: i64 = value.parse().ok()?;
        Some(n * unit_bytes(unit.as_deref()))
    }

    /// The value as stored (`None`: not a setting of this server).
    fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|s| s.0.as_str())
    }

    fn int(&self, name: &str) -> Option<i64> {
        self.0.get(name)?.0.parse().ok()
    }

    /// As the server shows it (`128MB`), `?` when unknown.
    fn pretty(&self, name: &str) -> String {
        self.0.get(name).map_or_else(|| "?".into(), |s| s.2.clone())
    }
}

/// Bytes per unit of a `pg_settings` unit (`8kB`, `kB`, `MB`; 1 for none).
fn unit_bytes(unit: Option<&str>) -> i64 {
    match unit {
        Some("B") => 1,
        Some("kB") => 1024,
        Some("8kB") => 8192,
        Some("MB") => 1 << 20,
        Some("16MB") => 16 << 20,
        Some("GB") => 1 << 30,
        _ => 1,
    }
}

/// Prints the findings and returns the exit status.
fn report(f: Findings, out: &Output, status: &SchemaStatus, db: &Database) -> anyhow::Result<u8> {
    let worst = f.0.iter().map(|x| x.level).max().unwrap_or(Level::Ok);
    let code = match worst {
        Level::Ok => 0,
        Level::Warn => 3,
        Level::Error => 4,
    };
    let count = |l: Level| f.0.iter().filter(|x| x.level == l).count();
    if out.json {
        out.json(&json!({
            "status": worst.as_str(),
            "exit_code": code,
            "server_version": status.server_version,
            "pgvector_version": status.pgvector_version,
            "pgvector_available": status.pgvector_available,
            "migration_version": status.current_version(),
            "dimension": status.dimension,
            "embedded": db.is_embedded(),
            "findings": f.0.iter().map(|x| json!({
                "check": x.check,
                "status": x.level.as_str(),
                "summary": x.summary,
                "action": x.action,
            })).collect::<Vec<Value>>(),
        }));
        return Ok(code);
    }
    for x in &f.0 {
        let tag = match x.level {
            Level::Ok => "ok   ",
            Level::Warn => "WARN ",
            Level::Error => "ERROR",
        };
        println!("{tag} {:<20} {}", x.check, x.summary);
        if let Some(a) = &x.action {
            println!("      {:<20} -> {a}", "");
        }
    }
    println!(
        "\ndoctor: {} ok, {} warnings, {} errors (exit status {code})",
        count(Level::Ok),
        count(Level::Warn),
        count(Level::Error)
    );
    Ok(code)
}

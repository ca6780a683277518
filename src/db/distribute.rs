//! `truthgraph-db distribute`: a migrated database on a Citus coordinator
//! made distributed, with its data (docs/scaling.md).
//!
//! Every tenant table is hash-distributed by `tenant_id` and co-located with
//! `claims` (a tenant's rows of every table in shards on the same worker, so
//! its joins and foreign keys stay on one node); the shared tables
//! (`truthgraph_settings`, and `truthgraph_tiers` where a migration made it)
//! become reference tables, a copy on every node. Before that, in the same
//! transaction, V12's single-node bridges go ([`raw_sql::DISTRIBUTE_PREPARE`]).
//! Citus copies the rows into the shards; the coordinator's local copy is
//! then truncated. Citus is AGPL-3.0: a server this library talks to, never
//! linked.

use std::time::{Duration, Instant};

use super::Database;
use crate::catalog;
use crate::error::{Error, Result};
use crate::raw_sql;

/// The tenant tables, referenced ones first (a foreign key may only point at
/// a table already distributed); the first is the co-location anchor.
pub const TENANT_TABLES: [&str; 7] = [
    "claims",
    "evidence",
    "embeddings",
    "verdicts",
    "nli_results",
    "verification_results",
    "verdict_evidence",
];

/// Tables every node gets a copy of, when they exist.
pub const REFERENCE_TABLES: [&str; 2] = ["truthgraph_settings", "truthgraph_tiers"];

/// The first migration whose schema Citus accepts (V12, distributable by tenant).
pub const DISTRIBUTABLE_FROM: i32 = 12;

impl Database {
    /// Whether the database is on a Citus coordinator (the extension is
    /// installed; read at open and after schema changes): tenant calls then
    /// carry the tenant and the search settings to the workers as propagated
    /// `SET LOCAL`s (see `src/call/`).
    pub fn on_citus(&self) -> bool {
        self.citus.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Options of [`Database::distribute`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DistributeOptions {
    /// Shards per tenant table (`None`: Citus's `citus.shard_count`, 32 by default).
    pub shard_count: Option<u32>,
}

/// What [`Database::distribute`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributeReport {
    /// Hash-distributed by `tenant_id`, co-located with `claims`.
    pub distributed: Vec<String>,
    /// Made reference tables.
    pub reference: Vec<String>,
    /// Rows moved into the shards (every table).
    pub rows: i64,
    /// False when the database was distributed already (nothing done).
    pub changed: bool,
    /// How long it took.
    pub took: Duration,
}

impl Database {
    /// Distributes a database migrated to V12 or later on a Citus
    /// coordinator (workers added with `citus_add_node`), with its data, in
    /// one transaction; does nothing when `claims` is distributed already.
    ///
    /// After it, writers must send `tenant_id` (the fill triggers are gone)
    /// and upsert on `(tenant_id, entity_type, entity_id)`: docs/scaling.md.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `database`) without the Citus extension
    /// or before V12; database errors from Citus, the transaction rolled back.
    pub async fn distribute(&self, opts: &DistributeOptions) -> Result<DistributeReport> {
        let op = crate::telemetry::db_span!(self.telemetry(), "distribute");
        let opts = *opts;
        let started = Instant::now();
        let mut report = self
            .schema_command(op, async move |c| distribute(c, opts).await)
            .await?;
        report.took = started.elapsed();
        Ok(report)
    }
}

async fn distribute(
    c: &mut tokio_postgres::Client,
    opts: DistributeOptions,
) -> Result<DistributeReport> {
    if !catalog::has_citus(&*c).await? {
        return Err(Error::invalid(
            "database",
            "has no Citus extension: run CREATE EXTENSION citus on the coordinator and add the workers",
        ));
    }
    let version: i32 = c
        .query(raw_sql::SELECT_HISTORY, &[])
        .await
        .map(|rows| rows.iter().map(|r| r.get(0)).max().unwrap_or(0))
        .unwrap_or(0);
    if version < DISTRIBUTABLE_FROM {
        return Err(Error::invalid(
            "database",
            format!("is at migration V{version}: migrate to V{DISTRIBUTABLE_FROM} or later first"),
        ));
    }
    let managed: Vec<String> = c
        .query(raw_sql::CITUS_TABLES, &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut report = DistributeReport {
        distributed: Vec::new(),
        reference: Vec::new(),
        rows: 0,
        changed: false,
        took: Duration::ZERO,
    };
    if managed.iter().any(|t| t == TENANT_TABLES[0]) {
        return Ok(report);
    }
    let tx = c.transaction().await?;
    for sql in raw_sql::DISTRIBUTE_PREPARE {
        tx.batch_execute(sql).await?;
    }
    let mut moved = Vec::new();
    for table in REFERENCE_TABLES {
        if tx
            .query_one(raw_sql::TABLE_EXISTS, &[&table])
            .await?
            .get::<_, bool>(0)
        {
            tx.execute(raw_sql::CREATE_REFERENCE_TABLE, &[&table])
                .await?;
            report.reference.push(table.to_string());
            moved.push(table);
        }
    }
    let shards = opts.shard_count.map(|n| n as i32);
    for table in TENANT_TABLES {
        if table == TENANT_TABLES[0] {
            tx.execute(raw_sql::CREATE_DISTRIBUTED_TABLE, &[&table, &shards])
                .await?;
        } else {
            tx.execute(
                raw_sql::CREATE_COLOCATED_TABLE,
                &[&table, &TENANT_TABLES[0]],
            )
            .await?;
        }
        report.distributed.push(table.to_string());
        moved.push(table);
    }
    for table in moved {
        report.rows += tx
            .query_one(&raw_sql::count_rows(table), &[])
            .await?
            .get::<_, i64>(0);
        tx.execute(raw_sql::TRUNCATE_LOCAL_DATA, &[&table]).await?;
    }
    tx.commit().await?;
    report.changed = true;
    Ok(report)
}

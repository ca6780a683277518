//! Adopting a database that the Python stack created (Alembic's `stamp`,
//! Flyway's baseline).
//!
//! Such a database has the Phase 1 tables (from the old init script), perhaps
//! the Phase 2 tables (from Alembic), and no refinery history. [`adopt`]
//! compares it with what V1 (and V2) create, records the matching version as
//! applied without touching any row, then migrates forward.
//!
//! The reference schema is built by running V1/V2 into a scratch schema inside
//! a transaction that is rolled back, so the comparison always follows the
//! migration files and needs no extra privileges. Compared: every table and
//! column of the reference (column types without modifiers, so `vector(384)`
//! matches `vector(1536)`), every `idx_*` index, every trigger, and the
//! `update_updated_at_column()` function. Extra columns or indexes are allowed.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::Client;
use truthgraph_queries::client::{GenericClient, Params};
use truthgraph_queries::queries::catalog;

use super::history::{applied_migrations, embedded_migrations};
use super::lock::with_lock;
use super::run::{migrate_locked, stamp_locked};
use crate::catalog::{
    PHASE1_TABLES, PHASE2_TABLES, db_message, has_truthgraph_tables, schema_tables,
};
use crate::error::{Error, Result};
use crate::raw_sql;

const SCRATCH_SCHEMA: &str = "truthgraph_adopt_reference";

/// What [`adopt`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    /// The version recorded as applied without running it (0: none, the
    /// database was empty or already managed).
    pub recorded: i32,
    /// The versions then applied by migrating forward.
    pub applied: Vec<i32>,
    /// Remarks, e.g. extra columns kept as they are.
    pub notes: Vec<String>,
}

/// Adopts the database: detects a Python-created TruthGraph schema, checks it
/// against V1/V2, records that version as applied, and migrates to the latest
/// version. On an empty or already managed database it just migrates.
///
/// # Errors
/// [`Error::Adoption`] listing every difference when the database matches
/// neither V1 nor V2; nothing is written then.
pub async fn adopt(client: &mut Client) -> Result<Adoption> {
    with_lock(client, async |client| {
        let mut notes = Vec::new();
        let mut recorded = 0;
        if applied_migrations(client).await?.is_empty() && has_truthgraph_tables(client).await? {
            let present = schema_tables(client, "public").await?;
            let phase2: Vec<&str> = PHASE2_TABLES
                .iter()
                .copied()
                .filter(|t| present.contains(*t))
                .collect();
            let version = match phase2.len() {
                0 => 1,
                n if n == PHASE2_TABLES.len() => 2,
                _ => {
                    let missing: Vec<&str> = PHASE2_TABLES
                        .iter()
                        .copied()
                        .filter(|t| !present.contains(*t))
                        .collect();
                    return Err(Error::Adoption {
                        differences: vec![format!(
                            "partial Phase 2 schema: has {} but not {}",
                            phase2.join(", "),
                            missing.join(", ")
                        )],
                    });
                }
            };
            let reference = reference_signature(client, version).await?;
            let actual = signature(client, "public").await?;
            let differences = compare(&reference, &actual, &mut notes);
            if !differences.is_empty() {
                return Err(Error::Adoption { differences });
            }
            stamp_locked(client, version).await?;
            recorded = version;
            notes.push(format!(
                "recorded V1..V{version} as applied (matches the Python-created schema)"
            ));
        }
        let applied = migrate_locked(client, None).await?;
        Ok(Adoption {
            recorded,
            applied,
            notes,
        })
    })
    .await
}

/// Tables → columns (name → type without modifiers), indexes, triggers.
#[derive(Debug, Default)]
struct Signature {
    columns: BTreeMap<String, BTreeMap<String, String>>,
    indexes: BTreeMap<String, BTreeSet<String>>,
    triggers: BTreeMap<String, BTreeSet<String>>,
    has_function: bool,
}

/// Runs V1..=version into a scratch schema in a rolled-back transaction and
/// reads its signature.
async fn reference_signature(client: &mut Client, version: i32) -> Result<Signature> {
    let tx = client.transaction().await?;
    tx.batch_execute(&raw_sql::scratch_schema(SCRATCH_SCHEMA))
        .await?;
    for m in embedded_migrations()
        .into_iter()
        .filter(|m| m.version <= version)
    {
        tx.batch_execute(&m.up).await.map_err(|e| {
            Error::migration(format!(
                "building the V{} reference schema: {}",
                m.version,
                db_message(&e)
            ))
        })?;
    }
    let sig = signature(&tx, SCRATCH_SCHEMA).await;
    tx.rollback().await?;
    sig
}

async fn signature(client: &impl GenericClient, schema: &str) -> Result<Signature> {
    let mut sig = Signature::default();
    let tables: Vec<&str> = PHASE1_TABLES
        .iter()
        .chain(&PHASE2_TABLES)
        .copied()
        .collect();
    for c in catalog::schema_columns()
        .params(
            client,
            &catalog::SchemaColumnsParams {
                schema,
                tables: &tables,
            },
        )
        .all()
        .await?
    {
        sig.columns
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, c.data_type);
    }
    for ix in catalog::schema_indexes()
        .params(
            client,
            &catalog::SchemaIndexesParams {
                schema,
                tables: &tables,
            },
        )
        .all()
        .await?
    {
        sig.indexes
            .entry(ix.table_name)
            .or_default()
            .insert(ix.name);
    }
    for t in catalog::schema_triggers()
        .params(
            client,
            &catalog::SchemaTriggersParams {
                schema,
                tables: &tables,
            },
        )
        .all()
        .await?
    {
        sig.triggers.entry(t.table_name).or_default().insert(t.name);
    }
    sig.has_function = catalog::schema_has_function()
        .bind(client, &"update_updated_at_column", &schema)
        .one()
        .await?;
    Ok(sig)
}

fn compare(reference: &Signature, actual: &Signature, notes: &mut Vec<String>) -> Vec<String> {
    let mut diffs = Vec::new();
    for (table, columns) in &reference.columns {
        let Some(have) = actual.columns.get(table) else {
            diffs.push(format!("table {table} is missing"));
            continue;
        };
        for (column, ty) in columns {
            match have.get(column) {
                None => diffs.push(format!("column {table}.{column} is missing")),
                Some(t) if t != ty => {
                    diffs.push(format!("column {table}.{column} is {t}, expected {ty}"))
                }
                Some(_) => {}
            }
        }
        for column in have.keys().filter(|c| !columns.contains_key(*c)) {
            notes.push(format!("extra column {table}.{column} kept as it is"));
        }
    }
    for (what, reference, actual) in [
        ("index", &reference.indexes, &actual.indexes),
        ("trigger", &reference.triggers, &actual.triggers),
    ] {
        for (table, names) in reference {
            let have = actual.get(table);
            for name in names {
                if !have.is_some_and(|h| h.contains(name)) {
                    diffs.push(format!("{what} {name} on {table} is missing"));
                }
            }
        }
    }
    if reference.has_function && !actual.has_function {
        diffs.push("function update_updated_at_column() is missing".into());
    }
    diffs
}

//! Applying and undoing migrations: forward with refinery, back with the
//! down scripts, and stamping (recording without running) for adoption.

use refinery::Target;
use tokio_postgres::Client;

use super::history::{
    EmbeddedMigration, applied_migrations, check_history, embedded, embedded_migrations,
};
use super::lock::with_lock;
use crate::catalog::{db_message, has_truthgraph_tables};
use crate::error::{Error, Result};
use crate::raw_sql;

/// Applies every pending migration up to `target` (latest when `None`), under
/// the migration lock. Returns the versions applied.
///
/// A Python-created database (TruthGraph tables, no history) is refused with a
/// pointer to [`super::adopt()`].
///
/// # Errors
/// [`Error::Drift`] when an applied migration changed; [`Error::Migration`]
/// when a migration fails (that migration's transaction is rolled back;
/// earlier ones stay applied) or the database needs adopting.
pub async fn migrate(client: &mut Client, target: Option<i32>) -> Result<Vec<i32>> {
    with_lock(client, async |client| migrate_locked(client, target).await).await
}

pub(crate) async fn migrate_locked(client: &mut Client, target: Option<i32>) -> Result<Vec<i32>> {
    let applied = applied_migrations(client).await?;
    check_history(&applied)?;
    if applied.is_empty() && has_truthgraph_tables(client).await? {
        return Err(Error::migration(
            "this database already has TruthGraph tables but no migration history \
             (created by the Python services?); run `truthgraph-db adopt` to record \
             its version, then migrate",
        ));
    }
    if let Some(t) = target
        && !embedded_migrations().iter().any(|m| m.version == t)
    {
        return Err(Error::migration(format!("there is no version {t}")));
    }
    let runner = embedded::migrations::runner()
        .set_abort_divergent(true)
        .set_abort_missing(true)
        .set_target(target.map_or(Target::Latest, Target::Version));
    let report = runner.run_async(client).await.map_err(refinery_error)?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.version())
        .collect())
}

/// Records versions up to `version` as applied without running them (for
/// adoption), using refinery's fake target so the rows are exactly refinery's.
pub(crate) async fn stamp_locked(client: &mut Client, version: i32) -> Result<()> {
    embedded::migrations::runner()
        .set_target(Target::FakeVersion(version))
        .run_async(client)
        .await
        .map_err(refinery_error)?;
    Ok(())
}

/// refinery's error, with the server's own message (and detail) when a
/// statement failed: refinery's text alone says only "db error".
fn refinery_error(e: refinery::Error) -> Error {
    use refinery::error::Kind;
    if let Kind::DivergentVersion(applied, _) = e.kind() {
        return Error::Drift {
            version: applied.version(),
            name: applied.name().to_string(),
        };
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(pg) = s.downcast_ref::<tokio_postgres::Error>() {
            message = format!("{message}: {}", db_message(pg));
            break;
        }
        source = s.source();
    }
    Error::Migration {
        message,
        source: Some(Box::new(e)),
    }
}

/// Rolls back every applied version newer than `target`, newest first. Each
/// down script and the deletion of its history row form one transaction.
/// Returns the versions rolled back.
///
/// # Errors
/// [`Error::Drift`] if an applied migration changed (its down script may not
/// fit what is in the database); [`Error::Migration`] if a down script fails
/// (that version stays applied, newer ones stay rolled back).
pub async fn rollback(client: &mut Client, target: i32) -> Result<Vec<i32>> {
    with_lock(client, async |client| {
        let applied = applied_migrations(client).await?;
        check_history(&applied)?;
        let versions: Vec<i32> = applied.iter().map(|a| a.version).collect();
        let mut done = Vec::new();
        for m in rollback_plan(&versions, target)? {
            let tx = client.transaction().await?;
            tx.batch_execute(&m.down)
                .await
                .map_err(|e| Error::Migration {
                    message: format!(
                        "rolling back V{}__{}: {}",
                        m.version,
                        m.name,
                        db_message(&e)
                    ),
                    source: Some(Box::new(e)),
                })?;
            tx.execute(raw_sql::DELETE_HISTORY_ROW, &[&m.version])
                .await?;
            tx.commit().await?;
            done.push(m.version);
        }
        Ok(done)
    })
    .await
}

/// The migrations to undo to go from `applied` down to `target`, newest first.
pub(crate) fn rollback_plan(applied: &[i32], target: i32) -> Result<Vec<EmbeddedMigration>> {
    if target < 0 {
        return Err(Error::invalid("target", "a version is 0 or more"));
    }
    let mut plan: Vec<EmbeddedMigration> = embedded_migrations()
        .into_iter()
        .filter(|m| m.version > target && applied.contains(&m.version))
        .collect();
    plan.reverse();
    if let Some(m) = plan.iter().find(|m| m.down.trim().is_empty()) {
        return Err(Error::migration(format!(
            "V{}__{} has no down script migrations-down/V{}__{}.sql",
            m.version, m.name, m.version, m.name
        )));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_plan_is_newest_first_and_stops_at_target() {
        let plan: Vec<i32> = rollback_plan(&[1, 2, 3], 1)
            .unwrap()
            .iter()
            .map(|m| m.version)
            .collect();
        assert_eq!(plan, vec![3, 2]);
        assert!(rollback_plan(&[1, 2, 3], 3).unwrap().is_empty());
        assert!(rollback_plan(&[1], -1).is_err());
    }
}

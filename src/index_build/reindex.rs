//! Rebuilding the vector indexes of `embeddings` (`reindex`): concurrently
//! or not, dropping what interrupted builds left, repairing invalid indexes.

use truthgraph_queries::queries::tiers as tq;

use crate::catalog::{self, VectorIndex, concurrent_copy_of, is_build_leftover};
use crate::db::Database;
use crate::error::{Result, ddl_error};
use crate::raw_sql;
use crate::telemetry::{db_span, traced};

use super::tiers::{RegistryColumns, TierAction, TierEvent, TierOptions, TierPlan};
use super::{IndexBuildProgress, watching_progress, with_maintenance_lock};

/// Why [`Database::reindex_vector_indexes`] dropped an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// An invalid leftover of an interrupted or failed concurrent build
    /// ([`catalog::is_build_leftover`]): never used, but it takes space.
    Leftover,
    /// A valid `*_ccnew`/`*_ccold` index with the same definition as the
    /// index it was copied from (named here): what rebuilding a leftover as
    /// if it were a real index made of it. Every write maintained both.
    Duplicate {
        /// The index it duplicates.
        of: String,
    },
}

/// An index [`Database::reindex_vector_indexes`] dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedIndex {
    /// Its name.
    pub name: String,
    /// Its size before it was dropped.
    pub size_bytes: i64,
    /// Why it was dropped.
    pub reason: DropReason,
}

/// What [`Database::reindex_vector_indexes`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReindexReport {
    /// Leftovers and duplicates dropped (`DROP INDEX CONCURRENTLY`) before
    /// anything was rebuilt.
    pub dropped: Vec<DroppedIndex>,
    /// The vector indexes rebuilt, by name.
    pub rebuilt: Vec<String>,
    /// Those of `rebuilt` that were invalid before (a failed `CREATE INDEX
    /// CONCURRENTLY` of a real index) and are valid now.
    pub repaired: Vec<String>,
    /// Tenants' own indexes built afterwards, by name: tiers that reached the
    /// threshold ([`Database::maintain_tiers`], which reindex runs last).
    pub tiers_built: Vec<String>,
    /// Tenants' own indexes dropped afterwards (tiers below half the
    /// threshold, tenants gone, the index over every tenant V10 kept).
    pub tiers_dropped: Vec<String>,
    /// Whether the database has the tiers' registry (V10 on).
    pub(crate) has_tiers: bool,
}

/// The indexes among `indexes` (those of one table) that a reindex drops
/// rather than rebuilds: invalid build leftovers, and valid concurrent
/// copies identical to the index they were copied from.
pub fn redundant_indexes(indexes: &[VectorIndex]) -> Vec<DroppedIndex> {
    // `CREATE INDEX name ON table USING …`: compare what follows the name.
    let body = |ix: &VectorIndex| ix.definition.split_once(" ON ").map(|(_, b)| b.to_string());
    indexes
        .iter()
        .filter_map(|ix| {
            let reason = if is_build_leftover(ix) {
                DropReason::Leftover
            } else {
                let base = concurrent_copy_of(&ix.index_name)?;
                let original = indexes
                    .iter()
                    .find(|o| o.index_name == base && o.is_valid)?;
                if !ix.is_valid || body(ix).is_none() || body(ix) != body(original) {
                    return None;
                }
                DropReason::Duplicate {
                    of: base.to_string(),
                }
            };
            Some(DroppedIndex {
                name: ix.index_name.clone(),
                size_bytes: ix.size_bytes,
                reason,
            })
        })
        .collect()
}

impl Database {
    /// Rebuilds every vector index on `embeddings` (`REINDEX INDEX
    /// CONCURRENTLY`, so reads and writes go on) and refreshes the planner
    /// statistics. An IVFFlat index computes its list centres from the rows
    /// present when it is built; after a bulk load into an empty table this is
    /// what makes the index accurate. Also runs `ANALYZE` on `embeddings`,
    /// `evidence` and `claims`. Last, the tenants' own indexes follow the
    /// data ([`Database::maintain_tiers`], applied): built for tiers that
    /// reached the threshold, dropped for those below half of it.
    ///
    /// First it drops (`DROP INDEX CONCURRENTLY`) what interrupted rebuilds
    /// left on `embeddings` ([`redundant_indexes`]): invalid `*_ccnew`,
    /// `*_ccold` and `tune` leftovers, which must never be rebuilt as if they
    /// were real indexes, and valid copies an earlier rebuild made of them.
    /// An invalid index that is not a leftover (a failed `CREATE INDEX
    /// CONCURRENTLY`) is rebuilt, which makes it valid. When a rebuild
    /// fails, the invalid copy it left is dropped before the error is
    /// returned. Rebuilds hold [`MAINTENANCE_LOCK_KEY`](crate::index_build::MAINTENANCE_LOCK_KEY), so two never run at
    /// once.
    ///
    /// # Errors
    /// Connection and database errors, e.g. `maintenance_work_mem` too small
    /// for an IVFFlat build. A failed rebuild leaves the old index in use and
    /// nothing invalid behind (unless the connection itself was lost; the
    /// next call drops that leftover); rebuilds before it stay done.
    pub async fn reindex_vector_indexes(&self) -> Result<ReindexReport> {
        self.reindex_vector_indexes_with(true, |_| {}).await
    }

    /// [`Database::reindex_vector_indexes`], choosing how: `concurrently`
    /// (`REINDEX INDEX CONCURRENTLY`: reads and writes go on, the build takes
    /// longer and a failure leaves an invalid copy, which is dropped) or
    /// plainly (`REINDEX INDEX`: faster, but writes to `embeddings` and
    /// searches through the index wait until each index is rebuilt), calling
    /// `progress` about once a second with the rows of
    /// `pg_stat_progress_create_index` for `embeddings` while a build runs.
    ///
    /// # Errors
    /// As [`Database::reindex_vector_indexes`].
    pub async fn reindex_vector_indexes_with(
        &self,
        concurrently: bool,
        mut progress: impl FnMut(&IndexBuildProgress) + Send,
    ) -> Result<ReindexReport> {
        let watcher = self.client().await?;
        let work = self.reindex_on_schema_connection(concurrently);
        let mut report = watching_progress(&watcher, work, &mut progress).await?;
        drop(watcher);
        // Then the index set follows the data (after V10; a database before
        // it has no tiers).
        if report.has_tiers {
            let tiers = self
                .maintain_tiers_with(
                    &TierOptions {
                        apply: true,
                        ..TierOptions::default()
                    },
                    |e| {
                        if let TierEvent::Building(p) = e {
                            progress(p);
                        }
                    },
                )
                .await?;
            for t in &tiers.tiers {
                match t.action {
                    TierAction::Build
                    | TierAction::Rebuild
                    | TierAction::Reindex
                    | TierAction::Convert => report.tiers_built.push(t.index_name.clone()),
                    TierAction::Drop => report.tiers_dropped.push(t.index_name.clone()),
                    // Measured again: built only when it swapped in a new index.
                    TierAction::Remeasure if t.build_seconds.is_some() => {
                        report.tiers_built.push(t.index_name.clone())
                    }
                    TierAction::Keep | TierAction::Exact | TierAction::Remeasure => {}
                }
            }
            report.tiers_dropped.extend(tiers.orphans);
            report.tiers_dropped.extend(tiers.shared_index);
        }
        Ok(report)
    }

    async fn reindex_on_schema_connection(&self, concurrently: bool) -> Result<ReindexReport> {
        let op = db_span!(self.telemetry(), "reindex_vector_indexes", "embeddings");
        // A rebuild takes as long as it takes: run it without statement_timeout
        // on a connection that is retired afterwards.
        let rebuild = self.with_schema_connection(async |client| {
            with_maintenance_lock(client, async |client| {
                let indexes = catalog::all_embedding_indexes(&*client).await?;
                let dropped = redundant_indexes(&indexes);
                for d in &dropped {
                    client
                        .batch_execute(&raw_sql::drop_index_concurrently(&d.name))
                        .await?;
                }
                let mut report = ReindexReport {
                    dropped,
                    ..ReindexReport::default()
                };
                for ix in &indexes {
                    if report.dropped.iter().any(|d| d.name == ix.index_name) {
                        continue;
                    }
                    let sql = if concurrently {
                        raw_sql::reindex_concurrently(&ix.index_name)
                    } else {
                        raw_sql::reindex(&ix.index_name)
                    };
                    // REINDEX CONCURRENTLY leaves `<name>_ccnew` on failure.
                    let ccnew = format!("{}_ccnew", ix.index_name);
                    let rebuilt =
                        super::build_index(client, &sql, concurrently.then_some(ccnew.as_str()))
                            .await;
                    if let Err(e) = rebuilt {
                        drop_leftovers_of(client, &ix.index_name).await;
                        return Err(ddl_error(e));
                    }
                    if !ix.is_valid {
                        report.repaired.push(ix.index_name.clone());
                    }
                    report.rebuilt.push(ix.index_name.clone());
                }
                // Fresh statistics for the tables a search reads: without them the
                // planner guesses row counts and may pick a poor join or skip the index.
                client.batch_execute(raw_sql::ANALYZE_SEARCH_TABLES).await?;
                report.has_tiers = catalog::relation_exists(&*client, "truthgraph_tiers").await?;
                // Each tier index was just built over the rows it has (V13 on).
                if report.has_tiers && RegistryColumns::of(&*client).await?.built_rows() {
                    tq::forget_built_rows().bind(&*client).await?;
                }
                Ok(report)
            })
            .await
        });
        traced(op, rebuild).await
    }
}

/// Rebuilds `tier`'s index in place ([`TierAction::Reindex`]): `REINDEX
/// INDEX CONCURRENTLY` with `maintenance_work_mem` for its graph (`mb`
/// planned for the full vector, [`super::tier_index::rebuild_memory_mb`]),
/// searches using the old index until the new one replaces it; the same
/// graph, so what was measured on it stands. On failure the invalid
/// `<name>_ccnew` it leaves is dropped. Sets `tier.build_seconds`.
pub(crate) async fn reindex_tier(
    client: &tokio_postgres::Client,
    tier: &mut TierPlan,
    mb: u64,
    dimension: usize,
) -> Result<()> {
    let started = std::time::Instant::now();
    let mb = super::tier_index::rebuild_memory_mb(tier, mb, dimension);
    client
        .batch_execute(&raw_sql::set_maintenance_work_mem_mb(mb))
        .await?;
    let name = &tier.index_name;
    let ccnew = format!("{name}_ccnew");
    let ddl = raw_sql::reindex_concurrently(name);
    if let Err(e) = super::build_index(client, &ddl, Some(&ccnew)).await {
        let _ = client
            .batch_execute(&raw_sql::drop_index_concurrently(&ccnew))
            .await;
        return Err(ddl_error(e));
    }
    tier.build_seconds = Some(started.elapsed().as_secs_f64());
    Ok(())
}

/// After a failed `REINDEX INDEX CONCURRENTLY name`: drops the invalid copy
/// it left (`name_ccnew…`, or `name_ccold…` when the swap happened but the
/// old copy could not be dropped). Best effort: on a lost connection the
/// next reindex drops it.
async fn drop_leftovers_of(client: &tokio_postgres::Client, name: &str) {
    let Ok(indexes) = catalog::all_embedding_indexes(client).await else {
        return;
    };
    for ix in indexes {
        if is_build_leftover(&ix) && concurrent_copy_of(&ix.index_name) == Some(name) {
            let _ = client
                .batch_execute(&raw_sql::drop_index_concurrently(&ix.index_name))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(method: &str, options: &[&str]) -> VectorIndex {
        VectorIndex {
            index_name: "idx_embeddings_vector_cosine".into(),
            table_name: "embeddings".into(),
            method: method.into(),
            opclass: "vector_cosine_ops".into(),
            options: Some(options.iter().map(|o| o.to_string()).collect()),
            definition: String::new(),
            size_bytes: 0,
            is_valid: true,
            table_rows_estimate: 0,
            on_expression: false,
        }
    }

    #[test]
    fn only_leftovers_and_identical_copies_are_redundant() {
        let ix = |name: &str, valid: bool, with: &str| VectorIndex {
            index_name: name.into(),
            is_valid: valid,
            definition: format!(
                "CREATE INDEX {name} ON public.embeddings USING hnsw (embedding \
                 vector_cosine_ops) WITH ({with})"
            ),
            ..index("hnsw", &[])
        };
        let real = ix("idx_v", true, "m='16'");
        let names = |all: &[VectorIndex]| {
            redundant_indexes(all)
                .into_iter()
                .map(|d| (d.name, d.reason))
                .collect::<Vec<_>>()
        };
        let dup = DropReason::Duplicate { of: "idx_v".into() };
        assert_eq!(
            names(&[
                real.clone(),
                ix("idx_v_ccnew", false, "m='16'"),
                ix("idx_v_ccnew1", true, "m='16'"),
                ix("idx_v_ccnew2", true, "m='32'"),
                ix("idx_w_ccnew", true, "m='16'"),
                ix("idx_x", false, "m='16'"),
            ]),
            [
                ("idx_v_ccnew".to_string(), DropReason::Leftover),
                ("idx_v_ccnew1".to_string(), dup)
            ]
        );
        // A copy whose original is gone is the index in use: kept.
        assert!(names(&[ix("idx_v_ccnew1", true, "m='16'")]).is_empty());
    }
}

//! Swapping in a rebuilt `idx_embeddings_vector_cosine` with new parameters
//! ([`Database::rebuild_vector_index`], what `tune --apply` runs): built
//! concurrently under a temporary name, then renamed in one short
//! transaction.

use crate::db::Database;
use crate::error::Result;
use crate::raw_sql;
use crate::telemetry::{db_span, traced};

use super::{IndexBuildProgress, watching_progress, with_maintenance_lock};

/// An index rebuild [`Database::tune`] recommends.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebuild {
    /// Why.
    pub reason: String,
    /// `CREATE INDEX CONCURRENTLY` of the new index under a temporary name.
    pub create: String,
    /// The temporary name, swapped in for `idx_embeddings_vector_cosine`.
    pub temporary: String,
}

impl Database {
    /// Builds `rebuild.create` (`CREATE INDEX CONCURRENTLY`, so reads and
    /// writes go on), reporting progress from `pg_stat_progress_create_index`
    /// about once a second, then swaps it in for `idx_embeddings_vector_cosine`
    /// in one short transaction. A build that fails or is interrupted leaves
    /// no index behind: the invalid one is dropped.
    ///
    /// # Errors
    /// Connection and database errors (the old index stays in use).
    pub async fn rebuild_vector_index(
        &self,
        rebuild: &Rebuild,
        progress: impl FnMut(&IndexBuildProgress),
    ) -> Result<()> {
        let op = db_span!(self.telemetry(), "rebuild_vector_index", "embeddings");
        traced(op, self.run_rebuild(rebuild, progress)).await
    }

    async fn run_rebuild(
        &self,
        rebuild: &Rebuild,
        progress: impl FnMut(&IndexBuildProgress),
    ) -> Result<()> {
        let watcher = self.client().await?;
        // Under the maintenance lock, so a concurrent reindex never takes the
        // index under construction for a leftover and drops it.
        let build = self.with_schema_connection(async |client| {
            with_maintenance_lock(client, async |client| {
                client
                    .batch_execute(&raw_sql::drop_index_if_exists(&rebuild.temporary))
                    .await?;
                Ok(super::build_index(client, &rebuild.create, Some(&rebuild.temporary)).await)
            })
            .await
        });
        let built = watching_progress(&watcher, build, progress).await?;
        drop(watcher);
        if let Err(e) = built {
            // CREATE INDEX CONCURRENTLY leaves an invalid index when it fails.
            self.with_schema_connection(async |client| {
                Ok(client
                    .batch_execute(&raw_sql::drop_index_if_exists(&rebuild.temporary))
                    .await?)
            })
            .await?;
            return Err(e.into());
        }
        self.with_schema_connection(async |client| {
            let tx = client.transaction().await?;
            tx.batch_execute(&raw_sql::swap_index(
                &rebuild.temporary,
                "idx_embeddings_vector_cosine",
            ))
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

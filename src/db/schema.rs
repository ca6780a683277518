//! The schema commands of a [`Database`]: migrate, roll back, adopt, switch
//! the embedding dimension, status; and the cached embedding dimension they
//! keep current. Each runs in [`Database::schema_command`]. The migrations
//! themselves run in [`crate::migrate`].

use std::sync::atomic::Ordering;

use super::Database;
use crate::catalog;
use crate::error::{Error, Result};
use crate::migrate::{self, Adoption, SchemaStatus};
use crate::pool::Detached;
use crate::telemetry::{Op, db_span, traced};

impl Database {
    /// The dimension of `embeddings.embedding`: read at open and after each
    /// schema change through this handle, so a search or write does not ask
    /// the catalog. When the table did not exist then (a database migrated
    /// by another process since), it is read now.
    ///
    /// # Errors
    /// [`Error::Migration`] when the `embeddings` table does not exist yet.
    pub async fn embedding_dimension(&self) -> Result<usize> {
        if let Some(d) = *self.dimension.read().expect("dimension lock") {
            return Ok(d);
        }
        self.refresh_dimension().await?.ok_or_else(|| {
            Error::migration("the embeddings table does not exist; run migrate first")
        })
    }

    /// Reads the dimension from the catalog into the cache.
    pub(crate) async fn refresh_dimension(&self) -> Result<Option<usize>> {
        let client = self.client().await?;
        let d = catalog::read_dimension(&client).await?;
        *self.dimension.write().expect("dimension lock") = d;
        Ok(d)
    }

    /// Runs `f` on a connection of its own, outside the pool, that starts
    /// without `statement_timeout` (an index build or table rewrite can take
    /// longer than any query should; see [`crate::pool::schema_startup_options`]).
    /// Dropped midway, its statement is cancelled on the server (see
    /// `src/pool.rs`). Afterwards clears every pooled statement cache (DDL
    /// can change the result types of cached statements) and re-reads the
    /// dimension.
    ///
    /// # Errors
    /// [`Error::Closed`] once the handle was closed; connection errors;
    /// `f`'s.
    pub(crate) async fn with_schema_connection<T>(
        &self,
        f: impl AsyncFnOnce(&mut tokio_postgres::Client) -> Result<T>,
    ) -> Result<T> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let mut conn = Detached::connect(&self.schema_pg, &self.goodbyes).await?;
        let out = f(&mut conn).await;
        // Whatever `f` did (or half did), re-read the dimension on this same
        // connection, before it is retired.
        let dimension = catalog::read_dimension(&*conn).await;
        if let Ok(bypasses) = catalog::bypasses_row_security(&*conn).await {
            self.tenant_setting.store(!bypasses, Ordering::Relaxed);
        }
        if let Ok(citus) = catalog::has_citus(&*conn).await {
            self.citus.store(citus, Ordering::Relaxed);
        }
        conn.finish();
        drop(conn);
        self.pool.manager().statement_caches.clear();
        for p in self.replicas.pools() {
            p.manager().statement_caches.clear();
        }
        *self.dimension.write().expect("dimension lock") =
            dimension.as_ref().ok().copied().flatten();
        let value = out?;
        dimension?;
        Ok(value)
    }

    /// One schema command: `f` on a schema connection
    /// ([`Database::with_schema_connection`]), traced as `op`.
    pub(super) async fn schema_command<T>(
        &self,
        op: Op,
        f: impl AsyncFnOnce(&mut tokio_postgres::Client) -> Result<T>,
    ) -> Result<T> {
        traced(op, self.with_schema_connection(f)).await
    }

    /// Applies pending migrations up to `target` (latest when `None`); see
    /// [`migrate::migrate`].
    ///
    /// # Errors
    /// As [`migrate::migrate`].
    pub async fn migrate(&self, target: Option<i32>) -> Result<Vec<i32>> {
        let op = db_span!(self.telemetry(), "migrate");
        self.schema_command(op, async |c| migrate::migrate(c, target).await)
            .await
    }

    /// Rolls back to `target`; see [`migrate::rollback`].
    ///
    /// # Errors
    /// As [`migrate::rollback`].
    pub async fn rollback(&self, target: i32) -> Result<Vec<i32>> {
        let op = db_span!(self.telemetry(), "rollback");
        self.schema_command(op, async |c| migrate::rollback(c, target).await)
            .await
    }

    /// Adopts a Python-created database; see [`migrate::adopt()`].
    ///
    /// # Errors
    /// As [`migrate::adopt()`].
    pub async fn adopt(&self) -> Result<Adoption> {
        let op = db_span!(self.telemetry(), "adopt");
        self.schema_command(op, async |c| migrate::adopt(c).await)
            .await
    }

    /// Switches the embedding dimension; see [`migrate::set_dimension`].
    /// Returns the previous dimension.
    ///
    /// # Errors
    /// As [`migrate::set_dimension`].
    pub async fn set_dimension(&self, dimension: usize) -> Result<usize> {
        let op = db_span!(self.telemetry(), "set_dimension");
        self.schema_command(op, async |c| migrate::set_dimension(c, dimension).await)
            .await
    }

    /// Versions, tables, vector indexes and pgvector version.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn status(&self) -> Result<SchemaStatus> {
        traced(db_span!(self.telemetry(), "status"), async {
            let client = self.client().await?;
            SchemaStatus::read(&client).await
        })
        .await
    }
}

//! What a database looks like: versions, tables, vector indexes, pgvector.

use std::fmt;

use tokio_postgres::Client;

use super::history::{VersionState, applied_migrations, compare};
use crate::catalog::{self, VectorIndex, read_dimension, version_lt};
use crate::error::Result;

/// pgvector releases before this one have known HNSW bugs (parallel build
/// overflow, vacuum) fixed upstream.
pub const PGVECTOR_RECOMMENDED: &str = "0.8.4";

/// The state of a database, as `truthgraph-db status` prints it.
#[derive(Debug, Clone)]
pub struct SchemaStatus {
    /// `server_version` of the server.
    pub server_version: String,
    /// Installed pgvector version, if the extension exists in this database.
    pub pgvector_version: Option<String>,
    /// The pgvector version the server's installed library offers
    /// (`pg_available_extensions.default_version`), if any: newer than
    /// [`Self::pgvector_version`] after the library was upgraded and before
    /// `ALTER EXTENSION vector UPDATE`.
    pub pgvector_available: Option<String>,
    /// One entry per version known to this build or to the database.
    pub versions: Vec<(i32, String, VersionState)>,
    /// Tables in `public` with their live-row counts from the statistics
    /// collector (approximate, and a moment behind the latest writes).
    pub tables: Vec<(String, i64)>,
    /// Vector indexes on `embeddings.embedding`, invalid ones (and the
    /// leftovers of interrupted concurrent builds) included.
    pub vector_indexes: Vec<VectorIndex>,
    /// Dimension of `embeddings.embedding`.
    pub dimension: Option<usize>,
}

impl SchemaStatus {
    /// Reads the status over `client`.
    ///
    /// # Errors
    /// Connection and database errors; [`crate::Error::Migration`] for an
    /// unreadable history row.
    pub async fn read(client: &Client) -> Result<Self> {
        let applied = applied_migrations(client).await?;
        let info = catalog::server_info(client).await?;
        Ok(SchemaStatus {
            server_version: info.server_version,
            pgvector_version: info.pgvector_version,
            pgvector_available: info.pgvector_available,
            versions: compare(&applied),
            tables: catalog::table_rows(client)
                .await?
                .into_iter()
                .map(|t| (t.table_name, t.live_rows))
                .collect(),
            vector_indexes: catalog::all_embedding_indexes(client).await?,
            dimension: read_dimension(client).await?,
        })
    }

    /// The newest applied version (0 when none).
    pub fn current_version(&self) -> i32 {
        self.versions
            .iter()
            .filter(|(_, _, s)| !matches!(s, VersionState::Pending))
            .map(|(v, _, _)| *v)
            .max()
            .unwrap_or(0)
    }

    /// The newer pgvector version the server offers this database's
    /// extension, if there is one (`ALTER EXTENSION vector UPDATE` moves to
    /// it).
    pub fn pgvector_update(&self) -> Option<&str> {
        match (&self.pgvector_version, &self.pgvector_available) {
            (Some(v), Some(a)) if version_lt(v, a) => Some(a),
            _ => None,
        }
    }

    /// Versions not yet applied.
    pub fn pending(&self) -> Vec<i32> {
        self.versions
            .iter()
            .filter(|(_, _, s)| *s == VersionState::Pending)
            .map(|(v, _, _)| *v)
            .collect()
    }
}

impl fmt::Display for SchemaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "PostgreSQL {}", self.server_version)?;
        match &self.pgvector_version {
            Some(v) => {
                write!(f, "pgvector   {v}")?;
                if version_lt(v, PGVECTOR_RECOMMENDED) {
                    write!(
                        f,
                        "  (warning: < {PGVECTOR_RECOMMENDED} has known HNSW build/vacuum bugs)"
                    )?;
                }
                if let Some(a) = self.pgvector_update() {
                    write!(
                        f,
                        "  ({a} installed on the server: ALTER EXTENSION vector UPDATE)"
                    )?;
                }
                writeln!(f)?;
            }
            None => writeln!(f, "pgvector   not installed in this database")?,
        }
        writeln!(f, "version    {}", self.current_version())?;
        writeln!(f, "\nmigrations:")?;
        for (v, name, state) in &self.versions {
            let state = match state {
                VersionState::Applied { applied_on } => format!("applied {applied_on}"),
                VersionState::Pending => "pending".into(),
                VersionState::Divergent => "DIVERGENT (changed after it was applied)".into(),
                VersionState::Missing => "MISSING (unknown to this build)".into(),
            };
            writeln!(f, "  V{v:<3} {name:<32} {state}")?;
        }
        writeln!(f, "\ntables:")?;
        for (name, rows) in &self.tables {
            writeln!(f, "  {name:<28} ~{rows} rows")?;
        }
        if let Some(d) = self.dimension {
            writeln!(f, "\nembedding dimension: {d}")?;
        }
        writeln!(f, "\nvector indexes:")?;
        if self.vector_indexes.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for ix in &self.vector_indexes {
            writeln!(
                f,
                "  {} {} {} ({}){}",
                ix.index_name,
                ix.method,
                ix.opclass,
                ix.options.as_deref().unwrap_or_default().join(", "),
                if ix.is_valid {
                    ""
                } else if catalog::is_build_leftover(ix) {
                    " INVALID: leftover of an interrupted concurrent build, never used; `reindex` drops it"
                } else {
                    " INVALID: not used by searches; `reindex` rebuilds it"
                }
            )?;
        }
        Ok(())
    }
}

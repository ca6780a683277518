//! What a database looks like: versions, tables, vector indexes, pgvector.

use std::fmt;

use tokio_postgres::Client;

use super::{AppliedMigration, applied_migrations, embedded_migrations, read_dimension};
use crate::error::Result;

/// How one version stands between this build and the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionState {
    /// Applied, with the checksum this build embeds.
    Applied {
        /// When it was applied.
        applied_on: String,
    },
    /// Embedded but not applied yet.
    Pending,
    /// Applied, but its SQL has changed since (checksum drift).
    Divergent,
    /// Applied, but this build does not know it (a newer build applied it).
    Missing,
}

/// A vector index on `embeddings.embedding`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorIndex {
    /// Index name, e.g. `idx_embeddings_vector_cosine`.
    pub name: String,
    /// Access method: `ivfflat` or `hnsw`.
    pub method: String,
    /// Operator class, e.g. `vector_cosine_ops`.
    pub opclass: String,
    /// Storage parameters, e.g. `["lists=100"]`.
    pub options: Vec<String>,
    /// `pg_get_indexdef`, enough to recreate it.
    pub definition: String,
}

/// The state of a database, as `truthgraph-db status` prints it.
#[derive(Debug, Clone)]
pub struct SchemaStatus {
    /// `server_version` of the server.
    pub server_version: String,
    /// Installed pgvector version, if the extension exists in this database.
    pub pgvector_version: Option<String>,
    /// One entry per version known to this build or to the database.
    pub versions: Vec<(i32, String, VersionState)>,
    /// Tables in `public` with their live-row counts from the statistics
    /// collector (approximate, and a moment behind the latest writes).
    pub tables: Vec<(String, i64)>,
    /// Vector indexes on `embeddings.embedding`.
    pub vector_indexes: Vec<VectorIndex>,
    /// Dimension of `embeddings.embedding`.
    pub dimension: Option<usize>,
}

impl SchemaStatus {
    /// Reads the status over `client`.
    pub async fn read(client: &Client) -> Result<Self> {
        let applied = applied_migrations(client).await?;
        let server_version: String = client
            .query_one("SELECT current_setting('server_version')", &[])
            .await?
            .get(0);
        let pgvector_version: Option<String> = client
            .query_opt(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
                &[],
            )
            .await?
            .map(|r| r.get(0));
        let tables = client
            .query(
                "SELECT c.relname::text, coalesce(s.n_live_tup, 0) \
                 FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid \
                 WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace \
                 ORDER BY 1",
                &[],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(SchemaStatus {
            server_version,
            pgvector_version,
            versions: version_states(&applied),
            tables,
            vector_indexes: vector_indexes(client).await?,
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

    /// Versions not yet applied.
    pub fn pending(&self) -> Vec<i32> {
        self.versions
            .iter()
            .filter(|(_, _, s)| *s == VersionState::Pending)
            .map(|(v, _, _)| *v)
            .collect()
    }
}

fn version_states(applied: &[AppliedMigration]) -> Vec<(i32, String, VersionState)> {
    let embedded = embedded_migrations();
    let mut out = Vec::new();
    for m in &embedded {
        let state = match applied.iter().find(|a| a.version == m.version) {
            None => VersionState::Pending,
            Some(a) if a.checksum == m.checksum && a.name == m.name => VersionState::Applied {
                applied_on: a.applied_on.clone(),
            },
            Some(_) => VersionState::Divergent,
        };
        out.push((m.version, m.name.clone(), state));
    }
    for a in applied {
        if !embedded.iter().any(|m| m.version == a.version) {
            out.push((a.version, a.name.clone(), VersionState::Missing));
        }
    }
    out.sort_by_key(|(v, _, _)| *v);
    out
}

/// The ivfflat/hnsw indexes on `embeddings`.
pub async fn vector_indexes(
    client: &impl tokio_postgres::GenericClient,
) -> Result<Vec<VectorIndex>> {
    let rows = client
        .query(
            "SELECT c.relname::text, am.amname::text, oc.opcname::text, \
                    coalesce(c.reloptions, '{}'::text[]), pg_get_indexdef(i.indexrelid) \
             FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_am am ON am.oid = c.relam \
             JOIN pg_opclass oc ON oc.oid = i.indclass[0] \
             WHERE i.indrelid = to_regclass('embeddings') AND am.amname IN ('ivfflat', 'hnsw') \
             ORDER BY 1",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| VectorIndex {
            name: r.get(0),
            method: r.get(1),
            opclass: r.get(2),
            options: r.get(3),
            definition: r.get(4),
        })
        .collect())
}

impl fmt::Display for SchemaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "PostgreSQL {}", self.server_version)?;
        match &self.pgvector_version {
            Some(v) => {
                write!(f, "pgvector   {v}")?;
                if version_lt(v, "0.8.4") {
                    write!(f, "  (warning: < 0.8.4 has known HNSW build/vacuum bugs)")?;
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
                "  {} {} {} ({})",
                ix.name,
                ix.method,
                ix.opclass,
                ix.options.join(", ")
            )?;
        }
        Ok(())
    }
}

/// `a < b` for dotted numeric versions.
pub(crate) fn version_lt(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Vec<u32> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parse(a) < parse(b)
}

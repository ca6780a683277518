//! Operator maintenance: index usage, sizes, vector index parameters,
//! rebuilding vector indexes, and tuning advice.

use truthgraph_queries::queries::maintenance;

use crate::db::Database;
use crate::error::Result;
use crate::migrate::VectorIndex;
use crate::search::DEFAULT_PROBES;

pub use truthgraph_queries::queries::maintenance::{IndexUsage, TableSize, VectorIndexParams};

/// What [`Database::tuning_advice`] recommends for one vector index.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningAdvice {
    /// The index.
    pub index: String,
    /// `ivfflat` or `hnsw`.
    pub method: String,
    /// Rows in `embeddings` (estimate from the planner statistics).
    pub rows: i64,
    /// Current `lists` (ivfflat) or `m` (hnsw), if set.
    pub current: Option<u32>,
    /// One line per recommendation.
    pub advice: Vec<String>,
}

fn option(options: &[String], name: &str) -> Option<u32> {
    options
        .iter()
        .find_map(|o| o.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
}

/// pgvector's guidance for IVFFlat: `lists` ≈ rows / 1000 up to 1M rows,
/// √rows above; never below 1.
pub fn recommended_lists(rows: i64) -> u32 {
    let rows = rows.max(0) as f64;
    let lists = if rows <= 1_000_000.0 {
        rows / 1000.0
    } else {
        rows.sqrt()
    };
    lists.round().max(1.0) as u32
}

impl Database {
    /// Scans and size of every index, least used first.
    pub async fn index_usage(&self) -> Result<Vec<IndexUsage>> {
        let client = self.client().await?;
        Ok(maintenance::index_usage().bind(&client).all().await?)
    }

    /// Size and live rows of every table, largest first.
    pub async fn table_sizes(&self) -> Result<Vec<TableSize>> {
        let client = self.client().await?;
        Ok(maintenance::table_sizes().bind(&client).all().await?)
    }

    /// Every vector index with its method, operator class and parameters.
    pub async fn vector_index_params(&self) -> Result<Vec<VectorIndexParams>> {
        let client = self.client().await?;
        Ok(maintenance::vector_index_params()
            .bind(&client)
            .all()
            .await?)
    }

    /// Rebuilds every vector index on `embeddings` (`REINDEX INDEX
    /// CONCURRENTLY`, so reads and writes go on) and refreshes the planner
    /// statistics. An IVFFlat index computes its list centres from the rows
    /// present when it is built; after a bulk load into an empty table this is
    /// what makes the index accurate. Also runs `ANALYZE` on `embeddings`,
    /// `evidence` and `claims`. Returns the rebuilt indexes.
    pub async fn reindex_vector_indexes(&self) -> Result<Vec<String>> {
        // A rebuild takes as long as it takes: run it without statement_timeout
        // on a connection that is retired afterwards.
        self.with_schema_connection(async |client| {
            let indexes: Vec<VectorIndex> = crate::migrate::vector_indexes(&*client).await?;
            for ix in &indexes {
                // The name comes from the catalog, quoted as an identifier.
                let name = format!("\"{}\"", ix.name.replace('"', "\"\""));
                client
                    .batch_execute(&format!("REINDEX INDEX CONCURRENTLY {name}"))
                    .await?;
            }
            // Fresh statistics for the tables a search reads: without them the
            // planner guesses row counts and may pick a poor join or skip the index.
            client
                .batch_execute("ANALYZE embeddings, evidence, claims")
                .await?;
            Ok(indexes.into_iter().map(|ix| ix.name).collect())
        })
        .await
    }

    /// Compares each vector index's parameters with the table's size and
    /// recommends `lists`/`probes` (IVFFlat) or `ef_search` (HNSW).
    pub async fn tuning_advice(&self) -> Result<Vec<TuningAdvice>> {
        let client = self.client().await?;
        client.batch_execute("ANALYZE embeddings").await?;
        let mut out = Vec::new();
        for ix in maintenance::vector_index_params()
            .bind(&client)
            .all()
            .await?
            .into_iter()
            .filter(|ix| ix.table_name == "embeddings")
        {
            let options = ix.options.clone().unwrap_or_default();
            let rows = ix.table_rows_estimate.max(0);
            let mut advice = Vec::new();
            let current = if ix.method == "ivfflat" {
                let lists = option(&options, "lists").unwrap_or(100);
                let want = recommended_lists(rows);
                if rows < 10 * i64::from(lists) {
                    advice.push(format!(
                        "only {rows} rows for {lists} lists: keep probes high (≥ {}) or use exact search; \
                         rebuild the index once the table is loaded",
                        DEFAULT_PROBES
                    ));
                } else if want > lists * 2 || want * 2 < lists {
                    advice.push(format!(
                        "{rows} rows: rebuild with lists = {want} (now {lists}), then probes ≈ {}",
                        (f64::from(want).sqrt().ceil() as u32).max(1) * 2
                    ));
                } else {
                    advice.push(format!(
                        "lists = {lists} fits {rows} rows; probes {} to {} trade speed for recall",
                        (f64::from(lists).sqrt().ceil() as u32).max(1),
                        lists / 4
                    ));
                }
                Some(lists)
            } else {
                let m = option(&options, "m").unwrap_or(16);
                advice.push(format!(
                    "hnsw m = {m}: raise ef_search (default {}) for recall, lower it for speed",
                    crate::search::DEFAULT_EF_SEARCH
                ));
                Some(m)
            };
            out.push(TuningAdvice {
                index: ix.index_name,
                method: ix.method,
                rows,
                current,
                advice,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::recommended_lists;

    #[test]
    fn lists_follow_pgvector_guidance() {
        assert_eq!(recommended_lists(0), 1);
        assert_eq!(recommended_lists(10_000), 10);
        assert_eq!(recommended_lists(1_000_000), 1000);
        assert_eq!(recommended_lists(4_000_000), 2000);
    }
}

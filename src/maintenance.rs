//! Operator maintenance (`queries/maintenance.sql`): index usage, sizes,
//! orphan embeddings, rebuilding vector indexes, and tuning advice.

use truthgraph_queries::queries::maintenance;

use crate::catalog::{self, VectorIndex, index_option};
use crate::db::Database;
use crate::error::Result;
use crate::raw_sql;
use crate::settings::SearchDefaults;

pub use truthgraph_queries::queries::maintenance::{IndexUsage, OrphanEmbeddings, TableSize};

/// What [`Database::tuning_advice`] recommends for one vector index.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningAdvice {
    /// The index.
    pub index: String,
    /// `ivfflat` or `hnsw`.
    pub method: String,
    /// Rows in `embeddings`, from the planner's statistics (`None`: the table
    /// was never analysed).
    pub rows: Option<i64>,
    /// Current `lists` (ivfflat) or `m` (hnsw).
    pub current: u32,
    /// One line per recommendation.
    pub advice: Vec<String>,
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

/// The advice for one index with `rows` rows in its table (`None`: unknown),
/// given the settings in force.
pub fn advise(ix: &VectorIndex, rows: Option<i64>, defaults: &SearchDefaults) -> TuningAdvice {
    let mut advice = Vec::new();
    if !ix.is_valid {
        advice.push(
            "INVALID (an interrupted concurrent build): searches do not use it; run reindex".into(),
        );
    }
    if rows.is_none() {
        advice.push(
            "embeddings was never analysed: run `truthgraph-db reindex` (or ANALYZE embeddings) \
             after loading, so the planner knows its size"
                .into(),
        );
    }
    let current = if ix.method == "ivfflat" {
        let lists = index_option(ix, "lists").unwrap_or(100);
        match rows {
            None => {}
            Some(rows) if rows < 10 * i64::from(lists) => advice.push(format!(
                "only {rows} rows for {lists} lists: keep probes high (now {}) or use \
                 exact search; rebuild the index once the table is loaded",
                defaults.probes
            )),
            Some(rows) => {
                let want = recommended_lists(rows);
                if want > lists * 2 || want * 2 < lists {
                    advice.push(format!(
                        "{rows} rows: rebuild with lists = {want} (now {lists}), then run tune"
                    ));
                } else {
                    advice.push(format!(
                        "lists = {lists} fits {rows} rows; probes {} in force (tune measures it)",
                        defaults.probes
                    ));
                }
            }
        }
        lists
    } else {
        let m = index_option(ix, "m").unwrap_or(16);
        advice.push(format!(
            "hnsw m = {m}: ef_search {} in force; raise it for recall, lower it for speed \
             (truthgraph-db tune measures both)",
            defaults.ef_search
        ));
        m
    };
    TuningAdvice {
        index: ix.index_name.clone(),
        method: ix.method.clone(),
        rows,
        current,
        advice,
    }
}

impl Database {
    /// Scans and size of every index, least used first.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn index_usage(&self) -> Result<Vec<IndexUsage>> {
        let client = self.client().await?;
        Ok(maintenance::index_usage().bind(&client).all().await?)
    }

    /// Size and live rows of every table, largest first.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn table_sizes(&self) -> Result<Vec<TableSize>> {
        let client = self.client().await?;
        Ok(maintenance::table_sizes().bind(&client).all().await?)
    }

    /// Every vector index with its method, operator class, parameters and validity.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn vector_indexes(&self) -> Result<Vec<VectorIndex>> {
        let client = self.client().await?;
        catalog::vector_indexes(&client).await
    }

    /// Embeddings whose entity is missing or another tenant's, per tenant and
    /// entity type (empty when there are none).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn orphan_embeddings(&self) -> Result<Vec<OrphanEmbeddings>> {
        let client = self.client().await?;
        Ok(maintenance::orphan_embeddings().bind(&client).all().await?)
    }

    /// Rebuilds every vector index on `embeddings` (`REINDEX INDEX
    /// CONCURRENTLY`, so reads and writes go on) and refreshes the planner
    /// statistics. An IVFFlat index computes its list centres from the rows
    /// present when it is built; after a bulk load into an empty table this is
    /// what makes the index accurate. Also runs `ANALYZE` on `embeddings`,
    /// `evidence` and `claims`. Returns the rebuilt indexes.
    ///
    /// # Errors
    /// Connection and database errors (a failed rebuild leaves the old index
    /// in use).
    pub async fn reindex_vector_indexes(&self) -> Result<Vec<String>> {
        // A rebuild takes as long as it takes: run it without statement_timeout
        // on a connection that is retired afterwards.
        self.with_schema_connection(async |client| {
            let indexes = catalog::embedding_indexes(&*client).await?;
            for ix in &indexes {
                client
                    .batch_execute(&raw_sql::reindex_concurrently(&ix.index_name))
                    .await?;
            }
            // Fresh statistics for the tables a search reads: without them the
            // planner guesses row counts and may pick a poor join or skip the index.
            client.batch_execute(raw_sql::ANALYZE_SEARCH_TABLES).await?;
            Ok(indexes.into_iter().map(|ix| ix.index_name).collect())
        })
        .await
    }

    /// Compares each vector index on `embeddings` with the table's size (the
    /// planner's estimate; nothing is analysed here) and recommends
    /// `lists`/`probes` (IVFFlat) or `ef_search` (HNSW).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn tuning_advice(&self) -> Result<Vec<TuningAdvice>> {
        let client = self.client().await?;
        Ok(catalog::embedding_indexes(&client)
            .await?
            .iter()
            // reltuples is -1 until the table is first analysed.
            .map(|ix| {
                advise(
                    ix,
                    (ix.table_rows_estimate >= 0).then_some(ix.table_rows_estimate),
                    self.search_defaults(),
                )
            })
            .collect())
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
        }
    }

    #[test]
    fn advice_follows_the_index_and_the_table() {
        let d = SearchDefaults {
            ef_search: 100,
            probes: 10,
            ef_search_origin: crate::settings::Origin::Pinned,
            probes_origin: crate::settings::Origin::Pinned,
        };
        let ivf = index("ivfflat", &["lists=100"]);
        assert!(advise(&ivf, None, &d).advice[0].contains("never analysed"));
        assert!(advise(&ivf, Some(50), &d).advice[0].contains("rebuild the index once"));
        assert!(advise(&ivf, Some(1_000_000), &d).advice[0].contains("lists = 1000"));
        assert!(advise(&ivf, Some(100_000), &d).advice[0].contains("fits"));
        let hnsw = index("hnsw", &["m=24", "ef_construction=64"]);
        let a = advise(&hnsw, Some(10), &d);
        assert_eq!(a.current, 24);
        assert!(a.advice[0].contains("ef_search 100"), "{a:?}");
        let mut invalid = hnsw.clone();
        invalid.is_valid = false;
        assert!(advise(&invalid, Some(10), &d).advice[0].contains("INVALID"));
    }

    #[test]
    fn lists_follow_pgvector_guidance() {
        assert_eq!(recommended_lists(0), 1);
        assert_eq!(recommended_lists(10_000), 10);
        assert_eq!(recommended_lists(1_000_000), 1000);
        assert_eq!(recommended_lists(4_000_000), 2000);
    }
}

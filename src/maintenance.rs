//! Operator maintenance (`queries/maintenance.sql`): index usage, sizes,
//! orphan embeddings (and deleting them), rebuilding vector indexes (and
//! dropping what interrupted rebuilds left), and tuning advice.

use truthgraph_queries::queries::maintenance;

use crate::catalog::{self, VectorIndex, index_option, is_build_leftover};
use crate::db::Database;
use crate::error::Result;
use crate::index_build::recommended_lists;
use crate::settings::SearchDefaults;
use crate::telemetry::{db_span, traced};

pub use truthgraph_queries::queries::maintenance::{
    IndexUsage, OrphanEmbeddings, ServerSetting, TableSize, TenantCount,
};

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

/// The advice for one index with `rows` rows in its table (`None`: unknown),
/// given the settings in force.
pub fn advise(ix: &VectorIndex, rows: Option<i64>, defaults: &SearchDefaults) -> TuningAdvice {
    let mut advice = Vec::new();
    if is_build_leftover(ix) {
        advice.push(format!(
            "INVALID leftover of an interrupted concurrent build ({} bytes): searches never use \
             it; `truthgraph-db reindex` drops it",
            ix.size_bytes
        ));
        return TuningAdvice {
            index: ix.index_name.clone(),
            method: ix.method.clone(),
            rows,
            current: index_option(ix, if ix.method == "ivfflat" { "lists" } else { "m" })
                .unwrap_or_default(),
            advice,
        };
    }
    if !ix.is_valid {
        advice.push(
            "INVALID (a failed concurrent build): searches do not use it; \
             `truthgraph-db reindex` rebuilds it"
                .into(),
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
        traced(db_span!(self.telemetry(), "index_usage"), async {
            let client = self.client().await?;
            let stmt = maintenance::index_usage();
            catalog::reread(|| stmt.bind(&client).all()).await
        })
        .await
    }

    /// Size and live rows of every table, largest first.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn table_sizes(&self) -> Result<Vec<TableSize>> {
        traced(db_span!(self.telemetry(), "table_sizes"), async {
            let client = self.client().await?;
            let stmt = maintenance::table_sizes();
            catalog::reread(|| stmt.bind(&client).all()).await
        })
        .await
    }

    /// Exact rows per table and tenant (`claims`, `evidence`) and per
    /// tenant, entity type and model (`embeddings`). Reads every row of
    /// those tables.
    ///
    /// # Errors
    /// Connection and database errors only (a statement timeout on very
    /// large tables).
    pub async fn tenant_counts(&self) -> Result<Vec<TenantCount>> {
        let client = self.client().await?;
        Ok(maintenance::tenant_counts().bind(&client).all().await?)
    }

    /// The server settings that matter for index builds, searches and
    /// pooling (`maintenance_work_mem`, `shared_buffers`, parallel workers,
    /// `max_connections`, `statement_timeout`, …), as a pooled connection
    /// sees them.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn server_settings(&self) -> Result<Vec<ServerSetting>> {
        let client = self.client().await?;
        Ok(maintenance::server_settings().bind(&client).all().await?)
    }

    /// Every vector index with its method, operator class, parameters and validity.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn vector_indexes(&self) -> Result<Vec<VectorIndex>> {
        traced(db_span!(self.telemetry(), "vector_indexes"), async {
            let client = self.client().await?;
            catalog::vector_indexes(&client).await
        })
        .await
    }

    /// Embeddings whose entity is missing or another tenant's, per tenant and
    /// entity type (empty when there are none).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn orphan_embeddings(&self) -> Result<Vec<OrphanEmbeddings>> {
        traced(
            db_span!(self.telemetry(), "orphan_embeddings", "embeddings"),
            async {
                let client = self.client().await?;
                Ok(maintenance::orphan_embeddings().bind(&client).all().await?)
            },
        )
        .await
    }

    /// Deletes every embedding whose entity is missing or another tenant's
    /// (what [`Database::orphan_embeddings`] counts), in one statement, so
    /// all or nothing. Returns how many went, per tenant and entity type
    /// (empty when there were none). Rows of valid entities are untouched.
    ///
    /// # Errors
    /// Connection and database errors only (nothing is deleted then).
    pub async fn delete_orphan_embeddings(&self) -> Result<Vec<OrphanEmbeddings>> {
        traced(
            db_span!(self.telemetry(), "delete_orphan_embeddings", "embeddings"),
            async {
                let client = self.client().await?;
                Ok(maintenance::delete_orphan_embeddings()
                    .bind(&client)
                    .all()
                    .await?)
            },
        )
        .await
    }

    /// Compares each vector index on `embeddings` with the table's size (the
    /// planner's estimate; nothing is analysed here) and recommends
    /// `lists`/`probes` (IVFFlat) or `ef_search` (HNSW). Invalid indexes are
    /// listed as such, leftovers of interrupted builds included.
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn tuning_advice(&self) -> Result<Vec<TuningAdvice>> {
        let indexes = traced(
            db_span!(self.telemetry(), "tuning_advice", "embeddings"),
            async {
                let client = self.client().await?;
                catalog::all_embedding_indexes(&client).await
            },
        )
        .await?;
        Ok(indexes
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
            on_expression: false,
        }
    }

    #[test]
    fn advice_follows_the_index_and_the_table() {
        let d = SearchDefaults {
            ef_search: 100,
            shared_ef_search: 100,
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

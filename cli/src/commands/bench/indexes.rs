//! The candidate indexes `bench` compares: their DDL, the setting swept on
//! each, and the SQL of the kinds the library's own query cannot use (bench
//! code, kept here rather than in `queries/`: no caller searches this way).

use truthgraph_db::sql;

/// A candidate index: its DDL and the settings swept on it.
pub struct IndexSpec {
    pub name: String,
    pub ddl: String,
    /// (setting name, values) swept; empty: one run with the defaults.
    pub sweep: (&'static str, Vec<u32>),
    /// SQL of a search run on plain connections, returning evidence ids:
    /// either [`library_sql`] (its five parameters) or one with `$1` vector,
    /// `$2` tenant, `$3` k; `None`: the library path.
    pub raw_sql: Option<String>,
    /// Extra startup settings of this scenario's connections.
    pub extra: &'static str,
}

pub fn index_specs(wanted: &[String], rows: usize, dim: usize) -> Vec<IndexSpec> {
    let lists = (rows / 1000).max(10);
    let hnsw = |m: u32, efc: u32| {
        format!(
            "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
             USING hnsw (embedding vector_cosine_ops) WITH (m = {m}, ef_construction = {efc})"
        )
    };
    let ef_values = vec![10, 20, 40, 64, 100, 150, 200, 300, 400];
    let mut out = Vec::new();
    for w in wanted {
        match w.as_str() {
            "hnsw" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64".into(),
                ddl: hnsw(16, 64),
                sweep: ("hnsw.ef_search", ef_values.clone()),
                raw_sql: None,
                extra: "",
            }),
            "hnsw-strict" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64, strict_order iterative scan".into(),
                ddl: hnsw(16, 64),
                sweep: ("hnsw.ef_search", vec![40, 100, 200]),
                raw_sql: Some(library_sql()),
                extra: "-c hnsw.iterative_scan=strict_order",
            }),
            "hnsw-off" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64, no iterative scan".into(),
                ddl: hnsw(16, 64),
                sweep: ("hnsw.ef_search", vec![40, 100, 200]),
                raw_sql: Some(library_sql()),
                extra: "-c hnsw.iterative_scan=off",
            }),
            "hnsw32" => out.push(IndexSpec {
                name: "hnsw m=32 ef_construction=128".into(),
                ddl: hnsw(32, 128),
                sweep: ("hnsw.ef_search", vec![20, 40, 64, 100, 200]),
                raw_sql: None,
                extra: "",
            }),
            "ivfflat" => out.push(IndexSpec {
                name: format!("ivfflat lists={lists} (rows/1000)"),
                ddl: format!(
                    "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
                     USING ivfflat (embedding vector_cosine_ops) WITH (lists = {lists})"
                ),
                sweep: (
                    "ivfflat.probes",
                    [1, 2, 3, 5, 8, 12, 20, 40]
                        .into_iter()
                        .filter(|p| *p <= lists as u32)
                        .collect(),
                ),
                raw_sql: None,
                extra: "",
            }),
            "ivfflat100" => out.push(IndexSpec {
                name: "ivfflat lists=100 (the seed's)".into(),
                ddl: "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
                      USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100)"
                    .into(),
                sweep: ("ivfflat.probes", vec![5, 10, 20, 40]),
                raw_sql: None,
                extra: "",
            }),
            "halfvec" => out.push(IndexSpec {
                name: "hnsw m=16 ef_construction=64 on embedding::halfvec".into(),
                ddl: format!(
                    "CREATE INDEX idx_bench_halfvec ON embeddings \
                     USING hnsw ((embedding::halfvec({dim})) halfvec_cosine_ops) \
                     WITH (m = 16, ef_construction = 64)"
                ),
                sweep: ("hnsw.ef_search", vec![40, 100, 200]),
                raw_sql: Some(format!(
                    "SELECT hits.entity_id FROM (SELECT em.entity_id, em.embedding <=> $1 AS d \
                     FROM embeddings em WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' \
                     ORDER BY em.embedding::halfvec({dim}) <=> $1::halfvec({dim}) LIMIT $3) hits \
                     JOIN evidence e ON e.id = hits.entity_id AND e.tenant_id = $2 ORDER BY hits.d"
                )),
                extra: "",
            }),
            "bq" => out.push(IndexSpec {
                name: "hnsw on binary_quantize(embedding), re-ranked by the full vector".into(),
                ddl: format!(
                    "CREATE INDEX idx_bench_bq ON embeddings \
                     USING hnsw ((binary_quantize(embedding)::bit({dim})) bit_hamming_ops) \
                     WITH (m = 16, ef_construction = 64)"
                ),
                sweep: ("hnsw.ef_search", vec![100, 200, 400]),
                raw_sql: Some(format!(
                    "SELECT c.entity_id FROM (SELECT em.entity_id, em.embedding FROM embeddings em \
                     WHERE em.tenant_id = $2 AND em.entity_type = 'evidence' \
                     ORDER BY binary_quantize(em.embedding)::bit({dim}) <~> binary_quantize($1::vector) \
                     LIMIT $3::int8 * 4) c JOIN evidence e ON e.id = c.entity_id AND e.tenant_id = $2 \
                     ORDER BY c.embedding <=> $1 LIMIT $3"
                )),
                extra: "",
            }),
            "none" => {}
            other => eprintln!("bench: unknown index kind {other:?} skipped"),
        }
    }
    out
}

/// The anchor: the plain pgvector query a user could write by hand (one
/// shared HNSW index, m 16, ef_construction 64; `ef_search` 100; relaxed
/// iterative scan; one prepared statement per connection), with no join to
/// `evidence`. The aim: the default no slower than this.
pub fn anchor_spec() -> IndexSpec {
    IndexSpec {
        name: "anchor: plain pgvector query, shared hnsw m=16 ef_construction=64".into(),
        ddl: "CREATE INDEX idx_embeddings_vector_cosine ON embeddings \
              USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            .into(),
        sweep: ("hnsw.ef_search", vec![100]),
        raw_sql: Some(
            "SELECT entity_id FROM embeddings WHERE tenant_id = $2 AND entity_type = 'evidence' \
             ORDER BY embedding <=> $1 LIMIT $3"
                .into(),
        ),
        extra: "",
    }
}

/// The library's search query, returning only ids, for the raw scenarios
/// that change connection settings the library does not expose.
fn library_sql() -> String {
    format!("SELECT id FROM ({}) s", sql::search::SEARCH_EVIDENCE)
}

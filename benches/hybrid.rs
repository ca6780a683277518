//! Hybrid search with a whole claim sentence: the 20K real passages of
//! `benches/data/minilm` in four tenants (50/30/15/5 % by source document),
//! each of the 1,000 held-out claim sentences used as the text (and its
//! vector as the query) of its document's tenant.
//!
//! `cargo bench --bench hybrid` prints one Markdown table for BENCHMARKS.md
//! ("Hybrid search with a claim sentence"): the statement before issue 16
//! (`websearch_to_tsquery`, every word ANDed, `ts_rank_cd`; rebuilt here from
//! its SQL) against the library's `hybrid_search` (OR of the text's rare
//! lexemes, at most 12, `ts_rank`), run alternately query by query on one
//! connection each, after one warm-up pass of both.

#[allow(dead_code)]
#[path = "../cli/src/dataset.rs"]
mod dataset;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use pgvector::Vector;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{EntityType, HybridOptions, NewEmbedding, NewEvidence};
use uuid::Uuid;

/// The hybrid statement as it was before issue 16 (queries/search.sql on main).
const BEFORE: &str = "WITH vec AS (
    SELECT id, row_number() OVER (ORDER BY distance, id) AS rank
    FROM (SELECT em.entity_id AS id, em.embedding <=> $1 AS distance FROM embeddings em
          WHERE em.tenant_id = $2 AND em.entity_type = 'evidence'
            AND (SELECT s.tenant_id = em.tenant_id FROM evidence s WHERE s.id = em.entity_id)
          ORDER BY em.embedding <=> $1 LIMIT $3) v
), kw AS (
    SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank
    FROM (SELECT e.id, ts_rank_cd(e.content_tsv, q) AS score
          FROM evidence e, websearch_to_tsquery('english', $4) q
          WHERE e.tenant_id = $2 AND e.content_tsv @@ q
          ORDER BY score DESC, e.id LIMIT $3) k
)
SELECT e.id, vec.rank AS vector_rank, kw.rank AS keyword_rank
FROM vec FULL OUTER JOIN kw ON kw.id = vec.id
CROSS JOIN LATERAL (SELECT e.id, e.tenant_id FROM evidence e
                    WHERE e.id = coalesce(vec.id, kw.id) OFFSET 0) e
WHERE e.tenant_id = $2
ORDER BY coalesce(1.0::float8 / (60 + vec.rank), 0) + coalesce(1.0::float8 / (60 + kw.rank), 0)
         DESC, e.id
LIMIT $5";

/// Tenant of a source document: 50/30/15/5 % by a hash of its id.
fn tenant_of(source: &str) -> &'static str {
    let h = source.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    match h % 100 {
        0..50 => "t50",
        50..80 => "t30",
        80..95 => "t15",
        _ => "t5",
    }
}

#[derive(Default)]
struct Tally {
    times: Vec<Duration>,
    with_keyword_hits: usize,
    keyword_hits_in_top_k: usize,
    own_document_by_keyword: usize,
}

impl Tally {
    fn row(&self, name: &str, n: usize) -> String {
        let mut t = self.times.clone();
        t.sort();
        let ms = |q: f64| t[((t.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
        format!(
            "| {name} | {} / {n} | {:.1} | {} | {:.2} | {:.2} |",
            self.with_keyword_hits,
            self.keyword_hits_in_top_k as f64 / n as f64,
            self.own_document_by_keyword,
            ms(0.5),
            ms(0.95)
        )
    }
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/minilm");
    let passages = dataset::read_rows(&dir, "passages", 20_000).unwrap();
    let claims = dataset::read_rows(&dir, "queries", 1_000).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = TestDatabase::migrated().await.unwrap();
        let db = &t.db;
        db.set_dimension(passages.dim).await.unwrap();
        // Passages per tenant, stored with their embeddings.
        let mut source_of: HashMap<Uuid, &str> = HashMap::new();
        let mut by_tenant: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, s) in passages.sources.iter().enumerate() {
            by_tenant.entry(tenant_of(s)).or_default().push(i);
        }
        let started = Instant::now();
        for (tenant, rows) in &by_tenant {
            let tn = db.tenant(tenant).unwrap();
            let evidence: Vec<NewEvidence> = rows
                .iter()
                .map(|&i| NewEvidence {
                    content: passages.texts[i].clone(),
                    ..NewEvidence::default()
                })
                .collect();
            let stored = tn.insert_evidence_many(&evidence).await.unwrap();
            let embeddings: Vec<NewEmbedding> = stored
                .iter()
                .zip(rows)
                .map(|(e, &i)| {
                    source_of.insert(e.id, &passages.sources[i]);
                    NewEmbedding {
                        entity_type: EntityType::Evidence,
                        entity_id: e.id,
                        embedding: Vector::from(passages.vectors[i].clone()),
                        model_name: "all-MiniLM-L6-v2".into(),
                        model_version: None,
                    }
                })
                .collect();
            tn.bulk_load_embeddings(&embeddings).await.unwrap();
        }
        let raw = t.raw_client().await.unwrap();
        raw.batch_execute("ANALYZE evidence, embeddings").await.unwrap();
        println!("loaded {} passages in {:.1} s", passages.texts.len(), started.elapsed().as_secs_f64());
        let before = raw.prepare(BEFORE).await.unwrap();
        let opts = HybridOptions::default();
        let (k, candidates) = (opts.k as i64, opts.candidates as i64);
        let (mut old, mut new) = (Tally::default(), Tally::default());
        let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        for pass in 0..2 {
            for (i, text) in claims.texts.iter().enumerate() {
                let (tenant, source) = (tenant_of(&claims.sources[i]), &claims.sources[i]);
                let q = Vector::from(claims.vectors[i].clone());
                let s = Instant::now();
                let rows = raw
                    .query(&before, &[&q, &tenant, &candidates, text, &k])
                    .await
                    .unwrap();
                let d_old = s.elapsed();
                let s = Instant::now();
                let hits = db.tenant(tenant).unwrap().hybrid_search(text, &q, &opts).await.unwrap();
                let d_new = s.elapsed();
                if pass == 0 {
                    continue;
                }
                let old_kw: Vec<Uuid> = rows
                    .iter()
                    .filter(|r| r.get::<_, Option<i64>>(2).is_some())
                    .map(|r| r.get(0))
                    .collect();
                let new_kw: Vec<Uuid> =
                    hits.iter().filter(|h| h.keyword_rank.is_some()).map(|h| h.id).collect();
                for (tally, kw, d) in [(&mut old, old_kw, d_old), (&mut new, new_kw, d_new)] {
                    tally.times.push(d);
                    tally.with_keyword_hits += usize::from(!kw.is_empty());
                    tally.keyword_hits_in_top_k += kw.len();
                    tally.own_document_by_keyword +=
                        usize::from(kw.iter().any(|id| source_of.get(id) == Some(&source.as_str())));
                }
            }
        }
        let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let n = claims.texts.len();
        println!(
            "\nminilm 20K, {n} held-out claim sentences as text, tenants 50/30/15/5 %, k {k}, \
             candidates {candidates}; load average before: {}, after: {}\n",
            load_before.split_whitespace().next().unwrap_or("?"),
            load_after.split_whitespace().next().unwrap_or("?")
        );
        println!(
            "| statement | sentences with keyword hits in the fused top {k} | keyword hits per sentence \
             | sentences whose keyword hits include their own document | p50 ms | p95 ms |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        println!("{}", old.row("before: websearch_to_tsquery (AND), ts_rank_cd", n));
        println!("{}", new.row("library: OR of rare lexemes (< 2 %, max 12), ts_rank", n));
    });
}

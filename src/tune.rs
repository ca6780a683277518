//! Index tuning as a capability (`truthgraph-db tune`): measure recall and
//! latency of candidate settings on this database's own vectors, store the
//! cheapest setting that reaches the target recall, and say when the index
//! itself should be rebuilt.
//!
//! Queries are stored evidence vectors sampled per tenant (the same ones on
//! every run), or vectors given by the caller. A stored vector finds itself
//! first, so both the exact and the indexed search ask for `k + 1` rows and
//! drop the query's own row. Every tenant with more than `k` rows is sampled,
//! so a small tenant's recall is measured, not averaged away.

use std::collections::BTreeMap;
use std::time::Instant;

use pgvector::Vector;
use truthgraph_queries::queries::settings as q;
use uuid::Uuid;

use crate::catalog::{self, VectorIndex, index_option};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::index_build::{Rebuild, recommended_lists};
use crate::raw_sql;
use crate::search::SearchOptions;
use crate::telemetry::{db_span, traced};

/// What [`Database::tune`] measures.
#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Target recall@k against exact search, overall; every tenant must
    /// reach `recall - 0.03` (default 0.98).
    pub recall: f64,
    /// Rows per search (default 10).
    pub k: usize,
    /// Queries in all, spread over the tenants (default 200, at least 20 per
    /// tenant).
    pub sample: usize,
    /// Query vectors to use instead of sampled stored ones (assigned to the
    /// tenants in turn).
    pub queries: Option<Vec<Vector>>,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            recall: 0.98,
            k: 10,
            sample: 200,
            queries: None,
        }
    }
}

/// One candidate setting as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// The value of the setting (`hnsw.ef_search` or `ivfflat.probes`).
    pub value: u32,
    /// Mean recall@k over all queries.
    pub recall: f64,
    /// The lowest tenant's mean recall@k, and that tenant.
    pub worst_tenant: (String, f64),
    /// Median client-side latency of one search, ms.
    pub p50_ms: f64,
}

/// What [`Database::tune`] found and did.
#[derive(Debug, Clone)]
pub struct TuneReport {
    /// The index measured.
    pub index: VectorIndex,
    /// `hnsw.ef_search` or `ivfflat.probes`.
    pub setting: &'static str,
    /// Evidence embeddings in the table.
    pub rows: i64,
    /// Queries per tenant.
    pub queries: BTreeMap<String, usize>,
    /// Every candidate measured, cheapest first.
    pub trials: Vec<Trial>,
    /// The cheapest trial that reached the target, stored in
    /// `truthgraph_settings`; `None` when none did.
    pub chosen: Option<Trial>,
    /// A rebuild of the index, when its parameters no longer suit the table.
    pub rebuild: Option<Rebuild>,
}

const HNSW_CANDIDATES: [u32; 12] = [10, 20, 40, 64, 100, 150, 200, 300, 400, 600, 800, 1000];
const IVFFLAT_CANDIDATES: [u32; 14] = [1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300, 500];

struct Query {
    tenant: String,
    vector: Vector,
    /// The stored row the vector came from, dropped from every result.
    own: Option<Uuid>,
    truth: Vec<Uuid>,
}

impl Database {
    /// Measures candidate settings of the vector index against exact search,
    /// stores the cheapest that reaches `opts.recall` (every process that
    /// opens the database from then on starts its connections with it), and
    /// recommends a rebuild when the index's own parameters no longer suit
    /// the table. Runs no DDL.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for options out of range; [`Error::NotFound`]
    /// when `embeddings` has no vector index or no tenant has more than `k`
    /// rows; connection and database errors.
    pub async fn tune(&self, opts: &TuneOptions) -> Result<TuneReport> {
        traced(
            db_span!(self.telemetry(), "tune", "embeddings"),
            self.run_tune(opts),
        )
        .await
    }

    async fn run_tune(&self, opts: &TuneOptions) -> Result<TuneReport> {
        if !(0.0..=1.0).contains(&opts.recall) {
            return Err(Error::invalid(
                "recall",
                format!("{} is outside [0, 1]", opts.recall),
            ));
        }
        crate::validate::k(opts.k)?;
        let client = self.client().await?;
        let index = catalog::embedding_indexes(&**client)
            .await?
            .into_iter()
            .filter(|ix| ix.is_valid)
            .min_by_key(|ix| ix.index_name != "idx_embeddings_vector_cosine")
            .ok_or_else(|| Error::NotFound {
                what: "a valid vector index on embeddings".into(),
            })?;
        let sizes = q::tenant_sizes().bind(&client).all().await?;
        drop(client);
        let rows: i64 = sizes.iter().map(|s| s.rows).sum();
        let mut queries = self.tuning_queries(opts, &sizes).await?;
        if queries.is_empty() {
            return Err(Error::NotFound {
                what: format!("a tenant with more than {} evidence embeddings", opts.k),
            });
        }
        for query in &mut queries {
            query.truth = self
                .search_ids(
                    query,
                    opts.k,
                    &SearchOptions {
                        exact: true,
                        ..SearchOptions::top(opts.k + 1)
                    },
                )
                .await?;
        }
        let (setting, candidates): (&'static str, Vec<u32>) = if index.method == "hnsw" {
            ("hnsw.ef_search", HNSW_CANDIDATES.to_vec())
        } else {
            let lists = index_option(&index, "lists").unwrap_or(100);
            (
                "ivfflat.probes",
                IVFFLAT_CANDIDATES
                    .iter()
                    .copied()
                    .filter(|p| *p <= lists)
                    .chain(std::iter::once(lists))
                    .collect(),
            )
        };
        let mut trials = Vec::new();
        let mut chosen = None;
        for value in candidates {
            let trial = self.trial(setting, value, &queries, opts.k).await?;
            let reached = trial.recall >= opts.recall && trial.worst_tenant.1 >= opts.recall - 0.03;
            trials.push(trial.clone());
            if reached {
                chosen = Some(trial);
                break;
            }
        }
        if let Some(t) = &chosen {
            let client = self.client().await?;
            q::store_setting()
                .bind(
                    &client,
                    &setting,
                    &t.value.to_string(),
                    &Some(rows),
                    &Some(t.recall),
                    &Some(t.p50_ms),
                    &Some(format!(
                        "recall@{} >= {} on {} queries; worst tenant {} {:.3}",
                        opts.k,
                        opts.recall,
                        queries.len(),
                        t.worst_tenant.0,
                        t.worst_tenant.1
                    )),
                )
                .one()
                .await?;
        }
        let rebuild = rebuild_advice(&index, rows, chosen.as_ref());
        let mut per_tenant = BTreeMap::new();
        for query in &queries {
            *per_tenant.entry(query.tenant.clone()).or_insert(0) += 1;
        }
        Ok(TuneReport {
            index,
            setting,
            rows,
            queries: per_tenant,
            trials,
            chosen,
            rebuild,
        })
    }

    async fn tuning_queries(
        &self,
        opts: &TuneOptions,
        sizes: &[q::TenantSize],
    ) -> Result<Vec<Query>> {
        let tenants: Vec<&q::TenantSize> =
            sizes.iter().filter(|s| s.rows > opts.k as i64).collect();
        if let Some(given) = &opts.queries {
            return Ok(given
                .iter()
                .enumerate()
                .filter(|_| !tenants.is_empty())
                .map(|(i, v)| Query {
                    tenant: tenants[i % tenants.len()].tenant_id.clone(),
                    vector: v.clone(),
                    own: None,
                    truth: Vec::new(),
                })
                .collect());
        }
        let per = (opts.sample / tenants.len().max(1)).max(20) as i64;
        let client = self.client().await?;
        let mut out = Vec::new();
        for t in tenants {
            for s in q::sample_embeddings()
                .bind(&client, &t.tenant_id, &per)
                .all()
                .await?
            {
                out.push(Query {
                    tenant: t.tenant_id.clone(),
                    vector: s.embedding,
                    own: Some(s.entity_id),
                    truth: Vec::new(),
                });
            }
        }
        Ok(out)
    }

    /// The ids of a search for `query`, without the query's own row, at most `k`.
    async fn search_ids(&self, query: &Query, k: usize, opts: &SearchOptions) -> Result<Vec<Uuid>> {
        let hits = self
            .tenant(&query.tenant)?
            .search_evidence(&query.vector, opts)
            .await?;
        Ok(hits
            .into_iter()
            .map(|h| h.id)
            .filter(|id| Some(*id) != query.own)
            .take(k)
            .collect())
    }

    /// Measures one setting through connections started with it, as every
    /// process will be once it is stored.
    async fn trial(&self, setting: &str, value: u32, queries: &[Query], k: usize) -> Result<Trial> {
        let mut config = self.config().clone();
        config.pool_max_size = 2;
        if setting == "hnsw.ef_search" {
            config.ef_search = Some(value);
        } else {
            config.probes = Some(value);
        }
        let db = Database::connect(&config, self.url()).await?;
        let mut latencies = Vec::new();
        let mut by_tenant: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
        let mut sum = 0.0;
        for query in queries {
            let started = Instant::now();
            let got = db.search_ids(query, k, &SearchOptions::top(k + 1)).await?;
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            let hit = got.iter().filter(|id| query.truth.contains(id)).count();
            let r = hit as f64 / query.truth.len().max(1) as f64;
            sum += r;
            let e = by_tenant.entry(&query.tenant).or_default();
            e.0 += r;
            e.1 += 1;
        }
        db.close().await;
        latencies.sort_by(f64::total_cmp);
        let worst_tenant = by_tenant
            .iter()
            .map(|(t, (s, n))| (t.to_string(), s / *n as f64))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or_default();
        Ok(Trial {
            value,
            recall: sum / queries.len().max(1) as f64,
            worst_tenant,
            p50_ms: latencies
                .get(latencies.len() / 2)
                .copied()
                .unwrap_or_default(),
        })
    }

    /// The stored search settings (empty before the first `tune`).
    ///
    /// # Errors
    /// Connection and database errors only.
    pub async fn stored_settings(&self) -> Result<Vec<crate::settings::Setting>> {
        traced(
            db_span!(self.telemetry(), "stored_settings", "truthgraph_settings"),
            async { crate::settings::stored(&**self.client().await?).await },
        )
        .await
    }
}

/// A rebuild when the index's parameters no longer suit `rows`: IVFFlat
/// lists far from rows/1000; HNSW whose needed `ef_search` is 400 or more (or
/// that cannot reach the target at all).
fn rebuild_advice(ix: &VectorIndex, rows: i64, chosen: Option<&Trial>) -> Option<Rebuild> {
    let temporary = catalog::TUNE_REBUILD_INDEX.to_string();
    // A tenant's own (partial) index is rebuilt by `tiers`, never replaced
    // by an index over every tenant.
    if ix.definition.contains(" WHERE ") {
        return None;
    }
    if ix.method == "ivfflat" {
        let lists = index_option(ix, "lists").unwrap_or(100);
        let want = recommended_lists(rows);
        if want > lists * 2 || want * 2 < lists {
            return Some(Rebuild {
                reason: format!("{rows} rows for lists = {lists}: rebuild with lists = {want}"),
                create: raw_sql::create_vector_index_concurrently(
                    &temporary,
                    "ivfflat",
                    &ix.opclass,
                    &format!("lists = {want}"),
                ),
                temporary,
            });
        }
        return None;
    }
    let m = index_option(ix, "m").unwrap_or(16);
    let efc = index_option(ix, "ef_construction").unwrap_or(64);
    let needs = chosen.is_none_or(|t| t.value >= 400);
    (needs && m < 48).then(|| {
        let (m2, efc2) = ((m * 2).min(48), (efc * 2).clamp(128, 1000));
        Rebuild {
            reason: match chosen {
                None => format!("m = {m} does not reach the target recall at any ef_search"),
                Some(t) => format!("m = {m} needs ef_search = {} at {rows} rows", t.value),
            } + &format!(": rebuild with m = {m2}, ef_construction = {efc2}"),
            create: raw_sql::create_vector_index_concurrently(
                &temporary,
                "hnsw",
                &ix.opclass,
                &format!("m = {m2}, ef_construction = {efc2}"),
            ),
            temporary,
        }
    })
}

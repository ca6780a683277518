//! The benchmark proper: load the data set, take exact search as the truth,
//! then measure every candidate index, the default, and the default under
//! row-level security.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{Value, json};
use truthgraph_db::index_build::TierOptions;
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{
    BulkLoadOptions, Config, Database, EntityType, NewClaim, NewEmbedding, NewEvidence,
    SearchOptions, catalog, raw_sql,
};
use uuid::Uuid;

use super::indexes::{IndexSpec, anchor_spec, index_specs};
use super::scenario::{Ctx, latency_by_tenant, rebuild};
use super::{Args, Progress, ms, percentile, round, tenant_of};
use crate::dataset::Dataset;

/// The data set as loaded: its tenants, and the queries with the tenant each
/// one searches.
pub struct Loaded {
    pub tenants: Vec<String>,
    /// Rows per tenant.
    pub sizes: Vec<usize>,
    /// The tenant of each query.
    pub query_tenant: Vec<usize>,
    pub queries: Vec<Vector>,
}

/// Claim-like vectors (and texts) stored as the tenants' claims, never
/// searched with: shared out over the tenants in turn.
pub struct Claims {
    pub vectors: Vec<Vec<f32>>,
    pub texts: Vec<String>,
}

pub(super) async fn measure_all(
    config: &Config,
    url: &str,
    data: &Dataset,
    claims: &Claims,
    args: &Args,
) -> anyhow::Result<Value> {
    let db = Database::connect(config, url).await?;
    db.migrate(None).await?;
    if db.embedding_dimension().await? != data.dim {
        db.set_dimension(data.dim).await?;
    }
    // What the migrations built, to measure as the default at the end.
    let client = db.client().await?;
    let migration_indexes = catalog::embedding_indexes(&**client).await?;
    for ix in &migration_indexes {
        client
            .batch_execute(&raw_sql::drop_index(&ix.index_name))
            .await?;
    }
    drop(client);
    let (loaded, mut load) = load(&db, data, args).await?;
    load["claims_per_tenant"] = json!(store_claims(&db, &loaded.tenants, claims).await?);
    let info = catalog::server_info(&**db.client().await?).await?;

    // Exact top-k per query: the truth every scenario is compared with.
    let mut truth = Vec::new();
    let mut exact_ms = Vec::new();
    let mut p = Progress::new("exact search (ground truth)", loaded.queries.len());
    for (j, q) in loaded.queries.iter().enumerate() {
        let t = db.tenant(&loaded.tenants[loaded.query_tenant[j]])?;
        let started = Instant::now();
        let hits = t
            .search_evidence(
                q,
                &SearchOptions {
                    exact: true,
                    ..SearchOptions::top(args.k)
                },
            )
            .await?;
        exact_ms.push(ms(started.elapsed()));
        truth.push(hits.into_iter().map(|h| h.id).collect::<Vec<Uuid>>());
        p.set(j + 1);
    }
    let exact_by_tenant = latency_by_tenant(&loaded, &exact_ms);
    exact_ms.sort_by(f64::total_cmp);
    let mut scenarios = vec![json!({
        "name": "exact (no index)", "index": "none", "params": {},
        "tenant_filtered": loaded.tenants.len() > 1, "default": false,
        "recall_at_10": 1.0, "p50_ms": round(percentile(&exact_ms, 0.5), 3),
        "p95_ms": round(percentile(&exact_ms, 0.95), 3), "p99_ms": round(percentile(&exact_ms, 0.99), 3),
        "latency_by_tenant": exact_by_tenant, "short_results": 0,
    })];
    let mut builds = BTreeMap::new();
    let ctx = Ctx {
        config,
        url,
        loaded: &loaded,
        truth: &truth,
        args,
    };
    // The anchor first: the plain pgvector query over one shared HNSW index.
    let anchor = (!args.no_anchor).then(anchor_spec);
    let specs = anchor
        .into_iter()
        .chain(index_specs(&args.indexes, data.passages.len(), data.dim));
    for spec in specs {
        let build = rebuild(&db, std::slice::from_ref(&spec.ddl)).await?;
        builds.insert(spec.name.clone(), round(build.as_secs_f64(), 2));
        for value in &spec.sweep.1 {
            let label = format!("{} {}={value}", spec.name, spec.sweep.0);
            let mut s = ctx
                .scenario(&label, &spec, Some((spec.sweep.0, *value)))
                .await?;
            s["index"] = json!(spec.name);
            s["params"] = json!({ spec.sweep.0: value });
            scenarios.push(s);
        }
    }
    // The default: the migrations' index, then the tenants' own indexes as
    // `truthgraph-db tiers --apply` builds them (src/tiers/), the settings a
    // user gets.
    let defs: Vec<String> = migration_indexes
        .iter()
        .map(|ix| ix.definition.clone())
        .collect();
    let build = rebuild(&db, &defs).await?;
    let started = Instant::now();
    let tiers = db
        .maintain_tiers(&TierOptions {
            apply: true,
            ..TierOptions::default()
        })
        .await?;
    let build = build + started.elapsed();
    let indexed = tiers
        .tiers
        .iter()
        .filter(|t| t.build_seconds.is_some())
        .count();
    let quantized = tiers
        .tiers
        .iter()
        .filter(|t| t.build_seconds.is_some() && t.quantized)
        .count();
    let plain = Database::connect(config, url).await?;
    let d = plain.search_defaults().clone();
    plain.close().await;
    let spec = IndexSpec {
        name: format!(
            "tiered: hnsw m=16 ef_construction=64 per tenant of {}+ rows ({indexed} tenants, \
             {quantized} of them on binary_quantize re-ranked), exact below",
            tiers.threshold
        ),
        ddl: String::new(),
        sweep: ("", Vec::new()),
        raw_sql: None,
        extra: "",
    };
    let mut s = ctx
        .scenario("default (what a user gets)", &spec, None)
        .await?;
    s["name"] = json!("default");
    s["index"] = json!(spec.name);
    s["params"] = json!({ "hnsw.ef_search": "measured per tenant at its build (floor: 64 below 5K rows, 100 to 20K, 200 above; m 32 past 200; for a Hamming list, its re-rank candidates, measured from 100 up to 800)",
        "connection ef_search": d.ef_search, "origin": format!("{:?}", d.ef_search_origin) });
    s["tiers"] = json!(tiers.tiers.iter().map(|t| json!({
        "tenant": t.tenant_id, "entity_type": t.entity_type.as_str(), "rows": t.rows, "index": t.build_seconds.is_some() || t.action == truthgraph_db::index_build::TierAction::Keep,
        "ef_search": t.ef_search, "build_s": t.build_seconds.map(|b| round(b, 2)),
        "ef_measured_recall": t.measured.map(|m| round(m.recall, 4)), "hnsw_m": t.hnsw_m, "quantized": t.quantized, "hamming_list": t.hamming_list(),
        "index_bytes": t.index_bytes,
    })).collect::<Vec<_>>());
    s["default"] = json!(true);
    builds.insert("default".into(), round(build.as_secs_f64(), 2));
    scenarios.push(s);
    // The same default as a service running with least privilege: a login
    // of the role truthgraph_app (migration V7), row-level security in force.
    let login = format!("truthgraph_bench_app_{}", std::process::id());
    let password = Uuid::new_v4().simple().to_string();
    let admin = db.client().await?;
    admin
        .batch_execute(&raw_sql::create_app_login(&login, &password))
        .await?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let app_url = format!("{url}{sep}user={login}&password={password}");
    let app = Ctx {
        url: &app_url,
        ..ctx
    };
    let measured = app
        .scenario(
            "default as truthgraph_app (row-level security)",
            &spec,
            None,
        )
        .await;
    admin.batch_execute(&raw_sql::drop_role(&login)).await?;
    let mut s = measured?;
    s["name"] = json!("default, row-level security (truthgraph_app)");
    s["index"] = json!(spec.name);
    s["default"] = json!(false);
    scenarios.push(s);
    drop(admin);
    db.close().await;
    // One line per scenario: overall recall, the smallest tenant's, latency.
    let summary: Vec<Value> = scenarios
        .iter()
        .map(|s| {
            json!(format!(
                "{:<60} recall {:.4} min tenant {} p50 {} ms p95 {} ms short {}",
                s["name"].as_str().unwrap_or_default(),
                s["recall_at_10"].as_f64().unwrap_or(f64::NAN),
                s["recall_min"],
                s["p50_ms"],
                s["p95_ms"],
                s["short_results"]
            ))
        })
        .collect();
    Ok(json!({
        "summary": summary,
        "dataset": data.name,
        "rows": data.passages.len(), "dim": data.dim, "queries": loaded.queries.len(), "k": args.k,
        "tenants": loaded.tenants.iter().zip(&loaded.sizes).map(|(t, n)| json!({"tenant": t, "rows": n})).collect::<Vec<_>>(),
        "concurrency": args.concurrency,
        "scenarios": scenarios,
        "load": load,
        "index_build_s": builds,
        "server": { "version": info.server_version, "pgvector": info.pgvector_version },
    }))
}

/// Stores `claims` as the tenants' claims, with their embeddings (shared
/// out in turn, at most `claims.vectors.len() / tenants` each); returns how
/// many each tenant got.
async fn store_claims(db: &Database, tenants: &[String], claims: &Claims) -> anyhow::Result<usize> {
    let per = claims.vectors.len() / tenants.len().max(1);
    if per == 0 {
        return Ok(0);
    }
    for (t, tenant) in tenants.iter().enumerate() {
        let picked: Vec<usize> = (0..per).map(|i| i * tenants.len() + t).collect();
        let rows: Vec<NewClaim> = picked
            .iter()
            .map(|i| NewClaim {
                text: claims.texts[*i].clone(),
                source_url: None,
            })
            .collect();
        let tenant = db.tenant(tenant)?;
        let stored = tenant.insert_claims(&rows).await?;
        let embeddings: Vec<NewEmbedding> = picked
            .iter()
            .zip(stored)
            .map(|(i, c)| NewEmbedding {
                entity_type: EntityType::Claim,
                entity_id: c.id,
                embedding: Vector::from(claims.vectors[*i].clone()),
                model_name: "bench".into(),
                model_version: None,
            })
            .collect();
        let opts = BulkLoadOptions {
            defer_tiers: true,
            ..BulkLoadOptions::default()
        };
        tenant.bulk_load_embeddings_with(&embeddings, opts).await?;
    }
    Ok(per)
}

/// Inserts the passages as evidence of their tenants and bulk-loads their
/// embeddings (no vector index present); returns the load figures.
async fn load(db: &Database, data: &Dataset, args: &Args) -> anyhow::Result<(Loaded, Value)> {
    let tenants: Vec<String> = (1..=args.tenants.0.len())
        .map(|t| format!("tenant-{t}"))
        .collect();
    let owner: Vec<usize> = (0..data.passages.len())
        .map(|i| tenant_of(i, &args.tenants.0))
        .collect();
    // Evidence rows per tenant, in batches (one UNNEST statement each).
    let mut p = Progress::new("insert evidence (batches)", data.passages.len());
    let mut ids = vec![Uuid::nil(); data.passages.len()];
    let mut done = 0;
    for (t, tenant) in tenants.iter().enumerate() {
        let rows: Vec<usize> = (0..data.passages.len())
            .filter(|i| owner[*i] == t)
            .collect();
        for chunk in rows.chunks(5000) {
            let batch: Vec<NewEvidence> = chunk
                .iter()
                .map(|i| NewEvidence {
                    content: data.texts[*i].clone(),
                    source_url: None,
                    source_type: Some("bench".into()),
                })
                .collect();
            let stored = db.tenant(tenant)?.insert_evidence_many(&batch).await?;
            for (i, ev) in chunk.iter().zip(stored) {
                ids[*i] = ev.id;
            }
            done += chunk.len();
            p.set(done);
        }
    }
    let started = Instant::now();
    let mut p = Progress::new("bulk load embeddings (binary COPY)", data.passages.len());
    let mut n = 0;
    for (t, tenant) in tenants.iter().enumerate() {
        let rows: Vec<NewEmbedding> = (0..data.passages.len())
            .filter(|i| owner[*i] == t)
            .map(|i| NewEmbedding {
                entity_type: EntityType::Evidence,
                entity_id: ids[i],
                embedding: Vector::from(data.passages[i].clone()),
                model_name: "bench".into(),
                model_version: None,
            })
            .collect();
        for chunk in rows.chunks(5000) {
            // No index is built during the load: the scenarios build theirs.
            let opts = BulkLoadOptions {
                defer_tiers: true,
                ..BulkLoadOptions::default()
            };
            n += db
                .tenant(tenant)?
                .bulk_load_embeddings_with(chunk, opts)
                .await?
                .rows as usize;
            p.set(n);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    db.client()
        .await?
        .batch_execute(raw_sql::ANALYZE_SEARCH_TABLES)
        .await?;
    let sizes = (0..tenants.len())
        .map(|t| owner.iter().filter(|o| **o == t).count())
        .collect();
    let query_tenant = (0..data.queries.len()).map(|j| j % tenants.len()).collect();
    let queries = data
        .queries
        .iter()
        .map(|q| Vector::from(q.clone()))
        .collect();
    Ok((
        Loaded {
            tenants,
            sizes,
            query_tenant,
            queries,
        },
        json!({ "rows": n, "seconds": round(seconds, 2), "rows_per_s": round(n as f64 / seconds, 0),
                "method": "binary COPY, no vector index" }),
    ))
}

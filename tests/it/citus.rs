//! The `citus` test group (feature `citus`; Citus installed by
//! `scripts/provision-citus.sh`): a real Citus cluster, one coordinator and
//! two workers on this machine (`truthgraph_db::testing_citus`), each test in
//! a database of its own on all three.
//!
//! `cargo test -p truthgraph-db --features citus --test it citus:: -- --nocapture`
//! also prints the cluster's start time.

mod bench;
mod distributed;
mod library;
mod refusals;
mod tiers;
mod workers;

use std::collections::BTreeSet;

use pgvector::Vector;
use truthgraph_db::testing_citus::{CitusDatabase, WORKERS, set_up_times, worker_ports};

use crate::support::random_unit;

/// One statement's rows of one text column.
async fn texts(c: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    c.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn the_cluster_has_a_coordinator_and_two_workers_with_citus_and_pgvector() {
    let t = CitusDatabase::empty().await.unwrap();
    let times = set_up_times().unwrap();
    println!(
        "Citus cluster: {WORKERS} workers started in {:.1} s, templates made in {:.1} s",
        times.cluster.as_secs_f64(),
        times.templates.as_secs_f64()
    );
    let started = std::time::Instant::now();
    let second = CitusDatabase::empty().await.unwrap();
    println!(
        "a test's database, cloned on the {} nodes: {:.2} s",
        WORKERS + 1,
        started.elapsed().as_secs_f64()
    );
    drop(second);
    let c = t.raw_client().await.unwrap();
    let mut active: Vec<i64> = c
        .query(
            "SELECT node_port FROM citus_get_active_worker_nodes() ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    active.sort();
    let mut expected: Vec<i64> = worker_ports().unwrap().into_iter().map(i64::from).collect();
    expected.sort();
    assert_eq!(active.len(), WORKERS);
    assert_eq!(active, expected);
    // The coordinator is in the metadata too (group 0), for reference tables.
    let roles = texts(
        &c,
        "SELECT groupid::text || ' ' || noderole::text || ' ' || isactive::text \
         FROM pg_dist_node ORDER BY groupid",
    )
    .await;
    assert_eq!(
        roles,
        ["0 primary true", "1 primary true", "2 primary true"],
        "pg_dist_node"
    );
    // Every node has both extensions in this database, at the coordinator's
    // versions (pgvector is whatever scripts/provision-postgres.sh installed).
    let ext_sql = "SELECT extname::text || ' ' || extversion FROM pg_extension \
                   WHERE extname IN ('citus', 'vector') ORDER BY 1";
    let on_coordinator = texts(&c, ext_sql).await;
    assert_eq!(on_coordinator.len(), 2, "{on_coordinator:?}");
    assert_eq!(on_coordinator[0], "citus 13.2-1");
    for i in 0..WORKERS {
        let w = t.worker_client(i).await.unwrap();
        assert_eq!(texts(&w, ext_sql).await, on_coordinator, "worker {i}");
    }
    // Each worker answers the coordinator.
    let reached = texts(
        &c,
        "SELECT result FROM run_command_on_workers('SELECT current_database()') ORDER BY nodeport",
    )
    .await;
    assert_eq!(reached, vec![t.name.clone(); WORKERS]);
}

/// `EXPLAIN sql` by the simple protocol, which shows the workers' plans.
pub(crate) async fn explain(c: &tokio_postgres::Client, sql: &str) -> String {
    c.simple_query(&format!("EXPLAIN {sql}"))
        .await
        .unwrap_or_else(|e| panic!("EXPLAIN {sql}: {e}"))
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const DIM: usize = 32;
/// Rows per tenant: tenant i has ROWS[i] (from about 3000 rows on, the
/// workers plan a tenant's top 10 with the HNSW index rather than a sort).
const ROWS: [usize; 4] = [5000, 4000, 3000, 3000];
const K: usize = 10;

fn cosine_distance(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    1.0 - dot / (na * nb)
}

/// The `k` ids nearest to `q` among `rows`, by brute force.
fn exact_top(rows: &[(String, i32, Vec<f32>)], tenant: Option<&str>, q: &[f32]) -> Vec<i32> {
    let mut scored: Vec<(f64, i32)> = rows
        .iter()
        .filter(|r| tenant.is_none_or(|t| r.0 == t))
        .map(|r| (cosine_distance(&r.2, q), r.1))
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.into_iter().take(K).map(|s| s.1).collect()
}

#[tokio::test]
async fn hnsw_search_on_a_distributed_table_finds_the_brute_force_rows() {
    let t = CitusDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    // One statement at a time: Citus sends a propagated DDL's text to the
    // workers, and refuses a text of several statements there.
    for sql in [
        format!(
            // No index on tenant: the planner's other choice for a tenant's
            // few hundred rows would be an exact sort.
            "CREATE TABLE items (tenant text NOT NULL, id int NOT NULL, \
             embedding vector({DIM}) NOT NULL)"
        ),
        "SELECT create_distributed_table('items', 'tenant')".into(),
        "CREATE INDEX items_embedding_hnsw ON items USING hnsw (embedding vector_cosine_ops)"
            .into(),
    ] {
        c.batch_execute(&sql).await.unwrap();
    }
    // Four tenants in four shards of their own, so that each search walks
    // a graph of its tenant's rows only (tenants sharing a shard share its
    // graph and filter after the walk: the recall question of BENCHMARKS.md).
    let mut tenants: Vec<String> = Vec::new();
    let mut shards = BTreeSet::new();
    for i in 0.. {
        let name = format!("t{i}");
        let shard: i64 = c
            .query_one(
                "SELECT get_shard_id_for_distribution_column('items', $1::text)",
                &[&name],
            )
            .await
            .unwrap()
            .get(0);
        if shards.insert(shard) {
            tenants.push(name);
        }
        if tenants.len() == ROWS.len() {
            break;
        }
    }
    let mut rows = Vec::new();
    let mut id = 0;
    for (tenant, n) in tenants.iter().zip(ROWS) {
        for _ in 0..n {
            id += 1;
            rows.push((tenant.to_string(), id, random_unit(id as u64, DIM).to_vec()));
        }
    }
    let owners: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.1).collect();
    let vectors: Vec<String> = rows.iter().map(|r| format!("{:?}", r.2)).collect();
    c.execute(
        "INSERT INTO items SELECT * FROM unnest($1::text[], $2::int[], $3::text[]::vector[])",
        &[&owners, &ids, &vectors],
    )
    .await
    .unwrap();
    c.batch_execute("ANALYZE items").await.unwrap();
    // The table's shards are on the workers, none on the coordinator.
    let placed: i64 = c
        .query_one(
            "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'items'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(placed, WORKERS as i64);

    let search = "SELECT id FROM items WHERE tenant = $1 ORDER BY embedding <=> $2 LIMIT 10";
    let (mut found, mut total) = (0, 0);
    for (qi, tenant) in tenants.iter().cycle().take(40).enumerate() {
        let q = random_unit(1_000_000 + qi as u64, DIM);
        let got: Vec<i32> = c
            .query(search, &[tenant, &q])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let exact = exact_top(&rows, Some(tenant), q.as_slice());
        assert_eq!(got.len(), K, "tenant {tenant}: exactly k rows");
        let own: BTreeSet<i32> = rows
            .iter()
            .filter(|r| r.0 == *tenant)
            .map(|r| r.1)
            .collect();
        assert!(
            got.iter().all(|id| own.contains(id)),
            "tenant {tenant}: another tenant's row"
        );
        found += got.iter().filter(|id| exact.contains(id)).count();
        total += K;
    }
    let recall = found as f64 / total as f64;
    println!("HNSW on the distributed table, per tenant: recall@10 {recall:.3}");
    assert!(recall >= 0.95, "recall@10 {recall}");

    // A tenant's search goes to one shard, and walks its HNSW index there.
    // (Literals, and the simple protocol: a prepared EXPLAIN shows no remote
    // plan.)
    let q = format!("'{:?}'", random_unit(7, DIM).to_vec());
    for tenant in &tenants {
        let plan = explain(
            &c,
            &format!(
                "SELECT id FROM items WHERE tenant = '{tenant}' ORDER BY embedding <=> {q} LIMIT 10"
            ),
        )
        .await;
        assert!(plan.contains("Task Count: 1"), "{plan}");
        assert!(
            plan.contains("Index Scan using items_embedding_hnsw_"),
            "{plan}"
        );
    }

    // Without a tenant every shard answers and the coordinator merges their
    // top k: the same rows as a brute force over the whole table.
    let all = "SELECT id FROM items ORDER BY embedding <=> $1 LIMIT 10";
    let plan = explain(
        &c,
        &format!("SELECT id FROM items ORDER BY embedding <=> {q} LIMIT 10"),
    )
    .await;
    assert!(plan.contains("Task Count: 8"), "{plan}");
    // Every shard holding rows walks its own graph (the other four are empty).
    c.batch_execute("SET citus.explain_all_tasks = on")
        .await
        .unwrap();
    let plan = explain(
        &c,
        &format!("SELECT id FROM items ORDER BY embedding <=> {q} LIMIT 10"),
    )
    .await;
    assert_eq!(
        plan.matches("Index Scan using items_embedding_hnsw_")
            .count(),
        ROWS.len(),
        "{plan}"
    );
    let mut found = 0;
    for qi in 0..20u64 {
        let q: Vector = random_unit(2_000_000 + qi, DIM);
        let got: Vec<i32> = c
            .query(all, &[&q])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(got.len(), K);
        let exact = exact_top(&rows, None, q.as_slice());
        found += got.iter().filter(|id| exact.contains(id)).count();
    }
    let recall = found as f64 / (20 * K) as f64;
    println!("HNSW on the distributed table, all shards merged: recall@10 {recall:.3}");
    assert!(recall >= 0.95, "merged recall@10 {recall}");
}

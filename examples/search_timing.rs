//! The same search as the Python benchmark (examples/python/bench_search.py),
//! from Rust, on the same database in the same run: `search_evidence` with
//! `k` and a similarity floor, one caller at a time (latency) and from
//! `--tasks` concurrent tasks (throughput). Prints one JSON line.
//!
//! ```sh
//! cargo run --release --example search_timing -- URL TENANT QUERIES.f32 DIM K SEQUENTIAL TASKS PER_TASK
//! ```
//! `QUERIES.f32`: the query vectors, row after row of `DIM` little-endian f32.

use std::time::{Duration, Instant};

use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Config, Database, SearchOptions};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        panic!("argument {i} ({name}) missing or unparsable; see the file's docs")
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() -> truthgraph_db::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (url, tenant): (String, String) = (arg(&args, 1, "url"), arg(&args, 2, "tenant"));
    let path: String = arg(&args, 3, "queries");
    let (dim, k): (usize, usize) = (arg(&args, 4, "dim"), arg(&args, 5, "k"));
    let sequential: usize = arg(&args, 6, "sequential");
    let (tasks, per_task): (usize, usize) = (arg(&args, 7, "tasks"), arg(&args, 8, "per_task"));
    let bytes = std::fs::read(&path).expect("query file");
    let queries: Vec<Vector> = bytes
        .chunks_exact(4 * dim)
        .map(|row| {
            let v = row
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()));
            Vector::from(v.collect::<Vec<f32>>())
        })
        .collect();
    let db = Database::open(&Config::from_env()?.with_url(url)).await?;
    let opts = SearchOptions {
        min_similarity: Some(0.0),
        ..SearchOptions::top(k)
    };
    let t = db.tenant(&tenant)?;
    for q in queries.iter().take(50) {
        t.search_evidence(q, &opts).await?; // warm-up: connections, prepared statements
    }
    let mut times = Vec::with_capacity(sequential);
    for q in queries.iter().cycle().take(sequential) {
        let start = Instant::now();
        t.search_evidence(q, &opts).await?;
        times.push(start.elapsed());
    }
    times.sort();
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let (db, tenant, opts) = (db.clone(), tenant.clone(), opts.clone());
        let mine: Vec<Vector> = (0..per_task)
            .map(|i| queries[(task * per_task + i) % queries.len()].clone())
            .collect();
        handles.push(tokio::spawn(async move {
            let t = db.tenant(&tenant)?;
            for q in &mine {
                t.search_evidence(q, &opts).await?;
            }
            Ok::<_, truthgraph_db::Error>(())
        }));
    }
    for h in handles {
        h.await.expect("task")?;
    }
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{{\"p50_ms\": {:.4}, \"p95_ms\": {:.4}, \"qps\": {:.1}, \"sequential\": {sequential}, \"tasks\": {tasks}, \"per_task\": {per_task}}}",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        (tasks * per_task) as f64 / wall
    );
    db.close().await;
    Ok(())
}

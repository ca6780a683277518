//! Throughput with and without the standby: a measurement, ignored by default.

use super::*;

/// Searches/s of 10 tasks for `secs`, and the mean latency of a write
/// followed by a token read (and of a plain read, for comparison).
async fn measure(db: &Database, vectors: Arc<Vec<Vector>>, secs: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..10)
        .map(|k| {
            let (db, vectors, done) = (db.clone(), vectors.clone(), done.clone());
            tokio::spawn(async move {
                let acme = db.tenant(TENANT).unwrap();
                let mut i = k * 37;
                while Instant::now() < deadline {
                    acme.search_evidence(&vectors[i % vectors.len()], &SearchOptions::top(10))
                        .await
                        .unwrap();
                    i += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// The figures of issue 10 part 5; run with
/// `cargo test --release --test it -- replicas::throughput --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: prints figures"]
async fn throughput() {
    let _one = PAIRS.lock().await;
    let pair = ReplicatedServers::start().await.unwrap();
    let both = Database::open(&pair.config()).await.unwrap();
    let dim = both.embedding_dimension().await.unwrap();
    let mut data = Clustered::new(5, dim, 16, 0.5);
    let mut vectors = Vec::new();
    for _ in 0..10 {
        vectors.extend(load(&both, &mut data, 1000).await);
    }
    let queries = Arc::new(vectors.into_iter().step_by(10).collect::<Vec<_>>());
    pair.wait_caught_up().await.unwrap();
    let alone = Database::open(&Config {
        replica_urls: Vec::new(),
        ..pair.config()
    })
    .await
    .unwrap();
    // Warm both servers' caches first.
    measure(&alone, queries.clone(), 2).await;
    measure(&both, queries.clone(), 2).await;
    let secs = 10;
    let primary_only = measure(&alone, queries.clone(), secs).await;
    let with_standby = measure(&both, queries.clone(), secs).await;
    println!(
        "10 tasks, {dim}-d, 10000 rows, k=10, hnsw.ef_search {}, pools of {}, {secs} s each:",
        alone.search_defaults().ef_search,
        alone.config().pool_max_size
    );
    println!("  primary alone:      {primary_only:.0} searches/s");
    println!("  primary + standby:  {with_standby:.0} searches/s (reads on the standby)");
    // Write then read back: plain read vs read after a token.
    let acme = both.tenant(TENANT).unwrap();
    let n = 200;
    let (mut plain, mut token_read, mut token_take) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut fell_back = 0;
    for i in 0..n {
        let claim = acme.insert_claim(&format!("c{i}"), None).await.unwrap();
        let t0 = Instant::now();
        let token = both.write_token().await.unwrap();
        token_take += t0.elapsed();
        let t1 = Instant::now();
        let seen = acme.after_write(token).get_claim(claim.id).await.unwrap();
        token_read += t1.elapsed();
        assert!(seen.is_some());
        let t2 = Instant::now();
        if acme.get_claim(claim.id).await.unwrap().is_none() {
            fell_back += 1;
        }
        plain += t2.elapsed();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / n as f64;
    println!("write then read back, {n} times (mean):");
    println!("  write_token():          {:.3} ms", ms(token_take));
    println!("  read after the token:   {:.3} ms", ms(token_read));
    println!(
        "  plain read just after:  {:.3} ms ({fell_back} of {n} did not see the write yet)",
        ms(plain)
    );
}

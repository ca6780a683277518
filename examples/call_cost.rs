//! What one library call costs on the client: heap allocations, bytes and
//! wall time per `get_claim` and per top-10 `search_evidence`.
//!
//! `DATABASE_URL=… cargo run --release --example call_cost -- setup` loads
//! 2,000 claims and 2,000 evidence rows with 384-dim embeddings (tenant
//! `acme`) into a migrated database; `… --example call_cost -- 3000` then runs
//! 3,000 calls of each after one warm-up and prints the figures. Allocations
//! are counted by a counting global allocator, so they do not depend on the
//! machine's load; the wall time does. BENCHMARKS.md ("The cost of a call")
//! has the figures before and after the retry macros became functions.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Config, Database, EntityType, SearchOptions};

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting each allocation and its size.
struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `n` calls of `call` and prints allocations, bytes and µs per call.
async fn measure<F: AsyncFnMut()>(name: &str, n: usize, mut call: F) {
    let (a0, b0, t0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed), Instant::now());
    for _ in 0..n {
        call().await;
    }
    let per = |x: u64| x as f64 / n as f64;
    println!(
        "{name}: {:.2} allocations, {:.0} bytes, {:.1} us per call",
        per(ALLOCS.load(Relaxed) - a0),
        per(BYTES.load(Relaxed) - b0),
        t0.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> truthgraph_db::Result<()> {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "1000".into());
    let db = Database::open(&Config::from_env()?).await?;
    let acme = db.tenant("acme")?;
    let vector = |i: usize| {
        Vector::from(
            (0..384)
                .map(|j| ((i * 31 + j * 7) % 97) as f32 - 48.0)
                .collect::<Vec<_>>(),
        )
    };
    if arg == "setup" {
        db.migrate(None).await?;
        db.set_dimension(384).await?;
        for i in 0..2000 {
            let e = acme
                .insert_evidence(&format!("evidence {i}"), None, None)
                .await?;
            acme.upsert_embedding(EntityType::Evidence, e.id, &vector(i), "m", None)
                .await?;
            acme.insert_claim(&format!("claim {i}"), None).await?;
        }
        return Ok(());
    }
    let n: usize = arg.parse().expect("a call count or `setup`");
    let claim = acme.insert_claim("probe claim", None).await?.id;
    let (query, opts) = (vector(5), SearchOptions::top(10));
    acme.get_claim(claim).await?;
    acme.search_evidence(&query, &opts).await?;
    measure("get_claim", n, async || {
        acme.get_claim(claim).await.unwrap();
    })
    .await;
    measure("search_evidence (top 10)", n, async || {
        acme.search_evidence(&query, &opts).await.unwrap();
    })
    .await;
    Ok(())
}

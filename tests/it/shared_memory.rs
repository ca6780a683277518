//! A parallel HNSW build puts its graph, up to `maintenance_work_mem`, in
//! dynamic shared memory (a file in `/dev/shm`). On a server whose `/dev/shm`
//! is smaller (Docker's default is 64 MB) every parallel build fails with
//! SQLSTATE 53100 "could not resize shared memory segment"; the library's
//! builds then run serially instead (`src/index_build/mod.rs`,
//! `build_index`).
//!
//! The server must see a small `/dev/shm`: the outer test runs the inner one
//! in a process of its own, in a private mount namespace with a tmpfs of its
//! own on `/dev/shm` (`unshare -m`, which needs root), where the test's
//! embedded server starts. That tmpfs is large at the server's start (the
//! embedded server itself moves its segments to files under the data
//! directory, `dynamic_shared_memory_type=mmap`, when `/dev/shm` is small:
//! pg-embed/src/memory.rs), and is shrunk to 32 MB once the server runs, as
//! an external server in Docker would have it. Without root the outer test
//! says so and checks nothing.

use std::process::Command;

use truthgraph_db::testing::TestDatabase;
use truthgraph_db::tiers::tier_index_name;
use truthgraph_db::{BulkLoadOptions, EntityType, IndexMaintenance};

use crate::support::Clustered;
use crate::tiers::load;

const INNER: &str = "shared_memory::inner_builds_short_of_shared_memory_run_serially";
const INNER_ENV: &str = "TRUTHGRAPH_TEST_SMALL_SHM";
/// Printed by the inner test when every check ran.
const DONE: &str = "small /dev/shm: every build ran";

#[test]
fn builds_short_of_shared_memory_run_serially() {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        eprintln!("not root: cannot mount a small /dev/shm in a namespace; not checked");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg("mount -t tmpfs -o size=4g tmpfs /dev/shm && exec \"$0\" \"$@\"")
        .arg(exe)
        .args(["--exact", INNER, "--ignored", "--nocapture"])
        // The embedded server, started inside the namespace.
        .env_remove("DATABASE_URL")
        .env(INNER_ENV, "1")
        .output()
        .unwrap();
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("1 passed"),
        "the inner test did not run: {log}"
    );
}

/// Run by [`builds_short_of_shared_memory_run_serially`] only.
#[tokio::test]
#[ignore = "run inside a mount namespace by builds_short_of_shared_memory_run_serially"]
async fn inner_builds_short_of_shared_memory_run_serially() {
    if std::env::var_os(INNER_ENV).is_none() {
        eprintln!("run by builds_short_of_shared_memory_run_serially only: not checked");
        return;
    }
    let t = TestDatabase::migrated().await.unwrap();
    let shrunk = Command::new("mount")
        .args(["-o", "remount,size=32m", "/dev/shm"])
        .status()
        .unwrap();
    assert!(shrunk.success());
    let db = &t.db;
    db.set_dimension(256).await.unwrap();
    let raw = t.raw_client().await.unwrap();
    // Every build on embeddings may use two workers, whatever its size.
    raw.batch_execute("ALTER TABLE embeddings SET (parallel_workers = 2)")
        .await
        .unwrap();
    let mut data = Clustered::new(3, 256, 8, 0.9);
    // The premise: here a parallel build of 2,000 rows fails as in Docker.
    load(db, "seed", &mut data, 2000).await;
    let premise = raw
        .batch_execute(
            "SET maintenance_work_mem = '256MB'; SET max_parallel_maintenance_workers = 2; \
             CREATE INDEX premise ON embeddings USING hnsw (embedding vector_cosine_ops)",
        )
        .await
        .expect_err("a parallel build with 256 MB on a 32 MB /dev/shm");
    let db_error = premise.as_db_error().unwrap();
    assert_eq!(db_error.code().code(), "53100", "{db_error:?}");
    assert!(
        db_error.message().contains("shared memory segment"),
        "{db_error:?}"
    );

    // A tier build (the bulk load's own upkeep): built serially, measured.
    load(db, "acme", &mut data, 2000).await;
    let own = tier_index_name("acme", EntityType::Evidence);
    let valid: Vec<bool> = raw
        .query(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relname = $1",
            &[&own],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(valid, [true], "{own}");

    // REINDEX CONCURRENTLY of every vector index.
    let report = db.reindex_vector_indexes().await.unwrap();
    assert!(report.rebuilt.contains(&own), "{report:?}");

    // A bulk load's rebuild inside its transaction: an index over every
    // tenant, dropped and built again after the rows.
    raw.batch_execute(
        "SET max_parallel_maintenance_workers = 0; \
         CREATE INDEX all_tenants ON embeddings USING hnsw (embedding vector_cosine_ops)",
    )
    .await
    .unwrap();
    let rows = crate::tiers::rows_of(db, "bulk", &mut data, 2000).await;
    let report = db
        .tenant("bulk")
        .unwrap()
        .bulk_load_embeddings_with(
            &rows,
            BulkLoadOptions {
                indexes: IndexMaintenance::Rebuild,
                defer_tiers: true,
                ..BulkLoadOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(report.rebuilt_indexes);
    assert_eq!(report.rows, 2000);

    // Nothing invalid left behind, and every index there.
    let invalid: i64 = raw
        .query_one(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'embeddings'::regclass \
             AND NOT indisvalid",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(invalid, 0);
    let there: bool = raw
        .query_one("SELECT to_regclass('all_tenants') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(there);
    println!("{DONE}");
}

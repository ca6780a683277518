//! Read replicas, for real: an embedded primary and a streaming standby made
//! with `pg_basebackup -R` (`testing::ReplicatedServers`), each test with its
//! own pair. Reads go to the standby, writes and transactions to the
//! primary, a read after a write token sees the write, a dead or lagging
//! standby costs no caller an error, tuned settings replicate.

mod faults;
mod routing;
mod throughput;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pgvector::Vector;
use tokio_postgres::error::SqlState;
use truthgraph_db::testing::ReplicatedServers;
use truthgraph_db::{Config, Database, EntityType, NewEmbedding, SearchOptions};

use crate::support::{Clustered, PAIRS};

const TENANT: &str = "acme";

/// `n` evidence rows with embeddings for [`TENANT`]; returns the vectors.
async fn load(db: &Database, data: &mut Clustered, n: usize) -> Vec<Vector> {
    let t = db.tenant(TENANT).unwrap();
    let mut rows = Vec::new();
    for i in 0..n {
        let ev = t
            .insert_evidence(&format!("fact {i}"), None, None)
            .await
            .unwrap();
        rows.push(NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: ev.id,
            embedding: data.next(),
            model_name: "m".into(),
            model_version: None,
        });
    }
    let vectors = rows.iter().map(|r| r.embedding.clone()).collect();
    t.bulk_load_embeddings(&rows).await.unwrap();
    vectors
}

/// Searches of this test's database that the standby's server processes
/// ran last (the `query` column of `pg_stat_activity` keeps a backend's
/// last statement).
async fn searches_seen_on_standby(pair: &ReplicatedServers) -> i64 {
    pair.standby_client()
        .await
        .unwrap()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = 'truthgraph-db' \
             AND query LIKE '%hits.distance%'",
            &[&pair.dbname],
        )
        .await
        .unwrap()
        .get(0)
}

async fn set_replay_paused(pair: &ReplicatedServers, paused: bool) {
    let f = if paused {
        "pg_wal_replay_pause()"
    } else {
        "pg_wal_replay_resume()"
    };
    pair.standby_client()
        .await
        .unwrap()
        .batch_execute(&format!("SELECT {f}"))
        .await
        .unwrap();
}

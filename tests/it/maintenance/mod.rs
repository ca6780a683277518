//! Operator maintenance: index usage, sizes, advice (`queries/maintenance.sql`).

mod orphans;
mod reindex;
mod report;

use tokio_postgres::error::SqlState;
use truthgraph_db::catalog::{self, TUNE_REBUILD_INDEX};
use truthgraph_db::index_build::{DropReason, DroppedIndex};
use truthgraph_db::{Config, EntityType, Error};
use uuid::Uuid;

use crate::support::{TestDatabase, interrupt_concurrent_build, random_unit, vector_index_states};

/// `n` evidence rows of tenant `a`, each with an embedding.
async fn embedded_evidence(db: &truthgraph_db::Database, n: u64) -> Vec<Uuid> {
    let a = db.tenant("a").unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let ev = a
            .insert_evidence(&format!("e{i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(
            EntityType::Evidence,
            ev.id,
            &random_unit(i, 1536),
            "m",
            None,
        )
        .await
        .unwrap();
        ids.push(ev.id);
    }
    ids
}

fn owned(v: &[(&str, bool)]) -> Vec<(String, bool)> {
    v.iter().map(|(n, ok)| (n.to_string(), *ok)).collect()
}

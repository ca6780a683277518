//! Interleaved comparisons of ingest variants, printed as Markdown tables
//! for BENCHMARKS.md ("Ingest"): every round runs each variant once, in an
//! order rotated per round, each from emptied tables after a `CHECKPOINT`,
//! so a busy machine slows every variant alike and ratios within a table
//! hold. The machine's load average is printed with each round.
//!
//! Diagnostic variants switch one cost off (foreign-key checks, WAL) or
//! split the load over two backends, to show where the time goes; the
//! library runs none of them.

use std::time::{Duration, Instant};

use pgvector::Vector;
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{BulkLoadOptions, Config, Database, EntityType, NewEmbedding, NewEvidence};
use uuid::Uuid;

pub const TENANT: &str = "bench";

/// The machine's 1-minute load average.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "?".into())
}

/// Timings of each variant over the rounds, and the load seen.
struct Table {
    rows: usize,
    names: Vec<&'static str>,
    times: Vec<Vec<Duration>>,
    loads: Vec<String>,
}

impl Table {
    fn new(rows: usize, names: &[&'static str]) -> Self {
        Table {
            rows,
            names: names.to_vec(),
            times: vec![Vec::new(); names.len()],
            loads: Vec::new(),
        }
    }

    fn print(&self, title: &str) {
        let median = |v: &[Duration]| {
            let mut v = v.to_vec();
            v.sort();
            v[v.len() / 2]
        };
        let base = median(&self.times[0]).as_secs_f64();
        println!(
            "\n{title}; load average per round: {}\n",
            self.loads.join(", ")
        );
        println!(
            "| variant | best s | median s | rows/s (best) | rows/s (median) | median vs first |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (name, times) in self.names.iter().zip(&self.times) {
            let (best, med) = (times.iter().min().unwrap(), median(times));
            let rate = |d: &Duration| self.rows as f64 / d.as_secs_f64();
            println!(
                "| {name} | {:.3} | {:.3} | {:.0} | {:.0} | {:.2}x |",
                best.as_secs_f64(),
                med.as_secs_f64(),
                rate(best),
                rate(&med),
                base / med.as_secs_f64()
            );
        }
    }
}

async fn owner_exec(t: &TestDatabase, sql: &str) {
    t.raw_client()
        .await
        .unwrap()
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The ways of loading embeddings compared: the library's paths on V12's
/// schema (the entity checked by foreign keys), then diagnostics of where
/// the time goes.
#[derive(Clone, Copy)]
enum Load {
    Copy,
    CopyMain,
    AppUnnest,
    TwoHalves,
    NoForeignKeys,
    Unlogged,
}

/// Each variant, its row name and the `ALTER TABLE embeddings` before it.
const LOADS: [(Load, &str, &str); 6] = [
    (
        Load::Copy,
        "library, owner: COPY into embeddings, storage PLAIN",
        PLAIN,
    ),
    (
        Load::CopyMain,
        "library, owner: COPY into embeddings, storage MAIN",
        "ALTER COLUMN embedding SET STORAGE MAIN",
    ),
    (
        Load::AppUnnest,
        "library, truthgraph_app login: INSERT … unnest",
        PLAIN,
    ),
    (
        Load::TwoHalves,
        "two concurrent loads of half the rows each (owner; two transactions, diagnostic)",
        PLAIN,
    ),
    (
        Load::NoForeignKeys,
        "library, owner, foreign-key checks off (DISABLE TRIGGER ALL; diagnostic)",
        "DISABLE TRIGGER ALL, ALTER COLUMN embedding SET STORAGE PLAIN",
    ),
    (
        Load::Unlogged,
        "library, owner, table UNLOGGED (no WAL; diagnostic)",
        "SET UNLOGGED, ALTER COLUMN embedding SET STORAGE PLAIN",
    ),
];

/// The table as V11/V12 leave it.
const PLAIN: &str = "ENABLE TRIGGER ALL, SET LOGGED, ALTER COLUMN embedding SET STORAGE PLAIN";

/// Loads of 20K synthetic 1536-dim vectors into a table without a vector
/// index, one row of the table per variant of [`LOADS`].
pub async fn embeddings(t: &TestDatabase, vectors: &[Vec<f32>], rounds: usize) {
    let untimed = Config {
        statement_timeout: Duration::ZERO,
        ..Config::default()
    };
    owner_exec(t, "DROP INDEX IF EXISTS idx_embeddings_vector_cosine").await;
    let owner = t.connect(&untimed).await.unwrap();
    let app = t.app(&untimed).await.unwrap();
    let contents: Vec<NewEvidence> = (0..vectors.len())
        .map(|i| NewEvidence {
            content: format!("passage {i}"),
            ..NewEvidence::default()
        })
        .collect();
    let mut rows = Vec::with_capacity(vectors.len());
    for chunk in contents.chunks(5000) {
        for e in owner
            .tenant(TENANT)
            .unwrap()
            .insert_evidence_many(chunk)
            .await
            .unwrap()
        {
            rows.push(NewEmbedding {
                entity_type: EntityType::Evidence,
                entity_id: e.id,
                embedding: Vector::from(vectors[rows.len()].clone()),
                model_name: "bench".into(),
                model_version: None,
            });
        }
    }
    let names: Vec<&str> = LOADS.iter().map(|l| l.1).collect();
    let mut table = Table::new(rows.len(), &names);
    for round in 0..rounds {
        table.loads.push(load_average());
        for k in 0..LOADS.len() {
            let v = (k + round) % LOADS.len();
            let (load, _, setup) = LOADS[v];
            owner_exec(t, &format!("ALTER TABLE embeddings {setup}")).await;
            owner_exec(t, "TRUNCATE embeddings").await;
            owner_exec(t, "CHECKPOINT").await;
            let started = Instant::now();
            fn tenant(db: &Database) -> truthgraph_db::Tenant<'_> {
                db.tenant(TENANT).unwrap()
            }
            // No vector index before, during or after: the tenant's own
            // index (its 20K rows pass the tier threshold) is left to a
            // later `tiers --apply`, as a caller loading in batches would.
            let load_rows = |db, rows| async move {
                let options = BulkLoadOptions {
                    defer_tiers: true,
                    ..BulkLoadOptions::default()
                };
                let report = tenant(db).bulk_load_embeddings_with(rows, options).await;
                report.unwrap().rows
            };
            let n = match load {
                Load::AppUnnest => load_rows(&app, &rows).await,
                Load::TwoHalves => {
                    let (a, b) = rows.split_at(rows.len() / 2);
                    let (x, y) = tokio::join!(load_rows(&owner, a), load_rows(&owner, b));
                    x + y
                }
                Load::Copy | Load::CopyMain | Load::NoForeignKeys | Load::Unlogged => {
                    load_rows(&owner, &rows).await
                }
            };
            table.times[v].push(started.elapsed());
            assert_eq!(n as usize, rows.len());
        }
    }
    table.loads.push(load_average());
    owner_exec(t, &format!("ALTER TABLE embeddings {PLAIN}")).await;
    let dim = vectors[0].len();
    table.print(&format!(
        "Embeddings, {} x {dim} synthetic vectors, no vector index, {rounds} rounds",
        rows.len()
    ));
    for db in [owner, app] {
        db.close().await;
    }
}

/// The evidence variants: the library's batch (owner and app login), two
/// concurrent halves, and server-side diagnostics of where the time goes.
pub async fn evidence(t: &TestDatabase, rows: &[NewEvidence], rounds: usize) {
    let untimed = Config {
        statement_timeout: Duration::ZERO,
        ..Config::default()
    };
    let owner = t.connect(&untimed).await.unwrap();
    let app = t.app(&untimed).await.unwrap();
    let contents: Vec<&str> = rows.iter().map(|r| r.content.as_str()).collect();
    let names = [
        "insert_evidence_many (owner)",
        "insert_evidence_many (truthgraph_app login)",
        "two concurrent insert_evidence_many of half the rows (owner)",
        "server only: to_tsvector('english', content) of the rows (diagnostic)",
        "server only: INSERT … unnest without content_tsv and its GIN index (diagnostic)",
    ];
    let mut table = Table::new(rows.len(), &names);
    for round in 0..rounds {
        table.loads.push(load_average());
        for k in 0..names.len() {
            let v = (k + round) % names.len();
            owner_exec(t, "TRUNCATE evidence CASCADE").await;
            owner_exec(t, "CHECKPOINT").await;
            let raw = t.raw_client().await.unwrap();
            if v == 4 {
                raw.batch_execute(
                    "BEGIN; DROP INDEX idx_evidence_content_tsv; \
                     ALTER TABLE evidence DROP COLUMN content_tsv",
                )
                .await
                .unwrap();
            }
            let started = Instant::now();
            match v {
                0 | 1 => {
                    let db = if v == 0 { &owner } else { &app };
                    let stored = db.tenant(TENANT).unwrap().insert_evidence_many(rows).await;
                    assert_eq!(stored.unwrap().len(), rows.len());
                }
                2 => {
                    let (a, b) = rows.split_at(rows.len() / 2);
                    let tenant = owner.tenant(TENANT).unwrap();
                    let (x, y) = tokio::join!(
                        tenant.insert_evidence_many(a),
                        tenant.insert_evidence_many(b)
                    );
                    assert_eq!(x.unwrap().len() + y.unwrap().len(), rows.len());
                }
                3 => {
                    let sql = "SELECT count(to_tsvector('english', c)) FROM unnest($1::text[]) c";
                    raw.query_one(sql, &[&contents]).await.unwrap();
                }
                _ => {
                    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::new_v4()).collect();
                    let sql = "INSERT INTO evidence (id, tenant_id, content) \
                               SELECT u.id, $2, u.c FROM unnest($1::uuid[], $3::text[]) u(id, c)";
                    raw.execute(sql, &[&ids, &TENANT, &contents]).await.unwrap();
                }
            }
            table.times[v].push(started.elapsed());
            if v == 4 {
                raw.batch_execute("ROLLBACK").await.unwrap();
            }
        }
    }
    table.loads.push(load_average());
    owner_exec(t, "TRUNCATE evidence CASCADE").await;
    table.print(&format!(
        "Evidence, {} real passages (mean 230 chars), {rounds} rounds",
        rows.len()
    ));
    owner.close().await;
    app.close().await;
}

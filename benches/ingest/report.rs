//! Interleaved comparisons of ingest variants, printed as Markdown tables
//! for BENCHMARKS.md ("Ingest"): every round runs each variant once, in an
//! order rotated per round, each from emptied tables after a `CHECKPOINT`,
//! so a busy machine slows every variant alike and ratios within a table
//! hold. The machine's load average is printed with each round.
//!
//! Variants that the library no longer runs (V8's staging table, V7's row
//! trigger for every login) are rebuilt here from their SQL, so the table
//! shows before and after from one run.

use std::time::{Duration, Instant};

use futures_util::pin_mut;
use pgvector::Vector;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use truthgraph_db::testing::TestDatabase;
use truthgraph_db::{Config, Database, EntityType, NewEmbedding, NewEvidence};
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

/// The ways of loading embeddings compared, first the one of the library
/// before V11 (V7's row trigger for every login, V8's staging table).
#[derive(Clone, Copy)]
enum Load {
    V8Staging,
    Copy,
    CopyMain,
    CopyWorkMem64,
    CopyNoRowTrigger,
    CopyNoCheck,
    AppUnnest,
    AppStaging,
}

const LOADS: [(Load, &str, &str); 8] = [
    (
        Load::V8Staging,
        "before V11: staging table + INSERT … SELECT, V7 row trigger, storage MAIN (owner)",
        "ENABLE TRIGGER bench_v7_row_check, DISABLE TRIGGER check_embeddings_entity, \
         DISABLE TRIGGER check_embeddings_entity_rls, ALTER COLUMN embedding SET STORAGE MAIN",
    ),
    (
        Load::Copy,
        "library, owner: COPY into embeddings, storage PLAIN",
        V11_PLAIN,
    ),
    (
        Load::CopyMain,
        "library, owner: COPY into embeddings, storage MAIN",
        "DISABLE TRIGGER bench_v7_row_check, ENABLE TRIGGER check_embeddings_entity, \
         ENABLE TRIGGER check_embeddings_entity_rls, ALTER COLUMN embedding SET STORAGE MAIN",
    ),
    (
        Load::CopyWorkMem64,
        "library, owner, work_mem 64 MB (3 statements instead of 40)",
        V11_PLAIN,
    ),
    (
        Load::CopyNoRowTrigger,
        "library, owner, without the RLS row trigger (diagnostic)",
        "DISABLE TRIGGER bench_v7_row_check, ENABLE TRIGGER check_embeddings_entity, \
         DISABLE TRIGGER check_embeddings_entity_rls, ALTER COLUMN embedding SET STORAGE PLAIN",
    ),
    (
        Load::CopyNoCheck,
        "library, owner, no entity check at all (diagnostic floor)",
        "DISABLE TRIGGER bench_v7_row_check, DISABLE TRIGGER check_embeddings_entity, \
         DISABLE TRIGGER check_embeddings_entity_rls, ALTER COLUMN embedding SET STORAGE PLAIN",
    ),
    (
        Load::AppUnnest,
        "library, truthgraph_app login: INSERT … unnest",
        V11_PLAIN,
    ),
    (
        Load::AppStaging,
        "truthgraph_app login: staging table + INSERT … SELECT (V8's path)",
        V11_PLAIN,
    ),
];

const V11_PLAIN: &str = "DISABLE TRIGGER bench_v7_row_check, ENABLE TRIGGER check_embeddings_entity, \
     ENABLE TRIGGER check_embeddings_entity_rls, ALTER COLUMN embedding SET STORAGE PLAIN";

/// V8's bulk load: binary COPY into a temporary table, then one INSERT … SELECT.
async fn staging_load(client: &tokio_postgres::Client, rows: &[NewEmbedding], app: bool) -> u64 {
    client.batch_execute("BEGIN").await.unwrap();
    if app {
        client
            .execute(
                "SELECT set_config('truthgraph.tenant_id', $1, true)",
                &[&TENANT],
            )
            .await
            .unwrap();
    }
    client
        .batch_execute(
            "CREATE TEMPORARY TABLE embeddings_load (ord bigint NOT NULL, entity_type varchar(20) \
             NOT NULL, entity_id uuid NOT NULL, embedding vector NOT NULL, model_name varchar(100) \
             NOT NULL, model_version varchar(50)) ON COMMIT DROP",
        )
        .await
        .unwrap();
    let vector = client.prepare("SELECT $1::vector").await.unwrap().params()[0].clone();
    let sink = client
        .copy_in(
            "COPY embeddings_load (ord, entity_type, entity_id, embedding, model_name, \
             model_version) FROM STDIN (FORMAT binary)",
        )
        .await
        .unwrap();
    let types = [
        Type::INT8,
        Type::VARCHAR,
        Type::UUID,
        vector,
        Type::VARCHAR,
        Type::VARCHAR,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for (i, r) in rows.iter().enumerate() {
        let row: [&(dyn ToSql + Sync); 6] = [
            &(i as i64),
            &r.entity_type.as_str(),
            &r.entity_id,
            &r.embedding,
            &r.model_name,
            &r.model_version,
        ];
        writer.as_mut().write(&row).await.unwrap();
    }
    writer.finish().await.unwrap();
    let n = client
        .execute(
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name, \
             model_version) SELECT $1, entity_type, entity_id, embedding, model_name, model_version \
             FROM embeddings_load ORDER BY ord",
            &[&TENANT],
        )
        .await
        .unwrap();
    client.batch_execute("COMMIT").await.unwrap();
    n
}

/// Loads of 20K synthetic 1536-dim vectors into a table without a vector
/// index, one row of the table per variant of [`LOADS`].
pub async fn embeddings(t: &TestDatabase, vectors: &[Vec<f32>], rounds: usize) {
    let untimed = Config {
        statement_timeout: Duration::ZERO,
        ..Config::default()
    };
    owner_exec(t, "DROP INDEX IF EXISTS idx_embeddings_vector_cosine").await;
    // V7's trigger, on V7's function (V11 kept it), for the "before" rows.
    owner_exec(
        t,
        "CREATE TRIGGER bench_v7_row_check BEFORE INSERT OR UPDATE OF entity_type, entity_id, \
         tenant_id ON embeddings FOR EACH ROW EXECUTE FUNCTION check_embedding_entity()",
    )
    .await;
    let owner = t.connect(&untimed).await.unwrap();
    let app = t.app(&untimed).await.unwrap();
    let sep = if t.url.contains('?') { '&' } else { '?' };
    let wide = Database::connect(
        &untimed,
        &format!("{}{sep}options=-c%20work_mem%3D64MB", t.url),
    )
    .await
    .unwrap();
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
            let n = match load {
                Load::V8Staging => staging_load(&t.raw_client().await.unwrap(), &rows, false).await,
                Load::AppStaging => staging_load(&app.client().await.unwrap(), &rows, true).await,
                Load::CopyWorkMem64 => tenant(&wide).bulk_load_embeddings(&rows).await.unwrap(),
                Load::AppUnnest => tenant(&app).bulk_load_embeddings(&rows).await.unwrap(),
                _ => tenant(&owner).bulk_load_embeddings(&rows).await.unwrap(),
            };
            table.times[v].push(started.elapsed());
            assert_eq!(n as usize, rows.len());
        }
    }
    table.loads.push(load_average());
    owner_exec(t, &format!("ALTER TABLE embeddings {V11_PLAIN}")).await;
    owner_exec(t, "DROP TRIGGER bench_v7_row_check ON embeddings").await;
    let dim = vectors[0].len();
    table.print(&format!(
        "Embeddings, {} x {dim} synthetic vectors, no vector index, {rounds} rounds",
        rows.len()
    ));
    for db in [owner, app, wide] {
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

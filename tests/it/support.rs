//! Shared test helpers: deterministic vectors, plans, schema snapshots,
//! error fields. SQL to EXPLAIN comes from `truthgraph_db::sql` (the generated
//! crate), never from re-reading `queries/`.
#![allow(dead_code)]

use pgvector::Vector;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr_free::normal;

use truthgraph_db::Error;
pub use truthgraph_db::testing::TestDatabase;

/// Box-Muller normal samples without another dependency.
mod rand_distr_free {
    use rand::Rng;

    pub fn normal(rng: &mut impl Rng) -> f32 {
        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = rng.random();
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }
}

/// Deterministic clustered unit vectors: `n` points around `clusters` random
/// centres, each point `centre + noise · N(0, I)`, normalised (or, after
/// [`Clustered::with_norms`], scaled to a random norm).
pub struct Clustered {
    pub centres: Vec<Vec<f32>>,
    rng: ChaCha8Rng,
    pub dim: usize,
    pub noise: f32,
    norms: Option<(f32, f32)>,
}

impl Clustered {
    pub fn new(seed: u64, dim: usize, clusters: usize, noise: f32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centres = (0..clusters)
            .map(|_| unit((0..dim).map(|_| normal(&mut rng)).collect()))
            .collect();
        Clustered {
            centres,
            rng,
            dim,
            noise,
            norms: None,
        }
    }

    /// The same points, each scaled to a norm drawn log-uniformly from
    /// `[lo, hi]` (see [`with_random_norm`]).
    pub fn with_norms(mut self, lo: f32, hi: f32) -> Self {
        self.norms = Some((lo, hi));
        self
    }

    /// The next point (round-robin over a random centre).
    pub fn next(&mut self) -> Vector {
        let c = self.rng.random_range(0..self.centres.len());
        let noise = self.noise / (self.dim as f32).sqrt();
        let v: Vec<f32> = self.centres[c]
            .iter()
            .map(|x| x + noise * normal(&mut self.rng))
            .collect();
        let v = Vector::from(unit(v));
        match self.norms {
            Some((lo, hi)) => with_random_norm(&v, &mut self.rng, lo, hi),
            None => v,
        }
    }

    pub fn take(&mut self, n: usize) -> Vec<Vector> {
        (0..n).map(|_| self.next()).collect()
    }
}

pub fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// A deterministic unit vector of `dim` dimensions from `seed`.
pub fn random_unit(seed: u64, dim: usize) -> Vector {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Vector::from(unit((0..dim).map(|_| normal(&mut rng)).collect()))
}

/// `EXPLAIN` output of `sql` with `params`, as one string.
pub async fn explain(
    client: &impl tokio_postgres::GenericClient,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> String {
    client
        .query(&format!("EXPLAIN {sql}"), params)
        .await
        .expect("explain")
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every schema object of `public` (columns, indexes, constraints, triggers,
/// functions, extensions, comments) and the migration history, sorted, for
/// comparing two databases.
pub async fn schema_snapshot(c: &tokio_postgres::Client) -> Vec<String> {
    let mut rows: Vec<String> = c
        .query(
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || \
                    is_nullable || ' ' || coalesce(column_default, '') \
             FROM information_schema.columns WHERE table_schema = 'public' \
             UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || \
                    pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             UNION ALL SELECT 'trigger ' || tgname || ' ' || tgrelid::regclass::text \
                    FROM pg_trigger WHERE NOT tgisinternal \
             UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace \
             UNION ALL SELECT 'extension ' || extname FROM pg_extension \
             UNION ALL SELECT 'comment ' || c.relname || '.' || coalesce(a.attname, '') || ' ' || d.description \
                    FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
                    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 \
                    WHERE c.relnamespace = 'public'::regnamespace",
            &[],
        )
        .await
        .expect("schema snapshot")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let history = c
        .query(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )
        .await
        .unwrap()[0]
        .get::<_, bool>(0);
    if history {
        rows.extend(
            c.query(
                "SELECT 'history ' || version || ' ' || name || ' ' || checksum FROM refinery_schema_history",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0)),
        );
    }
    rows.sort();
    rows
}

/// The field an [`Error::InvalidInput`] names.
pub fn field(e: &Error) -> &str {
    e.field()
        .unwrap_or_else(|| panic!("expected InvalidInput, got {e}"))
}

/// The constraints that refuse an embedding of an entity that is not its
/// tenant's (V12): the foreign keys to claims and evidence, and, for an
/// upsert on one server when another tenant embedded the entity, the seed's
/// unique key (checked before the foreign keys; `distribute` drops it).
pub const ENTITY_REFUSALS: [&str; 3] = [
    "embeddings_claim_fkey",
    "embeddings_evidence_fkey",
    "idx_embeddings_entity_unique",
];

/// Asserts that `e` refuses the entity of `field_name` (an
/// [`Error::InvalidInput`] naming it, from one of [`ENTITY_REFUSALS`]).
#[track_caller]
pub fn assert_entity_refused(e: &Error, field_name: &str) {
    assert_eq!(field(e), field_name, "{e}");
    assert!(
        e.constraint().is_some_and(|c| ENTITY_REFUSALS.contains(&c)),
        "{e}: constraint {:?}",
        e.constraint()
    );
}

/// Every migration version this build embeds, oldest first.
pub fn versions() -> Vec<i32> {
    truthgraph_db::migrate::embedded_migrations()
        .iter()
        .map(|m| m.version)
        .collect()
}

/// The versions newer than `from`, oldest first (what migrating from `from` applies).
pub fn versions_after(from: i32) -> Vec<i32> {
    versions().into_iter().filter(|v| *v > from).collect()
}

/// The versions newer than `target`, newest first (what rolling back to `target` undoes).
pub fn undone_to(target: i32) -> Vec<i32> {
    versions_after(target).into_iter().rev().collect()
}

/// `V1, V2, V3`, as the CLI lists versions.
pub fn listed(versions: &[i32]) -> String {
    versions
        .iter()
        .map(|v| format!("V{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql`, a `CREATE INDEX CONCURRENTLY` or `REINDEX … CONCURRENTLY` on
/// `embeddings`, and cancels it for real once it has created its new index:
/// a writer's open transaction makes it wait ("waiting for writers before
/// build", seen in `pg_stat_progress_create_index`), and it is cancelled
/// there, leaving the invalid index an interrupted build leaves. Returns the
/// statement's error.
pub async fn interrupt_concurrent_build(t: &TestDatabase, sql: &str) -> tokio_postgres::Error {
    let writer = t.raw_client().await.unwrap();
    writer
        .batch_execute("BEGIN; LOCK TABLE embeddings IN ROW EXCLUSIVE MODE")
        .await
        .unwrap();
    let builder = t.raw_client().await.unwrap();
    let pid: i32 = builder
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let sql = sql.to_string();
    let build = tokio::spawn(async move { builder.batch_execute(&sql).await });
    let admin = t.raw_client().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let waiting = admin
            .query_opt(
                "SELECT 1 FROM pg_stat_progress_create_index \
                 WHERE pid = $1 AND phase = 'waiting for writers before build'",
                &[&pid],
            )
            .await
            .unwrap()
            .is_some();
        if waiting {
            break;
        }
        assert!(!build.is_finished(), "the build ended before it waited");
        assert!(
            std::time::Instant::now() < deadline,
            "the build never waited"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    admin
        .execute("SELECT pg_cancel_backend($1)", &[&pid])
        .await
        .unwrap();
    let err = build
        .await
        .unwrap()
        .expect_err("the cancelled build succeeded");
    writer.batch_execute("ROLLBACK").await.unwrap();
    err
}

/// Every index on `embeddings` with a vector method (`ivfflat`, `hnsw`) and
/// whether it is valid, by name; and the number of invalid indexes in the
/// whole database.
pub async fn vector_index_states(c: &tokio_postgres::Client) -> (Vec<(String, bool)>, i64) {
    let states = c
        .query(
            "SELECT c.relname::text, i.indisvalid FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam \
             WHERE i.indrelid = 'embeddings'::regclass AND am.amname IN ('ivfflat', 'hnsw') \
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let invalid = c
        .query_one("SELECT count(*) FROM pg_index WHERE NOT indisvalid", &[])
        .await
        .unwrap()
        .get(0);
    (states, invalid)
}

// ---------------------------------------------------------------------------
// An independent truth for search: brute-force f64 cosine, computed here.

/// Cosine similarity of `a` and `b`, in f64 (every f32 product is exact there).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    dot / (na * nb).sqrt()
}

/// Brute-force search over rows kept in the test: the truth the library's
/// exact search and its index paths are compared with.
pub struct BruteForce {
    rows: Vec<(uuid::Uuid, Vec<f64>, f64)>,
}

impl BruteForce {
    /// The rows (id, vector) to search.
    pub fn new<'a>(rows: impl IntoIterator<Item = (uuid::Uuid, &'a Vector)>) -> Self {
        BruteForce {
            rows: rows
                .into_iter()
                .map(|(id, v)| {
                    let v: Vec<f64> = v.as_slice().iter().map(|x| f64::from(*x)).collect();
                    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                    (id, v, norm)
                })
                .collect(),
        }
    }

    /// Every row with its f64 cosine similarity to `query`, best first (ties
    /// by id), restricted to the ids `keep` accepts.
    pub fn ranking(
        &self,
        query: &Vector,
        keep: impl Fn(&uuid::Uuid) -> bool,
    ) -> Vec<(uuid::Uuid, f64)> {
        let q: Vec<f64> = query.as_slice().iter().map(|x| f64::from(*x)).collect();
        let qn = q.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mut all: Vec<(uuid::Uuid, f64)> = self
            .rows
            .iter()
            .filter(|(id, _, _)| keep(id))
            .map(|(id, v, n)| {
                let dot: f64 = v.iter().zip(&q).map(|(a, b)| a * b).sum();
                (*id, dot / (n * qn))
            })
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all
    }

    /// The top `k` of [`BruteForce::ranking`].
    pub fn top_k(
        &self,
        query: &Vector,
        k: usize,
        keep: impl Fn(&uuid::Uuid) -> bool,
    ) -> Vec<(uuid::Uuid, f64)> {
        let mut all = self.ranking(query, keep);
        all.truncate(k);
        all
    }
}

/// Similarities agree to this much: pgvector sums in f32 and divides in f64,
/// the truth is f64 throughout; neighbours closer than this may swap places.
pub const SIMILARITY_TOLERANCE: f64 = 2e-5;

/// Asserts that `got` (id, similarity as returned, best first) is the exact
/// top-k of `ranking` (a [`BruteForce::ranking`], every candidate row): as
/// many rows as `k` allows, no row twice, each returned similarity the f64
/// cosine of its row, and the i-th row as similar as the i-th best row
/// (so the same rows in the same order, up to neighbours that tie within
/// [`SIMILARITY_TOLERANCE`]).
pub fn assert_exact_top_k(
    got: &[(uuid::Uuid, f64)],
    ranking: &[(uuid::Uuid, f64)],
    k: usize,
    what: &str,
) {
    assert!(
        ranking.len() > k,
        "{what}: the truth must have more rows ({}) than k ({k}), or cutting is never tested",
        ranking.len()
    );
    assert_eq!(got.len(), k, "{what}: {} rows, not k = {k}", got.len());
    let distinct: std::collections::HashSet<_> = got.iter().map(|g| g.0).collect();
    assert_eq!(distinct.len(), got.len(), "{what}: a row returned twice");
    for (i, (id, similarity)) in got.iter().enumerate() {
        let truth = ranking
            .iter()
            .find(|r| r.0 == *id)
            .unwrap_or_else(|| panic!("{what}: row {i} ({id}) is not a candidate"))
            .1;
        assert!(
            (similarity - truth).abs() < SIMILARITY_TOLERANCE,
            "{what}: row {i} reported similarity {similarity}, its f64 cosine is {truth}"
        );
        assert!(
            (truth - ranking[i].1).abs() < SIMILARITY_TOLERANCE,
            "{what}: row {i} has cosine {truth}, the {i}-th best row has {} (returned {:?}, truth {:?})",
            ranking[i].1,
            got.iter().map(|g| g.1).collect::<Vec<_>>(),
            ranking[..k].iter().map(|r| r.1).collect::<Vec<_>>()
        );
    }
}

/// The share of `truth`'s rows found in `got`.
pub fn recall_of(got: &[uuid::Uuid], truth: &[(uuid::Uuid, f64)]) -> f64 {
    let hit = got
        .iter()
        .filter(|id| truth.iter().any(|t| t.0 == **id))
        .count();
    hit as f64 / truth.len().max(1) as f64
}

/// `v` scaled to a norm drawn log-uniformly from `[lo, hi]` by `rng`: data
/// on which ordering by L2 distance or inner product gives other rows than
/// ordering by cosine.
pub fn with_random_norm(v: &Vector, rng: &mut impl Rng, lo: f32, hi: f32) -> Vector {
    let norm = (lo.ln() + rng.random::<f32>() * (hi.ln() - lo.ln())).exp();
    let current = v.as_slice().iter().map(|x| x * x).sum::<f32>().sqrt();
    Vector::from(
        v.as_slice()
            .iter()
            .map(|x| x / current * norm)
            .collect::<Vec<_>>(),
    )
}

// ---------------------------------------------------------------------------
// Time, locks and backends on the server.

/// Waits (up to 10 s) until the server's clock, in UTC as the `updated_at`
/// triggers write it, is past `t`: a transaction started after this returns
/// stamps a later `updated_at` than `t`.
pub async fn wait_for_server_clock_after(
    client: &impl tokio_postgres::GenericClient,
    t: chrono::NaiveDateTime,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        // Each statement is its own transaction, so now() moves.
        let past: bool = client
            .query_one("SELECT (now() AT TIME ZONE 'utc') > $1", &[&t])
            .await
            .unwrap()
            .get(0);
        if past {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server's clock did not pass {t}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

/// Waits (up to 60 s) until `n` sessions of the current database wait for the
/// session advisory lock `key` (`pg_advisory_lock(key)` while `client`
/// holds it): proof that they got that far and are held there together.
/// Panics when `finished()` says one of them ended first.
pub async fn wait_for_advisory_waiters(
    client: &tokio_postgres::Client,
    key: i64,
    n: i64,
    finished: impl Fn() -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        assert!(
            !finished(),
            "one ended without waiting for advisory lock {key:#x}, which this test holds"
        );
        // A bigint key is stored as classid (high 32 bits), objid (low 32 bits), objsubid 1.
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND classid::int8 = ($1::int8 >> 32) & 4294967295 \
                 AND objid::int8 = $1::int8 & 4294967295 AND objsubid = 1",
                &[&key],
            )
            .await
            .unwrap()
            .get(0);
        if waiting >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{waiting} of {n} sessions waited for advisory lock {key:#x} within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// One primary-and-standby pair (`testing::ReplicatedServers`) at a time,
/// across the replica and failover tests: each is two clusters, and the
/// machine is small.
pub static PAIRS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server process ids of `db`'s current connections to database
/// `dbname` as seen from `admin` (application `truthgraph-db`).
pub async fn library_backends(admin: &tokio_postgres::Client, dbname: &str) -> Vec<i32> {
    admin
        .query(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 \
             AND application_name = 'truthgraph-db' ORDER BY pid",
            &[&dbname],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Terminates the server processes `pids` of the server at `url` and waits
/// (up to 60 s each, `pg_terminate_backend(pid, 60000)`) until each is gone,
/// from another thread with a runtime of its own, while the caller's thread
/// is blocked. On the current-thread runtime of a `#[tokio::test]`, the
/// caller's connections to those processes therefore cannot notice in the
/// meantime: the pool still holds them as live, and the next calls borrow
/// connections that are dead for certain (the path the library's retry on a
/// lost connection is for). Returns how many were terminated.
pub fn terminate_while_blocked(url: &str, pids: &[i32]) -> usize {
    let (url, pids) = (url.to_string(), pids.to_vec());
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let (admin, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                let mut gone = 0;
                for pid in pids {
                    let ok: bool = admin
                        .query_one("SELECT pg_terminate_backend($1, 60000)", &[&pid])
                        .await
                        .unwrap()
                        .get(0);
                    gone += usize::from(ok);
                }
                gone
            })
    })
    .join()
    .unwrap()
}

/// Counts the library's retries on another connection (its `debug` event
/// "connection lost; retrying on another") on the current thread, while the
/// guard lives. The tests run on a current-thread runtime, so every poll of
/// the library's futures sees it.
#[derive(Clone, Default)]
pub struct Retries(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Retries {
    /// Starts counting on this thread.
    pub fn count() -> (Self, tracing::subscriber::DefaultGuard) {
        use tracing_subscriber::layer::SubscriberExt;
        let r = Retries::default();
        let guard =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(r.clone()));
        (r, guard)
    }

    /// Retries seen so far.
    pub fn seen(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Retries {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" && format!("{v:?}").contains("connection lost; retrying") {
                    self.0 = true;
                }
            }
        }
        let mut m = Message(false);
        event.record(&mut m);
        if m.0 {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Polls `call` until a server process of database `dbname` whose statement
/// contains `needle` waits for a lock (held by the test); returns that
/// process's pid, with `call` still pending: its statements reached the
/// server and are running there. Panics if `call` finishes first, or after 60 s.
pub async fn poll_until_lock_wait<F: std::future::Future>(
    mut call: std::pin::Pin<&mut F>,
    admin: &tokio_postgres::Client,
    dbname: &str,
    needle: &str,
) -> i32 {
    let watch = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let row = admin
                .query_opt(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state = 'active' \
                     AND wait_event_type = 'Lock' AND strpos(query, $2) > 0",
                    &[&dbname, &needle],
                )
                .await
                .unwrap();
            if let Some(row) = row {
                return row.get::<_, i32>(0);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no statement with {needle:?} waited for a lock within 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    tokio::select! {
        pid = watch => pid,
        _ = call.as_mut() => panic!("the call finished before its statement waited for the lock"),
    }
}

// ---------------------------------------------------------------------------
// Pause points in the embedded server's programs.

/// Where [`PausingBindir`] stops: at a `postgres` run whose first argument
/// is this (`initdb` runs `postgres -V`, then `--check` twice, `--boot`,
/// `--single`; the server itself starts with `-D`), or, for
/// [`PausingBindir::INITDB_EXIT`], once `initdb` has done all its work and
/// is about to exit successfully.
pub type PausePoint = &'static str;

/// A PostgreSQL bin directory for `TRUTHGRAPH_PG_BINDIR` whose programs stop
/// at a chosen point until released: `postgres` is a script that waits there
/// before it runs the real one, and `initdb` a copy of the real one (so it
/// runs the `postgres` beside it) behind a script that can wait before it
/// exits. The process that waits is blocked for certain, so whatever is done
/// meanwhile (a `SIGKILL`, a second command) happens at that point of the
/// work, however fast the machine. A waiting program goes on once released,
/// and when the directory is dropped or deleted.
pub struct PausingBindir {
    /// The bin directory.
    pub bin: std::path::PathBuf,
    /// Where the waiting script writes `paused` and reads `released`.
    signals: std::path::PathBuf,
}

impl PausingBindir {
    /// The last moment of `initdb`: every file written, not yet exited.
    pub const INITDB_EXIT: PausePoint = "initdb-exit";

    /// Makes the directory inside `parent` (which the `postgres` user must
    /// be able to reach when the tests run as root).
    pub fn new(parent: &std::path::Path) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let real = real_bindir();
        let bin = parent.join("bin");
        let signals = parent.join("signals");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&signals).unwrap();
        std::fs::set_permissions(&signals, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::copy(real.join("initdb"), bin.join("initdb.real")).unwrap();
        let wait = r#"wait_here() {
    echo $$ > "$TG_PAUSE_DIR/paused.tmp" && mv "$TG_PAUSE_DIR/paused.tmp" "$TG_PAUSE_DIR/paused"
    while [ -d "$TG_PAUSE_DIR" ] && [ ! -e "$TG_PAUSE_DIR/released" ]; do sleep 0.02; done
}"#;
        let postgres = format!(
            "#!/bin/sh\n{wait}\nif [ -n \"$TG_PAUSE_AT\" ] && [ \"$1\" = \"$TG_PAUSE_AT\" ]; then wait_here; fi\n\
             exec '{}' \"$@\"\n",
            real.join("postgres").display()
        );
        let initdb = format!(
            "#!/bin/sh\n{wait}\n'{}' \"$@\"\nstatus=$?\n\
             if [ $status -eq 0 ] && [ \"$TG_PAUSE_AT\" = '{}' ]; then wait_here; fi\nexit $status\n",
            bin.join("initdb.real").display(),
            Self::INITDB_EXIT
        );
        for (name, text) in [("postgres", postgres), ("initdb", initdb)] {
            std::fs::write(bin.join(name), text).unwrap();
        }
        for name in ["postgres", "initdb", "initdb.real"] {
            std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        PausingBindir { bin, signals }
    }

    /// Sets `cmd` to use this directory and to stop at `at` (`None`: run
    /// straight through).
    pub fn apply(&self, cmd: &mut std::process::Command, at: Option<PausePoint>) {
        cmd.env("TRUTHGRAPH_PG_BINDIR", &self.bin)
            .env("TG_PAUSE_DIR", &self.signals);
        match at {
            Some(at) => cmd.env("TG_PAUSE_AT", at),
            None => cmd.env_remove("TG_PAUSE_AT"),
        };
    }

    /// Waits (up to 120 s) until a program stopped at the pause point;
    /// panics if `ended()` says the command ended first.
    pub fn wait_paused(&self, mut ended: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !self.signals.join("paused").exists() {
            assert!(
                !ended(),
                "the command ended before it reached its pause point"
            );
            assert!(
                std::time::Instant::now() < deadline,
                "the pause point was not reached within 120 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Lets the stopped program go on (and every later one run through).
    pub fn release(&self) {
        std::fs::write(self.signals.join("released"), "").unwrap();
    }
}

impl Drop for PausingBindir {
    /// Never leaves a program waiting (e.g. when a test panicked).
    fn drop(&mut self) {
        let _ = std::fs::write(self.signals.join("released"), "");
    }
}

/// The real PostgreSQL bin directory, found as the library finds it.
fn real_bindir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("TRUTHGRAPH_PG_BINDIR") {
        return dir.into();
    }
    let mut debian: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return bin;
    }
    let out = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config");
    String::from_utf8_lossy(&out.stdout).trim().into()
}

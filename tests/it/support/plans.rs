//! Plans, schema snapshots, error fields, migration versions and interrupted index builds.

use super::*;

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

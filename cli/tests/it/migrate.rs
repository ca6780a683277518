//! `migrate`, `status`, `rollback`, `sql`: exit codes, two migrators at once, embedded server.

use std::process::Command;

use crate::run::{cli, stderr, stdout};
use crate::support::{TestDatabase, listed, undone_to, versions, wait_for_advisory_waiters};

#[tokio::test]
async fn migrate_status_rollback_through_the_cli() {
    let t = TestDatabase::empty().await.unwrap();
    let url = Some(t.url.as_str());
    let out = cli(url, &["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("applied {}", listed(&versions()))),
        "{text}"
    );
    assert!(
        text.contains(
            "idx_embeddings_vector_cosine hnsw vector_cosine_ops (m=16, ef_construction=64)"
        ),
        "{text}"
    );
    assert!(text.contains("pgvector"), "{text}");

    let out = cli(url, &["rollback", "--to", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("undid {}", listed(&undone_to(1)))));
    let status = stdout(&cli(url, &["status"]));
    assert!(status.contains("version    1"), "{status}");
    assert!(status.contains("pending"), "{status}");

    let out = cli(url, &["migrate", "--dimension", "384"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("embedding dimension: 384"));

    // Failure: non-zero, one line.
    let out = cli(url, &["rollback", "--to=-1"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.trim().lines().count() == 1,
        "{err}"
    );
    let out = cli(Some("postgresql://nobody@127.0.0.1:1/none"), &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: "));
}

#[tokio::test]
async fn two_cli_processes_migrating_at_once_both_succeed() {
    let t = TestDatabase::empty().await.unwrap();
    // The migrators' lock, held here until both processes wait for it: they
    // overlap for certain. Released, one migrates and the other, serialised
    // behind it, finds nothing left to do.
    let key = truthgraph_db::migrate::LOCK_KEY;
    let holder = t.raw_client().await.unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .await
        .unwrap();
    let spawn = |url: String| tokio::task::spawn_blocking(move || cli(Some(&url), &["migrate"]));
    let (a, b) = (spawn(t.url.clone()), spawn(t.url.clone()));
    wait_for_advisory_waiters(&holder, key, 2, || a.is_finished() || b.is_finished()).await;
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .unwrap();
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let both = format!("{}{}", stdout(&a), stdout(&b));
    assert_eq!(
        both.matches(&format!("applied {}", listed(&versions())))
            .count(),
        1,
        "{both}"
    );
    assert_eq!(both.matches("already up to date").count(), 1, "{both}");
}

#[test]
fn offline_sql_needs_no_database() {
    let out = cli(Some("postgresql://nobody@127.0.0.1:1/none"), &["sql"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = stdout(&out);
    assert!(
        sql.contains("CREATE TABLE claims") && sql.contains("INSERT INTO refinery_schema_history")
    );
    assert_eq!(sql, truthgraph_db::migrate::migrate_script(0, None));
    let out = cli(None, &["sql", "--rollback-to", "1"]);
    let sql = stdout(&out);
    assert!(
        sql.contains("DROP TABLE IF EXISTS embeddings")
            && !sql.contains("DROP TABLE IF EXISTS claims"),
        "{sql}"
    );
}

#[test]
fn embedded_server_persists_between_commands() {
    let dir = tempfile::tempdir().unwrap();
    // The postgres user must reach it when the tests run as root.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let pgdata = dir.path().join("pgdata");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("TRUTHGRAPH_PGDATA", &pgdata)
            .output()
            .unwrap()
    };
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("embedded PostgreSQL"));
    let out = run(&["status"]);
    let latest = versions().last().copied().unwrap();
    assert!(
        stdout(&out).contains(&format!("version    {latest}")),
        "{}",
        stdout(&out)
    );
    // No server is left running on the data directory.
    assert!(!pgdata.join("postmaster.pid").exists());
}

//! Errors and configuration: a missing server, `--database-url`, `.env`, usage errors.

use std::process::Command;

use crate::run::{cli, json_of, stderr};
use crate::support::{TestDatabase, versions};

#[test]
fn a_missing_server_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"))
        .arg("status")
        .env_remove("DATABASE_URL")
        .env("TRUTHGRAPH_PG_BINDIR", dir.path())
        .env("TRUTHGRAPH_PGDATA", dir.path().join("pgdata"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: embedded PostgreSQL: TRUTHGRAPH_PG_BINDIR="),
        "{err}"
    );
}

#[tokio::test]
async fn database_url_flag_and_dotenv() {
    let t = TestDatabase::migrated().await.unwrap();
    let bad = "postgresql://nobody@127.0.0.1:1/none";
    // --database-url wins over DATABASE_URL; a bad one is one line, exit 1.
    let out = cli(Some(&t.url), &["--database-url", bad, "doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.trim().lines().count() == 1,
        "{err}"
    );
    assert!(
        err.contains("127.0.0.1:1") || err.contains("refused"),
        "{err}"
    );
    let out = cli(Some(bad), &["--database-url", &t.url, "status", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["version"], *versions().last().unwrap());
    // Usage errors are exit 2; --json where a command prints text is refused.
    assert_eq!(
        cli(Some(&t.url), &["search", "--tenant", "a"])
            .status
            .code(),
        Some(2)
    );
    let out = cli(Some(&t.url), &["inspect", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--json is not supported"),
        "{}",
        stderr(&out)
    );

    // .env in the working directory is read; the real environment wins.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), format!("DATABASE_URL={}\n", t.url)).unwrap();
    let run = |env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_truthgraph-db"));
        cmd.args(["status", "--json"])
            .current_dir(dir.path())
            .env_remove("DATABASE_URL");
        if let Some(url) = env {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    };
    let out = run(None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["version"], *versions().last().unwrap());
    let out = run(Some(bad));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the environment must win over .env"
    );
}

//! The server, pgvector and the migrations.

use truthgraph_db::catalog::version_lt;
use truthgraph_db::migrate::status::PGVECTOR_RECOMMENDED;
use truthgraph_db::migrate::{SchemaStatus, VersionState};

use super::{Findings, Settings};

pub(super) fn check(f: &mut Findings, status: &SchemaStatus, settings: &Settings) {
    server_and_pgvector(f, status, settings);
    migrations(f, status);
}

/// The server's major version; pgvector's, against the fixes it lacks.
fn server_and_pgvector(f: &mut Findings, status: &SchemaStatus, settings: &Settings) {
    let major: Option<u32> = status
        .server_version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|m| m.parse().ok());
    match major {
        Some(m) if m < 15 => f.warn(
            "server",
            format!(
                "PostgreSQL {} (TruthGraph is built and tested on 15 and later)",
                status.server_version
            ),
            "upgrade to PostgreSQL 15 or later",
        ),
        _ => f.ok("server", format!("PostgreSQL {}", status.server_version)),
    }
    let parallel_maintenance = settings
        .int("max_parallel_maintenance_workers")
        .unwrap_or(0);
    match &status.pgvector_version {
        None => f.error(
            "pgvector",
            "the vector extension is not installed in this database",
            "install pgvector (>= 0.8.4) on the server and run `truthgraph-db migrate` (it creates the extension)",
        ),
        Some(v) if version_lt(v, "0.8.2") => f.warn(
            "pgvector",
            format!(
                "pgvector {v} < {PGVECTOR_RECOMMENDED}: 0.8.2 fixes a buffer overflow in parallel HNSW \
                 index builds (CVE-2026-3172, 0.6.0 to 0.8.1: a user who can build an HNSW index with \
                 parallel workers can read other relations' data or crash the server); 0.8.4 fixes HNSW \
                 vacuum leaving the graph unrepaired under concurrent inserts and deletes (\"hnsw graph \
                 not repaired\", index corruption){}",
                if parallel_maintenance > 0 {
                    format!(
                        "; max_parallel_maintenance_workers = {parallel_maintenance}: builds by hand here are \
                         parallel (the library's own builds run serially on this version)"
                    )
                } else {
                    String::new()
                }
            ),
            format!(
                "install pgvector >= {PGVECTOR_RECOMMENDED}, run ALTER EXTENSION vector UPDATE, then \
                 `truthgraph-db reindex --concurrently` (docs/operations.md); until then the library \
                 builds serially, and builds by hand need SET max_parallel_maintenance_workers = 0"
            ),
        ),
        Some(v) if version_lt(v, PGVECTOR_RECOMMENDED) => f.warn(
            "pgvector",
            format!(
                "pgvector {v} < {PGVECTOR_RECOMMENDED}: 0.8.4 fixes HNSW vacuum leaving the graph \
                 unrepaired under concurrent inserts and deletes (\"hnsw graph not repaired\", index \
                 corruption)"
            ),
            format!(
                "install pgvector >= {PGVECTOR_RECOMMENDED}, run ALTER EXTENSION vector UPDATE, then \
                 `truthgraph-db reindex --concurrently` (docs/operations.md)"
            ),
        ),
        Some(v) => f.ok("pgvector", format!("pgvector {v}")),
    }
}

/// Divergent, missing and pending versions.
fn migrations(f: &mut Findings, status: &SchemaStatus) {
    let by_state = |want: fn(&VersionState) -> bool| -> Vec<String> {
        status
            .versions
            .iter()
            .filter(|(_, _, s)| want(s))
            .map(|(v, n, _)| format!("V{v} {n}"))
            .collect()
    };
    let divergent = by_state(|s| *s == VersionState::Divergent);
    let missing = by_state(|s| *s == VersionState::Missing);
    let pending = by_state(|s| *s == VersionState::Pending);
    let current = status.current_version();
    if !divergent.is_empty() {
        f.error(
            "migrations",
            format!("changed after they were applied: {}", divergent.join(", ")),
            "restore the migration files this database was migrated with (nothing runs while they differ)",
        );
    }
    if !missing.is_empty() {
        f.warn(
            "migrations",
            format!(
                "applied by a newer build, unknown to this one: {}",
                missing.join(", ")
            ),
            "use the truthgraph-db build that migrated this database",
        );
    }
    if current == 0 {
        f.error(
            "migrations",
            "no migration is applied",
            "run `truthgraph-db migrate` (or `truthgraph-db adopt` for a database the Python services created)",
        );
    } else if !pending.is_empty() {
        f.warn(
            "migrations",
            format!("at V{current}; pending: {}", pending.join(", ")),
            "run `truthgraph-db migrate`",
        );
    } else if divergent.is_empty() && missing.is_empty() {
        f.ok("migrations", format!("at V{current}, none pending"));
    }
}

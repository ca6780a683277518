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
    // What to do: install a fixed library, unless the server already has one.
    let upgrade = match status.pgvector_update() {
        Some(a) if !version_lt(a, PGVECTOR_RECOMMENDED) => format!(
            "the server already has pgvector {a} installed: run ALTER EXTENSION vector UPDATE, then \
             `truthgraph-db reindex --concurrently` (docs/operations.md)"
        ),
        _ => format!(
            "install pgvector >= {PGVECTOR_RECOMMENDED}, run ALTER EXTENSION vector UPDATE, then \
             `truthgraph-db reindex --concurrently` (docs/operations.md)"
        ),
    };
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
                "{upgrade}; until then the library builds serially, and builds by hand need \
                 SET max_parallel_maintenance_workers = 0"
            ),
        ),
        Some(v) if version_lt(v, PGVECTOR_RECOMMENDED) => f.warn(
            "pgvector",
            format!(
                "pgvector {v} < {PGVECTOR_RECOMMENDED}: 0.8.4 fixes HNSW vacuum leaving the graph \
                 unrepaired under concurrent inserts and deletes (\"hnsw graph not repaired\", index \
                 corruption)"
            ),
            upgrade,
        ),
        Some(v) => match status.pgvector_update() {
            Some(a) => f.warn(
                "pgvector",
                format!("pgvector {v} in this database, {a} installed on the server"),
                "run ALTER EXTENSION vector UPDATE (quick: SQL objects only)",
            ),
            None => f.ok("pgvector", format!("pgvector {v}")),
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The pgvector finding for a database at `version` on a server whose
    /// library offers `available`.
    fn pgvector_finding(version: &str, available: &str) -> (super::super::Level, String) {
        let status = SchemaStatus {
            server_version: "15.20".into(),
            pgvector_version: Some(version.into()),
            pgvector_available: Some(available.into()),
            versions: vec![],
            tables: vec![],
            vector_indexes: vec![],
            dimension: None,
        };
        let mut f = Findings::default();
        server_and_pgvector(&mut f, &status, &Settings(Default::default()));
        let p = f.0.into_iter().find(|x| x.check == "pgvector").unwrap();
        (p.level, p.action.unwrap_or_default())
    }

    #[test]
    fn an_upgraded_library_asks_only_for_alter_extension_then_reindex() {
        use super::super::Level;
        // Old extension, fixed library already installed: no install step.
        let (level, action) = pgvector_finding("0.8.0", "0.8.6");
        assert_eq!(level, Level::Warn);
        assert!(
            action.starts_with("the server already has pgvector 0.8.6"),
            "{action}"
        );
        assert!(action.contains("reindex --concurrently"), "{action}");
        // Old extension, old library: install first.
        let (_, action) = pgvector_finding("0.8.3", "0.8.3");
        assert!(action.starts_with("install pgvector >= 0.8.4"), "{action}");
        // Fixed extension, newer library: only the update.
        let (level, action) = pgvector_finding("0.8.4", "0.8.6");
        assert_eq!(level, Level::Warn);
        assert!(
            action.starts_with("run ALTER EXTENSION vector UPDATE"),
            "{action}"
        );
        assert_eq!(pgvector_finding("0.8.6", "0.8.6").0, Level::Ok);
    }
}

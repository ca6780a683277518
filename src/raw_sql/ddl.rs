//! DDL built from catalog names and validated literals: index builds and
//! swaps, dimension and storage changes, databases, roles, tier indexes.

use crate::catalog::quote_ident;

/// `REINDEX INDEX name`: blocks writes to its table and scans of the index
/// until it is rebuilt.
pub fn reindex(name: &str) -> String {
    format!("REINDEX INDEX {}", quote_ident(name))
}

/// `DROP INDEX name`.
pub fn drop_index(name: &str) -> String {
    format!("DROP INDEX {}", quote_ident(name))
}

/// `REINDEX INDEX CONCURRENTLY name`: rebuilds while reads and writes go on.
pub fn reindex_concurrently(name: &str) -> String {
    format!("REINDEX INDEX CONCURRENTLY {}", quote_ident(name))
}

/// `ALTER TABLE embeddings ALTER COLUMN embedding TYPE vector(dimension)`.
pub fn alter_embedding_dimension(dimension: usize) -> String {
    format!("ALTER TABLE embeddings ALTER COLUMN embedding TYPE vector({dimension})")
}

/// `ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE …` for a
/// `pg_attribute.attstorage` code (`p`, `e`, `m`, `x`).
pub fn set_embedding_storage(attstorage: &str) -> String {
    let mode = match attstorage {
        "p" => "PLAIN",
        "e" => "EXTERNAL",
        "m" => "MAIN",
        _ => "EXTENDED",
    };
    format!("ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE {mode}")
}

/// Creates `schema` and puts it first on the search path of the current
/// transaction (adoption builds its reference schema there).
pub fn scratch_schema(schema: &str) -> String {
    let s = quote_ident(schema);
    format!("CREATE SCHEMA {s}; SET LOCAL search_path = {s}, public")
}

/// `CREATE DATABASE name TEMPLATE template`.
pub fn create_database(name: &str, template: &str) -> String {
    format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_ident(name),
        quote_ident(template)
    )
}

/// `DROP DATABASE IF EXISTS name WITH (FORCE)`.
pub fn drop_database(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
}

/// Makes `name` a template nobody connects to.
pub fn freeze_template(name: &str) -> String {
    format!(
        "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
        quote_ident(name)
    )
}

/// `DROP INDEX IF EXISTS name` (the leftover of a failed concurrent build).
pub fn drop_index_if_exists(name: &str) -> String {
    format!("DROP INDEX IF EXISTS {}", quote_ident(name))
}

/// `CREATE INDEX CONCURRENTLY name ON embeddings USING method (embedding
/// opclass) WITH (params)`; `method`, `opclass` and `params` come from the
/// catalog or from integers this library chose, never from callers.
pub fn create_vector_index_concurrently(
    name: &str,
    method: &str,
    opclass: &str,
    params: &str,
) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY {} ON embeddings USING {} (embedding {}) WITH ({params})",
        quote_ident(name),
        quote_ident(method),
        quote_ident(opclass)
    )
}

/// Replaces index `to` by index `from` (run inside one transaction).
pub fn swap_index(from: &str, to: &str) -> String {
    format!(
        "DROP INDEX {to_q}; ALTER INDEX {} RENAME TO {to_q}",
        quote_ident(from),
        to_q = quote_ident(to)
    )
}

/// `EXPLAIN sql` (`EXPLAIN (ANALYZE) sql` with `analyze`): the plan of one
/// of the generated statements, with its parameters bound as when it runs.
pub fn explain(sql: &str, analyze: bool) -> String {
    if analyze {
        format!("EXPLAIN (ANALYZE) {sql}")
    } else {
        format!("EXPLAIN {sql}")
    }
}

/// `s` as an SQL string literal: `'…'` with `'` doubled; a string with a
/// backslash is written `E'…'` with each backslash doubled too, so it reads the same
/// whatever `standard_conforming_strings` says. For the tenant in a tier
/// index's predicate, which must be a constant (a parameter cannot be part of
/// DDL). Tenant ids are validated first ([`crate::validate::tenant`]: at most
/// 255 bytes, no NUL, which PostgreSQL text cannot hold anyway).
///
/// # Panics
/// On a NUL character (never a validated tenant id).
pub fn quote_literal(s: &str) -> String {
    assert!(!s.contains('\0'), "NUL in an SQL literal");
    let doubled = s.replace('\'', "''");
    if s.contains('\\') {
        format!("E'{}'", doubled.replace('\\', "\\\\"))
    } else {
        format!("'{doubled}'")
    }
}

/// `CREATE INDEX CONCURRENTLY name ON embeddings USING hnsw (embedding
/// vector_cosine_ops) WITH (m, ef_construction) WHERE tenant_id = '<tenant>'
/// AND entity_type = '<type>'`: the index of one tier ([`crate::tiers`]).
/// `name` is the library's own ([`crate::tiers::tier_index_name`]), quoted;
/// the tenant is a literal ([`quote_literal`]); `entity_type` one of the
/// stored texts.
pub fn create_tier_index_concurrently(
    name: &str,
    tenant: &str,
    entity_type: crate::EntityType,
    (m, ef_construction): (u32, u32),
) -> String {
    format!(
        "CREATE INDEX CONCURRENTLY {} ON embeddings USING hnsw (embedding vector_cosine_ops) \
         WITH (m = {m}, ef_construction = {ef_construction}) WHERE tenant_id = {} AND entity_type = {}",
        quote_ident(name),
        quote_literal(tenant),
        quote_literal(entity_type.as_str())
    )
}

/// `SET maintenance_work_mem = '<mb>MB'` on a schema connection before an
/// index build (the connection is retired afterwards).
pub fn set_maintenance_work_mem_mb(mb: u64) -> String {
    format!("SET maintenance_work_mem = '{mb}MB'")
}

/// Serial index builds on this connection: pgvector before 0.8.2 can
/// overflow in parallel HNSW builds (CVE-2026-3172).
pub const SERIAL_INDEX_BUILDS: &str = "SET max_parallel_maintenance_workers = 0";

/// A savepoint before an index build inside a transaction (a bulk load's
/// rebuild), to run it again serially when it runs out of shared memory.
pub const INDEX_BUILD_SAVEPOINT: &str = "SAVEPOINT truthgraph_index_build";

/// Releases [`INDEX_BUILD_SAVEPOINT`] after the build.
pub const RELEASE_INDEX_BUILD_SAVEPOINT: &str = "RELEASE SAVEPOINT truthgraph_index_build";

/// Rolls back to [`INDEX_BUILD_SAVEPOINT`] and makes the rest of the
/// transaction's builds serial.
pub const ROLLBACK_INDEX_BUILD_TO_SERIAL: &str = "ROLLBACK TO SAVEPOINT truthgraph_index_build; \
     SET LOCAL max_parallel_maintenance_workers = 0";

/// `CREATE ROLE login LOGIN PASSWORD 'password' IN ROLE truthgraph_app`: a
/// login subject to the row-level security of migration V7 (the bench's
/// least-privilege service). `password` must be the library's own random
/// hex, never caller input: it is a literal.
///
/// # Panics
/// When `password` has a character other than an ASCII letter or digit.
pub fn create_app_login(login: &str, password: &str) -> String {
    // Quoted as a string literal below: letters, digits and `_` only.
    assert!(
        password
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    );
    format!(
        "CREATE ROLE {} LOGIN PASSWORD '{password}' IN ROLE truthgraph_app",
        quote_ident(login)
    )
}

/// `DROP ROLE IF EXISTS name`.
pub fn drop_role(name: &str) -> String {
    format!("DROP ROLE IF EXISTS {}", quote_ident(name))
}

/// `DROP INDEX CONCURRENTLY IF EXISTS name`: drops an index (a leftover of an
/// interrupted concurrent build) without blocking reads or writes of its
/// table; outside any transaction block.
pub fn drop_index_concurrently(name: &str) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote_ident(name))
}

/// `ALTER INDEX from RENAME TO to` (a tier's denser graph taking its name,
/// once the old one is dropped).
pub fn rename_index(from: &str, to: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {}",
        quote_ident(from),
        quote_ident(to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_quote_every_character_they_must() {
        assert_eq!(quote_literal("acme"), "'acme'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"a\b'c"), r"E'a\\b''c'");
        assert_eq!(quote_literal("é ü"), "'é ü'");
        let ddl =
            create_tier_index_concurrently("idx_x", "o'neil", crate::EntityType::Claim, (32, 128));
        assert!(
            ddl.ends_with(
                "WITH (m = 32, ef_construction = 128) \
                 WHERE tenant_id = 'o''neil' AND entity_type = 'claim'"
            ),
            "{ddl}"
        );
        assert_eq!(
            rename_index("a\"b", "c"),
            "ALTER INDEX \"a\"\"b\" RENAME TO \"c\""
        );
    }
}

//! Errors raised on a Citus worker, as the coordinator relays them: the
//! names they carry are the **shard's** (`embeddings_claim_fkey_102075` on
//! table `embeddings_102075`), and the structured fields a server error
//! usually has (constraint, table, column) are gone: Citus passes on the
//! SQLSTATE, message, detail, hint and context only, and adds the context
//! line `while executing command on <host>:<port>`.
//!
//! Citus names every object of a shard after the object of the distributed
//! table plus `_<shard id>`, so the name the schema knows is the shard's
//! name without its last `_<digits>`. These functions give the library's
//! error mapping ([`super::sqlstate`]) the schema's names back, so a caller
//! sees the same constraint on one server and on Citus.

use tokio_postgres::error::DbError;

/// The context line Citus adds to an error relayed from a worker.
const RELAYED: &str = "while executing command on ";

/// Whether the coordinator relayed `db` from a worker.
pub(crate) fn relayed(db: &DbError) -> bool {
    db.where_().is_some_and(|w| w.contains(RELAYED))
}

/// `name` without a trailing `_<digits>` (a Citus shard id), if it has one.
fn without_shard_id(name: &str) -> &str {
    match name.rsplit_once('_') {
        Some((base, id)) if !base.is_empty() && !id.is_empty() => {
            if id.bytes().all(|b| b.is_ascii_digit()) {
                base
            } else {
                name
            }
        }
        _ => name,
    }
}

/// The first `"…"`-quoted name in `message` after `marker`.
fn quoted_after<'m>(message: &'m str, marker: &str) -> Option<&'m str> {
    let (_, rest) = message.split_once(marker)?;
    let rest = rest.strip_prefix('"')?;
    rest.split_once('"').map(|(name, _)| name)
}

/// The constraint that refused a statement, under the distributed table's
/// name: the server's constraint field when it has one (one server; a
/// shard's own name when a node ran the statement locally, whose suffix is
/// the shard id of the table it names), else the name in the message of an
/// error relayed from a worker (`… constraint "<name>_<shard id>"`).
pub(crate) fn constraint(db: &DbError) -> Option<String> {
    if let Some(name) = db.constraint() {
        // A local execution on a node that holds the shard: the constraint
        // and the table carry the same shard id.
        return Some(
            match db.table() {
                Some(table) if same_shard(name, table) => without_shard_id(name),
                _ => name,
            }
            .to_string(),
        );
    }
    if !relayed(db) {
        return None;
    }
    quoted_after(db.message(), "constraint ").map(|name| without_shard_id(name).to_string())
}

/// Whether `a` and `b` end in the same `_<digits>` shard id.
fn same_shard(a: &str, b: &str) -> bool {
    let id = |s: &str| s.rsplit_once('_').map(|(_, id)| id.to_string());
    let (ia, ib) = (id(a), id(b));
    ia.is_some() && ia == ib && without_shard_id(a) != a
}

/// The column an error names: the server's column field, or, for an error
/// relayed from a worker, the column of `null value in column "<c>"`.
pub(crate) fn column(db: &DbError) -> Option<String> {
    if let Some(c) = db.column() {
        return Some(c.to_string());
    }
    if !relayed(db) {
        return None;
    }
    quoted_after(db.message(), "column ").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ids_come_off_the_end_only() {
        assert_eq!(
            without_shard_id("embeddings_claim_fkey_102075"),
            "embeddings_claim_fkey"
        );
        assert_eq!(without_shard_id("claims_pkey_102008"), "claims_pkey");
        assert_eq!(without_shard_id("claims_pkey"), "claims_pkey");
        assert_eq!(without_shard_id("_123"), "_123");
        assert_eq!(without_shard_id("a_"), "a_");
        assert_eq!(without_shard_id("v2"), "v2");
    }

    #[test]
    fn names_are_read_from_the_message() {
        let fk = "insert or update on table \"embeddings_102075\" violates foreign key \
                  constraint \"embeddings_claim_fkey_102075\"";
        assert_eq!(
            quoted_after(fk, "constraint "),
            Some("embeddings_claim_fkey_102075")
        );
        let nn = "null value in column \"text\" of relation \"claims_102008\" violates \
                  not-null constraint";
        assert_eq!(quoted_after(nn, "column "), Some("text"));
        assert_eq!(quoted_after("no quotes here", "constraint "), None);
        assert!(same_shard("claims_pkey_102008", "claims_102008"));
        assert!(!same_shard("claims_pkey_102008", "claims_102009"));
        assert!(!same_shard("claims_pkey", "claims"));
    }
}

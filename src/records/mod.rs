//! Typed writes and reads, one module per query family: each pairs with
//! `queries/<family>.sql` and the generated `queries::<family>`, and adds the
//! tenant-scoped methods of [`crate::Tenant`] (validation first, then the
//! generated query). Reads that need no validation can also be called directly
//! as generated functions in [`crate::queries`].

pub mod bulk_load;
pub mod bulk_plan;
mod bulk_rows;
pub mod claims;
pub mod embeddings;
pub mod evidence;
pub mod nli;
pub mod verdicts;
pub mod verification;

use chrono::NaiveDateTime;
use uuid::Uuid;

/// A keyset-paging cursor: the `created_at` and `id` of the last row seen.
pub type Cursor = (NaiveDateTime, Uuid);

/// `rows` (one per id of `ids`, as a batch insert returned them) in the order
/// of `ids`. PostgreSQL returns an `INSERT … SELECT … ORDER BY` in that order,
/// so this only checks; it reorders should that ever change.
pub(crate) fn in_input_order<T>(mut rows: Vec<T>, ids: &[Uuid], id: impl Fn(&T) -> Uuid) -> Vec<T> {
    if rows.iter().map(&id).eq(ids.iter().copied()) {
        return rows;
    }
    let position: std::collections::HashMap<Uuid, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| position.get(&id(r)).copied().unwrap_or(usize::MAX));
    rows
}

//! Typed writes and reads, one module per query family: each pairs with
//! `queries/<family>.sql` and the generated `queries::<family>`, and adds the
//! tenant-scoped methods of [`crate::Tenant`] (validation first, then the
//! generated query). Reads that need no validation can also be called directly
//! as generated functions in [`crate::queries`].

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

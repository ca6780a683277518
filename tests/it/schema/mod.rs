//! The migrated schema matches DESIGN.md and the seed, name for name.

mod behaviour;
mod columns;
mod objects;

use crate::support::TestDatabase;

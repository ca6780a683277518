//! The verbs, one module each.

pub mod bench;
pub mod demo;
pub mod doctor;
pub mod inspect;
pub mod load;
pub mod schema;
pub mod search;
pub mod tune;

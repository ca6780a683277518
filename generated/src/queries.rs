// This file was generated with `cornucopia`. Do not modify.

pub mod catalog;
pub mod claims;
pub mod embeddings;
pub mod evidence;
pub mod maintenance;
pub mod nli;
pub mod search;
pub mod settings;
pub mod tiers;
pub mod verdicts;
pub mod verification;

//! Search settings (`queries/settings.sql`): the `hnsw.ef_search` and
//! `ivfflat.probes` every pooled connection starts with.
//!
//! They are sent as startup options of each connection (`-c name=value`), so
//! a search with default options runs as one statement, with no `SET` and no
//! transaction, and the values survive `RESET ALL`/`DISCARD ALL`: nothing a
//! borrower does can leave another borrower with different defaults. A call
//! that overrides them does so inside its own transaction (`set_config(…,
//! true)`), which ends with the call.
//!
//! Where the values come from, first match wins:
//! 1. pinned in [`crate::Config`] (`TRUTHGRAPH_EF_SEARCH`, `TRUTHGRAPH_PROBES`);
//! 2. measured and stored by `truthgraph-db tune` in `truthgraph_settings`;
//! 3. built in: `hnsw.ef_search` [`TIER_EF_SEARCH`] (100) for a search in a
//!    tenant's own index ([`crate::tiers`]), `ivfflat.probes` from the lists
//!    ([`builtin_probes`]).
//!
//! A tenant with an index of its own of fewer than
//! [`crate::tiers::SMALL_TIER_ROWS`] rows, or of [`crate::tiers::LARGE_TIER_ROWS`]
//! rows or more, searches with its tier's `ef_search` (64, 200), set for that call only
//! (see [`crate::tiers`]). A search through an index over every tenant (a
//! database before V10, or one whose tiers are not built yet) uses
//! [`SearchDefaults::shared_ef_search`], scaled to the table's size when
//! built in ([`builtin_ef_search`]).
//!
//! Besides those two, every connection also starts with pgvector 0.8's
//! relaxed-order iterative scans (a filtered search keeps scanning until `k`
//! rows pass the filter), `random_page_cost = 1.1` and `plan_cache_mode =
//! force_custom_plan` (see [`STARTUP_SETTINGS`]).

use chrono::NaiveDateTime;
use truthgraph_queries::client::GenericClient;
use truthgraph_queries::queries::settings;

use crate::catalog::{self, index_option};
use crate::config::Config;
use crate::error::{Error, Result};
pub use crate::tiers::TIER_EF_SEARCH;

pub use truthgraph_queries::queries::settings::Setting;

/// Settings every connection starts with, whatever the index.
///
/// - `hnsw.iterative_scan`, `ivfflat.iterative_scan` = `relaxed_order`: a
///   filtered search (tenant, source type) keeps scanning the index until `k`
///   rows pass the filter, instead of returning fewer.
/// - `random_page_cost = 1.1`: with PostgreSQL's default of 4 the planner
///   prices an index scan of a cached vector index above a sequential scan
///   and sort of the whole tenant, and picks the latter although it is several
///   times slower (BENCHMARKS.md, "Figures behind the library's limits").
///   1.1 is the usual value for SSDs and cached data.
/// - `plan_cache_mode = force_custom_plan`: a tenant's own index is partial
///   (`WHERE tenant_id = '<tenant>'`, [`crate::tiers`]), which only a plan
///   made for the tenant's value can use. A prepared statement may switch to
///   a generic plan after five executions, which cannot; forcing custom
///   plans guarantees the index. Planning the library's statements costs
///   tens of microseconds (BENCHMARKS.md, "Overhead").
pub const STARTUP_SETTINGS: [(&str, &str); 4] = [
    ("hnsw.iterative_scan", "relaxed_order"),
    ("ivfflat.iterative_scan", "relaxed_order"),
    ("random_page_cost", "1.1"),
    ("plan_cache_mode", "force_custom_plan"),
];

/// Where the defaults in force came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Built in, for the table size the planner estimated at open (`None`:
    /// no table, or never analysed).
    BuiltIn {
        /// Rows in `embeddings` at open.
        rows: Option<i64>,
    },
    /// Stored by `truthgraph-db tune`.
    Tuned {
        /// When the newest of them was measured.
        measured_at: NaiveDateTime,
    },
    /// Pinned by the configuration.
    Pinned,
}

/// The search settings in force on every pooled connection of a
/// [`crate::Database`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDefaults {
    /// `hnsw.ef_search`: the candidate list of an HNSW index scan.
    pub ef_search: u32,
    /// `hnsw.ef_search` of a search through an index over every tenant
    /// ([`crate::tiers::Route::Shared`]): `ef_search` when tuned or pinned,
    /// else [`builtin_ef_search`] for the table's size.
    pub shared_ef_search: u32,
    /// `ivfflat.probes`: the lists an IVFFlat index scan visits.
    pub probes: u32,
    /// Where `ef_search` came from.
    pub ef_search_origin: Origin,
    /// Where `probes` came from.
    pub probes_origin: Origin,
}

impl SearchDefaults {
    /// The same settings as `(name, value)` pairs, for a tenant call on a
    /// Citus coordinator to `SET LOCAL` (startup options do not reach the
    /// workers: see `src/call/`).
    pub fn as_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("hnsw.ef_search", self.ef_search.to_string()),
            ("ivfflat.probes", self.probes.to_string()),
        ];
        out.extend(STARTUP_SETTINGS.iter().map(|(n, v)| (*n, v.to_string())));
        out
    }

    /// The connection startup options that put these settings (and
    /// [`STARTUP_SETTINGS`]) in force: `-c name=value …`.
    pub fn startup_options(&self) -> String {
        let mut out = format!(
            "-c hnsw.ef_search={} -c ivfflat.probes={}",
            self.ef_search, self.probes
        );
        for (name, value) in STARTUP_SETTINGS {
            out.push_str(&format!(" -c {name}={value}"));
        }
        out
    }
}

/// `hnsw.ef_search` for an HNSW index over every tenant, of `rows` rows,
/// when nothing was tuned (tenants' own indexes: [`TIER_EF_SEARCH`]).
///
/// An HNSW graph's recall at a given `ef_search` falls as it grows, so the
/// candidate list grows with the table: 120 up to 30K rows, then 200, 300,
/// 400 (the measurements behind each step: BENCHMARKS.md, "The defaults,
/// and why").
pub fn builtin_ef_search(rows: Option<i64>) -> u32 {
    let rows = rows.unwrap_or(0);
    if rows <= 30_000 {
        120
    } else if rows <= 150_000 {
        200
    } else if rows <= 600_000 {
        300
    } else {
        400
    }
}

/// `ivfflat.probes` for an IVFFlat index of `lists` lists when nothing was
/// tuned: a tenth of the lists (at least 10), so the share of the table a
/// search reads stays the same as the index is rebuilt with more lists.
pub fn builtin_probes(lists: Option<u32>) -> u32 {
    lists.map_or(10, |l| l.div_ceil(10).max(10).min(l.max(1)))
}

/// A stored value: 1..=1000 for `hnsw.ef_search`, 1..=32768 for `ivfflat.probes`.
fn parse_value(name: &str, value: &str) -> Result<u32> {
    let max = if name == "hnsw.ef_search" {
        1000
    } else {
        32768
    };
    value
        .parse::<u32>()
        .ok()
        .filter(|v| (1..=max).contains(v))
        .ok_or_else(|| {
            Error::invalid(
                format!("truthgraph_settings.{name}"),
                format!("{value:?} is not in 1..={max}"),
            )
        })
}

/// Reads what every connection should start with: pins from `config`, else
/// the stored settings, else the built-in values for the table's size.
///
/// # Errors
/// Connection and database errors; [`Error::InvalidInput`] for a stored value
/// out of range.
pub async fn read(client: &impl GenericClient, config: &Config) -> Result<SearchDefaults> {
    let stored = stored(client).await?;
    let tuned = |name: &str| -> Result<Option<(u32, Origin)>> {
        stored
            .iter()
            .find(|s| s.name == name)
            .map(|s| {
                Ok((
                    parse_value(name, &s.value)?,
                    Origin::Tuned {
                        measured_at: s.measured_at,
                    },
                ))
            })
            .transpose()
    };
    let rows = settings::embedding_rows_estimate()
        .bind(client)
        .opt()
        .await?
        .filter(|r| *r >= 0);
    let (ef_search, ef_search_origin) = match (config.ef_search, tuned("hnsw.ef_search")?) {
        (Some(v), _) => (v, Origin::Pinned),
        (None, Some(t)) => t,
        (None, None) => (TIER_EF_SEARCH, Origin::BuiltIn { rows }),
    };
    let shared_ef_search = match ef_search_origin {
        Origin::BuiltIn { .. } => builtin_ef_search(rows),
        _ => ef_search,
    };
    let (probes, probes_origin) = match (config.probes, tuned("ivfflat.probes")?) {
        (Some(v), _) => (v, Origin::Pinned),
        (None, Some(t)) => t,
        (None, None) => {
            let lists = catalog::embedding_indexes(client)
                .await?
                .iter()
                .filter(|ix| ix.method == "ivfflat")
                .find_map(|ix| index_option(ix, "lists"));
            (builtin_probes(lists), Origin::BuiltIn { rows })
        }
    };
    Ok(SearchDefaults {
        ef_search,
        shared_ef_search,
        probes,
        ef_search_origin,
        probes_origin,
    })
}

/// The stored settings, newest measurement first.
///
/// # Errors
/// Connection and database errors only.
pub async fn stored(client: &impl GenericClient) -> Result<Vec<Setting>> {
    if !catalog::relation_exists(client, "truthgraph_settings").await? {
        return Ok(Vec::new());
    }
    Ok(settings::settings().bind(client).all().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_settings_grow_with_the_table() {
        // Never shrinks as the table grows...
        let sizes = [
            0, 1, 10_000, 30_000, 30_001, 100_000, 150_001, 600_001, 10_000_000,
        ];
        for w in sizes.windows(2) {
            assert!(
                builtin_ef_search(Some(w[0])) <= builtin_ef_search(Some(w[1])),
                "{w:?}"
            );
        }
        // ...and grows strictly past each step (30K, 150K, 600K rows).
        for step in [30_000, 150_000, 600_000] {
            assert!(
                builtin_ef_search(Some(step)) < builtin_ef_search(Some(step + 1)),
                "no growth past {step} rows"
            );
        }
        assert!(builtin_ef_search(Some(10_000)) < builtin_ef_search(Some(10_000_000)));
        assert_eq!(builtin_ef_search(None), builtin_ef_search(Some(0)));
        // Probes grow with the lists (a tenth, at least 10, at most the lists).
        assert!(builtin_probes(Some(100)) < builtin_probes(Some(1000)));
        assert_eq!(builtin_probes(Some(100)), 10);
        assert_eq!(builtin_probes(Some(1000)), 100);
        assert_eq!(builtin_probes(Some(4)), 4);
        assert_eq!(builtin_probes(None), 10);
    }

    #[test]
    fn stored_values_are_checked() {
        assert_eq!(parse_value("hnsw.ef_search", "100").unwrap(), 100);
        assert!(parse_value("hnsw.ef_search", "0").is_err());
        assert!(parse_value("hnsw.ef_search", "5000").is_err());
        assert!(parse_value("ivfflat.probes", "1 -c x=y").is_err());
    }

    #[test]
    fn startup_options_carry_every_setting() {
        let d = SearchDefaults {
            ef_search: 120,
            shared_ef_search: 200,
            probes: 12,
            ef_search_origin: Origin::Pinned,
            probes_origin: Origin::Pinned,
        };
        assert_eq!(
            d.startup_options(),
            "-c hnsw.ef_search=120 -c ivfflat.probes=12 -c hnsw.iterative_scan=relaxed_order \
             -c ivfflat.iterative_scan=relaxed_order -c random_page_cost=1.1 \
             -c plan_cache_mode=force_custom_plan"
        );
    }
}

//! The plan of a search as the library runs it: the statement of the
//! tenant's tier ([`crate::tiers`]), its parameters, and the settings the
//! call would set, on a connection lent as for the search itself (the
//! tenant set, so under row-level security the plan is the app login's).

use pgvector::Vector;
use tokio_postgres::types::ToSql;

use super::statements::Scan;
use super::{Overrides, SearchOptions};
use crate::call::Access;
use crate::error::{Error, Result};
use crate::labels::EntityType;
use crate::raw_sql;
use crate::tenant::Tenant;
use crate::tenant::tenant_span;
use crate::tiers::Route;

impl Tenant<'_> {
    /// `EXPLAIN` (with `analyze`, `EXPLAIN (ANALYZE)`: the search runs) of
    /// the statement [`Tenant::search_evidence`] (`entity_type` evidence) or
    /// [`Tenant::search_claims`] would run for `query` and `opts`: the
    /// tenant's tier decides which ([`Tenant::search_route`]), planned with
    /// the same values and settings. The plan, one line per row.
    ///
    /// # Errors
    /// As [`Tenant::search_evidence`].
    pub async fn explain_search(
        &self,
        entity_type: EntityType,
        query: &Vector,
        opts: &SearchOptions,
        analyze: bool,
    ) -> Result<String> {
        opts.validate()?;
        if entity_type == EntityType::Claim && opts.source_type.is_some() {
            return Err(Error::invalid("source_type", "claims have no source type"));
        }
        self.check_query(query).await?;
        let route = self.search_route(entity_type);
        let exact = opts.exact || route == Route::Exact;
        let (tenant, source) = (self.id(), opts.source_type.as_deref());
        let (k, min) = (opts.k as i64, opts.min_similarity);
        let (sql, params): (&str, Vec<&(dyn ToSql + Sync)>) = match (entity_type, exact) {
            (EntityType::Evidence, false) => (
                truthgraph_queries::sql::search::SEARCH_EVIDENCE,
                vec![query, &tenant, &source, &k, &min],
            ),
            (EntityType::Evidence, true) => (
                truthgraph_queries::sql::search::SEARCH_EVIDENCE_EXACT,
                vec![query, &tenant, &source, &min, &k],
            ),
            (EntityType::Claim, false) => (
                truthgraph_queries::sql::search::SEARCH_CLAIMS,
                vec![query, &tenant, &k, &min],
            ),
            (EntityType::Claim, true) => (
                truthgraph_queries::sql::search::SEARCH_CLAIMS_EXACT,
                vec![query, &tenant, &min, &k],
            ),
        };
        // A tier runs the same statement with its scan changed.
        let scan = if exact {
            Scan::default()
        } else {
            self.scan(route).await?
        };
        let sql = scan.statement(sql).unwrap_or_else(|| sql.to_string());
        let sql = &raw_sql::explain(&sql, analyze);
        let params = &params;
        let op = tenant_span!(self, "explain_search", "embeddings");
        let lines = match Overrides::of(opts.probes, opts.ef_search).filter(|_| !exact) {
            None => {
                // EXPLAIN plans for the values given: a custom plan, where
                // a search with the tenant as a literal runs its generic
                // plan (PostgreSQL 15 has no `EXPLAIN (GENERIC_PLAN)`); both
                // use the tier's index.
                let rows = source.is_none().then(|| route.first_pass_rows(k));
                let sets = self.search_sets(route, rows).filter(|_| !exact);
                self.run_search(Access::Read, op, sets, |conn| {
                    Box::pin(async move { Ok(conn.client().query(sql, params).await?) })
                })
                .await?
            }
            Some(o) => {
                self.run_in_transaction(Access::Read, op, |t| {
                    Box::pin(async move {
                        o.apply(t.tx(), self.database().on_citus()).await?;
                        Ok(t.tx().query(sql, params).await?)
                    })
                })
                .await?
            }
        };
        Ok(lines
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// Which statement a search of this tenant's `entity_type` runs now
    /// ([`crate::tiers`]), by the routes the handle holds.
    pub fn search_route(&self, entity_type: EntityType) -> Route {
        self.database().search_route(self.id(), entity_type)
    }
}

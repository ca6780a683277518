//! The tasks of the load test: each picks a kind of call by weight and a
//! tenant, makes the call through the library, and records its latency,
//! its errors and the writes it acknowledged.

use std::time::Instant;

use anyhow::{Context as _, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Database, EntityType, HybridOptions, NewNliResult, SearchOptions};
use uuid::Uuid;

use super::chaos;
use super::seed::{nli_row, verification_row};
use super::{Acked, K, KEEP_ERRORS, MODEL_NEW, MODEL_REPLACED, TenantSeed};
use crate::commands::bench::{percentile, round};
use crate::dataset::Dataset;

/// The operation kinds, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Search,
    Hybrid,
    Upsert,
    NliBatch,
    Verify,
    VerificationRead,
    VerdictRead,
}

impl Kind {
    pub(super) const ALL: [Kind; 7] = [
        Kind::Search,
        Kind::Hybrid,
        Kind::Upsert,
        Kind::NliBatch,
        Kind::Verify,
        Kind::VerificationRead,
        Kind::VerdictRead,
    ];

    /// Whether the call writes.
    pub(super) fn is_write(self) -> bool {
        matches!(self, Kind::Upsert | Kind::NliBatch | Kind::Verify)
    }

    /// As `--mix` and the report name it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Search => "search",
            Kind::Hybrid => "hybrid",
            Kind::Upsert => "upsert",
            Kind::NliBatch => "nli_batch",
            Kind::Verify => "verify",
            Kind::VerificationRead => "verification_read",
            Kind::VerdictRead => "verdict_read",
        }
    }
}

/// A weight per kind, in [`Kind::ALL`] order.
pub(super) type Weights = [u32; Kind::ALL.len()];

/// `--mix`: `kind=weight,…`; kinds not named weigh 0.
pub(super) fn parse_mix(mix: &str) -> anyhow::Result<Weights> {
    let mut weights = [0u32; Kind::ALL.len()];
    for part in mix.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (kind, w) = part
            .split_once('=')
            .with_context(|| format!("--mix: {part:?} is not kind=weight"))?;
        let i = Kind::ALL
            .iter()
            .position(|k| k.name() == kind.trim())
            .with_context(|| {
                let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!("--mix: unknown kind {kind:?} (kinds: {})", kinds.join(", "))
            })?;
        weights[i] = w
            .trim()
            .parse()
            .with_context(|| format!("--mix: weight of {kind} is not a whole number"))?;
    }
    if weights.iter().all(|w| *w == 0) {
        bail!("--mix: every weight is 0");
    }
    Ok(weights)
}

/// Everything the tasks share, read-only.
pub(super) struct Shared {
    pub(super) db: Database,
    pub(super) data: Dataset,
    pub(super) queries: Vec<Vector>,
    pub(super) tenants: Vec<TenantSeed>,
    pub(super) weights: Weights,
    /// Under `--chaos`: where failed and acknowledged calls are recorded.
    pub(super) chaos: Option<std::sync::Arc<chaos::ChaosLog>>,
}

/// One kind's figures in one task.
#[derive(Default)]
pub(super) struct KindStats {
    /// Latency of each successful call, in microseconds.
    micros: Vec<u64>,
    errors: usize,
    /// Connection errors under `--chaos` (not failures; writes in doubt).
    connection_errors: usize,
    messages: Vec<String>,
    /// Searches that returned fewer than k rows.
    short: usize,
}

impl KindStats {
    /// Adds another task's figures (keeping at most [`KEEP_ERRORS`] distinct messages).
    pub(super) fn merge(&mut self, other: KindStats) {
        self.micros.extend(other.micros);
        self.errors += other.errors;
        self.connection_errors += other.connection_errors;
        self.short += other.short;
        for m in other.messages {
            if self.messages.len() < KEEP_ERRORS && !self.messages.contains(&m) {
                self.messages.push(m);
            }
        }
    }
}

/// The report's figures per kind (`ops`) and over all kinds (`total`) for a
/// run of `elapsed` seconds; a kind with errors is a failure.
pub(super) fn figures(
    kinds: &mut [KindStats],
    elapsed: f64,
    failures: &mut Vec<String>,
) -> (Vec<Value>, Value) {
    let mut ops = Vec::new();
    let (mut total_ops, mut total_errors, mut total_lost) = (0usize, 0usize, 0usize);
    let mut all_micros: Vec<u64> = Vec::new();
    for (kind, s) in Kind::ALL.iter().zip(kinds) {
        let kind = kind.name();
        s.micros.sort_unstable();
        let ms: Vec<f64> = s.micros.iter().map(|u| *u as f64 / 1000.0).collect();
        total_ops += ms.len();
        total_errors += s.errors;
        total_lost += s.connection_errors;
        all_micros.extend(&s.micros);
        if s.errors > 0 {
            failures.push(format!(
                "{kind}: {} errors, first: {}",
                s.errors,
                s.messages.first().map(String::as_str).unwrap_or("-")
            ));
        }
        ops.push(json!({
            "kind": kind, "ops": ms.len(), "ops_per_s": round(ms.len() as f64 / elapsed, 1),
            "p50_ms": round(percentile(&ms, 0.5), 2), "p99_ms": round(percentile(&ms, 0.99), 2),
            "max_ms": round(ms.last().copied().unwrap_or(0.0), 2),
            "errors": s.errors, "connection_errors": s.connection_errors, "error_messages": s.messages, "short_results": s.short,
        }));
    }
    all_micros.sort_unstable();
    let all_ms: Vec<f64> = all_micros.iter().map(|u| *u as f64 / 1000.0).collect();
    let total = json!({ "ops": total_ops, "ops_per_s": round(total_ops as f64 / elapsed, 1),
        "p50_ms": round(percentile(&all_ms, 0.5), 2), "p99_ms": round(percentile(&all_ms, 0.99), 2),
        "max_ms": round(all_ms.last().copied().unwrap_or(0.0), 2), "errors": total_errors,
        "connection_errors": total_lost });
    (ops, total)
}

/// What one task did.
pub(super) struct TaskOutcome {
    pub(super) kinds: Vec<KindStats>,
    pub(super) acked: Vec<Acked>,
}

/// 1 when a failed write may have been stored, 0 when it never reached the
/// server (no connection became free).
fn in_doubt(e: &truthgraph_db::Error) -> i64 {
    i64::from(!matches!(e, truthgraph_db::Error::PoolTimeout(_)))
}

/// Picks a kind by weight.
fn pick(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// One task: weighted calls until the deadline (the call in flight then completes).
pub(super) async fn task(
    shared: &Shared,
    task: usize,
    seed: u64,
    deadline: Instant,
) -> TaskOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut kinds: Vec<KindStats> = Kind::ALL.iter().map(|_| KindStats::default()).collect();
    let mut acked: Vec<Acked> = vec![Acked::default(); shared.tenants.len()];
    // Per tenant: the claim and ids of this task's latest NLI batch.
    let mut last_nli: Vec<Option<(Uuid, Vec<Uuid>)>> = vec![None; shared.tenants.len()];
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let kind = pick(&mut rng, &shared.weights);
        let t = rng.random_range(0..shared.tenants.len());
        let started = Instant::now();
        let result = op(
            shared,
            kind,
            t,
            &mut rng,
            &mut acked[t],
            &mut last_nli[t],
            (task, n),
        )
        .await;
        let took = started.elapsed();
        let stats = &mut kinds[kind];
        match result {
            Ok(short) => {
                if let Some(log) = &shared.chaos {
                    log.ok(started, Kind::ALL[kind].is_write());
                }
                stats.micros.push(took.as_micros() as u64);
                stats.short += usize::from(short);
            }
            Err(e) => {
                if let Some(log) = &shared.chaos {
                    let (what, connection) = chaos::error_kind(&e);
                    log.error(what);
                    if connection {
                        stats.connection_errors += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                }
                stats.errors += 1;
                let m = format!("{e:#}");
                if stats.messages.len() < KEEP_ERRORS && !stats.messages.contains(&m) {
                    stats.messages.push(m);
                }
            }
        }
    }
    TaskOutcome { kinds, acked }
}

/// One call of `kind` for tenant `t`; `Ok(true)` for a search with fewer
/// than k rows.
async fn op(
    shared: &Shared,
    kind: usize,
    t: usize,
    rng: &mut ChaCha8Rng,
    acked: &mut Acked,
    last_nli: &mut Option<(Uuid, Vec<Uuid>)>,
    (task, n): (usize, u64),
) -> anyhow::Result<bool> {
    let seed = &shared.tenants[t];
    let tenant = shared.db.tenant(&seed.name)?;
    let data = &shared.data;
    let claim = seed.claims[rng.random_range(0..seed.claims.len())];
    let expected = K.min(seed.evidence.len());
    match Kind::ALL[kind] {
        Kind::Search => {
            let q = rng.random_range(0..shared.queries.len());
            let hits = tenant
                .search_evidence(&shared.queries[q], &SearchOptions::top(K))
                .await?;
            Ok(hits.len() < expected)
        }
        Kind::Hybrid => {
            let q = rng.random_range(0..shared.queries.len());
            let opts = HybridOptions {
                k: K,
                ..HybridOptions::default()
            };
            let hits = tenant
                .hybrid_search(&data.query_texts[q], &shared.queries[q], &opts)
                .await?;
            Ok(hits.len() < expected)
        }
        Kind::Upsert => {
            let i = rng.random_range(0..data.passages.len());
            let content = format!("{} [load task {task} call {n}]", data.texts[i]);
            let ev = tenant
                .insert_evidence(&content, None, Some("load"))
                .await
                .inspect_err(|e| *acked.in_doubt.entry("evidence").or_default() += in_doubt(e))?;
            acked.evidence.push(ev.id);
            let v = Vector::from(data.passages[i].clone());
            tenant
                .upsert_embedding(EntityType::Evidence, ev.id, &v, MODEL_NEW, None)
                .await
                .inspect_err(|e| *acked.in_doubt.entry("embeddings").or_default() += in_doubt(e))?;
            acked.embeddings.push(ev.id);
            // Now and then replace an earlier embedding of this task's: the
            // row must be updated, never stored twice.
            if acked.embeddings.len() > 1 && rng.random_range(0..4) == 0 {
                let id = acked.embeddings[rng.random_range(0..acked.embeddings.len() - 1)];
                tenant
                    .upsert_embedding(EntityType::Evidence, id, &v, MODEL_REPLACED, None)
                    .await
                    .inspect_err(|e| {
                        *acked.in_doubt.entry("replaced").or_default() += in_doubt(e)
                    })?;
                acked.replaced.push(id);
            }
            Ok(false)
        }
        Kind::NliBatch => {
            let size = rng.random_range(8..=32);
            let rows: Vec<NewNliResult> = (0..size)
                .map(|_| {
                    let (ev, i) = seed.evidence[rng.random_range(0..seed.evidence.len())];
                    nli_row(rng, data, claim.0, claim.1, ev, i)
                })
                .collect();
            let stored = tenant.insert_nli_results(&rows).await.inspect_err(|e| {
                *acked.in_doubt.entry("nli_results").or_default() += size * in_doubt(e)
            })?;
            if stored.len() != size as usize {
                bail!("{size} NLI results sent, {} returned", stored.len());
            }
            let ids: Vec<Uuid> = stored.iter().map(|r| r.id).collect();
            acked.nli.extend(&ids);
            *last_nli = Some((claim.0, ids));
            Ok(false)
        }
        Kind::Verify => {
            let (claim, ids) = last_nli.clone().unwrap_or((claim.0, Vec::new()));
            let stored = tenant
                .insert_verification_result(&verification_row(claim, ids))
                .await
                .inspect_err(|e| {
                    *acked.in_doubt.entry("verification_results").or_default() += in_doubt(e)
                })?;
            acked.verification.push(stored.id);
            Ok(false)
        }
        Kind::VerificationRead => {
            if tenant.latest_verification_result(claim.0).await?.is_none() {
                bail!("claim {} has no verification result", claim.0);
            }
            Ok(false)
        }
        Kind::VerdictRead => match tenant.latest_verdict(claim.0).await? {
            Some((_, links)) if !links.is_empty() => Ok(false),
            Some(_) => bail!("the verdict of claim {} has no evidence", claim.0),
            None => bail!("claim {} has no verdict", claim.0),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_parses_and_refuses_unknown_kinds() {
        let w = parse_mix("search=3, verify=1").unwrap();
        assert_eq!(w[0], 3);
        assert_eq!(w[4], 1);
        assert_eq!(w.iter().sum::<u32>(), 4);
        assert!(parse_mix("serch=1").is_err());
        assert!(parse_mix("search=0").is_err());
        assert!(parse_mix("search").is_err());
    }

    #[test]
    fn pick_follows_the_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = [0, 3, 1];
        let mut counts = [0; 3];
        for _ in 0..4000 {
            counts[pick(&mut rng, &w)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!(counts[1] > 2 * counts[2], "{counts:?}");
    }
}

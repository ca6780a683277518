//! What the demo prints: each step with its time, the searches of each
//! sample claim, and the closing lines.

use std::time::Instant;

use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Database, HybridOptions, SearchOptions};

use super::{MODEL, SNIPPET_CHARS, Sample, TENANT, TOP};

/// For each claim: the vector top-k and the hybrid top-k, timed.
pub(super) async fn searches(db: &Database, claims: &[Sample]) -> anyhow::Result<()> {
    let tenant = db.tenant(TENANT)?;
    for (i, claim) in claims.iter().enumerate() {
        let query = Vector::from(claim.vector.clone());
        println!();
        println!("claim {}: {}", i + 1, claim.text);
        let t = Instant::now();
        let hits = tenant
            .search_evidence(&query, &SearchOptions::top(TOP))
            .await?;
        println!(
            "  vector search, top {TOP} by cosine similarity ({:.1} ms)",
            ms(t)
        );
        for h in &hits {
            println!(
                "    {:>6.3}  {}  [{}]",
                h.similarity,
                snippet(&h.content),
                h.source_url.as_deref().unwrap_or("-")
            );
        }
        let t = Instant::now();
        let opts = HybridOptions {
            k: TOP,
            ..HybridOptions::default()
        };
        let hits = tenant.hybrid_search(claim.keywords, &query, &opts).await?;
        println!(
            "  hybrid search, keywords \"{}\" + the claim's vector, fused by reciprocal rank ({:.1} ms)",
            claim.keywords,
            ms(t)
        );
        for (n, h) in hits.iter().enumerate() {
            let ranks = format!(
                "(vector {}, keyword {})",
                rank(h.vector_rank),
                rank(h.keyword_rank)
            );
            println!(
                "    {}. {:.4} {ranks:<24} {}  [{}]",
                n + 1,
                h.score,
                snippet(&h.content),
                h.source_url.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(())
}

fn rank(r: Option<i64>) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("#{r}"))
}

/// The first characters of `text` on one line, with `…` when cut.
fn snippet(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(SNIPPET_CHARS) {
        Some((at, _)) => format!("{}…", flat[..at].trim_end()),
        None => flat,
    }
}

pub(super) fn step(name: &str, ms: f64, note: &str) {
    println!("  {name:<9}{ms:>9.1} ms  {note}");
}

pub(super) fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// After the searches: the server's stop (`stop_ms`, when it was embedded),
/// the total time, and what to run next.
pub(super) fn closing(name: &str, stop_ms: Option<f64>, started: Instant) {
    println!();
    if let Some(stop_ms) = stop_ms {
        step(
            "stop",
            stop_ms,
            "embedded PostgreSQL stopped (its shutdown checkpoint)",
        );
    }
    println!(
        "done in {:.1} s. No model ran: similarities are cosines of the shipped {MODEL} vectors; \
         no NLI results or verdicts are shown.",
        started.elapsed().as_secs_f64()
    );
    let cli = format!("cargo run -q -- --database {name}");
    let next = [
        (format!("{cli} inspect"), "sizes, index usage, settings"),
        (format!("{cli} tune"), "measure the index on these vectors"),
        (
            "cargo run --example ml_service".to_string(),
            "the library from a service",
        ),
    ];
    let width = next.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (i, (command, what)) in next.iter().enumerate() {
        let lead = if i == 0 { "next:" } else { "" };
        println!("{lead:<5} {command:<width$}   ({what})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_cut_on_characters() {
        let long = "é ".repeat(100);
        let s = snippet(&long);
        assert!(
            s.ends_with('…') && s.chars().count() <= SNIPPET_CHARS + 1,
            "{s}"
        );
        assert_eq!(snippet("a\n b"), "a b");
    }
}

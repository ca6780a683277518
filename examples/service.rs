//! What a service wires up around TruthGraph DB: its own `tracing`
//! subscriber (the library installs none), the spans of each request's
//! database calls, pool metrics and a readiness probe, and a graceful
//! shutdown. No HTTP server: a loop of three "requests" stands in for one.
//!
//! `cargo run --example service` (DATABASE_URL, or the embedded server in
//! .truthgraph/pgdata). `TRUTHGRAPH_SLOW_QUERY_MS=0` makes every call emit a
//! slow-call warning; `RUST_LOG` filters as usual (default `info`, with
//! refinery's and tokio-postgres's chatter at `warn`). Span trees go to
//! stdout, log lines to stderr.
//!
//! The subscriber here is `tracing-subscriber`'s fmt layer for events plus a
//! small layer that prints each finished request as a tree of its spans with
//! their fields and durations. In production put a `tracing-opentelemetry`
//! layer in its place: the span fields are OpenTelemetry's database
//! attributes already (see `truthgraph_db::telemetry`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};
use truthgraph_db::pgvector::Vector;
use truthgraph_db::{Config, Database, EntityType, HybridOptions, SearchOptions};

const TENANT: &str = "service-example";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::registry()
        .with(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,refinery_core=warn,tokio_postgres=warn")),
        )
        .with(
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .with(SpanTree)
        .init();

    let db = Database::open(&Config::from_env()?).await?;
    db.migrate(None).await?;
    let dim = db.embedding_dimension().await?;
    seed(&db, dim).await?;

    // Readiness, as a probe endpoint would answer it.
    let health = db.health().await?;
    println!(
        "\nGET /ready -> {} (round trip {:.2} ms, pgvector {}, migrations {})",
        if health.is_ready() { 200 } else { 503 },
        health.round_trip.as_secs_f64() * 1000.0,
        health.pgvector_version.as_deref().unwrap_or("missing"),
        match &health.migrations {
            Some(m) if m.is_current() => format!("current at V{}", m.current),
            Some(m) => format!(
                "V{} of V{}: {}",
                m.current,
                m.latest,
                health.problems().join("; ")
            ),
            None => "not readable by this login".to_string(),
        },
    );

    // Three requests, each a span of the service with the library's spans inside.
    for (i, claim) in [
        "The Great Wall of China is visible from the Moon",
        "Water boils at 100 °C at sea level",
        "Photosynthesis turns light into chemical energy",
    ]
    .into_iter()
    .enumerate()
    {
        let span = tracing::info_span!("request", route = "/verify", request_id = i);
        let hits = tracing::Instrument::instrument(handle(&db, claim, dim, i), span).await?;
        println!("request {i}: {claim:?} -> {hits} evidence");
    }

    // Pool metrics, as a /metrics endpoint would expose them.
    let p = db.pool_status();
    println!(
        "\nGET /metrics\n\
         truthgraph_db_pool_max_size {}\n\
         truthgraph_db_pool_size {}\n\
         truthgraph_db_pool_available {}\n\
         truthgraph_db_pool_in_use {}\n\
         truthgraph_db_pool_waiting {}",
        p.max_size,
        p.size,
        p.available,
        p.in_use(),
        p.waiting
    );

    // Graceful shutdown: a request still in flight finishes, new ones are refused.
    let in_flight = tokio::spawn({
        let db = db.clone();
        async move {
            db.tenant(TENANT)?
                .transaction(|tx| {
                    Box::pin(async move {
                        tx.batch_execute("SELECT pg_sleep(0.2)").await?;
                        Ok(())
                    })
                })
                .await
        }
    });
    while db.pool_status().in_use() == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let started = Instant::now();
    let closing = tokio::spawn({
        let db = db.clone();
        async move { db.close_with_deadline(Duration::from_secs(10)).await }
    });
    while !db.is_closed() {
        tokio::task::yield_now().await;
    }
    let refused = db.tenant(TENANT)?.get_claim(uuid::Uuid::nil()).await;
    println!("\nshutdown: a new call -> {}", refused.unwrap_err());
    in_flight.await??;
    let report = closing.await?;
    println!(
        "shutdown: the call in flight finished; closed after {:.0} ms, {} connection(s) cut off",
        started.elapsed().as_secs_f64() * 1000.0,
        report.still_busy
    );
    db.close().await;
    Ok(())
}

/// One request: look up evidence for a claim by vector and by keywords + vector.
async fn handle(db: &Database, claim: &str, dim: usize, i: usize) -> truthgraph_db::Result<usize> {
    let tenant = db.tenant(TENANT)?;
    let query = embed(dim, 7, 0.2 + i as f32);
    let hits = tenant
        .search_evidence(&query, &SearchOptions::top(3))
        .await?;
    let fused = tenant
        .hybrid_search(claim, &query, &HybridOptions::default())
        .await?;
    Ok(hits.len().max(fused.len()))
}

/// A toy embedding: a unit-ish vector pointing mostly along `axis`.
fn embed(dim: usize, axis: usize, wobble: f32) -> Vector {
    let mut v = vec![0.01_f32; dim];
    v[axis % dim] = 1.0;
    v[(axis + 1) % dim] = wobble;
    Vector::from(v)
}

/// Three evidence rows with embeddings, once per database.
async fn seed(db: &Database, dim: usize) -> truthgraph_db::Result<()> {
    let tenant = db.tenant(TENANT)?;
    if !tenant.recent_evidence(1, None).await?.is_empty() {
        return Ok(());
    }
    for (text, wobble) in [
        (
            "Astronauts report the Great Wall is not visible to the naked eye from the Moon.",
            0.25,
        ),
        ("At standard pressure water boils at 100 °C.", 1.5),
        ("Photosynthesis converts light into chemical energy.", 3.0),
    ] {
        let ev = tenant.insert_evidence(text, None, Some("article")).await?;
        tenant
            .upsert_embedding(
                EntityType::Evidence,
                ev.id,
                &embed(dim, 7, wobble),
                "toy",
                None,
            )
            .await?;
    }
    Ok(())
}

/// Prints each finished root span as a tree: name, fields, duration, and the
/// events inside. What a trace view shows, on stdout.
struct SpanTree;

/// What [`SpanTree`] keeps in a span's extensions until it closes.
struct Node {
    fields: String,
    started: Instant,
    lines: Vec<String>,
}

#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanTree {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Node {
                fields: fields.0,
                started: Instant::now(),
                lines: Vec::new(),
            });
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(node) = span.extensions_mut().get_mut::<Node>()
        {
            let mut fields = Fields(std::mem::take(&mut node.fields));
            values.record(&mut fields);
            node.fields = fields.0;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.event_span(event)
            && let Some(node) = span.extensions_mut().get_mut::<Node>()
        {
            let mut fields = Fields::default();
            event.record(&mut fields);
            node.lines.push(format!(
                "  ! {} {}:{}",
                event.metadata().level(),
                event.metadata().target(),
                fields.0
            ));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(node) = span.extensions_mut().remove::<Node>() else {
            return;
        };
        let mut lines = vec![format!(
            "{} [{:.2} ms]{}",
            span.name(),
            node.started.elapsed().as_secs_f64() * 1000.0,
            node.fields
        )];
        lines.extend(node.lines.into_iter().map(|l| format!("  {l}")));
        match span.parent() {
            Some(parent) => {
                if let Some(p) = parent.extensions_mut().get_mut::<Node>() {
                    p.lines.extend(lines.into_iter().map(|l| format!("  {l}")));
                }
            }
            None => println!("{}", lines.join("\n")),
        }
    }
}

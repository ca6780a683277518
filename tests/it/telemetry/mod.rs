//! What a service sees: spans with OpenTelemetry's database fields, slow-call
//! warnings, pool metrics, health, and a graceful close — seen through a real
//! `tracing` subscriber and a real server.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use truthgraph_db::{Config, EntityType, Error, NewEmbedding, SearchOptions};

use crate::support::{TestDatabase, random_unit};

/// A span as the subscriber saw it: its name, its parent's name, its fields
/// (as recorded at creation and later).
#[derive(Debug, Clone)]
struct SeenSpan {
    name: String,
    parent: Option<String>,
    fields: BTreeMap<String, String>,
}

/// An event: level, target, fields and the span it happened in.
#[derive(Debug, Clone)]
struct SeenEvent {
    level: Level,
    target: String,
    span: Option<String>,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Seen {
    spans: Vec<SeenSpan>,
    live: HashMap<u64, usize>,
    events: Vec<SeenEvent>,
}

/// A layer that keeps every span and event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Seen>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.name().to_string());
        let mut seen = self.0.lock().unwrap();
        seen.spans.push(SeenSpan {
            name: attrs.metadata().name().to_string(),
            parent,
            fields,
        });
        let i = seen.spans.len() - 1;
        seen.live.insert(id.into_u64(), i);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        if let Some(&i) = seen.live.get(&id.into_u64()) {
            values.record(&mut Fields(&mut seen.spans[i].fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().events.push(SeenEvent {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            span: ctx.event_span(event).map(|s| s.name().to_string()),
            fields,
        });
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        self.0.lock().unwrap().live.remove(&id.into_u64());
    }
}

impl Capture {
    /// Installs this layer as the subscriber of the current thread (the
    /// tests run on a current-thread runtime, so every poll sees it).
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()))
    }

    fn spans(&self, name: &str) -> Vec<SeenSpan> {
        let seen = self.0.lock().unwrap();
        seen.spans
            .iter()
            .filter(|s| s.name == name)
            .cloned()
            .collect()
    }

    fn span(&self, name: &str) -> SeenSpan {
        let spans = self.spans(name);
        assert_eq!(spans.len(), 1, "one span {name:?}: {:#?}", self.names());
        spans.into_iter().next().unwrap()
    }

    fn names(&self) -> Vec<String> {
        let seen = self.0.lock().unwrap();
        seen.spans.iter().map(|s| s.name.clone()).collect()
    }

    fn events(&self) -> Vec<SeenEvent> {
        self.0.lock().unwrap().events.clone()
    }
}

fn field<'a>(span: &'a SeenSpan, name: &str) -> Option<&'a str> {
    span.fields.get(name).map(String::as_str)
}

/// One evidence with an embedding for `tenant`; returns the vector.
async fn seed(db: &truthgraph_db::Database, tenant: &str) -> pgvector::Vector {
    let t = db.tenant(tenant).unwrap();
    let ev = t
        .insert_evidence(
            "Water boils at 100 °C at sea level.",
            None,
            Some("textbook"),
        )
        .await
        .unwrap();
    let dim = db.embedding_dimension().await.unwrap();
    let v = random_unit(7, dim);
    t.upsert_embedding(EntityType::Evidence, ev.id, &v, "test-model", None)
        .await
        .unwrap();
    v
}

#[tokio::test]
async fn a_search_is_one_client_span_with_the_otel_database_fields() {
    let t = TestDatabase::migrated().await.unwrap();
    let v = seed(&t.db, "acme").await;
    let capture = Capture::default();
    let _guard = capture.install();
    let hits =
        t.db.tenant("acme")
            .unwrap()
            .search_evidence(&v, &SearchOptions::top(3))
            .await
            .unwrap();
    assert_eq!(hits.len(), 1);
    let span = capture.span("search_evidence embeddings");
    let expect = [
        ("otel.name", "search_evidence embeddings"),
        ("otel.kind", "client"),
        ("db.system.name", "postgresql"),
        ("db.operation.name", "search_evidence"),
        ("db.collection.name", "embeddings"),
        ("db.namespace", t.name.as_str()),
        ("truthgraph.tenant_id", "acme"),
    ];
    for (name, value) in expect {
        assert_eq!(field(&span, name), Some(value), "{name} in {span:#?}");
    }
    assert!(field(&span, "server.address").is_some(), "{span:#?}");
    assert!(field(&span, "server.port").is_some(), "{span:#?}");
    for unset in ["db.response.status_code", "error.type", "otel.status_code"] {
        assert_eq!(field(&span, unset), None, "{unset} on success: {span:#?}");
    }
    // With per-call overrides the search runs in a transaction: same span.
    t.db.tenant("acme")
        .unwrap()
        .hybrid_search(
            "water boils",
            &v,
            &truthgraph_db::HybridOptions {
                ef_search: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let hybrid = capture.span("hybrid_search embeddings");
    assert_eq!(field(&hybrid, "db.operation.name"), Some("hybrid_search"));
}

#[tokio::test]
async fn a_failed_call_records_its_sqlstate_and_error_status() {
    let t = TestDatabase::migrated().await.unwrap();
    let v = seed(&t.db, "acme").await;
    let acme = t.db.tenant("acme").unwrap();
    let ev = acme.recent_evidence(1, None).await.unwrap()[0].id;
    let capture = Capture::default();
    let _guard = capture.install();
    // The entity has an embedding already: the bulk load conflicts (23505).
    let err = acme
        .bulk_load_embeddings(&[NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: ev,
            embedding: v,
            model_name: "test-model".into(),
            model_version: None,
        }])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    let span = capture.span("bulk_load_embeddings embeddings");
    assert_eq!(field(&span, "db.response.status_code"), Some("23505"));
    assert_eq!(field(&span, "error.type"), Some("23505"));
    assert_eq!(field(&span, "otel.status_code"), Some("ERROR"));
    // Raw SQL in a tenant transaction: the server's own code (syntax error).
    let err = acme
        .transaction(|tx| Box::pin(async move { Ok(tx.batch_execute("SELEC 1").await?) }))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("42601"), "{err}");
    let span = capture.span("transaction");
    assert_eq!(field(&span, "db.response.status_code"), Some("42601"));
    assert_eq!(field(&span, "truthgraph.tenant_id"), Some("acme"));
    // An error without SQLSTATE names its kind.
    t.db.close_with_deadline(Duration::ZERO).await;
    assert!(matches!(
        acme.get_claim(uuid::Uuid::new_v4()).await,
        Err(Error::Closed)
    ));
    let span = capture.span("get_claim claims");
    assert_eq!(field(&span, "error.type"), Some("closed"));
    assert_eq!(field(&span, "db.response.status_code"), None);
}

#[tokio::test]
async fn calls_over_the_threshold_warn_inside_their_span() {
    let t = TestDatabase::migrated().await.unwrap();
    let every = t
        .connect(&Config {
            slow_query_threshold: Some(Duration::ZERO),
            ..Config::default()
        })
        .await
        .unwrap();
    let never = t
        .connect(&Config {
            slow_query_threshold: None,
            ..Config::default()
        })
        .await
        .unwrap();
    let capture = Capture::default();
    let _guard = capture.install();
    let id = uuid::Uuid::new_v4();
    every.tenant("acme").unwrap().get_claim(id).await.unwrap();
    never.tenant("acme").unwrap().get_claim(id).await.unwrap();
    never.migrate(None).await.unwrap();
    let slow: Vec<SeenEvent> = capture
        .events()
        .into_iter()
        .filter(|e| e.target == truthgraph_db::telemetry::SLOW_QUERY_TARGET)
        .collect();
    assert_eq!(slow.len(), 1, "{slow:#?}");
    assert_eq!(slow[0].level, Level::WARN);
    assert_eq!(slow[0].span.as_deref(), Some("get_claim claims"));
    assert_eq!(
        slow[0].fields.get("operation").map(String::as_str),
        Some("get_claim")
    );
    assert_eq!(
        slow[0].fields.get("threshold_ms").map(String::as_str),
        Some("0")
    );
    // Schema commands are spans too.
    assert_eq!(
        field(&capture.span("migrate"), "db.operation.name"),
        Some("migrate")
    );
}

#[tokio::test]
async fn calls_are_children_of_the_callers_span() {
    let t = TestDatabase::migrated().await.unwrap();
    let capture = Capture::default();
    let _guard = capture.install();
    t.db.index_usage().await.unwrap();
    assert_eq!(capture.span("index_usage").parent, None);
    // Calls inside a caller's span are its children.
    let outer = tracing::info_span!("request");
    tracing::Instrument::instrument(t.db.health(), outer)
        .await
        .unwrap();
    assert_eq!(capture.span("health").parent.as_deref(), Some("request"));
}

#[tokio::test]
async fn health_says_ready_only_when_migrations_are_current() {
    let t = TestDatabase::migrated().await.unwrap();
    let h = t.db.health().await.unwrap();
    assert!(h.is_ready(), "{:?}", h.problems());
    assert!(h.pgvector_version.is_some());
    let m = h.migrations.as_ref().unwrap();
    assert!(m.is_current());
    assert_eq!(m.current, truthgraph_db::migrate::latest_version());
    assert_eq!(m.current, m.latest);
    assert!(!h.server_version.is_empty());
    assert_eq!(h.pool.max_size, t.db.config().pool_max_size);

    let empty = TestDatabase::empty().await.unwrap();
    let h = empty.db.health().await.unwrap();
    assert!(!h.is_ready());
    let m = h.migrations.as_ref().unwrap();
    assert_eq!(m.current, 0);
    assert_eq!(
        m.pending.len(),
        truthgraph_db::migrate::embedded_migrations().len()
    );
    assert!(
        h.problems().iter().any(|p| p.contains("pending")),
        "{:?}",
        h.problems()
    );
    // After migrating, the same handle reports ready.
    empty.db.migrate(None).await.unwrap();
    assert!(empty.db.health().await.unwrap().is_ready());

    // A least-privilege login may not read the history: unknown, not a problem.
    let app = t.app(&Config::default()).await.unwrap();
    let h = app.health().await.unwrap();
    assert_eq!(h.migrations, None);
    assert!(h.is_ready(), "{:?}", h.problems());
}

#[tokio::test]
async fn pool_status_counts_lent_connections_and_waiters() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = t
        .connect(&Config {
            pool_max_size: 2,
            ..Config::default()
        })
        .await
        .unwrap();
    let s = db.pool_status();
    assert_eq!((s.max_size, s.in_use(), s.waiting), (2, 0, 0));
    let a = db.client().await.unwrap();
    let b = db.client().await.unwrap();
    let s = db.pool_status();
    assert_eq!((s.size, s.available, s.in_use()), (2, 0, 2));
    let waiter = tokio::spawn({
        let db = db.clone();
        async move { db.client().await.map(drop) }
    });
    let mut waiting = 0;
    for _ in 0..500 {
        waiting = db.pool_status().waiting;
        if waiting == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(waiting, 1);
    drop(a);
    waiter.await.unwrap().unwrap();
    drop(b);
    let s = db.pool_status();
    assert_eq!((s.size, s.available, s.in_use(), s.waiting), (2, 2, 0, 0));
}

#[tokio::test]
async fn close_lets_calls_in_flight_finish_and_refuses_new_ones() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = t.connect(&Config::default()).await.unwrap();
    // A call in flight: holds its connection for a while.
    let in_flight = tokio::spawn({
        let db = db.clone();
        async move {
            db.tenant("acme")?
                .transaction(|tx| {
                    Box::pin(async move {
                        tx.batch_execute("SELECT pg_sleep(0.5)").await?;
                        Ok(tx.query_one("SELECT 42", &[]).await?.get::<_, i32>(0))
                    })
                })
                .await
        }
    });
    while db.pool_status().in_use() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let closing = tokio::spawn({
        let db = db.clone();
        async move { db.close_with_deadline(Duration::from_secs(30)).await }
    });
    while !db.is_closed() {
        tokio::task::yield_now().await;
    }
    // New work is refused at once, on every path.
    assert!(matches!(db.client().await, Err(Error::Closed)));
    assert!(matches!(db.health().await, Err(Error::Closed)));
    let acme = db.tenant("acme").unwrap();
    assert!(matches!(
        acme.insert_claim("too late", None).await,
        Err(Error::Closed)
    ));
    assert!(matches!(
        acme.search_evidence(
            &random_unit(1, db.embedding_dimension().await.unwrap()),
            &SearchOptions::top(1)
        )
        .await,
        Err(Error::Closed)
    ));
    // The call in flight finishes, then the close returns.
    assert_eq!(in_flight.await.unwrap().unwrap(), 42);
    let report = closing.await.unwrap();
    assert_eq!(report.still_busy, 0, "{report:?}");
    assert!(db.pool().is_closed());
    assert!(matches!(db.client().await, Err(Error::Closed)));

    // A deadline that passes closes anyway and says what was still busy.
    let db = t.connect(&Config::default()).await.unwrap();
    let held = db.client().await.unwrap();
    let report = db.close_with_deadline(Duration::from_millis(50)).await;
    assert_eq!(report.still_busy, 1, "{report:?}");
    assert!(report.waited >= Duration::from_millis(50));
    // The held connection still works until it is given back.
    held.batch_execute("SELECT 1").await.unwrap();
    drop(held);
    assert!(matches!(db.client().await, Err(Error::Closed)));
    // `close(self)` keeps working for existing callers.
    let db = t.connect(&Config::default()).await.unwrap();
    db.close().await;
}

//! Telemetry through a real `tracing` subscriber and server: the layer that captures it.

mod lifecycle;
mod spans;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use truthgraph_db::EntityType;

use crate::support::random_unit;

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
pub(crate) struct SeenEvent {
    level: Level,
    target: String,
    span: Option<String>,
    pub(crate) fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Seen {
    spans: Vec<SeenSpan>,
    live: HashMap<u64, usize>,
    events: Vec<SeenEvent>,
}

/// A layer that keeps every span and event.
#[derive(Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Seen>>);

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
    pub(crate) fn install(&self) -> tracing::subscriber::DefaultGuard {
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

    pub(crate) fn events(&self) -> Vec<SeenEvent> {
        self.0.lock().unwrap().events.clone()
    }

    /// The message of every event seen, in order.
    pub(crate) fn messages(&self) -> Vec<String> {
        let seen = self.0.lock().unwrap();
        seen.events
            .iter()
            .filter_map(|e| e.fields.get("message").cloned())
            .collect()
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

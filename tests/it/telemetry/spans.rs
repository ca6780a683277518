//! Spans with OpenTelemetry's database fields, error status, slow-call warnings and parents.

use std::time::Duration;

use tracing::Level;
use truthgraph_db::{Config, EntityType, Error, NewEmbedding, SearchOptions};

use super::{Capture, SeenEvent, field, seed};
use crate::support::TestDatabase;

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

//! V12 on top of V11: its down script restores V11's entity check exactly.

use crate::support::{TestDatabase, schema_snapshot};

/// What `schema_snapshot` leaves out and V11/V12 change: trigger
/// definitions, function bodies, the vector column's storage.
async fn entity_check_details(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t \
         WHERE NOT t.tgisinternal AND t.tgrelid = 'embeddings'::regclass \
         UNION ALL SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) || ' ' || \
                coalesce(array_to_string(p.proconfig, ','), '') \
         FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace \
         UNION ALL SELECT 'storage ' || a.attname || ' ' || a.attstorage::text FROM pg_attribute a \
         WHERE a.attrelid = 'embeddings'::regclass AND a.attname = 'embedding' \
         ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn v12_replaces_v11s_entity_check_and_its_down_script_restores_it() {
    let t = TestDatabase::empty().await.unwrap();
    let c = t.raw_client().await.unwrap();
    t.db.migrate(Some(11)).await.unwrap();
    let v11 = (schema_snapshot(&c).await, entity_check_details(&c).await);
    for name in [
        "trigger CREATE TRIGGER check_embeddings_entity AFTER INSERT",
        "trigger CREATE TRIGGER check_embeddings_entity_rls BEFORE INSERT",
        "trigger CREATE TRIGGER check_embeddings_entity_update AFTER UPDATE",
        "function check_embedding_entities ",
        "function check_embedding_entity ",
    ] {
        assert!(v11.1.iter().any(|d| d.starts_with(name)), "{name}: {v11:?}");
    }

    // Up: V12's foreign keys replace the three triggers and both functions.
    assert_eq!(t.db.migrate(Some(12)).await.unwrap(), vec![12]);
    let v12 = entity_check_details(&c).await;
    assert!(
        !v12.iter().any(|d| d.contains("check_embedding")),
        "{v12:?}"
    );

    // Down to 11: exactly V11's state; up again: exactly V12's.
    assert_eq!(t.db.rollback(11).await.unwrap(), vec![12]);
    assert_eq!(
        (schema_snapshot(&c).await, entity_check_details(&c).await),
        v11
    );
    assert_eq!(t.db.migrate(Some(12)).await.unwrap(), vec![12]);
    assert_eq!(entity_check_details(&c).await, v12);
}

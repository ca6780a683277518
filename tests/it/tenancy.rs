//! Tenant isolation enforced by PostgreSQL (migration V7): row-level security
//! for the application role, the tenant setting on pooled connections, and
//! embeddings that must belong to an entity of their tenant.

use truthgraph_db::testing::{APP_LOGIN, TestDatabase};
use truthgraph_db::{
    BulkLoadOptions, Config, Database, EntityType, Error, HybridOptions, NewEmbedding,
    NewNliResult, NewVerificationResult, NliLabel, SearchOptions, VerdictLabel,
};
use uuid::Uuid;

use crate::support::{
    Retries, assert_entity_refused, explain, field, library_backends, poll_until_lock_wait,
    random_unit, terminate_while_blocked,
};

const DIM: usize = 1536;

/// Tables V7 protects, each with the count a raw `SELECT` should see.
const TABLES: [&str; 7] = [
    "claims",
    "evidence",
    "embeddings",
    "nli_results",
    "verification_results",
    "verdicts",
    "verdict_evidence",
];

fn small_pool() -> Config {
    Config {
        pool_max_size: 1,
        ..Config::default()
    }
}

/// One row in every protected table for `tenant`, written through the
/// library as the owner. Returns (claim, evidence).
async fn seed(db: &Database, tenant: &str, seed: u64) -> (Uuid, Uuid) {
    let t = db.tenant(tenant).unwrap();
    let claim = t
        .insert_claim(&format!("{tenant} claim"), None)
        .await
        .unwrap();
    let ev = t
        .insert_evidence(&format!("{tenant} evidence"), None, Some("web"))
        .await
        .unwrap();
    t.upsert_embedding(
        EntityType::Evidence,
        ev.id,
        &random_unit(seed, DIM),
        "m",
        None,
    )
    .await
    .unwrap();
    let nli = t.insert_nli_result(&nli(claim.id, ev.id)).await.unwrap();
    t.insert_verification_result(&verification(claim.id, vec![nli.id]))
        .await
        .unwrap();
    let verdict = t
        .insert_verdict(claim.id, Some(VerdictLabel::Supported), Some(0.8), None)
        .await
        .unwrap();
    t.link_verdict_evidence(verdict.id, ev.id, None, Some(0.8))
        .await
        .unwrap();
    (claim.id, ev.id)
}

fn nli(claim_id: Uuid, evidence_id: Uuid) -> NewNliResult {
    NewNliResult {
        claim_id,
        evidence_id,
        label: NliLabel::Entailment,
        confidence: 0.8,
        entailment_score: 0.8,
        contradiction_score: 0.1,
        neutral_score: 0.1,
        model_name: "m".into(),
        model_version: None,
        premise_text: "premise".into(),
        hypothesis_text: "hypothesis".into(),
    }
}

fn verification(claim_id: Uuid, nli_result_ids: Vec<Uuid>) -> NewVerificationResult {
    NewVerificationResult {
        claim_id,
        verdict: VerdictLabel::Supported,
        confidence: 0.8,
        support_score: 0.8,
        refute_score: 0.1,
        neutral_score: 0.1,
        evidence_count: 1,
        supporting_evidence_count: 1,
        refuting_evidence_count: 0,
        neutral_evidence_count: 0,
        reasoning: None,
        nli_result_ids,
        pipeline_version: None,
        retrieval_method: None,
    }
}

async fn counts(c: &impl tokio_postgres::GenericClient) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        let row = c
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .await
            .unwrap();
        out.push(row.get(0));
    }
    out
}

#[tokio::test]
async fn raw_sql_as_the_app_role_sees_only_the_tenant_in_force() {
    let t = TestDatabase::migrated().await.unwrap();
    let (a_claim, _) = seed(&t.db, "a", 1).await;
    let (b_claim, b_ev) = seed(&t.db, "b", 2).await;
    let app = t.app(&small_pool()).await.unwrap();
    // The owner's calls skip the setting (RLS never applies to it); the
    // app login's calls always make it.
    assert!(!t.db.sets_tenant());
    assert!(app.sets_tenant());

    // No tenant set: nothing at all.
    let raw = app.client().await.unwrap();
    assert_eq!(counts(&**raw).await, vec![0; 7]);
    drop(raw);

    // Tenant "a" in force: a's rows only; b's can be neither changed,
    // deleted, nor written to.
    let a = app.tenant("a").unwrap();
    let out = a
        .transaction(move |tx| {
            Box::pin(async move {
                let seen = counts(&**tx).await;
                let ids: Vec<Uuid> = tx
                    .query("SELECT id FROM claims", &[])
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                let updated = tx
                    .execute("UPDATE claims SET text = 'x' WHERE id = $1", &[&b_claim])
                    .await?;
                let deleted = tx
                    .execute("DELETE FROM evidence WHERE id = $1", &[&b_ev])
                    .await?;
                let emptied = tx.execute("DELETE FROM nli_results", &[]).await?;
                Ok((seen, ids, updated, deleted, emptied))
            })
        })
        .await
        .unwrap();
    assert_eq!(out.0, vec![1; 7]);
    assert_eq!(out.1, vec![a_claim]);
    assert_eq!((out.2, out.3), (0, 0), "b's rows changed by a");
    assert_eq!(out.4, 1, "a deletes its own NLI row only");

    // Writing a row of another tenant is refused by the policies (42501);
    // one of a's rows that points at another tenant's rows, by V12's
    // tenant-scoped keys (23503 or 23505, naming the key).
    let refused = [
        (
            "INSERT INTO claims (text, tenant_id) VALUES ('x', 'b')",
            None,
            "42501",
        ),
        (
            "INSERT INTO nli_results (claim_id, evidence_id, label, confidence, entailment_score, \
             contradiction_score, neutral_score, premise_text, hypothesis_text) \
             VALUES ($1, $2, 'NEUTRAL', 0.5, 0.2, 0.3, 0.5, 'p', 'h')",
            Some((a_claim, b_ev)),
            "nli_results_evidence_tenant_fkey",
        ),
        (
            "INSERT INTO verdicts (claim_id, verdict) SELECT $1, NULL WHERE $2::uuid IS NOT NULL",
            Some((b_claim, b_claim)),
            "42501",
        ),
        (
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
             SELECT 'a', 'evidence', $2, array_fill(0.1, ARRAY[1536])::vector, 'm' \
             WHERE $1::uuid IS NOT NULL",
            Some((a_claim, b_ev)),
            // b has embedded b_ev: on one server the seed's unique key
            // refuses first (on Citus, which drops it: embeddings_evidence_fkey).
            "idx_embeddings_entity_unique",
        ),
        ("UPDATE claims SET tenant_id = 'b'", None, "42501"),
    ];
    for (sql, params, expected) in refused {
        let err = a
            .transaction(move |tx| {
                Box::pin(async move {
                    match params {
                        None => tx.execute(sql, &[]).await?,
                        Some((x, y)) => tx.execute(sql, &[&x, &y]).await?,
                    };
                    Ok(())
                })
            })
            .await
            .unwrap_err();
        let code = err.code().map(|c| c.code().to_string());
        let got = match err.constraint() {
            Some(c) if matches!(code.as_deref(), Some("23503" | "23505")) => c.to_string(),
            _ => code.unwrap_or_default(),
        };
        assert_eq!(got, expected, "{sql}: {err}");
    }

    // The owner (as the Python services connect) is not subject to RLS.
    let owner = t.raw_client().await.unwrap();
    assert_eq!(counts(&owner).await, vec![2, 2, 2, 1, 2, 2, 2]);
    let flags: Vec<(String, bool, bool)> = owner
        .query(
            "SELECT relname::text, relrowsecurity, relforcerowsecurity FROM pg_class \
             WHERE relname = ANY($1) ORDER BY relname",
            &[&TABLES.to_vec()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(flags.len(), 7);
    assert!(flags.iter().all(|f| f.1 && !f.2), "{flags:?}");
    // The app role may not change the schema or read the migration history.
    let raw = app.client().await.unwrap();
    for sql in [
        "TRUNCATE claims",
        "DROP TABLE verdicts",
        "SELECT count(*) FROM refinery_schema_history",
        "ALTER TABLE claims DISABLE ROW LEVEL SECURITY",
    ] {
        let err = raw.batch_execute(sql).await.unwrap_err();
        let db = err.as_db_error().expect("a server error");
        assert!(
            matches!(db.code().code(), "42501"),
            "{sql}: {}",
            db.message()
        );
    }
}

#[tokio::test]
async fn every_family_works_as_the_app_role_and_sees_one_tenant() {
    let t = TestDatabase::migrated().await.unwrap();
    let app = t
        .app(&Config {
            pool_max_size: 4,
            ..Config::default()
        })
        .await
        .unwrap();
    let (a_claim, a_ev) = seed(&app, "a", 1).await;
    let (b_claim, b_ev) = seed(&app, "b", 2).await;
    let a = app.tenant("a").unwrap();
    let b = app.tenant("b").unwrap();

    assert!(a.get_claim(a_claim).await.unwrap().is_some());
    assert!(a.get_claim(b_claim).await.unwrap().is_none());
    assert_eq!(a.get_evidence_many(&[a_ev, b_ev]).await.unwrap().len(), 1);
    assert_eq!(a.recent_claims(10, None).await.unwrap().len(), 1);
    assert_eq!(a.nli_results_for_claim(a_claim).await.unwrap().len(), 1);
    assert!(a.nli_results_for_claim(b_claim).await.unwrap().is_empty());
    assert!(
        a.latest_verification_result(a_claim)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        a.latest_verification_result(b_claim)
            .await
            .unwrap()
            .is_none()
    );
    assert!(a.latest_verdict(a_claim).await.unwrap().is_some());
    assert!(a.latest_verdict(b_claim).await.unwrap().is_none());
    assert_eq!(a.embedding_stats().await.unwrap()[0].count, 1);

    let q = random_unit(2, DIM); // b's vector: a still finds only its own row
    let hits = a.search_evidence(&q, &SearchOptions::top(5)).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![a_ev]);
    let exact = SearchOptions {
        exact: true,
        ..SearchOptions::top(5)
    };
    assert_eq!(a.search_evidence(&q, &exact).await.unwrap().len(), 1);
    let tuned = SearchOptions {
        ef_search: Some(40),
        ..SearchOptions::top(5)
    };
    assert_eq!(a.search_evidence(&q, &tuned).await.unwrap().len(), 1);
    let hybrid = a
        .hybrid_search("evidence", &q, &HybridOptions::default())
        .await
        .unwrap();
    assert_eq!(hybrid.iter().map(|h| h.id).collect::<Vec<_>>(), vec![a_ev]);

    // Bulk loads go through RLS too (COPY and the replacing upsert).
    let ev = a.insert_evidence("more", None, None).await.unwrap();
    let row = NewEmbedding {
        entity_type: EntityType::Evidence,
        entity_id: ev.id,
        embedding: random_unit(3, DIM),
        model_name: "m".into(),
        model_version: None,
    };
    assert_eq!(
        a.bulk_load_embeddings(std::slice::from_ref(&row))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        a.bulk_load_embeddings_with(&[row], BulkLoadOptions::replace())
            .await
            .unwrap()
            .rows,
        1
    );
    // Deletes reach the tenant's rows only.
    assert!(!b.delete_claim(a_claim).await.unwrap());
    assert!(a.delete_claim(a_claim).await.unwrap());
    assert!(b.get_claim(b_claim).await.unwrap().is_some());
}

#[tokio::test]
async fn the_tenant_never_outlives_a_checkout() {
    let t = TestDatabase::migrated().await.unwrap();
    seed(&t.db, "a", 1).await;
    // One connection, so every call below reuses the same server session.
    let app = t.app(&small_pool()).await.unwrap();
    let a = app.tenant("a").unwrap();
    let setting = async |db: &Database| -> (Option<String>, i64) {
        let c = db.client().await.unwrap();
        let row = c
            .query_one(
                "SELECT truthgraph_tenant()::text, (SELECT count(*) FROM claims)",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(setting(&app).await, (None, 0));

    // A finished call.
    assert_eq!(a.recent_claims(10, None).await.unwrap().len(), 1);
    assert_eq!(setting(&app).await, (None, 0));

    // Calls whose statements reached the server and ran there with the
    // tenant set: each search waits for a lock held here (seen waiting in
    // pg_stat_activity), and is then dropped, or cancelled on the server.
    let q = random_unit(1, DIM);
    let tuned = SearchOptions {
        ef_search: Some(40),
        ..SearchOptions::top(3)
    };
    // Prepared on the connection already: what waits is the search itself.
    a.search_evidence(&q, &SearchOptions::top(3)).await.unwrap();
    a.search_evidence(&q, &tuned).await.unwrap();
    let admin = t.raw_client().await.unwrap();
    let locker = t.raw_client().await.unwrap();
    let lock = "BEGIN; LOCK TABLE embeddings IN ACCESS EXCLUSIVE MODE";
    for opts in [SearchOptions::top(3), tuned.clone()] {
        locker.batch_execute(lock).await.unwrap();
        {
            // A single statement, and one in a transaction (per-call settings).
            let call = a.search_evidence(&q, &opts);
            tokio::pin!(call);
            poll_until_lock_wait(call.as_mut(), &admin, &t.name, "hits.distance").await;
        } // dropped here, still waiting on the server
        locker.batch_execute("ROLLBACK").await.unwrap();
        assert_eq!(setting(&app).await, (None, 0), "{opts:?}");
    }
    // One that fails on the server: cancelled there while it waits.
    locker.batch_execute(lock).await.unwrap();
    let top = SearchOptions::top(3);
    let call = a.search_evidence(&q, &top);
    tokio::pin!(call);
    let pid = poll_until_lock_wait(call.as_mut(), &admin, &t.name, "hits.distance").await;
    admin
        .execute("SELECT pg_cancel_backend($1)", &[&pid])
        .await
        .unwrap();
    let err = call.await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("57014"), "{err:?}");
    locker.batch_execute("ROLLBACK").await.unwrap();
    assert_eq!(setting(&app).await, (None, 0));

    // A panic in the middle of a transaction of the tenant.
    let app2 = app.clone();
    let panicked = tokio::spawn(async move {
        app2.tenant("a")
            .unwrap()
            .transaction::<(), _>(|tx| {
                Box::pin(async move {
                    tx.query_one("SELECT 1", &[]).await?;
                    panic!("caller bug");
                })
            })
            .await
    })
    .await;
    assert!(panicked.is_err());
    assert_eq!(setting(&app).await, (None, 0));

    // Many tasks, two tenants, one connection: every raw query in between
    // sees no tenant, every tenant call only its own rows.
    seed(&t.db, "b", 2).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let tenant = if i % 2 == 0 { "a" } else { "b" };
            for _ in 0..25 {
                let claims = app
                    .tenant(tenant)
                    .unwrap()
                    .recent_claims(10, None)
                    .await
                    .unwrap();
                assert_eq!(claims.len(), 1);
                assert!(claims[0].text.starts_with(tenant));
                let c = app.client().await.unwrap();
                let n: i64 = c
                    .query_one("SELECT count(*) FROM claims", &[])
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(n, 0, "a tenant leaked into a later checkout");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(app.pool().status().size, 1);
}

#[tokio::test]
async fn search_keeps_its_plan_under_rls() {
    let t = TestDatabase::migrated().await.unwrap();
    let owner = t.db.tenant("big").unwrap();
    let n = 3000;
    let evidence = owner
        .insert_evidence_many(
            &(0..n)
                .map(|i| truthgraph_db::NewEvidence {
                    content: format!("passage {i}"),
                    source_url: None,
                    source_type: Some(if i % 10 == 0 { "rare" } else { "web" }.into()),
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let rows: Vec<NewEmbedding> = evidence
        .iter()
        .enumerate()
        .map(|(i, e)| NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: e.id,
            embedding: random_unit(i as u64, DIM),
            model_name: "m".into(),
            model_version: None,
        })
        .collect();
    // Loaded with the vector index dropped and built afterwards: 3000 inserts
    // into the HNSW graph took close to the 60 s statement timeout on a busy
    // machine (and past it, twice in five runs); one build takes seconds.
    let raw = t.raw_client().await.unwrap();
    let index = truthgraph_db::catalog::embedding_indexes(&raw)
        .await
        .unwrap()
        .remove(0);
    raw.batch_execute("DROP INDEX idx_embeddings_vector_cosine")
        .await
        .unwrap();
    owner.bulk_load_embeddings(&rows).await.unwrap();
    raw.batch_execute(&index.definition).await.unwrap();
    raw.batch_execute("ANALYZE").await.unwrap();

    let app = t.app(&small_pool()).await.unwrap();
    let q = random_unit(7, DIM);
    let plans = app
        .tenant("big")
        .unwrap()
        .transaction(move |tx| {
            Box::pin(async move {
                let qref = truthgraph_db::pgvector::Vector::from(q.to_vec());
                let (k, none_min): (i64, Option<f64>) = (10, None);
                let mut plans = Vec::new();
                for src in [None, Some("rare")] {
                    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
                        [&qref, &"big", &src, &k, &none_min];
                    plans.push(
                        explain(&**tx, truthgraph_db::sql::search::SEARCH_EVIDENCE, &params).await,
                    );
                }
                Ok(plans)
            })
        })
        .await
        .unwrap();
    // The bulk load built "big"'s own index (3,000 rows, past the tier
    // threshold); under RLS the app login's plan uses it.
    let own = truthgraph_db::tiers::tier_index_name("big", EntityType::Evidence);
    for plan in &plans {
        assert!(plan.contains(&own), "plan under RLS:\n{plan}");
        assert!(!plan.contains("Seq Scan on evidence"), "plan:\n{plan}");
    }
    // And it returns k rows of the tenant, as the owner's search does.
    let got = app
        .tenant("big")
        .unwrap()
        .search_evidence(&random_unit(7, DIM), &SearchOptions::top(10))
        .await
        .unwrap();
    let want = owner
        .search_evidence(&random_unit(7, DIM), &SearchOptions::top(10))
        .await
        .unwrap();
    assert_eq!(got.len(), 10);
    assert_eq!(
        got.iter().map(|h| h.id).collect::<Vec<_>>(),
        want.iter().map(|h| h.id).collect::<Vec<_>>()
    );
    let _ = APP_LOGIN;
}

#[tokio::test]
async fn an_embedding_belongs_to_an_entity_of_its_tenant() {
    let t = TestDatabase::migrated().await.unwrap();
    let db = &t.db;
    let a = db.tenant("a").unwrap();
    let b = db.tenant("b").unwrap();
    let b_ev = b.insert_evidence("b's", None, None).await.unwrap();
    let b_claim = b.insert_claim("b's claim", None).await.unwrap();
    let a_ev = a.insert_evidence("a's", None, None).await.unwrap();
    let v = random_unit(1, DIM);

    // Another tenant's entity and one that exists nowhere: the same error,
    // naming the field, telling nothing about tenant b.
    let foreign = a
        .upsert_embedding(EntityType::Evidence, b_ev.id, &v, "m", None)
        .await
        .unwrap_err();
    let nowhere_id = Uuid::new_v4();
    let nowhere = a
        .upsert_embedding(EntityType::Evidence, nowhere_id, &v, "m", None)
        .await
        .unwrap_err();
    assert_entity_refused(&foreign, "entity_id");
    assert_eq!(
        foreign.to_string().replace(&b_ev.id.to_string(), "ID"),
        nowhere.to_string().replace(&nowhere_id.to_string(), "ID"),
    );
    assert!(!foreign.to_string().contains("\"b\""), "{foreign}");
    // The right id with the wrong entity type is refused as well.
    let err = a
        .upsert_embedding(EntityType::Claim, a_ev.id, &v, "m", None)
        .await
        .unwrap_err();
    assert_eq!(field(&err), "entity_id");
    // B's own upsert is unaffected.
    b.upsert_embedding(EntityType::Evidence, b_ev.id, &v, "m", None)
        .await
        .unwrap();

    // Bulk, both paths: the row is named, nothing is written.
    let mut rows: Vec<NewEmbedding> = Vec::new();
    let mine = a
        .insert_evidence_many(
            &(0..5)
                .map(|i| truthgraph_db::NewEvidence {
                    content: format!("e{i}"),
                    source_url: None,
                    source_type: None,
                })
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    for (i, e) in mine.iter().enumerate() {
        rows.push(NewEmbedding {
            entity_type: EntityType::Evidence,
            entity_id: e.id,
            embedding: random_unit(10 + i as u64, DIM),
            model_name: "m".into(),
            model_version: None,
        });
    }
    rows[3].entity_id = b_claim.id;
    rows[3].entity_type = EntityType::Claim;
    for options in [BulkLoadOptions::default(), BulkLoadOptions::replace()] {
        let err = a
            .bulk_load_embeddings_with(&rows, options)
            .await
            .unwrap_err();
        assert_eq!(field(&err), "rows[3].entity_id", "{err}");
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert!(a.embedding_stats().await.unwrap().is_empty());
    }
    rows.remove(3);
    assert_eq!(a.bulk_load_embeddings(&rows).await.unwrap(), 4);
    assert_eq!(b.embedding_stats().await.unwrap()[0].count, 1);
}

/// Rows an older writer left: an embedding of a's claim filed under tenant
/// b, and embeddings of entities that do not exist.
async fn plant_invalid_embeddings(t: &TestDatabase, tenant: &str, entity: Uuid, near: &[f32]) {
    let c = t.raw_client().await.unwrap();
    // As the Python services could before V7: without the entity check (this
    // session skips V12's foreign keys).
    c.batch_execute("SET session_replication_role = replica")
        .await
        .unwrap();
    let v = truthgraph_db::pgvector::Vector::from(near.to_vec());
    c.execute(
        "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
         VALUES ('b', 'evidence', $1, $2, 'm')",
        &[&entity, &v],
    )
    .await
    .unwrap();
    for _ in 0..5 {
        c.execute(
            "INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) \
             VALUES ($1, 'evidence', gen_random_uuid(), $2, 'm'), \
                    ($1, 'claim', gen_random_uuid(), $2, 'm')",
            &[&tenant, &v],
        )
        .await
        .unwrap();
    }
    c.batch_execute("RESET session_replication_role")
        .await
        .unwrap();
}

#[tokio::test]
async fn foreign_and_orphan_embeddings_never_take_a_search_slot() {
    let t = TestDatabase::migrated().await.unwrap();
    let a = t.db.tenant("a").unwrap();
    let q = random_unit(99, DIM);
    let mut mine = Vec::new();
    for i in 0..5 {
        let e = a
            .insert_evidence(&format!("a{i}"), None, None)
            .await
            .unwrap();
        a.upsert_embedding(EntityType::Evidence, e.id, &random_unit(i, DIM), "m", None)
            .await
            .unwrap();
        let c = a.insert_claim(&format!("c{i}"), None).await.unwrap();
        a.upsert_embedding(
            EntityType::Claim,
            c.id,
            &random_unit(50 + i, DIM),
            "m",
            None,
        )
        .await
        .unwrap();
        mine.push(e.id);
    }
    let victim = a.insert_evidence("victim", None, None).await.unwrap();
    // Orphans of tenant a exactly at the query, and b's row on a's evidence.
    plant_invalid_embeddings(&t, "a", victim.id, q.as_slice()).await;

    for exact in [false, true] {
        let opts = SearchOptions {
            exact,
            ..SearchOptions::top(5)
        };
        let hits = a.search_evidence(&q, &opts).await.unwrap();
        let mut got: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        got.sort();
        let mut want = mine.clone();
        want.sort();
        assert_eq!(got, want, "exact = {exact}");
        assert_eq!(a.search_claims(&q, &opts).await.unwrap().len(), 5);
    }
    let hybrid = a
        .hybrid_search(
            "victim",
            &q,
            &HybridOptions {
                k: 6,
                ..HybridOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hybrid.len(), 6);

    // While b's stale row is on a's evidence, a's upsert of it is refused
    // (the seed's one-embedding-per-entity key; before V12 the upsert took
    // the row over). V12 refuses to run while such rows exist, so only a
    // database written without the foreign keys has them: the operator's
    // orphan deletion (`truthgraph-db prune-embeddings`) removes them.
    let refused = a
        .upsert_embedding(EntityType::Evidence, victim.id, &q, "m", None)
        .await
        .unwrap_err();
    assert_entity_refused(&refused, "entity_id");
    assert!(!t.db.delete_orphan_embeddings().await.unwrap().is_empty());
    a.upsert_embedding(EntityType::Evidence, victim.id, &q, "m", None)
        .await
        .unwrap();
    assert_eq!(
        a.search_evidence(&q, &SearchOptions::top(1)).await.unwrap()[0].id,
        victim.id
    );
    assert!(
        t.db.tenant("b")
            .unwrap()
            .get_embedding(EntityType::Evidence, victim.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn nli_result_ids_must_be_the_tenants() {
    let t = TestDatabase::migrated().await.unwrap();
    let (a_claim, _) = seed(&t.db, "a", 1).await;
    seed(&t.db, "b", 2).await;
    let a = t.db.tenant("a").unwrap();
    let b = t.db.tenant("b").unwrap();
    let mine = a.nli_results_for_claim(a_claim).await.unwrap()[0].id;
    let theirs = b
        .nli_results_by_label(NliLabel::Entailment, 10)
        .await
        .unwrap()[0]
        .id;
    let before = a.verification_history(a_claim).await.unwrap().len();
    for (ids, bad) in [
        (vec![mine, theirs], "nli_result_ids[1]"),
        (vec![Uuid::new_v4()], "nli_result_ids[0]"),
    ] {
        let err = a
            .insert_verification_result(&verification(a_claim, ids))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert_eq!(field(&err), bad);
    }
    assert_eq!(a.verification_history(a_claim).await.unwrap().len(), before);
}

#[tokio::test]
async fn a_mass_disconnect_is_never_seen_by_a_caller() {
    let t = TestDatabase::migrated().await.unwrap();
    seed(&t.db, "a", 1).await;
    let config = Config {
        pool_max_size: 4,
        ..Config::default()
    };
    for round in 0..3 {
        let db = t.connect(&config).await.unwrap();
        let a = db.tenant("a").unwrap();
        // Fill the pool with four open connections.
        let warm: Vec<_> = futures_util::future::join_all((0..4).map(|_| db.client()))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let mut pids = Vec::new();
        for c in &warm {
            let pid: i32 = c
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            pids.push(pid);
        }
        drop(warm);
        assert_eq!(db.pool().status().size, 4);
        // A failover in miniature: every connection of the pool killed, and
        // gone before anything runs here, so the pool still holds all four.
        let (retries, counting) = Retries::count();
        assert_eq!(terminate_while_blocked(&t.url, &pids), 4, "round {round}");
        assert_eq!(db.pool().status().size, 4);
        // Six reads at once right after: the four that borrow the dead
        // connections lose them and run again on fresh ones.
        let claims =
            futures_util::future::join_all((0..6).map(|_| a.recent_claims(10, None))).await;
        for c in claims {
            assert_eq!(c.unwrap().len(), round + 1, "round {round}");
        }
        assert!(
            retries.seen() >= 4,
            "round {round}: {} retries, the dead connections were never borrowed",
            retries.seen()
        );
        drop(counting);
        let admin = t.raw_client().await.unwrap();
        let now = library_backends(&admin, &t.name).await;
        assert!(
            pids.iter().all(|p| !now.contains(p)),
            "round {round}: {pids:?} still in {now:?}"
        );
        let q = random_unit(1, DIM);
        a.search_evidence(&q, &SearchOptions::top(3)).await.unwrap();
        a.insert_claim(&format!("after round {round}"), None)
            .await
            .unwrap();
        db.close().await;
    }
    assert_eq!(
        t.db.tenant("a")
            .unwrap()
            .recent_claims(10, None)
            .await
            .unwrap()
            .len(),
        4
    );
}

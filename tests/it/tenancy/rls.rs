//! Row-level security: raw SQL and every family as the application role see one tenant.

use super::*;

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

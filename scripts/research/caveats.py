"""Issue 16 caveats, measured on a loaded database (search_run.py --setup first):

    python scripts/research/caveats.py DATASET

1. Plan caching: the tiered search as a named prepared statement under each
   plan_cache_mode, whether the partial index is used after 5+ runs.
2. Row-level security: the same statement as a truthgraph_app login (V7 policies), tenant
   set with set_config: is the partial index used?
3. Planning time as the number of partial HNSW indexes on the table grows (empty partial
   indexes of extra tenants added to a copy of emb_tier's definition).
4. VACUUM after deleting 1 % of one tenant's rows: the table with one shared HNSW against
   the table with one partial HNSW per tenant.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import datasets  # noqa: E402
import db  # noqa: E402
import designs as dz  # noqa: E402


def plan_index(c, sql, params):
    lines = [r[0] for r in c.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)]
    used = [ln.split(" using ")[1].split(" on ")[0] for ln in lines if "Index Scan using " in ln]
    idx = next((u for u in used if u.startswith(("ix_", "idx_embeddings_vector"))), "none (exact sort)")
    ptime = next(float(ln.split(":")[1].split()[0]) for ln in lines if ln.startswith("Planning Time"))
    return idx, ptime


def main():
    name = sys.argv[1]
    steps = sys.argv[2].split(",") if len(sys.argv) > 2 else ["plans", "rls", "planning", "vacuum"]
    dbname = f"issue16_{name}"
    ds = datasets.get(name)
    big = ds.tenants[0]
    q = ds.queries[0]
    sql = dz.lib("emb_tier")
    params = {"query": q, "tenant_id": big, "k": 10, "source_type": None, "min_similarity": None}
    print(f"## {dbname}\n")
    if "plans" in steps:
        plans(dbname, sql, params, q, big)
    if "rls" in steps:
        rls(dbname, sql, params, big)
    if "planning" in steps:
        planning(dbname, ds, params, big)
    if "vacuum" in steps:
        vacuum(dbname, big)


def plans(dbname, sql, params, q, big):
    print("1. Plan caching (named prepared statement, 8 executions, then EXPLAIN of the 9th):\n")
    print("| plan_cache_mode | generic plans | custom plans | vector index of the last run |")
    print("| --- | ---: | ---: | --- |")
    for mode in ("auto", "force_custom_plan", "force_generic_plan"):
        with db.connect(dbname, f"{db.LIB_OPTIONS} -c plan_cache_mode={mode}") as c:
            for _ in range(8):
                c.execute(sql, params, prepare=True).fetchall()
            g, cu = c.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements").fetchone()
            c.execute("SET hnsw.ef_search = 64")
            # EXPLAIN EXECUTE of psycopg's prepared statement, with the same arguments.
            stmt = c.execute("SELECT name FROM pg_prepared_statements").fetchone()[0]
            import psycopg
            cur = psycopg.ClientCursor(c)
            cur.execute(f"EXPLAIN (COSTS OFF) EXECUTE {stmt}(%s, %s, NULL, 10, NULL)",
                        ("[" + ",".join(map(str, q.tolist())) + "]", big))
            lines = [r[0] for r in cur.fetchall()]
            idx = next((ln.strip() for ln in lines if "Index Scan using ix_" in ln or "Bitmap Heap" in ln
                        or "Seq Scan on emb" in ln), lines[0])
            print(f"| {mode} | {g} | {cu} | {idx} |")
    print()


def rls(dbname, sql, params, big):
    print("2. Row-level security (truthgraph_app login, tenant set by set_config as the library does):\n")
    with db.connect(dbname) as c:
        c.execute("DROP ROLE IF EXISTS issue16_app")
        c.execute("CREATE ROLE issue16_app LOGIN IN ROLE truthgraph_app")
        c.execute("GRANT SELECT ON emb_tier, emb_q TO truthgraph_app")
        c.execute("ALTER TABLE emb_tier ENABLE ROW LEVEL SECURITY")
        c.execute("DROP POLICY IF EXISTS emb_tier_tenant_isolation ON emb_tier")
        c.execute("CREATE POLICY emb_tier_tenant_isolation ON emb_tier TO truthgraph_app "
                  "USING (tenant_id = (SELECT truthgraph_tenant()))")
    import psycopg
    conn = psycopg.connect(db.url(dbname).replace("postgres@", "issue16_app@"), autocommit=True,
                           options=db.LIB_OPTIONS + " -c hnsw.ef_search=64")
    from pgvector.psycopg import register_vector
    register_vector(conn)
    conn.execute("SELECT set_config('truthgraph.tenant_id', %s, false)", (big,))
    idx, pt = plan_index(conn, sql, params)
    rows = conn.execute(sql, params).fetchall()
    print(f"- unnamed statement as issue16_app, tenant {big}: index {idx}, planning {pt} ms, {len(rows)} rows")
    conn.close()
    with db.connect(dbname) as c:
        c.execute("ALTER TABLE emb_tier DISABLE ROW LEVEL SECURITY")
        c.execute("REVOKE SELECT ON emb_tier, emb_q FROM truthgraph_app")
        c.execute("DROP ROLE issue16_app")
    print()


def planning(dbname, ds, params, big):
    print("3. Planning time against the number of partial HNSW indexes on the table "
          "(median of 30 EXPLAINs, tenant with an index / without):\n")
    print("| partial HNSW indexes | planning ms (indexed tenant) | planning ms (exact tenant) |")
    print("| ---: | ---: | ---: |")
    with db.connect(dbname) as c:
        c.execute("DROP TABLE IF EXISTS emb_many")
        c.execute("CREATE TABLE emb_many (LIKE emb_tier INCLUDING ALL)")
        c.execute("INSERT INTO emb_many SELECT * FROM emb_tier WHERE tenant_id = %s", (big,))
        c.execute(dz.index_ddl("vector", "emb_many", ds.dim, big)[1])
        c.execute("ANALYZE emb_many")
        sql_m, exact_m = dz.lib("emb_many"), dz.lib("emb_many")
        have = 1
        for target in (1, 10, 50, 100, 200, 500):
            while have < target:
                c.execute(dz.index_ddl("vector", "emb_many", ds.dim, f"extra-{have}")[1])
                have += 1
            times, times_x = [], []
            for _ in range(30):
                times.append(plan_index(c, sql_m, params)[1])
                times_x.append(plan_index(c, exact_m, dict(params, tenant_id="nobody"))[1])
            print(f"| {target} | {np.median(times):.3f} | {np.median(times_x):.3f} |")
        c.execute("DROP TABLE emb_many")
    print()


def vacuum(dbname, big):
    print(f"4. VACUUM (INDEX_CLEANUP ON) after deleting 10 % of {big}'s rows "
          "(one shared HNSW vs one partial per tenant):\n")
    print("| table | vector indexes | their size MB | rows deleted | DELETE s | VACUUM s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    with db.connect(dbname) as c:
        c.execute("SET maintenance_work_mem = '1GB'")
        for table, like in (("embeddings", "idx_embeddings_vector_cosine"), ("emb_tier", "ix_emb_tier_vector_%")):
            n, size = c.execute("SELECT count(*), sum(pg_relation_size(indexrelid)) FROM pg_index i "
                                "JOIN pg_class x ON x.oid = i.indexrelid WHERE x.relname LIKE %s",
                                (like,)).fetchone()
            c.execute(f"VACUUM {table}")
            started = time.perf_counter()
            gone = c.execute(f"DELETE FROM {table} WHERE tenant_id = %s "
                             "AND abs(hashtext(entity_id::text)) %% 10 = 0", (big,)).rowcount
            d = time.perf_counter() - started
            started = time.perf_counter()
            c.execute(f"VACUUM (INDEX_CLEANUP ON) {table}")
            v = time.perf_counter() - started
            print(f"| {table} | {n} | {size / 2**20:.0f} | {gone} | {d:.2f} | {v:.2f} |")
    print("\n(the deleted rows are gone from both tables afterwards: rerun --setup before another search run)")


if __name__ == "__main__":
    main()

"""Issue 16: every search design on one data set, interleaved query by query.

    python scripts/research/search_run.py DATASET [--setup] [--queries N] [--designs a,b]

DATASET: minilm20k | mix100k | mix20k | lowrank10k (datasets.py). --setup creates
database issue16_DATASET, loads it, makes the design tables and builds every index
(one build at a time, serial, maintenance_work_mem 1GB), recording build times and
sizes in benches/results/research/issue16-DATASET-build.json. The run writes
benches/results/research/issue16-DATASET.json and prints its tables (report.py).
"""

import argparse
import json
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import datasets  # noqa: E402
import db  # noqa: E402
import designs as dz  # noqa: E402
from report import summarise  # noqa: E402

OUT = os.path.join(datasets.ROOT, "benches", "results", "research")


def setup(name, ds, ids):
    dbname = f"issue16_{name.replace('-', '_')}"
    db.create(dbname, ds.dim)
    info = {"load": None, "builds": {}, "sizes": {}}
    with db.connect(dbname) as c:
        c.execute("DROP INDEX idx_embeddings_vector_cosine")
    info["load"] = db.load(dbname, ds, ids)
    for t in ("emb_tier", "emb_q"):
        db.copy_table(dbname, t)
    # A: the V5 index over every tenant.
    ddl = ("CREATE INDEX idx_embeddings_vector_cosine ON embeddings USING hnsw "
           "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
    info["builds"]["A shared vector"] = {"all": round(db.build(dbname, ddl), 2)}
    info["sizes"]["A shared vector"] = db.index_bytes(dbname, "idx_embeddings_vector_cosine")
    for kind, table in (("vector", "emb_tier"), ("halfvec", "emb_q"), ("bq", "emb_q")):
        per = {}
        for t in ds.tenants:
            name_, ddl = dz.index_ddl(kind, table, ds.dim, t)
            per[t] = round(db.build(dbname, ddl), 2)
            print(f"  {ddl[:60]}... {t}: {per[t]} s", file=sys.stderr)
        info["builds"][f"partial {kind}"] = per
        per_size = {t: db.index_bytes(dbname, dz.index_ddl(kind, table, ds.dim, t)[0])[0]
                    for t in ds.tenants}
        info["sizes"][f"partial {kind}"] = per_size
    with db.connect(dbname) as c:
        c.execute("VACUUM ANALYZE")
    os.makedirs(OUT, exist_ok=True)
    json.dump(info, open(os.path.join(OUT, f"issue16-{name}-build.json"), "w"), indent=1)
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("--setup", action="store_true")
    ap.add_argument("--queries", type=int, default=0, help="at most N queries (0: all)")
    ap.add_argument("--designs", default="", help="comma-separated name prefixes to run")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    ds = datasets.get(args.dataset)
    ids = [db.row_uuid(i) for i in range(len(ds.passages))]
    row_of = {u: i for i, u in enumerate(ids)}
    load = [os.getloadavg()]
    if args.setup:
        setup(args.dataset, ds, ids)
    dbname = f"issue16_{args.dataset.replace('-', '_')}"
    truth, kth = datasets.exact_truth(ds)
    sizes = {t: int((ds.owner == i).sum()) for i, t in enumerate(ds.tenants)}
    run = dz.designs(ds.dim)
    if args.designs:
        wanted = args.designs.split(",")
        run = [d for d in run if any(d[0].startswith(w) for w in wanted)]
    conns = []
    for name, sql, ef, prepared in run:
        c = db.connect(dbname, f"{db.LIB_OPTIONS} -c hnsw.ef_search={ef}{extra(name)}")
        c.prepare_threshold = 0 if prepared else None
        conns.append(c)
    nq = len(ds.queries) if not args.queries else min(args.queries, len(ds.queries))
    order = list(range(nq))
    random.Random(16).shuffle(order)

    def call(d, j):
        name, sql, ef, prepared = run[d]
        params = {"query": ds.queries[j], "tenant_id": ds.tenants[ds.query_tenant[j]],
                  "k": 10, "source_type": None, "min_similarity": None}
        if "{TENANT}" in sql:
            sql = sql.replace("{TENANT}", "'" + params["tenant_id"].replace("'", "''") + "'")
        started = time.perf_counter()
        rows = conns[d].execute(sql, params, prepare=prepared).fetchall()
        return (time.perf_counter() - started) * 1000, [r[0] for r in rows]

    print(f"{dbname}: warm-up", file=sys.stderr)
    for j in order[: max(30, nq // 4)]:
        for d in range(len(run)):
            call(d, j)
    load.append(os.getloadavg())
    lat = np.zeros((len(run), nq))
    got = [[None] * nq for _ in run]
    for n, j in enumerate(order):
        rot = n % len(run)
        for d in list(range(rot, len(run))) + list(range(rot)):
            lat[d, j], got[d][j] = call(d, j)
        if n % 100 == 0:
            print(f"  {n}/{nq}", file=sys.stderr)
    load.append(os.getloadavg())
    # Did the prepared statements go generic?
    plans_cached = {}
    for d, (name, sql, ef, prepared) in enumerate(run):
        if prepared:
            r = conns[d].execute("SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements "
                                 "WHERE statement NOT LIKE 'SELECT sum(generic_plans)%%'").fetchone()
            plans_cached[name] = {"generic_plans": int(r[0] or 0), "custom_plans": int(r[1] or 0)}
    plans = explain_plans(dbname, run, ds)
    for c in conns:
        c.close()
    q = ds.queries.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    p = ds.passages
    per_design = {}
    for d, (name, *_rest) in enumerate(run):
        recs, shorts = [], []
        for j in range(nq):
            rows = [row_of[u] for u in got[d][j]]
            dist = 1.0 - (p[rows].astype(np.float64) @ q[j]) / np.linalg.norm(p[rows], axis=1) \
                if rows else np.array([])
            hit = int((dist <= kth[j] + 1e-6).sum())
            recs.append(min(hit, 10) / 10)
            shorts.append(len(rows) < min(10, sizes[ds.tenants[ds.query_tenant[j]]]))
        per_design[name] = {"latency_ms": lat[d].round(4).tolist(), "recall": recs, "short": shorts}
    result = {
        "dataset": ds.name, "database": dbname, "queries": nq, "k": 10,
        "tenants": sizes, "query_tenant": [ds.tenants[t] for t in ds.query_tenant[:nq]],
        "designs": {name: {"ef_search": ef, "prepared": prepared} for name, _s, ef, prepared in run},
        "per_design": per_design, "plans": plans, "plan_cache": plans_cached,
        "loadavg": load, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"issue16-{args.dataset}{args.tag}.json")
    json.dump(result, open(path, "w"))
    print(summarise(result, build_path=os.path.join(OUT, f"issue16-{args.dataset}-build.json")))
    print(f"written {path}", file=sys.stderr)


def extra(name):
    return " -c plan_cache_mode=force_custom_plan" if "force_custom_plan" in name else ""


def explain_plans(dbname, run, ds):
    """Per design and tenant: the vector index used (or none), planning and execution ms,
    from EXPLAIN (ANALYZE) with the tenant's value (a custom plan)."""
    out = {}
    for name, sql, ef, prepared in run:
        with db.connect(dbname, f"{db.LIB_OPTIONS} -c hnsw.ef_search={ef}{extra(name)}") as c:
            per = {}
            for ti, t in enumerate(ds.tenants):
                j = int(np.nonzero(ds.query_tenant == ti)[0][0])
                params = {"query": ds.queries[j], "tenant_id": t, "k": 10,
                          "source_type": None, "min_similarity": None}
                text = sql.replace("{TENANT}", "'" + t + "'")
                lines = [r[0] for r in c.execute("EXPLAIN (ANALYZE, COSTS OFF) " + text, params)]
                used = [ln.split(" using ")[1].split(" on ")[0] for ln in lines if "Index Scan using " in ln]
                index = next((u for u in used if u.startswith(("ix_", "idx_embeddings_vector"))), None)
                num = lambda key: next(float(ln.split(":")[1].split()[0]) for ln in lines if ln.startswith(key))  # noqa
                per[t] = {"index": index, "planning_ms": num("Planning Time"),
                          "execution_ms": num("Execution Time")}
            out[name] = per
    return out


if __name__ == "__main__":
    main()

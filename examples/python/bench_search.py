"""The drop-in VectorSearchService on the truthgraph_db wheel, side by side
with the same search through SQLAlchemy + asyncpg (the services' stack today)
and from Rust, on the shipped MiniLM set, in one run.

1. A fresh database (``truthgraph_db.testing``: DATABASE_URL's server, else an
   embedded one), switched to 384 dimensions; the 20,000 passages loaded as
   evidence of tenant ``default`` and their vectors bulk-loaded from one 2-D
   array (vector index rebuilt after the rows).
2. Results: each of the 1,000 held-out queries through the drop-in, compared
   with exact cosine search computed here (numpy, float64) on the same
   vectors: recall@k and the largest similarity difference.
3. Timing, per stack: p50/p95 of one caller (sequential), and throughput of
   10 concurrent callers:
   * ``wheel``: the drop-in's ``search_similar_evidence``;
   * ``sqlalchemy-literal``: SQLAlchemy ``text()`` over asyncpg, the vector
     spliced into the SQL as the old service does, but ordered by ``<=>``
     (so it is the same query: cosine, index-served);
   * ``sqlalchemy-as-is``: the old service's query as it is, ordered by
     ``<->`` (L2), which the cosine index cannot serve, so the server sorts
     the tenant's rows (on unit vectors the same top-k as ``<=>``);
   * ``sqlalchemy-bound``: the same with the vector as a bound parameter;
   * ``sqlalchemy-tuned``: that, on connections with the library's index
     settings (``hnsw.ef_search`` 120, iterative scans), so the server does
     the same work as for the library's search;
   * ``rust``: ``examples/search_timing.rs`` (``Tenant::search_evidence``).

Run (after ``bash scripts/python-wheel.sh``)::

    cargo build --release --example search_timing
    target/python-venv/bin/python examples/python/bench_search.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import minilm
from truthgraph_db import Database, NewEvidence
from truthgraph_db.testing import fresh_database
from vector_search import VectorSearchService

ROOT = Path(__file__).resolve().parents[2]
TENANT = "default"
Search = Callable[[npt.NDArray[np.float32]], Awaitable[Any]]


def spliced_sql(literal: str, op: str = "<=>") -> str:
    """The services' query shape, vector spliced into the SQL: with ``op``
    ``<=>`` (cosine) as this bench compares it, ``<->`` (L2) as the old
    service runs it; similarity is 1 - distance, ``:max_distance`` bounds it."""
    distance = "(emb.embedding " + op + " '" + literal + "'::vector)"
    return (
        "SELECT e.id, e.content, e.source_url, 1 - " + distance + " AS similarity "
        "FROM evidence e JOIN embeddings emb ON e.id = emb.entity_id "
        "WHERE emb.entity_type = 'evidence' AND emb.tenant_id = :tenant_id "
        "AND " + distance + " <= :max_distance "
        "ORDER BY " + distance + " ASC LIMIT :top_k"
    )


BOUND_SQL = (
    "SELECT e.id, e.content, e.source_url, 1 - (emb.embedding <=> CAST(:q AS vector)) AS similarity "
    "FROM evidence e JOIN embeddings emb ON e.id = emb.entity_id "
    "WHERE emb.entity_type = 'evidence' AND emb.tenant_id = :tenant_id "
    "AND (emb.embedding <=> CAST(:q AS vector)) <= :max_distance "
    "ORDER BY emb.embedding <=> CAST(:q AS vector) ASC LIMIT :top_k"
)


def literal_of(q: npt.NDArray[np.float32]) -> str:
    return "[" + ",".join(str(x) for x in q.tolist()) + "]"


async def load(
    db: Database, passages: list[dict[str, str]], vectors: npt.NDArray[np.float32]
) -> tuple[float, list[uuid.UUID]]:
    started = time.perf_counter()
    await db.set_dimension(vectors.shape[1])
    t = db.tenant(TENANT)
    ids: list[uuid.UUID] = []
    for i in range(0, len(passages), 2000):
        rows = [NewEvidence(p["text"], source_url=p["source"]) for p in passages[i : i + 2000]]
        ids += [e.id for e in await t.insert_evidence_many(rows)]
    await t.bulk_load_embedding_array("evidence", ids, vectors, "all-MiniLM-L6-v2", indexes="rebuild")
    return time.perf_counter() - started, ids


async def timed(search: Search, queries: npt.NDArray[np.float32], n: int, callers: int, per_caller: int) -> dict[str, float]:
    for q in queries[:50]:
        await search(q)  # warm-up
    times = []
    for i in range(n):
        start = time.perf_counter()
        await search(queries[i % len(queries)])
        times.append(time.perf_counter() - start)
    times.sort()

    async def caller(c: int) -> None:
        for i in range(per_caller):
            await search(queries[(c * per_caller + i) % len(queries)])

    started = time.perf_counter()
    await asyncio.gather(*(caller(c) for c in range(callers)))
    wall = time.perf_counter() - started
    return {
        "p50_ms": times[len(times) // 2] * 1e3,
        "p95_ms": times[int(len(times) * 0.95)] * 1e3,
        "qps": callers * per_caller / wall,
    }


def exact_top(vectors: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int) -> tuple[np.ndarray, np.ndarray]:
    v = vectors.astype(np.float64)
    q = queries.astype(np.float64)
    sims = (v / np.linalg.norm(v, axis=1)[:, None]) @ (q / np.linalg.norm(q, axis=1)[:, None]).T
    top = np.argsort(-sims, axis=0, kind="stable")[:k].T
    return top, sims


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=20000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--sequential", type=int, default=1000, help="timed one-caller searches per stack")
    ap.add_argument("--callers", type=int, default=10)
    ap.add_argument("--per-caller", type=int, default=200)
    ap.add_argument("--no-rust", action="store_true")
    ap.add_argument(
        "--ef-search", type=int, default=120,
        help="hnsw.ef_search of the 'sqlalchemy-tuned' stack: the library's built-in value at 20K rows",
    )
    args = ap.parse_args()

    passages, vectors, queries = minilm.load(args.passages)
    tdb = await fresh_database()
    report: dict[str, Any] = {"passages": len(passages), "queries": len(queries), "dim": int(vectors.shape[1]), "k": args.k}
    report["load_s"], ids = await load(tdb.db, passages, vectors)
    row_of = {eid: i for i, eid in enumerate(ids)}
    # Opened after the load: a handle reads its search settings (ef_search for the table's size) at open.
    db = await Database.open(tdb.url)
    service = VectorSearchService(embedding_dimension=int(vectors.shape[1]))

    # Results against exact cosine search.
    top, sims = exact_top(vectors, queries, args.k)
    recall, worst = [], 0.0
    for qi, q in enumerate(queries):
        hits = await service.search_similar_evidence(db, q, top_k=args.k, min_similarity=0.0, tenant_id=TENANT)
        got = [row_of[h.evidence_id] for h in hits]
        recall.append(len(set(got) & set(top[qi].tolist())) / args.k)
        for h, r in zip(hits, got):
            worst = max(worst, abs(h.similarity - sims[r, qi]))
    report["wheel_recall_at_k"] = statistics.fmean(recall)
    report["wheel_max_similarity_error"] = worst

    sa_url = tdb.url.replace("postgresql://", "postgresql+asyncpg://").replace("?sslmode=disable", "")
    engine = create_async_engine(sa_url, pool_size=args.callers, max_overflow=0)
    # The same index work as the library's connections: its ef_search and iterative scans.
    tuned = create_async_engine(
        sa_url, pool_size=args.callers, max_overflow=0,
        connect_args={"server_settings": {
            "hnsw.ef_search": str(args.ef_search), "hnsw.iterative_scan": "relaxed_order",
        }},
    )
    params = {"tenant_id": TENANT, "max_distance": 1.0, "top_k": args.k}

    # A session per call, as a request handler gets one; connections are pooled.
    async def sa_literal(q: npt.NDArray[np.float32]) -> Any:
        async with AsyncSession(engine) as s:
            return (await s.execute(text(spliced_sql(literal_of(q))), params)).fetchall()

    async def sa_as_is(q: npt.NDArray[np.float32]) -> Any:
        async with AsyncSession(engine) as s:
            return (await s.execute(text(spliced_sql(literal_of(q), "<->")),
                                    {"tenant_id": TENANT, "max_distance": 2.0, "top_k": args.k})).fetchall()

    async def sa_bound(q: npt.NDArray[np.float32]) -> Any:
        async with AsyncSession(engine) as s:
            return (await s.execute(text(BOUND_SQL), {**params, "q": literal_of(q)})).fetchall()

    async def sa_tuned(q: npt.NDArray[np.float32]) -> Any:
        async with AsyncSession(tuned) as s:
            return (await s.execute(text(BOUND_SQL), {**params, "q": literal_of(q)})).fetchall()

    sa_recall = []
    for qi, q in enumerate(queries):
        rows = await sa_literal(q)
        sa_recall.append(len({row_of[uuid.UUID(str(r[0]))] for r in rows} & set(top[qi].tolist())) / args.k)
    report["sqlalchemy_recall_at_k"] = statistics.fmean(sa_recall)

    async def wheel(q: npt.NDArray[np.float32]) -> Any:
        return await service.search_similar_evidence(db, q, top_k=args.k, min_similarity=0.0, tenant_id=TENANT)

    shape = (args.sequential, args.callers, args.per_caller)
    report["wheel"] = await timed(wheel, queries, *shape)
    report["sqlalchemy-literal"] = await timed(sa_literal, queries, *shape)
    report["sqlalchemy-as-is"] = await timed(sa_as_is, queries, *shape)
    report["sqlalchemy-bound"] = await timed(sa_bound, queries, *shape)
    report["sqlalchemy-tuned"] = await timed(sa_tuned, queries, *shape)
    await engine.dispose()
    await tuned.dispose()
    if not args.no_rust:
        binary = ROOT / "target" / "release" / "examples" / "search_timing"
        with tempfile.NamedTemporaryFile(suffix=".f32") as f:
            f.write(queries.astype("<f4").tobytes())
            f.flush()
            out = subprocess.run(
                [str(binary), tdb.url, TENANT, f.name, str(vectors.shape[1]), str(args.k),
                 str(args.sequential), str(args.callers), str(args.per_caller)],
                check=True, capture_output=True, text=True,
            )
        report["rust"] = json.loads(out.stdout.strip().splitlines()[-1])
    report["wheel_again"] = await timed(wheel, queries, *shape)
    await db.close()
    await tdb.drop()

    print(json.dumps(report, indent=2))
    print(f"\n| stack | p50 ms | p95 ms | searches/s, {args.callers} callers |\n| --- | --- | --- | --- |", file=sys.stderr)
    for name in ("wheel", "wheel_again", "rust", "sqlalchemy-literal", "sqlalchemy-as-is", "sqlalchemy-bound",
                 "sqlalchemy-tuned"):
        if name in report:
            r = report[name]
            print(f"| {name} | {r['p50_ms']:.3f} | {r['p95_ms']:.3f} | {r['qps']:.0f} |", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())

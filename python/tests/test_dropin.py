"""The drop-in VectorSearchService (examples/python/vector_search.py) on the
shipped MiniLM set (benches/data/minilm, 384 dims): its results against exact
cosine search computed here in float64, the tenant and the threshold kept,
bad input refused as the old service refused it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "python"))

import minilm  # noqa: E402
from truthgraph_db import NewEvidence  # noqa: E402
from truthgraph_db.testing import TestDatabase  # noqa: E402
from vector_search import VectorSearchService  # noqa: E402

PASSAGES, QUERIES, K = 2000, 100, 10


async def test_the_dropin_matches_exact_cosine_search_on_minilm(tdb: TestDatabase) -> None:
    passages, vectors, queries = minilm.load(PASSAGES)
    queries = queries[:QUERIES]
    await tdb.db.set_dimension(vectors.shape[1])
    t = tdb.db.tenant("default")
    stored = await t.insert_evidence_many([NewEvidence(p["text"], p["source"]) for p in passages])
    ids = [e.id for e in stored]
    await t.bulk_load_embedding_array("evidence", ids, vectors, "all-MiniLM-L6-v2", indexes="rebuild")
    row_of = {eid: i for i, eid in enumerate(ids)}

    v = vectors.astype(np.float64)
    q = queries.astype(np.float64)
    sims = (v / np.linalg.norm(v, axis=1)[:, None]) @ (q / np.linalg.norm(q, axis=1)[:, None]).T
    service = VectorSearchService(embedding_dimension=int(vectors.shape[1]))
    found = 0
    for qi, query in enumerate(queries):
        hits = await service.search_similar_evidence(tdb.db, query, top_k=K, tenant_id="default")
        assert len(hits) == K
        rows = [row_of[h.evidence_id] for h in hits]
        exact = set(np.argsort(-sims[:, qi], kind="stable")[:K].tolist())
        found += len(set(rows) & exact)
        for h, r in zip(hits, rows):
            assert h.similarity == pytest.approx(sims[r, qi], abs=1e-5)
            assert h.content == passages[r]["text"]
        assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    assert found / (QUERIES * K) >= 0.95

    threshold = float(np.sort(sims[:, 0])[-5])  # the 5th best of query 0
    hits = await service.search_similar_evidence(tdb.db, queries[0], 10, threshold, "default")
    assert 1 <= len(hits) <= 5 and all(h.similarity >= threshold - 1e-6 for h in hits)
    assert await service.search_similar_evidence(tdb.db, queries[0], K, 0.0, "other") == []
    with pytest.raises(ValueError, match="must be 384-dimensional"):
        await service.search_similar_evidence(tdb.db, queries[0][:100], K, 0.0, "default")
    with pytest.raises(ValueError, match="Unsupported embedding dimension"):
        VectorSearchService(embedding_dimension=100)

"""Embeddings (single, batch, bulk from a 2-D array) and search: results
checked against exact cosine similarity computed here in float64."""

from __future__ import annotations

import asyncio
import uuid

import numpy as np
import numpy.typing as npt
import pytest

from helpers import cosine, unit
from truthgraph_db import Conflict, Database, InvalidInput, NewEmbedding, NewEvidence, Tenant


async def corpus(
    a: Tenant, dim: int, n: int, seed: int = 7
) -> tuple[list[uuid.UUID], npt.NDArray[np.float32]]:
    """`n` evidence rows with random unit embeddings loaded from one 2-D array."""
    rng = np.random.default_rng(seed)
    stored = await a.insert_evidence_many(
        [NewEvidence(f"passage {i} about topic {i % 5}", source_type=f"s{i % 2}") for i in range(n)]
    )
    vectors = np.stack([unit(rng, dim) for _ in range(n)])
    loaded = await a.bulk_load_embedding_array("evidence", [e.id for e in stored], vectors, "m")
    assert loaded == n
    return [e.id for e in stored], vectors


async def test_upsert_get_delete_and_stats(db: Database) -> None:
    a = db.tenant("a")
    dim = await db.embedding_dimension()
    ev = await a.insert_evidence("text")
    v = unit(np.random.default_rng(1), dim)
    stored = await a.upsert_embedding("evidence", ev.id, v, "m", "1")
    assert stored.embedding.dtype == np.float32
    assert np.array_equal(stored.embedding, v)
    w = unit(np.random.default_rng(2), dim)
    await a.upsert_embedding("evidence", ev.id, w, "m", "2")
    got = await a.get_embedding("evidence", ev.id)
    assert got is not None and np.array_equal(got.embedding, w) and got.model_version == "2"
    stats = await a.embedding_stats()
    assert [(s.entity_type, s.model_name, s.count) for s in stats] == [("evidence", "m", 1)]
    assert await a.delete_embedding("evidence", ev.id) is True
    assert await a.get_embedding("evidence", ev.id) is None


async def test_bulk_loads_fail_or_replace_as_asked(db: Database) -> None:
    a = db.tenant("a")
    dim = await db.embedding_dimension()
    rng = np.random.default_rng(3)
    c1 = await a.insert_claim("one")
    c2 = await a.insert_claim("two")
    rows = [NewEmbedding("claim", c.id, unit(rng, dim), "m") for c in (c1, c2)]
    assert await a.bulk_load_embeddings(rows) == 2
    with pytest.raises(Conflict) as e:
        await a.bulk_load_embeddings(rows[:1])
    assert e.value.sqlstate == "23505"
    fresh = unit(rng, dim)
    assert await a.bulk_load_embeddings(
        [NewEmbedding("claim", c1.id, fresh, "m2")], on_conflict="replace"
    ) == 1
    got = await a.get_embedding("claim", c1.id)
    assert got is not None and np.array_equal(got.embedding, fresh) and got.model_name == "m2"
    with pytest.raises(InvalidInput) as bad:
        await a.bulk_load_embeddings(rows, on_conflict="ignore")  # type: ignore[arg-type]
    assert bad.value.field == "on_conflict"


async def test_bulk_load_from_a_2d_array_reads_every_row(db: Database) -> None:
    a = db.tenant("a")
    dim = await db.embedding_dimension()
    ids, vectors = await corpus(a, dim, 20)
    for i in (0, 7, 19):
        got = await a.get_embedding("evidence", ids[i])
        assert got is not None and np.array_equal(got.embedding, vectors[i])
    # A non-contiguous view (every other row, reversed) is read as it looks.
    b = db.tenant("b")
    bs = await b.insert_evidence_many([NewEvidence(f"b {i}") for i in range(10)])
    view = vectors[::-2]
    assert not view.flags["C_CONTIGUOUS"]
    await b.bulk_load_embedding_array("evidence", [e.id for e in bs], view, "m")
    got = await b.get_embedding("evidence", bs[3].id)
    assert got is not None and np.array_equal(got.embedding, view[3])
    with pytest.raises(InvalidInput) as e:
        await b.bulk_load_embedding_array("evidence", [bs[0].id], vectors[:2], "m")
    assert e.value.field == "embeddings" and "2 rows for 1 entity_ids" in str(e.value)


async def test_search_matches_exact_cosine(db: Database) -> None:
    a = db.tenant("a")
    dim = await db.embedding_dimension()
    ids, vectors = await corpus(a, dim, 60)
    q = unit(np.random.default_rng(99), dim)
    truth = sorted(range(len(ids)), key=lambda i: -cosine(q, vectors[i]))[:10]
    hits = await a.search_evidence(q, k=10, exact=True)
    assert [h.id for h in hits] == [ids[i] for i in truth]
    for h, i in zip(hits, truth):
        assert abs(h.similarity - cosine(q, vectors[i])) < 1e-5
    approx = await a.search_evidence(q, k=10)
    assert len({h.id for h in approx} & {ids[i] for i in truth}) >= 9
    floor = hits[4].similarity
    above = await a.search_evidence(q, k=10, exact=True, min_similarity=floor)
    assert [h.id for h in above] == [h.id for h in hits[:5]]
    typed = await a.search_evidence(q, k=5, source_type="s1", ef_search=100)
    assert len(typed) == 5 and all(h.source_type == "s1" for h in typed)
    assert await db.tenant("b").search_evidence(q) == []


async def test_search_claims_and_hybrid(db: Database) -> None:
    a = db.tenant("a")
    dim = await db.embedding_dimension()
    rng = np.random.default_rng(5)
    c = await a.insert_claim("near duplicate claim")
    v = unit(rng, dim)
    await a.upsert_embedding("claim", c.id, v, "m")
    [hit] = await a.search_claims(v, k=3)
    assert hit.id == c.id and abs(hit.similarity - 1.0) < 1e-6 and hit.text == c.text
    ids, vectors = await corpus(a, dim, 30)
    fused = await a.hybrid_search("topic 3", vectors[0], k=5)
    assert len(fused) == 5 and fused == sorted(fused, key=lambda h: -h.score)
    # Reciprocal rank fusion (k = 60): rows found by both sides come first.
    # The text is an OR of its rare lexemes (issue 16): the six passages
    # saying both "topic" and "3" rank first on the keyword side.
    assert all(h.keyword_rank is not None for h in fused)
    assert all("topic 3" in h.content for h in fused if h.keyword_rank is not None and h.keyword_rank <= 6)
    for h in fused:
        ranks = [r for r in (h.vector_rank, h.keyword_rank) if r is not None]
        assert abs(h.score - sum(1.0 / (60 + r) for r in ranks)) < 1e-9
    assert len({h.id for h in fused} - set(ids)) == 0
    with pytest.raises(InvalidInput) as e:
        await a.hybrid_search("x", vectors[0], vector_weight=0.0, keyword_weight=0.0)
    assert e.value.field == "vector_weight"


async def test_a_hundred_concurrent_searches_from_asyncio(db: Database) -> None:
    a = db.tenant("a")
    dim = await db.embedding_dimension()
    ids, vectors = await corpus(a, dim, 50)
    queries = [vectors[i % 50] for i in range(100)]
    results = await asyncio.gather(*(a.search_evidence(q, k=3, exact=True) for q in queries))
    assert [r[0].id for r in results] == [ids[i % 50] for i in range(100)]
    status = db.pool_status()
    assert status.size <= status.max_size and status.waiting == 0 and status.in_use == 0


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.zeros(4, dtype=np.float64), TypeError, "query: expected dtype float32, got float64"),
        (np.zeros(4, dtype=np.int32), TypeError, "query: expected dtype float32, got int32"),
        ([0.1, 0.2], TypeError, "query: expected a numpy.ndarray of dtype float32, got list"),
        (np.zeros((2, 4), dtype=np.float32), InvalidInput, "must be a 1-D array, got shape [2, 4]"),
        (np.ones(3, dtype=np.float32), InvalidInput, "has 3 dimensions"),
    ],
)
async def test_wrong_query_arrays_are_refused_naming_the_argument(
    db: Database, bad: object, error: type[Exception], message: str
) -> None:
    a = db.tenant("a")
    with pytest.raises(error, match=message.replace("[", r"\[").replace("]", r"\]")) as e:
        await a.search_evidence(bad)  # type: ignore[arg-type]
    if isinstance(e.value, InvalidInput):
        assert e.value.field == "query"


async def test_wrong_embedding_arrays_are_refused_naming_the_argument(db: Database) -> None:
    a = db.tenant("a")
    ev = await a.insert_evidence("x")
    dim = await db.embedding_dimension()
    with pytest.raises(TypeError, match="embedding: expected dtype float32, got float16"):
        await a.upsert_embedding("evidence", ev.id, np.ones(dim, dtype=np.float16), "m")
    with pytest.raises(TypeError, match="embeddings: expected dtype float32"):
        await a.bulk_load_embedding_array("evidence", [ev.id], np.ones((1, dim)), "m")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="must be a 2-D array, got shape") as e:
        await a.bulk_load_embedding_array("evidence", [ev.id], np.ones(dim, dtype=np.float32), "m")
    assert e.value.field == "embeddings"
    with pytest.raises(InvalidInput) as e:
        nan = np.full(dim, np.nan, dtype=np.float32)
        await a.bulk_load_embeddings([NewEmbedding("evidence", ev.id, nan, "m")])
    assert e.value.field == "rows[0].embedding"
    with pytest.raises(InvalidInput) as e:
        await a.upsert_embedding("paragraph", ev.id, np.ones(dim, dtype=np.float32), "m")  # type: ignore[arg-type]
    assert e.value.field == "entity_type"

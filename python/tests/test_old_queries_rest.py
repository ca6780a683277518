"""The other seven queries of the Python services' query module
(truthgraph/db_queries/queries.py) on a database migrated here, through
SQLAlchemy + asyncpg as that module sends them: SQLAlchemy ``text()`` with
named parameters, ids as strings, multi-row ``VALUES`` built per batch, the
vector spliced in as a literal. With test_old_queries.py (the three that read
evidence.credibility_score) that is ten of ten. The SQL is written here in the
same shape; the old module is not copied.

Four of its statements write a bound parameter with a cast, ``:claim_id::uuid``.
``text()`` does not take a name followed by ``::`` as a parameter, so the
``:claim_id`` reaches PostgreSQL and fails with a syntax error on any database
(its own too): checked below. Written ``CAST(:claim_id AS uuid)`` they run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from helpers import sqlalchemy_url, unit
from truthgraph_db.testing import TestDatabase

NLI_COLUMNS = (
    "claim_id, evidence_id, label, confidence, entailment_score, contradiction_score, "
    "neutral_score, model_name, model_version, premise_text, hypothesis_text"
)
NLI_READ = (
    "id, claim_id, evidence_id, label, confidence, entailment_score, "
    "contradiction_score, neutral_score, model_name, created_at"
)


async def batch_create_nli_results(s: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """One multi-row INSERT … RETURNING id, parameters numbered per row."""
    values, params = [], {}
    for i, r in enumerate(rows):
        values.append(
            f"(CAST(:claim_id_{i} AS uuid), CAST(:evidence_id_{i} AS uuid), :label_{i}, "
            f":confidence_{i}, :entailment_score_{i}, :contradiction_score_{i}, "
            f":neutral_score_{i}, :model_name_{i}, :model_version_{i}, "
            f":premise_text_{i}, :hypothesis_text_{i})"
        )
        params.update({f"{k}_{i}": v for k, v in r.items()})
    sql = f"INSERT INTO nli_results ({NLI_COLUMNS}) VALUES {', '.join(values)} RETURNING id"
    return [row[0] for row in (await s.execute(text(sql), params)).fetchall()]


async def get_nli_results_for_claim(
    s: AsyncConnection, claim_id: uuid.UUID, include_evidence: bool
) -> list[Any]:
    if include_evidence:
        cols = ", ".join(f"nli.{c}" for c in NLI_READ.split(", "))
        sql = (
            f"SELECT {cols}, e.content AS evidence_content, e.source_url AS evidence_source "
            "FROM nli_results nli LEFT JOIN evidence e ON nli.evidence_id = e.id "
            "WHERE nli.claim_id = :claim_id ORDER BY nli.confidence DESC"
        )
    else:
        sql = f"SELECT {NLI_READ} FROM nli_results WHERE claim_id = :claim_id ORDER BY confidence DESC"
    return list((await s.execute(text(sql), {"claim_id": str(claim_id)})).fetchall())


VR_INSERT = (
    "INSERT INTO verification_results (claim_id, verdict, confidence, support_score, "
    "refute_score, neutral_score, evidence_count, supporting_evidence_count, "
    "refuting_evidence_count, neutral_evidence_count, reasoning, nli_result_ids, "
    "pipeline_version, retrieval_method) VALUES ({claim}, :verdict, :confidence, "
    ":support_score, :refute_score, :neutral_score, :evidence_count, "
    ":supporting_evidence_count, :refuting_evidence_count, :neutral_evidence_count, "
    ":reasoning, {ids}, :pipeline_version, :retrieval_method) RETURNING id"
)
AS_WRITTEN = VR_INSERT.format(claim=":claim_id::uuid", ids=":nli_result_ids::uuid[]")
WITH_CAST = VR_INSERT.format(claim="CAST(:claim_id AS uuid)", ids="CAST(:nli_result_ids AS uuid[])")

VR_DETAILS = (
    "SELECT vr.id, vr.claim_id, vr.verdict, vr.confidence, vr.support_score, vr.refute_score, "
    "vr.neutral_score, vr.evidence_count, vr.supporting_evidence_count, "
    "vr.refuting_evidence_count, vr.neutral_evidence_count, vr.reasoning, vr.nli_result_ids, "
    "vr.pipeline_version, vr.retrieval_method, vr.created_at, vr.updated_at, "
    "c.text AS claim_text, c.source_url AS claim_source FROM verification_results vr "
    "JOIN claims c ON vr.claim_id = c.id WHERE vr.claim_id = :claim_id "
    "ORDER BY vr.created_at DESC LIMIT 1"
)


async def batch_create_embeddings(s: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """One multi-row upsert on (entity_type, entity_id), each vector a literal."""
    values, params = [], {}
    for i, r in enumerate(rows):
        literal = "[" + ",".join(str(x) for x in r["embedding"]) + "]"
        values.append(
            f"(:entity_type_{i}, CAST(:entity_id_{i} AS uuid), '{literal}'::vector, "
            f":model_name_{i}, :model_version_{i}, :tenant_id_{i})"
        )
        for k in ("entity_type", "entity_id", "model_name", "model_version", "tenant_id"):
            params[f"{k}_{i}"] = r[k]
    sql = (
        "INSERT INTO embeddings (entity_type, entity_id, embedding, model_name, model_version, "
        f"tenant_id) VALUES {', '.join(values)} ON CONFLICT (entity_type, entity_id) DO UPDATE "
        "SET embedding = EXCLUDED.embedding, model_name = EXCLUDED.model_name, "
        "model_version = EXCLUDED.model_version, updated_at = CURRENT_TIMESTAMP RETURNING id"
    )
    return [row[0] for row in (await s.execute(text(sql), params)).fetchall()]


STATS = (
    "SELECT relname AS table_name, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, "
    "n_tup_ins, n_tup_upd, n_tup_del, n_live_tup, n_dead_tup "
    "FROM pg_stat_user_tables WHERE relname = :table_name"
)


async def test_the_other_seven_queries_run_as_the_old_module_sends_them(tdb: TestDatabase) -> None:
    t = tdb.db.tenant("default")
    claim = await t.insert_claim("The Eiffel Tower is in Paris", "https://c")
    ev = [await t.insert_evidence(f"passage {i}", f"https://e/{i}") for i in range(2)]
    dim = await tdb.db.embedding_dimension()
    engine = create_async_engine(sqlalchemy_url(tdb.url))
    try:
        nli = [
            {
                "claim_id": str(claim.id), "evidence_id": str(e.id), "label": label,
                "confidence": conf, "entailment_score": conf, "contradiction_score": 0.0,
                "neutral_score": 1.0 - conf, "model_name": "microsoft/deberta-v3-base",
                "model_version": None, "premise_text": e.content, "hypothesis_text": claim.text,
            }
            for e, label, conf in ((ev[0], "ENTAILMENT", 0.9), (ev[1], "NEUTRAL", 0.6))
        ]
        async with engine.begin() as s:
            nli_ids = await batch_create_nli_results(s, nli)
        assert len(nli_ids) == 2
        async with engine.connect() as s:
            plain = await get_nli_results_for_claim(s, claim.id, include_evidence=False)
            joined = await get_nli_results_for_claim(s, claim.id, include_evidence=True)
        assert [(r[0], r[3]) for r in plain] == [(nli_ids[0], "ENTAILMENT"), (nli_ids[1], "NEUTRAL")]
        assert [(r[0], r[10], r[11]) for r in joined] == [
            (nli_ids[0], "passage 0", "https://e/0"), (nli_ids[1], "passage 1", "https://e/1")
        ]
        # The library reads what the old module wrote, in the same tenant.
        assert {r.id for r in await t.nli_results_for_claim(claim.id)} == set(nli_ids)

        vr = {
            "claim_id": str(claim.id), "verdict": "SUPPORTED", "confidence": 0.9,
            "support_score": 0.9, "refute_score": 0.0, "neutral_score": 0.1,
            "evidence_count": 2, "supporting_evidence_count": 1, "refuting_evidence_count": 0,
            "neutral_evidence_count": 1, "reasoning": "entailed by passage 0",
            "nli_result_ids": [str(i) for i in nli_ids], "pipeline_version": "1.0.0",
            "retrieval_method": "vector",
        }
        async with engine.begin() as s:
            vr_id = (await s.execute(text(WITH_CAST), vr)).scalar_one()
        async with engine.connect() as s:
            row = (await s.execute(text(VR_DETAILS), {"claim_id": str(claim.id)})).fetchone()
        assert row is not None
        assert (row[0], row[2], list(row[12]), row[17], row[18]) == (
            vr_id, "SUPPORTED", nli_ids, claim.text, "https://c"
        )
        latest = await t.latest_verification_result(claim.id)
        assert latest is not None and latest.id == vr_id

        rng = np.random.default_rng(5)
        vectors = [unit(rng, dim) for _ in ev]
        emb = [
            {"entity_type": "evidence", "entity_id": str(e.id), "embedding": v.tolist(),
             "model_name": "all-MiniLM-L6-v2", "model_version": None, "tenant_id": "default"}
            for e, v in zip(ev, vectors)
        ]
        async with engine.begin() as s:
            first = await batch_create_embeddings(s, emb)
        emb[0]["embedding"], emb[0]["model_version"] = vectors[1].tolist(), "2"
        async with engine.begin() as s:
            again = await batch_create_embeddings(s, emb)
        assert again == first  # updated in place on the unique index, not duplicated
        stored = await t.get_embedding("evidence", ev[0].id)
        assert stored is not None and stored.model_version == "2"
        assert np.allclose(stored.embedding, vectors[1], atol=1e-6)

        async with engine.connect() as s:
            stats = (await s.execute(text(STATS), {"table_name": "evidence"})).fetchone()
            missing = (await s.execute(text(STATS), {"table_name": "no_such"})).fetchone()
        assert stats is not None and stats[0] == "evidence" and missing is None
    finally:
        await engine.dispose()


async def test_a_parameter_followed_by_a_cast_is_not_bound_by_text(tdb: TestDatabase) -> None:
    claim = await tdb.db.tenant("default").insert_claim("c")
    params = {
        "claim_id": str(claim.id), "verdict": "REFUTED", "confidence": 0.5,
        "support_score": 0.0, "refute_score": 0.5, "neutral_score": 0.5, "evidence_count": 0,
        "supporting_evidence_count": 0, "refuting_evidence_count": 0,
        "neutral_evidence_count": 0, "reasoning": None, "nli_result_ids": [],
        "pipeline_version": None, "retrieval_method": None,
    }
    engine = create_async_engine(sqlalchemy_url(tdb.url))
    try:
        assert ":claim_id::uuid" in str(text(AS_WRITTEN).compile(dialect=engine.dialect))
        with pytest.raises(ProgrammingError, match='syntax error at or near ":"'):
            async with engine.begin() as s:
                await s.execute(text(AS_WRITTEN), params)
        async with engine.begin() as s:
            assert (await s.execute(text(WITH_CAST), params)).scalar_one() is not None
    finally:
        await engine.dispose()

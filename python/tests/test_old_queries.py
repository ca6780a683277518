"""The Python services' query module (truthgraph/db_queries/queries.py) on a
database migrated here: its three queries that read evidence.credibility_score
(and publication_date), sent the way it sends them (SQLAlchemy ``text()``,
named parameters, ids as a list of strings) through SQLAlchemy + asyncpg.
The SQL is written here in the same shape; the old module is not copied."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from helpers import sqlalchemy_url, unit
from truthgraph_db.testing import TestDatabase


async def test_the_three_credibility_queries_run_as_the_old_module_sends_them(
    tdb: TestDatabase,
) -> None:
    t = tdb.db.tenant("default")
    rated = await t.insert_evidence("rated passage", "https://r", "news")
    unrated = await t.insert_evidence("unrated passage")
    v = unit(np.random.default_rng(4), await tdb.db.embedding_dimension())
    await t.upsert_embedding("evidence", rated.id, v, "all-MiniLM-L6-v2")
    engine = create_async_engine(sqlalchemy_url(tdb.url))
    try:
        async with engine.begin() as s:
            await s.execute(
                text("UPDATE evidence SET credibility_score = :c, publication_date = :d WHERE id = :id"),
                {"c": 0.8, "d": datetime.date(2023, 5, 15), "id": rated.id},
            )
        ids = [str(rated.id), str(unrated.id)]
        async with engine.connect() as s:
            plain = (
                await s.execute(
                    text(
                        "SELECT id, content, source_url, source_type, credibility_score, "
                        "publication_date, created_at FROM evidence "
                        "WHERE id = ANY(:evidence_ids) ORDER BY created_at DESC"
                    ),
                    {"evidence_ids": ids},
                )
            ).fetchall()
            joined = (
                await s.execute(
                    text(
                        "SELECT e.id, e.content, e.source_url, e.source_type, e.credibility_score, "
                        "e.publication_date, e.created_at, emb.embedding, emb.model_name, "
                        "emb.id AS embedding_id FROM evidence e LEFT JOIN embeddings emb "
                        "ON e.id = emb.entity_id AND emb.entity_type = 'evidence' "
                        "WHERE e.id = ANY(:evidence_ids) ORDER BY e.created_at DESC"
                    ),
                    {"evidence_ids": ids},
                )
            ).fetchall()
            literal = "[" + ",".join(str(x) for x in v.tolist()) + "]"
            scored = (
                await s.execute(
                    text(
                        "SELECT e.id, e.content, e.source_url, e.source_type, e.credibility_score, "
                        "1 - (emb.embedding <-> CAST(:embedding_vec AS vector)) AS similarity, "
                        "emb.model_name FROM evidence e JOIN embeddings emb "
                        "ON e.id = emb.entity_id AND emb.entity_type = 'evidence' "
                        "WHERE emb.tenant_id = :tenant_id "
                        "ORDER BY emb.embedding <-> CAST(:embedding_vec AS vector) ASC LIMIT :top_k"
                    ),
                    {"embedding_vec": literal, "tenant_id": "default", "top_k": 20},
                )
            ).fetchall()
        for rows in (plain, joined):
            got = {(str(r[0]), r[4], r[5]) for r in rows}
            assert got == {
                (str(rated.id), 0.8, datetime.date(2023, 5, 15)),
                (str(unrated.id), None, None),
            }
        assert [(str(r[0]), r[4]) for r in scored] == [(str(rated.id), 0.8)]
        assert abs(scored[0][5] - 1.0) < 1e-6
        async with engine.begin() as s:
            with pytest.raises(IntegrityError, match="evidence_credibility_score_range"):
                await s.execute(
                    text("UPDATE evidence SET credibility_score = 1.5 WHERE id = :id"),
                    {"id": rated.id},
                )
    finally:
        await engine.dispose()

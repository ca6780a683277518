"""Tenants cannot see each other's rows, as the application role (a login
of truthgraph_app, subject to row-level security) as well as the owner."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import numpy as np

from helpers import unit
from truthgraph_db import NewClaim
from truthgraph_db.testing import TestDatabase, app_login


async def test_tenants_are_isolated_as_the_app_role(tdb: TestDatabase) -> None:
    app = await tdb.app()
    assert app.sets_tenant and not tdb.db.sets_tenant
    a, b = app.tenant("a"), app.tenant("b")
    dim = await app.embedding_dimension()
    rng = np.random.default_rng(11)
    claims = await a.insert_claims([NewClaim("a's claim"), NewClaim("another of a's")])
    ev = await a.insert_evidence("a's evidence")
    v = unit(rng, dim)
    await a.upsert_embedding("evidence", ev.id, v, "m")
    assert [h.id for h in await a.search_evidence(v, k=3)] == [ev.id]

    assert await b.get_claim(claims[0].id) is None
    assert await b.get_claims([c.id for c in claims]) == []
    assert await b.recent_evidence(10) == []
    assert await b.search_evidence(v, k=3) == []
    assert await b.search_evidence(v, k=3, exact=True) == []
    assert await b.embedding_stats() == []
    assert await b.delete_claim(claims[0].id) is False
    assert await a.get_claim(claims[0].id) is not None

    # The same login without a tenant set sees no row at all; the owner sees them.
    raw = await asyncpg.connect(tdb.url, user=app_login(), password=app_login())
    try:
        assert await raw.fetchval("SELECT current_user") == app_login()
        assert await raw.fetchval("SELECT count(*) FROM claims") == 0
    finally:
        await raw.close()
    owner = await asyncpg.connect(tdb.url)
    try:
        assert await owner.fetchval("SELECT count(*) FROM claims") == 2
    finally:
        await owner.close()
    await app.close()

"""The handle itself: opening (on a URL, or an embedded server when none is
set, as in Rust), health, pool_status, close and `async with`."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile

import pytest

from truthgraph_db import Closed, Database
from truthgraph_db.testing import TestDatabase


async def test_health_pool_status_and_close(tdb: TestDatabase) -> None:
    db = await Database.open(tdb.url, pool_max_size=3)
    assert not db.is_embedded and not db.is_closed
    h = await db.health()
    assert h.is_ready and h.problems == []
    assert h.server_version.startswith("15") and h.pgvector_version
    assert h.migrations is not None
    assert h.migrations.current == h.migrations.latest and h.migrations.pending == []
    assert h.round_trip.total_seconds() > 0
    await db.tenant("a").insert_claim("counted")
    s = db.pool_status()
    assert (s.max_size, s.in_use, s.waiting) == (3, 0, 0) and 1 <= s.size <= 3
    assert s.available == s.size
    await db.close()
    assert db.is_closed
    with pytest.raises(Closed):
        await db.health()

    async with await Database.open(tdb.url) as scoped:
        assert await scoped.tenant("a").recent_claims(5) != []
    assert scoped.is_closed


async def test_open_without_a_url_starts_an_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reachable by the postgres user when the tests run as root.
    root = tempfile.mkdtemp(prefix="truthgraph-py-", dir="/var/tmp")
    os.chmod(root, 0o755)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TRUTHGRAPH_PGDATA", os.path.join(root, "pgdata"))
    try:
        db = await Database.open()
        assert db.is_embedded
        fresh = await db.health()  # a new server: not migrated, as in Rust
        assert not fresh.is_ready and any("run migrate" in p for p in fresh.problems)
        applied = await db.migrate()
        assert applied[0] == 1 and applied == sorted(applied)
        ready = await db.health()
        assert ready.is_ready and ready.migrations is not None
        assert ready.migrations.current == applied[-1]
        t = db.tenant("acme")
        claim = await t.insert_claim("stored in the embedded server")
        got = await t.get_claim(claim.id)
        assert got is not None and got.text == claim.text
        await db.close()
        del db, t
        gc.collect()  # the last handle gone: the embedded server stops
    finally:
        shutil.rmtree(root, ignore_errors=True)

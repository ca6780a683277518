"""Every kind of the library's error arrives as its Python exception, with
its kind, field, constraint and SQLSTATE."""

from __future__ import annotations

import asyncio

import asyncpg  # type: ignore[import-untyped]
import pytest

import truthgraph_db
from truthgraph_db import (
    Closed,
    ConfigError,
    Database,
    DatabaseError,
    InvalidInput,
    MigrationError,
    PoolTimeout,
    Timeout,
    TruthGraphError,
    errors,
)
from truthgraph_db._native import ERROR_CLASSES, in_flight
from truthgraph_db.testing import TestDatabase


def test_every_kind_has_its_class() -> None:
    kinds = dict(ERROR_CLASSES)
    assert len(kinds) == 14
    for kind, name in kinds.items():
        cls = getattr(errors, name)
        assert issubclass(cls, TruthGraphError) and getattr(truthgraph_db, name) is cls, kind
    assert set(errors.__all__) == {"TruthGraphError", *kinds.values()}
    assert issubclass(InvalidInput, ValueError) and issubclass(Timeout, TimeoutError)


async def test_invalid_input_names_field_and_kind(db: Database) -> None:
    with pytest.raises(InvalidInput) as e:
        await db.tenant("a").recent_claims(0)
    assert (e.value.kind, e.value.field, e.value.constraint, e.value.sqlstate) == (
        "invalid_input", "limit", None, None
    )
    with pytest.raises(InvalidInput) as e:
        db.tenant("")
    assert e.value.field == "tenant_id"


async def test_statement_timeout_and_pool_timeout(tdb: TestDatabase) -> None:
    # Opened before the lock: opening reads the catalog, which waits for it too.
    quick = await Database.open(tdb.url, statement_timeout_ms=200)
    one = await Database.open(tdb.url, pool_max_size=1, pool_timeout_ms=100)
    owner = await asyncpg.connect(tdb.url)
    tx = owner.transaction()
    await tx.start()
    await owner.execute("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE")
    try:
        with pytest.raises(Timeout) as e:
            await quick.tenant("a").insert_claim("blocked")
        assert (e.value.kind, e.value.sqlstate) == ("timeout", "57014")
        blocked = asyncio.ensure_future(one.tenant("a").insert_claim("waits for the lock"))
        while one.pool_status().in_use < 1:
            await asyncio.sleep(0.01)
        with pytest.raises(PoolTimeout) as p:
            await one.tenant("a").get_claims([])
        assert p.value.kind == "pool_timeout" and isinstance(p.value, TimeoutError)
    finally:
        await tx.rollback()
        await owner.close()
    assert (await blocked).text == "waits for the lock"
    await quick.close()
    await one.close()
    assert one.is_closed
    with pytest.raises(Closed) as c:
        await one.tenant("a").get_claims([])
    assert c.value.kind == "closed"


async def test_server_and_config_errors(tdb: TestDatabase) -> None:
    missing = tdb.url.replace(tdb.name, "no_such_database")
    with pytest.raises(DatabaseError) as e:
        await Database.open(missing)
    assert (e.value.kind, e.value.sqlstate) == ("database", "3D000")
    with pytest.raises(ConfigError) as c:
        await Database.open("postgresql://[broken")
    assert c.value.kind == "config"
    with pytest.raises(MigrationError) as m:
        await tdb.db.migrate(target=999)
    assert m.value.kind == "migration"


async def test_a_cancelled_call_stops_its_rust_future(tdb: TestDatabase) -> None:
    db = await Database.open(tdb.url)
    owner = await asyncpg.connect(tdb.url)
    tx = owner.transaction()
    await tx.start()
    await owner.execute("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE")
    try:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(db.tenant("a").get_claims([]), timeout=0.2)
        for _ in range(500):
            if in_flight() == 0:
                break
            await asyncio.sleep(0.01)
        assert in_flight() == 0
    finally:
        await tx.rollback()
        await owner.close()
    assert await db.tenant("a").get_claims([]) == []
    await db.close()

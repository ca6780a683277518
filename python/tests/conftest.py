"""pytest set-up: async tests and a fresh, migrated database per test.

Coroutine test functions run on their own event loop (no plugin needed).
The database comes from the library's own test support
(``truthgraph_db.testing``): the server at ``DATABASE_URL``, else a
throw-away embedded PostgreSQL, one per test process.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from truthgraph_db import Database
from truthgraph_db.testing import TestDatabase, fresh_database


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs: dict[str, Any] = {n: pyfuncitem.funcargs[n] for n in names}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True


@pytest.fixture
def tdb() -> Iterator[TestDatabase]:
    """A database of its own, migrated, dropped afterwards."""
    t = asyncio.run(_fresh())
    yield t
    asyncio.run(_drop(t))


async def _fresh() -> TestDatabase:
    return await fresh_database()


async def _drop(t: TestDatabase) -> None:
    await t.drop()


@pytest.fixture
def db(tdb: TestDatabase) -> Database:
    """The test database's handle, as the tables' owner."""
    return tdb.db


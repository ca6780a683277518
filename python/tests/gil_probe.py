"""Run by test_gil.py in a process of its own: a database call waits on a row
lock held by another connection, and meanwhile a Python thread runs Python
code to its end. Were the GIL held while the call waits, that thread (and the
event loop) could not run and this process would hang; the test gives it a
deadline. Prints "ok" when the thread finished while the call still waited."""

from __future__ import annotations

import asyncio
import sys

import asyncpg  # type: ignore[import-untyped]

from truthgraph_db import Database


def python_work() -> int:
    return sum(i * i for i in range(200_000))


async def main(url: str) -> None:
    db = await Database.open(url)
    t = db.tenant("a")
    claim = await t.insert_claim("locked")
    owner = await asyncpg.connect(url)
    # Outside the locking transaction: pg_stat_activity is read once per transaction.
    watch = await asyncpg.connect(url)
    tx = owner.transaction()
    await tx.start()
    await owner.execute("SELECT 1 FROM claims WHERE id = $1 FOR UPDATE", claim.id)
    try:
        call = asyncio.ensure_future(t.delete_claim(claim.id))
        for _ in range(3000):  # at most 30 s for the call to reach the lock
            waiting = await watch.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' "
                "AND query LIKE 'DELETE FROM claims%'"
            )
            if waiting:
                break
            await asyncio.sleep(0.01)
        assert waiting == 1, f"the call never waited on the lock ({waiting} waiting)"
        for _ in range(3):
            assert await asyncio.to_thread(python_work) > 0
        assert not call.done(), "the call finished while the lock was held"
    finally:
        await tx.rollback()
        await owner.close()
        await watch.close()
    assert await call is True
    await db.close()
    print("ok")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

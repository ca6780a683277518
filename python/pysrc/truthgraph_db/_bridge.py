"""The event-loop half of the bindings' futures (python/src/bridge.rs)."""

from __future__ import annotations

import asyncio
from typing import Any


def resolve(fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
    """Sets a call's result or exception, unless it was cancelled meanwhile."""
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)

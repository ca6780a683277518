"""Test support: a fresh, migrated database per test, from the Rust library's
own ``truthgraph_db::testing``.

One server per process: the one at ``DATABASE_URL``, else a throw-away
embedded PostgreSQL (deleted when the process ends). On it one migrated
template database, and for each ``await fresh_database()`` a new database
cloned from it, so tests never see each other's rows::

    t = await fresh_database()
    acme = t.db.tenant("acme")            # as the tables' owner
    app = await t.app()                   # as a login of truthgraph_app (row-level security)
    ...
    await t.drop()
"""

from __future__ import annotations

from ._native import TestDatabase, app_login, fresh_database

__all__ = ["TestDatabase", "fresh_database", "app_login"]

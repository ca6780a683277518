"""The exceptions of truthgraph_db: one class per kind of the Rust library's
``truthgraph_db::Error`` (``Error::kind()``), each carrying the error's
``kind``, ``field``, ``constraint``, ``sqlstate`` and ``is_connection_error``.

Catch ``TruthGraphError`` for all of them. ``InvalidInput`` is also a
``ValueError``, ``NotFound`` a ``LookupError``, ``Timeout`` and
``PoolTimeout`` are ``TimeoutError``s, and ``Closed`` is a ``RuntimeError``.
"""

from __future__ import annotations


class TruthGraphError(Exception):
    """Base class: any error of the library.

    Attributes:
        kind: the Rust variant in snake case (``invalid_input``, ``conflict``, ...).
        field: the argument or column an ``InvalidInput`` names (``k``, ``rows[3].content``).
        constraint: the constraint the database named, if it refused a write.
        sqlstate: the SQLSTATE (``23505``, ``57014``, ...) when PostgreSQL raised it.
        is_connection_error: the connection was lost (an idempotent read may be retried).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "unknown",
        field: str | None = None,
        constraint: str | None = None,
        sqlstate: str | None = None,
        is_connection_error: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field
        self.constraint = constraint
        self.sqlstate = sqlstate
        self.is_connection_error = is_connection_error

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, kind={self.kind!r}, field={self.field!r}, "
            f"constraint={self.constraint!r}, sqlstate={self.sqlstate!r})"
        )


class InvalidInput(TruthGraphError, ValueError):
    """A value was rejected, before sending or by a CHECK/NOT NULL constraint; nothing written."""


class Conflict(TruthGraphError):
    """A unique constraint was violated (SQLSTATE 23505)."""


class MissingReference(TruthGraphError):
    """A referenced row does not exist or is another tenant's (SQLSTATE 23503)."""


class NotFound(TruthGraphError, LookupError):
    """A row the call needs does not exist (for this tenant)."""


class PoolTimeout(TruthGraphError, TimeoutError):
    """No pooled connection became free within the pool's timeout."""


class MigrationError(TruthGraphError):
    """A migration could not be applied or rolled back."""


class DriftError(TruthGraphError):
    """An applied migration was changed after it was applied."""


class AdoptionError(TruthGraphError):
    """The database cannot be adopted."""


class ConfigError(TruthGraphError):
    """A configuration variable is unusable."""


class ServerError(TruthGraphError):
    """The embedded PostgreSQL could not be found, initialised or started."""


class Timeout(TruthGraphError, TimeoutError):
    """A statement was cancelled (statement_timeout; SQLSTATE 57014); nothing of it written."""


class DatabaseError(TruthGraphError):
    """Any other error from PostgreSQL or the connection."""


class PoolError(TruthGraphError):
    """The pool could not create or check a connection."""


class Closed(TruthGraphError, RuntimeError):
    """The Database was closed: no new work is taken."""


__all__ = [
    "TruthGraphError",
    "InvalidInput",
    "Conflict",
    "MissingReference",
    "NotFound",
    "PoolTimeout",
    "MigrationError",
    "DriftError",
    "AdoptionError",
    "ConfigError",
    "ServerError",
    "Timeout",
    "DatabaseError",
    "PoolError",
    "Closed",
]

"""TruthGraph DB from Python: the typed, tenant-scoped database layer of
TruthGraph (PostgreSQL + pgvector), async, on the Rust library.

    import numpy as np
    from truthgraph_db import Database

    db = await Database.open()                 # DATABASE_URL, or an embedded server
    acme = db.tenant("acme")
    ev = await acme.insert_evidence("At 1 atm water boils at 100 °C.", source_type="textbook")
    v = np.random.rand(await db.embedding_dimension()).astype(np.float32)
    await acme.upsert_embedding("evidence", ev.id, v, "text-embedding-3-small")
    for hit in await acme.search_evidence(v, k=5):
        print(f"{hit.similarity:.3f} {hit.content}")

Every database call is a coroutine; the GIL is released while it runs.
Errors are the exceptions of ``truthgraph_db.errors``.
"""

from __future__ import annotations

import atexit

from . import errors
from ._native import quiesce as _quiesce
from ._native import (
    Claim,
    ClaimHit,
    CloseReport,
    Database,
    Embedding,
    EmbeddingStats,
    Evidence,
    EvidenceHit,
    Health,
    HybridHit,
    MigrationsHealth,
    NewClaim,
    NewEmbedding,
    NewEvidence,
    NewNliResult,
    NewVerificationResult,
    NliResult,
    PoolStatus,
    Tenant,
    Verdict,
    VerdictEvidence,
    VerificationResult,
    WalToken,
    __version__,
)
from .errors import (
    AdoptionError,
    Closed,
    ConfigError,
    Conflict,
    DatabaseError,
    DriftError,
    InvalidInput,
    MigrationError,
    MissingReference,
    NotFound,
    PoolError,
    PoolTimeout,
    ServerError,
    Timeout,
    TruthGraphError,
)

# No call's tokio thread may hold the GIL while the interpreter finalizes
# (python/src/bridge.rs): wait for the calls in flight first.
atexit.register(_quiesce)

__all__ = [
    "Claim", "ClaimHit", "CloseReport", "Database", "Embedding", "EmbeddingStats",
    "Evidence", "EvidenceHit", "Health", "HybridHit", "MigrationsHealth", "NewClaim",
    "NewEmbedding", "NewEvidence", "NewNliResult", "NewVerificationResult", "NliResult",
    "PoolStatus", "Tenant", "Verdict", "VerdictEvidence", "VerificationResult", "WalToken",
    "errors", "__version__",
    "TruthGraphError", "InvalidInput", "Conflict", "MissingReference", "NotFound",
    "PoolTimeout", "MigrationError", "DriftError", "AdoptionError", "ConfigError",
    "ServerError", "Timeout", "DatabaseError", "PoolError", "Closed",
]

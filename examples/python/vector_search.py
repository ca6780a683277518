"""A drop-in for the TruthGraph services' ``VectorSearchService`` on the
truthgraph_db wheel.

Same class, same method name, same arguments and result type
(``search_similar_evidence(db, query_embedding, top_k, min_similarity,
tenant_id) -> list[SearchResult]``); what changes for a caller:

* ``db`` is a ``truthgraph_db.Database`` (opened once per process, shared by
  every request) instead of a SQLAlchemy ``Session``;
* the method is a coroutine: ``await`` it (the GIL is released while the
  database works, so other requests run meanwhile);
* the search is cosine (``<=>``, which the HNSW/IVFFlat cosine index
  serves), with pgvector's iterative scans, the tuned ``ef_search``, the
  tenant enforced by row-level security under an app login, and one
  prepared statement instead of SQL text built per call.

Errors keep their old types: a bad vector or argument is a ``ValueError``
(``truthgraph_db.InvalidInput`` is one), any database failure a
``RuntimeError`` with the library's exception as its cause.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np
import numpy.typing as npt

from truthgraph_db import Database, InvalidInput, TruthGraphError

logger = logging.getLogger(__name__)


@dataclass
class SearchResult:
    """One similar piece of evidence; ``similarity`` is cosine similarity."""

    evidence_id: UUID
    content: str
    source_url: str | None
    similarity: float


class VectorSearchService:
    """Top-k evidence by cosine similarity, tenant by tenant."""

    def __init__(self, embedding_dimension: int = 1536) -> None:
        if embedding_dimension not in (384, 1536):
            raise ValueError(f"Unsupported embedding dimension: {embedding_dimension}")
        self.embedding_dimension = embedding_dimension

    async def search_similar_evidence(
        self,
        db: Database,
        query_embedding: Sequence[float] | npt.NDArray[np.float32],
        top_k: int = 10,
        min_similarity: float = 0.0,
        tenant_id: str = "default",
    ) -> list[SearchResult]:
        """The tenant's ``top_k`` evidence with cosine similarity at least
        ``min_similarity``, most similar first."""
        query = np.asarray(query_embedding, dtype=np.float32)
        if query.shape != (self.embedding_dimension,):
            raise ValueError(
                f"Query embedding must be {self.embedding_dimension}-dimensional, "
                f"got {query.shape[0] if query.ndim == 1 else query.shape}"
            )
        try:
            hits = await db.tenant(tenant_id).search_evidence(
                query, k=top_k, min_similarity=min_similarity
            )
        except InvalidInput:
            raise
        except TruthGraphError as e:
            logger.error("Vector search failed: %s", e)
            raise RuntimeError(f"Vector search query failed: {e}") from e
        return [SearchResult(h.id, h.content, h.source_url, h.similarity) for h in hits]

# Type stubs of the compiled module (python/src/*.rs). Keep in step with it:
# tests/test_stubs.py checks that every name, method and attribute here exists
# there. Attributes are read-only (Final): the classes are frozen.
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__version__: str
ERROR_CLASSES: list[tuple[str, str]]

UuidLike = uuid.UUID | str
Vector = npt.NDArray[np.float32]
EntityType = Literal["evidence", "claim"]
NliLabel = Literal["ENTAILMENT", "CONTRADICTION", "NEUTRAL"]
VerdictLabel = Literal["SUPPORTED", "REFUTED", "INSUFFICIENT"]
Relationship = Literal["supports", "refutes", "neutral"]
RetrievalMethod = Literal["vector", "hybrid", "keyword"]
OnConflict = Literal["fail", "replace"]
IndexMaintenance = Literal["auto", "keep", "rebuild"]
Cursor = tuple[datetime.datetime, UuidLike]

class WalToken: ...

class CloseReport:
    waited: Final[datetime.timedelta]
    still_busy: Final[int]

class PoolStatus:
    max_size: Final[int]
    size: Final[int]
    available: Final[int]
    waiting: Final[int]
    in_use: Final[int]

class MigrationsHealth:
    current: Final[int]
    latest: Final[int]
    pending: Final[list[int]]
    divergent: Final[list[int]]
    unknown: Final[list[int]]

class Health:
    round_trip: Final[datetime.timedelta]
    server_version: Final[str]
    pgvector_version: Final[str | None]
    migrations: Final[MigrationsHealth | None]
    pool: Final[PoolStatus]
    is_ready: Final[bool]
    problems: Final[list[str]]

class Database:
    @staticmethod
    async def open(
        url: str | None = None,
        *,
        pool_max_size: int | None = None,
        pool_timeout_ms: int | None = None,
        statement_timeout_ms: int | None = None,
    ) -> Database: ...
    def tenant(self, tenant_id: str) -> Tenant: ...
    async def migrate(self, target: int | None = None) -> list[int]: ...
    async def embedding_dimension(self) -> int: ...
    async def set_dimension(self, dimension: int) -> int: ...
    async def health(self) -> Health: ...
    def pool_status(self) -> PoolStatus: ...
    async def write_token(self) -> WalToken: ...
    async def close_with_deadline(self, deadline_s: float) -> CloseReport: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> Database: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    url: Final[str]
    is_closed: Final[bool]
    is_embedded: Final[bool]
    sets_tenant: Final[bool]

class Claim:
    id: Final[uuid.UUID]
    tenant_id: Final[str]
    text: Final[str]
    source_url: Final[str | None]
    submitted_at: Final[datetime.datetime]
    created_at: Final[datetime.datetime]
    updated_at: Final[datetime.datetime]

class Evidence:
    id: Final[uuid.UUID]
    tenant_id: Final[str]
    content: Final[str]
    source_url: Final[str | None]
    source_type: Final[str | None]
    created_at: Final[datetime.datetime]

class Embedding:
    id: Final[uuid.UUID]
    tenant_id: Final[str]
    entity_type: Final[str]
    entity_id: Final[uuid.UUID]
    embedding: Final[Vector]
    model_name: Final[str]
    model_version: Final[str | None]
    created_at: Final[datetime.datetime]
    updated_at: Final[datetime.datetime]

class EmbeddingStats:
    entity_type: Final[str]
    model_name: Final[str]
    model_version: Final[str | None]
    count: Final[int]
    first_created_at: Final[datetime.datetime]
    last_updated_at: Final[datetime.datetime]

class EvidenceHit:
    id: Final[uuid.UUID]
    similarity: Final[float]
    content: Final[str]
    source_url: Final[str | None]
    source_type: Final[str | None]

class ClaimHit:
    id: Final[uuid.UUID]
    similarity: Final[float]
    text: Final[str]
    source_url: Final[str | None]

class HybridHit:
    id: Final[uuid.UUID]
    score: Final[float]
    vector_rank: Final[int | None]
    keyword_rank: Final[int | None]
    content: Final[str]
    source_url: Final[str | None]
    source_type: Final[str | None]

class NliResult:
    id: Final[uuid.UUID]
    claim_id: Final[uuid.UUID]
    evidence_id: Final[uuid.UUID]
    label: Final[str]
    confidence: Final[float]
    entailment_score: Final[float]
    contradiction_score: Final[float]
    neutral_score: Final[float]
    model_name: Final[str]
    model_version: Final[str | None]
    premise_text: Final[str]
    hypothesis_text: Final[str]
    created_at: Final[datetime.datetime]

class VerificationResult:
    id: Final[uuid.UUID]
    claim_id: Final[uuid.UUID]
    verdict: Final[str]
    confidence: Final[float]
    support_score: Final[float]
    refute_score: Final[float]
    neutral_score: Final[float]
    evidence_count: Final[int]
    supporting_evidence_count: Final[int]
    refuting_evidence_count: Final[int]
    neutral_evidence_count: Final[int]
    reasoning: Final[str | None]
    nli_result_ids: Final[list[uuid.UUID] | None]
    pipeline_version: Final[str | None]
    retrieval_method: Final[str | None]
    created_at: Final[datetime.datetime]
    updated_at: Final[datetime.datetime]

class Verdict:
    id: Final[uuid.UUID]
    claim_id: Final[uuid.UUID]
    verdict: Final[str | None]
    confidence: Final[float | None]
    reasoning: Final[str | None]
    created_at: Final[datetime.datetime]
    updated_at: Final[datetime.datetime]

class VerdictEvidence:
    evidence_id: Final[uuid.UUID]
    relationship: Final[str | None]
    confidence: Final[float | None]
    content: Final[str]
    source_url: Final[str | None]

class NewClaim:
    def __init__(self, text: str, source_url: str | None = None) -> None: ...

class NewEvidence:
    def __init__(
        self, content: str, source_url: str | None = None, source_type: str | None = None
    ) -> None: ...

class NewEmbedding:
    def __init__(
        self,
        entity_type: EntityType,
        entity_id: UuidLike,
        embedding: Vector,
        model_name: str,
        model_version: str | None = None,
    ) -> None: ...

class NewNliResult:
    def __init__(
        self,
        claim_id: UuidLike,
        evidence_id: UuidLike,
        label: NliLabel,
        confidence: float,
        entailment_score: float,
        contradiction_score: float,
        neutral_score: float,
        premise_text: str,
        hypothesis_text: str,
        model_name: str,
        model_version: str | None = None,
    ) -> None: ...

class NewVerificationResult:
    def __init__(
        self,
        claim_id: UuidLike,
        verdict: VerdictLabel,
        confidence: float,
        support_score: float,
        refute_score: float,
        neutral_score: float,
        evidence_count: int,
        supporting_evidence_count: int = 0,
        refuting_evidence_count: int = 0,
        neutral_evidence_count: int = 0,
        reasoning: str | None = None,
        nli_result_ids: Iterable[UuidLike] | None = None,
        pipeline_version: str | None = None,
        retrieval_method: RetrievalMethod | None = None,
    ) -> None: ...

class Tenant:
    id: Final[str]
    def after_write(self, token: WalToken) -> Tenant: ...
    # claims
    async def insert_claim(self, text: str, source_url: str | None = None) -> Claim: ...
    async def insert_claims(self, rows: Sequence[NewClaim]) -> list[Claim]: ...
    async def get_claim(self, id: UuidLike) -> Claim | None: ...
    async def get_claims(self, ids: Iterable[UuidLike]) -> list[Claim]: ...
    async def recent_claims(self, limit: int, after: Cursor | None = None) -> list[Claim]: ...
    async def delete_claim(self, id: UuidLike) -> bool: ...
    # evidence
    async def insert_evidence(
        self, content: str, source_url: str | None = None, source_type: str | None = None
    ) -> Evidence: ...
    async def insert_evidence_many(self, rows: Sequence[NewEvidence]) -> list[Evidence]: ...
    async def get_evidence(self, id: UuidLike) -> Evidence | None: ...
    async def get_evidence_many(self, ids: Iterable[UuidLike]) -> list[Evidence]: ...
    async def recent_evidence(self, limit: int, after: Cursor | None = None) -> list[Evidence]: ...
    async def delete_evidence(self, id: UuidLike) -> bool: ...
    # embeddings
    async def upsert_embedding(
        self,
        entity_type: EntityType,
        entity_id: UuidLike,
        embedding: Vector,
        model_name: str,
        model_version: str | None = None,
    ) -> Embedding: ...
    async def get_embedding(self, entity_type: EntityType, entity_id: UuidLike) -> Embedding | None: ...
    async def delete_embedding(self, entity_type: EntityType, entity_id: UuidLike) -> bool: ...
    async def embedding_stats(self) -> list[EmbeddingStats]: ...
    async def bulk_load_embeddings(
        self,
        rows: Sequence[NewEmbedding],
        *,
        on_conflict: OnConflict = "fail",
        indexes: IndexMaintenance = "auto",
    ) -> int: ...
    async def bulk_load_embedding_array(
        self,
        entity_type: EntityType,
        entity_ids: Iterable[UuidLike],
        embeddings: npt.NDArray[np.float32],
        model_name: str,
        model_version: str | None = None,
        *,
        on_conflict: OnConflict = "fail",
        indexes: IndexMaintenance = "auto",
    ) -> int: ...
    # search
    async def search_evidence(
        self,
        query: Vector,
        k: int = 10,
        *,
        source_type: str | None = None,
        min_similarity: float | None = None,
        probes: int | None = None,
        ef_search: int | None = None,
        exact: bool = False,
    ) -> list[EvidenceHit]: ...
    async def search_claims(
        self,
        query: Vector,
        k: int = 10,
        *,
        min_similarity: float | None = None,
        probes: int | None = None,
        ef_search: int | None = None,
        exact: bool = False,
    ) -> list[ClaimHit]: ...
    async def hybrid_search(
        self,
        text: str,
        query: Vector,
        k: int = 10,
        *,
        candidates: int = 60,
        vector_weight: float = 1.0,
        keyword_weight: float = 1.0,
        probes: int | None = None,
        ef_search: int | None = None,
    ) -> list[HybridHit]: ...
    # NLI
    async def insert_nli_result(self, result: NewNliResult) -> NliResult: ...
    async def insert_nli_results(self, results: Sequence[NewNliResult]) -> list[NliResult]: ...
    async def nli_results_for_claim(self, claim_id: UuidLike) -> list[NliResult]: ...
    async def nli_results_for_pair(
        self, claim_id: UuidLike, evidence_id: UuidLike
    ) -> list[NliResult]: ...
    async def nli_results_by_label(self, label: NliLabel, limit: int) -> list[NliResult]: ...
    # verification results
    async def insert_verification_result(self, result: NewVerificationResult) -> VerificationResult: ...
    async def latest_verification_result(self, claim_id: UuidLike) -> VerificationResult | None: ...
    async def verification_history(self, claim_id: UuidLike) -> list[VerificationResult]: ...
    async def verification_results_by_verdict(
        self, verdict: VerdictLabel, limit: int
    ) -> list[VerificationResult]: ...
    # Phase 1 verdicts
    async def insert_verdict(
        self,
        claim_id: UuidLike,
        verdict: VerdictLabel | None = None,
        confidence: float | None = None,
        reasoning: str | None = None,
    ) -> Verdict: ...
    async def link_verdict_evidence(
        self,
        verdict_id: UuidLike,
        evidence_id: UuidLike,
        relationship: Relationship | None = None,
        confidence: float | None = None,
    ) -> None: ...
    async def latest_verdict(
        self, claim_id: UuidLike
    ) -> tuple[Verdict, list[VerdictEvidence]] | None: ...

class TestDatabase:
    name: Final[str]
    url: Final[str]
    app_url: Final[str]
    db: Final[Database]
    async def app(self, pool_max_size: int = 8) -> Database: ...
    async def drop(self) -> None: ...

async def fresh_database() -> TestDatabase: ...
def app_login() -> str: ...
def quiesce() -> None: ...
def in_flight() -> int: ...

"""NLI batches, verification results and Phase 1 verdicts."""

from __future__ import annotations

import uuid

import pytest

from truthgraph_db import (
    Claim,
    Conflict,
    Database,
    Evidence,
    InvalidInput,
    MissingReference,
    NewNliResult,
    NewVerificationResult,
    NotFound,
    Tenant,
)


def nli(c: Claim, e: Evidence, label: str = "ENTAILMENT", confidence: float = 0.9) -> NewNliResult:
    return NewNliResult(
        c.id, e.id, label, confidence, 0.9, 0.05, 0.05, e.content, c.text, "microsoft/deberta-v3-base"  # type: ignore[arg-type]
    )


async def pair(t: Tenant) -> tuple[Claim, Evidence]:
    return await t.insert_claim("The sky is blue"), await t.insert_evidence("Sky looks blue.")


async def test_nli_single_batch_and_reads(db: Database) -> None:
    a = db.tenant("a")
    c, e = await pair(a)
    e2 = await a.insert_evidence("Rayleigh scattering.")
    one = await a.insert_nli_result(nli(c, e))
    assert (one.label, one.claim_id, one.premise_text) == ("ENTAILMENT", c.id, e.content)
    batch = await a.insert_nli_results([nli(c, e2, "NEUTRAL", 0.5), nli(c, e, "CONTRADICTION", 0.7)])
    assert [r.label for r in batch] == ["NEUTRAL", "CONTRADICTION"]
    assert {r.id for r in await a.nli_results_for_claim(c.id)} == {one.id} | {r.id for r in batch}
    assert {r.id for r in await a.nli_results_for_pair(c.id, e.id)} == {one.id, batch[1].id}
    assert [r.id for r in await a.nli_results_by_label("NEUTRAL", 10)] == [batch[0].id]
    with pytest.raises(InvalidInput) as err:
        await a.nli_results_by_label("entailment", 10)  # type: ignore[arg-type]
    assert err.value.field == "label"


async def test_nli_batch_is_atomic_and_tenant_scoped(db: Database) -> None:
    a, b = db.tenant("a"), db.tenant("b")
    c, e = await pair(a)
    bc, be = await pair(b)
    with pytest.raises(MissingReference):
        await a.insert_nli_results([nli(c, e), nli(bc, be)])
    assert await a.nli_results_for_claim(c.id) == []
    bad = NewNliResult(c.id, e.id, "NEUTRAL", 1.5, 0.1, 0.1, 0.8, "p", "h", "m")
    with pytest.raises(InvalidInput) as err:
        await a.insert_nli_results([nli(c, e), bad])
    assert err.value.field == "results[1].confidence"
    with pytest.raises(InvalidInput) as err:
        NewNliResult(c.id, "x", "NEUTRAL", 0.5, 0.1, 0.1, 0.8, "p", "h", "m")
    assert err.value.field == "evidence_id"


async def test_verification_results(db: Database) -> None:
    a, b = db.tenant("a"), db.tenant("b")
    c, e = await pair(a)
    r = await a.insert_nli_result(nli(c, e))
    first = await a.insert_verification_result(
        NewVerificationResult(c.id, "INSUFFICIENT", 0.4, 0.3, 0.1, 0.6, 1, neutral_evidence_count=1)
    )
    second = await a.insert_verification_result(
        NewVerificationResult(
            c.id, "SUPPORTED", 0.9, 0.9, 0.05, 0.05, 1, supporting_evidence_count=1,
            reasoning="entailed", nli_result_ids=[r.id], pipeline_version="v2",
            retrieval_method="hybrid",
        )
    )
    assert second.nli_result_ids == [r.id] and second.retrieval_method == "hybrid"
    latest = await a.latest_verification_result(c.id)
    assert latest is not None and latest.id == second.id
    assert {v.id for v in await a.verification_history(c.id)} == {first.id, second.id}
    assert [v.id for v in await a.verification_results_by_verdict("SUPPORTED", 5)] == [second.id]
    assert await b.latest_verification_result(c.id) is None
    bc, be = await pair(b)
    theirs = await b.insert_nli_result(nli(bc, be))
    with pytest.raises(InvalidInput) as err:
        await a.insert_verification_result(
            NewVerificationResult(c.id, "SUPPORTED", 0.9, 0.9, 0.0, 0.1, 1, nli_result_ids=[theirs.id])
        )
    assert err.value.field == "nli_result_ids[0]"
    with pytest.raises(MissingReference) as missing:
        await a.insert_verification_result(
            NewVerificationResult(bc.id, "REFUTED", 0.9, 0.0, 0.9, 0.1, 1)
        )
    assert (missing.value.kind, missing.value.sqlstate) == ("missing_reference", "23503")
    assert missing.value.constraint and missing.value.field is None


async def test_phase1_verdicts(db: Database) -> None:
    a, b = db.tenant("a"), db.tenant("b")
    c, e = await pair(a)
    pending = await a.insert_verdict(c.id)
    assert pending.verdict is None
    v = await a.insert_verdict(c.id, "REFUTED", 0.8, "contradicted")
    await a.link_verdict_evidence(v.id, e.id, "refutes", 0.8)
    with pytest.raises(Conflict) as err:
        await a.link_verdict_evidence(v.id, e.id, "refutes")
    assert err.value.sqlstate == "23505" and err.value.constraint
    got = await a.latest_verdict(c.id)
    assert got is not None
    verdict, links = got
    assert verdict.id == v.id and [(x.evidence_id, x.relationship) for x in links] == [(e.id, "refutes")]
    assert await b.latest_verdict(c.id) is None
    with pytest.raises(NotFound):
        await b.insert_verdict(c.id, "SUPPORTED")
    with pytest.raises(NotFound):
        await a.link_verdict_evidence(v.id, uuid.uuid4())

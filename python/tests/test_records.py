"""Claims and evidence: single and batch writes, reads, paging, deletes."""

from __future__ import annotations

import uuid

import pytest

from truthgraph_db import Database, InvalidInput, NewClaim, NewEvidence


async def test_claims_round_trip_page_and_delete(db: Database) -> None:
    a = db.tenant("a")
    c1 = await a.insert_claim("The sky is blue")
    c2 = await a.insert_claim("Water boils at 100 C", source_url="https://x")
    assert isinstance(c1.id, uuid.UUID) and c1.tenant_id == "a"
    got = await a.get_claim(str(c2.id))
    assert got is not None and (got.text, got.source_url) == ("Water boils at 100 C", "https://x")
    assert got.created_at.tzinfo is None
    assert [c.id for c in await a.get_claims([c2.id, c1.id, uuid.uuid4()])] == [c2.id, c1.id]
    page = await a.recent_claims(1)
    assert [c.id for c in page] == [c2.id]
    nxt = await a.recent_claims(1, after=(page[0].created_at, page[0].id))
    assert [c.id for c in nxt] == [c1.id]
    assert await a.delete_claim(c1.id) is True
    assert await a.delete_claim(c1.id) is False
    assert await a.get_claim(c1.id) is None


async def test_claim_batch_keeps_order_and_is_all_or_nothing(db: Database) -> None:
    a = db.tenant("a")
    stored = await a.insert_claims([NewClaim(f"claim {i}") for i in range(5)])
    assert [c.text for c in stored] == [f"claim {i}" for i in range(5)]
    with pytest.raises(InvalidInput) as e:
        await a.insert_claims([NewClaim("fine"), NewClaim("   ")])
    assert e.value.field == "rows[1].text"
    assert len(await a.recent_claims(100)) == 5
    assert await a.insert_claims([]) == []


async def test_evidence_round_trip_batch_and_delete(db: Database) -> None:
    a = db.tenant("a")
    e1 = await a.insert_evidence("first")
    assert (e1.source_url, e1.source_type) == (None, None)
    rows = [NewEvidence(f"passage {i}", source_type="news") for i in range(3)]
    many = await a.insert_evidence_many(rows)
    assert [e.content for e in many] == ["passage 0", "passage 1", "passage 2"]
    assert all(e.source_type == "news" for e in many)
    ids = [many[2].id, e1.id]
    assert [e.id for e in await a.get_evidence_many(ids)] == ids
    # A batch shares one created_at: pages follow (created_at, id), newest first.
    page = await a.recent_evidence(2)
    rest = await a.recent_evidence(10, after=(page[-1].created_at, page[-1].id))
    seen = [e.id for e in page + rest]
    assert sorted(seen) == sorted([e1.id] + [e.id for e in many]) and seen[-1] == e1.id
    with pytest.raises(InvalidInput) as err:
        await a.insert_evidence_many([NewEvidence("ok"), NewEvidence("x", source_type="t" * 51)])
    assert err.value.field == "rows[1].source_type"
    assert await a.delete_evidence(e1.id)
    assert await a.get_evidence(e1.id) is None


async def test_ids_are_uuids_or_their_text(db: Database) -> None:
    a = db.tenant("a")
    with pytest.raises(InvalidInput) as e:
        await a.get_claim("not-a-uuid")
    assert e.value.field == "id"
    with pytest.raises(InvalidInput) as e:
        await a.get_claims([uuid.uuid4(), "nope"])
    assert e.value.field == "ids[1]"
    with pytest.raises(TypeError, match="id: expected a uuid.UUID or str, got int"):
        await a.get_claim(42)  # type: ignore[arg-type]


async def test_reprs_name_the_fields(db: Database) -> None:
    a = db.tenant("a")
    c = await a.insert_claim("repr me")
    r = repr(c)
    assert r.startswith("Claim(id=UUID(") and "text='repr me'" in r and "source_url=None" in r

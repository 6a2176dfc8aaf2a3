"""R-13.1: every granted permit is published for public checking, free, with at least the
items on the permit, current at all times (a revocation shows at once).

Over HTTP, as anyone on the internet: no token, no fee. The permit is seeded as issuance leaves
it in the database (a registered wallet document), then revoked the way the agency's
revocation records it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update
from support import SOMCHAI, Stack, bearer, login

from documents.facts import mask_name
from gateway.documents.models import REVOKED, WalletDocument
from gateway.documents.register import name_index
from identity.verification.models import Citizen
from kernel.working_time import BANGKOK

pytestmark = pytest.mark.rule("R-13.1")

HOLDER = "นายสมชาย ใจดี"
NUMBER = "DLT2569-7700001"


async def _granted_permit(stack: Stack) -> str:
    assert stack.app is not None
    runtime = stack.app.state.runtime
    me = await stack.gateway.get("/v1/me", headers=bearer(await login(stack, person=SOMCHAI)))
    now = runtime.clock.now()
    document_id = str(uuid.uuid4())
    async with runtime.sessions() as session, session.begin():
        citizen = await session.scalar(
            select(Citizen.id).where(Citizen.subject == me.json()["subject"])
        )
        session.add(
            WalletDocument(
                id=document_id,
                citizen_id=citizen,
                kind="driving_licence",
                title_th="ใบอนุญาตขับรถยนต์ส่วนบุคคล",
                title_en="Private car driving licence",
                issuer_agency="DLT",
                media_type="application/pdf",
                size=1,
                sha256="0" * 64,
                storage_key=f"documents/{document_id}.pdf",
                issued_at=now,
                number=NUMBER,
                status="valid",
                valid_from=now.astimezone(BANGKOK).date(),
                valid_until=now.astimezone(BANGKOK).date() + dt.timedelta(days=5 * 365),
                registered=True,
                holder_masked=mask_name(HOLDER),
                holder_index=name_index(runtime.vault, HOLDER),
            )
        )
    return document_id


async def test_a_revoked_permit_shows_revoked_at_the_next_request(stack: Stack) -> None:
    assert stack.app is not None
    document_id = await _granted_permit(stack)
    r = await stack.gateway.get("/v1/register/DLT", params={"number": NUMBER})
    assert [e["standing"] for e in r.json()["items"]] == ["valid"]

    async with stack.app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(WalletDocument)
            .where(WalletDocument.id == document_id)
            .values(status=REVOKED, status_changed_at=stack.app.state.runtime.clock.now())
        )

    r = await stack.gateway.get("/v1/register/DLT", params={"number": NUMBER})
    assert [e["standing"] for e in r.json()["items"]] == ["revoked"]
    page = await stack.gateway.get("/register/DLT", params={"number": NUMBER})
    assert "ถูกเพิกถอน" in page.text
    # Nothing between the register and its reader may keep an older answer.
    assert "no-store" in r.headers["cache-control"]
    assert "no-store" in page.headers["cache-control"]


async def test_the_holder_is_named_only_masked(stack: Stack) -> None:
    await _granted_permit(stack)
    r = await stack.gateway.get("/v1/register/DLT", params={"holder": HOLDER})
    (entry,) = r.json()["items"]
    assert entry["holder"] == mask_name(HOLDER)
    assert "ใจดี" not in r.text
    page = await stack.gateway.get("/register/DLT")
    assert mask_name(HOLDER) in page.text
    assert HOLDER not in page.text


async def test_free_and_without_login(stack: Stack) -> None:
    """No token is needed, none is asked for, and nothing is charged: the operations declare
    no security and no fee, and an anonymous request is answered in full."""
    await _granted_permit(stack)
    for path in ("/v1/register/DLT", "/register/DLT"):
        r = await stack.gateway.get(path)
        assert r.status_code == 200, r.text
        assert NUMBER in r.text
    spec = (await stack.gateway.get("/openapi.json")).json()
    for path in ("/v1/register/{agency}", "/register/{agency}"):
        operation = spec["paths"][path]["get"]
        assert not operation.get("security")
        assert "401" not in operation["responses"]
        assert "402" not in operation["responses"]

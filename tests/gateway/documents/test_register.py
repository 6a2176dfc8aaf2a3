"""The public permit register (R-13.1): `GET /v1/register/{agency}` and `GET /register/{agency}`.

Register entries are seeded as wallet documents straight into the database (issuance is a
separate step); what is checked is what anyone on the internet sees, without logging in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from support import NATTHIDA, SOMCHAI, Stack, assert_problem, bearer, login

from documents.facts import DocumentFacts, Item, Kind, mask_name
from gateway.documents.models import REVOKED, WalletDocument
from gateway.documents.register import name_index
from gateway.documents.wallet import seal_facts
from identity.verification.models import Citizen
from kernel.working_time import BANGKOK

SOMCHAI_NAME = "นายสมชาย ใจดี"
NATTHIDA_NAME = "นางสาวณัฐธิดา วงศ์สวัสดิ์"
ENTRY_FIELDS = {
    "items",
    "number",
    "kind",
    "title",
    "holder",
    "issued_on",
    "valid_from",
    "valid_until",
    "standing",
    "status_changed_at",
}


async def citizen_id(stack: Stack, person: dict[str, str]) -> str:
    tokens = await login(stack, person=person)
    me = await stack.gateway.get("/v1/me", headers=bearer(tokens))
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        found = await session.scalar(
            select(Citizen.id).where(Citizen.subject == me.json()["subject"])
        )
    assert found is not None
    return str(found)


async def seed(
    stack: Stack,
    citizen: str,
    holder: str,
    number: str,
    *,
    agency: str = "DLT",
    issued_days_ago: int = 10,
    registered: bool = True,
    status: str = "valid",
    valid_until_days: int = 365,
    title_th: str = "ใบอนุญาตขับรถยนต์ส่วนบุคคล",
    title_en: str = "Private car driving licence",
    items: tuple[Item, ...] | None = None,
) -> str:
    """A permit the agency granted, as issuance leaves it in the database."""
    assert stack.app is not None
    runtime = stack.app.state.runtime
    now = runtime.clock.now()
    today = now.astimezone(BANGKOK).date()
    document_id = str(uuid.uuid4())
    facts = None
    if items is not None:
        facts = DocumentFacts(
            kind=Kind.PERMIT,
            number=number,
            title_th=title_th,
            title_en=title_en,
            agency_code=agency,
            agency_name_th="หน่วยงาน",
            agency_name_en="Agency",
            holder_name_th=holder,
            holder_name_en=None,
            holder_id_masked="1-1001-xxxxx-xx-4",
            issued_on=today,
            valid_from=None,
            valid_until=None,
            verify_url="https://gateway.test/verify/SECRET-CODE",
            items=items,
        )
    async with runtime.sessions() as session, session.begin():
        session.add(
            WalletDocument(
                id=document_id,
                citizen_id=citizen,
                kind="driving_licence",
                title_th=title_th,
                title_en=title_en,
                issuer_agency=agency,
                media_type="application/pdf",
                size=1,
                sha256="0" * 64,
                storage_key=f"documents/{document_id}.pdf",
                issued_at=now - dt.timedelta(days=issued_days_ago),
                number=number,
                verification_code=f"CODE-{document_id[:8].upper()}",
                status=status,
                valid_from=today - dt.timedelta(days=issued_days_ago),
                valid_until=today + dt.timedelta(days=valid_until_days),
                registered=registered,
                holder_masked=mask_name(holder),
                holder_index=name_index(runtime.vault, holder),
                facts_enc=seal_facts(runtime.vault, document_id, facts) if facts else None,
            )
        )
    return document_id


async def register(stack: Stack, agency: str = "DLT", **params: Any) -> dict[str, Any]:
    r = await stack.gateway.get(f"/v1/register/{agency}", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_anyone_reads_an_agencys_register_without_logging_in(stack: Stack) -> None:
    """R-13.1: free and public: no token, newest first, only the agency's registered permits;
    each entry names its holder masked and never carries the verification code."""
    somchai = await citizen_id(stack, SOMCHAI)
    newest = await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000001", issued_days_ago=1)
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000002", issued_days_ago=5)
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000003", registered=False)
    await seed(stack, somchai, SOMCHAI_NAME, "DOP2569-0000004", agency="DOP")

    r = await stack.gateway.get("/v1/register/DLT")

    assert r.status_code == 200, r.text
    assert "no-store" in r.headers["cache-control"]
    body = r.json()
    assert body["agency"] == "DLT"
    assert [e["number"] for e in body["items"]] == ["DLT2569-0000001", "DLT2569-0000002"]
    assert body["next_cursor"] is None
    first = body["items"][0]
    assert set(first) == ENTRY_FIELDS
    assert first["holder"] == mask_name(SOMCHAI_NAME) != SOMCHAI_NAME
    assert first["standing"] == "valid"
    assert first["title"] == "ใบอนุญาตขับรถยนต์ส่วนบุคคล"
    assert "CODE-" not in r.text
    assert newest not in r.text


async def test_entries_carry_the_items_the_agency_printed(stack: Stack) -> None:
    """R-13.1: at least the items on the permit: the agency's own items (Thai, or English on
    request); the holder's full name, ID and the verification URL printed beside them are not
    published."""
    somchai = await citizen_id(stack, SOMCHAI)
    premises = Item(
        "premises", "สถานที่ประกอบการ", "Premises", "เลขที่ 9 ถนนพหลโยธิน", "9 Phahon Yothin Rd"
    )
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000051", items=(premises,))

    th = (await register(stack))["items"][0]
    assert th["items"] == [
        {"key": "premises", "label": "สถานที่ประกอบการ", "value": "เลขที่ 9 ถนนพหลโยธิน"}
    ]
    r = await stack.gateway.get("/v1/register/DLT", headers={"Accept-Language": "en"})
    assert r.json()["items"][0]["items"] == [
        {"key": "premises", "label": "Premises", "value": "9 Phahon Yothin Rd"}
    ]
    for secret in (SOMCHAI_NAME, "1-1001-xxxxx-xx-4", "SECRET-CODE"):
        assert secret not in r.text
    html = (await stack.gateway.get("/register/DLT")).text
    assert "สถานที่ประกอบการ: เลขที่ 9 ถนนพหลโยธิน" in html


async def test_titles_follow_the_language(stack: Stack) -> None:
    somchai = await citizen_id(stack, SOMCHAI)
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000010")
    r = await stack.gateway.get("/v1/register/DLT", headers={"Accept-Language": "en"})
    assert r.json()["items"][0]["title"] == "Private car driving licence"


async def test_search_by_number_and_by_the_holders_full_name(stack: Stack) -> None:
    """R-13.1: searchable by number (exactly) and by holder name (the full name, as typed with
    any spacing or case), which is matched by its keyed index and never echoed back."""
    somchai = await citizen_id(stack, SOMCHAI)
    natthida = await citizen_id(stack, NATTHIDA)
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000021")
    await seed(stack, natthida, NATTHIDA_NAME, "DLT2569-0000022")

    by_number = await register(stack, number="DLT2569-0000022")
    assert [e["number"] for e in by_number["items"]] == ["DLT2569-0000022"]
    assert (await register(stack, number="DLT2569-00000"))["items"] == []  # exact, not prefix

    by_holder = await register(stack, holder="  นายสมชาย   ใจดี ")
    assert [e["number"] for e in by_holder["items"]] == ["DLT2569-0000021"]
    assert "สมชาย ใจดี" not in str(by_holder)
    assert (await register(stack, holder="สมชาย"))["items"] == []  # a part of a name finds nothing


async def test_pages_follow_a_signed_cursor_bound_to_the_query(stack: Stack) -> None:
    somchai = await citizen_id(stack, SOMCHAI)
    for n in range(5):
        await seed(stack, somchai, SOMCHAI_NAME, f"DLT2569-00001{n}", issued_days_ago=n + 1)

    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = await register(stack, **params)
        assert len(body["items"]) <= 2
        seen += [e["number"] for e in body["items"]]
        if body["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": body["next_cursor"]}
    assert seen == [f"DLT2569-00001{n}" for n in range(5)]

    first = await register(stack, limit=2)
    r = await stack.gateway.get(
        "/v1/register/DLT", params={"cursor": first["next_cursor"], "number": "DLT2569-000010"}
    )
    assert_problem(r, 400, "invalid_cursor")
    r = await stack.gateway.get("/v1/register/DOP", params={"cursor": first["next_cursor"]})
    assert_problem(r, 400, "invalid_cursor")


async def test_standing_is_current_on_every_request(stack: Stack) -> None:
    """R-13.1: the agency's revocation or suspension shows on the very next request; a permit
    past its end date shows expired."""
    assert stack.app is not None
    somchai = await citizen_id(stack, SOMCHAI)
    permit = await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000031", issued_days_ago=3)
    await seed(
        stack, somchai, SOMCHAI_NAME, "DLT2569-0000032", issued_days_ago=900, valid_until_days=-1
    )
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000033", status="suspended")

    before = {e["number"]: e for e in (await register(stack))["items"]}
    assert before["DLT2569-0000031"]["standing"] == "valid"
    assert before["DLT2569-0000031"]["status_changed_at"] is None
    assert before["DLT2569-0000032"]["standing"] == "expired"
    assert before["DLT2569-0000033"]["standing"] == "suspended"

    changed_at = stack.app.state.runtime.clock.now()
    async with stack.app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(WalletDocument)
            .where(WalletDocument.id == permit)
            .values(status=REVOKED, status_reason="ขับรถโดยประมาท", status_changed_at=changed_at)
        )

    after = {e["number"]: e for e in (await register(stack))["items"]}
    assert after["DLT2569-0000031"]["standing"] == "revoked"
    assert dt.datetime.fromisoformat(after["DLT2569-0000031"]["status_changed_at"]) == changed_at
    assert "ขับรถโดยประมาท" not in str(after)  # the agency's reason is not published


async def test_unknown_agency_is_a_problem(stack: Stack) -> None:
    r = await stack.gateway.get("/v1/register/NOPE")
    assert_problem(r, 404, "agency_not_found")
    r = await stack.gateway.get("/register/NOPE")
    assert_problem(r, 404, "agency_not_found")


async def test_the_html_page_is_thai_by_default_with_an_english_switch(stack: Stack) -> None:
    """The register as a page anyone opens: Thai first, English on `?lang=en`, a search form,
    holders masked, every value escaped."""
    somchai = await citizen_id(stack, SOMCHAI)
    await seed(stack, somchai, SOMCHAI_NAME, "DLT2569-0000041")
    await seed(
        stack,
        somchai,
        SOMCHAI_NAME,
        "DLT2569-0000042",
        status="revoked",
        title_th="<script>alert(1)</script>",
        title_en="<b>bold</b>",
    )

    r = await stack.gateway.get("/register/DLT")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == "th"
    assert "no-store" in r.headers["cache-control"]
    html = r.text
    assert '<html lang="th">' in html
    assert "ทะเบียนใบอนุญาต" in html
    assert "กรมการขนส่งทางบก" in html
    assert '<form method="get" action="/register/DLT"' in html
    assert 'name="number"' in html
    assert 'name="holder"' in html
    assert "DLT2569-0000041" in html
    assert "ถูกเพิกถอน" in html
    assert mask_name(SOMCHAI_NAME) in html
    assert SOMCHAI_NAME not in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="/register/DLT?lang=en' in html

    en = await stack.gateway.get("/register/DLT", params={"lang": "en"})
    assert en.headers["content-language"] == "en"
    assert '<html lang="en">' in en.text
    assert "Permit register" in en.text
    assert "Revoked" in en.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in en.text

    found = await stack.gateway.get(
        "/register/DLT", params={"lang": "en", "number": "DLT2569-0000041", "holder": ""}
    )
    assert "DLT2569-0000041" in found.text
    assert "DLT2569-0000042" not in found.text
    none = await stack.gateway.get("/register/DLT", params={"holder": "ไม่มี ผู้นี้"})
    assert "ไม่พบใบอนุญาตตามที่ค้นหา" in none.text

"""Who looked at my data (issue 14): every fetch of a citizen's personal data a journey makes is
in their `GET /v1/me/data-access`, with who, what and why, in the audit chain; nothing of
another citizen's is."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from support import (
    DLT_RENEWAL,
    NATTHIDA,
    Portal,
    Stack,
    agency_headers,
    assert_problem,
    bearer,
    draft,
    filed,
    login,
)

from gateway import audit
from gateway.audit import AuditEntry
from gateway.audit.models import DataAccess

OFFICER = "dlt-officer-0042"
LOG = "/v1/me/data-access"


async def log_of(
    stack: Stack, headers: dict[str, str], lang: str = "en", **params: Any
) -> list[dict[str, Any]]:
    """The citizen's whole data-access log, newest first, read page by page."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = dict(params)
    while True:
        r = await stack.gateway.get(LOG, params=query, headers={**headers, "Accept-Language": lang})
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        query["cursor"] = body["next_cursor"]


def line(item: dict[str, Any]) -> tuple[Any, ...]:
    """Who, what, whose records and why, as one tuple."""
    return (
        item["who"]["kind"],
        item["who"]["code"],
        item["data"]["key"],
        item["source"]["code"],
        item["purpose"]["kind"],
        item["purpose"]["ref"],
    )


IDENTITY_LINES = [
    ("portal", "portal", "civil_registry.card_check", "DOPA", "identity", None),
    ("portal", "portal", "civil_registry.face_reference", "DOPA", "identity", None),
    ("portal", "portal", "civil_registry.person", "DOPA", "identity", None),
]


async def test_a_journey_lists_every_fetch_with_who_what_and_why(portal: Portal) -> None:
    citizen = bearer(await login(portal))
    assert [line(i) for i in reversed(await log_of(portal, citizen))] == IDENTITY_LINES

    submitted = await filed(portal, citizen)
    application = submitted["application"]
    number = submitted["receipt"]["number"]
    attachment_id = application["attachments"][0]["id"]
    dlt = await agency_headers(portal, "DLT")
    base = f"/v1/agency/applications/{application['id']}"
    r = await portal.gateway.get(base, headers={**dlt, "X-Officer-Id": OFFICER})
    assert r.status_code == 200, r.text
    r = await portal.gateway.get(f"{base}/attachments/{attachment_id}", headers=dlt)
    assert r.status_code == 200, r.text
    # The agency's work queue shows no personal data: it is not a fetch of any.
    r = await portal.gateway.get("/v1/agency/applications", headers=dlt)
    assert r.status_code == 200, r.text

    items = await log_of(portal, citizen)
    assert [line(i) for i in reversed(items)] == [
        *IDENTITY_LINES,
        # The draft: the form prefilled from the civil registry, the current licence fetched
        # from DLT, both for the service.
        ("portal", "portal", "civil_registry.person", "DOPA", "once_only", DLT_RENEWAL),
        ("portal", "portal", "DLT.licences", "DLT", "once_only", DLT_RENEWAL),
        # The agency's officer viewing the case, then its back end fetching the attachment.
        ("officer", "DLT", "application", "portal", "case", number),
        ("agency", "DLT", "attachment", "portal", "case", number),
    ]
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)

    agency = await portal.gateway.get("/v1/agencies/DLT", headers={"Accept-Language": "en"})
    service = await portal.gateway.get(
        f"/v1/services/{DLT_RENEWAL}", headers={"Accept-Language": "en"}
    )
    officer_view, licence = items[1], items[2]
    assert officer_view["who"]["name"] == agency.json()["name"]
    assert officer_view["purpose"]["service_id"] == DLT_RENEWAL
    assert officer_view["purpose"]["service_name"] == service.json()["name"]
    assert officer_view["purpose"]["label"] == "Working on your application"
    # The officer is named to the citizen masked; the agency and the chain hold the id.
    shown_officer = officer_view["who"]["officer"]
    assert shown_officer != OFFICER
    assert (len(shown_officer), shown_officer[:2], shown_officer[-2:]) == (len(OFFICER), "dl", "42")
    assert items[0]["who"]["officer"] is None
    assert licence["source"]["name"] == agency.json()["name"]
    assert licence["data"]["label"] == "DLT records: licences"
    assert items[-1]["who"]["name"] == "The government portal (Tang Rat)"
    assert items[-1]["data"]["label"] == "ID card check (laser code) with the civil registry"

    # In Thai (the default), the labels and names follow.
    thai = await log_of(portal, citizen, lang="th")
    assert [line(i) for i in thai] == [line(i) for i in items]
    assert thai[1]["purpose"]["label"] == "พิจารณาคำขอของท่าน"
    assert thai[1]["who"]["name"] == (await portal.gateway.get("/v1/agencies/DLT")).json()["name"]

    # Another citizen's log holds their own login and nothing of this journey.
    other = bearer(await login(portal, person=NATTHIDA))
    theirs = await log_of(portal, other)
    assert [line(i) for i in reversed(theirs)] == IDENTITY_LINES
    assert not {i["id"] for i in theirs} & {i["id"] for i in items}
    # ... and the first citizen's log did not grow with the second one's login.
    assert [i["id"] for i in await log_of(portal, citizen)] == [i["id"] for i in items]


async def test_each_line_is_an_entry_of_the_audit_chain_and_the_chain_verifies(
    portal: Portal,
) -> None:
    citizen = bearer(await login(portal))
    application = (await filed(portal, citizen))["application"]
    dlt = await agency_headers(portal, "DLT")
    r = await portal.gateway.get(
        f"/v1/agency/applications/{application['id']}",
        headers={**dlt, "X-Officer-Id": OFFICER},
    )
    assert r.status_code == 200, r.text
    shown = {i["id"]: i for i in await log_of(portal, citizen)}

    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        rows = (await session.scalars(select(DataAccess).where(DataAccess.id.in_(shown)))).all()
        entries = {
            e.seq: e
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.seq.in_([row.audit_seq for row in rows]))
            )
        }
        report = await audit.verify(session)
    assert len(rows) == len(shown) == 6  # the login 3, the draft 2, the officer 1
    for row in rows:
        entry = entries[row.audit_seq]
        assert entry.action == "data.accessed"
        assert entry.subject == f"citizen:{row.citizen_id}"
        assert entry.at == row.at
        assert entry.data["data"] == row.data_key == shown[row.id]["data"]["key"]
        assert entry.data["source"] == row.source
        assert entry.data["purpose"] == row.purpose_kind
        assert entry.data.get("ref") == row.purpose_ref
        assert entry.data["kind"] == row.accessor_kind
        assert entry.data.get("officer") == row.officer_id
    officer_row = next(row for row in rows if row.accessor_kind == "officer")
    assert officer_row.officer_id == OFFICER
    assert entries[officer_row.audit_seq].actor == "agency:DLT"
    # Never the national ID, nor the data itself: kinds of data and the portal's ids only.
    for entry in entries.values():
        assert "1100100001014" not in str(entry.data) + entry.subject + entry.actor
    assert report.ok, report
    assert report.head_seq is not None
    assert max(entries) <= report.head_seq


async def test_a_fetch_that_obtained_nothing_is_not_listed(portal: Portal) -> None:
    citizen = bearer(await login(portal))
    r = await portal.agencies.put("/faults/DLT", json={"outage": True})
    assert r.status_code == 200, r.text
    try:
        await draft(portal, citizen)  # the licence stays for DLT to fetch itself
    finally:
        await portal.agencies.delete("/faults")
    newest = await log_of(portal, citizen)
    assert [line(i) for i in reversed(newest)] == [
        *IDENTITY_LINES,
        ("portal", "portal", "civil_registry.person", "DOPA", "once_only", DLT_RENEWAL),
    ]


async def test_a_card_only_login_lists_the_reads_it_made(portal: Portal) -> None:
    citizen = bearer(await login(portal, face=False))
    assert [line(i) for i in reversed(await log_of(portal, citizen))] == [
        IDENTITY_LINES[0],
        IDENTITY_LINES[2],
    ]


async def test_an_agency_s_own_e_service_taking_the_verified_identity_is_listed(
    portal: Portal,
) -> None:
    citizen = bearer(await login(portal))
    permit = await draft(portal, citizen, "bma-building-permit", {})
    launched = (
        await portal.gateway.post(f"/v1/applications/{permit['id']}/launch", headers=citizen)
    ).json()
    token = dict(p.split("=", 1) for p in urlsplit(launched["url"]).query.split("&"))["mToken"]
    before = await log_of(portal, citizen)
    bma = await agency_headers(portal, "BMA")
    r = await portal.gateway.post(
        "/v1/agency/web/exchange", json={"appId": permit["id"], "mToken": token}, headers=bma
    )
    assert r.status_code == 200, r.text
    # A used token gives nothing, and adds nothing.
    again = await portal.gateway.post(
        "/v1/agency/web/exchange", json={"appId": permit["id"], "mToken": token}, headers=bma
    )
    assert_problem(again, 401, "invalid_mtoken")

    after = await log_of(portal, citizen)
    assert after[1:] == before
    assert line(after[0]) == (
        "agency",
        "BMA",
        "web_integration.profile",
        "portal",
        "web_integration",
        "bma-building-permit",  # a draft has no number yet: the service
    )
    assert after[0]["purpose"]["service_id"] == "bma-building-permit"


async def test_pages_walk_the_whole_log_and_since_keeps_the_later_lines(portal: Portal) -> None:
    citizen = bearer(await login(portal))
    await draft(portal, citizen)
    whole = await log_of(portal, citizen)
    assert len(whole) == 5
    paged = await log_of(portal, citizen, limit=2)
    assert paged == whole

    since = whole[1]["at"]  # the registry prefill's instant
    later = await log_of(portal, citizen, since=since)
    assert later == [i for i in whole if i["at"] >= since]
    assert 2 <= len(later) < len(whole)

    # A cursor belongs to its query: another `since` refuses it.
    first = await portal.gateway.get(LOG, params={"limit": 1}, headers=citizen)
    cursor = first.json()["next_cursor"]
    r = await portal.gateway.get(
        LOG, params={"limit": 1, "cursor": cursor, "since": since}, headers=citizen
    )
    assert_problem(r, 400, "invalid_cursor")
    r = await portal.gateway.get(LOG, params={"since": "2026-12-01T10:00:00"}, headers=citizen)
    assert_problem(r, 422, "validation_failed")


@pytest.mark.parametrize("who", ["nobody", "agency"])
async def test_only_a_citizen_s_own_token_reads_a_log(portal: Portal, who: str) -> None:
    await login(portal)
    headers = await agency_headers(portal, "DLT") if who == "agency" else {}
    r = await portal.gateway.get(LOG, headers=headers)
    assert r.status_code in {401, 403}, r.text
    assert r.headers["content-type"].startswith("application/problem+json")

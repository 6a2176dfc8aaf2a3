"""The two kinds without a connector call: Web Integration (the BMA's own site, opened with a
one-time mToken) and platform (the DOP's officers working on the portal's back office)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import SecretStr
from support import (
    SOMCHAI,
    Portal,
    agency_headers,
    assert_problem,
    bearer,
    draft,
    eventually,
    login,
    shown,
)

from connectors import ConnectorConfig, ConnectorRegistry
from connectors.api.dop import DopConnector
from gateway.forwarding.worker import Forwarder

PERMIT = {
    "applicant_role": "owner",
    "site_title_deed_number": "12345",
    "site_house_number": "99",
    "site_road": "พระราม 4",
    "site_subdistrict": "สีลม",
    "site_district": "บางรัก",
    "building_use": "detached_house",
    "storeys": "2",
    "floor_area_sqm": "180.5",
    "engineer_licence_number": "สย.12345",
    "contact_phone": "0812345678",
}


async def test_a_web_integration_service_opens_the_agencys_own_page_with_the_citizens_data(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    permit = await draft(portal, headers, "bma-building-permit", {})
    # Filing it on the portal is refused: it is the agency's own site that files.
    r = await portal.gateway.post(f"/v1/applications/{permit['id']}/submit", headers=headers)
    assert_problem(r, 409, "file_on_agency_site")

    launched = await portal.gateway.post(f"/v1/applications/{permit['id']}/launch", headers=headers)
    assert launched.status_code == 201, launched.text
    link = urlsplit(launched.json()["url"])
    assert link.path == "/bma/eservice"
    page = await portal.agencies.get(f"{link.path}?{link.query}")
    assert page.status_code == 200, page.text
    assert "สมชาย" in page.text  # the verified name, never asked again
    assert "ใจดี" in page.text
    # The mToken is good once.
    fresh_browser = await portal.agencies.get(
        f"{link.path}?{link.query}", headers={"Cookie": "bma_session=none"}
    )
    assert fresh_browser.status_code == 401

    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    cookie = (
        page.cookies.get("bma_session") or page.headers["set-cookie"].split(";")[0].split("=")[1]
    )
    filed = await portal.agencies.post(
        "/bma/eservice/submit",
        data={**PERMIT, "csrf": csrf.group(1)},
        headers={"Cookie": f"bma_session={cookie}"},
    )
    assert filed.status_code == 200, filed.text

    async def reported() -> bool:
        return (await shown(portal, headers, permit["id"], "en"))["status"] == "forwarded"

    await eventually(reported)
    now = await shown(portal, headers, permit["id"], "en")
    assert now["number"].startswith("BMA-")
    assert now["deemed_received_at"] is not None
    assert [e["kind"] for e in now["timeline"]] == ["created", "submit", "forward"]
    receipt = await portal.gateway.get(f"/v1/applications/{permit['id']}/receipt", headers=headers)
    assert receipt.status_code == 200  # the portal's own signed receipt too

    # The BMA's staff decide on their side; the decision and its message reach the citizen.
    cases = (await portal.agencies.get("/bma/staff/applications")).json()
    items = cases["applications"]
    ref = next(c["agency_ref"] for c in items if c.get("application_id") == permit["id"])
    for action in ("accept", "approve"):
        r = await portal.agencies.post(f"/bma/staff/applications/{ref}/{action}", json={})
        assert r.status_code == 200, r.text

    async def approved() -> bool:
        return (await shown(portal, headers, permit["id"], "en"))["status"] == "approved"

    await eventually(approved)
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    kinds = [n["kind"] for n in inbox]
    assert "approved" in kinds
    assert "agency_message" in kinds  # the BMA's own pushed message


async def test_an_mtoken_is_for_its_agency_only(portal: Portal) -> None:
    headers = bearer(await login(portal))
    permit = await draft(portal, headers, "bma-building-permit", {})
    launched = (
        await portal.gateway.post(f"/v1/applications/{permit['id']}/launch", headers=headers)
    ).json()
    token = dict(p.split("=", 1) for p in urlsplit(launched["url"]).query.split("&"))["mToken"]
    assert portal.credentials is not None
    dop = portal.credentials["DOP"]
    issued = await portal.gateway.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(dop.consumer_key, dop.consumer_secret),
    )
    assert issued.status_code == 200, issued.text
    r = await portal.gateway.post(
        "/v1/agency/web/exchange",
        json={"appId": permit["id"], "mToken": token},
        headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
    )
    assert_problem(r, 401, "invalid_mtoken")


async def test_a_platform_application_waits_in_the_back_office_and_officers_decide(
    portal: Portal,
) -> None:
    """The DOP has no system of its own: its officers work on the portal's back office."""
    headers = bearer(await login(portal))
    allowance = await draft(
        portal,
        headers,
        "dop-older-persons-allowance-registration",
        {"payment_method": "promptpay_id"},
    )
    r = await portal.gateway.post(f"/v1/applications/{allowance['id']}/submit", headers=headers)
    if r.status_code == 422:  # the form asks for more: show what, to keep this test honest
        pytest.fail(f"the allowance form needs: {r.json().get('errors')}")
    assert r.status_code == 201, r.text
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    assert (await shown(portal, headers, allowance["id"], "en"))["status"] == "forwarded"

    page = await portal.agencies.get("/dop/backoffice/")
    assert page.status_code == 200, page.text
    assert allowance["id"] in page.text
    for action in ("accept", "approve"):
        r = await portal.agencies.post(
            f"/dop/backoffice/applications/{allowance['id']}/{action}", follow_redirects=False
        )
        assert r.status_code in (200, 303), r.text
    now = await shown(portal, headers, allowance["id"], "en")
    assert now["status"] == "approved"
    assert [e["kind"] for e in now["timeline"]][-2:] == ["accept", "approve"]


async def test_a_platform_agencys_own_connector_does_not_change_how_its_filings_go(
    portal: Portal,
) -> None:
    """DOP has a connector for its allowance register (know); its applications are still
    settled as platform ones, and the connector is never asked to file them."""
    asked: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(503)

    assert portal.app is not None
    loaded = portal.app.state.connectors
    dop = DopConnector(
        ConnectorConfig(
            agency_code="DOP",
            base_url="http://agencies.test/dop",
            consumer_key="dop-register",
            consumer_secret=SecretStr("dop-register-secret"),
            agent_id="3100100000014",
        ),
        httpx.MockTransport(refuse),
    )
    with_dop = ConnectorRegistry({**{c: loaded.get(c) for c in loaded.available()}, "DOP": dop})
    worker = Forwarder(portal.app.state.runtime, portal.app.state.applications, with_dop)
    headers = bearer(await login(portal))
    allowance = await draft(
        portal,
        headers,
        "dop-older-persons-allowance-registration",
        {"payment_method": "promptpay_id"},
    )
    r = await portal.gateway.post(f"/v1/applications/{allowance['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text

    assert [d.outcome for d in await worker.run_once()] == ["delivered"]
    assert (await shown(portal, headers, allowance["id"], "en"))["status"] == "forwarded"
    assert asked == []
    await dop.aclose()


async def test_the_exchange_gives_the_agency_the_verified_data_the_docs_promise(
    portal: Portal,
) -> None:
    """docs/agency-integration.md: names, the verified birth date and the national ID, to the
    agency the application is addressed to, once."""
    headers = bearer(await login(portal))
    me = (await portal.gateway.get("/v1/me", headers=headers)).json()
    permit = await draft(portal, headers, "bma-building-permit", {})
    launched = (
        await portal.gateway.post(f"/v1/applications/{permit['id']}/launch", headers=headers)
    ).json()
    token = dict(p.split("=", 1) for p in urlsplit(launched["url"]).query.split("&"))["mToken"]
    agency = await agency_headers(portal, "BMA")
    r = await portal.gateway.post(
        "/v1/agency/web/exchange", json={"appId": permit["id"], "mToken": token}, headers=agency
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["subject"] == me["subject"]
    assert data["national_id"] == SOMCHAI["national_id"]  # the card of this login
    assert (data["first_name_th"], data["last_name_th"]) == (
        me["first_name_th"],
        me["last_name_th"],
    )
    be = me["birth_date_be"]
    assert data["birth_date"] == f"{int(be[:4]) - 543:04d}-{be[4:6]}-{be[6:8]}"
    again = await portal.gateway.post(
        "/v1/agency/web/exchange", json={"appId": permit["id"], "mToken": token}, headers=agency
    )
    assert_problem(again, 401, "invalid_mtoken")

"""The mock registry's data-exchange REST wrapper, as a consumer sees it: tokens, card checks,
person data, face references; and that nothing under /dopa answers an anonymous caller."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from dopa_support import (
    AGENT_ID,
    CASES,
    KEY,
    OTHER_KEY,
    OTHER_SECRET,
    PRASERT,
    SECRET,
    SOMCHAI,
    SUDA,
    UNREGISTERED_PID,
    WICHAI,
    Fields,
    Host,
    rest_body,
    serving,
    soap_envelope,
)
from fastapi.routing import APIRoute

from mock_agencies.dopa import app as dopa
from mock_agencies.dopa.population import DEMO_CITIZENS

CHECK = "/dopa/gdx/linkage/check-card-by-laser"
PERSON = "/dopa/gdx/linkage/person"
FACE = "/dopa/gdx/linkage/face-reference"
VALIDATE = "/dopa/gdx/auth/validate"
HOUR = 60 * 60


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    async with serving() as serving_host:
        yield serving_host


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code
    assert body["message"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Token ")
    return body


# --- result codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_check_card_by_laser_answers_every_code(
    host: Host, fields: Fields, code: int
) -> None:
    response = await host.client.post(
        CHECK, json=rest_body(fields), headers=await host.auth_headers()
    )
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code
    assert body["desc"]
    assert body["descEn"]


async def test_descriptions_are_dopa_s_thai_wording(host: Host) -> None:
    headers = await host.auth_headers()
    expected = {
        0: "สถานะปกติ",
        2: "บัตรถูกยกเลิกเนื่องจากเปลี่ยนที่อยู่",
        6: "บัตรหมดอายุ",
        7: "บัตรสูญหายหรือถูกเพิกถอน",
    }
    for fields, code in ((SOMCHAI, 0), (PRASERT, 2), (SUDA, 6), (WICHAI, 7)):
        body = (await host.client.post(CHECK, json=rest_body(fields), headers=headers)).json()
        assert (body["code"], body["desc"]) == (code, expected[code])


@pytest.mark.parametrize("value", [25300115, 1.5, True, ["25300115"], {"d": 1}])
async def test_a_field_that_is_not_a_string_is_malformed(host: Host, value: object) -> None:
    body: dict[str, object] = {**rest_body(SOMCHAI), "birthDate": value}
    response = await host.client.post(CHECK, json=body, headers=await host.auth_headers())
    assert response.json()["code"] == 5
    assert "birth date" in response.json()["descEn"]


async def test_a_body_that_is_not_a_json_object_is_a_bad_request(host: Host) -> None:
    headers = await host.auth_headers()
    for content in (b"not json", b"[1, 2]", b"\xff\xfe", b""):
        response = await host.client.post(CHECK, content=content, headers=headers)
        assert_error(response, 400, "bad_request")
    oversized = b'{"pid": "' + b"1" * 70_000 + b'"}'
    assert_error(
        await host.client.post(CHECK, content=oversized, headers=headers), 413, "payload_too_large"
    )


# --- tokens ---------------------------------------------------------------------------------


async def test_validate_hands_out_a_fresh_opaque_token_each_time(host: Host) -> None:
    first, second = await host.token(), await host.token()
    assert first != second
    assert len(first) >= 32
    assert KEY not in first
    assert SECRET not in first


async def test_token_expires_after_60_minutes_without_use(host: Host) -> None:
    headers = await host.auth_headers()
    host.clock.advance(HOUR)
    expired = await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers)
    assert_error(expired, 401, "token_expired")
    # An expired token is forgotten: showing it again is just an unknown token.
    again = await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers)
    assert_error(again, 401, "invalid_token")
    # A new validate call gets the consumer going again.
    fresh = await host.client.post(
        CHECK, json=rest_body(SOMCHAI), headers=await host.auth_headers()
    )
    assert fresh.json()["code"] == 0


async def test_each_use_slides_the_idle_window(host: Host) -> None:
    headers = await host.auth_headers()
    for _ in range(5):  # 5 × 59 minutes: far past an hour since issue, never an hour idle
        host.clock.advance(HOUR - 60)
        response = await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers)
        assert response.json()["code"] == 0
    host.clock.advance(HOUR - 1)
    assert (
        await host.client.post(PERSON, json={"pid": SOMCHAI["pid"]}, headers=headers)
    ).status_code == 200
    host.clock.advance(HOUR)
    assert_error(
        await host.client.post(PERSON, json={"pid": SOMCHAI["pid"]}, headers=headers),
        401,
        "token_expired",
    )


async def test_a_refused_call_does_not_keep_a_token_alive(host: Host) -> None:
    headers = await host.auth_headers()
    host.clock.advance(HOUR - 60)
    # Wrong key with the right token: refused, and the token's idle clock does not restart.
    refused = await host.client.post(
        CHECK, json=rest_body(SOMCHAI), headers={**headers, "Consumer-Key": OTHER_KEY}
    )
    assert_error(refused, 401, "invalid_token")
    host.clock.advance(60)
    assert_error(
        await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers),
        401,
        "token_expired",
    )


@pytest.mark.parametrize(
    ("key", "secret", "agent_id", "status", "code"),
    [
        pytest.param(None, SECRET, AGENT_ID, 401, "missing_credentials", id="no-key"),
        pytest.param(KEY, None, AGENT_ID, 401, "missing_credentials", id="no-secret"),
        pytest.param(KEY, "", AGENT_ID, 401, "missing_credentials", id="empty-secret"),
        pytest.param(KEY, "wrong", AGENT_ID, 401, "invalid_consumer", id="wrong-secret"),
        pytest.param("nobody", SECRET, AGENT_ID, 401, "invalid_consumer", id="unknown-key"),
        pytest.param(KEY, OTHER_SECRET, AGENT_ID, 401, "invalid_consumer", id="others-secret"),
        pytest.param(KEY, SECRET, None, 400, "invalid_agent_id", id="no-agent"),
        pytest.param(KEY, SECRET, "3100100000015", 400, "invalid_agent_id", id="agent-check"),
        pytest.param(KEY, SECRET, "officer-7", 400, "invalid_agent_id", id="agent-not-an-id"),
    ],
)
async def test_validate_refuses_bad_credentials(
    host: Host, key: str | None, secret: str | None, agent_id: str | None, status: int, code: str
) -> None:
    params = {"ConsumerSecret": secret, "AgentID": agent_id}
    sent = {name: value for name, value in params.items() if value is not None}
    headers = {"Consumer-Key": key} if key is not None else {}
    assert_error(await host.client.get(VALIDATE, params=sent, headers=headers), status, code)


async def test_calls_refuse_a_missing_wrong_or_foreign_token(host: Host) -> None:
    token = await host.token()
    other = await host.token(OTHER_KEY, OTHER_SECRET)
    body = rest_body(SOMCHAI)
    cases = [
        ({"Consumer-Key": KEY}, "missing_credentials"),
        ({"Token": token}, "missing_credentials"),
        ({"Consumer-Key": KEY, "Token": "made-up"}, "invalid_token"),
        ({"Consumer-Key": KEY, "Token": other}, "invalid_token"),  # issued to another consumer
        ({"Consumer-Key": "nobody", "Token": token}, "invalid_consumer"),
    ]
    for headers, code in cases:
        assert_error(await host.client.post(CHECK, json=body, headers=headers), 401, code)
    # The other consumer's own token works for it.
    ok = await host.client.post(
        CHECK, json=body, headers={"Consumer-Key": OTHER_KEY, "Token": other}
    )
    assert ok.json()["code"] == 0


async def test_nothing_under_dopa_answers_without_credentials(host: Host) -> None:
    registry = dopa.create_app(host.population, consumers={KEY: SECRET})
    routes = [
        (method, f"/dopa{route.path}")
        for route in registry.routes
        if isinstance(route, APIRoute) and route.path != "/"  # the landing: checked below
        for method in sorted(route.methods or set())
    ]
    assert len(routes) == 6  # validate, check-card (REST and SOAP), person, house, face-reference
    for method, path in routes:
        if path.startswith("/dopa/soap/"):
            response = await host.client.request(
                method,
                path,
                content=soap_envelope(SOMCHAI, header=""),
                headers={"Content-Type": "application/soap+xml; charset=utf-8"},
            )
        else:
            response = await host.client.request(
                method, path, json={"pid": SOMCHAI["pid"], **rest_body(SOMCHAI)}
            )
        assert response.status_code == 401, (method, path, response.text)
        assert "สมชาย" not in response.text
        assert "template" not in response.text
    for path in ("/dopa/docs", "/dopa/openapi.json", "/dopa/redoc"):
        assert (await host.client.get(path)).status_code == 404
    # Its landing (the host's index links to it) says who it is, links nowhere, tells nothing.
    landing = await host.client.get("/dopa/")
    assert landing.status_code == 200
    assert landing.json()["agency"] == "DOPA"
    assert landing.json()["links"] == {}
    assert SOMCHAI["pid"] not in landing.text


# --- person data and face references ---------------------------------------------------------


async def test_person_returns_registry_data_for_an_active_card(host: Host) -> None:
    response = await host.client.post(
        PERSON, json={"pid": SOMCHAI["pid"]}, headers=await host.auth_headers()
    )
    assert response.status_code == 200
    person = response.json()
    assert person["pid"] == SOMCHAI["pid"]
    assert person["titleName"] == {"th": "นาย", "en": "Mr."}
    assert person["firstName"] == {"th": "สมชาย", "en": "Somchai"}
    assert person["lastName"] == {"th": "ใจดี", "en": "Jaidee"}
    assert (person["sex"], person["birthDate"]) == ("M", "25300115")
    address = person["address"]
    assert address["province"] == {"th": "กรุงเทพมหานคร", "en": "Bangkok", "iso": "TH-10"}
    assert address["district"]["en"] == "Pathum Wan"
    assert address["subdistrict"]["en"] == "Lumphini"
    assert address["postcode"] == "10330"
    assert address["moo"] is None
    assert address["text"]["th"] == "99/1 แขวงลุมพินี เขตปทุมวัน กรุงเทพมหานคร 10330"
    assert person["card"] == {
        "status": "active",
        "issueDate": "25650115",
        "expiryDate": "25730115",
        "lifelong": False,
    }
    assert "laser" not in response.text.lower()
    assert "template" not in response.text


async def test_an_elderly_citizen_holds_a_lifelong_card(host: Host) -> None:
    response = await host.client.post(
        PERSON, json={"pid": "3500100002021"}, headers=await host.auth_headers()
    )
    person = response.json()
    assert person["birthDate"] == "24940412"
    assert person["card"]["lifelong"] is True
    assert person["card"]["expiryDate"] is None
    assert person["address"]["text"]["th"].startswith("45 หมู่ 3 ตำบลหางดง อำเภอหางดง จังหวัดเชียงใหม่")


@pytest.mark.parametrize("pid", [PRASERT["pid"], SUDA["pid"], WICHAI["pid"], UNREGISTERED_PID])
async def test_person_is_not_found_without_an_active_card(host: Host, pid: str) -> None:
    headers = await host.auth_headers()
    body = assert_error(
        await host.client.post(PERSON, json={"pid": pid}, headers=headers), 404, "not_found"
    )
    assert "สุดา" not in str(body)


@pytest.mark.parametrize(
    "body", [{}, {"pid": "12345"}, {"pid": 1100100001014}, {"pid": "1100100001015"}]
)
async def test_person_and_face_reference_need_a_valid_pid(
    host: Host, body: dict[str, object]
) -> None:
    headers = await host.auth_headers()
    assert_error(await host.client.post(PERSON, json=body, headers=headers), 400, "invalid_pid")
    assert_error(await host.client.post(FACE, json=body, headers=headers), 400, "invalid_pid")


async def test_face_reference_is_the_registry_s_unit_template(host: Host) -> None:
    headers = await host.auth_headers()
    response = await host.client.post(FACE, json={"pid": SOMCHAI["pid"]}, headers=headers)
    assert response.status_code == 200
    template = response.json()["template"]
    assert len(template) == 128
    assert math.isclose(math.sqrt(sum(x * x for x in template)), 1.0, abs_tol=1e-5)
    again = await host.client.post(FACE, json={"pid": SOMCHAI["pid"]}, headers=headers)
    assert again.json()["template"] == template
    other = await host.client.post(FACE, json={"pid": PRASERT["pid"]}, headers=headers)
    assert other.json()["template"] != template
    unknown = await host.client.post(FACE, json={"pid": UNREGISTERED_PID}, headers=headers)
    assert_error(unknown, 404, "not_found")


# --- shared fault knobs ---------------------------------------------------------------------


async def test_host_fault_knobs_apply_to_the_registry(host: Host) -> None:
    headers = await host.auth_headers()
    assert (await host.client.put("/faults/DOPA", json={"outage": True})).status_code == 200
    assert (
        await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers)
    ).status_code == 503
    assert (
        await host.client.get(
            VALIDATE,
            params={"ConsumerSecret": SECRET, "AgentID": AGENT_ID},
            headers={"Consumer-Key": KEY},
        )
    ).status_code == 503
    soap = await host.client.post(
        "/dopa/soap/CheckCardByLaser",
        content=soap_envelope(SOMCHAI),
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
    )
    assert soap.status_code == 503
    await host.client.put("/faults/DOPA", json={"error_rate": 1.0})
    assert (
        await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers)
    ).status_code == 500
    assert (await host.client.delete("/faults")).status_code == 204
    assert (await host.client.post(CHECK, json=rest_body(SOMCHAI), headers=headers)).json()[
        "code"
    ] == 0


async def test_host_lists_the_registry_and_the_device(host: Host) -> None:
    index = (await host.client.get("/")).json()
    assert {"code": "DOPA", "base_path": "/dopa/"} in index["agencies"]
    assert index["device"] == "/device/"
    assert {person.pid for person in DEMO_CITIZENS} <= {p.pid for p in host.population}

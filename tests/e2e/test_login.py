"""A citizen proves who they are over HTTP: ID card + laser code, then a face scan (R-8.1)."""

from __future__ import annotations

from typing import Any

import pytest
from support import Stack, assert_problem

SOMCHAI = {
    "national_id": "1-1001-00001-01-4",  # as printed on the card
    "laser_code": "JTO-1234567-01",  # with the OCR slip in the third character
    "first_name_th": "สมชาย",
    "last_name_th": "ใจดี",
    "birth_date_be": "25300115",
}


async def _face(stack: Stack, started: dict[str, Any], **scan: Any) -> dict[str, Any]:
    response = await stack.agencies.post(
        "/device/face-scan",
        json={
            "pid": "1100100001014",
            "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            **scan,
        },
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return {"template": body["template"], "liveness": body["liveness"]}


@pytest.mark.rule("R-8.1")
async def test_a_citizen_proves_identity_with_card_laser_and_face(stack: Stack) -> None:
    started = await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["status"] == "face_required"
    assert set(body["challenge"]) == {"nonce", "action", "expires_at"}

    answer = await _face(stack, body)
    result = await stack.gateway.post(body["face_url"], json=answer)
    assert result.status_code == 200, result.text
    assert result.json()["status"] == "verified"
    assert result.json()["assurance"] == "IAL2.3"
    assert result.json()["amr"] == ["card", "face", "liveness"]

    replay = await stack.gateway.post(body["face_url"], json=answer)
    assert_problem(replay, 409, "challenge_used")


@pytest.mark.rule("R-9.1")
async def test_a_wrong_laser_code_is_the_registry_answer(stack: Stack) -> None:
    r = await stack.gateway.post(
        "/v1/identity/verifications", json={**SOMCHAI, "laser_code": "JT0-1234567-99"}
    )
    body = assert_problem(r, 422, "card_data_mismatch")
    assert body["registry_code"] == 4


async def test_an_impostor_is_refused(stack: Stack) -> None:
    started = (await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)).json()
    answer = await _face(stack, started, genuine=False)
    r = await stack.gateway.post(started["face_url"], json=answer)
    assert_problem(r, 422, "face_mismatch")


async def test_bad_card_details_are_field_errors(stack: Stack) -> None:
    r = await stack.gateway.post(
        "/v1/identity/verifications",
        json={**SOMCHAI, "national_id": "1100100001015", "first_name_th": "Somchai"},
    )
    body = assert_problem(r, 422, "validation_failed")
    assert {e["pointer"] for e in body["errors"]} == {"/body/national_id", "/body/first_name_th"}


async def test_a_malformed_face_answer_is_refused_before_anything_is_spent(stack: Stack) -> None:
    started = (await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)).json()
    r = await stack.gateway.post(
        started["face_url"], json={"template": [0.1] * 3, "liveness": {"nonce": "x"}}
    )
    assert_problem(r, 422, "validation_failed")
    answer = await _face(stack, started)
    assert (await stack.gateway.post(started["face_url"], json=answer)).status_code == 200


async def test_lockout_after_repeated_failures_says_when_to_retry(stack: Stack) -> None:
    wrong = {**SOMCHAI, "laser_code": "JT0-1234567-99"}
    for _ in range(5):
        await stack.gateway.post("/v1/identity/verifications", json=wrong)
    r = await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)
    body = assert_problem(r, 429, "too_many_attempts")
    assert int(r.headers["retry-after"]) == body["retry_after"] > 0


async def test_the_registry_being_down_is_a_503_with_retry_after(stack: Stack) -> None:
    await stack.agencies.put("/faults/DOPA", json={"outage": True})
    r = await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)
    assert_problem(r, 503, "registry_unavailable")
    assert r.headers["retry-after"]


async def test_no_national_id_appears_in_the_logs(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    started = (await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)).json()
    await stack.gateway.post(started["face_url"], json=await _face(stack, started))
    # ...and on the failure paths: a wrong laser code, an impostor.
    await stack.gateway.post(
        "/v1/identity/verifications", json={**SOMCHAI, "laser_code": "JT0-1234567-99"}
    )
    other = (await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)).json()
    await stack.gateway.post(other["face_url"], json=await _face(stack, other, genuine=False))
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "pid#" in logged  # the redacted form is what is logged...
    assert "1100100001014" not in logged  # ...never the ID itself

"""Login under attack and under failure: concurrency against the lockout, one live challenge per
card, the registry failing mid-way, hostile face answers."""

from __future__ import annotations

import asyncio
from collections import Counter

from support import SOMCHAI, Stack, assert_problem, face_answer, login

START = "/v1/identity/verifications"


async def test_concurrent_guesses_cannot_outrun_the_lockout(stack: Stack) -> None:
    wrong = {**SOMCHAI, "laser_code": "JT0123456799"}
    replies = await asyncio.gather(*(stack.gateway.post(START, json=wrong) for _ in range(15)))
    codes = Counter(r.json()["code"] for r in replies)
    assert codes == {"card_data_mismatch": 5, "too_many_attempts": 10}


async def test_a_new_verification_voids_the_open_challenge_of_the_same_card(stack: Stack) -> None:
    first = (await stack.gateway.post(START, json=SOMCHAI)).json()
    second = (await stack.gateway.post(START, json=SOMCHAI)).json()
    stale = await stack.gateway.post(first["face_url"], json=await face_answer(stack, first))
    assert_problem(stale, 409, "challenge_used")
    fresh = await stack.gateway.post(second["face_url"], json=await face_answer(stack, second))
    assert fresh.status_code == 200


async def test_concurrent_answers_to_one_challenge_verify_once(stack: Stack) -> None:
    started = (await stack.gateway.post(START, json=SOMCHAI)).json()
    answer = await face_answer(stack, started)
    replies = await asyncio.gather(
        *(stack.gateway.post(started["face_url"], json=answer) for _ in range(5))
    )
    statuses = Counter(r.status_code for r in replies)
    assert statuses[200] == 1
    assert set(statuses) <= {200, 409}


async def test_a_registry_outage_in_the_face_step_leaves_the_challenge_open(stack: Stack) -> None:
    started = (await stack.gateway.post(START, json=SOMCHAI)).json()
    answer = await face_answer(stack, started)
    await stack.agencies.put("/faults/DOPA", json={"outage": True})
    down = await stack.gateway.post(started["face_url"], json=answer)
    assert_problem(down, 503, "registry_unavailable")
    await stack.agencies.delete("/faults")
    again = await stack.gateway.post(started["face_url"], json=answer)
    assert again.status_code == 200, again.text


async def test_registry_outages_do_not_count_towards_the_lockout(stack: Stack) -> None:
    await stack.agencies.put("/faults/DOPA", json={"outage": True})
    for _ in range(8):
        assert (await stack.gateway.post(START, json=SOMCHAI)).status_code == 503
    await stack.agencies.delete("/faults")
    assert (await stack.gateway.post(START, json=SOMCHAI)).status_code == 201


async def test_card_only_is_refused_while_the_card_is_locked(stack: Stack) -> None:
    started = (await stack.gateway.post(START, json=SOMCHAI)).json()
    wrong = {**SOMCHAI, "laser_code": "JT0123456799"}
    for _ in range(5):
        await stack.gateway.post(START, json=wrong)
    r = await stack.gateway.post(f"{START}/{started['id']}/card-only")
    assert_problem(r, 429, "too_many_attempts")


async def test_hostile_templates_are_field_errors_not_crashes(stack: Stack) -> None:
    started = (await stack.gateway.post(START, json=SOMCHAI)).json()
    answer = await face_answer(stack, started)
    for template in ([1e154] * 128, [0.0] * 128, [float("1e308")] * 128):
        r = await stack.gateway.post(started["face_url"], json={**answer, "template": template})
        body = assert_problem(r, 422, "validation_failed")
        assert body["errors"][0]["pointer"] == "/body/template"
    # None of that spent the challenge.
    assert (await stack.gateway.post(started["face_url"], json=answer)).status_code == 200


async def test_a_tiny_template_is_compared_not_crashed(stack: Stack) -> None:
    started = (await stack.gateway.post(START, json=SOMCHAI)).json()
    answer = await face_answer(stack, started)
    r = await stack.gateway.post(started["face_url"], json={**answer, "template": [1e-170] * 128})
    assert_problem(r, 422, "face_mismatch")


async def test_me_keeps_the_highest_proof_apart_from_this_login(stack: Stack) -> None:
    await login(stack)  # face: IAL2.3
    tokens = await login(stack, face=False)  # card only: IAL1.3
    me = await stack.gateway.get(
        "/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["highest_assurance"] == "IAL2.3"
    assert me.json()["login_assurance"] == "IAL1.3"


async def test_concurrent_guesses_after_the_window_cannot_outrun_the_lockout(
    stack: Stack, admin_headers: dict[str, str]
) -> None:
    """When the window is over, the first guesses reset the counter: concurrent resets must
    still count every guess (the limit is five per window, not five per reset)."""
    wrong = {**SOMCHAI, "laser_code": "JT0123456799"}
    first = await stack.gateway.post(START, json=wrong)
    assert_problem(first, 422, "card_data_mismatch")
    moved = await stack.gateway.post(
        "/v1/admin/clock", json={"advance": 16 * 60}, headers=admin_headers
    )
    assert moved.status_code == 200
    replies = await asyncio.gather(*(stack.gateway.post(START, json=wrong) for _ in range(15)))
    codes = Counter(r.json()["code"] for r in replies)
    assert codes == {"card_data_mismatch": 5, "too_many_attempts": 10}

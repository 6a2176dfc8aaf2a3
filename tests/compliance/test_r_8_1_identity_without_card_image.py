"""R-8.1: identity may be proven without showing an ID card image: ID number + laser code + face
scan against the civil registry."""

from __future__ import annotations

import pytest
from support import SOMCHAI, Stack, assert_problem, face_answer

from identity.verification.endpoints import FaceAnswer, VerificationStart


@pytest.mark.rule("R-8.1")
def test_no_step_of_the_login_accepts_a_card_image() -> None:
    # The only inputs are typed card data, then a face template and a liveness answer.
    assert set(VerificationStart.model_fields) == {
        "national_id",
        "laser_code",
        "first_name_th",
        "last_name_th",
        "birth_date_be",
        "authorization",
    }
    assert set(FaceAnswer.model_fields) == {"template", "liveness"}


@pytest.mark.rule("R-8.1")
async def test_an_uploaded_card_image_is_refused_not_ignored(stack: Stack) -> None:
    r = await stack.gateway.post(
        "/v1/identity/verifications", json={**SOMCHAI, "card_image": "data:image/jpeg;base64,AAAA"}
    )
    body = assert_problem(r, 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/body/card_image"


@pytest.mark.rule("R-8.1")
async def test_card_laser_and_face_reach_face_level_assurance(stack: Stack) -> None:
    started = (await stack.gateway.post("/v1/identity/verifications", json=SOMCHAI)).json()
    result = await stack.gateway.post(started["face_url"], json=await face_answer(stack, started))
    assert result.status_code == 200
    assert result.json()["assurance"] == "IAL2.3"

"""Assurance levels and the step-up answer (RFC 9470)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity.assurance import LEVELS, StepUpRequired, meets, require_assurance

levels = st.sampled_from(LEVELS)


@given(levels, levels)
def test_meets_is_the_order_of_the_standard(a: str, b: str) -> None:
    assert meets(a, b) == (LEVELS.index(a) >= LEVELS.index(b))


@given(levels)
def test_every_level_meets_itself_and_none(level: str) -> None:
    assert meets(level, level)
    assert meets(level, "none")


def test_a_card_only_login_does_not_reach_face_level() -> None:
    assert meets("IAL2.3", "IAL1.3")
    assert not meets("IAL1.3", "IAL2.3")
    assert not meets(None, "IAL1.1")
    assert not meets("made-up", "IAL1.1")


def test_step_up_says_which_level_is_needed() -> None:
    with pytest.raises(StepUpRequired) as raised:
        require_assurance("IAL1.3", "IAL2.3")
    error = raised.value
    assert error.status == 401
    assert error.code == "insufficient_user_authentication"
    challenge = error.headers["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert 'acr_values="IAL2.3"' in challenge
    assert error.extra == {"required_acr": "IAL2.3", "current_acr": "IAL1.3"}
    require_assurance("IAL2.3", "IAL2.3")  # enough: no error

"""The data-access log's pure parts: how an officer's id is masked for the citizen, and the
names every purpose and fixed data key is shown with."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway.audit.access import (
    DATA_LABELS,
    Accessor,
    AccessorKind,
    Purpose,
    label_of,
    masked_officer,
    purpose_label,
)


@given(st.text(min_size=1, max_size=80))
def test_a_masked_officer_id_keeps_its_length_and_shows_at_most_half_of_it(officer: str) -> None:
    masked = masked_officer(officer)
    assert masked is not None
    assert len(masked) == len(officer)
    shown = [i for i, c in enumerate(masked) if c != "*"]
    assert all(masked[i] == officer[i] for i in shown)  # a shown character is the id's own
    assert len(shown) <= min(4, len(officer) // 2)
    assert all(i < 2 or i >= len(officer) - 2 for i in shown)  # only at either end


def test_a_long_officer_id_shows_its_first_and_last_two_characters() -> None:
    assert masked_officer("dlt-officer-0042") == "dl************42"
    assert masked_officer("abc") == "**c"
    assert masked_officer("a") == "*"
    assert masked_officer(None) is None
    assert masked_officer("") is None


def test_every_purpose_and_fixed_data_key_has_a_thai_and_an_english_name() -> None:
    for purpose in Purpose:
        thai, english = purpose_label(purpose.value, "th"), purpose_label(purpose.value, "en")
        assert thai != english
        assert purpose.value not in (thai, english)
    for key, (thai, english) in DATA_LABELS.items():
        assert (label_of(key, "th"), label_of(key, "en")) == (thai, english)
    # An agency's data is named by its parts; an unknown purpose by its key.
    assert label_of("SSO.insured", "en") == "SSO records: insured"
    assert "SSO" in label_of("SSO.insured", "th")
    assert "insured" in label_of("SSO.insured", "th")
    assert purpose_label("something_new", "en") == "something_new"


def test_an_officer_is_named_only_with_an_id() -> None:
    assert Accessor.officer("DLT", None) == Accessor.agency("DLT")
    assert Accessor.officer("DLT", "") == Accessor.agency("DLT")
    officer = Accessor.officer("DLT", "x7")
    assert (officer.kind, officer.officer_id, officer.actor) == (
        AccessorKind.OFFICER,
        "x7",
        "agency:DLT",
    )

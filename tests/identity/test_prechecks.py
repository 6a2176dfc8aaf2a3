"""Local pre-checks before the civil-registry call (RULES.md identity facts, R-8.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.th import pin

from identity.verification.prechecks import (
    PrecheckFailed,
    age_on,
    normalize_birth_date_be,
    normalize_laser_code,
    normalize_national_id,
    normalize_thai_name,
    precheck_card,
)

TODAY = dt.date(2026, 11, 21)
twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12).filter(
    lambda s: s[0] not in "09"
)


def with_check_digit(first12: str) -> str:
    return first12 + pin.calc_check_digit(first12)


# -- national ID --------------------------------------------------------------------------------


@given(twelve_digits)
def test_every_id_with_its_check_digit_is_accepted(first12: str) -> None:
    assert normalize_national_id(with_check_digit(first12)) == with_check_digit(first12)


@given(twelve_digits, st.integers(1, 9))
def test_any_other_last_digit_is_refused(first12: str, shift: int) -> None:
    good = with_check_digit(first12)
    bad = good[:-1] + str((int(good[-1]) + shift) % 10)
    with pytest.raises(ValueError, match=r"^checksum:"):
        normalize_national_id(bad)


@given(twelve_digits)
def test_the_printed_hyphens_and_spaces_are_accepted(first12: str) -> None:
    n = with_check_digit(first12)
    printed = f"{n[0]}-{n[1:5]}-{n[5:10]}-{n[10:12]}-{n[12]}"
    assert normalize_national_id(printed) == n
    assert normalize_national_id(f" {n[:6]} {n[6:]} ") == n


def test_rules_md_formula_agrees_with_the_library() -> None:
    # RULES.md: check digit = (11 - sum(d_i * (14 - i)) mod 11) mod 10 over the first 12 digits.
    first12 = "110170023070"
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    assert str((11 - total % 11) % 10) == pin.calc_check_digit(first12)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("12345", "length"), ("110170023070X", "format"), ("0101700230705", "component")],
)
def test_malformed_ids_name_what_is_wrong(raw: str, code: str) -> None:
    with pytest.raises(ValueError, match=rf"^{code}:"):
        normalize_national_id(raw)


# -- laser code -------------------------------------------------------------------------------

lasers = st.tuples(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=10, max_size=10),
).map("".join)


@given(lasers)
def test_laser_codes_round_trip_from_their_printed_form(code: str) -> None:
    printed = f"{code[:3]}-{code[3:10]}-{code[10:]}"  # AA9-9999999-99 as on the card
    assert normalize_laser_code(printed) == code
    assert normalize_laser_code(printed.lower()) == code
    assert normalize_laser_code(code) == code


@given(lasers)
def test_ocr_o_for_zero_in_the_third_character_is_put_right(code: str) -> None:
    zero_third = code[:2] + "0" + code[3:]
    assert normalize_laser_code(code[:2] + "O" + code[3:]) == zero_third
    assert normalize_laser_code((code[:2] + "o" + code[3:]).lower()) == zero_third


@pytest.mark.parametrize(
    "raw", ["JT012345678", "JT01234567890", "J1012345678X", "JTO12345678O", "", "ก0-1234567-89"]
)
def test_malformed_laser_codes_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match=r"^format:"):
        normalize_laser_code(raw)


def test_o_elsewhere_than_the_third_character_is_not_guessed() -> None:
    with pytest.raises(ValueError, match=r"^format:"):
        normalize_laser_code("JT01234O67890")


# -- Thai names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("สมชาย", "สมชาย"),
        ("  ใจดี  ", "ใจดี"),
        ("ณ  อยุธยา", "ณ อยุธยา"),
        ("น\u0e49\u0e4d\u0e32ฝน", "น้ำฝน"),
    ],
)
def test_thai_names_are_trimmed_and_normalised(raw: str, expected: str) -> None:
    assert normalize_thai_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Somchai", "script"),
        ("สมชาย1", "script"),
        ("", "missing"),
        ("   ", "missing"),
        ("ก" * 101, "length"),
    ],
)
def test_names_not_in_thai_script_are_refused(raw: str, code: str) -> None:
    with pytest.raises(ValueError, match=rf"^{code}:"):
        normalize_thai_name(raw)


# -- birth date (Buddhist Era) ------------------------------------------------------------------


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_every_past_date_in_be_is_accepted(born: dt.date) -> None:
    be = f"{born.year + 543:04d}{born.month:02d}{born.day:02d}"
    assert normalize_birth_date_be(be, TODAY) == be


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_a_ce_year_by_mistake_is_refused(born: dt.date) -> None:
    ce = f"{born.year:04d}{born.month:02d}{born.day:02d}"
    # A CE year read as BE lies 543 years back, before any living person was born.
    with pytest.raises(ValueError, match=r"^year:"):
        normalize_birth_date_be(ce, TODAY)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("25301301", "month"),
        ("25300231", "day"),
        ("25370229", "day"),  # 1994 was not a leap year
        ("25300015", "unknown_month"),
        ("2530011", "format"),
        ("25691201", "future"),
        ("25700101", "year"),
        ("25691200", "future"),  # December 2026 has not begun on 21 Nov 2026
    ],
)
def test_impossible_birth_dates_are_refused(raw: str, code: str) -> None:
    with pytest.raises(ValueError, match=rf"^{code}:"):
        normalize_birth_date_be(raw, TODAY)


@pytest.mark.parametrize("raw", ["25390229", "25300100", "25300000", "2530-01-15"])
def test_leap_days_and_unknown_parts_are_accepted(raw: str) -> None:
    assert normalize_birth_date_be(raw, TODAY) == raw.replace("-", "")


# -- age ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "age"),
    [
        ("25091121", 60),  # 60th birthday today
        ("25091122", 59),  # tomorrow
        ("25091100", None),  # this month, day unknown: cannot tell
        ("25091000", 60),  # last month, day unknown: surely passed
        ("25091200", 59),  # next month: surely not yet
        ("25090000", None),  # only the year
        ("25080000", None),  # born in 1965: 60 or 61 on 21 Nov 2026
    ],
)
def test_age_is_exact_or_honestly_unknown(born: str, age: int | None) -> None:
    assert age_on(born, TODAY) == age


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_age_with_a_full_date_matches_the_calendar(born: dt.date) -> None:
    be = f"{born.year + 543:04d}{born.month:02d}{born.day:02d}"
    expected = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
    assert age_on(be, TODAY) == expected


# -- all together -------------------------------------------------------------------------------


def test_a_good_card_is_normalised_for_the_registry() -> None:
    card = precheck_card(
        national_id="1-1017-00230-70-8",
        laser_code="jto-1234567-89",
        first_name_th=" สมชาย ",
        last_name_th="ใจดี",
        birth_date_be="25300115",
        today=TODAY,
    )
    assert card.national_id == "1101700230708"
    assert card.laser_code == "JT0123456789"
    assert (card.first_name_th, card.last_name_th) == ("สมชาย", "ใจดี")


def test_every_bad_field_is_reported_at_once_with_its_pointer() -> None:
    with pytest.raises(PrecheckFailed) as caught:
        precheck_card(
            national_id="1101700230705",
            laser_code="JT12",
            first_name_th="Somchai",
            last_name_th="ใจดี",
            birth_date_be="2530011",
            today=TODAY,
        )
    found = {(e.pointer, e.code) for e in caught.value.errors}
    assert found == {
        ("/body/national_id", "invalid_checksum"),
        ("/body/laser_code", "invalid_format"),
        ("/body/first_name_th", "invalid_script"),
        ("/body/birth_date_be", "invalid_format"),
    }

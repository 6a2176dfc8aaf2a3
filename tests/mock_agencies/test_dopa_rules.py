"""Properties of the pure CheckCardByLaser rule (every code over HTTP is in the REST/SOAP tests)."""

from __future__ import annotations

from dopa_support import SMALL_POPULATION, SOMCHAI
from hypothesis import given
from hypothesis import strategies as st

from mock_agencies.dopa.population import CardStatus, Person
from mock_agencies.dopa.rules import check_card_by_laser

ACTIVE = SMALL_POPULATION.by_status[CardStatus.ACTIVE]
anything = st.one_of(st.none(), st.text(max_size=20), st.integers(), st.floats(), st.booleans())


@given(st.tuples(*(st.one_of(st.just(SOMCHAI[name]), anything) for name in SOMCHAI)))
def test_any_input_gets_one_of_the_documented_codes(fields: tuple[object, ...]) -> None:
    check = check_card_by_laser(SMALL_POPULATION, *fields)
    assert check.code in {0, 2, 4, 5, 6, 7}
    assert check.desc_th
    assert check.desc_en


@given(
    st.sampled_from(ACTIVE),
    st.from_regex(r"[A-Z]{2}[0-9]{10}", fullmatch=True),
)
def test_any_other_laser_code_is_a_mismatch(person: Person, laser: str) -> None:
    first, last = person.first_name.th, person.last_name.th
    check = check_card_by_laser(
        SMALL_POPULATION, person.pid, first, last, person.birth_date_be, laser
    )
    assert check.code == (0 if laser == person.laser else 4)


@given(st.sampled_from(ACTIVE))
def test_every_active_person_s_own_data_is_normal(person: Person) -> None:
    check = check_card_by_laser(
        SMALL_POPULATION,
        person.pid,
        person.first_name.th,
        person.last_name.th,
        person.birth_date_be,
        person.laser,
    )
    assert check == (0, "สถานะปกติ", "Normal")


def test_incomplete_input_names_the_first_bad_field() -> None:
    check = check_card_by_laser(SMALL_POPULATION, SOMCHAI["pid"], "สมชาย", None, "2530", "x")
    assert check.code == 5
    assert "last name" in check.desc_en
    assert "นามสกุล" in check.desc_th
    check = check_card_by_laser(SMALL_POPULATION, SOMCHAI["pid"], "สมชาย", "ใจดี", "2530", "x")
    assert "birth date malformed" in check.desc_en

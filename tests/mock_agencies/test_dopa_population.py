"""The mock registry's synthetic population: valid, unique, deterministic, realistic enough; and
the demo citizens exactly as docs/demo-citizens.md documents them."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest
from dopa_support import SMALL_POPULATION
from hypothesis import given
from hypothesis import strategies as st
from stdnum.th import pin

from mock_agencies.dopa.data import PROVINCES, PROVINCES_BY_ISO
from mock_agencies.dopa.population import (
    AS_OF,
    DEMO_CITIZENS,
    CardStatus,
    Population,
    build_population,
    ce_date,
    default_population,
    is_valid_national_id,
    national_id_check_digit,
)
from mock_agencies.dopa.rules import is_valid_birth_date_be

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo-citizens.md"
LASER = re.compile(r"[A-Z]{2}[0-9]{10}")


@pytest.fixture(scope="module")
def default_size() -> Population:
    return build_population()  # seed 2565, 10,000 people


def test_default_population_has_10000_unique_valid_ids(default_size: Population) -> None:
    assert len(default_size) == 10_000
    pids = [person.pid for person in default_size]
    assert len(set(pids)) == len(pids)
    assert all(pin.is_valid(pid) for pid in pids)
    assert {pid[0] for pid in pids} <= set("12345678")
    assert {"1", "3"} <= {pid[0] for pid in pids}


def test_default_population_has_unique_well_formed_laser_codes(default_size: Population) -> None:
    lasers = [person.laser for person in default_size]
    assert len(set(lasers)) == len(lasers)
    assert all(LASER.fullmatch(laser) for laser in lasers)


def test_card_statuses_are_mostly_active_with_every_other_kind(default_size: Population) -> None:
    shares = Counter(person.card_status for person in default_size)
    assert 0.87 <= shares[CardStatus.ACTIVE] / len(default_size) <= 0.93
    for status in CardStatus:
        assert shares[status] >= 100, status


def test_some_birth_days_and_fewer_months_are_unknown(default_size: Population) -> None:
    births = [person.birth_date_be for person in default_size]
    assert all(is_valid_birth_date_be(birth) for birth in births)
    no_day = sum(birth.endswith("00") and not birth.endswith("0000") for birth in births)
    no_month = sum(birth.endswith("0000") for birth in births)
    assert 0.02 * len(births) <= no_day <= 0.06 * len(births)
    assert 0.002 * len(births) <= no_month < no_day


def test_card_dates_are_consistent_with_status(default_size: Population) -> None:
    as_of = AS_OF.year + 543, AS_OF.month, AS_OF.day
    as_of_be = f"{as_of[0]:04d}{as_of[1]:02d}{as_of[2]:02d}"
    for person in default_size:
        assert person.card_issued_be <= as_of_be
        assert person.card_issued_be > person.birth_date_be
        if person.card_status is CardStatus.EXPIRED:
            assert person.card_expiry_be is not None
            assert person.card_expiry_be < as_of_be
        elif person.card_status is CardStatus.ACTIVE and person.card_expiry_be is not None:
            assert person.card_expiry_be > as_of_be
    lifelong = [p for p in default_size if p.card_expiry_be is None]
    assert lifelong
    assert all(int(p.birth_date_be[:4]) <= AS_OF.year + 543 - 70 for p in lifelong)


def test_people_are_adults_and_children_over_seven_with_fitting_titles(
    default_size: Population,
) -> None:
    ages = [AS_OF.year + 543 - int(person.birth_date_be[:4]) for person in default_size]
    assert min(ages) >= 7
    assert max(ages) <= 101
    assert 0.12 <= sum(age >= 60 for age in ages) / len(ages) <= 0.35
    for person in default_size:
        if person.sex == "M":
            assert person.title_th in {"นาย", "เด็กชาย"}
        else:
            assert person.title_th in {"นาง", "นางสาว", "เด็กหญิง"}


def test_names_are_thai_with_latin_transliterations(default_size: Population) -> None:
    thai = re.compile(r"[\u0E00-\u0E7F]+")
    latin = re.compile(r"[A-Z][a-z]+(-[a-z]+)?")
    for person in default_size:
        for name in (person.first_name, person.last_name):
            assert thai.fullmatch(name.th), name
            assert latin.fullmatch(name.en), name
    assert len({p.first_name.th for p in default_size}) >= 100
    assert len({p.last_name.th for p in default_size}) >= 60


def test_addresses_come_from_the_province_table(default_size: Population) -> None:
    provinces = Counter(person.address.province.iso for person in default_size)
    assert len(PROVINCES) >= 20
    assert set(provinces) == set(PROVINCES_BY_ISO)
    assert provinces.most_common(1)[0][0] == "TH-10"  # Bangkok, the most populous
    for person in default_size:
        address = person.address
        assert re.fullmatch(r"TH-[0-9]{2}", address.province.iso)
        assert address.subdistrict in address.district.subdistricts
        assert address.district in address.province.districts
        assert re.fullmatch(r"[1-9][0-9]{4}", address.postcode)
        assert (address.moo is None) == address.province.is_bangkok
        assert address.postcode in address.text_th
        assert address.province.th in address.text_th


def test_every_postcode_belongs_to_its_province_s_postal_zone() -> None:
    """Thai postcodes start with the province's postal prefix; Bangkok's with 10."""
    for province in PROVINCES:
        prefixes = {s.postcode[:2] for d in province.districts for s in d.subdistricts}
        assert len(prefixes) == 1, (province.en, prefixes)


def test_same_seed_same_people_other_seed_other_people() -> None:
    again = build_population(seed=2565, size=300)
    assert list(again) == list(SMALL_POPULATION)
    other = build_population(seed=7, size=300)
    generated = {p.pid for p in SMALL_POPULATION} - {p.pid for p in DEMO_CITIZENS}
    assert generated.isdisjoint(p.pid for p in other)


def test_face_templates_are_deterministic_unit_vectors_per_person() -> None:
    pid = DEMO_CITIZENS[0].pid
    template = SMALL_POPULATION.face_template(pid)
    assert len(template) == 128
    assert math.isclose(math.fsum(x * x for x in template), 1.0)
    assert template == build_population(seed=2565, size=50).face_template(pid)
    assert template != SMALL_POPULATION.face_template(DEMO_CITIZENS[1].pid)
    assert template != build_population(seed=1, size=50).face_template(pid)


def test_size_and_seed_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_DOPA_SEED", "99")
    monkeypatch.setenv("MOCK_DOPA_POPULATION", "120")
    population = default_population()
    assert (population.seed, len(population)) == (99, 120)
    assert default_population() is population  # built once
    monkeypatch.setenv("MOCK_DOPA_POPULATION", "lots")
    with pytest.raises(ValueError, match="MOCK_DOPA_POPULATION"):
        default_population()
    with pytest.raises(ValueError, match="population size"):
        build_population(size=3)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_check_digit_agrees_with_python_stdnum(first12: str) -> None:
    pid = first12 + national_id_check_digit(first12)
    assert pin.is_valid(pid) == is_valid_national_id(pid) == (pid[0] not in "09")
    wrong = pid[:12] + str((int(pid[12]) + 1) % 10)
    assert not is_valid_national_id(wrong)
    assert not pin.is_valid(wrong)


# --- demo citizens, as documented -----------------------------------------------------------


def _documented_rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) > 2 and re.fullmatch(r"[0-9]-[0-9]{4}-[0-9]{5}-[0-9]{2}-[0-9]", cells[1]):
            rows.append(cells)
    return rows


def test_demo_citizens_are_documented_exactly() -> None:
    rows = _documented_rows()
    assert 5 <= len(rows) == len(DEMO_CITIZENS) <= 8
    for cells, person in zip(rows, DEMO_CITIZENS, strict=True):
        _, pid, laser, name_th, name_en, birth, status, _ = cells
        assert pid.replace("-", "") == person.pid
        assert laser.replace("-", "") == person.laser
        assert name_th == f"{person.title_th}{person.first_name.th} {person.last_name.th}"
        assert name_en == f"{person.title_en} {person.first_name.en} {person.last_name.en}"
        assert birth == person.birth_date_be
        assert status == person.card_status.value
        assert person in SMALL_POPULATION.persons  # in every population, whatever its size


def test_demo_citizens_cover_the_cases_people_should_try() -> None:
    by_status = Counter(person.card_status for person in DEMO_CITIZENS)
    assert by_status[CardStatus.ACTIVE] >= 3
    assert all(by_status[status] >= 1 for status in CardStatus)
    births = [person.birth_date_be for person in DEMO_CITIZENS]
    assert any(b.endswith("00") and not b.endswith("0000") for b in births)
    assert any(b.endswith("0000") for b in births)
    elderly = [
        p
        for p in DEMO_CITIZENS
        if p.card_status is CardStatus.ACTIVE and (ce_date(p.birth_date_be) or AS_OF).year <= 1960
    ]
    assert elderly, "an active elderly citizen (60 or over) for the older persons' allowance"
    for person in DEMO_CITIZENS:
        assert pin.is_valid(person.pid)
        assert LASER.fullmatch(person.laser)
        assert is_valid_birth_date_be(person.birth_date_be)

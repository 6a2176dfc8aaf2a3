"""The demo seed meets issue 2: real agencies, enough live services, every category, life stage
and integration mode, bilingual texts, money in satang."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from gateway.catalog.definitions import (
    CatalogFile,
    Category,
    EServiceDefinition,
    IntegrationMode,
    LifeStage,
    Text,
)
from gateway.catalog.loader import SEED_DIR, load_catalog

REQUIRED_AGENCIES = {"DOPA", "DLT", "SSO", "RD", "NHSO", "DOP", "COJ", "BMA"}


@pytest.fixture(scope="module")
def seed() -> CatalogFile:
    return load_catalog()


def _live(seed: CatalogFile) -> list[EServiceDefinition]:
    return [s for s in seed.services if s.status == "live"]


def test_at_least_eight_agencies_including_the_named_ones(seed: CatalogFile) -> None:
    codes = {a.code for a in seed.agencies}
    assert len(codes) >= 8
    assert sorted(REQUIRED_AGENCIES - codes) == []


def test_at_least_thirty_live_services(seed: CatalogFile) -> None:
    assert len(_live(seed)) >= 30


def test_every_service_belongs_to_a_seeded_agency(seed: CatalogFile) -> None:
    codes = {a.code for a in seed.agencies}
    assert sorted({s.agency for s in seed.services} - codes) == []


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_a_live_service(seed: CatalogFile, category: Category) -> None:
    assert any(s.category is category for s in _live(seed))


def test_there_are_twelve_categories() -> None:
    assert len(Category) == 12


@pytest.mark.parametrize("stage", list(LifeStage))
def test_every_life_stage_has_a_live_service(seed: CatalogFile, stage: LifeStage) -> None:
    assert any(stage in s.life_stages for s in _live(seed))


def test_there_are_five_life_stages() -> None:
    assert len(LifeStage) == 5


@pytest.mark.parametrize("mode", list(IntegrationMode))
def test_every_integration_mode_has_a_live_service(
    seed: CatalogFile, mode: IntegrationMode
) -> None:
    # A service without its own mode takes its agency's.
    default = {a.code: a.integration_mode for a in seed.agencies}
    assert any((s.integration_mode or default[s.agency]) is mode for s in _live(seed))


def test_link_services_say_where_they_link_to(seed: CatalogFile) -> None:
    default = {a.code: a.integration_mode for a in seed.agencies}
    links = [s for s in seed.services if (s.integration_mode or default[s.agency]) == "link"]
    assert [s.id for s in links if not s.link_url] == []


def test_at_least_two_services_need_personal_appearance(seed: CatalogFile) -> None:
    assert len([s for s in _live(seed) if s.in_person_required]) >= 2


def _texts(node: Any, where: str) -> Iterator[tuple[str, Text]]:
    """Every Text inside a definition, with a readable path."""
    if isinstance(node, Text):
        yield where, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _texts(getattr(node, name), f"{where}.{name}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _texts(item, f"{where}[{i}]")


def test_every_text_is_given_in_thai_and_english(seed: CatalogFile) -> None:
    texts = [
        *(t for a in seed.agencies for t in _texts(a, a.code)),
        *(t for s in seed.services for t in _texts(s, s.id)),
    ]
    # The walk did reach into the manuals, not just the names.
    assert {
        "name",
        "manual.conditions[0]",
        "manual.steps[0].responsible_unit",
        "manual.documents[0].name",
        "manual.complaint_channels[0].name",
        "manual.legal_basis[0].title",
    } <= {where.split(".", 1)[1] for where, _ in texts}
    assert [where for where, text in texts if not text.complete] == []


def _amounts(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "amount_satang":
                yield value
            else:
                yield from _amounts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _amounts(item)


def _raw_seed() -> list[dict[str, Any]]:
    files = sorted(SEED_DIR.glob("*.yaml"))
    assert files
    return [yaml.safe_load(f.read_text(encoding="utf-8")) or {} for f in files]


def test_fees_are_written_as_whole_satang() -> None:
    # Read the YAML itself: validation would quietly turn 50.0 into 50.
    amounts = [a for raw in _raw_seed() for a in _amounts(raw)]
    assert amounts, "the seed states no fee at all"
    assert [a for a in amounts if type(a) is not int or a <= 0] == []


def test_some_services_charge_a_fee_and_some_say_no_fee(seed: CatalogFile) -> None:
    fees = [s.manual.fees for s in seed.services if s.manual.fees is not None]
    assert any(f.no_fee for f in fees)
    assert any(f.items for f in fees)


def test_service_ids_and_agency_codes_are_unique() -> None:
    raw = _raw_seed()
    ids = Counter(s["id"] for part in raw for s in part.get("services", []))
    codes = Counter(a["code"] for part in raw for a in part.get("agencies", []))
    assert [k for k, n in ids.items() if n > 1] == []
    assert [k for k, n in codes.items() if n > 1] == []


def test_unit_codes_are_unique_within_each_agency(seed: CatalogFile) -> None:
    for agency in seed.agencies:
        codes = [u.code for u in agency.units]
        assert len(codes) == len(set(codes)), agency.code

"""The service lint on counterparts (R-10.6): a counterpart is another agency's service that
the portal can file, one per agency; the seed's mapping is the clean case."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.catalog.definitions import CatalogFile, EServiceDefinition
from gateway.catalog.lint import lint
from gateway.catalog.loader import load_catalog

pytestmark = pytest.mark.rule("R-10.6")
TODAY = dt.date(2026, 4, 16)


@pytest.fixture(scope="module")
def catalog() -> CatalogFile:
    return load_catalog()


def _service(catalog: CatalogFile, service_id: str) -> EServiceDefinition:
    return next(s for s in catalog.services if s.id == service_id)


def _findings(catalog: CatalogFile, counterparts: list[str]) -> set[tuple[str, str]]:
    claim = _service(catalog, "sso-child-allowance").model_copy(
        update={"counterparts": counterparts}
    )
    others = [s for s in catalog.services if s.id != claim.id]
    return {
        (f.check, f.where)
        for f in lint([claim, *others], catalog.agencies, TODAY)
        if f.service_id == claim.id
    }


def test_the_seed_maps_the_child_allowance_and_the_grant_both_ways(catalog: CatalogFile) -> None:
    assert _service(catalog, "sso-child-allowance").counterparts == ["dcy-child-support-grant"]
    assert _service(catalog, "dcy-child-support-grant").counterparts == ["sso-child-allowance"]
    assert _findings(catalog, ["dcy-child-support-grant"]) == set()


def test_an_unknown_counterpart_is_reported(catalog: CatalogFile) -> None:
    assert _findings(catalog, ["dcy-no-such-service"]) == {
        ("unknown_counterpart", "counterparts[0]")
    }


def test_a_counterpart_of_the_same_agency_is_reported(catalog: CatalogFile) -> None:
    assert _findings(catalog, ["sso-unemployment-benefit"]) == {
        ("same_agency_counterpart", "counterparts[0]")
    }


def test_a_counterpart_the_portal_does_not_file_is_reported(catalog: CatalogFile) -> None:
    # BMA's building permit is filed on BMA's own site (Web Integration).
    assert _findings(catalog, ["bma-building-permit"]) == {
        ("counterpart_not_filed_on_portal", "counterparts[0]")
    }


def test_two_counterparts_at_one_agency_are_reported(catalog: CatalogFile) -> None:
    assert _findings(
        catalog, ["dop-older-persons-allowance-registration", "dop-funeral-assistance"]
    ) == {("duplicate_counterpart_agency", "counterparts[1]")}


def test_a_counterpart_that_is_not_live_is_reported(catalog: CatalogFile) -> None:
    grant = _service(catalog, "dcy-child-support-grant").model_copy(update={"status": "draft"})
    claim = _service(catalog, "sso-child-allowance")
    others = [s for s in catalog.services if s.id not in {grant.id, claim.id}]
    findings = {
        (f.check, f.where)
        for f in lint([claim, grant, *others], catalog.agencies, TODAY)
        if f.service_id == claim.id
    }
    assert findings == {("counterpart_not_live", "counterparts[0]")}

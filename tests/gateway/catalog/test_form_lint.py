"""The service lint on application forms, with the seed's own definitions as the clean case:
R-7.5 (a service the portal does not file has no form). The R-12.1, R-7.2 and R-LFA.1 form
checks are tested in tests/compliance with the other checks of those rules."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.catalog.definitions import CatalogFile, EServiceDefinition, IntegrationMode
from gateway.catalog.lint import lint
from gateway.catalog.loader import load_catalog

TODAY = dt.date(2026, 4, 16)
RENEWAL = "dlt-driving-licence-renewal"  # DLT's default mode is web


@pytest.fixture(scope="module")
def catalog() -> CatalogFile:
    return load_catalog()


def _findings(catalog: CatalogFile, service: EServiceDefinition) -> set[tuple[str, str, str]]:
    return {(f.rule, f.check, f.where) for f in lint([service], catalog.agencies, TODAY)}


def _renewal(catalog: CatalogFile) -> EServiceDefinition:
    service = next(s for s in catalog.services if s.id == RENEWAL)
    assert service.form is not None
    return service


def test_the_seed_service_with_a_form_is_clean(catalog: CatalogFile) -> None:
    assert _findings(catalog, _renewal(catalog)) == set()


@pytest.mark.rule("R-7.5")
def test_a_form_on_a_service_that_needs_personal_appearance_is_reported(
    catalog: CatalogFile,
) -> None:
    service = _renewal(catalog).model_copy(update={"in_person_required": True})

    assert _findings(catalog, service) == {("R-7.5", "form_on_unfileable_service", "form")}


@pytest.mark.rule("R-7.5")
def test_a_form_on_a_link_only_service_is_reported(catalog: CatalogFile) -> None:
    service = _renewal(catalog).model_copy(
        update={"integration_mode": IntegrationMode.LINK, "link_url": "https://www.dlt.go.th"}
    )

    assert _findings(catalog, service) == {("R-7.5", "form_on_unfileable_service", "form")}


@pytest.mark.rule("R-7.5")
def test_a_service_of_a_link_only_agency_takes_the_agencys_mode(catalog: CatalogFile) -> None:
    link_agency = next(a for a in catalog.agencies if a.integration_mode is IntegrationMode.LINK)
    service = _renewal(catalog).model_copy(
        update={"agency": link_agency.code, "integration_mode": None}
    )

    assert ("R-7.5", "form_on_unfileable_service", "form") in _findings(catalog, service)


@pytest.mark.rule("R-7.5")
def test_the_same_service_without_a_form_is_not_reported(catalog: CatalogFile) -> None:
    service = _renewal(catalog).model_copy(update={"in_person_required": True, "form": None})

    assert _findings(catalog, service) == set()


@pytest.mark.rule("R-7.5")
@pytest.mark.parametrize("mode", [IntegrationMode.API, IntegrationMode.PLATFORM])
def test_a_form_on_a_filed_service_is_accepted(catalog: CatalogFile, mode: IntegrationMode) -> None:
    service = _renewal(catalog).model_copy(update={"integration_mode": mode})

    assert _findings(catalog, service) == set()


def test_no_seed_service_the_portal_does_not_file_has_a_form(catalog: CatalogFile) -> None:
    findings = lint(catalog.services, catalog.agencies, TODAY)

    assert [f for f in findings if f.rule == "R-7.5"] == []
    # ... and the seed has services of both kinds, so the check had something to look at.
    assert any(s.in_person_required for s in catalog.services)
    assert any(s.form is not None for s in catalog.services)

"""R-12.1: a document a state agency issues is never demanded as an upload (once-only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gateway.catalog.definitions import Document
from gateway.catalog.lint import Finding
from gateway.catalog.loader import load_catalog

pytestmark = pytest.mark.rule("R-12.1")

Data = dict[str, Any]
Lint = Callable[..., set[tuple[str, str, str]]]

ID_CARD = 0  # the fixture's state-issued document (DOPA), fetched by the portal
BANK_BOOK = 1  # the fixture's private-issued document, uploaded


def test_the_demo_seed_never_asks_to_upload_a_state_document(
    seed_findings: list[Finding],
) -> None:
    assert [f for f in seed_findings if f.rule == "R-12.1"] == []


def test_the_demo_seed_does_need_state_documents_and_uploads() -> None:
    # Otherwise the test above would pass for want of anything to check.
    documents: list[Document] = [d for s in load_catalog().services for d in s.manual.documents]
    assert any(d.issuer.kind == "state" for d in documents)
    assert any(d.source == "upload" for d in documents)


def test_the_complete_definition_has_no_findings(service_data: Data, lint_service: Lint) -> None:
    assert lint_service(service_data) == set()


def test_a_state_document_to_upload_is_reported(service_data: Data, lint_service: Lint) -> None:
    service_data["manual"]["documents"][ID_CARD]["source"] = "upload"
    assert lint_service(service_data) == {
        ("R-12.1", "state_document_upload", f"manual.documents[{ID_CARD}].source")
    }


def test_a_state_document_named_only_by_issuer_name_is_still_a_state_document(
    service_data: Data, lint_service: Lint
) -> None:
    service_data["manual"]["documents"][ID_CARD].update(
        source="upload",
        issuer={"kind": "state", "name": {"th": "สำนักงานเขต", "en": "District office"}},
    )
    assert lint_service(service_data) == {
        ("R-12.1", "state_document_upload", f"manual.documents[{ID_CARD}].source")
    }


@pytest.mark.parametrize("source", ["portal_fetch", "wallet"])
def test_a_state_document_fetched_or_from_the_wallet_is_accepted(
    service_data: Data, lint_service: Lint, source: str
) -> None:
    service_data["manual"]["documents"][ID_CARD]["source"] = source
    assert lint_service(service_data) == set()


@pytest.mark.parametrize("kind", ["private", "citizen"])
def test_an_upload_of_a_document_no_state_agency_issues_is_accepted(
    service_data: Data, lint_service: Lint, kind: str
) -> None:
    document = service_data["manual"]["documents"][BANK_BOOK]
    document["issuer"]["kind"] = kind
    assert document["source"] == "upload"
    assert lint_service(service_data) == set()

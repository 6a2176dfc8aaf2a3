"""R-7.3: one electronic set counts as all the sets a law asks for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gateway.catalog.lint import Finding

pytestmark = pytest.mark.rule("R-7.3")

Data = dict[str, Any]
Lint = Callable[..., set[tuple[str, str, str]]]


def test_the_demo_seed_asks_for_one_set_of_every_document(seed_findings: list[Finding]) -> None:
    assert [f for f in seed_findings if f.rule == "R-7.3"] == []


def test_the_complete_definition_has_no_findings(service_data: Data, lint_service: Lint) -> None:
    assert lint_service(service_data) == set()


@pytest.mark.parametrize("copies", [2, 3])
@pytest.mark.parametrize("index", [0, 1])
def test_a_document_asked_for_in_several_copies_is_reported(
    service_data: Data, lint_service: Lint, index: int, copies: int
) -> None:
    service_data["manual"]["documents"][index]["copies"] = copies
    assert lint_service(service_data) == {
        ("R-7.3", "several_copies_demanded", f"manual.documents[{index}].copies")
    }


def test_one_copy_said_explicitly_is_accepted(service_data: Data, lint_service: Lint) -> None:
    for document in service_data["manual"]["documents"]:
        document["copies"] = 1
    assert lint_service(service_data) == set()

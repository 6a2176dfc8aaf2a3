"""docs/api.md lists every problem code of the registry, as generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.docs import API_DOC, main, with_problems_table
from kernel.problems import PROBLEMS


def test_the_api_doc_lists_the_registry_as_generated() -> None:
    text = API_DOC.read_text(encoding="utf-8")

    assert with_problems_table(text) == text, "run: python -m gateway.docs problems"
    for code, problem in PROBLEMS.items():
        assert f"| `{code}` | {problem.title_th} | {problem.title_en} |" in text


def test_the_check_fails_when_a_row_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = API_DOC.read_text(encoding="utf-8")
    stale = tmp_path / "api.md"
    stale.write_text(text.replace("| 404 | `service_not_found` |", "| 404 | `service_gone` |"))
    monkeypatch.setattr("gateway.docs.API_DOC", stale)

    assert main(["problems", "--check"]) == 1
    assert main(["problems"]) == 0
    assert stale.read_text(encoding="utf-8") == text

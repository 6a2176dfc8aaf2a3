"""Every problem code the source can raise is declared in kernel.problems, once.

The scan reads the source (AST), so a code written at a raise site that no test reaches is
still found; the error base refuses an undeclared code at run time as well.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel.errors import Conflict, DomainError, NotFound
from kernel.problems import (
    GENERIC_BY_STATUS,
    PROBLEMS,
    UnknownProblemCode,
    problem_responses,
    refuse_unknown_codes,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kernel", "gateway", "identity", "connectors", "payments")

# Calls whose positional argument at this index is a problem code.
POSITIONAL_CARRIERS = {
    "TransitionRefused": 0,  # gateway/applications/lifecycle.py → Conflict(code=refusal.code)
    "SignatureRefused": 0,  # gateway/forwarding/signing.py → Unauthorized(code=refused.code)
    "_refuse": 1,  # identity/verification/service.py → FaceRefused(code=why)
    "plain_problem_response": 1,  # gateway/errors.py, answers made by the middleware
    "oauth_error_body": 0,  # identity/oidc/endpoints.py
    "lookup": 0,
}
# `code=<expression>` at a raise site, and where the codes it can hold are checked instead.
DYNAMIC_CODES = {
    "refusal.code": "TransitionRefused's first argument (scanned)",
    "refused.code": "SignatureRefused's first argument (scanned)",
    "why": "_refuse's second argument (scanned)",
    "code": "AuthorizationRequestError passes its own; _REFUSALS (checked below); Authlib's "
    "codes are mapped to invalid_request unless declared (identity/oidc/server.py)",
    # The renderers: they look up what was raised, and lookup() refuses an undeclared code.
    "self.code": "the error base's own check",
    "exc.code": "already checked when the error was made",
    "GENERIC_BY_STATUS.get(status, fallback)": "checked by test_every_declared_code_is_complete",
    "error": "RFC 6749/7009 codes from Authlib's token endpoint, declared; others refused",
    "result.error": "the same",
}


def _source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _modules() -> Iterator[str]:
    for package in PACKAGES:
        module = importlib.import_module(package)
        yield package
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if ".migrations" not in info.name:
                yield info.name


def _error_classes() -> list[type[DomainError]]:
    for name in _modules():
        importlib.import_module(name)
    found: list[type[DomainError]] = []
    todo: list[type[DomainError]] = [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _codes_in_source(error_names: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Literal codes by where they are written, and `code=<expression>` sites not accounted for."""
    literal: dict[str, list[str]] = {}
    unexplained: list[str] = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            values: list[ast.expr] = []
            if name in error_names:
                values += [kw.value for kw in node.keywords if kw.arg in {"code", "domain_code"}]
            elif name == "_PKCEError":
                values += [kw.value for kw in node.keywords if kw.arg == "domain_code"]
            index = POSITIONAL_CARRIERS.get(name)
            if index is not None and len(node.args) > index:
                values.append(node.args[index])
            for value in values:
                site = f"{where}:{node.lineno}"
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    literal.setdefault(value.value, []).append(site)
                elif ast.unparse(value) not in DYNAMIC_CODES:
                    unexplained.append(f"{site}: code={ast.unparse(value)}")
    return literal, unexplained


def test_every_code_written_in_the_source_is_declared() -> None:
    classes = _error_classes()
    literal, unexplained = _codes_in_source({cls.__name__ for cls in classes})
    # The scan sees the raise sites it must (a scan that finds nothing proves nothing).
    assert {"application_not_found", "invalid_transition", "signature_stale"} <= set(literal)
    assert {"face_mismatch", "unsupported_challenge_method", "payload_too_large"} <= set(literal)
    missing = {code: sites for code, sites in literal.items() if code not in PROBLEMS}
    assert not missing, f"undeclared problem codes (add them to kernel/problems.py): {missing}"
    assert not unexplained, f"a computed code; declare how its values are checked: {unexplained}"


def test_every_error_class_code_is_declared_with_its_status() -> None:
    for cls in _error_classes():
        problem = PROBLEMS.get(cls.code)
        assert problem is not None, f"{cls.__qualname__}: {cls.code}"
        assert cls.status in problem.statuses, f"{cls.__qualname__}: {cls.status}"


def test_the_civil_registry_refusals_are_declared() -> None:
    from identity.verification.service import _REFUSALS

    assert _REFUSALS
    assert {code for code, _ in _REFUSALS.values()} <= set(PROBLEMS)


def test_every_declared_code_is_complete_and_bilingual() -> None:
    thai = re.compile(r"[\u0e00-\u0e7f]")
    for code, problem in PROBLEMS.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert 400 <= problem.status < 600, code
        assert thai.search(problem.title_th), f"{code}: the Thai title is not Thai"
        assert thai.search(problem.about_th), f"{code}: the Thai explanation is not Thai"
        assert problem.title_en, code
        assert problem.about_en, code
    assert set(GENERIC_BY_STATUS.values()) <= set(PROBLEMS)


def test_the_error_base_refuses_an_undeclared_code() -> None:
    with pytest.raises(UnknownProblemCode, match="no_such_code"):
        NotFound("x", code="no_such_code")
    with pytest.raises(UnknownProblemCode, match="declared for"):
        Conflict("x", code="application_not_found")  # declared, but as a 404
    with pytest.raises(TypeError, match=r"not in kernel\.problems"):

        class Undeclared(DomainError):  # a class-level code is checked on import
            status, code = 418, "teapot"


def test_in_production_an_undeclared_code_answers_with_the_generic_one() -> None:
    refuse_unknown_codes(False)
    try:
        error = NotFound("gone missing", code="no_such_code")
    finally:
        refuse_unknown_codes(True)
    assert (error.code, error.status, error.detail) == ("not_found", 404, "gone missing")


def test_problem_responses_group_codes_by_status() -> None:
    responses = problem_responses("application_not_found", "not_a_draft", "concurrent_change")
    assert sorted(responses) == [404, 409]
    schema = responses[409]["content"]["application/problem+json"]["schema"]
    assert schema["allOf"][1]["properties"]["code"]["enum"] == ["concurrent_change", "not_a_draft"]
    with pytest.raises(UnknownProblemCode):
        problem_responses("no_such_code")

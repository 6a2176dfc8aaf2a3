"""How an authentication dependency says, in the OpenAPI document, which tokens it takes.

    @secured_by(CITIZEN_TOKEN)
    async def current_citizen(...): ...

gateway.openapi finds the dependencies an operation uses and declares their requirements as the
operation's `security`, with the 401/403 problems they answer. Pure data: no framework.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

OAUTH2 = "oauth2"  # bearer access tokens from /oauth/token
OPERATOR_BEARER = "adminToken"  # the installation's operator token (ADMIN_TOKEN), a plain bearer

Requirement = Mapping[str, list[str]]
# Each tuple lists alternatives: any one of them is enough.
CITIZEN_TOKEN: tuple[Requirement, ...] = ({OAUTH2: ["citizen"]},)
OPERATOR_TOKEN: tuple[Requirement, ...] = ({OAUTH2: ["admin"]}, {OPERATOR_BEARER: []})
AGENCY_TOKEN: tuple[Requirement, ...] = ({OAUTH2: ["agency:CODE"]},)

ATTRIBUTE = "__openapi_security__"


def secured_by(alternatives: tuple[Requirement, ...]) -> Callable[[F], F]:
    """Mark a dependency as requiring one of `alternatives` (OpenAPI security requirements)."""

    def mark(dependency: F) -> F:
        dependency.__dict__[ATTRIBUTE] = tuple(alternatives)
        return dependency

    return mark


def security_of(dependency: object) -> tuple[Requirement, ...] | None:
    found = getattr(dependency, ATTRIBUTE, None)
    return found if isinstance(found, tuple) else None

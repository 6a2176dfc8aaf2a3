"""Which mock agencies the host serves, found through entry points (the same registry the
gateway's connectors use, `citizen_gateway.connectors`), never through a list in code:

    [project.entry-points."citizen_gateway.mock_agencies"]      an agency: it holds an entry in
    DLT = "mock_agencies.dlt.app:create_default_app"             the development credentials file
    DOEX = "doex_agency.mock:create_app"                         (another package's mock)

    [project.entry-points."citizen_gateway.mock_services"]       served the same way (its path,
    DOPA = "mock_agencies.dopa.app:create_default_app"           its fault knobs), no credentials

The name is the agency code; the value a factory of the agency's ASGI app, called with no
argument (an agency that speaks the Case API needs no Python for it: a configured factory of
`mock_agencies.casework.generic` serves it from data). An app is built when the host
starts. One that cannot be imported or built is left out, logged loudly and listed as broken
(the host's `/`, mock_agencies/app.py): one broken mock never takes down the others.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

AGENCIES_GROUP = "citizen_gateway.mock_agencies"
SERVICES_GROUP = "citizen_gateway.mock_services"

log = logging.getLogger("mock_agencies.registry")


@dataclass(frozen=True)
class Registered:
    """One entry point of the two groups, not yet loaded."""

    code: str
    value: str  # "module:factory"
    credentials: bool  # an agency (the credentials file has its entry), not a service
    loader: Callable[[], Any] = field(compare=False, repr=False)


def registered(
    entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
) -> dict[str, Registered]:
    """Every registered mock by upper-case code (a code registered twice: the first found)."""
    if entry_points is None:
        found = list(importlib.metadata.entry_points(group=AGENCIES_GROUP))
        found += importlib.metadata.entry_points(group=SERVICES_GROUP)
    else:
        found = list(entry_points)
    mocks: dict[str, Registered] = {}
    for entry_point in found:
        code = entry_point.name.strip().upper()
        if code in mocks:
            if mocks[code].value != entry_point.value:
                log.error(
                    "mock agency %s registered twice (%s, %s): serving the first",
                    code,
                    mocks[code].value,
                    entry_point.value,
                )
            continue
        mocks[code] = Registered(
            code, entry_point.value, entry_point.group == AGENCIES_GROUP, entry_point.load
        )
    return mocks


def credential_codes(
    entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
) -> tuple[str, ...]:
    """The registered agencies the development credentials file holds an entry for, sorted."""
    return tuple(sorted(code for code, m in registered(entry_points).items() if m.credentials))


def build(mock: Registered) -> ASGIApp:
    """The mock's app; raises whatever its import or its factory raised."""
    factory = mock.loader()
    if not callable(factory):
        raise TypeError(f"{mock.value} is not a factory")
    app: ASGIApp = factory()
    return app

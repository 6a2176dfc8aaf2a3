"""The connector registry: entry points in, working connectors and reasons for broken ones out."""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from typing import Any

import pytest
from fake_case_agency import FakeAgency, config

from connectors import (
    GROUP,
    AgencyMisconfigured,
    BreakerState,
    ConnectorConfig,
    ConnectorNotAvailable,
    ConnectorRegistry,
    Health,
)
from connectors.api.dlt import DltConnector
from connectors.api.rd import RdConnector
from connectors.api.sso import SsoConnector

MODULE = "fake_connector_plugins"


class Closable:
    """A minimal Connector that records being closed."""

    def __init__(self, cfg: ConnectorConfig, transport: Any = None, *, fail_close: bool = False):
        self.agency_code = cfg.agency_code
        self.closed = False
        self.fail_close = fail_close

    async def submit(self, submission: Any) -> Any:
        raise NotImplementedError

    async def status(self, agency_ref: str) -> Any:
        raise NotImplementedError

    async def health(self) -> Health:
        return Health(ok=True, detail="ok")

    async def aclose(self) -> None:
        self.closed = True
        if self.fail_close:
            raise RuntimeError("socket already gone")


def _raising_factory(cfg: ConnectorConfig, transport: Any = None) -> Any:
    raise RuntimeError("the vendor SDK wants a licence file")


def _not_a_connector(cfg: ConnectorConfig, transport: Any = None) -> Any:
    return object()


@pytest.fixture(autouse=True)
def plugins() -> Iterator[None]:
    module = types.ModuleType(MODULE)
    module.good = Closable  # type: ignore[attr-defined]
    module.bad_close = lambda cfg, transport=None: Closable(cfg, fail_close=True)  # type: ignore[attr-defined]
    module.raising = _raising_factory  # type: ignore[attr-defined]
    module.not_a_connector = _not_a_connector  # type: ignore[attr-defined]
    module.constant = 42  # type: ignore[attr-defined]
    sys.modules[MODULE] = module
    yield
    del sys.modules[MODULE]


def ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group=GROUP)


def test_the_installed_entry_points_give_dlt_sso_and_rd() -> None:
    registry = ConnectorRegistry.load({code: config(code) for code in ("DLT", "SSO", "RD")})

    assert registry.available() == ("DLT", "RD", "SSO")
    assert registry.broken == {}
    assert isinstance(registry.get("DLT"), DltConnector)
    assert isinstance(registry.get("sso"), SsoConnector)  # codes are case-insensitive
    assert isinstance(registry.get("RD"), RdConnector)


async def test_a_broken_connector_is_reported_and_the_others_load(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry_points = [
        ep("GOOD", f"{MODULE}:good"),
        ep("NOMOD", "no_such_package.connector:create"),
        ep("NOATTR", f"{MODULE}:missing"),
        ep("RAISES", f"{MODULE}:raising"),
        ep("NOTCONN", f"{MODULE}:not_a_connector"),
        ep("CONST", f"{MODULE}:constant"),
        ep("TWICE", f"{MODULE}:good"),
        ep("TWICE", f"{MODULE}:raising"),
        ep("UNCONFIGURED", f"{MODULE}:raising"),
    ]
    codes = ["GOOD", "NOMOD", "NOATTR", "RAISES", "NOTCONN", "CONST", "TWICE", "MISSING"]

    with caplog.at_level(logging.WARNING, logger="connectors.registry"):
        registry = ConnectorRegistry.load(
            {code: config(code) for code in codes}, entry_points=entry_points
        )

    assert registry.available() == ("GOOD",)
    assert set(registry.broken) == set(codes) - {"GOOD"}
    assert "ModuleNotFoundError" in registry.broken["NOMOD"]
    assert "AttributeError" in registry.broken["NOATTR"]
    assert "the vendor SDK wants a licence file" in registry.broken["RAISES"]
    assert "not a Connector" in registry.broken["NOTCONN"]
    assert "not a factory" in registry.broken["CONST"]
    assert "more than once" in registry.broken["TWICE"]
    assert "no entry point 'MISSING'" in registry.broken["MISSING"]
    assert {r.getMessage().split()[1] for r in caplog.records} == set(codes) - {"GOOD"}

    with pytest.raises(ConnectorNotAvailable, match="vendor SDK") as caught:
        registry.get("RAISES")
    assert isinstance(caught.value, AgencyMisconfigured)
    with pytest.raises(ConnectorNotAvailable, match="no connector is configured"):
        registry.get("UNCONFIGURED")  # registered, but the gateway has no settings for it
    await registry.aclose()


async def test_one_connector_is_built_alone_and_a_refusal_says_why_without_a_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What certification builds with: the caller judges a refusal (its TLS probe hopes for
    one), so the registry does not log it."""
    entry_points = [ep("GOOD", f"{MODULE}:good"), ep("RAISES", f"{MODULE}:raising")]
    with caplog.at_level(logging.DEBUG, logger="connectors.registry"):
        built = ConnectorRegistry.build(config("GOOD"), entry_points=entry_points)
        with pytest.raises(ConnectorNotAvailable, match="vendor SDK") as caught:
            ConnectorRegistry.build(config("RAISES"), entry_points=entry_points)
        with pytest.raises(ConnectorNotAvailable, match="no entry point 'MISSING'"):
            ConnectorRegistry.build(config("MISSING"), entry_points=entry_points)
    assert built.agency_code == "GOOD"
    assert caught.value.agency == "RAISES"
    assert caplog.records == []
    await built.aclose()


def test_a_configuration_for_another_agency_is_refused() -> None:
    registry = ConnectorRegistry.load(
        {"GOOD": config("OTHER")}, entry_points=[ep("GOOD", f"{MODULE}:good")]
    )
    assert registry.available() == ()
    assert "names agency OTHER" in registry.broken["GOOD"]


async def test_the_transport_reaches_every_factory() -> None:
    agency = FakeAgency(code="DLT")
    registry = ConnectorRegistry.load({"DLT": config("DLT")}, transport=agency.transport())

    assert (await registry.get("DLT").health()).ok
    assert agency.validations == 1
    await registry.aclose()


def test_each_agency_has_its_own_breaker_and_policy() -> None:
    registry = ConnectorRegistry.load(
        {
            "GOOD": config("GOOD", policy={"max_attempts": 7, "breaker_threshold": 2}),
            "RAISES": config("RAISES"),
        },
        entry_points=[ep("GOOD", f"{MODULE}:good"), ep("RAISES", f"{MODULE}:raising")],
    )
    good, raises = registry.policy_for("GOOD"), registry.policy_for("raises")

    assert registry.policy_for("good") is good  # one breaker per agency, shared by callers
    assert good.breaker is not raises.breaker
    assert (good.retry.max_attempts, good.breaker.threshold) == (7, 2)
    assert good.breaker.agency == "GOOD"
    good.breaker.record_failure()
    good.breaker.record_failure()
    assert good.breaker.state is BreakerState.OPEN
    assert raises.breaker.state is BreakerState.CLOSED
    with pytest.raises(ConnectorNotAvailable):
        registry.policy_for("NOBODY")


def test_describe_lists_capabilities_and_reasons() -> None:
    registry = ConnectorRegistry.load(
        {"DLT": config("DLT"), "RAISES": config("RAISES")},
        entry_points=[ep("DLT", "connectors.api.dlt:create"), ep("RAISES", f"{MODULE}:raising")],
    )
    dlt, raises = registry.describe()

    assert (dlt.agency_code, dlt.ok, dlt.breaker) == ("DLT", True, BreakerState.CLOSED)
    assert dlt.capabilities == (
        "submit",
        "status",
        "cancel",
        "information",
        "payments",
        "documents",
        "once_only:licences",
        "citizen_data",
    )
    assert (raises.agency_code, raises.ok, raises.capabilities) == ("RAISES", False, ())
    assert "vendor SDK" in raises.detail


async def test_aclose_closes_every_connector_even_when_one_fails() -> None:
    registry = ConnectorRegistry.load(
        {"AA": config("AA"), "BB": config("BB"), "CC": config("CC")},
        entry_points=[
            ep("AA", f"{MODULE}:good"),
            ep("BB", f"{MODULE}:bad_close"),
            ep("CC", f"{MODULE}:good"),
        ],
    )
    await registry.aclose()

    assert all(registry.get(code).closed for code in ("AA", "BB", "CC"))  # type: ignore[attr-defined]


async def test_a_registry_can_be_built_from_ready_connectors() -> None:
    connector = Closable(config("DLT"))
    registry = ConnectorRegistry({"dlt": connector})  # type: ignore[dict-item]

    assert registry.get("DLT") is connector
    assert registry.policy_for("DLT").breaker.agency == "DLT"
    with pytest.raises(ConnectorNotAvailable):
        registry.get("SSO")

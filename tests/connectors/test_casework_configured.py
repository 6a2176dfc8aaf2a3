"""The shared Case API connector as an entry point of its own (`connectors.api.casework:create`):
an agency without Python gets cases, and the once-only data its configuration declares."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import httpx
import pytest
from pydantic import SecretStr

from connectors.api.casework import CaseworkConnector, create
from connectors.base import ProvidesOnceOnlyData
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import AgencyMisconfigured
from connectors.registry import GROUP, ConnectorRegistry
from mock_agencies.dlt import app as dlt

KEY, SECRET = "k", "s"


def config(**options: str) -> ConnectorConfig:
    return ConnectorConfig(
        agency_code="DLT",
        base_url="http://dlt.test",
        consumer_key=KEY,
        consumer_secret=SecretStr(SECRET),
        agent_id="3100100000014",
        policy=PolicyConfig(max_attempts=1),
        options=options,
    )


def test_without_options_it_offers_no_once_only_data() -> None:
    connector = create(config())
    assert type(connector) is CaseworkConnector
    assert not isinstance(connector, ProvidesOnceOnlyData)


async def test_a_configured_once_only_kind_reads_the_agency_s_endpoint() -> None:
    app = dlt.create_app(consumers={KEY: SECRET}, callback_secret="c", send_callbacks=False)
    connector = create(
        config(**{"once_only.licences": "/api/v1/licences/{pid}"}),
        httpx.ASGITransport(app=app),
    )
    try:
        assert isinstance(connector, ProvidesOnceOnlyData)
        assert connector.once_only_kinds == {"licences"}
        licence = await connector.once_only("licences", "1100100001014")
        assert licence["licence_number"]
        with pytest.raises(AgencyMisconfigured, match="vehicles"):
            await connector.once_only("vehicles", "1100100001014")
    finally:
        await connector.aclose()
        await app.state.casework.aclose()


def test_a_malformed_option_leaves_the_connector_broken_with_the_reason() -> None:
    registry = ConnectorRegistry.load(
        {"DLT": config(**{"once_only.licences": "/api/v1/licences"})},
        entry_points=[EntryPoint("DLT", "connectors.api.casework:create", GROUP)],
    )
    assert "once_only.<kind>" in registry.broken["DLT"]

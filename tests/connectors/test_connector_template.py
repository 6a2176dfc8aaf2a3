"""The template an agency team copies: it satisfies the protocols, and says what to fill in."""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint

import pytest
from fake_case_agency import T0, config

from connectors import (
    GROUP,
    Applicant,
    Cancels,
    Connector,
    ConnectorRegistry,
    Fee,
    IssuesDocuments,
    PaymentNotice,
    ProvidesOnceOnlyData,
    ReceivesInformation,
    ReceivesPayments,
    Submission,
)
from connectors.api.casework import CaseworkConnector
from connectors.api.dlt import DltConnector
from connectors.template.connector import TemplateConnector, create

PROTOCOLS = (
    Connector,
    Cancels,
    ReceivesInformation,
    ReceivesPayments,
    IssuesDocuments,
    ProvidesOnceOnlyData,
)


def _methods(protocol: type) -> list[str]:
    return [
        name
        for name, member in vars(protocol).items()
        if inspect.iscoroutinefunction(member) and not name.startswith("_")
    ]


@pytest.mark.parametrize("implementation", [TemplateConnector, CaseworkConnector, DltConnector])
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_signatures_match_the_protocols(implementation: type, protocol: type) -> None:
    methods = _methods(protocol)
    assert methods  # the protocol has something to check
    if protocol is ProvidesOnceOnlyData and implementation is CaseworkConnector:
        assert not hasattr(implementation, "once_only")
        return
    for name in methods:
        got = getattr(implementation, name)
        assert inspect.iscoroutinefunction(got), name
        expected = inspect.signature(getattr(protocol, name))
        assert list(inspect.signature(got).parameters.items()) == list(
            expected.parameters.items()
        ), name


async def test_the_template_satisfies_every_protocol_and_names_what_to_do() -> None:
    connector = create(config("TEMPLATE"))

    for protocol in PROTOCOLS:
        assert isinstance(connector, protocol), protocol
    assert connector.agency_code == "TEMPLATE"
    health = await connector.health()
    assert not health.ok
    assert "connectors/template/connector.py" in health.detail
    with pytest.raises(NotImplementedError, match="fill this in"):
        await connector.submit(
            Submission(
                idempotency_key="k",
                application_id="a",
                application_number="n",
                service_id="s",
                unit_code=None,
                applicant=Applicant("1101700230705", "สมชาย", "ใจดี", None, None),
                form={},
                attachments=(),
                arrived_at=T0,
                deemed_received_at=None,
                callback_url="http://gateway.test/cb",
            )
        )
    for call in (
        connector.status("R1"),
        connector.cancel("R1"),
        connector.document("D1"),
        connector.once_only("k", "1101700230705"),
        connector.payment_received(
            "R1",
            PaymentNotice(
                idempotency_key="k",
                reference="n",
                payment_id="p",
                receipt_number="r",
                amount_satang=500,
                fees=(Fee("ค่าธรรมเนียม", 500),),
                paid_at=T0,
                channel="mobile",
            ),
        ),
    ):
        with pytest.raises(NotImplementedError):
            await call
    await connector.aclose()


async def test_the_registry_loads_the_template_through_an_entry_point() -> None:
    registry = ConnectorRegistry.load(
        {"TEMPLATE": config("TEMPLATE")},
        entry_points=[EntryPoint("TEMPLATE", "connectors.template.connector:create", GROUP)],
    )
    assert registry.available() == ("TEMPLATE",)
    assert isinstance(registry.get("TEMPLATE"), TemplateConnector)
    await registry.aclose()


def test_the_readme_walks_through_the_steps() -> None:
    readme = (inspect.getfile(TemplateConnector).rsplit("/", 1)[0]) + "/README.md"
    with open(readme, encoding="utf-8") as file:
        text = file.read()
    for step in ("**Copy**", "**Implement**", "**Register the entry point**", "**Test it.**"):
        assert step in text
    assert '[project.entry-points."citizen_gateway.connectors"]' in text

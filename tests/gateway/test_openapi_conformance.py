"""The OpenAPI document tells the truth: schemathesis generates requests from the gateway's own
/openapi.json and sends them to the app in-process; every answer must be documented for its
operation (status and content type), conform to the declared schema, and never be a 5xx.

The budget is bounded (a few examples per operation, no deadline: the machine is shared), so
this finds undocumented answers on the paths examples reach, not every one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient
from support import POPULATION, GatewayTime, Stack, login, mock_bank

from gateway.config import Settings
from gateway.credentials import ensure_agency_clients, load_agency_credentials
from gateway.main import create_app
from mock_agencies.app import create_app as create_host
from mock_agencies.casework.callbacks import LateTransport
from mock_agencies.device import app as device
from mock_agencies.dopa import app as dopa

EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The RFC 3161 query is DER bytes: sent as generated.
schemathesis.serializer.alias("application/timestamp-query", "application/octet-stream")

# Not generated: a stream that stays open until its wait ends.
NOT_GENERATED = frozenset({"GET /v1/notifications/stream"})


@dataclass(frozen=True)
class Callers:
    """A bearer token for each kind of caller: operations are tried as the caller they serve,
    so examples reach past the token check into what the operation itself answers."""

    citizen: str
    agency: str
    admin: str

    def headers(self, name: str) -> dict[str, str]:
        path = name.split(" ", 1)[1]
        if path.startswith("/v1/admin/"):
            token = self.admin
        elif path in {"/v1/agency/callbacks/{code}", "/v1/agency/web/notifications"}:
            return {}  # signed by the agency, no bearer token: their 401s are checked
        elif path.startswith("/v1/agency/"):
            token = self.agency
        else:
            token = self.citizen
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def gateway(seeded: Settings) -> Iterator[TestClient]:
    """The app with its lifespan run in the test client's own event loop (every request of the
    run goes through that one loop, as the database connections require), with the mock civil
    registry and phone behind it so that a demo citizen can log in."""
    key = seeded.dopa_consumer_key or ""
    secret = seeded.dopa_consumer_secret.get_secret_value() if seeded.dopa_consumer_secret else ""
    clock = GatewayTime()
    host = create_host(
        {
            "DOPA": dopa.create_app(POPULATION, consumers={key: secret}),
            "BANK": mock_bank(seeded, LateTransport(), clock),  # its webhooks go nowhere
        },
        seed=3,
        device_app=device.create_app(POPULATION, 17),
    )
    app = create_app(seeded, agencies_transport=httpx.ASGITransport(app=host))
    clock.of = app
    with TestClient(app, base_url="http://gateway.test") as client:
        client.app_state = app.state  # type: ignore[attr-defined]
        client.host = host  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def callers(gateway: TestClient, seeded: Settings) -> Callers:
    """A demo citizen logged in through the real flow; DOP's back end with its client
    credentials; the operator's token."""
    app_state = gateway.app_state  # type: ignore[attr-defined]
    host = gateway.host  # type: ignore[attr-defined]
    credentials = load_agency_credentials(seeded)

    async def tokens() -> tuple[str, str]:
        async with app_state.runtime.sessions() as session:
            await ensure_agency_clients(session, app_state.oidc, credentials)
            await session.commit()
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway.app), base_url="http://gateway.test"
            ) as client,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=host), base_url="http://agencies.test"
            ) as agencies,
        ):
            citizen = await login(Stack(client, agencies, gateway.app))  # type: ignore[arg-type]
            dop = credentials["DOP"]
            issued = await client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(dop.consumer_key, dop.consumer_secret),
            )
            assert issued.status_code == 200, issued.text
        return str(citizen["access_token"]), str(issued.json()["access_token"])

    assert gateway.portal is not None
    citizen, agency = gateway.portal.call(tokens)
    return Callers(citizen, agency, seeded.admin_token.get_secret_value())


def _send(client: TestClient, case: schemathesis.Case, headers: dict[str, str]) -> Any:
    kwargs = case.as_transport_kwargs(headers=headers)
    kwargs.pop("cookies", None)
    url = kwargs.pop("url")
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    response = client.request(url=url, **kwargs)
    # A multipart body is sent streamed; the checks' report reads it back.
    response.request.read()
    return response


def _checker(client: TestClient, operation: Any, headers: dict[str, str]) -> Any:
    @given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = _send(client, case, headers)
        case.validate_response(response, checks=CHECKS)

    return check


def _run(client: TestClient, names: set[str], callers: Callers) -> dict[str, str]:
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        if name not in names:
            continue
        headers = callers.headers(name)

        check = _checker(client, operation, headers)
        try:
            check()
        except Exception as exc:  # collect every operation's failure, not just the first
            failures[name] = str(exc)[:2000]
    return failures


def _operations(client: TestClient) -> set[str]:
    paths = client.get("/openapi.json").json()["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item}


def test_every_operation_answers_as_documented(gateway: TestClient, callers: Callers) -> None:
    every = _operations(gateway) - NOT_GENERATED
    assert len(every) > 50  # a run that checks nothing proves nothing

    failures = _run(gateway, every, callers)

    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


def test_a_caller_without_a_token_is_answered_as_documented(gateway: TestClient) -> None:
    """The same operations, anonymous: their 401s are declared too."""
    anonymous = Callers("", "", "")
    every = {
        name
        for name in _operations(gateway) - NOT_GENERATED
        if name.split(" ", 1)[1].startswith(("/v1/applications", "/v1/agency/applications"))
    }
    failures = _run(gateway, every, anonymous)

    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


def test_a_problem_that_breaks_its_declaration_is_caught(gateway: TestClient) -> None:
    """The checks can fail: a 404 problem on an operation that declares no 404 is refused."""
    document = gateway.get("/openapi.json").json()
    del document["paths"]["/v1/agencies/{code}"]["get"]["responses"]["404"]
    schema = schemathesis.openapi.from_dict(document)
    operation = schema["/v1/agencies/{code}"]["GET"]
    case = operation.Case(path_parameters={"code": "NOPE"})

    response = _send(gateway, case, {})

    assert response.status_code == 404
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        case.validate_response(response, checks=CHECKS)

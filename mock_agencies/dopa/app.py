"""The mock civil registry's HTTP face, mounted by the host at /dopa. Nothing is anonymous but
its landing (`GET /`: who it is, no links, every call needs credentials; docs/demo-citizens.md).

Government data-exchange style REST (JSON; every error `{"error": <stable code>, "message"}`):

    GET  /gdx/auth/validate?ConsumerSecret=…&AgentID=…  header Consumer-Key → {"Result": token}
    POST /gdx/linkage/check-card-by-laser  Consumer-Key, Token → {"code", "desc", "descEn"}
    POST /gdx/linkage/person               Consumer-Key, Token → registry data (active card)
    POST /gdx/linkage/face-reference       Consumer-Key, Token → {"pid", "template"}
    POST /gdx/linkage/house                Consumer-Key, Token → the house registration the
                                           person is listed in (households.py): {"pid",
                                           "houseId", "houseNo", "address", "householder",
                                           "members": [...]}; other members' IDs masked

SOAP 1.2 (see soap.py):

    POST /soap/CheckCardByLaser   WS-Security UsernameToken = consumer key / secret

`face-reference` exists only because this simulator compares faces on the gateway's side: the
real registry runs the comparison itself and never hands out a reference template. It is still
behind the same consumer authentication as every other call.

401 error codes: `missing_credentials` (no Consumer-Key, secret or Token), `invalid_consumer`
(unknown key or wrong secret), `invalid_token` (never issued, or issued to another key),
`token_expired` (60 minutes passed without use: validate again).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from mock_agencies.bodies import json_object_of, read_at_most
from mock_agencies.dopa import soap
from mock_agencies.dopa.credentials import TokenState, TokenStore, load_consumers, secret_matches
from mock_agencies.dopa.data import Name
from mock_agencies.dopa.households import RELATIONS, Household, Member, household_of, masked
from mock_agencies.dopa.population import (
    Address,
    CardStatus,
    Person,
    Population,
    default_population,
    is_valid_national_id,
    nationality,
)
from mock_agencies.dopa.rules import check_card_by_laser
from mock_agencies.landing import add_landing

MAX_JSON_BYTES = 64 * 1024
AUTHENTICATE = 'Token realm="mock-dopa"'
TEMPLATE_DECIMALS = 6


class RegistryError(Exception):
    """An error answered as JSON `{"error": code, "message": message}` with `status`."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingCredentials(RegistryError):
    status, code = 401, "missing_credentials"


class InvalidConsumer(RegistryError):
    status, code = 401, "invalid_consumer"


class InvalidToken(RegistryError):
    status, code = 401, "invalid_token"


class TokenExpired(RegistryError):
    status, code = 401, "token_expired"


class InvalidAgentId(RegistryError):
    status, code = 400, "invalid_agent_id"


class InvalidPid(RegistryError):
    status, code = 400, "invalid_pid"


class PayloadTooLarge(RegistryError):
    status, code = 413, "payload_too_large"


class NotFound(RegistryError):
    status, code = 404, "not_found"


def _localised(th: str, en: str) -> dict[str, str]:
    return {"th": th, "en": en}


def _address(address: Address) -> dict[str, Any]:
    return {
        "houseNo": address.house_no,
        "moo": address.moo,
        "subdistrict": _localised(address.subdistrict.th, address.subdistrict.en),
        "district": _localised(address.district.th, address.district.en),
        "province": {
            "th": address.province.th,
            "en": address.province.en,
            "iso": address.province.iso,
        },
        "postcode": address.postcode,
        "text": _localised(address.text_th, address.text_en),
    }


def person_record(person: Person) -> dict[str, Any]:
    """What the registry discloses about a person with an active card: never the laser code
    (the caller must already know it) and never the face template."""
    return {
        "pid": person.pid,
        "titleName": _localised(person.title_th, person.title_en),
        "firstName": _localised(person.first_name.th, person.first_name.en),
        "lastName": _localised(person.last_name.th, person.last_name.en),
        "sex": person.sex,
        "birthDate": person.birth_date_be,
        "nationality": nationality(person),
        "address": _address(person.address),
        "card": {
            "status": person.card_status.value,
            "issueDate": person.card_issued_be,
            "expiryDate": person.card_expiry_be,
            "lifelong": person.card_expiry_be is None,
        },
    }


def _name(name: Name | None) -> dict[str, str] | None:
    return None if name is None else _localised(name.th, name.en)


def house_record(person: Person, household: Household) -> dict[str, Any]:
    """`person`'s house registration as the registry discloses it to them: every member's
    names, sex, birth date, relation to the householder and parents' names; only their own ID
    in full (CitizenRecord: never another person's ID number)."""

    def member(entry: Member) -> dict[str, Any]:
        th, en = RELATIONS[entry.relation]
        return {
            "pid": entry.pid if entry.pid == person.pid else masked(entry.pid),
            "self": entry.pid == person.pid,
            "titleName": _localised(*entry.title),
            "firstName": _localised(entry.first_name.th, entry.first_name.en),
            "lastName": _localised(entry.last_name.th, entry.last_name.en),
            "sex": entry.sex,
            "birthDate": entry.birth_date_be,
            "relation": {"code": entry.relation, "th": th, "en": en},
            "fatherName": _name(entry.father),
            "motherName": _name(entry.mother),
        }

    head = household.householder
    return {
        "pid": person.pid,
        "houseId": household.house_id,
        "houseNo": household.address.house_no,
        "address": _address(household.address),
        "householder": {
            "pid": head.pid if head.pid == person.pid else masked(head.pid),
            "name": _localised(
                f"{head.title[0]}{head.first_name.th} {head.last_name.th}",
                f"{head.title[1]} {head.first_name.en} {head.last_name.en}",
            ),
        },
        "members": [member(entry) for entry in household.members],
    }


class Registry:
    """The registry's state behind the endpoints: its people, its consumers, live tokens."""

    def __init__(
        self, population: Population, consumers: Mapping[str, str], clock: Callable[[], float]
    ) -> None:
        self.population = population
        self.consumers = dict(consumers)
        self.tokens = TokenStore(clock)

    def validate(self, key: str | None, secret: str | None, agent_id: str | None) -> str:
        """A new token for a consumer presenting its key and secret on behalf of `agent_id`."""
        if not key:
            raise MissingCredentials("header Consumer-Key is required")
        if not secret:
            raise MissingCredentials("query parameter ConsumerSecret is required")
        if not secret_matches(self.consumers, key, secret):
            raise InvalidConsumer("consumer key or secret not recognised")
        if not is_valid_national_id(agent_id or ""):
            raise InvalidAgentId("AgentID must be the 13-digit ID of the calling officer/system")
        return self.tokens.issue(key, agent_id or "")

    def authorise(self, key: str | None, token: str | None) -> str:
        """The consumer key of a caller holding a live token (the token's idle clock restarts)."""
        if not key:
            raise MissingCredentials("header Consumer-Key is required")
        if not token:
            raise MissingCredentials("header Token is required: get one from /gdx/auth/validate")
        if key not in self.consumers:
            raise InvalidConsumer("consumer key not recognised")
        state = self.tokens.use(key, token)
        if state is TokenState.EXPIRED:
            raise TokenExpired("token unused for 60 minutes: call /gdx/auth/validate again")
        if state is not TokenState.VALID:
            raise InvalidToken("token not recognised for this consumer key")
        return key

    def active_person(self, pid: str) -> Person:
        found = self.population.get(pid)
        if found is None or found.card_status is not CardStatus.ACTIVE:
            raise NotFound("no person with an active card has this ID")
        return found

    def household(self, pid: str) -> dict[str, Any]:
        found = self.population.get(pid)
        if found is None:
            raise NotFound("no person has this ID")
        return house_record(found, household_of(found, self.population.seed))

    def face_reference(self, pid: str) -> list[float]:
        if pid not in self.population:
            raise NotFound("no person has this ID")
        return [round(x, TEMPLATE_DECIMALS) for x in self.population.face_template(pid)]

    def soap_check_card(self, document: bytes) -> bytes:
        envelope = soap.parse_envelope(document)
        username, password = soap.username_token(envelope)
        if not secret_matches(self.consumers, username, password):
            raise soap.authentication_failed()
        check = check_card_by_laser(self.population, **soap.check_card_arguments(envelope))
        return soap.render_check_result(check)


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await read_at_most(request, MAX_JSON_BYTES)
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"request body over {MAX_JSON_BYTES} bytes")
    if (body := json_object_of(raw)) is None:
        raise RegistryError("request body must be a JSON object")
    return body


async def _pid_of(request: Request) -> str:
    pid = (await _json_object(request)).get("pid")
    if not isinstance(pid, str) or not is_valid_national_id(pid):
        raise InvalidPid("pid must be a valid 13-digit national ID")
    return pid


async def _registry_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RegistryError)
    headers = {"WWW-Authenticate": AUTHENTICATE} if error.status == 401 else None
    return JSONResponse(
        {"error": error.code, "message": error.message}, error.status, headers=headers
    )


async def _soap_fault(_: Request, fault: Exception) -> Response:
    assert isinstance(fault, soap.SoapFault)
    return Response(fault.render(), fault.status, headers=fault.headers, media_type=soap.MEDIA_TYPE)


def create_app(
    population: Population,
    clock: Callable[[], float] = time.time,
    consumers: Mapping[str, str] | None = None,
) -> FastAPI:
    """The registry over `population`. `consumers` defaults to `load_consumers()` (environment
    or var dir file); `clock` measures token idleness (tests advance it)."""
    registry = Registry(population, load_consumers() if consumers is None else consumers, clock)
    # No /docs or /openapi.json: nothing here is served anonymously.
    app = FastAPI(title="Mock DOPA", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(soap.SoapFault, _soap_fault)

    def authorised(request: Request) -> None:
        registry.authorise(request.headers.get("Consumer-Key"), request.headers.get("Token"))

    # Runs before the body is read: a caller without a live token learns nothing else.
    token_required = [Depends(authorised)]

    @app.get("/gdx/auth/validate")
    async def validate(request: Request) -> dict[str, str]:
        token = registry.validate(
            request.headers.get("Consumer-Key"),
            request.query_params.get("ConsumerSecret"),
            request.query_params.get("AgentID"),
        )
        return {"Result": token}

    @app.post("/gdx/linkage/check-card-by-laser", dependencies=token_required)
    async def check_card(request: Request) -> dict[str, object]:
        body = await _json_object(request)
        check = check_card_by_laser(
            population,
            pid=body.get("pid"),
            first_name_th=body.get("firstName"),
            last_name_th=body.get("lastName"),
            birth_date_be=body.get("birthDate"),
            laser=body.get("laser"),
        )
        return {"code": check.code, "desc": check.desc_th, "descEn": check.desc_en}

    @app.post("/gdx/linkage/person", dependencies=token_required)
    async def person(request: Request) -> dict[str, Any]:
        return person_record(registry.active_person(await _pid_of(request)))

    @app.post("/gdx/linkage/house", dependencies=token_required)
    async def house(request: Request) -> dict[str, Any]:
        return registry.household(await _pid_of(request))

    @app.post("/gdx/linkage/face-reference", dependencies=token_required)
    async def face_reference(request: Request) -> dict[str, object]:
        pid = await _pid_of(request)
        return {"pid": pid, "template": registry.face_reference(pid)}

    @app.post("/soap/CheckCardByLaser")
    async def soap_check_card(request: Request) -> Response:
        soap.check_media_type(request.headers.get("content-type"))
        document = await read_at_most(request, soap.MAX_BODY_BYTES)  # soap refuses more
        return Response(registry.soap_check_card(document), media_type=soap.MEDIA_TYPE)

    add_landing(
        app,
        {
            "agency": "DOPA",
            "name_th": "กรมการปกครอง",
            "name_en": "Department of Provincial Administration",
            "access": "every call needs a consumer key: see docs/demo-citizens.md",
        },
    )
    return app


def create_default_app() -> FastAPI:
    """The registry as the host serves it: population from MOCK_DOPA_SEED/MOCK_DOPA_POPULATION,
    consumers from MOCK_DOPA_CONSUMERS or the var dir file, the system clock."""
    return create_app(default_population())

"""The civil registry (DOPA) through the government data-exchange REST style.

The registry authenticates every call: a consumer key and secret (issued to the gateway when it
is registered as a consumer) buy a token at `/gdx/auth/validate`; the token goes with the
consumer key on every call and lapses after 60 minutes without use. This connector keeps one
token, fetches a new one when the registry says it lapsed, and maps every failure onto the three
connector errors.

`HoldsCitizenData` (know) reads the person record (`/gdx/linkage/person`, an active card only:
a citizen without one gets AgencyRejected not_found) and the house registration
(`/gdx/linkage/house`):

    facts    birth_date_be (YYYYMMDD, BE), nationality (ISO 3166-1 alpha-2), province (ISO
             3166-2 of the house registration, e.g. "TH-10"), children_under_6 (members of the
             household whose father or mother the registration names as the citizen, under 6
             on the connector's `today`)
    records  house_registration   house number, address, householder, members (their IDs
                                  masked as the registry gives them; the citizen's own in full)
             identity_card        status, issue and expiry (BE); never the laser code

Fresh for an hour (`CITIZEN_DATA_FRESH_FOR`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from connectors.base import CitizenData, CitizenRecord, FactValue
from connectors.civil_registry import CardCheck, CardCheckCode, CardQuery, PersonRecord
from connectors.errors import AgencyMisconfigured, AgencyRejected, AgencyUnavailable
from kernel.eligibility import age_on

AGENCY = "DOPA"
_TOKEN_LAPSED = {"token_expired", "invalid_token"}
#: How long the portal may reuse the registry's answer (know).
CITIZEN_DATA_FRESH_FOR = dt.timedelta(hours=1)
UNDER = 6  # children_under_6
_M = TypeVar("_M", bound=BaseModel)


class _Names(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    th: StrictStr
    en: StrictStr


class _Relation(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: StrictStr
    th: StrictStr
    en: StrictStr


class _Member(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    pid: StrictStr
    self_: StrictBool = Field(default=False, alias="self")
    titleName: _Names
    firstName: _Names
    lastName: _Names
    sex: StrictStr
    birthDate: StrictStr
    relation: _Relation
    fatherName: _Names | None = None
    motherName: _Names | None = None


class _Address(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    text: _Names
    province: dict[str, StrictStr]


class _House(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    houseId: StrictStr
    houseNo: StrictStr
    address: _Address
    householder: dict[str, Any]
    members: list[dict[str, Any]]


class _Card(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: StrictStr
    issueDate: StrictStr
    expiryDate: StrictStr | None = None
    lifelong: StrictBool = False


class _Person(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    birthDate: StrictStr
    nationality: StrictStr
    address: _Address
    card: _Card


def _age_on(birth_be: str, today: dt.date) -> int | None:
    """Completed years on `today` (kernel.eligibility.age_on: CCC s.16 for an unknown day or
    month); None for a date that is not one."""
    try:
        return age_on(birth_be, today)
    except ValueError:
        return None


@dataclass(frozen=True)
class DopaConfig:
    base_url: str  # e.g. http://127.0.0.1:8100/dopa
    consumer_key: str
    consumer_secret: str
    agent_id: str  # the 13-digit ID of the officer or system on whose behalf the portal asks
    timeout_seconds: float = 5.0


class DopaRegistry:
    """`connectors.civil_registry.CivilRegistry` and `HoldsCitizenData` over HTTP. `today`
    gives the day children's ages are counted on (default: the system's date)."""

    agency_code = AGENCY
    citizen_facts = frozenset({"birth_date_be", "nationality", "province", "children_under_6"})
    citizen_data_fresh_for = CITIZEN_DATA_FRESH_FOR

    def __init__(
        self,
        config: DopaConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        today: Callable[[], dt.date] | None = None,
    ):
        self.config = config
        self._today = today or dt.date.today
        self._client = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            transport=transport,
            timeout=config.timeout_seconds,
        )
        self._token: str | None = None
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def check_card_by_laser(self, query: CardQuery) -> CardCheck:
        body = await self._call(
            "/gdx/linkage/check-card-by-laser",
            {
                "pid": query.national_id,
                "firstName": query.first_name_th,
                "lastName": query.last_name_th,
                "birthDate": query.birth_date_be,
                "laser": query.laser_code,
            },
        )
        try:
            code = CardCheckCode(int(body["code"]))
            return CardCheck(code, str(body.get("desc", "")), str(body.get("descEn", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyMisconfigured(AGENCY, f"unreadable check-card answer: {body!r}") from exc

    async def person(self, national_id: str) -> PersonRecord:
        body = await self._call("/gdx/linkage/person", {"pid": national_id})
        try:
            address = body.get("address") or {}
            return PersonRecord(
                national_id=str(body["pid"]),
                first_name_th=str(body["firstName"]["th"]),
                last_name_th=str(body["lastName"]["th"]),
                first_name_en=str(body["firstName"]["en"]),
                last_name_en=str(body["lastName"]["en"]),
                birth_date_be=str(body["birthDate"]),
                sex=str(body["sex"]),
                province_code=(address.get("province") or {}).get("iso"),
                address_th=(address.get("text") or {}).get("th"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise AgencyMisconfigured(AGENCY, "unreadable person record") from exc

    async def citizen_data(self, pid: str) -> CitizenData:
        person = self._read(_Person, await self._call("/gdx/linkage/person", {"pid": pid}))
        answer = await self._call("/gdx/linkage/house", {"pid": pid})
        house = self._read(_House, answer)
        members = [self._read(_Member, m) for m in house.members]
        own = next((m for m in members if m.self_), None)
        if own is None:
            raise AgencyMisconfigured(AGENCY, "house registration does not list the person")
        children = _children_under_6(own, members, self._today())
        province = person.address.province.get("iso")
        if province is None:
            raise AgencyMisconfigured(AGENCY, "person record: address.province.iso missing")
        facts: dict[str, FactValue] = {
            "birth_date_be": person.birthDate,
            "nationality": person.nationality,
            "province": province,
            "children_under_6": children,
        }
        now = dt.datetime.now(dt.UTC)
        registration = CitizenRecord(
            kind="house_registration",
            title_th="ทะเบียนบ้าน",
            title_en="House registration",
            data={
                "house_id": house.houseId,
                "house_no": house.houseNo,
                "address_th": house.address.text.th,
                "address_en": house.address.text.en,
                "province": province,
                "householder": {
                    "pid": house.householder.get("pid"),
                    "name_th": (house.householder.get("name") or {}).get("th"),
                    "name_en": (house.householder.get("name") or {}).get("en"),
                },
                "members": [_member_json(m) for m in members],
            },
            as_of=now,
        )
        card = person.card
        identity_card = CitizenRecord(
            kind="identity_card",
            title_th="บัตรประจำตัวประชาชน",
            title_en="National ID card",
            data={
                "status": card.status,
                "issued_on_be": card.issueDate,
                "expires_on_be": card.expiryDate,
                "lifelong": card.lifelong,
            },
            as_of=now,
        )
        return CitizenData(facts, [registration, identity_card], [])

    def _read(self, model: type[_M], answer: object) -> _M:
        try:
            return model.model_validate(answer)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "(the answer)"
            raise AgencyMisconfigured(
                AGENCY, f"unreadable answer: {where}: {error['msg']}"
            ) from None

    async def face_reference(self, national_id: str) -> tuple[float, ...]:
        body = await self._call("/gdx/linkage/face-reference", {"pid": national_id})
        try:
            return tuple(float(x) for x in body["template"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyMisconfigured(AGENCY, "unreadable face reference") from exc

    async def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with the current token; on a lapsed token, validate again and retry once."""
        token: str | None = None
        for _ in range(2):
            token = await self._current_token(stale=token)
            response = await self._send(
                "POST",
                path,
                json=payload,
                headers={"Consumer-Key": self.config.consumer_key, "Token": token},
            )
            if response.status_code == 401 and _error_code(response) in _TOKEN_LAPSED:
                continue
            return self._json_or_raise(response)
        raise AgencyMisconfigured(AGENCY, "a freshly validated token was refused")

    async def _current_token(self, *, stale: str | None = None) -> str:
        """The token to use; a new one when `stale` (refused) is still the current one. Callers
        that waited on the lock while another renewed it take the renewed token."""
        async with self._token_lock:
            if self._token is None or self._token == stale:
                response = await self._send(
                    "GET",
                    "/gdx/auth/validate",
                    params={
                        "ConsumerSecret": self.config.consumer_secret,
                        "AgentID": self.config.agent_id,
                    },
                    headers={"Consumer-Key": self.config.consumer_key},
                )
                body = self._json_or_raise(response)
                token = body.get("Result")
                if not isinstance(token, str) or not token:
                    raise AgencyMisconfigured(AGENCY, "validate answered without a token")
                self._token = token
            return self._token

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise AgencyUnavailable(
                AGENCY, f"no answer within {self.config.timeout_seconds}s"
            ) from exc
        except httpx.TransportError as exc:
            raise AgencyUnavailable(
                AGENCY, f"cannot reach the registry: {type(exc).__name__}"
            ) from exc

    def _json_or_raise(self, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status >= 500 or status == 429:
            raise AgencyUnavailable(AGENCY, f"registry answered {status}")
        if status in (401, 403):
            raise AgencyMisconfigured(
                AGENCY, f"registry refused our credentials ({_error_code(response) or status})"
            )
        if status == 404:
            raise AgencyRejected(AGENCY, _error_code(response) or "not found")
        if status >= 400:
            raise AgencyMisconfigured(
                AGENCY, f"registry answered {status}: {_error_code(response)}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise AgencyUnavailable(AGENCY, "registry sent a malformed reply") from exc
        if not isinstance(body, dict):
            raise AgencyUnavailable(AGENCY, "registry sent a malformed reply")
        return body


def _children_under_6(own: _Member, members: list[_Member], today: dt.date) -> int:
    """The members the registration names the citizen as father or mother of (ท.ร.14 lists
    each member's parents by name) who are under 6 on `today`."""
    me = f"{own.firstName.th} {own.lastName.th}"
    count = 0
    for member in members:
        parents = {names.th for names in (member.fatherName, member.motherName) if names}
        age = _age_on(member.birthDate, today)
        if not member.self_ and me in parents and age is not None and age < UNDER:
            count += 1
    return count


def _member_json(member: _Member) -> dict[str, Any]:
    """A household member as the record shows it (snake_case; the ID as the registry gave
    it: masked but for the citizen's own)."""

    def names(found: _Names | None) -> Mapping[str, str] | None:
        return None if found is None else {"th": found.th, "en": found.en}

    return {
        "pid": member.pid,
        "self": member.self_,
        "title_th": member.titleName.th,
        "title_en": member.titleName.en,
        "first_name_th": member.firstName.th,
        "first_name_en": member.firstName.en,
        "last_name_th": member.lastName.th,
        "last_name_en": member.lastName.en,
        "sex": member.sex,
        "birth_date_be": member.birthDate,
        "relation": member.relation.code,
        "relation_th": member.relation.th,
        "relation_en": member.relation.en,
        "father_name": names(member.fatherName),
        "mother_name": names(member.motherName),
    }


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None

"""Shared pieces of the mock-registry tests: a fake clock, a host serving a small population, and
the CheckCardByLaser cases every protocol must answer alike (importable as `dopa_support`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import httpx

from mock_agencies.app import create_app
from mock_agencies.device import app as device
from mock_agencies.dopa import app as dopa
from mock_agencies.dopa.population import Population, build_population, national_id_check_digit

KEY, SECRET = "consumer-under-test", "secret-under-test"
OTHER_KEY, OTHER_SECRET = "another-consumer", "another-secret"
AGENT_ID = "3100100000014"  # a valid ID: the calling officer
SOAP_TYPE = "application/soap+xml; charset=utf-8"
SMALL_POPULATION = build_population(seed=2565, size=300)


@dataclass
class FakeClock:
    now: float = 1_760_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Host:
    client: httpx.AsyncClient
    clock: FakeClock
    population: Population = field(default=SMALL_POPULATION)

    async def token(self, key: str = KEY, secret: str = SECRET) -> str:
        response = await self.client.get(
            "/dopa/gdx/auth/validate",
            params={"ConsumerSecret": secret, "AgentID": AGENT_ID},
            headers={"Consumer-Key": key},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["Result"]
        return token

    async def auth_headers(self) -> dict[str, str]:
        return {"Consumer-Key": KEY, "Token": await self.token()}


@contextlib.asynccontextmanager
async def serving(
    population: Population = SMALL_POPULATION, device_seed: int = 11
) -> AsyncIterator[Host]:
    """The mock-agencies host with DOPA over `population` and the phone for the same people."""
    clock = FakeClock()
    registry = dopa.create_app(
        population, clock=clock, consumers={KEY: SECRET, OTHER_KEY: OTHER_SECRET}
    )
    app = create_app(
        {"DOPA": registry}, seed=5, device_app=device.create_app(population, device_seed)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agencies.test") as client:
        yield Host(client, clock, population)


# --- CheckCardByLaser cases -----------------------------------------------------------------

Fields = dict[str, str | None]  # pid, first_name, last_name, birth_date, laser; None: not sent

SOMCHAI: Fields = {  # demo 1: active card
    "pid": "1100100001014",
    "first_name": "สมชาย",
    "last_name": "ใจดี",
    "birth_date": "25300115",
    "laser": "JT0123456701",
}
MALEE: Fields = {  # demo 3: unknown birth day
    "pid": "3400100003037",
    "first_name": "มาลี",
    "last_name": "ศรีสุข",
    "birth_date": "25200800",
    "laser": "JT0123456703",
}
PRASERT: Fields = {  # demo 4: card void after an address change
    "pid": "1200100004047",
    "first_name": "ประเสริฐ",
    "last_name": "แสงทอง",
    "birth_date": "25270922",
    "laser": "JT0123456704",
}
SUDA: Fields = {  # demo 5: expired
    "pid": "1900100005055",
    "first_name": "สุดา",
    "last_name": "ทองคำ",
    "birth_date": "25351130",
    "laser": "JT0123456705",
}
WICHAI: Fields = {  # demo 6: lost or revoked
    "pid": "1300100006065",
    "first_name": "วิชัย",
    "last_name": "รักไทย",
    "birth_date": "25280704",
    "laser": "JT0123456706",
}
THONGBAI: Fields = {  # demo 7: unknown birth month and day
    "pid": "3340100007076",
    "first_name": "ทองใบ",
    "last_name": "บุญมา",
    "birth_date": "24900000",
    "laser": "JT0123456707",
}


def _unregistered_pid() -> str:
    for serial in range(10**6):
        first12 = f"19999{serial:07d}"
        pid = first12 + national_id_check_digit(first12)
        if pid not in SMALL_POPULATION:
            return pid
    raise AssertionError("no free ID")


UNREGISTERED_PID = _unregistered_pid()  # a valid ID that nobody in SMALL_POPULATION has


def _with(base: Fields, **changes: str | None) -> Fields:
    return {**base, **changes}


FIELDS = ("pid", "first_name", "last_name", "birth_date", "laser")
MALFORMED = {
    "pid": ["110010000101", "1100100001015", "11001000010I4", "0100100001016", " 1100100001014"],
    "first_name": ["ก" * 101],
    "last_name": ["ข" * 101],
    "birth_date": ["2530-01-15", "25301315", "25300230", "25300015", "00000115", "2530011"],
    "laser": ["JT0-1234567-01", "jt0123456701", "JTO123456701", "JT012345670", "J10123456701"],
}

#: (case id, fields sent, the registry's code)
CASES: list[tuple[str, Fields, int]] = [
    ("0-normal", SOMCHAI, 0),
    ("0-names-trimmed", _with(SOMCHAI, first_name="  สมชาย ", last_name="\tใจดี\n"), 0),
    ("0-unknown-day", MALEE, 0),
    ("0-unknown-month-and-day", THONGBAI, 0),
    ("2-void-address-change", PRASERT, 2),
    ("6-expired", SUDA, 6),
    ("7-lost-or-revoked", WICHAI, 7),
    ("4-first-name", _with(SOMCHAI, first_name="สมชัย"), 4),
    ("4-last-name", _with(SOMCHAI, last_name="ใจดีมาก"), 4),
    ("4-birth-date", _with(SOMCHAI, birth_date="25300116"), 4),
    ("4-birth-day-guessed", _with(MALEE, birth_date="25200801"), 4),
    ("4-birth-month-guessed", _with(THONGBAI, birth_date="24900100"), 4),
    ("4-laser", _with(SOMCHAI, laser="JT0123456702"), 4),
    ("4-english-name", _with(SOMCHAI, first_name="Somchai"), 4),
    ("4-unknown-id", _with(SOMCHAI, pid=UNREGISTERED_PID), 4),
    ("4-void-card-wrong-laser", _with(PRASERT, laser="JT0123456799"), 4),
    *[(f"5-missing-{name}", _with(SOMCHAI, **{name: None}), 5) for name in FIELDS],
    *[(f"5-empty-{name}", _with(SOMCHAI, **{name: ""}), 5) for name in FIELDS],
    ("5-blank-first-name", _with(SOMCHAI, first_name="   "), 5),
    *[
        (f"5-malformed-{name}-{index}", _with(SOMCHAI, **{name: value}), 5)
        for name, values in MALFORMED.items()
        for index, value in enumerate(values)
    ],
]

REST_NAMES = {
    "pid": "pid",
    "first_name": "firstName",
    "last_name": "lastName",
    "birth_date": "birthDate",
    "laser": "laser",
}
SOAP_NAMES = {
    "pid": "PID",
    "first_name": "FirstName",
    "last_name": "LastName",
    "birth_date": "BirthDay",
    "laser": "Laser",
}


def rest_body(fields: Fields) -> dict[str, str]:
    return {REST_NAMES[name]: value for name, value in fields.items() if value is not None}


WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def security_header(username: str = KEY, password: str = SECRET) -> str:
    return (
        f'<env:Header><wsse:Security xmlns:wsse="{WSSE}" env:mustUnderstand="true">'
        f"<wsse:UsernameToken><wsse:Username>{escape(username)}</wsse:Username>"
        f"<wsse:Password>{escape(password)}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security></env:Header>"
    )


def soap_envelope(fields: Fields, header: str | None = None) -> bytes:
    elements = "".join(
        f"<{SOAP_NAMES[name]}>{escape(value)}</{SOAP_NAMES[name]}>"
        for name, value in fields.items()
        if value is not None
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
        f"{security_header() if header is None else header}"
        f'<env:Body><CheckCardByLaser xmlns="http://tempuri.org/">{elements}'
        "</CheckCardByLaser></env:Body></env:Envelope>"
    ).encode()

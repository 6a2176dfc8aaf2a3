"""The simulated phone, mounted by the host at /device (it is the citizen's phone, not an agency:
no fault knobs, no agency credentials).

    POST /face-scan   {"pid", "genuine": true, "challenge": {"nonce", "action"}, "spoof": false}
                      → {"template": [128 floats], "liveness": {"nonce", "action", "live"},
                         "quality"}
    GET  /            {"device", "links"}
    GET  /id-cards    ?status=active&offset=0&limit=100
                      → the ID cards simulated citizens hold (front and back of the card), so that
                        load tests and outside suites can log in as many different people

Reference templates are never served here: the registry alone holds them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mock_agencies.device.face import FaceSensor
from mock_agencies.dopa.population import CardStatus, Person, Population, default_population
from mock_agencies.landing import add_landing

TEMPLATE_DECIMALS = 6


class Challenge(BaseModel):
    """The gateway's one-time liveness challenge, shown to the user on the phone."""

    model_config = ConfigDict(extra="forbid")

    nonce: Annotated[str, Field(min_length=1, max_length=256)]
    action: Annotated[str, Field(min_length=1, max_length=64)]  # e.g. blink, turn_left, smile


class FaceScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pid: Annotated[str, Field(pattern=r"^[0-9]{13}$")]
    genuine: bool = True  # false: someone else is in front of the camera
    challenge: Challenge
    spoof: bool = False  # true: a photo held up to the camera; the action is not performed


class Liveness(BaseModel):
    nonce: str
    action: str | None  # the action performed; None when nothing moved (a photo)
    live: bool


class FaceScanResponse(BaseModel):
    template: list[float]
    liveness: Liveness
    quality: float


class IdCard(BaseModel):
    pid: str
    laser: str
    laser_printed: str  # as printed on the back of the card: AA9-9999999-99
    title_th: str
    first_name_th: str
    last_name_th: str
    title_en: str
    first_name_en: str
    last_name_en: str
    birth_date_be: str
    card_status: CardStatus


class IdCardPage(BaseModel):
    total: int
    offset: int
    limit: int
    cards: list[IdCard]


def _card(person: Person) -> IdCard:
    laser = person.laser
    return IdCard(
        pid=person.pid,
        laser=laser,
        laser_printed=f"{laser[:3]}-{laser[3:10]}-{laser[10:]}",
        title_th=person.title_th,
        first_name_th=person.first_name.th,
        last_name_th=person.last_name.th,
        title_en=person.title_en,
        first_name_en=person.first_name.en,
        last_name_en=person.last_name.en,
        birth_date_be=person.birth_date_be,
        card_status=person.card_status,
    )


def create_app(population: Population, seed: int = 0) -> FastAPI:
    """The phone for `population` (the registry's people), its scans drawn from `seed`."""
    sensor = FaceSensor(population, seed)
    app = FastAPI(title="Simulated phone (face scan)", version="0.1.0")

    @app.post("/face-scan", response_model=FaceScanResponse, responses={404: {}})
    async def face_scan(scan: FaceScanRequest) -> FaceScanResponse | JSONResponse:
        if scan.genuine and scan.pid not in population:
            return JSONResponse(
                {"error": "unknown_person", "message": "no registered person has this ID"}, 404
            )
        face = sensor.genuine(scan.pid) if scan.genuine else sensor.impostor(scan.pid)
        return FaceScanResponse(
            template=[round(x, TEMPLATE_DECIMALS) for x in face.template],
            liveness=Liveness(
                nonce=scan.challenge.nonce,
                action=None if scan.spoof else scan.challenge.action,
                live=not scan.spoof,
            ),
            quality=face.quality,
        )

    @app.get("/id-cards")
    async def id_cards(
        status: CardStatus | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> IdCardPage:
        persons = population.persons if status is None else population.by_status[status]
        return IdCardPage(
            total=len(persons),
            offset=offset,
            limit=limit,
            cards=[_card(person) for person in persons[offset : offset + limit]],
        )

    add_landing(app, {"device": "the citizens' simulated phone"}, {"id_cards": "/id-cards"})
    return app


def create_default_app(seed: int) -> FastAPI:
    """The phone for the population the host's registry serves."""
    return create_app(default_population(), seed)

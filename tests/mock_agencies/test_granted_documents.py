"""The e-document each API-kind mock agency grants in its approval (`data.document`), checked
against the gateway's own DocumentSpec, and the back office's word on it afterwards: revoke,
suspend, reinstate, sent signed to the gateway (docs/agency-integration.md, "The document you
grant"; R-13.1, R-14.1: what the portal issues and verifies is what the agency decided)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
from casework_support import (
    BOONMEE,
    CALLBACK_SECRET,
    CHIANG_MAI_ADDRESS,
    MALEE,
    NATTHIDA,
    SOMCHAI,
    WALL_TIME,
    Receiver,
    Served,
    assert_error,
    filing,
    serving,
    verified,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from documents.facts import DocumentSpec, Kind
from mock_agencies.casework.model import iso
from mock_agencies.dlt import app as dlt
from mock_agencies.pea import app as pea
from mock_agencies.rd import app as rd
from mock_agencies.sso import app as sso

NUMBER = re.compile(r"^(DLT|SSO|RD|PEA)25[0-9]{2}-[0-9A-HJKMNP-TV-Z]{8}$")
THAI = re.compile(r"[\u0e01-\u0e5b]")


def _child_allowance_claimant() -> str:
    """A demo citizen SSO pays child allowance to (seed 0): active, Section 33 or 39, 12
    months of contributions."""
    register = sso.Sso(0)
    for pid in (SOMCHAI, BOONMEE, MALEE, NATTHIDA):
        person = register.insured(pid)
        if (
            person is not None
            and person.status == "active"
            and person.section in (33, 39)
            and person.months_contributed >= 12
        ):
            return pid
    raise AssertionError("no demo citizen can claim child allowance at seed 0")


@dataclass
class Gateway(Receiver):
    """The gateway stood in for: callbacks as `Receiver`, and the document-status endpoint,
    which records each request and answers `status_answers` in turn (the last one after)."""

    status_answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    status_requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> Starlette:
        receiver = super().app()

        async def document_status(request: Request) -> JSONResponse:
            body = await request.body()
            self.status_requests.append((request.url.path, dict(request.headers), body))
            if self.status_answers:
                status, answer = self.status_answers[
                    min(len(self.status_requests), len(self.status_answers)) - 1
                ]
                return JSONResponse(answer, status)
            sent = json.loads(body)
            answer = {"number": sent["number"], "status": sent["status"], "changed": True}
            return JSONResponse(answer)

        receiver.router.routes.append(
            Route("/v1/agency/document-status/{code}", document_status, methods=["POST"])
        )
        return receiver


def _problem(status: int, code: str, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "about:blank", "title": code, "status": status, "detail": detail,
                    "code": code}  # fmt: skip


@pytest.fixture
async def dlt_agency() -> AsyncIterator[tuple[Served, Gateway]]:
    gateway = Gateway()
    async with serving(dlt, "DLT", gateway) as served:
        yield served, gateway


async def _approved(agency: Served, body: dict[str, Any]) -> dict[str, Any]:
    """The approved case filed with `body`: approved, then paid when approval waits for it."""
    ref = await agency.filed(body)
    answer = await agency.staff(ref, "approve")
    assert answer.status_code == 200, answer.text
    if answer.json()["status"] == "awaiting_payment":
        assert (await agency.pay(ref)).status_code == 201
    case = await agency.case(ref)
    assert case["status"] == "approved"
    return case


CASES: list[tuple[ModuleType, str, dict[str, Any], Kind | None]] = [
    (dlt, "DLT", filing("dlt-driving-licence-renewal", pid=MALEE), Kind.DRIVING_LICENCE),
    (dlt, "DLT", filing("dlt-international-driving-permit", pid=SOMCHAI), Kind.PERMIT),
    (
        dlt,
        "DLT",
        filing("dlt-annual-vehicle-tax", form={"vehicle_type": "car", "engine_cc": 1500}),
        Kind.CERTIFICATE,
    ),
    (
        sso,
        "SSO",
        filing(
            "sso-unemployment-benefit",
            code="SSO",
            form={"cause": "laid_off", "paid_by": "promptpay_id"},
        ),
        Kind.BENEFIT_AWARD,
    ),
    (
        sso,
        "SSO",
        filing(
            "sso-child-allowance",
            pid=_child_allowance_claimant(),
            code="SSO",
            form={"paid_by": "promptpay_id", "child": {"national_id": "1100100001014"}},
        ),
        Kind.BENEFIT_AWARD,
    ),
    (
        rd,
        "RD",
        filing(
            "rd-personal-income-tax-efiling",
            code="RD",
            form={"tax_year": 2567, "return_type": "PND91", "refund_requested": True},
        ),
        Kind.CERTIFICATE,
    ),
    (
        pea,
        "PEA",
        filing("pea-electricity-bill-payment", pid=BOONMEE, code="PEA", address=CHIANG_MAI_ADDRESS),
        None,
    ),
]


@pytest.mark.parametrize(
    ("module", "code", "body", "kind"), CASES, ids=lambda v: getattr(v, "value", None)
)
async def test_every_approval_describes_the_document_it_grants(
    module: ModuleType, code: str, body: dict[str, Any], kind: Kind | None
) -> None:
    """Each approval's `data.document` is a DocumentSpec the gateway accepts, numbered in the
    agency's format, labelled in Thai and English (PEA's account statement grants none)."""
    async with serving(module, code) as agency:
        case = await _approved(agency, body)
    data = case["events"][-1]["data"]
    if kind is None:
        assert "document" not in data
        assert case["document_number"] is None
        return
    spec = DocumentSpec.model_validate(data["document"])
    assert spec.kind is kind
    assert NUMBER.fullmatch(spec.number), spec.number
    assert spec.number.startswith(code)
    assert spec.number == case["document_number"]
    assert THAI.search(spec.title_th)
    assert not THAI.search(spec.title_en)
    assert spec.items
    for item in spec.items:
        assert THAI.search(item.label_th), item
        assert not THAI.search(item.label_en), item


async def test_the_renewed_licence_is_the_driving_licence_granted(
    dlt_agency: tuple[Served, Gateway],
) -> None:
    agency, _ = dlt_agency
    data = (await _approved(agency, filing("dlt-driving-licence-renewal", pid=MALEE)))["events"][
        -1
    ]["data"]
    spec = DocumentSpec.model_validate(data["document"])
    licence = data["licence"]
    assert spec.valid_from == dt.date.fromisoformat(licence["issued_on"])
    assert spec.valid_until == dt.date.fromisoformat(licence["expires_on"])
    items = {item.key: item for item in spec.items}
    assert items["licence_number"].value_th == licence["licence_number"]
    assert items["licence_number"].label_th == "เลขที่ใบอนุญาต"
    assert items["licence_type"].value_th == "รถยนต์ส่วนบุคคลชนิด 5 ปี"
    assert items["licence_type"].value_en == "Private car, 5 years"
    assert items["office"].value_en == "Bangkok Land Transport Office, Area 1"


async def test_the_vehicle_tax_certificate_states_the_tax_in_baht(
    dlt_agency: tuple[Served, Gateway],
) -> None:
    agency, _ = dlt_agency
    form = {"vehicle_type": "car", "engine_cc": 1500, "plate": "1กข 1234"}
    data = (await _approved(agency, filing("dlt-annual-vehicle-tax", form=form)))["events"][-1][
        "data"
    ]
    spec = DocumentSpec.model_validate(data["document"])
    items = {item.key: item for item in spec.items}
    assert items["plate"].value_th == "1กข 1234"
    assert items["tax_paid"].value_th == "1,650.00 บาท"  # 300 + 1,350 THB
    assert items["tax_paid"].value_en == "THB 1,650.00"
    assert spec.valid_from == dt.date.fromisoformat(data["tax_disc"]["valid_from"])
    assert spec.valid_until == dt.date.fromisoformat(data["tax_disc"]["valid_until"])


async def test_document_numbers_are_never_reused_not_even_after_a_restart() -> None:
    """The mock keeps its cases in memory: a restarted DLT must not number a document the
    portal already holds from before."""
    numbers: list[str] = []
    for _ in range(2):  # two starts of the same agency, the same seed and clock
        async with serving(dlt, "DLT") as agency:
            for _ in range(5):
                case = await _approved(agency, filing("dlt-international-driving-permit"))
                numbers.append(case["document_number"])
    assert all(NUMBER.fullmatch(number) for number in numbers)
    assert len(set(numbers)) == len(numbers) == 10


async def _revoke(agency: Served, number: str, **body: Any) -> Any:
    sent = {"status": "revoked", "reason": "ใบอนุญาตถูกเพิกถอนตามคำสั่งศาล", **body}
    return await agency.client.post(f"/dlt/admin/documents/{number}/status", json=sent)


async def test_revoking_sends_the_gateway_a_signed_status_and_records_it(
    dlt_agency: tuple[Served, Gateway],
) -> None:
    agency, gateway = dlt_agency
    case = await _approved(agency, filing("dlt-international-driving-permit"))
    number = case["document_number"]
    answer = await _revoke(agency, number)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"number": number, "status": "revoked", "changed": True}
    [(path, headers, body)] = gateway.status_requests
    assert path == "/v1/agency/document-status/DLT"  # the gateway of the case's callback_url
    assert headers["x-agency"] == "DLT"
    assert headers["x-timestamp"] == str(int(WALL_TIME))
    assert headers["content-type"] == "application/json"
    sent = verified(headers, body, CALLBACK_SECRET)
    assert set(sent) == {"number", "status", "reason", "at"}
    assert sent["number"] == number
    assert sent["status"] == "revoked"
    assert sent["reason"] == "ใบอนุญาตถูกเพิกถอนตามคำสั่งศาล"
    assert sent["at"] == iso(agency.casework.now())
    [kept] = (await agency.client.get("/dlt/staff/documents")).json()["documents"]
    assert kept["number"] == number
    assert kept["status"] == "revoked"
    assert kept["changes"] == [
        {"status": "revoked", "reason": "ใบอนุญาตถูกเพิกถอนตามคำสั่งศาล", "at": sent["at"]}
    ]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (_problem(404, "document_not_found", "No document DLT2569-0000 of DLT."), "not_found"),
        (_problem(409, "document_status_final", "The document is revoked: final."), "final"),
    ],
)
async def test_the_gateways_refusal_comes_back_clearly_and_changes_nothing(
    dlt_agency: tuple[Served, Gateway], answer: tuple[int, dict[str, Any]], code: str
) -> None:
    agency, gateway = dlt_agency
    gateway.status_answers = [answer]
    number = (await _approved(agency, filing("dlt-international-driving-permit")))[
        "document_number"
    ]
    refused = await _revoke(agency, number, status="suspended")
    body = assert_error(refused, answer[0], "gateway_refused")
    assert body["gateway_status"] == answer[0]
    assert body["gateway_code"] == answer[1]["code"]
    assert answer[1]["detail"] in body["message"]
    [kept] = (await agency.client.get("/dlt/staff/documents")).json()["documents"]
    assert kept["status"] == "valid"
    assert kept["changes"] == []


async def test_a_gateway_that_fails_is_reported_as_unavailable(
    dlt_agency: tuple[Served, Gateway],
) -> None:
    agency, gateway = dlt_agency
    gateway.status_answers = [_problem(503, "unavailable", "Down for maintenance.")]
    number = (await _approved(agency, filing("dlt-international-driving-permit")))[
        "document_number"
    ]
    body = assert_error(await _revoke(agency, number), 502, "gateway_unavailable")
    assert "Down for maintenance." in body["message"]


async def test_status_changes_refused_before_the_gateway_is_asked(
    dlt_agency: tuple[Served, Gateway],
) -> None:
    agency, gateway = dlt_agency
    assert_error(await _revoke(agency, "DLT2569-00000000"), 404, "not_found")
    number = (await _approved(agency, filing("dlt-international-driving-permit")))[
        "document_number"
    ]
    assert_error(await _revoke(agency, number, status="lost"), 400, "invalid_request")
    assert_error(await _revoke(agency, number, reason=" "), 400, "invalid_request")
    assert_error(await _revoke(agency, number, reason="x" * 501), 400, "invalid_request")
    silent = await _approved(agency, filing("dlt-international-driving-permit", callback=False))
    assert_error(await _revoke(agency, silent["document_number"]), 409, "gateway_unknown")
    assert gateway.status_requests == []


async def test_the_back_office_page_suspends_reinstates_and_revokes(
    dlt_agency: tuple[Served, Gateway],
) -> None:
    agency, gateway = dlt_agency
    number = (await _approved(agency, filing("dlt-international-driving-permit")))[
        "document_number"
    ]
    page = (await agency.client.get("/dlt/staff/")).text
    action = f'action="../admin/documents/{number}/status"'
    assert page.count(action) == 2  # revoke and suspend
    assert 'value="revoked"' in page
    assert 'value="suspended"' in page
    for status in ("suspended", "valid", "revoked"):
        pressed = await agency.client.post(
            f"/dlt/admin/documents/{number}/status",
            data={"status": status, "reason": "ตรวจพบเอกสารปลอม"},
        )
        assert pressed.status_code == 303, pressed.text
        assert pressed.headers["location"] == "/dlt/staff/"
    assert [json.loads(body)["status"] for _, _, body in gateway.status_requests] == [
        "suspended",
        "valid",
        "revoked",
    ]
    page = (await agency.client.get("/dlt/staff/")).text
    assert f"{number}: <span" in page
    assert action not in page  # revoked is final: nothing left to press
    gateway.status_answers = [_problem(409, "document_status_final", "Revoked is final.")]
    again = await agency.client.post(
        f"/dlt/admin/documents/{number}/status", data={"status": "valid", "reason": "ขอคืน"}
    )
    assert again.status_code == 409
    assert "Revoked is final." in again.text

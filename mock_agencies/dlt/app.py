"""The mock DLT's app, mounted by the host at /dlt: the casework API (mock_agencies/casework)
for licence renewal and vehicle tax, plus its once-only data (R-12.1):

    GET /api/v1/licences/{pid}   Consumer-Key, Token → the current driving licence
                                 {"pid", "licence_number", "class", "class_th", "class_en",
                                  "issued_on", "expires_on", "status": "valid"|"expired"};
                                 404 not_found when DLT has issued the person none
    GET /api/v1/vehicles/{pid}   Consumer-Key, Token → {"pid", "vehicles": [{"plate", "kind",
                                  "registered_year", "engine_cc", "weight_kg", ...}]}; 404 none

Filings:
- `dlt-driving-licence-renewal`: fees 500 THB licence + 5 THB form; approval needs a 5-year
  private car licence on record and renews it for 5 years (`data.licence`).
- `dlt-international-driving-permit`: the same fees, paid at filing (the portal collects them
  before it files); approval needs a valid Thai licence and issues a one-year permit
  (`data.international_permit`).
- `dlt-annual-vehicle-tax`: the vehicle is the form's (`plate`, or `vehicle_type` car|truck|
  motorcycle with `engine_cc` / `weight_kg` and `registered_year`) or else the person's first
  registered vehicle; the fee is that vehicle's yearly tax; approval issues the tax disc
  (`data.tax_disc`).

Each approval also describes the document it grants (`data.document`: the licence, the permit,
the tax certificate; docs/agency-integration.md, "The document you grant").

Renewal and vehicle tax collect their fees after approval: an approved case waits in
`awaiting_payment` until the gateway reports the payment, and only then is the licence renewed
or the disc issued (the rule `collect_fees`, on by default, turns this off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.params import Depends

from mock_agencies import grants
from mock_agencies.casework import (
    DEMO_PIDS,
    Agency,
    Case,
    Casework,
    CaseworkApps,
    CaseworkError,
    Fee,
    InvalidRequest,
    NotEligible,
    NotFound,
    Submission,
    checked_pid,
)
from mock_agencies.dlt.data import (
    CAR,
    CODE,
    ENGINE_SIZES_CC,
    HEAD_OFFICE,
    INTERNATIONAL_PERMIT,
    LICENCE_RENEWAL,
    MOTORCYCLE,
    NAME_EN,
    NAME_TH,
    OFFICES,
    PLATE_LETTERS,
    PRIVATE_CAR_5Y,
    PRIVATE_CAR_TEMPORARY,
    SERVICES,
    TRUCK,
    TRUCK_WEIGHTS_KG,
    VEHICLE_KINDS,
    Licence,
    Vehicle,
    add_years,
)
from mock_agencies.dlt.rules import INTERNATIONAL_PERMIT_FEES, LICENCE_RENEWAL_FEES, vehicle_tax


class VehicleNotFound(CaseworkError):
    status, code = 422, "vehicle_not_found"


class Dlt(Agency):
    code = CODE
    name_th = NAME_TH
    name_en = NAME_EN
    offices = OFFICES
    head_office = HEAD_OFFICE
    services = SERVICES
    fees_after_approval = SERVICES - {INTERNATIONAL_PERMIT}

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.renewed: dict[str, Licence] = {}  # licences renewed through the API, by pid

    # -- the registers -------------------------------------------------------------------

    def licence(self, pid: str) -> Licence | None:
        """The person's current licence (the renewed one once renewed here)."""
        if pid in self.renewed:
            return self.renewed[pid]
        if not self.knows(pid):
            return None
        demo = pid in DEMO_PIDS
        temporary = not demo and self.pick(7, "class", pid) == 0
        # Demo citizens hold a licence still valid for years, so their renewal goes through.
        year = (2022 if demo else 2019) + self.pick(3 if demo else 6, "issued", pid)
        issued = dt.date(year, 1 + self.pick(12, "month", pid), 1 + self.pick(28, "day", pid))
        expires = add_years(issued, 2 if temporary else 5)
        number = f"{(year + 543) % 100:02d}{self.pick(10**6, 'number', pid):06d}"
        kind = PRIVATE_CAR_TEMPORARY if temporary else PRIVATE_CAR_5Y
        return Licence(pid, number, kind, issued, expires)

    def vehicles(self, pid: str) -> list[Vehicle]:
        if not self.knows(pid) or (pid not in DEMO_PIDS and self.pick(4, "cars", pid) == 0):
            return []
        owned = []
        for index in range(1 + self.pick(2, "count", pid)):
            roll = self.pick(10, "kind", pid, index)
            kind = CAR if roll < 7 or (index == 0 and pid in DEMO_PIDS) else (
                MOTORCYCLE if roll < 9 else TRUCK
            )  # fmt: skip
            letters = "".join(
                PLATE_LETTERS[self.pick(len(PLATE_LETTERS), "plate", pid, index, n)]
                for n in range(2)
            )
            digit = "" if kind == MOTORCYCLE else str(1 + self.pick(9, "digit", pid, index))
            plate = f"{digit}{letters} {1 + self.pick(9999, 'serial', pid, index)}"
            owned.append(
                Vehicle(
                    plate=plate,
                    kind=kind,
                    registered_year=2012 + self.pick(13, "year", pid, index),
                    engine_cc=ENGINE_SIZES_CC[self.pick(len(ENGINE_SIZES_CC), "cc", pid, index)]
                    if kind == CAR
                    else None,
                    weight_kg=TRUCK_WEIGHTS_KG[self.pick(len(TRUCK_WEIGHTS_KG), "kg", pid, index)]
                    if kind == TRUCK
                    else None,
                )
            )
        return owned

    def _vehicle_of(self, submission: Submission) -> Vehicle:
        """The vehicle a tax filing is about: described in the form, named by its plate, or
        else the applicant's first registered vehicle."""
        form = submission.form
        registered = self.vehicles(submission.applicant.pid)
        kind = form.get("vehicle_type")
        if kind is not None:
            return _described_vehicle(form, kind)
        plate = form.get("plate")
        matching = [v for v in registered if plate is None or v.plate == plate]
        if not matching:
            raise VehicleNotFound(
                "DLT has no such vehicle registered to the applicant"
                if plate
                else "DLT has no vehicle registered to the applicant: describe it in the form"
            )
        return matching[0]

    # -- cases -----------------------------------------------------------------------------

    def fees(self, submission: Submission, now: dt.datetime) -> list[Fee]:
        if submission.service_id == LICENCE_RENEWAL:
            return list(LICENCE_RENEWAL_FEES)
        if submission.service_id == INTERNATIONAL_PERMIT:
            return list(INTERNATIONAL_PERMIT_FEES)
        vehicle = self._vehicle_of(submission)
        return [vehicle_tax(vehicle, vehicle.year_of_use(now.date()))]

    def check_approval(self, case: Case, now: dt.datetime) -> None:
        if case.submission.service_id == LICENCE_RENEWAL:
            current = self.licence(case.submission.applicant.pid)
            if current is None or current.kind != PRIVATE_CAR_5Y:
                raise NotEligible("DLT has no 5-year private car licence of the applicant")
        if case.submission.service_id == INTERNATIONAL_PERMIT:
            current = self.licence(case.submission.applicant.pid)
            if current is None or current.expires_on < now.date():
                raise NotEligible("an international permit needs a valid Thai driving licence")

    def approve(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        self.check_approval(case, now)
        today = now.date()
        pid = case.submission.applicant.pid
        if case.submission.service_id == LICENCE_RENEWAL:
            current = self.licence(pid)
            assert current is not None  # check_approval
            renewed = Licence(pid, current.number, PRIVATE_CAR_5Y, today, add_years(today, 5))
            self.renewed[pid] = renewed
            return {"licence": renewed.as_json(today)}
        if case.submission.service_id == INTERNATIONAL_PERMIT:
            current = self.licence(pid)
            assert current is not None  # check_approval
            return {
                "international_permit": {
                    "licence_number": current.number,
                    "issued_on": today.isoformat(),
                    "expires_on": (add_years(today, 1) - dt.timedelta(days=1)).isoformat(),
                    "convention": "Geneva 1949",
                }
            }
        vehicle = self._vehicle_of(case.submission)
        return {
            "tax_disc": {
                "plate": vehicle.plate,
                "valid_from": today.isoformat(),
                "valid_until": (add_years(today, 1) - dt.timedelta(days=1)).isoformat(),
                "amount_satang": sum(fee.amount_satang for fee in case.fees),
            },
            "vehicle": vehicle.as_json(),
        }

    def issued_document(
        self, case: Case, effect: dict[str, Any], now: dt.datetime, number: str
    ) -> dict[str, Any] | None:
        """The renewed licence (a driving licence), the international permit (a permit), or
        the certificate that the year's vehicle tax is paid."""
        office = self.office_names(case.unit_code)
        issuing = grants.item("office", "สำนักงานที่ออก", "Issuing office", *office)
        if licence := effect.get("licence"):
            return grants.document(
                "driving_licence",
                number,
                "ใบอนุญาตขับรถยนต์ส่วนบุคคล ชนิด 5 ปี",
                "Private car driving licence, 5-year",
                [
                    grants.item(
                        "licence_number",
                        "เลขที่ใบอนุญาต",
                        "Licence number",
                        licence["licence_number"],
                    ),
                    grants.item(
                        "licence_type",
                        "ประเภทใบอนุญาต",
                        "Licence type",
                        "รถยนต์ส่วนบุคคลชนิด 5 ปี",
                        "Private car, 5 years",
                    ),
                    issuing,
                ],
                dt.date.fromisoformat(licence["issued_on"]),
                dt.date.fromisoformat(licence["expires_on"]),
            )
        if permit := effect.get("international_permit"):
            return grants.document(
                "permit",
                number,
                "ใบอนุญาตขับรถระหว่างประเทศ",
                "International driving permit",
                [
                    grants.item(
                        "licence_number",
                        "เลขที่ใบอนุญาตขับรถของไทย",
                        "Thai driving licence number",
                        permit["licence_number"],
                    ),
                    grants.item(
                        "convention",
                        "ออกตามอนุสัญญา",
                        "Issued under",
                        "อนุสัญญาว่าด้วยการจราจรทางถนน ค.ศ. 1949 (เจนีวา)",
                        "Convention on Road Traffic, Geneva 1949",
                    ),
                    issuing,
                ],
                dt.date.fromisoformat(permit["issued_on"]),
                dt.date.fromisoformat(permit["expires_on"]),
            )
        disc, vehicle = effect["tax_disc"], effect["vehicle"]
        return grants.document(
            "certificate",
            number,
            "หนังสือรับรองการชำระภาษีรถประจำปี",
            "Certificate of annual vehicle tax payment",
            [
                grants.item("plate", "เลขทะเบียนรถ", "Registration plate", disc["plate"]),
                grants.item(
                    "vehicle_type",
                    "ประเภทรถ",
                    "Vehicle type",
                    vehicle["kind_th"],
                    vehicle["kind_en"],
                ),
                grants.item(
                    "tax_paid", "ค่าภาษีที่ชำระ", "Tax paid", *grants.baht(disc["amount_satang"])
                ),
                issuing,
            ],
            dt.date.fromisoformat(disc["valid_from"]),
            dt.date.fromisoformat(disc["valid_until"]),
        )

    def document_title(self, case: Case) -> str:
        if case.submission.service_id == LICENCE_RENEWAL:
            return "DLT: private car driving licence renewed"
        if case.submission.service_id == INTERNATIONAL_PERMIT:
            return "DLT: international driving permit"
        return "DLT: annual vehicle tax paid"

    def document_lines(self, case: Case, effect: dict[str, Any]) -> list[str]:
        if licence := effect.get("licence"):
            return [
                f"Licence number: {licence['licence_number']}",
                f"Valid: {licence['issued_on']} to {licence['expires_on']}",
            ]
        if permit := effect.get("international_permit"):
            return [
                f"On Thai licence: {permit['licence_number']}",
                f"Valid: {permit['issued_on']} to {permit['expires_on']}",
            ]
        disc = effect["tax_disc"]
        return [f"Plate: {disc['plate']}", f"Tax paid until: {disc['valid_until']}"]

    # -- once-only data (R-12.1) -----------------------------------------------------------

    def add_routes(self, app: FastAPI, casework: Casework, token_required: list[Depends]) -> None:
        @app.get("/api/v1/licences/{pid}", dependencies=token_required)
        async def current_licence(pid: str) -> dict[str, Any]:
            licence = self.licence(checked_pid(pid))
            if licence is None:
                raise NotFound("DLT has issued this person no driving licence")
            return licence.as_json(casework.now().date())

        @app.get("/api/v1/vehicles/{pid}", dependencies=token_required)
        async def registered_vehicles(pid: str) -> dict[str, Any]:
            owned = self.vehicles(checked_pid(pid))
            if not owned:
                raise NotFound("no vehicle is registered to this person")
            return {"pid": pid, "vehicles": [vehicle.as_json() for vehicle in owned]}


def _whole(form: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = form.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidRequest(f"form.{name} must be a whole number from {low} to {high}")
    return value


def _optional_whole(form: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    return None if form.get(name) is None else _whole(form, name, low, high)


def _described_vehicle(form: Mapping[str, Any], kind: object) -> Vehicle:
    if kind not in VEHICLE_KINDS:
        raise InvalidRequest(f"form.vehicle_type must be one of {', '.join(VEHICLE_KINDS)}")
    plate = form.get("plate")
    return Vehicle(
        plate=plate if isinstance(plate, str) and plate else "-",
        kind=str(kind),
        registered_year=_optional_whole(form, "registered_year", 1950, 2100),
        engine_cc=_whole(form, "engine_cc", 50, 10_000) if kind == CAR else None,
        weight_kg=_whole(form, "weight_kg", 100, 20_000) if kind == TRUCK else None,
    )


#: The mock DLT: `create_app(seed=…, clock=…, consumers=…, …)` (mock_agencies/casework/app.py's
#: `CaseworkOptions`), `create_default_app()` as the host serves it.
APPS = CaseworkApps(Dlt)
create_app = APPS.create_app
create_default_app = APPS.create_default_app

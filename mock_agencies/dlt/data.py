"""DLT's offices and services, and its synthetic registers (licences, vehicles), drawn
deterministically from the holder's ID so every start knows the same people.

Office codes and provinces are copied from the portal's catalog (gateway/catalog/seed/dlt.yaml);
the mock never reads the gateway's files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mock_agencies.casework import Office

CODE = "DLT"
NAME_TH = "กรมการขนส่งทางบก"
NAME_EN = "Department of Land Transport"
HEAD_OFFICE = "DLT_HQ"
OFFICES = (
    Office(HEAD_OFFICE, "กรมการขนส่งทางบก (ส่วนกลาง)", "Department of Land Transport (head office)"),
    Office(
        "DLT_BKK_AREA1",
        "สำนักงานขนส่งกรุงเทพมหานครพื้นที่ 1",
        "Bangkok Land Transport Office, Area 1",
        frozenset({"TH-10"}),
    ),
    Office(
        "DLT_NBI",
        "สำนักงานขนส่งจังหวัดนนทบุรี",
        "Nonthaburi Provincial Land Transport Office",
        frozenset({"TH-12"}),
    ),
    Office(
        "DLT_CNX",
        "สำนักงานขนส่งจังหวัดเชียงใหม่",
        "Chiang Mai Provincial Land Transport Office",
        frozenset({"TH-50"}),
    ),
    Office(
        "DLT_KKN",
        "สำนักงานขนส่งจังหวัดขอนแก่น",
        "Khon Kaen Provincial Land Transport Office",
        frozenset({"TH-40"}),
    ),
    Office(
        "DLT_PKT",
        "สำนักงานขนส่งจังหวัดภูเก็ต",
        "Phuket Provincial Land Transport Office",
        frozenset({"TH-83"}),
    ),
)
LICENCE_RENEWAL = "dlt-driving-licence-renewal"
VEHICLE_TAX = "dlt-annual-vehicle-tax"
# Its fee is paid at filing: DLT has it with the case and issues on approval.
INTERNATIONAL_PERMIT = "dlt-international-driving-permit"
SERVICES = frozenset({LICENCE_RENEWAL, VEHICLE_TAX, INTERNATIONAL_PERMIT})

PRIVATE_CAR_5Y = "private_car_5y"
PRIVATE_CAR_TEMPORARY = "private_car_temporary_2y"
LICENCE_CLASSES = {
    PRIVATE_CAR_5Y: ("ใบอนุญาตขับรถยนต์ส่วนบุคคล ชนิด 5 ปี", "Private car driving licence, 5-year"),
    PRIVATE_CAR_TEMPORARY: (
        "ใบอนุญาตขับรถยนต์ชั่วคราว (2 ปี)",
        "Temporary car driving licence (2-year)",
    ),
}

CAR, TRUCK, MOTORCYCLE = "car", "truck", "motorcycle"
VEHICLE_KINDS = {
    CAR: ("รถยนต์นั่งส่วนบุคคลไม่เกิน 7 คน (รย.1)", "Private passenger car, up to 7 seats (Ror.Yor.1)"),
    TRUCK: ("รถยนต์บรรทุกส่วนบุคคล (รย.3)", "Private truck (Ror.Yor.3)"),
    MOTORCYCLE: ("รถจักรยานยนต์ส่วนบุคคล (รย.12)", "Private motorcycle (Ror.Yor.12)"),
}
ENGINE_SIZES_CC = (1197, 1496, 1498, 1598, 1798, 1998, 2393, 2755, 2999)
TRUCK_WEIGHTS_KG = (1450, 1650, 1850, 1950)
PLATE_LETTERS = "กขคงจฉชซฌญฎฐฒณดตถทธนบปผพฟภมยรลวศษสหฬอฮ"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Licence:
    pid: str
    number: str
    kind: str
    issued_on: dt.date
    expires_on: dt.date

    def as_json(self, today: dt.date) -> dict[str, Any]:
        name_th, name_en = LICENCE_CLASSES[self.kind]
        return {
            "pid": self.pid,
            "licence_number": self.number,
            "class": self.kind,
            "class_th": name_th,
            "class_en": name_en,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "status": "valid" if today <= self.expires_on else "expired",
        }


@dataclass(frozen=True)
class Vehicle:
    plate: str
    kind: str
    registered_year: int | None  # CE; None: not stated (taxed as new)
    engine_cc: int | None = None  # cars
    weight_kg: int | None = None  # trucks

    def year_of_use(self, today: dt.date) -> int:
        """1 in the year of registration, 2 the year after, ..."""
        if self.registered_year is None:
            return 1
        return max(1, today.year - self.registered_year + 1)

    def as_json(self) -> dict[str, Any]:
        kind_th, kind_en = VEHICLE_KINDS[self.kind]
        return {
            "plate": self.plate,
            "kind": self.kind,
            "kind_th": kind_th,
            "kind_en": kind_en,
            "registered_year": self.registered_year,
            "engine_cc": self.engine_cc,
            "weight_kg": self.weight_kg,
        }

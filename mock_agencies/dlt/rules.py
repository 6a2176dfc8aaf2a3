"""DLT's fees. Pure: no I/O.

Licence renewal (catalog dlt-driving-licence-renewal): the 5-year private car licence fee
500 THB plus the 5 THB application form, 505 THB in all; the international driving permit the
same, paid at filing.

Annual vehicle tax (Motor Vehicle Act B.E. 2522, the rates the portal's manual states):
- private car (Ror.Yor.1) by engine size: the first 600 cc at 0.50 THB per cc, 601-1,800 cc at
  1.50 THB, above 1,800 cc at 4.00 THB; in its 6th year of use 10 % less, then 20, 30, 40 %,
  and 50 % from the 10th year on (the year of registration is the first);
- private truck (Ror.Yor.3) by weight, a table;
- private motorcycle (Ror.Yor.12) 100 THB.
"""

from __future__ import annotations

from mock_agencies.casework import Fee
from mock_agencies.dlt.data import CAR, MOTORCYCLE, TRUCK, VEHICLE_KINDS, Vehicle

LICENCE_RENEWAL_FEES = (
    Fee(
        "ค่าธรรมเนียมใบอนุญาตขับรถยนต์ส่วนบุคคล ชนิด 5 ปี", "Private car driving licence fee, 5-year", 50000
    ),
    Fee("ค่าคำขอ", "Application form", 500),
)
#: The international driving permit (catalog dlt-international-driving-permit), paid at filing.
INTERNATIONAL_PERMIT_FEES = (
    Fee("ค่าใบอนุญาตขับรถระหว่างประเทศ", "International driving permit", 50000),
    Fee("ค่าคำขอ", "Application form", 500),
)
MOTORCYCLE_TAX_SATANG = 10000
#: (up to this weight in kg, yearly tax in satang) for private trucks.
TRUCK_TAX_SATANG = (
    (500, 30000),
    (750, 45000),
    (1000, 60000),
    (1250, 75000),
    (1500, 90000),
    (1750, 105000),
    (2000, 135000),
    (2500, 165000),
    (3000, 195000),
    (3500, 225000),
    (4000, 255000),
)
TRUCK_TAX_ABOVE_SATANG = 285000


def car_tax_satang(engine_cc: int, year_of_use: int) -> int:
    """The yearly tax of a private car of `engine_cc` in its `year_of_use` (1 = first year)."""
    first = min(engine_cc, 600) * 50
    middle = max(0, min(engine_cc, 1800) - 600) * 150
    top = max(0, engine_cc - 1800) * 400
    full = first + middle + top
    discount_percent = min(50, max(0, year_of_use - 5) * 10)
    return full * (100 - discount_percent) // 100


def truck_tax_satang(weight_kg: int) -> int:
    for limit, tax in TRUCK_TAX_SATANG:
        if weight_kg <= limit:
            return tax
    return TRUCK_TAX_ABOVE_SATANG


def vehicle_tax(vehicle: Vehicle, year_of_use: int) -> Fee:
    kind_th, kind_en = VEHICLE_KINDS[vehicle.kind]
    if vehicle.kind == CAR:
        amount = car_tax_satang(vehicle.engine_cc or 0, year_of_use)
    elif vehicle.kind == TRUCK:
        amount = truck_tax_satang(vehicle.weight_kg or 0)
    else:
        assert vehicle.kind == MOTORCYCLE
        amount = MOTORCYCLE_TAX_SATANG
    return Fee(
        f"ภาษีรถประจำปี {kind_th} ทะเบียน {vehicle.plate}",
        f"Annual vehicle tax, {kind_en}, plate {vehicle.plate}",
        amount,
    )

"""PWA's monthly water bill for a household. Pure: no I/O.

A simplified residential tariff in the shape of PWA's (the mock's figures): water at 10.20 THB
a cubic metre for the first 10 m³, 16.00 for 11-20, 19.00 for 21-30, 21.20 for 31-50 and 21.60
above; a meter service charge of 30 THB a month (a 1/2-inch meter); VAT 7 % on the whole.
Rates are in satang and the bill is rounded to the satang, half up.
"""

from __future__ import annotations

from mock_agencies.billing.tariffs import Bands, banded

#: (the band's last m³, or None for the top band; rate in satang a m³)
WATER_BANDS: Bands = (
    (10, 1020),
    (20, 1600),
    (30, 1900),
    (50, 2120),
    (None, 2160),
)
METER_CHARGE_SATANG = 3_000
VAT_PERCENT = 7


def water_charge_satang(cubic_metres: int) -> int:
    """The charge for the water used, before VAT."""
    return banded(cubic_metres, WATER_BANDS)


def bill_satang(cubic_metres: int) -> int:
    """The month's bill for `cubic_metres` of water, VAT included, in satang."""
    before_vat = water_charge_satang(cubic_metres) + METER_CHARGE_SATANG
    return (before_vat * (100 + VAT_PERCENT) + 50) // 100

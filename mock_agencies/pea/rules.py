"""PEA's monthly electricity bill for a household. Pure: no I/O.

The residential tariff for a household using more than 150 kWh a month (type 1.2), applied to
every household for simplicity: energy at 3.2484 THB a unit for the first 150 units, 4.2218
for units 151-400 and 4.4217 above 400; a service charge of 24.62 THB a month; the fuel
adjustment charge (Ft), here 0.1972 THB a unit; VAT 7 % on the whole. Rates are kept in
1/10,000 THB (hundredths of a satang) and the bill is rounded to the satang, half up.
"""

from __future__ import annotations

from mock_agencies.billing.tariffs import Bands, banded

#: (the band's last unit, or None for the top band; rate in 1/10,000 THB a unit)
ENERGY_BANDS: Bands = ((150, 32484), (400, 42218), (None, 44217))
SERVICE_CHARGE = 246_200  # 24.62 THB a month, in 1/10,000 THB
FT_PER_UNIT = 1_972  # 0.1972 THB a unit
VAT_PERCENT = 7


def energy_charge(units: int) -> int:
    """The energy charge for `units` kWh, in 1/10,000 THB."""
    return banded(units, ENERGY_BANDS)


def bill_satang(units: int) -> int:
    """The month's bill for `units` kWh, VAT included, in satang."""
    before_vat = energy_charge(units) + SERVICE_CHARGE + FT_PER_UNIT * units
    # 1/10,000 THB is 1/100 satang, and VAT is a percentage: /100 twice, rounded half up.
    return (before_vat * (100 + VAT_PERCENT) + 5_000) // 10_000

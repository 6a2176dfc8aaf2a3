"""PEA's offices and services, and its customers' electricity use, drawn deterministically
from the account number so every start knows the same bills.

Office codes and provinces are copied from the portal's catalog (gateway/catalog/seed/pea.yaml);
the mock never reads the gateway's files.
"""

from __future__ import annotations

from mock_agencies.billing import Month, MonthlyBiller
from mock_agencies.casework import Office
from mock_agencies.pea.rules import bill_satang

CODE = "PEA"
NAME_TH = "การไฟฟ้าส่วนภูมิภาค"
NAME_EN = "Provincial Electricity Authority"
HEAD_OFFICE = "PEA_HQ"
OFFICES = (
    Office(
        HEAD_OFFICE,
        "การไฟฟ้าส่วนภูมิภาค (สำนักงานใหญ่)",
        "Provincial Electricity Authority (head office)",
    ),
    Office(
        "PEA_CNX",
        "การไฟฟ้าส่วนภูมิภาคจังหวัดเชียงใหม่",
        "PEA Chiang Mai provincial office",
        frozenset({"TH-50"}),
    ),
    Office(
        "PEA_KKN",
        "การไฟฟ้าส่วนภูมิภาคจังหวัดขอนแก่น",
        "PEA Khon Kaen provincial office",
        frozenset({"TH-40"}),
    ),
    Office(
        "PEA_PKT",
        "การไฟฟ้าส่วนภูมิภาคจังหวัดภูเก็ต",
        "PEA Phuket provincial office",
        frozenset({"TH-83"}),
    ),
)
#: The API-kind e-service: an account's bills and use (the meter request is a web e-service).
ELECTRICITY_BILL = "pea-electricity-bill-payment"
SERVICES = frozenset({ELECTRICITY_BILL})

#: Use through the year, in percent of an account's usual month: the hot season (March to May)
#: runs the air conditioners.
SEASON_PERCENT = (90, 95, 115, 135, 130, 110, 100, 100, 100, 95, 90, 85)
LEAST_USUAL_KWH, MOST_USUAL_KWH = 90, 520


class Electricity(MonthlyBiller):
    """PEA's bills: a 12-digit account number (CA), a bill a month from the kWh used."""

    prefix = CODE
    kind = "electricity"
    noun_th = "ค่าไฟฟ้า"
    noun_en = "Electricity"
    unit = "kWh"
    account_digits = 9

    def usage(self, account: str, month: Month) -> int:
        usual = LEAST_USUAL_KWH + self.draw.pick(
            MOST_USUAL_KWH - LEAST_USUAL_KWH + 1, "usual", account
        )
        swing = 85 + self.draw.pick(31, "swing", account, month.iso)  # 85 to 115 %
        return max(1, usual * SEASON_PERCENT[month.month - 1] * swing // 10_000)

    def charge_satang(self, usage: int) -> int:
        return bill_satang(usage)

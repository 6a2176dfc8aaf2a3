"""PWA's customers' water use, drawn deterministically from the account number so every
start knows the same bills."""

from __future__ import annotations

from mock_agencies.billing import Month, MonthlyBiller
from mock_agencies.pwa.rules import bill_satang

CODE = "PWA"
NAME_TH = "การประปาส่วนภูมิภาค"
NAME_EN = "Provincial Waterworks Authority"

#: Use through the year, in percent of an account's usual month (more in the hot season).
SEASON_PERCENT = (95, 95, 110, 120, 115, 100, 95, 95, 95, 100, 100, 95)
LEAST_USUAL_M3, MOST_USUAL_M3 = 8, 26


class Water(MonthlyBiller):
    """PWA's bills: an 11-digit customer number, a bill a month from the cubic metres used."""

    prefix = CODE
    kind = "water"
    noun_th = "ค่าน้ำประปา"
    noun_en = "Water"
    unit = "m3"
    account_digits = 8

    def usage(self, account: str, month: Month) -> int:
        usual = LEAST_USUAL_M3 + self.draw.pick(
            MOST_USUAL_M3 - LEAST_USUAL_M3 + 1, "usual", account
        )
        swing = 80 + self.draw.pick(41, "swing", account, month.iso)  # 80 to 120 %
        return max(1, usual * SEASON_PERCENT[month.month - 1] * swing // 10_000)

    def charge_satang(self, usage: int) -> int:
        return bill_satang(usage)

"""RD's offices and services, and the withholding certificates (50 ทวิ) payers reported, drawn
deterministically from the taxpayer's ID and the tax year.

Office codes and provinces are copied from the portal's catalog (gateway/catalog/seed/rd.yaml);
the mock never reads the gateway's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_agencies.casework import Office

CODE = "RD"
NAME_TH = "กรมสรรพากร"
NAME_EN = "Revenue Department"
HEAD_OFFICE = "RD_HQ"
OFFICES = (
    Office(HEAD_OFFICE, "กรมสรรพากร (สำนักงานใหญ่)", "Revenue Department (head office)"),
    Office(
        "RD_CNX",
        "สำนักงานสรรพากรพื้นที่เชียงใหม่",
        "Chiang Mai Area Revenue Office",
        frozenset({"TH-50"}),
    ),
)
INCOME_TAX_EFILING = "rd-personal-income-tax-efiling"
SERVICES = frozenset({INCOME_TAX_EFILING})
BE_OFFSET = 543
FIRST_YEAR = 2015  # the earliest tax year (CE) RD's e-data go back to

PAYERS = (
    ("0105548000011", "บริษัท สยามการผลิต จำกัด", "Siam Manufacturing Co., Ltd."),
    ("0105551000022", "บริษัท ไทยโลจิสติกส์ จำกัด", "Thai Logistics Co., Ltd."),
    ("0107537000033", "บริษัท เจ้าพระยาอาหาร จำกัด (มหาชน)", "Chao Phraya Foods PCL"),
    ("0505560000044", "บริษัท ล้านนาซอฟต์แวร์ จำกัด", "Lanna Software Co., Ltd."),
    ("0994000000055", "โรงพยาบาลส่งเสริมสุขภาพ", "Health Promotion Hospital"),
)


@dataclass(frozen=True)
class Certificate:
    """One withholding certificate (หนังสือรับรองการหักภาษี ณ ที่จ่าย, 50 ทวิ)."""

    number: str
    payer_tax_id: str
    payer_name_th: str
    payer_name_en: str
    income_type: str  # Revenue Code s.40 category, e.g. "40(1)" salary
    income_satang: int
    withheld_satang: int
    social_security_satang: int

    def as_json(self) -> dict[str, Any]:
        return {
            "certificate_number": self.number,
            "payer": {
                "tax_id": self.payer_tax_id,
                "name_th": self.payer_name_th,
                "name_en": self.payer_name_en,
            },
            "income_type": self.income_type,
            "income_satang": self.income_satang,
            "withheld_satang": self.withheld_satang,
            "social_security_satang": self.social_security_satang,
        }

"""SSO's offices and services, and its synthetic register of insured persons, drawn
deterministically from the person's ID.

Office codes and provinces are copied from the portal's catalog (gateway/catalog/seed/sso.yaml);
the mock never reads the gateway's files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mock_agencies.casework import Office

CODE = "SSO"
NAME_TH = "สำนักงานประกันสังคม"
NAME_EN = "Social Security Office"
HEAD_OFFICE = "SSO_HQ"
OFFICES = (
    Office(HEAD_OFFICE, "สำนักงานประกันสังคม (ส่วนกลาง)", "Social Security Office (head office)"),
    Office(
        "SSO_BKK_AREA1",
        "สำนักงานประกันสังคมกรุงเทพมหานครพื้นที่ 1",
        "Bangkok Social Security Office, Area 1",
        frozenset({"TH-10"}),
    ),
    Office(
        "SSO_NBI",
        "สำนักงานประกันสังคมจังหวัดนนทบุรี",
        "Nonthaburi Provincial Social Security Office",
        frozenset({"TH-12"}),
    ),
    Office(
        "SSO_CBI",
        "สำนักงานประกันสังคมจังหวัดชลบุรี",
        "Chon Buri Provincial Social Security Office",
        frozenset({"TH-20"}),
    ),
    Office(
        "SSO_CNX",
        "สำนักงานประกันสังคมจังหวัดเชียงใหม่",
        "Chiang Mai Provincial Social Security Office",
        frozenset({"TH-50"}),
    ),
    Office(
        "SSO_SKA",
        "สำนักงานประกันสังคมจังหวัดสงขลา",
        "Songkhla Provincial Social Security Office",
        frozenset({"TH-90"}),
    ),
)
UNEMPLOYMENT_BENEFIT = "sso-unemployment-benefit"
CHILD_ALLOWANCE = "sso-child-allowance"
SERVICES = frozenset({UNEMPLOYMENT_BENEFIT, CHILD_ALLOWANCE})

EMPLOYERS = (
    ("บริษัท สยามการผลิต จำกัด", "Siam Manufacturing Co., Ltd."),
    ("บริษัท ไทยโลจิสติกส์ จำกัด", "Thai Logistics Co., Ltd."),
    ("บริษัท เจ้าพระยาอาหาร จำกัด (มหาชน)", "Chao Phraya Foods PCL"),
    ("บริษัท ล้านนาซอฟต์แวร์ จำกัด", "Lanna Software Co., Ltd."),
    ("ห้างหุ้นส่วนจำกัด อันดามันบริการ", "Andaman Services Ltd. Part."),
    ("บริษัท อีสานค้าปลีก จำกัด", "Isan Retail Co., Ltd."),
)


@dataclass(frozen=True)
class InsuredPerson:
    pid: str
    section: int  # 33 employee, 39 voluntary after employment, 40 informal worker
    status: str  # "active" or "ended" (the employer reported the end of employment)
    employer: tuple[str, str, str] | None  # (name th, name en, employer account number)
    insured_since: dt.date
    months_contributed: int
    contributions_last_15_months: int
    last_wage_satang: int | None  # the wage contributions were counted on (33, 39)

    def as_json(self) -> dict[str, Any]:
        employer = None
        if self.employer is not None:
            name_th, name_en, account = self.employer
            employer = {"name_th": name_th, "name_en": name_en, "account_number": account}
        return {
            "pid": self.pid,
            "section": self.section,
            "status": self.status,
            "employer": employer,
            "insured_since": self.insured_since.isoformat(),
            "months_contributed": self.months_contributed,
            "contributions_last_15_months": self.contributions_last_15_months,
            "last_wage_satang": self.last_wage_satang,
        }

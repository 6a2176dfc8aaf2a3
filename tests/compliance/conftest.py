"""A complete, valid e-service definition that compliance tests break one thing at a time.

`service_data` is a fresh plain dict (the shape a seed file has), so a test can change one
field and build the definition with `EServiceDefinition.model_validate`. `lint_service` runs
the real service lint against the two small agencies below on a fixed day and returns the
(rule, check, where) of each finding, which is what the tests compare.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.catalog.definitions import AgencyDefinition, EServiceDefinition
from gateway.catalog.lint import Finding, lint
from gateway.catalog.loader import load_catalog

BANGKOK = ZoneInfo("Asia/Bangkok")

#: The day the lint runs in these tests; the definition is published well before it.
TODAY = dt.date(2026, 4, 16)

AGENCIES: list[dict[str, Any]] = [
    {
        "code": "DOP",
        "name": {"th": "กรมกิจการผู้สูงอายุ", "en": "Department of Older Persons"},
        "ministry": {
            "th": "กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์",
            "en": "Ministry of Social Development and Human Security",
        },
        "integration_mode": "platform",
        "units": [{"code": "DOP_HQ", "name": {"th": "กรมกิจการผู้สูงอายุ", "en": "DOP head office"}}],
    },
    {
        "code": "DOPA",
        "name": {"th": "กรมการปกครอง", "en": "Department of Provincial Administration"},
        "ministry": {"th": "กระทรวงมหาดไทย", "en": "Ministry of Interior"},
        "integration_mode": "api",
        "units": [{"code": "DOPA_BORA", "name": {"th": "สำนักบริหารการทะเบียน", "en": "BORA"}}],
    },
]


def _text(th: str, en: str) -> dict[str, str]:
    return {"th": th, "en": en}


def complete_service() -> dict[str, Any]:
    """Every R-LFA.1 field filled in, in Thai and English; nothing R-7.2/7.3/12.1 forbids."""
    return {
        "id": "dop-test-allowance",
        "agency": "DOP",
        "name": _text("ลงทะเบียนรับเงินเบี้ยยังชีพผู้สูงอายุ", "Register for the older persons' allowance"),
        "summary": _text(
            "ผู้มีสัญชาติไทยอายุ 60 ปีขึ้นไปลงทะเบียนขอรับเบี้ยยังชีพรายเดือน",
            "Thai nationals aged 60 or over register for the monthly allowance.",
        ),
        "category": "welfare",
        "life_stages": ["elderly"],
        "eligibility": {
            "all": [
                {"fact": "age_years", "op": "ge", "value": 60},
                {"fact": "nationality", "op": "eq", "value": "TH"},
            ]
        },
        "manual": {
            "conditions": [
                _text("มีสัญชาติไทยและอายุ 60 ปีขึ้นไป", "You are a Thai national aged 60 or over."),
                _text("ไม่ได้รับเงินบำนาญจากรัฐ", "You receive no state pension."),
            ],
            "steps": [
                {
                    "title": _text("กรอกแบบคำขอลงทะเบียน", "Fill in the registration form"),
                    "duration_minutes": 15,
                    "responsible_unit": _text("ผู้ขอรับบริการ", "Applicant"),
                },
                {
                    "title": _text("ตรวจสอบคุณสมบัติ", "Check eligibility"),
                    "duration_minutes": 120,
                    "responsible_unit": _text("กรมกิจการผู้สูงอายุ", "Department of Older Persons"),
                },
            ],
            "total_working_days": 1,
            "documents": [
                {
                    "name": _text("ข้อมูลบัตรประจำตัวประชาชน", "National ID card data"),
                    "issuer": {"kind": "state", "agency_code": "DOPA"},
                    "source": "portal_fetch",
                },
                {
                    "name": _text(
                        "สำเนาหน้าสมุดบัญชีเงินฝากธนาคาร", "Copy of the bank book's first page"
                    ),
                    "issuer": {"kind": "private", "name": _text("ธนาคาร", "Bank")},
                    "source": "upload",
                    "note": _text("ถ่ายภาพด้วยโทรศัพท์ได้", "A phone photo is fine."),
                },
            ],
            "fees": {"no_fee": True},
            "channels": [{"kind": "portal", "name": _text("แอปพลิเคชันทางรัฐ", "Tang Rat app")}],
            "places": [
                {
                    "name": _text("สำนักงานเขตทุกแห่ง", "Every district office"),
                    "hours": {"days": [0, 1, 2, 3, 4], "opens": "08:30", "closes": "16:30"},
                }
            ],
            "complaint_channels": [
                {"name": _text("กรมกิจการผู้สูงอายุ", "Department of Older Persons"), "phone": "1300"},
                {"name": _text("สายด่วนรัฐบาล 1111", "Government hotline 1111"), "phone": "1111"},
            ],
            "legal_basis": [
                {
                    "title": _text("พระราชบัญญัติผู้สูงอายุ พ.ศ. 2546", "Older Persons Act B.E. 2546"),
                    "section": "11",
                }
            ],
            "published_on": "2024-01-15",
        },
    }


Triple = tuple[str, str, str]


def _lint(data: dict[str, Any], today: dt.date = TODAY) -> set[Triple]:
    service = EServiceDefinition.model_validate(data)
    agencies = [AgencyDefinition.model_validate(a) for a in AGENCIES]
    return {(f.rule, f.check, f.where) for f in lint([service], agencies, today)}


@pytest.fixture
def service_data() -> dict[str, Any]:
    """A fresh complete definition as a dict, safe to change."""
    return complete_service()


@pytest.fixture
def lint_service() -> Callable[..., set[Triple]]:
    """Lint one definition (a dict); the (rule, check, where) of each finding."""
    return _lint


@pytest.fixture
def agencies() -> list[AgencyDefinition]:
    """The agencies the complete definition names (its own and its documents' issuer)."""
    return [AgencyDefinition.model_validate(a) for a in AGENCIES]


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture(scope="session")
def seed_findings() -> list[Finding]:
    """The lint of the whole demo seed, as `citizen-gateway catalog lint` runs it today."""
    catalog = load_catalog()
    assert catalog.services, "the demo seed has no services"
    return lint(catalog.services, catalog.agencies, dt.datetime.now(BANGKOK).date())

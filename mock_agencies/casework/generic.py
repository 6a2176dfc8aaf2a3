"""A mock API-kind agency made from data alone: the casework engine (cases, staff, rules,
signed callbacks, documents) for an agency described by a TOML file, so that a new agency that
speaks the Agency Case API v1 needs no Python for its mock either.

    code = "DOEX"
    name_th = "กรมตัวอย่าง"
    name_en = "Department of Examples"
    head_office = "DOEX_HQ"

    [[offices]]                   # at least the head office; provinces: ISO 3166-2 codes
    code = "DOEX_HQ"
    name_th = "กรมตัวอย่าง (ส่วนกลาง)"
    name_en = "Department of Examples (head office)"
    provinces = []

    [[services]]                  # the services it takes through the Case API
    id = "doex-example-permit"
    fees_after_approval = true    # its fees are paid once approved (default: at filing)

    [[services.fees]]             # none: free
    label = "ค่าธรรมเนียม"
    label_en = "Fee"
    amount_satang = 10000

An approval grants the engine's default document (a certificate of the decision). The entry
point is a configured factory of the agency's own package, one generated line
(`create_app = data_agency(Path(__file__).with_name("agency.toml"))`): the host calls it with no
argument and it builds the app as `CaseworkApps.create_default_app` does (environment options,
the shared credentials file).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from mock_agencies.casework.agency import Agency, Office
from mock_agencies.casework.app import create_casework_app, environment_options
from mock_agencies.casework.model import Fee
from mock_agencies.casework.schemas import Submission

_CODE = r"^[A-Z][A-Z0-9_]{1,31}$"


class _Fee(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    amount_satang: int = Field(gt=0)


class _Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")
    fees: list[_Fee] = Field(default_factory=list)
    fees_after_approval: bool = False


class _Office(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=_CODE)
    name_th: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    provinces: list[str] = Field(default_factory=list)


class AgencyData(BaseModel):
    """The TOML file's content (above)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=_CODE)
    name_th: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    head_office: str
    offices: list[_Office] = Field(min_length=1)
    services: list[_Service] = Field(min_length=1)


def load_agency_data(path: Path) -> AgencyData:
    with path.open("rb") as file:
        data = AgencyData.model_validate(tomllib.load(file))
    if data.head_office not in {office.code for office in data.offices}:
        raise ValueError(f"{path}: head_office {data.head_office} is none of its offices")
    return data


def agency_class(data: AgencyData) -> type[Agency]:
    """An `Agency` subclass for `data`: its offices and services, each service's fees."""
    service_fees = {
        service.id: [Fee(f.label, f.label_en, f.amount_satang) for f in service.fees]
        for service in data.services
    }

    class DataAgency(Agency):
        code = data.code
        name_th = data.name_th
        name_en = data.name_en
        head_office = data.head_office
        offices = tuple(
            Office(o.code, o.name_th, o.name_en, frozenset(o.provinces)) for o in data.offices
        )
        services = frozenset(service_fees)
        fees_after_approval = frozenset(s.id for s in data.services if s.fees_after_approval)

        def fees(self, submission: Submission, now: dt.datetime) -> list[Fee]:
            return list(service_fees.get(submission.service_id, []))

    DataAgency.__name__ = DataAgency.__qualname__ = f"DataAgency_{data.code}"
    return DataAgency


def data_agency(path: Path) -> Callable[..., FastAPI]:
    """The factory an entry point of group `citizen_gateway.mock_agencies` names: the agency
    described by the TOML file at `path`, read when the host builds it. Tests pass
    `create_casework_app`'s options (consumers, callback_secret, send_callbacks, …)."""

    def create_app(**options: Any) -> FastAPI:
        data = load_agency_data(path)
        defaults: dict[str, Any] = dict(environment_options(data.code))
        seed = int(options.pop("seed", defaults.pop("seed", 0)))
        return create_casework_app(agency_class(data)(seed), **(defaults | options))

    return create_app

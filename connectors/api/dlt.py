"""The Department of Land Transport (DLT): driving licences and vehicle tax.

Cases through the Agency Case API v1; once-only data (R-12.1): the citizen's current driving
licence, `GET /api/v1/licences/{pid}` (kind "licences").

`HoldsCitizenData` (know) reads the licence and `GET /api/v1/vehicles/{pid}` (404 not_found:
none held):

    fact     owns_vehicle       a vehicle is registered to the citizen
    records  driving_licence    one per licence: number, class, issued, expires, status
             vehicle            one per registered vehicle: plate, kind, year, engine, weight

Fresh for an hour (`citizen_data_fresh_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from connectors.api.casework import API, CaseworkConnector, pid_segment
from connectors.api.citizen import parsed, read_held
from connectors.base import CitizenData, CitizenRecord
from connectors.config import ConnectorConfig


class _Licence(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    licence_number: StrictStr
    class_: StrictStr = Field(alias="class")
    class_th: StrictStr
    class_en: StrictStr
    issued_on: dt.date
    expires_on: dt.date
    status: StrictStr


class _Vehicle(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    plate: StrictStr
    kind: StrictStr
    kind_th: StrictStr
    kind_en: StrictStr
    registered_year: StrictInt
    engine_cc: StrictInt | None = None
    weight_kg: StrictInt | None = None


class _Vehicles(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    vehicles: list[_Vehicle]


class DltConnector(CaseworkConnector):
    once_only_kinds = frozenset({"licences"})
    citizen_facts = frozenset({"owns_vehicle"})
    citizen_data_fresh_for = dt.timedelta(hours=1)

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self.once_only_kinds:
            raise self.unknown_kind(kind, self.once_only_kinds)
        return await self.fetch(f"{API}/licences/{pid_segment(pid)}")

    async def citizen_data(self, pid: str) -> CitizenData:
        segment = pid_segment(pid)
        records = []
        if (answer := await read_held(self, f"{API}/licences/{segment}")) is not None:
            licence = parsed(self.agency_code, _Licence, answer, "licence answer")
            records.append(
                CitizenRecord(
                    kind="driving_licence",
                    title_th=f"ใบอนุญาตขับขี่ {licence.class_th}",
                    title_en=f"Driving licence: {licence.class_en}",
                    data={
                        "licence_number": licence.licence_number,
                        "class": licence.class_,
                        "class_th": licence.class_th,
                        "class_en": licence.class_en,
                        "issued_on": licence.issued_on.isoformat(),
                        "expires_on": licence.expires_on.isoformat(),
                        "status": licence.status,
                    },
                    as_of=self.now(),
                )
            )
        vehicles: list[_Vehicle] = []
        if (answer := await read_held(self, f"{API}/vehicles/{segment}")) is not None:
            vehicles = parsed(self.agency_code, _Vehicles, answer, "vehicles answer").vehicles
        records.extend(
            CitizenRecord(
                kind="vehicle",
                title_th=f"{vehicle.kind_th} {vehicle.plate}",
                title_en=f"{vehicle.kind_en} {vehicle.plate}",
                data=vehicle.model_dump(),
                as_of=self.now(),
            )
            for vehicle in vehicles
        )
        return CitizenData({"owns_vehicle": bool(vehicles)}, records, [])


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> DltConnector:
    """The entry point `citizen_gateway.connectors: DLT`."""
    return DltConnector(config, transport)

"""The sample filing a certification run files with the agency: one valid application for one
of its e-services, (when the connector offers once-only data) which record to ask for, and
(when it bills citizens) whose bills to list and pay.

An agency team supplies its own as JSON (`citizen-gateway certify --sample FILE`)::

    {
      "service_id": "dlt-driving-licence-renewal",
      "form": {"appointment_date": "2026-12-01", "appointment_period": "morning"},
      "once_only": {"kind": "licences", "params": {}},
      "applicant": {"pid": "1100100001014", "first_name_th": "สมชาย", "last_name_th": "ใจดี",
                    "birth_date": "1987-01-15", "address_th": "…"}
    }

`once_only` is needed only when the connector implements `ProvidesOnceOnlyData`; `applicant`
defaults to demo citizen 1 (สมชาย ใจดี), whom the mock agencies know. `"bills": {"pid": …}`
names a citizen with an open bill, for a connector that implements `Bills` (default: the
applicant). A connector that implements `HoldsCitizenData` is asked what it holds about the
applicant. An agency that takes no applications through the portal (a biller whose e-services
are links, a register the portal only reads) writes `"service_id": null` (and an empty form):
the checks that file skip. The seed
agencies' samples are built in: `samples/<code>.json` beside this module, also examples to copy.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.base import Applicant, Submission

#: Demo citizen 1 (docs/demo-citizens.md): on the mock agencies' registers.
DEMO_APPLICANT = Applicant(
    pid="1100100001014",
    first_name_th="สมชาย",
    last_name_th="ใจดี",
    birth_date="1987-01-15",
    address_th="99/1 แขวงลุมพินี เขตปทุมวัน กรุงเทพมหานคร 10330",
)
#: Never resolves (RFC 2606): the agency's status callbacks for certification cases go nowhere,
#: rather than to a gateway that never filed them.
CALLBACK_BASE = "https://certification.invalid/v1/agency/callbacks"


class SampleError(ValueError):
    """A sample file that cannot be used (unreadable, not JSON, or not the documented shape)."""


@dataclass(frozen=True)
class Sample:
    service_id: str | None  # None: the agency takes no applications (nothing is filed)
    form: Mapping[str, Any]
    once_only_kind: str | None = None
    once_only_params: Mapping[str, Any] = field(default_factory=dict)
    applicant: Applicant = DEMO_APPLICANT
    bills_of: str | None = None  # whose bills to list and pay (None: the applicant's)

    @property
    def bills_pid(self) -> str:
        return self.bills_of or self.applicant.pid

    def submission(
        self,
        agency_code: str,
        *,
        idempotency_key: str | None = None,
        label: str = "certify",
        callback_url: str | None = None,
    ) -> Submission:
        """A fresh filing of this sample (a new idempotency key unless one is given). The form
        carries the applicant's names, as the gateway's prefilled drafts do. Its callback_url
        is `callback_url`, else one that never resolves (CALLBACK_BASE)."""
        if self.service_id is None:
            raise ValueError("this sample files nothing (service_id is null)")
        now = dt.datetime.now(dt.UTC)
        applicant = self.applicant
        return Submission(
            idempotency_key=idempotency_key or f"{label}-{secrets.token_hex(8)}:submit",
            application_id=secrets.token_hex(8),
            application_number=f"{agency_code}-CERT-{secrets.randbelow(10**6):06d}",
            service_id=self.service_id,
            unit_code=None,
            applicant=applicant,
            form={
                "first_name_th": applicant.first_name_th,
                "last_name_th": applicant.last_name_th,
                **self.form,
            },
            attachments=[],
            arrived_at=now,
            deemed_received_at=now,
            callback_url=callback_url or f"{CALLBACK_BASE}/{agency_code}",
        )


class _OnceOnly(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[str, Field(min_length=1)]
    params: dict[str, Any] = Field(default_factory=dict)


class _Bills(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pid: Annotated[str, Field(pattern=r"^[0-9]{13}$")]


class _Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pid: Annotated[str, Field(pattern=r"^[0-9]{13}$")]
    first_name_th: Annotated[str, Field(min_length=1)]
    last_name_th: Annotated[str, Field(min_length=1)]
    birth_date: str | None = None
    address_th: str | None = None


class _SampleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: Annotated[str, Field(min_length=1)] | None  # required; null: files nothing
    form: dict[str, Any]
    once_only: _OnceOnly | None = None
    applicant: _Applicant | None = None
    bills: _Bills | None = None


def parse_sample(raw: str | bytes, source: str = "sample") -> Sample:
    """A sample from its JSON text; SampleError naming each problem otherwise."""
    try:
        data = _SampleFile.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(top)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SampleError(f"{source}: {problems}") from None
    return Sample(
        service_id=data.service_id,
        form=data.form,
        once_only_kind=data.once_only.kind if data.once_only else None,
        once_only_params=data.once_only.params if data.once_only else {},
        applicant=Applicant(**data.applicant.model_dump()) if data.applicant else DEMO_APPLICANT,
        bills_of=data.bills.pid if data.bills else None,
    )


def load_sample(path: Path) -> Sample:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SampleError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return parse_sample(raw, str(path))


def builtin_sample(agency_code: str) -> Sample | None:
    """The built-in sample for a seed agency (DLT, SSO, RD, PEA, PWA, CGD, NHSO, DOP), or
    None."""
    resource = resources.files(__package__ or __name__).joinpath(
        "samples", f"{agency_code.strip().lower()}.json"
    )
    if not resource.is_file():
        return None
    return parse_sample(resource.read_bytes(), f"built-in sample {resource.name}")


def builtin_sample_codes() -> tuple[str, ...]:
    """The agency codes with a built-in sample, sorted."""
    folder = resources.files(__package__ or __name__).joinpath("samples")
    return tuple(
        sorted(
            entry.name.removesuffix(".json").upper()
            for entry in folder.iterdir()
            if entry.name.endswith(".json")
        )
    )

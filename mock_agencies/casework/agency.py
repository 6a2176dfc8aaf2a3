"""What makes one API-kind agency different from another: who it is, its offices, the services
it handles, the fees it charges and when they are paid, what approving a case does, and its
once-only data endpoints.

Each agency (mock_agencies/dlt, sso, rd) subclasses `Agency`; the casework engine does the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import FastAPI
from fastapi.params import Depends

from mock_agencies import grants
from mock_agencies.casework.errors import InvalidPid, NotOurCase, UnknownService
from mock_agencies.casework.model import Case, Fee
from mock_agencies.casework.schemas import Submission
from mock_agencies.dopa.population import DEMO_CITIZENS, is_valid_national_id
from mock_agencies.registry import registered

if TYPE_CHECKING:
    from mock_agencies.casework.engine import Casework

#: Agencies on the portal, by the code that prefixes their service ids ("sso-…" is SSO's): the
#: catalog's agencies, most of which have no mock, and (`known_agencies`) every registered mock.
KNOWN_AGENCIES = frozenset(
    {
        "BMA", "CGD", "COJ", "DCA", "DCY", "DLT", "DOE", "DOL", "DOP", "DOPA",
        "DSLF", "LED", "NHSO", "PEA", "PWA", "RD", "SSO",
    }
)  # fmt: skip


@functools.cache
def known_agencies() -> frozenset[str]:
    """KNOWN_AGENCIES and every agency registered with the mocks host (a new agency's service
    filed at another agency is named as its own)."""
    return KNOWN_AGENCIES | frozenset(registered())


#: The registry's named demo citizens: every agency has a record of them (docs/demo-citizens.md).
DEMO_PIDS = frozenset(person.pid for person in DEMO_CITIZENS)


def checked_pid(pid: str) -> str:
    if not is_valid_national_id(pid):
        raise InvalidPid("pid must be a valid 13-digit national ID")
    return pid


@dataclass(frozen=True)
class Office:
    code: str
    name_th: str
    name_en: str
    provinces: frozenset[str] = frozenset()  # empty: the head office, serving the rest


class Agency:
    code: ClassVar[str]
    name_th: ClassVar[str]
    name_en: ClassVar[str]
    offices: ClassVar[tuple[Office, ...]]
    head_office: ClassVar[str]
    services: ClassVar[frozenset[str]]
    #: The services whose fees are paid once the case is approved, before the agency issues
    #: (the portal's APPROVED_WAITING_PAY_FEE → PAID_FEE_CREATING_LICENSE): approving such a
    #: case whose fees are unpaid leaves it `awaiting_payment` until the gateway reports the
    #: payment. Any other service's fees (RD's tax due) are paid at filing.
    fees_after_approval: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    # -- who handles what ------------------------------------------------------------------

    def check_service(self, service_id: str) -> None:
        """Refuse a service this agency does not handle, naming who does when it can (R-10.6)."""
        if service_id in self.services:
            return
        owner = service_id.split("-", 1)[0].upper()
        if owner != self.code and owner in known_agencies():
            raise NotOurCase(
                f"{service_id} is not a service of {self.code}; it belongs to {owner}",
                responsible_agency=owner,
            )
        raise UnknownService(
            f"{self.code} handles {', '.join(sorted(self.services))} through this API; "
            f"not {service_id}"
        )

    def check_filing(self, submission: Submission) -> None:
        """Refuse a filing that is not this agency's to handle (R-10.6): by default, one for a
        service it does not provide. An agency may also judge by the applicant, naming the
        agency responsible instead (NotOurCase)."""
        self.check_service(submission.service_id)

    def office_codes(self) -> frozenset[str]:
        return frozenset(office.code for office in self.offices)

    def office_serving(self, province: str | None) -> str | None:
        """The office for an applicant in `province` (the head office where none is local)."""
        if province is None:
            return None
        for office in self.offices:
            if province in office.provinces:
                return office.code
        return self.head_office

    def route(self, requested: str | None, province: str | None) -> tuple[str, bool]:
        """(the office that handles the case, whether it was forwarded there) (R-10.5): a
        filing addressed to an office that does not serve the applicant goes to the one that
        does; one addressed to no office goes straight to the right one."""
        right = self.office_serving(province)
        if right is None:  # no province known: trust the address if it is one of ours
            right = requested if requested in self.office_codes() else self.head_office
        return right, bool(requested) and requested != right

    # -- what a case costs, and what approving it does --------------------------------------

    def fees(self, submission: Submission, now: dt.datetime) -> list[Fee]:
        """The fees the applicant owes for this filing (empty: none). May refuse the filing."""
        return []

    def check_approval(self, case: Case, now: dt.datetime) -> None:
        """Raise NotEligible when the agency's own records forbid approving the case. Asked
        when a case is approved before its fee is paid, so that nobody pays for a decision
        the agency cannot carry out; `approve` must check again."""

    def approve(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        """The effect of approval (a licence, a payout, a refund) as the approved event's data.
        Raise NotEligible when the agency's own records forbid approving."""
        self.check_approval(case, now)
        return {}

    def issued_document(
        self, case: Case, effect: dict[str, Any], now: dt.datetime, number: str
    ) -> dict[str, Any] | None:
        """The e-document approval grants (`data.document`, a DocumentSpec as JSON:
        mock_agencies/grants.py), numbered `number`; None when approval grants none. `effect`
        is what `approve` returned. By default a certificate of the decision."""
        submission = case.submission
        office_th, office_en = self.office_names(case.unit_code)
        items = [
            grants.item("service", "บริการ", "Service", submission.service_id),
            grants.item(
                "application_number",
                "เลขที่คำขอ",
                "Application number",
                submission.application_number,
            ),
            grants.item("agency_ref", "เลขที่รับเรื่อง", "Agency reference", case.ref),
            grants.item("decision", "ผลการพิจารณา", "Decision", "อนุมัติ", "Approved"),
            grants.item("office", "หน่วยงานที่พิจารณา", "Decided by", office_th, office_en),
        ]
        return grants.document(
            "certificate",
            number,
            "หนังสือรับรองผลการพิจารณาคำขอ",
            "Certificate of decision on an application",
            items,
        )

    def office_names(self, code: str) -> tuple[str, str]:
        """(Thai, English) name of office `code` (the code itself when it is none of ours)."""
        for office in self.offices:
            if office.code == code:
                return office.name_th, office.name_en
        return code, code

    def document_title(self, case: Case) -> str:
        return f"{self.name_en}: decision on {case.submission.service_id}"

    def document_lines(self, case: Case, effect: dict[str, Any]) -> list[str]:
        """Lines printed on the issued document, besides the case's own particulars; `effect`
        is what `approve` returned."""
        return []

    def add_routes(self, app: FastAPI, casework: Casework, token_required: list[Depends]) -> None:
        """The agency's own endpoints, e.g. its once-only data (R-12.1)."""

    # -- deterministic synthetic records ---------------------------------------------------

    def digest(self, *parts: object) -> bytes:
        """A stable hash of `parts` for this agency and seed: records generated from a pid are
        the same on every start and differ between seeds."""
        text = ":".join(str(part) for part in (self.seed, self.code, *parts))
        return hashlib.sha256(text.encode()).digest()

    def pick(self, scale: int, *parts: object) -> int:
        """A stable number in range(scale) drawn from `parts`."""
        return int.from_bytes(self.digest(*parts)[:8], "big") % scale

    def knows(self, pid: str, share_unknown: int = 5) -> bool:
        """Whether this agency has a record of `pid`: the demo citizens always; of the rest,
        all but one in `share_unknown` (a stable choice per pid and seed)."""
        if not is_valid_national_id(pid):
            return False
        return pid in DEMO_PIDS or self.pick(share_unknown, "known", pid) != 0

"""What every applications service works with: who acts, the domain's runtime (wired once in
`create_app`), the port to the agencies' back ends, and the context of one unit of work.

Services never commit: the caller that opened the unit of work commits the one transaction,
so a state change, its timeline event, its audit line, its inbox message and its outbox message
stand or fall together.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.civil_registry import CivilRegistry
from connectors.registry import ConnectorRegistry
from gateway.applications.lifecycle import ActorKind
from gateway.applications.models import Application
from gateway.applications.repository import ApplicationRepository
from gateway.applications.shown import ServiceCache, ShownAnswers
from gateway.audit.access import DataAccessLog
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.documents.signing import DocumentSigning
from gateway.documents.wallet import Wallet
from gateway.pagination import CursorCodec
from gateway.receipts.signer import ReceiptSigner
from gateway.receipts.tsa import TimestampAuthority
from gateway.storage import BlobStore
from gateway.tracking.timeline import Tracker
from gateway.uow import UnitOfWork
from identity import CitizenDirectory
from kernel.crypto import PIIVault

JSON = dict[str, Any]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str

    @property
    def label(self) -> str:
        return f"{self.kind.value}:{self.id}"


SYSTEM = Actor(ActorKind.SYSTEM, "gateway")


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int
    max_application_bytes: int
    max_attachments: int


class ToAgencies(Protocol):
    """How a change made on the portal reaches the agency's back end: a message in the outbox,
    written in the caller's transaction (implemented by gateway.forwarding.outbox)."""

    def filed(self, session: AsyncSession, application: Application, now: dt.datetime) -> None:
        """File the application with its agency."""
        ...

    def answered(
        self,
        session: AsyncSession,
        application: Application,
        now: dt.datetime,
        *,
        note: str | None,
        documents: list[str],
    ) -> None:
        """Pass on the citizen's answer to the agency's request for information."""
        ...

    def withdrawn(
        self, session: AsyncSession, application: Application, now: dt.datetime, reason: str | None
    ) -> None:
        """Tell the agency the citizen withdrew (it cancels the case)."""
        ...

    def paid(
        self, session: AsyncSession, application: Application, now: dt.datetime, notice: JSON
    ) -> None:
        """Tell the agency its fee was paid (`notice`: connectors.PaymentNotice as JSON)."""
        ...

    def bill_paid(
        self, session: AsyncSession, agency_code: str, bill_id: str, now: dt.datetime, notice: JSON
    ) -> None:
        """Tell a biller its bill was paid on the portal."""
        ...


class IssueDocuments(Protocol):
    """How a decision becomes a signed e-document off the request path: a message in the
    outbox, written in the caller's transaction, that the worker turns into the document
    (implemented by gateway.forwarding.outbox.DocumentQueue)."""

    def document(
        self, session: AsyncSession, application: Application, spec: JSON, now: dt.datetime
    ) -> None:
        """Issue the document `spec` (documents.facts.DocumentSpec as JSON) the agency granted."""
        ...

    def receipt(
        self, session: AsyncSession, agency_code: str, receipt_number: str, now: dt.datetime
    ) -> None:
        """Render and sign the official e-receipt `receipt_number` as a PDF in the wallet."""
        ...


class FeeDemands(Protocol):
    """How an application's fee becomes something the citizen can pay on the portal (R-7.4),
    written in the caller's transaction (implemented by gateway.payments.fees)."""

    async def demand(
        self,
        session: AsyncSession,
        application: Application,
        *,
        stage: str,
        items: list[dict[str, Any]],
        now: dt.datetime,
    ) -> dict[str, Any]:
        """Make the demand; what the citizen is told of it (amount, due date)."""
        ...

    async def close_open(
        self, session: AsyncSession, application_id: str, now: dt.datetime, why: str
    ) -> None:
        """The application closed: its unpaid demand and open payment end too."""
        ...


@dataclass
class ApplicationsRuntime:
    """What the applications domain needs from the running gateway (wired in create_app)."""

    vault: PIIVault
    signer: ReceiptSigner
    tsa: TimestampAuthority
    store: BlobStore
    registry: CivilRegistry
    directory: CitizenDirectory
    to_agencies: ToAgencies
    issuer: str  # the gateway's public URL, the `iss` of receipts
    limits: Limits
    connectors: ConnectorRegistry | None = None  # once-only documents
    fees: FeeDemands | None = None  # fees become payable demands (gateway.payments)
    issuance: IssueDocuments | None = None  # decisions become signed e-documents
    signing: DocumentSigning | None = None  # what the worker signs them with
    json_body_limit: int = 1_048_576  # JSON bodies on routes that otherwise stream uploads
    # Sessions for taking application numbers in a transaction of their own (None: in the
    # submission's own transaction).
    number_sessions: async_sessionmaker[AsyncSession] | None = None
    # The e-services applications are shown with, while unchanged (shown.ServiceCache).
    services: ServiceCache = field(default_factory=lambda: ServiceCache(512))
    # Rendered answers of the status read, while their application is unchanged.
    answers: ShownAnswers = field(init=False)

    def __post_init__(self) -> None:
        self.answers = ShownAnswers(self.vault)


class Context:
    """One unit of work as the applications services see it."""

    def __init__(self, uow: UnitOfWork, runtime: ApplicationsRuntime, cursors: CursorCodec) -> None:
        self.uow = uow
        self.runtime = runtime
        self.cursors = cursors
        self.repository = ApplicationRepository(uow.session)
        self.catalog_rows = CatalogRepository(uow.session)
        self.catalog = CatalogService(self.catalog_rows, cursors)
        self.tracker = Tracker(uow.session, uow.now)
        self.wallet = Wallet(uow.session)
        # Fetches of the citizen's data, recorded in this unit of work (issue 14).
        self.access = DataAccessLog(uow.session, uow.now)

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    @property
    def now(self) -> dt.datetime:
        return self.uow.now

    def seal_form(self, application_id: str, value: dict[str, Any]) -> str:
        """The form holds personal data (names, address): encrypted at rest."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return self.runtime.vault.encrypt(text, context=f"application:{application_id}:form")

    def open_form(self, application: Application) -> dict[str, Any]:
        text = self.runtime.vault.decrypt(
            application.form_enc, context=f"application:{application.id}:form"
        )
        value: dict[str, Any] = json.loads(text)
        return value


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def auditable(data: Mapping[str, Any]) -> dict[str, Any]:
    """What of an event goes into the audit chain, which can never be edited or erased: facts
    and identifiers, never free text someone typed (it may hold personal data)."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key in {"reason", "note"}:
            result[f"{key}_given"] = True
        elif key == "items":
            result["items"] = len(value)
            result["documents"] = sorted({i["document"] for i in value if i.get("document")})
        else:
            result[key] = value
    return result

"""What showing an application needs of its e-service: the service and the documents its
manual asks for, read once and kept per process while the service is unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.applications.repository import ServiceVersion, Stamp
from gateway.catalog.definitions import Manual
from gateway.catalog.models import EService
from kernel.bounded import BoundedMap
from kernel.crypto import PIIVault


@dataclass(frozen=True)
class DocumentRequirement:
    """A document of the service's manual, with the key attachments name it by."""

    key: str
    name_th: str
    name_en: str
    source: str  # upload | wallet | portal_fetch
    required: bool


def requirements(service: EService) -> list[DocumentRequirement]:
    """The manual's documents with their keys (`doc-<n>` by position when none is given)."""
    manual = Manual.model_validate(service.manual)
    return [
        DocumentRequirement(
            key=key,
            name_th=document.name.th,
            name_en=document.name.en,
            source=document.source,
            required=document.required,
        )
        for key, document in manual.keyed_documents()
    ]


@dataclass(frozen=True)
class ShownService:
    """An e-service as an application shows it, with its manual's documents read once."""

    service: EService  # detached: its columns and its agency loaded; never changed
    documents: list[DocumentRequirement]


#: The e-services applications are shown with, per process, each under the version it was
#: read at (its own and its agency's last change): a changed service is read again, never
#: shown stale.
ServiceCache = BoundedMap[ServiceVersion, ShownService]


#: Which answer a cached body is: the application's stamp (its owner included), the
#: language, and whether it was overdue when rendered.
AnswerKey = tuple[Stamp, str, bool]


class ShownAnswers:
    """Rendered answers of `GET /v1/applications/{id}`, per process, each under what it was
    rendered from (AnswerKey): served again only while the application's stamp, read on every
    request, is unchanged. The bodies hold personal data (the form), so they are kept sealed
    with the PII vault, never in clear beyond the request."""

    def __init__(self, vault: PIIVault, max_entries: int = 4096) -> None:
        self.vault = vault
        self._entries: BoundedMap[str, tuple[AnswerKey, str]] = BoundedMap(max_entries)

    def get(self, application_id: str, key: AnswerKey) -> str | None:
        found = self._entries.get(application_id)
        if found is None or found[0] != key:
            return None
        return self.vault.decrypt(found[1], context=_context(application_id))

    def put(self, application_id: str, key: AnswerKey, body: str) -> None:
        sealed = self.vault.encrypt(body, context=_context(application_id))
        self._entries.put(application_id, (key, sealed))


def _context(application_id: str) -> str:
    return f"application:{application_id}:shown"

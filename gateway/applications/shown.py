"""What showing an application needs of its e-service: the service and the documents its
manual asks for, read once and kept per process while the service is unchanged."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from gateway.applications.repository import ServiceVersion, Stamp
from gateway.catalog.definitions import Manual
from gateway.catalog.models import EService
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


class ServiceCache:
    """The e-services applications are shown with, per process, each under the version it was
    read at (its own and its agency's last change): a changed service is read again, never
    shown stale. A bounded map, the least recently used forgotten first."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[ServiceVersion, ShownService] = OrderedDict()

    def get(self, version: ServiceVersion) -> ShownService | None:
        found = self._entries.get(version)
        if found is not None:
            self._entries.move_to_end(version)
        return found

    def put(self, version: ServiceVersion, shown: ShownService) -> None:
        self._entries[version] = shown
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


#: Which answer a cached body is: the application's stamp, the language, whether it was
#: overdue when rendered, and who it was rendered for.
AnswerKey = tuple[Stamp, str, bool, str]


class ShownAnswers:
    """Rendered answers of `GET /v1/applications/{id}`, per process, each under what it was
    rendered from (AnswerKey): served again only while the application's stamp, read on every
    request, is unchanged. The bodies hold personal data (the form), so they are kept sealed
    with the PII vault, never in clear beyond the request. A bounded map, the least recently
    used forgotten first."""

    def __init__(self, vault: PIIVault, max_entries: int = 4096) -> None:
        self.vault = vault
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[AnswerKey, str]] = OrderedDict()

    def get(self, application_id: str, key: AnswerKey) -> str | None:
        found = self._entries.get(application_id)
        if found is None or found[0] != key:
            return None
        self._entries.move_to_end(application_id)
        return self.vault.decrypt(found[1], context=_context(application_id))

    def put(self, application_id: str, key: AnswerKey, body: str) -> None:
        self._entries[application_id] = (
            key,
            self.vault.encrypt(body, context=_context(application_id)),
        )
        self._entries.move_to_end(application_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def _context(application_id: str) -> str:
    return f"application:{application_id}:shown"

"""The hash chain of the audit log (R-15.1), as pure functions: no I/O, no database.

Each entry's hash is the hex SHA-256 of the previous entry's hash followed by the canonical
JSON of the entry (seq, at, actor, action, subject, data). Changing any stored field, removing
an entry or reordering entries breaks a link that `ChainWalker` names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

#: The prev_hash of seq 1.
GENESIS_HASH = "0" * 64

#: Audit data is a short note about the event, not a copy of the record (R-15.1 keeps the
#: evidence small and free of documents); larger data is refused.
MAX_DATA_BYTES = 4096


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 text as is.

    NaN and infinities are refused: they are not JSON and PostgreSQL would not store them.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def normalise_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """`data` as it will read back from a JSON column (tuples become lists, keys strings), so
    the hash made at append time is the hash recomputed from the stored row."""
    text = canonical_json(dict(data or {}))
    if len(text.encode("utf-8")) > MAX_DATA_BYTES:
        raise ValueError(f"audit data is limited to {MAX_DATA_BYTES} bytes of JSON")
    normalised: dict[str, Any] = json.loads(text)
    return normalised


def utc_instant(at: dt.datetime) -> str:
    """`at` as hashed: ISO 8601 in UTC with microseconds, e.g. 2026-04-10T10:05:30.123456+00:00."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    data: Mapping[str, Any],
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": utc_instant(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "data": data,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class Link(Protocol):
    """What the chain reads of a stored entry (an `AuditEntry` row is one)."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


@dataclass(frozen=True)
class Break:
    """The first broken link: the seq where the chain stops being provable, and why."""

    seq: int
    reason: str


class ChainWalker:
    """Checks entries handed to it in seq order, a batch at a time, then the head.

    `feed` returns the first break it finds (and must not be fed again after one); `finish`
    compares the end of the walk with the head (the latest seq and hash the log recorded), so
    that entries removed from the end are found too.
    """

    def __init__(self) -> None:
        self.checked = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH

    def feed(self, entries: Iterable[Link]) -> Break | None:
        for entry in entries:
            expected = self.last_seq + 1
            if entry.seq != expected:
                return Break(expected, f"seq {expected} is missing (next entry is {entry.seq})")
            if entry.prev_hash != self.last_hash:
                before = f"seq {self.last_seq}" if self.last_seq else "the genesis"
                return Break(entry.seq, f"prev_hash does not match the hash of {before}")
            try:
                recomputed = entry_hash(
                    entry.prev_hash,
                    seq=entry.seq,
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    subject=entry.subject,
                    data=entry.data,
                )
            except (TypeError, ValueError) as exc:  # e.g. data no longer a JSON object
                return Break(entry.seq, f"entry cannot be hashed: {exc}")
            if recomputed != entry.hash:
                return Break(entry.seq, "hash does not match the entry's contents")
            self.checked += 1
            self.last_seq = entry.seq
            self.last_hash = entry.hash
        return None

    def finish(self, head_seq: int, head_hash: str) -> Break | None:
        if self.last_seq > head_seq:
            return Break(head_seq + 1, f"entries after seq {head_seq} are not in the head")
        if self.last_seq < head_seq:
            missing = self.last_seq + 1
            gone = f"seq {missing}" if missing == head_seq else f"seqs {missing}..{head_seq}"
            return Break(
                missing,
                f"the head records seq {head_seq} but the log ends at seq {self.last_seq}: "
                f"{gone} missing",
            )
        if head_hash != self.last_hash:
            return Break(head_seq, f"the head's hash does not match the hash of seq {head_seq}")
        return None

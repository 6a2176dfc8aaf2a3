"""Opaque, signed list cursors, and the bytewise order that keyset pages walk in.

A cursor says where the previous page ended and which query it belongs to. It is signed with
the gateway's secret key, so a client cannot forge one to skip filters, and a cursor from
another query (other filters or another list) is refused instead of silently misapplied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from kernel.errors import BadRequest

MAX_CURSOR_CHARS = 512
_MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def query_fingerprint(scope: str, filters: Mapping[str, Any]) -> str:
    canonical = json.dumps([scope, dict(sorted(filters.items()))], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"cursor\x00" + secret).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, fingerprint: str, after: str) -> str:
        payload = json.dumps({"q": fingerprint, "a": after}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, cursor: str, fingerprint: str) -> str:
        """The key the previous page ended at; BadRequest for a tampered or foreign cursor."""
        invalid = BadRequest(
            "The cursor is not valid for this list.",
            code="invalid_cursor",
            detail_th="เคอร์เซอร์นี้ใช้กับรายการนี้ไม่ได้",
        )
        if len(cursor) > MAX_CURSOR_CHARS or cursor.count(".") != 1:
            raise invalid
        payload_text, mac_text = cursor.split(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except ValueError as exc:
            raise invalid from exc
        # Only the canonical encoding is accepted, so no two texts name the same cursor.
        if _b64(payload) != payload_text or _b64(mac) != mac_text:
            raise invalid
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise invalid
        data = json.loads(payload)
        if data.get("q") != fingerprint or not isinstance(data.get("a"), str):
            raise BadRequest(
                "The cursor belongs to another query; start again without it.",
                code="invalid_cursor",
                detail_th="เคอร์เซอร์นี้เป็นของคำค้นอื่น ให้เริ่มใหม่โดยไม่ส่งเคอร์เซอร์",
            )
        return str(data["a"])


class bytewise(FunctionElement[str]):  # lower case: it reads like the SQL it stands for
    """A text column compared and ordered by its bytes, whatever the database's collation.

    Keyset pages compare a string key with `>` and sort by it. Under a linguistic collation
    (en_US, ICU) '-' and '_' weigh less than letters and case is a late tie-break, so the order
    differs from SQLite's (binary) and from the ids' own order; bytes are the one order every
    database and the client agree on. PostgreSQL gets `COLLATE "C"`; SQLite compares bytes
    already. Use it on both sides of a page: in the WHERE and in the ORDER BY.
    """

    name = "bytewise"
    inherit_cache = True
    type = String()

    def __init__(self, column: ColumnElement[str] | QueryableAttribute[str]) -> None:
        super().__init__(column)


@compiles(bytewise)
def _bytewise_default(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'

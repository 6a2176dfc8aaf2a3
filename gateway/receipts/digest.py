"""The content digest a receipt carries (R-10.4): what exactly the citizen submitted.

Pure: no I/O. A third party who holds the submitted form and the attachment files can recompute
the digest offline and compare it with the receipt.

What is hashed
--------------
The digest is the lowercase hex SHA-256 of the UTF-8 bytes of this JSON document::

    {"attachments":[{"document":D1,"sha256":H1},...],"form":F,"service":S}

- `S` is the e-service id (a string).
- `F` is the submitted form exactly as accepted (a JSON object).
- The attachments list holds one object per attached file: `document` is the id of the document
  the file was attached as, `sha256` the lowercase hex SHA-256 of the file's bytes as stored.
  The list is sorted by (`document`, `sha256`), so the order of upload does not matter; two
  identical files for one document appear twice.

The JSON is written canonically (`canonical_json`):

- object members sorted by key (Python string order, i.e. by Unicode code point);
- no whitespace at all: separators are `,` and `:`;
- strings as UTF-8, not escaped to `\\uXXXX` except for the characters JSON requires to be
  escaped (`"`, `\\`, and control characters below U+0020, written as `\\n`, `\\t`, ... or as
  `\\u00XX` in lowercase hex); `/` is not escaped;
- integers in plain decimal; `true`, `false`, `null`;
- floats as Python's `repr` (e.g. `1.5`, `1e-07`); NaN and infinities are refused, since JSON
  has no spelling for them. Forms should prefer integers and strings for numbers.

This matches RFC 8785 (JCS) for every document made of objects, arrays, strings, integers below
2**53, booleans and null whose keys lie in the Basic Multilingual Plane; it differs only for
floats and for keys outside the BMP. In Python the whole recipe is::

    hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False, allow_nan=False).encode()).hexdigest()
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["AttachmentDigest", "canonical_json", "sha256_hex", "submission_digest"]

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def _check(value: Any, pointer: str = "") -> None:
    """Refuse what JSON cannot say exactly: NaN, infinities, non-string keys, other types."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{pointer or '/'}: {value!r} has no JSON spelling")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                # json.dumps would quietly turn 1 into "1": two forms, one digest.
                raise TypeError(f"{pointer or '/'}: object keys must be strings, not {key!r}")
            _check(item, f"{pointer}/{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{pointer}/{index}")
        return
    raise TypeError(f"{pointer or '/'}: {type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of `value` (see the module docstring for the rules)."""
    _check(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # A lone surrogate cannot be UTF-8: UnicodeEncodeError, a ValueError, refuses it.
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class AttachmentDigest:
    """One attached file: the document it stands for and the SHA-256 of its bytes."""

    document: str
    sha256: str  # lowercase hex

    def __post_init__(self) -> None:
        if not _SHA256_HEX.match(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, not {self.sha256!r}")


def submission_digest(
    *, service_id: str, form: Mapping[str, Any], attachments: Sequence[AttachmentDigest]
) -> str:
    """Lowercase hex SHA-256 of the submission, as the module docstring spells out (R-10.4)."""
    ordered = sorted(attachments, key=lambda a: (a.document, a.sha256))
    document = {
        "service": service_id,
        "form": form,
        "attachments": [{"document": a.document, "sha256": a.sha256} for a in ordered],
    }
    return sha256_hex(canonical_json(document))

"""Request bodies as every mock agency reads them: never more than a cap, and a JSON object or
nothing. Each agency answers a body that is too large or not an object with its own errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request


async def read_at_most(request: Request, limit: int) -> bytes:
    """The body, reading no more than `limit` + 1 bytes: longer than `limit` means too large,
    and a caller cannot make the agency buffer more than that."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            break
    return bytes(body)


def json_object_of(raw: bytes) -> dict[str, Any] | None:
    """`raw` as a JSON object; None when it is not one (not UTF-8, not JSON, not an object)."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None

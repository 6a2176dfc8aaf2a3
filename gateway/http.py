"""HTTP helpers shared by endpoints: language negotiation and conditional (ETag) responses."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from starlette.responses import Response

SUPPORTED_LANGUAGES = ("th", "en")
DEFAULT_LANGUAGE = "th"
CATALOG_CACHE_CONTROL = "public, max-age=60"


def negotiate_language(header: str | None) -> str:
    """Pick th or en from an Accept-Language header (RFC 9110 s.12.5.4); Thai by default."""
    if not header:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        if primary in SUPPORTED_LANGUAGES and q > 0 and q > best_q:
            best, best_q = primary, q - position * 1e-6  # earlier wins on equal q
    return best


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    candidates = {c.strip().removeprefix("W/") for c in if_none_match.split(",")}
    return etag in candidates


def conditional_json(request: Request, payload: BaseModel | dict[str, Any], lang: str) -> Response:
    """A JSON response with a strong ETag; 304 when the client already holds this version."""
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    body = json.dumps(jsonable_encoder(data), ensure_ascii=False, separators=(",", ":")).encode()
    etag = _etag(body)
    headers = {
        "ETag": etag,
        "Cache-Control": CATALOG_CACHE_CONTROL,
        "Vary": "Accept-Language",
        "Content-Language": lang,
    }
    inm = request.headers.get("if-none-match")
    if inm is not None and _matches(inm, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)

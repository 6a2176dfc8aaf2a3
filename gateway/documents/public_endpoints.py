"""What anyone may check without signing in (R-13.1, R-14.1): a document by its verification
code, a document its holder shared by a link, and the trust material outside validators need
(the document root CA, its CRL, each signing certificate's status, the credentials' keys).

The verification page and shared links answer HTML (Thai by default, `?lang=en`) or JSON (by
`Accept: application/json`), always from the database as it is now, and only ever the items
the document itself prints. Both are rate-limited per client (429 with `Retry-After`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from sqlalchemy import update

from gateway.deps import RuntimeDep, SessionDep
from gateway.documents.models import DocumentShare, WalletDocument
from gateway.documents.pages import esc, page, table
from gateway.documents.schemas import PrintedItem, VerificationOut
from gateway.documents.sharing import Shares
from gateway.documents.signing import DocumentSigning
from gateway.documents.verification import UNKNOWN, Verdict, standing, verify_code
from gateway.documents.wallet import open_facts
from gateway.ratelimit import RateLimiter
from kernel.errors import NotFound
from kernel.problems import problem_responses
from kernel.working_time import BANGKOK

router = APIRouter(tags=["verification"])

_HTML_OR_JSON: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"schema": VerificationOut.model_json_schema()},
        }
    },
}
_NO_STORE = {"Cache-Control": "no-store", "Vary": "Accept, Accept-Language"}

_RESULT = {
    "valid": ("เอกสารถูกต้องและใช้ได้", "Genuine and valid"),
    "expired": ("เอกสารถูกต้อง แต่หมดอายุแล้ว", "Genuine, but expired"),
    "not_yet_valid": ("เอกสารถูกต้อง แต่ยังไม่ถึงวันที่มีผล", "Genuine, not valid yet"),
    "suspended": ("เอกสารถูกพักใช้", "Suspended by the issuing agency"),
    "revoked": ("เอกสารถูกเพิกถอน", "Revoked by the issuing agency"),
    "unknown": ("ไม่พบเอกสารนี้ในระบบ", "No such document"),
}


def _limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.public_limiter
    limiter.check(request)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "th"


def _out(verdict: Verdict, lang: str, now: dt.datetime) -> VerificationOut:
    document = verdict.document
    if document is None or verdict.facts is None:
        return VerificationOut(result="unknown", checked_at=now)
    shown = verdict.outcome in ("revoked", "suspended")
    return VerificationOut(
        result=verdict.outcome,
        checked_at=now,
        title=verdict.facts.title_en if lang == "en" else verdict.facts.title_th,
        items=[PrintedItem.of(item, lang) for item in verdict.items()],
        status_reason=document.status_reason if shown else None,
        status_changed_at=document.status_changed_at if shown else None,
        sha256=document.sha256,
    )


def _answer(
    request: Request, out: VerificationOut, lang: str, *, heading: str, pdf_href: str | None
) -> Response:
    if _wants_json(request):
        return JSONResponse(out.model_dump(mode="json"), headers=_NO_STORE)
    th, en = _RESULT[out.result]
    rows = [(item.label, item.value) for item in out.items]
    if out.status_reason:
        rows.append(("เหตุผล" if lang == "th" else "Reason", out.status_reason))
    checked = out.checked_at.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M")
    body = (
        f"<h1>{esc(heading)}</h1>"
        f'<p class="state {esc(out.result)}" role="status">{esc(th if lang == "th" else en)}</p>'
        + (f"<h2>{esc(out.title)}</h2>" if out.title else "")
        + (table(rows) if rows else "")
        + (
            f'<p><a href="{esc(pdf_href)}">'
            f"{'ดาวน์โหลดเอกสาร (PDF)' if lang == 'th' else 'Download the document (PDF)'}</a></p>"
            if pdf_href
            else ""
        )
        + f"<p>{'ตรวจสอบเมื่อ' if lang == 'th' else 'Checked at'} {esc(checked)}</p>"
    )
    switch = f"{request.url.path}?lang={'en' if lang == 'th' else 'th'}"
    html = page(title=heading, body=body, lang=lang, switch_href=switch)
    return HTMLResponse(html, headers={**_NO_STORE, "Content-Language": lang})


@router.get(
    "/verify/{code}",
    response_class=Response,
    responses={**_HTML_OR_JSON, **problem_responses("too_many_requests")},
)
async def verify(code: str, request: Request, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Check a document by the code on its QR: valid, expired, suspended, revoked or unknown,
    with exactly the items the document prints. No sign-in, free, always current."""
    _limit(request)
    now = runtime.clock.now()
    lang = _lang(request)
    today = now.astimezone(BANGKOK).date()
    verdict = await verify_code(session, runtime.vault, code, today) if len(code) <= 40 else UNKNOWN
    heading = "ตรวจสอบเอกสารราชการ" if lang == "th" else "Verify a government document"
    return _answer(request, _out(verdict, lang, now), lang, heading=heading, pdf_href=None)


async def _shared(
    token: str, request: Request, session: SessionDep, runtime: RuntimeDep, count: bool
) -> tuple[DocumentShare, WalletDocument] | None:
    _limit(request)
    opened = await Shares(session).open(token, runtime.clock.now())
    if opened is not None and count:
        share, _ = opened
        # Counted in the database (two viewers at once both count), not read-modify-write.
        await session.execute(
            update(DocumentShare)
            .where(DocumentShare.id == share.id)
            .values(views=DocumentShare.views + 1)
        )
        await session.commit()
    return opened


@router.get(
    "/shared/{token}",
    response_class=Response,
    responses={**_HTML_OR_JSON, **problem_responses("too_many_requests")},
)
async def shared_document(
    token: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """A document its holder shared with you: its items, its standing now, and its PDF. An
    expired or revoked link shows nothing of the document."""
    opened = await _shared(token, request, session, runtime, count=True)
    now = runtime.clock.now()
    lang = _lang(request)
    heading = "เอกสารที่แบ่งปันกับท่าน" if lang == "th" else "A document shared with you"
    if opened is None:
        out = VerificationOut(result="unknown", checked_at=now)
        return _answer(request, out, lang, heading=heading, pdf_href=None)
    _, document = opened
    facts = open_facts(runtime.vault, document)
    today = now.astimezone(BANGKOK).date()
    verdict = Verdict(standing(document, today), document, facts)
    return _answer(
        request, _out(verdict, lang, now), lang, heading=heading, pdf_href=f"/shared/{token}/pdf"
    )


@router.get(
    "/shared/{token}/pdf",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses("share_not_found", "too_many_requests"),
    },
)
async def shared_pdf(
    token: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> StreamingResponse:
    """The shared document's signed PDF, while the link works."""
    opened = await _shared(token, request, session, runtime, count=False)
    if opened is None:
        raise NotFound("This link has expired or was revoked.", code="share_not_found")
    _, document = opened
    return StreamingResponse(
        runtime.store.open(document.storage_key),
        media_type="application/pdf",
        headers={"Cache-Control": "no-store", "Content-Length": str(document.size)},
    )


# --- trust material for outside validators -------------------------------------------------

_PEM = "application/x-pem-file"
_CACHE = {"Cache-Control": "public, max-age=300"}


def _signing(request: Request) -> DocumentSigning:
    signing: DocumentSigning = request.app.state.signing
    return signing


@router.get(
    "/v1/trust/documents/ca.pem",
    response_class=Response,
    tags=["trust"],
    responses={200: {"content": {_PEM: {"schema": {"type": "string"}}}}},
)
async def document_ca(request: Request) -> Response:
    """The document root CA certificate (PEM): trust it to validate any e-document's
    signature (`pdfsig`, Adobe Reader, `openssl verify`)."""
    return Response(_signing(request).trust.certificates_pem(), media_type=_PEM, headers=_CACHE)


@router.get(
    "/v1/trust/documents/crl",
    response_class=Response,
    tags=["trust"],
    responses={200: {"content": {"application/pkix-crl": {"schema": {"type": "string"}}}}},
)
async def document_crl(request: Request) -> Response:
    """The document CA's current CRL (DER): revoked document-signing certificates."""
    der = _signing(request).trust.crl_der()
    return Response(der, media_type="application/pkix-crl", headers={"Cache-Control": "no-cache"})


@router.get("/v1/trust/documents/certificates/{serial}", tags=["trust"])
async def signing_certificate_status(serial: str, request: Request) -> dict[str, Any]:
    """A document-signing certificate's status by its serial number (hex): `good`,
    `revoked` (with when and why) or `unknown` — an OCSP-style answer in JSON."""
    try:
        number = int(serial, 16)
    except ValueError:
        number = -1
    status, detail = _signing(request).trust.status(number) if number >= 0 else ("unknown", {})
    return {"serial": serial.lower(), "status": status, **detail}


@router.get(
    "/v1/trust/document-keys",
    response_class=JSONResponse,
    tags=["trust"],
    responses={200: {"content": {"application/jwk-set+json": {"schema": {"type": "object"}}}}},
)
async def document_keys(request: Request) -> JSONResponse:
    """The JWKS the documents' credentials (VC-JWT) verify against: each agency's current
    document-signing key, with its certificate chain (`x5c`)."""
    return JSONResponse(
        _signing(request).jwks(), media_type="application/jwk-set+json", headers=_CACHE
    )

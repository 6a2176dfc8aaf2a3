"""The citizen's documents: `/v1/documents` (the wallet), each document's signed PDF,
credential and QR code, and the links the holder shares it by (R-14.1)."""

from __future__ import annotations

import base64
import datetime as dt

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from documents.credential import MEDIA_TYPE as CREDENTIAL_MEDIA_TYPE
from gateway.deps import LangDep, RuntimeDep, UowDep
from gateway.documents.models import DocumentShare, WalletDocument
from gateway.documents.schemas import (
    ShareIn,
    ShareOut,
    SharePage,
    WalletDocumentOut,
    WalletPage,
    e_receipt_out,
)
from gateway.documents.sharing import Shares, share_state
from gateway.documents.verification import standing
from gateway.documents.wallet import Wallet
from gateway.http import PersonalDataRoute
from identity import CitizenDep
from kernel.errors import NotFound
from kernel.problems import problem_responses
from kernel.working_time import BANGKOK
from payments.qrimage import qr_png

router = APIRouter(prefix="/v1", tags=["wallet"], route_class=PersonalDataRoute)

_PNG = {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}
_PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
_JWT = {"content": {CREDENTIAL_MEDIA_TYPE: {"schema": {"type": "string"}}}}


def _public_url(request: Request) -> str:
    return str(request.app.state.runtime.settings.public_url).rstrip("/")


def _out(row: WalletDocument, lang: str, request: Request, now: dt.datetime) -> WalletDocumentOut:
    today = now.astimezone(BANGKOK).date()
    shown = standing(row, today) if row.verification_code else None
    assert shown != "unknown"
    return WalletDocumentOut.of(row, lang, standing=shown, public_url=_public_url(request))


async def _own(uow: UowDep, citizen_id: str, document_id: str) -> WalletDocument:
    document = await Wallet(uow.session).owned(citizen_id, document_id)
    if document is None:
        raise NotFound("No such document in your wallet.", code="wallet_document_not_found")
    return document


def _issued(document: WalletDocument) -> None:
    if document.verification_code is None:
        raise NotFound(
            "The portal did not issue this document: it has no signed PDF or credential.",
            code="document_format_unavailable",
        )


@router.get("/documents", response_model=WalletPage)
async def list_wallet(
    login: CitizenDep, uow: UowDep, lang: LangDep, request: Request
) -> WalletPage:
    """Documents the state issued to the citizen through the portal (any of them can be
    attached to an application by reference instead of being uploaded, R-12.1), each with its
    standing today, and the official e-receipts of their payments."""
    wallet = Wallet(uow.session)
    rows = await wallet.of_citizen(login.citizen.id)
    receipts = await wallet.receipts_of(login.citizen.id)
    return WalletPage(
        items=[_out(row, lang, request, uow.now) for row in rows]
        + [e_receipt_out(row, lang) for row in receipts]
    )


@router.get(
    "/documents/{document_id}",
    response_model=WalletDocumentOut,
    responses=problem_responses("wallet_document_not_found"),
)
async def read_document(
    document_id: str, login: CitizenDep, uow: UowDep, lang: LangDep, request: Request
) -> WalletDocumentOut:
    """One document of the wallet: its standing today and where its forms are."""
    document = await _own(uow, login.citizen.id, document_id)
    return _out(document, lang, request, uow.now)


@router.get(
    "/documents/{document_id}/pdf",
    response_class=StreamingResponse,
    responses={
        200: _PDF,
        **problem_responses("wallet_document_not_found", "document_format_unavailable"),
    },
)
async def document_pdf(
    document_id: str, login: CitizenDep, uow: UowDep, runtime: RuntimeDep
) -> StreamingResponse:
    """The signed PDF (PAdES B-LT under the issuing agency's certificate, time-stamped)."""
    document = await _own(uow, login.citizen.id, document_id)
    _issued(document)
    filename = f"{document.issuer_agency}-{document.number or document.id}.pdf"
    return StreamingResponse(
        runtime.store.open(document.storage_key),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(document.size),
        },
    )


@router.get(
    "/documents/{document_id}/credential",
    response_class=Response,
    responses={
        200: _JWT,
        **problem_responses("wallet_document_not_found", "document_format_unavailable"),
    },
)
async def document_credential(document_id: str, login: CitizenDep, uow: UowDep) -> Response:
    """The document's facts as a W3C Verifiable Credential in JWT form (`vc+jwt`), signed with
    the issuing agency's key in `/v1/trust/document-keys`."""
    document = await _own(uow, login.citizen.id, document_id)
    _issued(document)
    assert document.credential is not None
    return Response(document.credential, media_type=CREDENTIAL_MEDIA_TYPE)


@router.get(
    "/documents/{document_id}/qr",
    response_class=Response,
    responses={
        200: _PNG,
        **problem_responses("wallet_document_not_found", "document_format_unavailable"),
    },
)
async def document_qr(
    document_id: str, login: CitizenDep, uow: UowDep, request: Request
) -> Response:
    """The QR code of the document's public verification page, to show on screen."""
    document = await _own(uow, login.citizen.id, document_id)
    _issued(document)
    url = f"{_public_url(request)}/verify/{document.verification_code}"
    return Response(qr_png(url), media_type="image/png")


# --- share links ---------------------------------------------------------------------------


def _share_out(share: DocumentShare, now: dt.datetime, url: str | None = None) -> ShareOut:
    qr = None
    if url is not None:
        qr = "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()
    return ShareOut(
        id=share.id,
        state=share_state(share, now),
        created_at=share.created_at,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        views=share.views,
        url=url,
        qr=qr,
    )


@router.post(
    "/documents/{document_id}/shares",
    status_code=201,
    response_model=ShareOut,
    responses=problem_responses("wallet_document_not_found", "document_format_unavailable"),
)
async def share_document(
    document_id: str, body: ShareIn, login: CitizenDep, uow: UowDep, request: Request
) -> ShareOut:
    """A link that shows this document (its items, standing and PDF) to whoever holds it,
    until it expires or you revoke it. The link is shown only in this answer."""
    document = await _own(uow, login.citizen.id, document_id)
    _issued(document)
    now = uow.now
    expires_at = now + dt.timedelta(minutes=body.expires_in_minutes)

    async def make() -> tuple[DocumentShare, str]:
        return Shares(uow.session).create(document, expires_at, now)

    share, token = await uow.run(make)
    return _share_out(share, now, f"{_public_url(request)}/shared/{token}")


@router.get(
    "/documents/{document_id}/shares",
    response_model=SharePage,
    responses=problem_responses("wallet_document_not_found"),
)
async def list_shares(document_id: str, login: CitizenDep, uow: UowDep) -> SharePage:
    """The links this document was shared by, newest first (their tokens are never shown
    again)."""
    document = await _own(uow, login.citizen.id, document_id)
    rows = await Shares(uow.session).of_document(document.id)
    return SharePage(items=[_share_out(row, uow.now) for row in rows])


@router.delete(
    "/documents/{document_id}/shares/{share_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses("wallet_document_not_found", "share_not_found"),
)
async def revoke_share(document_id: str, share_id: str, login: CitizenDep, uow: UowDep) -> Response:
    """Stop a link working at once. Revoking a revoked link changes nothing."""
    await _own(uow, login.citizen.id, document_id)

    async def revoke() -> None:
        share = await Shares(uow.session).owned(login.citizen.id, document_id, share_id)
        if share is None:
            raise NotFound("No such share link for this document.", code="share_not_found")
        if share.revoked_at is None:
            share.revoked_at = uow.now

    await uow.run(revoke)
    return Response(status_code=204)

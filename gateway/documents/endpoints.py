"""The citizen's documents: `/v1/documents` (the wallet)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.deps import LangDep, SessionDep
from gateway.documents.schemas import WalletDocumentOut, WalletPage, e_receipt_out
from gateway.documents.wallet import Wallet
from gateway.http import PersonalDataRoute
from identity import CitizenDep

router = APIRouter(prefix="/v1", tags=["wallet"], route_class=PersonalDataRoute)


@router.get("/documents", response_model=WalletPage)
async def list_wallet(login: CitizenDep, session: SessionDep, lang: LangDep) -> WalletPage:
    """Documents the state issued to the citizen through the portal (any of them can be
    attached to an application by reference instead of being uploaded, R-12.1), and the
    official e-receipts of their payments (`href`: the signed receipt)."""
    wallet = Wallet(session)
    rows = await wallet.of_citizen(login.citizen.id)
    receipts = await wallet.receipts_of(login.citizen.id)
    return WalletPage(
        items=[WalletDocumentOut.of(row, lang) for row in rows]
        + [e_receipt_out(row, lang) for row in receipts]
    )

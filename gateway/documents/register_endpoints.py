"""The public permit register (R-13.1): `GET /v1/register/{agency}` (JSON) and
`GET /register/{agency}` (an HTML page, Thai by default, `?lang=en`). No login and no fee;
searchable by permit number and by the holder's full name (matched through its keyed index,
shown only masked). Answers are never cached (`no-store`): a revocation shows at once."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from gateway.catalog.models import Agency
from gateway.deps import LangDep, RuntimeDep, SessionDep
from gateway.documents.pages import esc, page
from gateway.documents.register import Register, RegisterEntry, RegisterQuery, name_index
from gateway.documents.schemas import RegisterEntryOut, RegisterPage
from gateway.http import PersonalDataRoute, model_json, record_language
from kernel.buddhist_era import english_date, thai_date
from kernel.errors import NotFound
from kernel.problems import problem_responses
from kernel.working_time import BANGKOK

# Masked names are still about people: every answer is sent `no-store` (and so is always
# current, whatever sits between the register and its reader).
router = APIRouter(tags=["register"], route_class=PersonalDataRoute)

AgencyCode = Annotated[str, PathParam(min_length=1, max_length=32, description="e.g. DLT")]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=512)]
Number = Annotated[
    str | None, Query(min_length=1, max_length=60, description="A permit number, exactly")
]
Holder = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="The holder's full name (Thai, as on the permit); matched exactly, "
        "ignoring case and extra spaces, and never echoed back",
    ),
]


async def _agency(session: SessionDep, code: str) -> Agency:
    agency = await session.get(Agency, code)
    if agency is None:
        raise NotFound(
            f"No agency {code!r}.", code="agency_not_found", detail_th=f"ไม่พบหน่วยงาน {code!r}"
        )
    return agency


async def _page(
    runtime: RuntimeDep,
    session: SessionDep,
    agency: Agency,
    *,
    number: str | None,
    holder: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[RegisterEntry], str | None]:
    query = RegisterQuery(
        agency.code,
        number=number,
        holder_index=name_index(runtime.vault, holder) if holder else None,
    )
    today = runtime.clock.now().astimezone(BANGKOK).date()
    return await Register(session, runtime.cursors, runtime.vault).page(
        query, limit=limit, cursor=cursor, today=today
    )


@router.get(
    "/v1/register/{agency}",
    response_model=RegisterPage,
    responses=problem_responses("agency_not_found", "invalid_cursor"),
)
async def read_register(
    agency: AgencyCode,
    runtime: RuntimeDep,
    session: SessionDep,
    lang: LangDep,
    number: Number = None,
    holder: Holder = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """The agency's register of granted permits, newest first: free, no login, current as of
    this request (R-13.1). Each permit's number, title, holder (masked), dates and standing;
    never its verification code. `number` finds one permit; `holder` a person's permits."""
    found = await _agency(session, agency)
    entries, next_cursor = await _page(
        runtime, session, found, number=number, holder=holder, limit=limit, cursor=cursor
    )
    return model_json(
        RegisterPage(
            agency=found.code,
            items=[RegisterEntryOut.of(entry, lang) for entry in entries],
            next_cursor=next_cursor,
        )
    )


@router.get(
    "/register/{agency}",
    response_class=HTMLResponse,
    responses=problem_responses("agency_not_found", "invalid_cursor"),
)
async def register_page(
    agency: AgencyCode,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    lang: Annotated[str, Query(pattern="^(th|en)$")] = "th",
    number: Annotated[str, Query(max_length=60)] = "",
    holder: Annotated[str, Query(max_length=200)] = "",
    cursor: Cursor = None,
) -> HTMLResponse:
    """The register as a web page anyone can open (Thai; `?lang=en` for English), with a
    search form by permit number or holder name."""
    record_language(request, lang)
    found = await _agency(session, agency)
    number_, holder_ = number.strip() or None, holder.strip() or None
    entries, next_cursor = await _page(
        runtime, session, found, number=number_, holder=holder_, limit=50, cursor=cursor
    )
    search = {"number": number_ or "", "holder": holder_ or ""}
    path = f"/register/{found.code}"
    other = "en" if lang == "th" else "th"
    body = _heading(found, lang) + _form(path, lang, search) + _results(entries, lang)
    if next_cursor is not None:
        more = urlencode({"lang": lang, **search, "cursor": next_cursor})
        label = "หน้าถัดไป" if lang == "th" else "Next page"
        body += f'<p><a href="{esc(path)}?{esc(more)}" rel="next">{esc(label)}</a></p>'
    title = "ทะเบียนใบอนุญาต" if lang == "th" else "Permit register"
    return HTMLResponse(
        page(
            title=f"{title} – {found.name_en if lang == 'en' else found.name_th}",
            body=body,
            lang=lang,
            switch_href=f"{path}?{urlencode({'lang': other, **search})}",
        )
    )


# --- the page's pieces (text escaped here; nothing else builds markup) -------------------------

_STANDING = {
    "valid": ("ใช้ได้", "Valid"),
    "expired": ("หมดอายุ", "Expired"),
    "not_yet_valid": ("ยังไม่มีผล", "Not yet in force"),
    "suspended": ("ถูกพักใช้", "Suspended"),
    "revoked": ("ถูกเพิกถอน", "Revoked"),
}


def _heading(agency: Agency, lang: str) -> str:
    if lang == "th":
        return (
            f"<h1>ทะเบียนใบอนุญาต – {esc(agency.name_th)}</h1>"
            "<p>รายการใบอนุญาตที่หน่วยงานออกให้ เปิดดูได้โดยไม่ต้องเข้าสู่ระบบและไม่มีค่าใช้จ่าย "
            "ชื่อผู้ได้รับอนุญาตแสดงแบบปิดบังบางส่วน</p>"
        )
    return (
        f"<h1>Permit register – {esc(agency.name_en)}</h1>"
        "<p>The permits this agency granted: free to consult, no login. Holders' names are "
        "partly masked.</p>"
    )


def _form(path: str, lang: str, search: dict[str, str]) -> str:
    th = lang == "th"
    number_label = "เลขที่ใบอนุญาต" if th else "Permit number"
    holder_label = "ชื่อ-นามสกุลผู้ได้รับอนุญาต" if th else "Holder's full name"
    submit = "ค้นหา" if th else "Search"
    return (
        f'<form method="get" action="{esc(path)}" role="search">'
        f'<input type="hidden" name="lang" value="{esc(lang)}">'
        f'<p><label for="number">{esc(number_label)}</label><br>'
        f'<input id="number" name="number" maxlength="60" value="{esc(search["number"])}"></p>'
        f'<p><label for="holder">{esc(holder_label)}</label><br>'
        f'<input id="holder" name="holder" maxlength="200" value="{esc(search["holder"])}"></p>'
        f'<p><button type="submit">{esc(submit)}</button></p></form>'
    )


def _day(day: dt.date | None, lang: str) -> str:
    if day is None:
        return "-"
    return thai_date(day) if lang == "th" else english_date(day)


def _items(entry: RegisterEntry, th: bool) -> str:
    """The agency's own items on the permit, under its title."""
    if not entry.items:
        return ""
    lines = "".join(
        f"<li>{esc(i.label_th if th else i.label_en)}: {esc(i.value_th if th else i.value_en)}</li>"
        for i in entry.items
    )
    return f"<ul>{lines}</ul>"


def _results(entries: list[RegisterEntry], lang: str) -> str:
    th = lang == "th"
    if not entries:
        return f"<p>{esc('ไม่พบใบอนุญาตตามที่ค้นหา' if th else 'No permit matches.')}</p>"
    heads = (
        ("เลขที่", "ใบอนุญาต", "ผู้ได้รับอนุญาต", "วันที่ออก", "ใช้ได้ถึง", "สถานะ")
        if th
        else ("Number", "Permit", "Holder", "Issued", "Valid until", "Standing")
    )
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in heads)
    rows = []
    for entry in entries:
        label = _STANDING[entry.standing][0 if th else 1]
        rows.append(
            "<tr>"
            f"<td>{esc(entry.number)}</td><td>{esc(entry.title(lang))}{_items(entry, th)}</td>"
            f"<td>{esc(entry.holder)}</td><td>{esc(_day(entry.issued_on, lang))}</td>"
            f"<td>{esc(_day(entry.valid_until, lang))}</td>"
            f'<td><span class="state {esc(entry.standing)}">{esc(label)}</span></td>'
            "</tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"

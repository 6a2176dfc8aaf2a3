"""The BMA's own pages: the permit form, the receipt, errors, the staff list. Every value that
comes from outside is escaped (`html.escape`) before it is placed in a template."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from string import Template
from typing import Any

from mock_agencies.bma.cases import (
    APPLICANT_ROLES,
    BUILDING_USES,
    Case,
    FormProblem,
    allowed_actions,
    bangkok_text,
)


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


_PAGE = Template("""<!doctype html>
<html lang="th">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body { font-family: sans-serif; max-width: 52rem; margin: 1rem auto; padding: 0 1rem; }
header { border-bottom: 3px solid #1b5e20; margin-bottom: 1rem; color: #1b5e20; }
label { display: block; margin-top: .6rem; }
input, select, textarea { width: 100%; padding: .3rem; }
.problem { color: #b71c1c; }
.verified { background: #e8f5e9; padding: .5rem 1rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: .3rem; vertical-align: top; }
form.inline { display: inline; }
</style>
</head>
<body>
<header><strong>กรุงเทพมหานคร</strong> · Bangkok Metropolitan Administration</header>
$body
</body>
</html>
""")


def page(title: str, body: str) -> str:
    """`body` is already HTML (built from escaped values); `title` is escaped here."""
    return _PAGE.substitute(title=e(title), body=body)


def _options(choices: Mapping[str, tuple[str, str]], chosen: str) -> str:
    rows = ['<option value="">— เลือก / choose —</option>']
    for value, (th, en) in choices.items():
        selected = " selected" if value == chosen else ""
        rows.append(f'<option value="{e(value)}"{selected}>{e(th)} / {e(en)}</option>')
    return "\n".join(rows)


_FORM = Template("""
<h1>คำขออนุญาตก่อสร้างอาคาร (แบบ ข.1)<br><small>Application for a building construction permit
(form Kh.1)</small></h1>
$problems
<section class="verified">
<h2>ข้อมูลผู้ขออนุญาต (ยืนยันตัวตนผ่านทางรัฐแล้ว) / Applicant (verified by the portal)</h2>
<dl>
<dt>ชื่อ–นามสกุล / Name</dt><dd id="applicant-name">$name_th</dd><dd>$name_en</dd>
<dt>วันเกิด / Date of birth</dt><dd>$birth_date</dd>
<dt>ที่อยู่ตามทะเบียนบ้าน / Registered address</dt><dd id="applicant-address">$address</dd>
</dl>
<p><small>ข้อมูลนี้มาจากทะเบียนราษฎร ไม่ต้องกรอกซ้ำ / From the civil registry: you are not asked
for it again.</small></p>
</section>
<form method="post" action="$action">
<input type="hidden" name="csrf" value="$csrf">
<label>ฐานะผู้ขออนุญาต / You apply as
<select name="applicant_role" required>$roles</select></label>
<fieldset><legend>สถานที่ก่อสร้าง / Construction site</legend>
<label>เลขที่โฉนดที่ดิน / Title deed number
<input name="site_title_deed_number" value="$deed" required pattern="[0-9]{1,7}"></label>
<label>บ้านเลขที่ (ถ้ามี) / House number (if any)
<input name="site_house_number" value="$house"></label>
<label>ถนนหรือซอย / Road or soi <input name="site_road" value="$road"></label>
<label>แขวง / Subdistrict (khwaeng) <input name="site_subdistrict" value="$subdistrict"></label>
<label>เขต / District (khet) <input name="site_district" value="$district" required></label>
</fieldset>
<label>ประเภทการใช้อาคาร / Use of the building
<select name="building_use" required>$uses</select></label>
<label>จำนวนชั้น / Number of storeys
<input name="storeys" type="number" min="1" max="200" value="$storeys" required></label>
<label>พื้นที่อาคารรวม (ตารางเมตร) / Total floor area (m²)
<input name="floor_area_sqm" type="number" step="0.01" min="0.01" value="$area" required></label>
<label>เลขทะเบียนใบอนุญาตวิศวกรผู้ออกแบบ / Design engineer's licence number
<input name="engineer_licence_number" value="$engineer" required></label>
<label>เลขทะเบียนใบอนุญาตสถาปนิก (ถ้ามี) / Architect's licence number (if any)
<input name="architect_licence_number" value="$architect"></label>
<label>หมายเลขโทรศัพท์ / Contact phone <input name="contact_phone" value="$phone" required></label>
<label>อีเมล (ถ้ามี) / Email (optional) <input name="email" type="email" value="$email"></label>
<p><button type="submit">ยื่นคำขอ / Submit</button></p>
</form>
""")


def permit_form(
    citizen: Mapping[str, Any],
    action: str,
    csrf: str,
    entered: Mapping[str, str] | None = None,
    problems: Iterable[FormProblem] = (),
) -> str:
    entered = entered or {}
    listed = "".join(
        f'<li data-field="{e(p.field)}">{e(p.message_th)} / {e(p.message_en)}</li>'
        for p in problems
    )
    body = _FORM.substitute(
        problems=f'<ul class="problem" id="problems">{listed}</ul>' if listed else "",
        name_th=e(f"{citizen.get('first_name_th') or ''} {citizen.get('last_name_th') or ''}"),
        name_en=e(f"{citizen.get('first_name_en') or ''} {citizen.get('last_name_en') or ''}"),
        birth_date=e(citizen.get("birth_date")),
        address=e(citizen.get("address_th")),
        action=e(action),
        csrf=e(csrf),
        roles=_options(APPLICANT_ROLES, entered.get("applicant_role", "")),
        deed=e(entered.get("site_title_deed_number")),
        house=e(entered.get("site_house_number")),
        road=e(entered.get("site_road")),
        subdistrict=e(entered.get("site_subdistrict")),
        district=e(entered.get("site_district")),
        uses=_options(BUILDING_USES, entered.get("building_use", "")),
        storeys=e(entered.get("storeys")),
        area=e(entered.get("floor_area_sqm")),
        engineer=e(entered.get("engineer_licence_number")),
        architect=e(entered.get("architect_licence_number")),
        phone=e(entered.get("contact_phone")),
        email=e(entered.get("email")),
    )
    return page("คำขออนุญาตก่อสร้าง / Building permit", body)


def _name_th(person: Mapping[str, Any]) -> str:
    return f"{person.get('first_name_th') or ''} {person.get('last_name_th') or ''}".strip()


_RECEIPT = Template("""
<h1>กรุงเทพมหานครได้รับคำขอของท่านแล้ว<br><small>Bangkok has received your application</small></h1>
$again
<dl>
<dt>เลขที่รับเรื่อง / Reference</dt><dd id="agency-ref">$ref</dd>
<dt>วันเวลาที่รับ (เวลาประเทศไทย) / Received at (Bangkok time)</dt><dd id="received-at">$when</dd>
<dt>ผู้ยื่น / Applicant</dt><dd>$name</dd>
<dt>รหัสคำขอในทางรัฐ / Portal application</dt><dd>$app_id</dd>
</dl>
<p>ติดตามสถานะได้ในแอปทางรัฐ / Follow its status in the ทางรัฐ app.</p>
""")


def receipt(case: Case, again: bool = False) -> str:
    body = _RECEIPT.substitute(
        again=("<p>คำขอนี้ยื่นไว้แล้ว / This application was already filed.</p>" if again else ""),
        ref=e(case.agency_ref),
        when=e(bangkok_text(case.received_at)),
        name=e(_name_th(case.applicant)),
        app_id=e(case.application_id),
    )
    return page(f"ใบรับคำขอ {case.agency_ref} / Receipt", body)


def message(title_th: str, title_en: str, text_th: str, text_en: str) -> str:
    body = (
        f"<h1>{e(title_th)}<br><small>{e(title_en)}</small></h1>"
        f'<p id="message-th">{e(text_th)}</p><p id="message-en">{e(text_en)}</p>'
    )
    return page(f"{title_th} / {title_en}", body)


_ACTION_LABELS = {
    "accept": "รับเรื่อง / Accept",
    "request-info": "ขอเอกสารเพิ่ม / Request info",
    "approve": "อนุญาต / Approve",
    "reject": "ไม่อนุญาต / Reject",
}


def staff_list(cases: Iterable[Case], root: str, error: str | None = None) -> str:
    rows = []
    for case in cases:
        buttons = []
        for action in allowed_actions(case.status):
            target = e(f"{root}/staff/applications/{case.agency_ref}/{action.value}")
            extra = ""
            if action.value == "reject":
                extra = '<input name="reason" placeholder="เหตุผล / reason" required>'
            elif action.value == "request-info":
                extra = '<input name="items" placeholder="เอกสาร / items needed" required>'
            buttons.append(
                f'<form class="inline" method="post" action="{target}">{extra}'
                f'<button type="submit">{e(_ACTION_LABELS[action.value])}</button></form>'
            )
        rows.append(
            f"<tr><td>{e(case.agency_ref)}</td><td>{e(case.application_id)}</td>"
            f"<td>{e(_name_th(case.applicant))}</td>"
            f"<td>{e(case.form.get('building_use'))}, {e(case.form.get('storeys'))} ชั้น, "
            f"{e(case.form.get('floor_area_sqm'))} m²</td>"
            f"<td>{e(bangkok_text(case.received_at))}</td>"
            f'<td class="status">{e(case.status.value)} (seq {case.seq})</td>'
            f"<td>{''.join(buttons)}</td></tr>"
        )
    table = (
        "<table><tr><th>เลขที่ / Ref</th><th>appId</th><th>ผู้ยื่น / Applicant</th>"
        "<th>อาคาร / Building</th><th>รับเมื่อ / Received</th><th>สถานะ / Status</th>"
        "<th></th></tr>" + "".join(rows) + "</table>"
        if rows
        else "<p>ยังไม่มีคำขอ / No applications yet.</p>"
    )
    banner = f'<p class="problem" id="error">{e(error)}</p>' if error else ""
    return page(
        "เจ้าหน้าที่ / Staff",
        f"<h1>คำขออนุญาตก่อสร้าง (เจ้าหน้าที่)<br><small>Building permits: staff</small></h1>"
        f"{banner}{table}",
    )

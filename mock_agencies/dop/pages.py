"""The DOP back office's pages. Everything from the gateway is escaped before it is shown."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping
from string import Template
from typing import Any
from urllib.parse import quote, urlencode

from mock_agencies.dop.eligibility import BANGKOK


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(value: object) -> str:
    """An ISO time from the gateway, shown in Bangkok time."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(BANGKOK).strftime("%d/%m/%Y %H:%M")


_PAGE = Template("""<!doctype html>
<html lang="th">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body { font-family: sans-serif; max-width: 64rem; margin: 1rem auto; padding: 0 1rem; }
header { border-bottom: 3px solid #6a1b9a; margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: .3rem; text-align: left; vertical-align: top; }
.problem { color: #b71c1c; border: 1px solid #b71c1c; padding: .5rem; }
form.action { margin: .5rem 0; padding: .5rem; border: 1px solid #ddd; }
textarea, input[type=text] { width: 100%; }
</style>
</head>
<body>
<header><strong>กรมกิจการผู้สูงอายุ</strong> · Department of Older Persons — ระบบเจ้าหน้าที่ /
back office
<form method="post" action="$root/backoffice/officer" style="float:right">
เจ้าหน้าที่ / Officer: <input name="officer" value="$officer" size="14">
<button type="submit">เปลี่ยน / Switch</button></form></header>
$body
</body>
</html>
""")


def page(title: str, body: str, root: str, officer: str) -> str:
    return _PAGE.substitute(title=e(title), body=body, root=e(root), officer=e(officer))


def error_banner(detail: str | None) -> str:
    return f'<p class="problem" id="refusal">{e(detail)}</p>' if detail else ""


STATUSES = (
    "submitted",
    "forwarded",
    "in_review",
    "needs_info",
    "awaiting_payment",
    "paid",
    "approved",
    "issued",
    "rejected",
    "withdrawn",
)


def application_list(
    items: Iterable[Mapping[str, Any]],
    root: str,
    status: str | None,
    next_cursor: str | None,
) -> str:
    filters = [f'<a href="{e(root)}/backoffice/">ทั้งหมด / all</a>']
    for name in STATUSES:
        label = f"<strong>{e(name)}</strong>" if name == status else e(name)
        filters.append(
            f'<a href="{e(root)}/backoffice/?{e(urlencode({"status": name}))}">{label}</a>'
        )
    rows = [
        "<tr>"
        f'<td><a href="{e(root)}/backoffice/applications/{e(quote(str(item.get("id")), safe=""))}">'
        f"{e(item.get('number') or item.get('id'))}</a></td>"
        f"<td>{e(item.get('service_id'))}</td>"
        f'<td class="status">{e(item.get("status"))}</td>'
        f"<td>{e(item.get('turn'))}</td>"
        f"<td>{e(when(item.get('due_at')))}</td>"
        f"<td>{e(when(item.get('created_at')))}</td>"
        "</tr>"
        for item in items
    ]
    table = (
        "<table><tr><th>เลขที่คำขอ / Number</th><th>บริการ / Service</th><th>สถานะ / Status</th>"
        "<th>รอใคร / Turn</th><th>กำหนดเสร็จ / Due</th><th>ยื่นเมื่อ / Filed</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else '<p id="empty">ไม่มีคำขอ / No applications.</p>'
    )
    more = ""
    if next_cursor:
        query = {"cursor": next_cursor, **({"status": status} if status else {})}
        more = f'<p><a href="{e(root)}/backoffice/?{e(urlencode(query))}">ถัดไป / Next page</a></p>'
    return (
        "<h1>คำขอที่ยื่นต่อกรม<br><small>Applications filed with the department</small></h1>"
        f"<p>{' · '.join(filters)}</p>{table}{more}"
    )


def _value_rows(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    rows: list[str] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(_value_rows(value, f"{name}."))
        else:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            rows.append(f'<tr><th>{e(name)}</th><td data-field="{e(name)}">{e(shown)}</td></tr>')
    return rows


_ACTIONS = {
    "accept": ("รับเรื่องพิจารณา", "Accept for review"),
    "request_info": ("ขอเอกสาร/ข้อมูลเพิ่มเติม", "Request information"),
    "approve": ("อนุมัติ", "Approve"),
    "reject": ("ไม่อนุมัติ", "Reject"),
}


def _action_form(root: str, application_id: str, action: str) -> str:
    th, en = _ACTIONS[action]
    target = f"{root}/backoffice/applications/{quote(application_id, safe='')}/{action}"
    fields = ""
    if action == "request_info":
        fields = (
            "<label>รายการที่ขอ (บรรทัดละรายการ) / Items (one a line)"
            '<textarea name="items" rows="3" required></textarea></label>'
            '<label>หมายเหตุ / Note <input type="text" name="reason"></label>'
        )
    elif action == "reject":
        fields = (
            '<label>เหตุผล / Reason <textarea name="reason" rows="2" required></textarea></label>'
        )
    return (
        f'<form class="action" method="post" action="{e(target)}">{fields}'
        f'<button type="submit" name="go" value="{e(action)}">{e(th)} / {e(en)}</button></form>'
    )


def application_page(app: Mapping[str, Any], root: str, refusal: str | None = None) -> str:
    application_id = str(app.get("id"))
    form_rows = _value_rows(app.get("form") or {})
    prefilled = ", ".join(map(str, app.get("prefilled_fields") or []))
    attachments = "".join(
        f'<li><a href="{e(root)}/backoffice/applications/{e(quote(application_id, safe=""))}'
        f'/attachments/{e(quote(str(a.get("id")), safe=""))}">{e(a.get("filename"))}</a> '
        f"({e(a.get('document'))}, {e(a.get('media_type'))}, {e(a.get('size'))} bytes)</li>"
        for a in app.get("attachments") or []
    )
    missing = "".join(f"<li>{e(m.get('name'))}</li>" for m in app.get("missing") or [])
    timeline = "".join(
        f"<tr><td>{e(when(ev.get('at')))}</td><td>{e(ev.get('kind'))}</td>"
        f"<td>{e(ev.get('from_status'))} → {e(ev.get('to_status'))}</td>"
        f"<td>{e(ev.get('actor'))}</td><td>{e((ev.get('data') or {}).get('reason'))}</td></tr>"
        for ev in app.get("timeline") or []
    )
    allowed = app.get("allowed_actions")
    offered = [a for a in _ACTIONS if allowed is None or a in allowed]
    actions = "".join(_action_form(root, application_id, a) for a in offered) or (
        "<p>ไม่มีการดำเนินการที่ทำได้ / Nothing to do now.</p>"
    )
    return (
        f'<p><a href="{e(root)}/backoffice/">← รายการ / list</a></p>'
        f"{error_banner(refusal)}"
        f"<h1>{e(app.get('service_name'))}<br><small>{e(app.get('number') or application_id)}"
        "</small></h1>"
        "<table>"
        f'<tr><th>สถานะ / Status</th><td id="status">{e(app.get("status"))}</td></tr>'
        f"<tr><th>รอใคร / Turn</th><td>{e(app.get('turn'))}</td></tr>"
        f"<tr><th>ยื่นเมื่อ / Arrived</th><td>{e(when(app.get('arrived_at')))}</td></tr>"
        f"<tr><th>ถือว่าได้รับ / Deemed received</th>"
        f"<td>{e(when(app.get('deemed_received_at')))}</td></tr>"
        f"<tr><th>กำหนดเสร็จ / Due</th><td>{e(when(app.get('due_at')))}"
        f"{' (เกินกำหนด / overdue)' if app.get('overdue') else ''}</td></tr>"
        f"<tr><th>ขอเพิ่มเติมแล้ว / Info requests</th><td>{e(app.get('info_requests'))}</td></tr>"
        "</table>"
        "<h2>ข้อมูลในคำขอ / Form data</h2>"
        f'<table id="form">{"".join(form_rows)}</table>'
        f"<p><small>จากทะเบียนของรัฐ / from state records: {e(prefilled)}</small></p>"
        f"<h2>เอกสารแนบ / Attachments</h2><ul>{attachments or '<li>—</li>'}</ul>"
        + (f'<h2>ยังขาด / Missing</h2><ul id="missing">{missing}</ul>' if missing else "")
        + "<h2>ดำเนินการ / Act</h2>"
        + actions
        + "<h2>ประวัติ / Timeline</h2><table>"
        + timeline
        + "</table>"
    )


def message(title_th: str, title_en: str, detail: str) -> str:
    return f"<h1>{e(title_th)}<br><small>{e(title_en)}</small></h1>{error_banner(detail)}"

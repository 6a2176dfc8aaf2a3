"""The back-office page an officer (or a demo) uses at /{code}/staff/: every case with buttons.
Plain HTML forms that post to the staff endpoints and come back here; no script."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING

from mock_agencies.casework.agency import Agency
from mock_agencies.casework.model import Case, StaffAction
from mock_agencies.casework.schemas import Rules

if TYPE_CHECKING:
    from mock_agencies.casework.engine import GrantedDocument

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left;
         vertical-align: top; }
form { display: inline-block; margin: 0 .25rem .25rem 0; }
.status { font-weight: 600; }
.paid { color: #1a7f37; }
.unpaid { color: #b35900; }
"""

_LABELS = {
    StaffAction.ACCEPT: "Accept / รับเรื่อง",
    StaffAction.REQUEST_INFO: "Request info / ขอข้อมูลเพิ่ม",
    StaffAction.REQUEST_PAYMENT: "Request payment / แจ้งชำระเงิน",
    StaffAction.APPROVE: "Approve / อนุมัติ",
    StaffAction.REJECT: "Reject / ไม่อนุมัติ",
}
_NEEDS_REASON = {StaffAction.REQUEST_INFO, StaffAction.REJECT}
#: What an officer may do to a granted document in each of its statuses (revoked is final).
_DOCUMENT_ACTIONS = {
    "valid": (("revoked", "Revoke / เพิกถอน"), ("suspended", "Suspend / พักใช้")),
    "suspended": (("revoked", "Revoke / เพิกถอน"), ("valid", "Reinstate / คืนสถานะใช้ได้")),
    "revoked": (),
}


def _actions(case: Case) -> str:
    forms = []
    ref = escape(case.ref)
    for action in StaffAction:
        if not case.allows(action):
            continue
        reason = (
            '<input name="reason" placeholder="reason / เหตุผล" size="18">'
            if action in _NEEDS_REASON
            else ""
        )
        forms.append(
            f'<form method="post" action="applications/{ref}/{action.value}">{reason}'
            f'<button type="submit">{escape(_LABELS[action])}</button></form>'
        )
    return "".join(forms) or "—"


def _has_actions(case: Case) -> bool:
    return any(case.allows(action) for action in StaffAction)


def _document(granted: GrantedDocument | None) -> str:
    """The document an approval granted, its status, and the forms that change it (each
    told to the gateway)."""
    if granted is None:
        return ""
    number = escape(granted.number)
    forms = "".join(
        f'<form method="post" action="../admin/documents/{number}/status">'
        f'<input type="hidden" name="status" value="{status}">'
        '<input name="reason" placeholder="reason / เหตุผล" size="18" required maxlength="500">'
        f'<button type="submit">{escape(label)}</button></form>'
        for status, label in _DOCUMENT_ACTIONS[granted.status]
    )
    return (
        f'<div class="document">Document / เอกสาร {number}: '
        f'<span class="status">{escape(granted.status)}</span><br>{forms}</div>'
    )


def _fees(case: Case) -> str:
    """The fees and whether they are paid (the receipt), or what the case waits for."""
    if not case.fees_satang:
        return "—"
    amount = f"{case.fees_satang / 100:,.2f} THB"
    if case.paid:
        receipt = case.payments[0].receipt_number
        state = f'<span class="paid">paid / ชำระแล้ว</span> ({escape(receipt)})'
    elif case.approved_awaiting_fee:
        state = (
            '<span class="unpaid">unpaid: approved, waiting for the fee / รอชำระค่าธรรมเนียม</span>'
        )
    else:
        state = '<span class="unpaid">unpaid / ยังไม่ชำระ</span>'
    return f"{amount}<br><small>{state}</small>"


def _row(case: Case, granted: GrantedDocument | None = None) -> str:
    submission = case.submission
    actions = _document(granted) if granted and not _has_actions(case) else (
        _actions(case) + _document(granted)
    )  # fmt: skip
    name = " ".join(
        part
        for part in (submission.applicant.first_name_th, submission.applicant.last_name_th)
        if part
    )
    return (
        "<tr>"
        f"<td>{escape(case.ref)}<br><small>{escape(submission.application_number)}</small></td>"
        f"<td>{escape(submission.service_id)}</td>"
        f"<td>{escape(name or '—')}</td>"
        f"<td>{escape(case.unit_code)}</td>"
        f'<td class="status">{escape(case.status.value)}<br><small>seq {case.seq}</small></td>'
        f"<td>{_fees(case)}</td>"
        f"<td>{actions}</td>"
        "</tr>"
    )


def render_staff_page(
    agency: Agency,
    cases: Iterable[Case],
    rules: Rules,
    granted: Mapping[str, GrantedDocument] | None = None,
) -> str:
    granted = granted or {}
    rows = (
        "".join(_row(case, granted.get(case.document_number or "")) for case in cases)
        or '<tr><td colspan="7">No cases yet.</td></tr>'
    )
    decide = "" if rules.auto_decide_after_seconds is None else rules.auto_decide_after_seconds
    checked = " checked" if rules.auto_accept else ""
    collect = " checked" if rules.collect_fees else ""
    options = "".join(
        f'<option value="{value}"{" selected" if rules.decision == value else ""}>{value}</option>'
        for value in ("approve", "reject")
    )
    return f"""<!doctype html>
<html lang="th"><head><meta charset="utf-8">
<title>{escape(agency.name_en)} back office (mock)</title><style>{_STYLE}</style></head>
<body>
<h1>{escape(agency.name_th)} · {escape(agency.name_en)}</h1>
<p>Mock back office of {escape(agency.code)}: the cases filed through the portal.</p>
<form method="post" action="rules">
  <label><input type="checkbox" name="auto_accept" value="true"{checked}> accept new cases
  automatically</label>
  <label>decide after <input name="auto_decide_after_seconds" value="{decide}" size="5">
  seconds in review</label>
  <label>decision <select name="decision">{options}</select></label>
  <label><input type="checkbox" name="collect_fees" value="true"{collect}> collect fees
  after approval before issuing</label>
  <button type="submit">Save rules</button>
</form>
<table>
<thead><tr><th>Reference</th><th>Service</th><th>Applicant</th><th>Office</th><th>Status</th>
<th>Fees</th><th>Actions</th></tr></thead>
<tbody>{rows}</tbody>
</table>
</body></html>
"""

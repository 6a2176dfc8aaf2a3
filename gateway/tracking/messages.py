"""What the citizen is told, in Thai and English, when something happens to an application
(R-11.1: every reply, request for information and result reaches the citizen electronically)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    title_th: str
    title_en: str
    body_th: str
    body_en: str

    def filled(self, values: dict[str, str]) -> Message:
        """This message with `{name}`s filled in from `values` (every name must be there)."""
        return Message(
            self.title_th.format(**values),
            self.title_en.format(**values),
            self.body_th.format(**values),
            self.body_en.format(**values),
        )


# {number}, {service_th}, {service_en} and the keys of an event's data are filled in.
_MESSAGES: dict[str, Message] = {
    "submitted": Message(
        "ยื่นคำขอแล้ว {number}",
        "Application submitted: {number}",
        "ระบบได้รับคำขอ {service_th} แล้ว ถือว่าหน่วยงานได้รับเมื่อ {deemed_th}",
        "Your application for {service_en} was received; legally received {deemed_en}.",
    ),
    "submitted_to_agency_system": Message(
        "ยื่นคำขอแล้ว {number}",
        "Application submitted: {number}",
        "ระบบได้รับคำขอ {service_th} แล้ว หน่วยงานนับเวลารับคำขอเมื่อคำขอเข้าสู่ระบบของหน่วยงาน และจะแจ้งให้ทราบ",
        "Your application for {service_en} was received. The agency counts it as received "
        "when it enters the agency's own system; you will be told when.",
    ),
    "forwarded": Message(
        "ส่งคำขอถึงหน่วยงานแล้ว {number}",
        "Sent to the agency: {number}",
        "คำขอ {service_th} ถูกส่งถึงหน่วยงานผู้รับผิดชอบแล้ว ถือว่าหน่วยงานได้รับเมื่อ {deemed_th}",
        "Your application for {service_en} has reached the responsible agency; legally "
        "received {deemed_en}.",
    ),
    "in_review": Message(
        "หน่วยงานกำลังพิจารณา {number}",
        "Under review: {number}",
        "หน่วยงานกำลังพิจารณาคำขอ {service_th}",
        "The agency is reviewing your application for {service_en}.",
    ),
    "needs_info": Message(
        "หน่วยงานขอเอกสารเพิ่มเติม {number}",
        "More documents needed: {number}",
        "หน่วยงานขอเอกสารเพิ่มเติมสำหรับคำขอ {service_th}: {items_th}",
        "The agency needs more for your application for {service_en}: {items_en}",
    ),
    "awaiting_payment": Message(
        "รอชำระค่าธรรมเนียม {number}",
        "Fee to pay: {number}",
        "กรุณาชำระค่าธรรมเนียมสำหรับคำขอ {service_th}",
        "Please pay the fee for your application for {service_en}.",
    ),
    "paid": Message(
        "ชำระเงินแล้ว {number}",
        "Payment received: {number}",
        "ได้รับชำระค่าธรรมเนียมสำหรับคำขอ {service_th} แล้ว",
        "The fee for your application for {service_en} was received.",
    ),
    "fee_due": Message(
        "รอชำระค่าธรรมเนียม {number}",
        "Fee to pay: {number}",
        "กรุณาชำระค่าธรรมเนียม {amount_th} บาท สำหรับคำขอ {service_th} ภายใน {due_th}",
        "Please pay the fee of THB {amount_en} for your application for {service_en} by {due_en}.",
    ),
    "lapsed": Message(
        "คำขอสิ้นผลเพราะไม่ได้ชำระค่าธรรมเนียม {number}",
        "Closed, fee not paid: {number}",
        "คำขอ {service_th} สิ้นผล เพราะไม่ได้ชำระค่าธรรมเนียมภายในกำหนด ท่านยื่นคำขอใหม่ได้",
        "Your application for {service_en} was closed because its fee was not paid in time. "
        "You can file a new one.",
    ),
    "approved": Message(
        "อนุมัติแล้ว {number}",
        "Approved: {number}",
        "คำขอ {service_th} ได้รับอนุมัติ",
        "Your application for {service_en} was approved.",
    ),
    "issued": Message(
        "ออกเอกสารแล้ว {number}",
        "Document issued: {number}",
        "เอกสารสำหรับคำขอ {service_th} อยู่ในกระเป๋าเอกสารของท่านแล้ว",
        "The document for {service_en} is in your wallet.",
    ),
    "rejected": Message(
        "ไม่อนุมัติ {number}",
        "Rejected: {number}",
        "คำขอ {service_th} ไม่ได้รับอนุมัติ เหตุผล: {reason}",
        "Your application for {service_en} was rejected. Reason: {reason}",
    ),
    "withdrawn": Message(
        "ยกเลิกคำขอแล้ว {number}",
        "Withdrawn: {number}",
        "ท่านได้ยกเลิกคำขอ {service_th}",
        "You withdrew your application for {service_en}.",
    ),
    "misrouted": Message(
        "กำลังส่งต่อคำขอ {number}",
        "Being routed: {number}",
        "คำขอ {service_th} กำลังถูกส่งต่อไปยังหน่วยงานที่รับผิดชอบ",
        "Your application for {service_en} is being passed to the responsible office.",
    ),
    "redirected": Message(
        "คำขออยู่ในความรับผิดชอบของหน่วยงานอื่น {number}",
        "Another agency is responsible: {number}",
        "คำขอ {service_th} อยู่ในความรับผิดชอบของ {agency_th} ท่านยื่นคำขอต่อหน่วยงานนั้นได้ในขั้นตอนเดียว",
        "Your application for {service_en} belongs to {agency_en}. You can file it there "
        "in one step.",
    ),
    "transferred": Message(
        "ส่งต่อคำขอไปยังหน่วยงานที่รับผิดชอบแล้ว {number}",
        "Forwarded to the responsible agency: {number}",
        "คำขอ {service_th} อยู่ในความรับผิดชอบของ {agency_th} ระบบได้ส่งต่อให้แล้ว "
        "เป็นคำขอ {new_service_th} เลขที่ {new_number}",
        "Your application for {service_en} belongs to {agency_en}; the portal forwarded it "
        "there as {new_service_en}, application {new_number}.",
    ),
    "overdue": Message(
        "คำขอเกินระยะเวลาที่กำหนด {number}",
        "Taking longer than promised: {number}",
        "คำขอ {service_th} เกินกำหนด {days} วันทำการ หน่วยงานจะแจ้งความคืบหน้าทุก 7 วัน (สำเนาถึง ก.พ.ร.)",
        "Your application for {service_en} is {days} working days past its due date. "
        "You will be told every 7 days until it is done (copy to OPDC).",
    ),
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "-"


def render(kind: str, values: dict[str, str]) -> Message:
    """The message for `kind` with `values` filled in (a missing value shows as "-")."""
    template = _MESSAGES[kind]
    fill = _Blank(values)
    return Message(
        template.title_th.format_map(fill),
        template.title_en.format_map(fill),
        template.body_th.format_map(fill),
        template.body_en.format_map(fill),
    )


def known(kind: str) -> bool:
    return kind in _MESSAGES

"""Every problem `code` the API can return, declared once: its HTTP status, a title and a short
explanation in Thai and English.

The error classes (`kernel.errors`), the framework's own answers (`gateway.errors`), the OAuth
token endpoint and the OpenAPI document all read this table; `docs/api.md` lists it (regenerate
with `citizen-gateway docs problems --write`). A code that is not here cannot be raised: the
error base refuses it (outside production), and `tests/kernel/test_problems.py` finds every code
written in the source and requires it here.

Pure data: no I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("th", "en")
TYPE_PREFIX = "urn:citizen-gateway:problem:"
SCHEMA_REF = "#/components/schemas/Problem"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Problem:
    code: str
    status: int
    title_th: str
    title_en: str
    about_th: str
    about_en: str
    # A code some endpoint answers with another status as well (RFC 6749's invalid_client is
    # 401 at the token endpoint when the client authenticated, 400 elsewhere).
    also: tuple[int, ...] = ()

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.also)

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.code

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_th

    def about(self, lang: str) -> str:
        return self.about_en if lang == "en" else self.about_th


class UnknownProblemCode(LookupError):
    """A code raised or rendered that the registry does not declare (a bug, found in tests)."""


def _p(
    code: str,
    status: int,
    title_th: str,
    title_en: str,
    about_th: str,
    about_en: str,
    also: tuple[int, ...] = (),
) -> Problem:
    return Problem(code, status, title_th, title_en, about_th, about_en, also)


_ALL = (
    # -- 400 ----------------------------------------------------------------------------------
    _p("invalid_request", 400, "คำขอไม่ถูกต้อง", "The request is invalid",
       "คำขอมีรูปแบบหรือค่าที่ระบบรับไม่ได้", "The request is malformed or has values the gateway cannot accept."),
    _p("invalid_cursor", 400, "เคอร์เซอร์แบ่งหน้าไม่ถูกต้อง", "The pagination cursor is invalid",
       "เคอร์เซอร์ถูกแก้ไข ถูกตัด หรือเป็นของคำค้นอื่น ให้เริ่มจากหน้าแรกใหม่",
       "The cursor was altered, truncated or belongs to another query; start again from the first page."),
    _p("invalid_multipart", 400, "ข้อมูลแบบ multipart ไม่ถูกต้อง", "The multipart body is malformed",
       "ส่วนต่าง ๆ ของไฟล์แนบอ่านไม่ได้ ให้ส่งใหม่เป็น multipart/form-data ที่ถูกต้อง",
       "The parts of the upload cannot be read; send a well-formed multipart/form-data body."),
    _p("invalid_client", 400, "ไม่รู้จักแอปพลิเคชันที่เรียก", "The client is unknown",
       "ไม่พบแอปพลิเคชัน (client) นี้ หรือยืนยันตัวตนของแอปพลิเคชันไม่ผ่าน",
       "The client is not registered, or its authentication failed.", also=(401,)),
    _p("invalid_redirect_uri", 400, "redirect URI ไม่ได้ลงทะเบียนไว้", "The redirect URI is not registered",
       "redirect_uri ต้องตรงกับที่ลงทะเบียนไว้สำหรับแอปพลิเคชันนี้",
       "redirect_uri must be one registered for this client."),
    _p("unsupported_response_type", 400, "ไม่รองรับ response_type นี้", "Only response_type=code is supported",
       "ระบบรองรับเฉพาะ response_type=code", "Only the authorization code flow (response_type=code) is supported."),
    _p("unsupported_challenge_method", 400, "PKCE ต้องใช้ S256", "PKCE needs S256",
       "code_challenge_method ต้องเป็น S256", "code_challenge_method must be S256."),
    _p("invalid_scope", 400, "ขอบเขตสิทธิ์ (scope) ไม่ถูกต้อง", "The scope is invalid for this client",
       "scope ที่ขอไม่มีอยู่หรือแอปพลิเคชันนี้ขอไม่ได้", "The scope is unknown or not allowed for this client."),
    _p("invalid_client_metadata", 400, "ข้อมูลการลงทะเบียนแอปพลิเคชันไม่ถูกต้อง", "The client registration is invalid",
       "ข้อมูลที่ใช้ลงทะเบียนแอปพลิเคชันขัดกับกฎของระบบ", "The client's registration data breaks the provider's rules."),
    _p("invalid_grant", 400, "สิทธิ์ที่ใช้ขอโทเคนไม่ถูกต้อง", "The grant is invalid, expired, revoked or not this client's",
       "รหัสอนุญาตหรือ refresh token ผิด หมดอายุ ถูกเพิกถอน หรือเป็นของแอปพลิเคชันอื่น",
       "The authorization code or refresh token is wrong, expired, revoked or issued to another client."),
    _p("unauthorized_client", 400, "แอปพลิเคชันนี้ใช้วิธีขอสิทธิ์นี้ไม่ได้", "The client may not use this grant type",
       "แอปพลิเคชันนี้ไม่ได้รับอนุญาตให้ใช้ grant type หรือ response type นี้",
       "This client is not allowed to use this grant or response type."),
    _p("unsupported_grant_type", 400, "ไม่รองรับ grant type นี้", "The grant type is not supported",
       "ใช้ได้เฉพาะ authorization_code, refresh_token และ client_credentials",
       "Use authorization_code, refresh_token or client_credentials."),
    _p("unsupported_token_type", 400, "เพิกถอนโทเคนประเภทนี้ไม่ได้", "The token type cannot be revoked",
       "เพิกถอนได้เฉพาะ access token และ refresh token", "Only access and refresh tokens can be revoked.",
       also=(401,)),  # Authlib's revocation endpoint answers it with 401
    _p("access_denied", 400, "ไม่ได้รับอนุญาต", "Access was denied",
       "ผู้ใช้หรือระบบไม่อนุญาตคำขอนี้", "The user or the provider denied the request."),
    _p("login_required", 400, "ต้องเข้าสู่ระบบ", "A login is required",
       "ต้องยืนยันตัวตนใหม่ก่อน (prompt=none ใช้ไม่ได้ที่นี่)", "The citizen must authenticate; prompt=none cannot be honoured."),
    _p("consent_required", 400, "ต้องได้รับความยินยอม", "Consent is required",
       "ต้องให้ผู้ใช้ยินยอมก่อน", "The citizen's consent is needed first."),
    _p("interaction_required", 400, "ต้องให้ผู้ใช้ดำเนินการ", "User interaction is required",
       "คำขอนี้ทำต่อไม่ได้หากผู้ใช้ไม่ดำเนินการเอง", "The request cannot go on without the citizen's interaction."),
    _p("account_selection_required", 400, "ต้องเลือกบัญชี", "An account must be chosen",
       "ผู้ใช้ต้องเลือกบัญชีก่อน", "The citizen must choose an account."),
    _p("request_not_supported", 400, "ไม่รองรับพารามิเตอร์ request", "The request parameter is not supported",
       "ระบบไม่รองรับ request object", "Request objects are not supported."),
    _p("request_uri_not_supported", 400, "ไม่รองรับพารามิเตอร์ request_uri", "request_uri is not supported",
       "ระบบไม่รองรับ request_uri", "request_uri is not supported."),
    _p("registration_not_supported", 400, "ไม่รองรับพารามิเตอร์ registration", "registration is not supported",
       "ระบบไม่รองรับการลงทะเบียนแอปพลิเคชันผ่านคำขอ", "Client registration in the request is not supported."),
    _p("invalid_request_object", 400, "request object ไม่ถูกต้อง", "The request object is invalid",
       "request object ไม่ถูกต้อง", "The request object is invalid."),
    _p("invalid_request_uri", 400, "request_uri ไม่ถูกต้อง", "The request_uri is invalid",
       "request_uri ไม่ถูกต้อง", "The request_uri is invalid."),
    # -- 401 ----------------------------------------------------------------------------------
    _p("unauthorized", 401, "ต้องยืนยันตัวตน", "Authentication is required",
       "ส่งโทเคนในส่วนหัว Authorization: Bearer <token>", "Send a token as 'Authorization: Bearer <token>'."),
    _p("invalid_token", 401, "โทเคนไม่ถูกต้อง", "The access token is invalid",
       "โทเคนผิดรูปแบบ หมดอายุ ถูกเพิกถอน หรือไม่ได้ออกโดยระบบนี้ ให้เข้าสู่ระบบใหม่",
       "The token is malformed, expired, revoked or not issued here; log in again."),
    _p("insufficient_user_authentication", 401, "ต้องยืนยันตัวตนในระดับที่สูงขึ้น", "A stronger login is needed",
       "บริการนี้ต้องการระดับความน่าเชื่อถือของการพิสูจน์ตัวตนสูงกว่าที่ใช้เข้าสู่ระบบ ให้สแกนใบหน้าอีกครั้ง",
       "This service needs a higher identity assurance than this login reached; scan the face again."),
    _p("invalid_mtoken", 401, "mToken ไม่ถูกต้อง", "The mToken is invalid",
       "mToken ผิด หมดอายุ ใช้ไปแล้ว หรือไม่ใช่ของหน่วยงานนี้", "The mToken is wrong, expired, already used or another agency's."),
    _p("signature_missing", 401, "ไม่มีลายมือชื่อ", "The signature headers are missing",
       "ต้องมี X-Agency, X-Timestamp, X-Nonce และ X-Signature", "X-Agency, X-Timestamp, X-Nonce and X-Signature are required."),
    _p("signature_malformed", 401, "ลายมือชื่อผิดรูปแบบ", "The signature headers are malformed",
       "ส่วนหัวของลายมือชื่อมีรูปแบบไม่ถูกต้อง", "A signature header does not have the expected format."),
    _p("signature_invalid", 401, "ลายมือชื่อไม่ถูกต้อง", "The signature does not match",
       "ลายมือชื่อไม่ตรงกับเนื้อหาที่ส่งมา", "The signature does not match the body."),
    _p("signature_stale", 401, "ลายมือชื่อหมดอายุ", "The signature is stale",
       "เวลาในลายมือชื่อห่างจากเวลาปัจจุบันเกิน 5 นาที", "The signed timestamp is more than 5 minutes from now."),
    _p("signature_replayed", 401, "ข้อความนี้ได้รับไปแล้ว", "The message was already received",
       "nonce นี้ถูกใช้ไปแล้ว (ส่งซ้ำ)", "This nonce was seen before (a replay)."),
    _p("unknown_agency", 401, "ไม่รู้จักหน่วยงาน", "Unknown agency",
       "ไม่มีหน่วยงานรหัสนี้ที่ลงนามข้อความกับระบบ", "No agency with this code signs calls here."),
    _p("unknown_key", 401, "ไม่รู้จักกุญแจที่ใช้ลงนาม", "Unknown signing key",
       "ระบบไม่มีกุญแจรหัสนี้สำหรับตรวจลายมือชื่อของผู้ส่ง (เช่น กุญแจที่เลิกใช้แล้ว)", "No key with this ID checks the sender's signatures here (a retired key, say)."),
    # -- 403 ----------------------------------------------------------------------------------
    _p("forbidden", 403, "ไม่อนุญาต", "Not allowed",
       "ไม่มีสิทธิ์ทำรายการนี้", "This caller may not do this."),
    _p("insufficient_scope", 403, "โทเคนไม่มีสิทธิ์ที่ต้องใช้", "The access token lacks a required scope",
       "โทเคนนี้ไม่มี scope ที่รายการนี้ต้องใช้", "The token does not carry the scope this needs."),
    _p("simulation_only", 403, "ใช้ได้เฉพาะโหมดจำลอง", "Only in simulation mode",
       "เลื่อนนาฬิกาได้เฉพาะเมื่อระบบทำงานด้วยเวลาจำลอง", "The clock can be moved only when the gateway runs on simulated time."),
    # -- 404 ----------------------------------------------------------------------------------
    _p("not_found", 404, "ไม่พบ", "Not found",
       "ไม่มีสิ่งที่ขอในที่อยู่นี้", "Nothing exists at this address."),
    _p("service_not_found", 404, "ไม่พบบริการ", "No such e-service",
       "ไม่มีบริการรหัสนี้ หรือยังไม่เปิดให้บริการ", "No live e-service has this id."),
    _p("agency_not_found", 404, "ไม่พบหน่วยงาน", "No such agency",
       "ไม่มีหน่วยงานรหัสนี้", "No agency has this code."),
    _p("consent_purpose_not_found", 404, "ไม่พบวัตถุประสงค์ของความยินยอม",
       "No such consent purpose",
       "ไม่มีวัตถุประสงค์นี้ให้ยินยอม ดูรายการที่ /v1/me/consents",
       "The portal asks consent for no such purpose; /v1/me/consents lists them."),
    _p("holiday_not_found", 404, "ไม่พบวันหยุด", "No such holiday",
       "ไม่มีวันหยุดเพิ่มเติมรหัสนี้", "No extra holiday has this id."),
    _p("application_not_found", 404, "ไม่พบคำขอ", "No such application",
       "ไม่มีคำขอนี้ หรือไม่ใช่คำขอของผู้เรียก", "No application with this id is yours to see."),
    _p("attachment_not_found", 404, "ไม่พบไฟล์แนบ", "No such attachment",
       "ไม่มีไฟล์แนบนี้ในคำขอ", "The application has no attachment with this id."),
    _p("receipt_not_found", 404, "ไม่พบใบรับคำขอ", "No receipt",
       "คำขอนี้ยังไม่ได้ยื่น จึงยังไม่มีใบรับ", "The application has not been filed, so it has no receipt."),
    _p("notification_not_found", 404, "ไม่พบการแจ้งเตือน", "No such notification",
       "ไม่มีการแจ้งเตือนนี้ในกล่องข้อความของคุณ", "Your inbox has no notification with this id."),
    _p("document_not_found", 404, "ไม่พบเอกสาร", "No such document",
       "หน่วยงานไม่มีเอกสารเลขที่นี้ที่ออกผ่านระบบ", "The agency issued no document with this number through the portal."),
    _p("share_not_found", 404, "ไม่พบลิงก์แบ่งปัน", "No such share link",
       "ไม่มีลิงก์แบ่งปันนี้สำหรับเอกสารของคุณ", "Your document has no share link with this id."),
    _p("document_format_unavailable", 404, "ไม่มีเอกสารในรูปแบบนี้", "Not available in this form",
       "เอกสารนี้ไม่ได้ออกโดยระบบ จึงไม่มี PDF ที่ลงนามหรือข้อมูลรับรองแบบดิจิทัล",
       "The portal did not issue this document, so it has no signed PDF or credential."),
    _p("wallet_document_not_found", 404, "ไม่พบเอกสารในกระเป๋า", "No such wallet document",
       "ไม่มีเอกสารนี้ในกระเป๋าเอกสารของคุณ", "Your wallet holds no document with this id."),
    _p("permit_request_not_found", 404, "ไม่พบคำขอข้อมูลใบอนุญาต", "No such permit information request",
       "ไม่มีคำขอข้อมูลใบอนุญาตนี้ หรือไม่ใช่ของผู้เรียก", "No request for permit information with this id is yours to see."),
    _p("verification_not_found", 404, "ไม่พบการยืนยันตัวตน", "No such verification",
       "ไม่มีการยืนยันตัวตนนี้", "No identity verification has this id."),
    _p("outbox_message_not_found", 404, "ไม่พบข้อความในคิวส่งต่อ", "No such outbox message",
       "ไม่มีข้อความรหัสนี้ในคิวส่งต่อ", "The outbox has no message with this id."),
    # -- 405, 406 ---------------------------------------------------------------------------
    _p("method_not_allowed", 405, "ไม่รองรับเมธอดนี้", "Method not allowed",
       "ที่อยู่นี้ไม่รองรับเมธอดนี้ ดูเมธอดที่ใช้ได้ในส่วนหัว Allow",
       "This path does not serve this method; the Allow header lists those it does."),
    _p("not_acceptable", 406, "ไม่มีรูปแบบที่ขอ", "Not acceptable",
       "ตอบในรูปแบบที่ระบุใน Accept ไม่ได้", "No representation matches the Accept header."),
    # -- 409 ----------------------------------------------------------------------------------
    _p("conflict", 409, "ขัดกับสถานะปัจจุบัน", "Conflicts with the current state",
       "คำขอนี้ขัดกับสถานะปัจจุบันของข้อมูล", "The request conflicts with the resource's current state."),
    _p("concurrent_change", 409, "มีการเปลี่ยนแปลงพร้อมกัน", "Changed concurrently",
       "มีผู้อื่นเปลี่ยนคำขอนี้ในเวลาเดียวกัน ให้อ่านใหม่แล้วลองอีกครั้ง",
       "Someone else changed this application at the same time; read it again and retry."),
    _p("idempotency_key_reused", 409, "Idempotency-Key ถูกใช้กับคำขออื่นแล้ว", "The Idempotency-Key was used for another request",
       "ใช้ Idempotency-Key เดิมกับเนื้อหาอื่นไม่ได้", "The same key was sent with a different request body."),
    _p("invalid_transition", 409, "ทำรายการนี้ในสถานะนี้ไม่ได้", "Not possible in this status",
       "สถานะปัจจุบันของคำขอไม่อนุญาตรายการนี้", "The application's current status does not allow this action."),
    _p("application_closed", 409, "คำขอนี้สิ้นสุดแล้ว", "The application is closed",
       "คำขอที่สิ้นสุดแล้วเปลี่ยนแปลงไม่ได้", "A closed application cannot change."),
    _p("not_your_action", 409, "ไม่ใช่รายการที่คุณทำได้", "Not your action",
       "รายการนี้เป็นของอีกฝ่าย (ผู้ยื่นหรือหน่วยงาน)", "This action belongs to the other party (citizen or agency)."),
    _p("document_status_final", 409, "เอกสารถูกเพิกถอนแล้ว", "The document is revoked",
       "เอกสารที่ถูกเพิกถอนแล้วไม่อาจกลับมาใช้ได้ ให้ออกเอกสารฉบับใหม่", "A revoked document stays revoked; issue a new one."),
    _p("info_already_requested", 409, "ขอเอกสารเพิ่มไปแล้ว", "More documents were already requested",
       "พ.ร.บ.อำนวยความสะดวกฯ ให้ขอเอกสารเพิ่มได้ครั้งเดียวต่อคำขอ",
       "The Licensing Facilitation Act allows one request for more documents per application."),
    _p("permit_request_answered", 409, "ตอบคำขอข้อมูลนี้แล้ว", "Already answered",
       "คำขอข้อมูลใบอนุญาตนี้ได้รับคำตอบแล้ว ตอบซ้ำไม่ได้", "This request for permit information was answered already; it takes one answer."),
    _p("not_a_draft", 409, "คำขอนี้ไม่ใช่ฉบับร่าง", "Not a draft",
       "แก้ไขได้เฉพาะคำขอที่ยังเป็นฉบับร่าง", "Only a draft can be changed."),
    _p("not_filed_online", 409, "บริการนี้ยื่นออนไลน์ไม่ได้", "This service is not filed online",
       "บริการนี้ต้องยื่นด้วยตนเองหรือผ่านช่องทางของหน่วยงาน", "This service is filed in person or through the agency's own channel."),
    _p("file_on_agency_site", 409, "ยื่นที่เว็บไซต์ของหน่วยงาน", "File on the agency's site",
       "บริการนี้ยื่นบนเว็บไซต์ของหน่วยงาน ให้เปิดผ่านลิงก์จากแอป", "This service is filed on the agency's own site; open it through the launch link."),
    _p("not_web_integration", 409, "ไม่ใช่บริการที่ยื่นบนเว็บไซต์หน่วยงาน", "Not a Web Integration service",
       "บริการนี้ไม่ได้ยื่นผ่านเว็บไซต์ของหน่วยงาน", "This service is not filed on an agency's site."),
    _p("not_redirected", 409, "คำขอนี้ไม่ได้ถูกส่งต่อ", "Not redirected",
       "ยื่นซ้ำได้เฉพาะคำขอที่หน่วยงานแจ้งว่าไม่ใช่อำนาจของตน", "Only an application another agency declined as not its own can be filed again."),
    _p("already_resubmitted", 409, "ยื่นซ้ำไปแล้ว", "Already filed again",
       "คำขอนี้ถูกยื่นซ้ำที่หน่วยงานที่รับผิดชอบไปแล้ว", "This application was already filed again at the responsible agency."),
    _p("refer_in_own_system", 409, "ส่งต่อในระบบของหน่วยงานเอง", "Refer in the agency's own system",
       "หน่วยงานที่มีระบบของตนเองตอบ not_our_case เมื่อระบบยื่นคำขอให้", "An agency with its own back end answers not_our_case when the portal files with it."),
    _p("not_dead", 409, "ข้อความยังไม่ล้มเหลว", "The message is not a dead letter",
       "ส่งใหม่ได้เฉพาะข้อความที่ล้มเหลวถาวรแล้ว", "Only a dead letter can be redriven."),
    _p("challenge_used", 409, "ตอบคำท้าไปแล้ว", "The challenge was already answered",
       "คำท้านี้ใช้ได้ครั้งเดียว ให้เริ่มยืนยันตัวตนใหม่", "A challenge is answered once; start a new verification."),
    # -- 410 ----------------------------------------------------------------------------------
    _p("gone", 410, "ไม่มีอีกต่อไป", "No longer available",
       "สิ่งที่ขอไม่มีให้บริการอีกแล้ว", "What was asked for is no longer available."),
    _p("challenge_expired", 410, "คำท้าหมดอายุ", "The challenge has expired",
       "คำท้าใช้ได้ 3 นาที ให้เริ่มยืนยันตัวตนใหม่", "A challenge lasts 3 minutes; start a new verification."),
    # -- 413 ----------------------------------------------------------------------------------
    _p("payload_too_large", 413, "ข้อมูลที่ส่งมีขนาดใหญ่เกินไป", "The request body is too large",
       "ขนาดของเนื้อหาคำขอเกินที่ระบบรับได้", "The request body is larger than the gateway accepts."),
    _p("header_fields_too_large", 431, "ส่วนหัวของคำขอมากเกินไป", "The request headers are too large",
       "คำขอมีส่วนหัว (header) มากหรือยาวเกินกว่าที่ระบบอ่าน",
       "The request has more header fields, or longer ones, than the gateway reads."),
    _p("attachment_too_large", 413, "ไฟล์แนบใหญ่เกินไป", "The attachment is too large",
       "ไฟล์หนึ่งไฟล์ใหญ่เกินขนาดที่รับได้", "One file is larger than the per-file limit."),
    _p("application_too_large", 413, "ไฟล์แนบรวมใหญ่เกินไป", "The application's attachments are too large",
       "ขนาดรวมของไฟล์แนบในคำขอเกินที่รับได้", "The application's attachments together pass the limit."),
    _p("too_many_files", 413, "ไฟล์มากเกินไป", "Too many files",
       "ส่งไฟล์ในครั้งเดียวมากเกินที่รับได้", "The upload has more files than allowed."),
    _p("too_many_attachments", 413, "ไฟล์แนบมากเกินไป", "Too many attachments",
       "คำขอมีไฟล์แนบครบจำนวนสูงสุดแล้ว", "The application already holds the most attachments allowed."),
    _p("too_many_fields", 413, "ช่องข้อมูลมากเกินไป", "Too many form fields",
       "ข้อมูลแบบ multipart มีช่องข้อมูลมากเกินไป", "The multipart body has too many fields."),
    _p("field_too_large", 413, "ช่องข้อมูลใหญ่เกินไป", "A form field is too large",
       "ช่องข้อมูลที่ไม่ใช่ไฟล์ยาวเกินที่รับได้", "A non-file field of the multipart body is too long."),
    # -- 415 ----------------------------------------------------------------------------------
    _p("unsupported_media_type", 415, "ไม่รองรับประเภทไฟล์นี้", "The content type is not accepted",
       "รับเฉพาะ PDF, JPEG และ PNG โดยตรวจจากเนื้อไฟล์", "Only PDF, JPEG and PNG are accepted, judged by the content."),
    _p("multipart_required", 415, "ต้องส่งแบบ multipart/form-data", "multipart/form-data is required",
       "อัปโหลดไฟล์ต้องส่งเป็น multipart/form-data", "Uploads are sent as multipart/form-data."),
    # -- 422 ----------------------------------------------------------------------------------
    _p("validation_failed", 422, "ข้อมูลบางช่องไม่ถูกต้อง", "Some fields are invalid",
       "ดูช่องที่ผิดและเหตุผลใน errors[]", "See errors[] for each failing field and why."),
    _p("invalid_idempotency_key", 422, "Idempotency-Key ไม่ถูกต้อง", "The Idempotency-Key is malformed",
       "Idempotency-Key ต้องเป็นอักขระ ASCII ที่มองเห็นได้ 1–255 ตัว", "Idempotency-Key is 1-255 visible ASCII characters."),
    _p("application_incomplete", 422, "คำขอยังไม่ครบ", "The application is incomplete",
       "ยังขาดข้อมูลหรือเอกสาร ดูรายการใน errors[] และ missing", "Items are missing; errors[] and missing list them."),
    _p("card_refused", 422, "กรมการปกครองไม่รับรองบัตร", "The civil registry did not accept the card",
       "ข้อมูลบัตรไม่ผ่านการตรวจสอบกับทะเบียนราษฎร", "The card data did not pass the civil registry's check."),
    _p("card_data_mismatch", 422, "ข้อมูลไม่ตรงกับบัตร", "The details do not match the card",
       "ตรวจสอบเลขหลังบัตร (laser code) ชื่อภาษาไทย และวันเกิดอีกครั้ง",
       "Check the laser code on the back of the card, the Thai names and the birth date."),
    _p("card_void_address_change", 422, "บัตรถูกยกเลิกเพราะย้ายที่อยู่", "The card was cancelled after a change of address",
       "ใช้บัตรใบใหม่", "Use the new card."),
    _p("card_input_incomplete", 422, "ข้อมูลบัตรไม่ครบ", "The card data is incomplete",
       "ทะเบียนราษฎรแจ้งว่าข้อมูลที่ส่งไม่ครบ", "The civil registry found the input incomplete."),
    _p("card_expired", 422, "บัตรหมดอายุ", "The card has expired",
       "ต่ออายุบัตรที่สำนักทะเบียน", "Renew the card at a district office."),
    _p("card_revoked", 422, "บัตรถูกเพิกถอน", "The card was revoked",
       "บัตรถูกแจ้งหายหรือถูกเพิกถอนแล้ว", "The card was reported lost or has been revoked."),
    _p("face_refused", 422, "สแกนใบหน้าไม่ผ่าน", "The face scan did not prove the identity",
       "การสแกนใบหน้าพิสูจน์ตัวตนไม่ได้", "The face scan did not prove the identity."),
    _p("face_mismatch", 422, "ใบหน้าไม่ตรงกับเจ้าของบัตร", "The face does not match",
       "ใบหน้าไม่ตรงกับภาพของเจ้าของบัตรในทะเบียนราษฎร", "The face does not match the card holder's registered photo."),
    _p("liveness_failed", 422, "ตรวจสอบการมีชีวิตไม่ผ่าน", "The liveness check failed",
       "ทำตามท่าทางที่แสดงบนหน้าจอ", "Follow the action asked on screen."),
    # -- 429 ----------------------------------------------------------------------------------
    _p("too_many_requests", 429, "ส่งคำขอถี่เกินไป", "Too many requests",
       "รอตามเวลาใน Retry-After แล้วลองใหม่", "Wait for Retry-After, then try again."),
    _p("too_many_attempts", 429, "ลองผิดหลายครั้งเกินไป", "Too many attempts",
       "ระงับชั่วคราว 15 นาที รอตามเวลาใน Retry-After", "Locked for 15 minutes; wait for Retry-After."),
    # -- 5xx ----------------------------------------------------------------------------------
    _p("internal_error", 500, "เกิดข้อผิดพลาดภายในระบบ", "Internal error",
       "ระบบขัดข้อง โปรดแจ้ง request_id เมื่อติดต่อเจ้าหน้าที่", "The gateway failed; quote the request_id when reporting it."),
    _p("bad_gateway", 502, "หน่วยงานตอบกลับในรูปแบบที่ใช้ไม่ได้", "An agency answered in a way the gateway cannot use",
       "ระบบของหน่วยงานตอบกลับผิดรูปแบบ ลองใหม่ภายหลัง", "The agency's system gave an unusable answer; try again later."),
    _p("registry_error", 502, "ทะเบียนราษฎรตอบกลับผิดปกติ", "The civil registry answered unexpectedly",
       "ระบบทะเบียนราษฎรตอบกลับในรูปแบบที่ใช้ไม่ได้ ลองใหม่ภายหลัง", "The civil registry gave an unusable answer; try again later."),
    _p("service_unavailable", 503, "ให้บริการไม่ได้ชั่วคราว", "Temporarily unavailable",
       "ลองใหม่ตามเวลาใน Retry-After", "Try again after Retry-After."),
    # -- pay (R-7.4) ------------------------------------------------------------------------
    _p("precondition_failed", 412, "เงื่อนไขไม่ตรง", "Precondition failed",
       "ข้อมูลเปลี่ยนไปจากที่คาดไว้ ให้อ่านใหม่แล้วลองอีกครั้ง",
       "The resource changed from what the request expected; read it again and retry."),
    _p("refundable_changed", 412, "ยอดที่คืนได้เปลี่ยนไป", "The refundable amount changed",
       "มีการคืนเงินรายการอื่นก่อน ยอดที่คืนได้ไม่ใช่ยอดที่ระบุ ให้อ่านรายการชำระเงินใหม่",
       "Another refund came first: the refundable amount is not the one expected. Read the payment again."),
    _p("service_is_free", 409, "บริการนี้ไม่มีค่าธรรมเนียม", "This service is free",
       "คู่มือประชาชนของบริการนี้ระบุว่าไม่มีค่าธรรมเนียม จึงเรียกเก็บเงินไม่ได้",
       "The service's citizen manual says it is free: no fee can be asked for."),
    _p("fee_for_state_document", 409, "ไม่เก็บค่าสำเนาเอกสารราชการ", "No fee for a copy of a state document",
       "ห้ามเรียกเก็บค่าธรรมเนียมสำเนาเอกสารที่หน่วยงานของรัฐออกให้",
       "No fee is charged for a copy of a document a state agency issued (R-12.1)."),
    _p("fee_unknown", 422, "ไม่ทราบค่าธรรมเนียม", "The fee is not known",
       "ระบุรายการค่าธรรมเนียม เพราะคู่มือประชาชนไม่มีรายการค่าธรรมเนียม",
       "State the fee items: the citizen manual lists none."),
    _p("payments_unavailable", 409, "ชำระเงินผ่านระบบไม่ได้", "Payments are not available",
       "ระบบนี้ไม่ได้เปิดรับชำระเงิน", "This portal does not take payments."),
    _p("payment_not_found", 404, "ไม่พบรายการชำระเงิน", "No such payment",
       "ไม่มีรายการชำระเงินนี้ หรือไม่ใช่ของท่าน", "There is no such payment, or it is not yours."),
    _p("bill_not_found", 404, "ไม่พบใบแจ้งหนี้", "No such bill",
       "ไม่มีใบแจ้งหนี้นี้ที่ต้องชำระ", "There is no such bill to pay."),
    _p("e_receipt_not_found", 404, "ไม่พบใบเสร็จรับเงิน", "No e-receipt",
       "รายการชำระเงินนี้ยังไม่มีใบเสร็จรับเงิน", "This payment has no e-receipt (yet)."),
    _p("psp_not_found", 404, "ไม่รู้จักผู้ให้บริการชำระเงิน", "Unknown payment provider",
       "ไม่มีผู้ให้บริการชำระเงินรหัสนี้", "No payment service provider has this code."),
    _p("no_payment_due", 409, "ไม่มียอดที่ต้องชำระ", "Nothing to pay",
       "คำขอนี้ไม่มีค่าธรรมเนียมที่รอชำระ", "This application has no fee waiting to be paid."),
    _p("payment_closed", 409, "รายการชำระเงินสิ้นสุดแล้ว", "The payment is closed",
       "รายการชำระเงินที่สิ้นสุดแล้วเปลี่ยนแปลงไม่ได้", "A closed payment cannot change."),
    _p("invalid_payment_transition", 409, "ทำรายการนี้กับการชำระเงินนี้ไม่ได้", "Not possible for this payment",
       "สถานะของรายการชำระเงินไม่อนุญาตรายการนี้", "The payment's status does not allow this."),
    _p("invalid_refund", 422, "ยอดคืนเงินไม่ถูกต้อง", "Invalid refund",
       "ยอดคืนเงินต้องเป็นจำนวนบวก", "A refund is a positive amount."),
    _p("refund_exceeds_payment", 422, "คืนเงินเกินยอดที่ชำระ", "The refund exceeds the payment",
       "ยอดคืนเงินมากกว่ายอดที่ยังคืนได้", "The refund is more than can still be refunded."),
    _p("invalid_webhook", 422, "ข้อความแจ้งผลชำระเงินผิดรูปแบบ", "Malformed payment notification",
       "เนื้อหาข้อความแจ้งจากธนาคารไม่ถูกต้อง", "The bank's notification body is malformed."),
    _p("bank_unavailable", 503, "ธนาคารไม่พร้อมให้บริการ", "The bank is unavailable",
       "ติดต่อธนาคารไม่ได้ในขณะนี้ ลองใหม่ภายหลัง", "The bank cannot be reached now; try again later."),
    _p("reconciliation_not_found", 404, "ยังไม่ได้กระทบยอดวันนี้", "Not reconciled",
       "ยังไม่มีการกระทบยอดรายการเดินบัญชีของวันนี้", "This day's statement has not been reconciled."),
    _p("disbursement_not_found", 404, "ไม่พบรายการจ่ายเงิน", "No such payout",
       "หน่วยงานไม่มีรายการจ่ายเงินรหัสนี้", "The agency has no payout with this id."),
    _p("payout_id_reused", 409, "รหัสรายการจ่ายเงินถูกใช้แล้ว", "The payout id was used for another order",
       "รหัสรายการจ่ายเงินนี้เคยสั่งจ่ายด้วยข้อมูลอื่น", "This payout id was ordered before with other content."),
    _p("agency_unavailable", 503, "หน่วยงานไม่พร้อมให้บริการ", "The agency is unavailable",
       "ติดต่อระบบของหน่วยงานไม่ได้ในขณะนี้ ลองใหม่ภายหลัง", "The agency's system cannot be reached now; try again later."),
    _p("bank_refused", 502, "ธนาคารปฏิเสธรายการ", "The bank refused",
       "ธนาคารปฏิเสธรายการนี้", "The bank refused the request."),
    _p("bad_qr", 422, "คิวอาร์โค้ดไม่ถูกต้อง", "Invalid Thai QR",
       "ข้อความคิวอาร์โค้ดไม่ถูกต้อง", "The Thai QR payload is invalid."),
    _p("registry_unavailable", 503, "ทะเบียนราษฎรไม่พร้อมให้บริการ", "The civil registry is unavailable",
       "ติดต่อทะเบียนราษฎรไม่ได้ในขณะนี้ ลองใหม่ตามเวลาใน Retry-After",
       "The civil registry cannot be reached now; try again after Retry-After."),
    _p("storage_unavailable", 503, "ที่เก็บไฟล์ไม่พร้อมให้บริการ", "File storage is unavailable",
       "บันทึกหรืออ่านไฟล์ไม่ได้ในขณะนี้ ลองใหม่ภายหลัง", "Files cannot be stored or read now; try again later."),
    # -- onboarding: the 13-step procedure to go-live (docs/onboarding.md) --------------------
    _p("onboarding_case_not_found", 404, "ไม่พบเรื่องการนำบริการขึ้นระบบ", "No such onboarding case",
       "ไม่มีเรื่องการนำบริการขึ้นระบบรหัสนี้", "No onboarding case has this id."),
    _p("service_of_another_agency", 409, "บริการนี้เป็นของหน่วยงานอื่น", "The service is another agency's",
       "รหัสบริการนี้มีอยู่ในแคตตาล็อกแล้วในชื่อหน่วยงานอื่น การนำขึ้นระบบไม่ย้ายบริการข้ามหน่วยงาน",
       "The catalog already has a service of this id under another agency; onboarding never moves a service between agencies."),
    _p("onboarding_case_exists", 409, "มีเรื่องของบริการนี้อยู่แล้ว", "The service already has an open case",
       "บริการนี้มีเรื่องการนำขึ้นระบบที่ยังดำเนินการอยู่", "This service already has an onboarding case in progress."),
    _p("onboarding_case_changed", 409, "เรื่องนี้ถูกเปลี่ยนไปแล้ว", "The case changed since it was read",
       "มีผู้ดำเนินการกับเรื่องนี้ก่อน ให้อ่านเรื่องใหม่แล้วตัดสินใจอีกครั้ง",
       "Someone acted on the case first (its version moved on); read it again and decide again."),
    _p("onboarding_case_closed", 409, "เรื่องนี้สิ้นสุดแล้ว", "The case is closed",
       "เรื่องที่หน่วยงานปฏิเสธหรือขึ้นระบบแล้วไม่เปลี่ยนแปลงอีก",
       "A case the agency declined, or one already live, does not change any more."),
    _p("onboarding_action_not_allowed", 409, "ขั้นตอนนี้ทำรายการนี้ไม่ได้", "Not an action of this step",
       "แต่ละขั้นตอนรับเฉพาะรายการของขั้นตอนนั้น (ดู allowed)", "Each step takes only its own actions (see allowed)."),
    _p("onboarding_role_not_allowed", 403, "ไม่ใช่ผู้รับผิดชอบขั้นตอนนี้", "Not a responsible role of this step",
       "ขั้นตอนนี้ต้องดำเนินการโดยผู้รับผิดชอบตามคู่มือ (ดู roles)",
       "The step is acted on by the roles the work manual names (see roles)."),
    _p("onboarding_step_incomplete", 409, "ขั้นตอนยังไม่ครบ", "The step's work is missing",
       "ขั้นตอนนี้ยังขาดสิ่งที่ต้องจัดทำ (ดู missing)", "The step lacks what it must produce (see missing)."),
    _p("onboarding_definition_mismatch", 422, "นิยามบริการไม่ตรงกับเรื่อง", "The definition is not this case's service",
       "รหัสบริการและหน่วยงานในนิยามต้องตรงกับเรื่อง", "The definition's id and agency must be the case's."),
    _p("onboarding_lint_failed", 422, "คู่มือประชาชนยังไม่ครบ", "The service definition fails the catalog lint",
       "บริการที่จะเปิดต้องผ่านการตรวจคู่มือประชาชน (ดู findings)",
       "A service goes live only when the catalog lint finds nothing (R-LFA.1; see findings)."),
    _p("certification_invalid", 422, "ผลการรับรองตรวจสอบไม่ผ่าน", "The certification does not verify",
       "ลายมือชื่อของผลการรับรองไม่ถูกต้อง ไม่ได้ลงนามด้วยกุญแจของระบบ หรือรายงานไม่ใช่ฉบับที่ลงนาม",
       "The signed summary is malformed or not signed with a key of the gateway's certification JWKS, "
       "or the report sent is not the one it was signed over (see report_sha256)."),
    _p("certification_not_applicable", 409, "หน่วยงานนี้ไม่มีตัวเชื่อมต่อ", "No connector to certify",
       "หน่วยงานที่ไม่ได้เชื่อมต่อด้วยตัวเชื่อมต่อ ผ่านการทดสอบด้วยการรับรองของเจ้าหน้าที่ สพร.",
       "An agency without a connector passes the portal test on the DGA officer's attestation."),
    _p("certification_required", 409, "ยังไม่มีผลการรับรอง", "No certification yet",
       "ต้องส่งผลการรับรองตัวเชื่อมต่อที่ลงนามแล้วก่อนผ่านการทดสอบ",
       "Submit the connector's signed certification before the portal test can pass."),
    _p("certification_not_certified", 409, "ผลการรับรองไม่ผ่าน", "Not certified",
       "ผลการรับรองล่าสุดไม่ผ่าน (ดู blocking)", "The latest certification says not certified (see blocking)."),
    _p("certification_mismatch", 409, "ผลการรับรองไม่ใช่ของตัวเชื่อมต่อนี้", "The certification is for another connector",
       "ผลการรับรองเป็นของหน่วยงานอื่นหรือตัวเชื่อมต่อรุ่นอื่น",
       "The certification is for another agency or another connector version."),
    _p("certification_stale", 409, "ผลการรับรองเก่าเกินไป", "The certification is stale",
       "ต้องรับรองใหม่หลังหน่วยงานปรับระบบ และภายในระยะเวลาที่กำหนด",
       "Certify again after the agency adapted its system, and within the allowed age."),
)  # fmt: skip

PROBLEMS: Mapping[str, Problem] = {p.code: p for p in _ALL}
assert len(PROBLEMS) == len(_ALL), "a code is declared twice"

# The code a framework answer (unknown path, wrong method, ...) gets for its bare status.
GENERIC_BY_STATUS: Mapping[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    431: "header_fields_too_large",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}

_refuse_unknown = True


def refuse_unknown_codes(refuse: bool) -> None:
    """Raise `UnknownProblemCode` for an undeclared code (development and tests, the default),
    or answer with the status's generic title (production: a wrong code must not become a 500).
    """
    global _refuse_unknown  # noqa: PLW0603  (one process-wide switch, set once at start-up)
    _refuse_unknown = refuse


def refusing_unknown_codes() -> bool:
    return _refuse_unknown


def lookup(code: str, status: int | None = None) -> Problem:
    """The declared problem; in production, an undeclared code gets its status's generic one."""
    problem = PROBLEMS.get(code)
    if problem is not None and (status is None or status in problem.statuses):
        return problem
    if _refuse_unknown:
        if problem is None:
            raise UnknownProblemCode(f"problem code {code!r} is not declared in kernel.problems")
        raise UnknownProblemCode(f"problem code {code!r} is declared for {problem.statuses}")
    return PROBLEMS[GENERIC_BY_STATUS.get(status or 500, "internal_error")]


def codes_for(status: int) -> list[str]:
    return sorted(p.code for p in _ALL if status in p.statuses)


def problem_responses(
    *codes: str, media_type: str = PROBLEM_JSON
) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses=` entries declaring the problems an operation can answer: one entry per
    status, `application/problem+json` with the Problem schema and `code` limited to `codes`.

        @router.get("/things/{id}", responses=problem_responses("thing_not_found"))

    The answers every operation shares (422 for its parameters, 401/403 for its token, 413 for
    its body, 500) are added once for all by gateway.openapi.
    """
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):  # each once, in the order given
        problem = PROBLEMS.get(code)
        if problem is None:
            raise UnknownProblemCode(f"problem code {code!r} is not declared in kernel.problems")
        for status in problem.statuses:
            by_status.setdefault(status, []).append(code)
    return {
        status: problem_response_entry(found, media_type)
        for status, found in sorted(by_status.items())
    }


def problem_response_entry(codes: Iterable[str], media_type: str = PROBLEM_JSON) -> dict[str, Any]:
    """One OpenAPI response object: a problem with one of `codes`."""
    listed = sorted(set(codes))
    return {
        "description": "; ".join(f"`{c}`: {PROBLEMS[c].title_en}" for c in listed),
        "content": {
            media_type: {
                "schema": {
                    "allOf": [
                        {"$ref": SCHEMA_REF},
                        {"type": "object", "properties": {"code": {"enum": listed}}},
                    ]
                }
            }
        },
    }


def codes_of_entry(entry: Mapping[str, Any]) -> list[str] | None:
    """The codes a response object made by `problem_response_entry` lists (None: not one)."""
    for media in entry.get("content", {}).values():
        parts = media.get("schema", {}).get("allOf", [])
        if len(parts) == 2 and parts[0].get("$ref") == SCHEMA_REF:
            return list(parts[1]["properties"]["code"]["enum"])
    return None


# The body the gateway sends (gateway.errors.problem_body): RFC 9457 members, the stable code,
# the request id, field errors, and members some problems add (e.g. registry_code, missing).
SCHEMAS: Mapping[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "title": "Problem",
        "description": "RFC 9457 problem details. Switch on `code`; never parse `detail`.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "description": "urn:citizen-gateway:problem:<code>"},
            "title": {"type": "string", "description": "in the response's Content-Language"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "in the response's Content-Language"},
            "code": {"type": "string"},
            "instance": {"type": "string"},
            "request_id": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProblemFieldError"},
            },
        },
        "additionalProperties": True,
    },
    "ProblemFieldError": {
        "type": "object",
        "title": "ProblemFieldError",
        "required": ["pointer", "code", "message"],
        "properties": {
            "pointer": {"type": "string", "description": "RFC 6901 pointer into the request"},
            "code": {"type": "string"},
            "message": {"type": "string"},
        },
        "additionalProperties": True,
    },
}

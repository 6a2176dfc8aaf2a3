"""A client for the Agency Case API v1 (docs/agency-integration.md), the API-kind agencies'
shared back-end convention: the government data-exchange credentials, then cases.

    GET  {base}/gdx/auth/validate?AgentID=…     Consumer-Key, Consumer-Secret → {"Result": token}
    POST {base}/api/v1/applications                            Idempotency-Key, the submission
    GET  {base}/api/v1/applications/{agency_ref}               status and events
    POST {base}/api/v1/applications/{agency_ref}/information   Idempotency-Key, the answer
    POST {base}/api/v1/applications/{agency_ref}/payments      Idempotency-Key, the payment
    POST {base}/api/v1/applications/{agency_ref}/cancel
    GET  {base}/api/v1/documents/{document_id}                 the issued PDF
    GET  {base}/api/v1/health

`base` is the agency's root (`{AGENCIES_URL}/{code}`). The consumer secret goes in the header
`Consumer-Secret`; `options={"credentials_in": "query"}` sends it the legacy way instead,
`?ConsumerSecret=…` (what the real GDX `validate` demands; certification reports it as
secret-in-url). With `require_tls` (production) an http:// `base_url` is refused at
construction (AgencyMisconfigured). Every call but validate carries the
headers Consumer-Key and Token; the token is fetched once, shared by all calls, and fetched
again once when the agency answers 401 (it lapses after 60 idle minutes, or the agency may have
forgotten it). A second 401 means our credentials are wrong.

How answers map onto `connectors.errors`:

    2xx with the documented fields          the result
    422 not_our_case + responsible_agency   NotOurCase
    other 4xx with {"error", "message"}     AgencyRejected(code=error)
    401 after a fresh token, 403            AgencyMisconfigured
    4xx without an error code, 3xx          AgencyMisconfigured (most likely a wrong base_url)
    409 already_paid naming our own key     the payment on record is this one: done (idempotent)
    valid JSON lacking documented fields    AgencyMisconfigured (the contract is broken)
    429, 5xx, connect/read errors, timeouts AgencyUnavailable (Retry-After kept as retry_after)
    a body that is not JSON at all          AgencyUnavailable (a garbled reply is transient;
                                            retrying a submission with its key is safe)
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, NoReturn
from urllib.parse import quote

import httpx

from connectors.base import (
    AgencyEvent,
    AgencyStatus,
    AttachmentRef,
    Fee,
    Health,
    InformationAnswer,
    PaymentNotice,
    StatusReport,
    Submission,
    SubmitResult,
)
from connectors.config import ConnectorConfig
from connectors.errors import (
    AgencyMisconfigured,
    AgencyRejected,
    AgencyUnavailable,
    ConnectorError,
    NotOurCase,
)
from kernel.clock import Clock, SystemClock

API = "/api/v1"
_STATUSES = frozenset(AgencyStatus)


def attachment_json(attachment: AttachmentRef) -> dict[str, Any]:
    """An attachment as the Case API's body has it: a wallet document with its verification
    (`verification`), an upload without the member."""
    body = asdict(attachment)
    if body["verification"] is None:
        del body["verification"]
    else:
        body["verification"] = dict(attachment.verification or {})
    return body


class CaseworkConnector:
    """`Connector`, `Cancels`, `ReceivesInformation`, `ReceivesPayments` and `IssuesDocuments`
    for an agency that speaks Case API v1.

    One `httpx.AsyncClient` per connector; `transport` replaces the network (tests pass
    `httpx.ASGITransport(app)` or `httpx.MockTransport(handler)`). `clock` stamps a
    cancellation whose time neither the answer nor the case's events give.
    """

    def __init__(
        self,
        config: ConnectorConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.agency_code = config.agency_code
        if config.require_tls and not config.base_url.startswith("https://"):
            raise AgencyMisconfigured(
                config.agency_code,
                f"TLS is required (production), but the agency's base_url is {config.base_url}",
            )
        self._credentials_in = config.options.get("credentials_in", "header")
        if self._credentials_in not in ("header", "query"):
            raise AgencyMisconfigured(
                config.agency_code,
                f'options.credentials_in is "header" or "query", not {self._credentials_in!r}',
            )
        self._clock = clock or SystemClock()
        self._client = httpx.AsyncClient(
            base_url=config.base_url,
            transport=transport,
            timeout=config.timeout_seconds,
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.agency_code!r}, {self.config.base_url!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- Connector --------------------------------------------------------------------------

    async def submit(self, submission: Submission) -> SubmitResult:
        response = await self._call(
            "POST",
            f"{API}/applications",
            json=_submission_body(submission),
            headers={"Idempotency-Key": submission.idempotency_key},
        )
        if response.status_code not in (200, 201):  # 201 filed, 200 the same key again
            raise self._misconfigured(f"submit answered {response.status_code}")
        body = _Reader(self.agency_code, "submit answer", self._object(response))
        status = body.status("status")
        unit_code = body.optional_str("unit_code")
        if status is AgencyStatus.FORWARDED_WITHIN_AGENCY and unit_code is None:
            raise self._misconfigured("forwarded_within_agency without the unit_code")
        return SubmitResult(
            agency_ref=body.text("agency_ref"),
            status=status,
            received_at=body.instant("received_at"),
            seq=body.whole("seq"),
            unit_code=unit_code,
            fees=tuple(body.fee(item) for item in body.objects("fees", required=False)),
        )

    async def status(self, agency_ref: str) -> StatusReport:
        response = await self._call("GET", f"{API}/applications/{_segment(agency_ref)}")
        body = _Reader(self.agency_code, "status answer", self._object(response))
        events = sorted(
            (body.event(item) for item in body.objects("events", required=False)),
            key=lambda event: event.seq,
        )
        return StatusReport(
            agency_ref=body.text("agency_ref"),
            status=body.status("status"),
            seq=body.whole("seq"),
            events=tuple(events),
            updated_at=body.optional_time("updated_at"),
        )

    async def health(self) -> Health:
        try:
            response = await self._call("GET", f"{API}/health")
            reported = self._object(response).get("status")
        except ConnectorError as exc:
            return Health(ok=False, detail=f"{type(exc).__name__}: {exc.message}")
        if reported != "ok":
            return Health(ok=False, detail=f"the agency reports status {reported!r}")
        return Health(ok=True, detail="ok")

    # -- Cancels, IssuesDocuments -----------------------------------------------------------

    async def cancel(self, agency_ref: str) -> AgencyEvent:
        response = await self._call("POST", f"{API}/applications/{_segment(agency_ref)}/cancel")
        raw = self._object(response)
        body = _Reader(self.agency_code, "cancel answer", raw)
        seq, at = body.whole("seq"), body.optional_time("at")
        if at is None:  # the documented answer has no time: the case's events have it
            at = await self._event_time(agency_ref, seq) or self._clock.now()
        data = {k: v for k, v in raw.items() if k not in {"status", "seq", "at", "agency_ref"}}
        return AgencyEvent(seq=seq, at=at, status=body.status("status"), data=data)

    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        response = await self._call(
            "POST",
            f"{API}/applications/{_segment(agency_ref)}/information",
            json={
                "note": answer.note,
                "attachments": [attachment_json(attachment) for attachment in answer.attachments],
                "answered_at": answer.answered_at.isoformat(),
            },
            headers={"Idempotency-Key": answer.idempotency_key},
        )
        if response.status_code not in (200, 201):  # 201 recorded, 200 the same key again
            raise self._misconfigured(f"information answered {response.status_code}")
        body = _Reader(self.agency_code, "information answer", self._object(response))
        return AgencyEvent(
            seq=body.whole("seq"),
            at=body.instant("at"),
            status=body.status("status"),
            data={},
        )

    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        response = await self._call(
            "POST",
            f"{API}/applications/{_segment(agency_ref)}/payments",
            json=_payment_body(notice),
            headers={"Idempotency-Key": notice.idempotency_key},
            passthrough=frozenset({409}),
        )
        if response.status_code == 409:
            code, _, body = _error(response)
            # Our own payment already on record (the agency forgot our key's answer, or
            # answers a repeat this way): what we came to do is done.
            if code == "already_paid" and body.get("idempotency_key") == notice.idempotency_key:
                return
            self._raise_for(response)
        if response.status_code not in (200, 201):  # 201 recorded, 200 the same key again
            raise self._misconfigured(f"payment answered {response.status_code}")
        answer = _Reader(self.agency_code, "payment answer", self._object(response))
        answer.text("agency_ref")
        answer.status("status")  # what the agency did next comes as the case's next event

    async def _event_time(self, agency_ref: str, seq: int) -> dt.datetime | None:
        """The agency's time of event `seq`; None when the agency cannot tell us now (the
        cancellation happened regardless: this must not turn it into an error)."""
        try:
            report = await self.status(agency_ref)
        except ConnectorError:
            return None
        return next((event.at for event in report.events if event.seq == seq), None)

    async def document(self, document_id: str) -> bytes:
        response = await self._call("GET", f"{API}/documents/{_segment(document_id)}")
        if not response.content:
            raise self._misconfigured(f"document {document_id!r} came back empty")
        return response.content

    # -- for agency subclasses (once-only data and other reads) -----------------------------

    def now(self) -> dt.datetime:
        """The connector's time (its `clock`): when a record it reads was last true."""
        return self._clock.now()

    async def fetch(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> Mapping[str, Any]:
        """GET `path` (below the agency's root) with our credentials; the JSON object answered
        (a JSON list is given as {"items": [...]})."""
        response = await self._call("GET", path, params=dict(params or {}))
        body = self._json(response)
        if isinstance(body, list):
            return {"items": body}
        if not isinstance(body, dict):
            raise self._misconfigured(f"{path} answered {type(body).__name__}, not an object")
        return body

    async def post(
        self, path: str, body: Mapping[str, Any], *, idempotency_key: str
    ) -> Mapping[str, Any]:
        """POST `body` as JSON to `path` (below the agency's root) with our credentials and
        the Idempotency-Key; the JSON object answered."""
        response = await self._call(
            "POST", path, json=dict(body), headers={"Idempotency-Key": idempotency_key}
        )
        return self._object(response)

    def unknown_kind(self, kind: str, kinds: frozenset[str]) -> AgencyMisconfigured:
        return self._misconfigured(
            f"no once-only data of kind {kind!r} here (known: {', '.join(sorted(kinds))})"
        )

    # -- the exchange itself ----------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, passthrough: frozenset[int] = frozenset(), **kwargs: Any
    ) -> httpx.Response:
        """The call with the current token; on a 401, validate again and retry once. An
        answer whose status is in `passthrough` is the caller's to read, not raised."""
        extra_headers: dict[str, str] = kwargs.pop("headers", None) or {}
        token: str | None = None
        for _ in range(2):
            token = await self._current_token(stale=token)
            headers = {**extra_headers, "Consumer-Key": self.config.consumer_key, "Token": token}
            response = await self._send(method, path, headers=headers, **kwargs)
            if response.status_code != 401:
                if response.status_code not in passthrough:
                    self._raise_for(response)
                return response
        raise self._misconfigured(
            f"a freshly validated token was refused ({_error(response)[0] or 401})"
        )

    async def _current_token(self, *, stale: str | None) -> str:
        """The token to use; a new one when `stale` (refused) is still the current one. Calls
        that waited on the lock while another renewed it take the renewed token."""
        async with self._token_lock:
            if self._token is None or self._token == stale:
                secret = self.config.consumer_secret.get_secret_value()
                params, headers = (
                    {"AgentID": self.config.agent_id},
                    {"Consumer-Key": self.config.consumer_key},
                )
                if self._credentials_in == "query":
                    params = {"ConsumerSecret": secret, **params}
                else:
                    headers["Consumer-Secret"] = secret
                response = await self._send(
                    "GET", "/gdx/auth/validate", params=params, headers=headers
                )
                if response.status_code == 401:
                    code = _error(response)[0] or "401"
                    raise self._misconfigured(f"our consumer key or secret was refused ({code})")
                self._raise_for(response)
                token = self._object(response).get("Result")
                if not isinstance(token, str) or not token:
                    raise self._misconfigured("validate answered without a token")
                self._token = token
            return self._token

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise AgencyUnavailable(
                self.agency_code, f"no answer within {self.config.timeout_seconds}s"
            ) from exc
        except httpx.RequestError as exc:
            raise AgencyUnavailable(
                self.agency_code, f"cannot reach the agency: {type(exc).__name__}"
            ) from exc

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if status == 429 or status >= 500:
            raise AgencyUnavailable(
                self.agency_code, f"agency answered {status}", retry_after=_retry_after(response)
            )
        if status in (401, 403):
            refused = _error(response)[0] or str(status)
            raise self._misconfigured(f"the agency refused our credentials ({refused})")
        if status < 400:
            raise self._misconfigured(f"unexpected HTTP {status} (a redirect: wrong base_url?)")
        code, message, body = _error(response)
        if code is None:
            raise self._misconfigured(f"HTTP {status} without an error code (wrong base_url?)")
        if code == "not_our_case":
            responsible = body.get("responsible_agency")
            if not isinstance(responsible, str) or not responsible.strip():
                raise self._misconfigured("not_our_case without the responsible_agency")
            raise NotOurCase(
                self.agency_code, message, responsible_agency=responsible.strip().upper()
            )
        raise AgencyRejected(self.agency_code, message, code=code)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            raise AgencyUnavailable(self.agency_code, "the agency sent a garbled reply") from exc

    def _object(self, response: httpx.Response) -> dict[str, Any]:
        body = self._json(response)
        if not isinstance(body, dict):
            raise self._misconfigured(f"expected a JSON object, got {type(body).__name__}")
        return body

    def _misconfigured(self, message: str) -> AgencyMisconfigured:
        return AgencyMisconfigured(self.agency_code, message)


def _submission_body(submission: Submission) -> dict[str, Any]:
    deemed = submission.deemed_received_at
    return {
        "application_number": submission.application_number,
        "application_id": submission.application_id,
        "service_id": submission.service_id,
        "unit_code": submission.unit_code,
        "applicant": asdict(submission.applicant),
        "form": dict(submission.form),
        "attachments": [attachment_json(a) for a in submission.attachments],
        "arrived_at": submission.arrived_at.isoformat(),
        "deemed_received_at": deemed.isoformat() if deemed is not None else None,
        "callback_url": submission.callback_url,
    }


def _payment_body(notice: PaymentNotice) -> dict[str, Any]:
    return {
        "idempotency_key": notice.idempotency_key,
        "reference": notice.reference,
        "payment_id": notice.payment_id,
        "receipt_number": notice.receipt_number,
        "amount_satang": notice.amount_satang,
        "fees": [asdict(fee) for fee in notice.fees],
        "paid_at": notice.paid_at.isoformat(),
        "channel": notice.channel,
    }


def _segment(value: str) -> str:
    """One path segment: an agency's reference cannot reach another path."""
    if not value:
        raise ValueError("an empty reference")
    return quote(value, safe="")


def pid_segment(pid: str) -> str:
    """A national ID as a path segment (13 digits, nothing else)."""
    if not (len(pid) == 13 and pid.isascii() and pid.isdigit()):
        raise ValueError("a national ID is 13 digits")
    return pid


def _error(response: httpx.Response) -> tuple[str | None, str, dict[str, Any]]:
    """(code, message, body) of an error answer `{"error", "message"}`. FastAPI's
    `{"detail": {"error", "message"}}` is read the same way."""
    try:
        body = response.json()
    except ValueError:
        return None, f"HTTP {response.status_code}", {}
    if isinstance(body, dict) and isinstance(body.get("detail"), dict) and "error" not in body:
        body = body["detail"]
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None, f"HTTP {response.status_code}", body if isinstance(body, dict) else {}
    code: str = body["error"]
    message = body.get("message")
    return code, message if isinstance(message, str) and message else code, body


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:  # an HTTP date: rare from an API; the backoff decides instead
        return None
    return seconds if 0 <= seconds < 86_400 else None


class _Reader:
    """Reads the documented fields of an answer; a missing or mistyped field breaks the
    contract (AgencyMisconfigured naming the field), never a KeyError."""

    def __init__(self, agency: str, what: str, body: Mapping[str, Any]) -> None:
        self.agency = agency
        self.what = what
        self.body = body

    def _bad(self, key: str, expected: str, where: Mapping[str, Any] | None = None) -> NoReturn:
        value = (self.body if where is None else where).get(key)
        raise AgencyMisconfigured(
            self.agency, f"{self.what}: {key!r} should be {expected}, got {value!r}"
        )

    def text(self, key: str, where: Mapping[str, Any] | None = None) -> str:
        value = (self.body if where is None else where).get(key)
        if not isinstance(value, str) or not value:
            self._bad(key, "a non-empty string", where)
        return value

    def optional_str(self, key: str) -> str | None:
        return None if self.body.get(key) is None else self.text(key)

    def whole(self, key: str, where: Mapping[str, Any] | None = None) -> int:
        value = (self.body if where is None else where).get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self._bad(key, "a whole number", where)
        return value

    def status(self, key: str, where: Mapping[str, Any] | None = None) -> AgencyStatus:
        value = (self.body if where is None else where).get(key)
        if not isinstance(value, str) or value not in _STATUSES:
            self._bad(key, "an agency status", where)
        return AgencyStatus(value)

    def instant(self, key: str, where: Mapping[str, Any] | None = None) -> dt.datetime:
        value = (self.body if where is None else where).get(key)
        try:
            parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None or parsed.utcoffset() is None:
            self._bad(key, "an ISO 8601 time with its offset", where)
        return parsed

    def optional_time(self, key: str) -> dt.datetime | None:
        return None if self.body.get(key) is None else self.instant(key)

    def objects(self, key: str, *, required: bool = True) -> list[Mapping[str, Any]]:
        value = self.body.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self._bad(key, "a list of objects")
        return value

    def fee(self, item: Mapping[str, Any]) -> Fee:
        return Fee(label=self.text("label", item), amount_satang=self.whole("amount_satang", item))

    def event(self, item: Mapping[str, Any]) -> AgencyEvent:
        data = item.get("data")
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self._bad("data", "an object", item)
        return AgencyEvent(
            seq=self.whole("seq", item),
            at=self.instant("at", item),
            status=self.status("status", item),
            data=data,
        )


#: `ConnectorConfig.options` keys naming a once-only data endpoint: `once_only.<kind>`, the
#: value a path below the agency's root with `{pid}` where the citizen's ID goes.
ONCE_ONLY_OPTION = "once_only."


class OnceOnlyCasework(CaseworkConnector):
    """A Case API agency whose once-only data endpoints come from configuration: `kind` is
    `GET {base}{path}` with the citizen's ID in the path and the call's params as the query."""

    def __init__(
        self,
        config: ConnectorConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(config, transport, clock=clock)
        self._paths = once_only_paths(config)
        self.once_only_kinds = frozenset(self._paths)

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self._paths:
            raise self.unknown_kind(kind, self.once_only_kinds)
        query = {key: value for key, value in params.items() if isinstance(value, str | int)}
        return await self.fetch(self._paths[kind].format(pid=pid_segment(pid)), query)


def once_only_paths(config: ConnectorConfig) -> dict[str, str]:
    """The once-only kinds `config.options` declares, each with its path template."""
    paths: dict[str, str] = {}
    for key, path in config.options.items():
        if not key.startswith(ONCE_ONLY_OPTION):
            continue
        kind = key.removeprefix(ONCE_ONLY_OPTION)
        if not kind or not path.startswith("/") or "{pid}" not in path:
            raise ValueError(
                f"option {key}={path!r}: once_only.<kind> is a path like /api/v1/<what>/{{pid}}"
            )
        paths[kind] = path
    return paths


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> CaseworkConnector:
    """The shared connector of any agency that speaks the Case API v1, for an entry point
    that needs no Python of its own (`DOEX = "connectors.api.casework:create"`): cases, answers,
    payments, cancellation and documents, and the once-only data its configuration declares
    (`once_only.<kind>` options; none: the connector offers none)."""
    if once_only_paths(config):
        return OnceOnlyCasework(config, transport)
    return CaseworkConnector(config, transport)

"""The analysers: pure functions over what a certification run recorded (the exchanges between
the connector and its agency, the callbacks the agency sent, the connector's configuration)
that give the run's findings (`findings.FINDINGS`). Each finding carries up to
`MAX_EVIDENCE` exchanges as evidence, masked (`traffic.Masker`).

    secret_in_url             a consumer secret, a token, or a parameter named like a
                              credential in a request URL (query or path)
    personal_data_in_url      a valid national ID in a request URL
    plain_http                an http:// agency address (info on loopback or a .test host)
    server_error_for_refusal  a 5xx answer carrying a business reason code {"error": …}
    status_outside_vocabulary a status a Case API answer or a callback gives that
                              connectors.base.AgencyStatus does not have
    slower_than_declared      an answer slower than the connector's declared timeout
    not_idempotent            the same Idempotency-Key answered with two different cases
    callback_findings         callback-unsigned, -replayable, -stale-timestamp
    tls_not_required          (from `TlsProbe`, which `certify()` runs)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from stdnum.th import pin

from connectors.base import AgencyStatus
from connectors.certification.callbacks import ReceivedCallback
from connectors.certification.findings import finding
from connectors.certification.results import Evidence, Finding, Severity
from connectors.certification.traffic import Exchange, Masker, excerpt, secret_named
from connectors.config import ConnectorConfig

MAX_EVIDENCE = 3
#: The window the gateway accepts a callback's X-Timestamp in (gateway/forwarding/signing.py).
FRESHNESS_SECONDS = 300
#: 5xx bodies' codes that say "something broke here", not why the agency refuses.
GENERIC_ERRORS = frozenset(
    {
        "error",
        "internal",
        "internal_error",
        "internal_server_error",
        "server_error",
        "unavailable",
        "service_unavailable",
        "agency_unavailable",
        "temporarily_unavailable",
        "gateway_unavailable",
        "bad_gateway",
        "gateway_timeout",
        "timeout",
        "maintenance",
        "overloaded",
        "http_error",
        "unknown_error",
    }
)
_CODE = re.compile(r"[a-z][a-z0-9]*(?:[_.:-][a-z0-9]+)*")
_DIGITS = re.compile(r"(?<![0-9])[0-9]{13}(?![0-9])")
_STATUSES = frozenset(status.value for status in AgencyStatus)
#: Hosts that are this machine, or reserved for testing (RFC 2606/6761): a local test agency.
_LOCAL_SUFFIXES = (".localhost", ".test")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _evidence(
    exchanges: Sequence[Exchange], masker: Masker, note: str = "", headers: Sequence[str] = ()
) -> list[Evidence]:
    return [e.evidence(masker, note, headers=headers) for e in exchanges[:MAX_EVIDENCE]]


# -- URLs ---------------------------------------------------------------------------------


def _url_parts(url: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(the decoded path segments, the decoded query parameters)."""
    parts = urlsplit(url)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    return segments, parse_qsl(parts.query, keep_blank_values=True)


def _known_tokens(exchanges: Iterable[Exchange]) -> set[str]:
    """The credential values the connector sent in headers named like one (a Token)."""
    return {
        value
        for exchange in exchanges
        for name, value in exchange.request_headers
        if secret_named(name) and len(value) >= 8
    }


def secret_in_url(
    exchanges: Sequence[Exchange], config: ConnectorConfig, masker: Masker
) -> list[Finding]:
    secret = config.consumer_secret.get_secret_value()
    tokens = _known_tokens(exchanges) | ({secret} if len(secret) >= 4 else set())
    seen: list[Exchange] = []
    why: list[str] = []
    for exchange in exchanges:
        segments, query = _url_parts(exchange.url)
        named = sorted({name for name, value in query if secret_named(name) and value})
        carried = any(
            token in value for token in tokens for value in [*segments, *(v for _, v in query)]
        )
        if named or carried:
            seen.append(exchange)
            why.append(f"query parameter {', '.join(named)}" if named else "a credential's value")
    if not seen:
        return []
    names = sorted(set(why))
    return [
        finding(
            "secret-in-url",
            f"{len(seen)} request(s) carried {' and '.join(names)} in the URL: proxies, load "
            "balancers and the agency's access logs keep it. Send credentials in a header "
            "(the Case API's Consumer-Secret; options.credentials_in=header, the default).",
            _evidence(seen, masker),
        )
    ]


def personal_data_in_url(exchanges: Sequence[Exchange], masker: Masker) -> list[Finding]:
    seen: list[Exchange] = []
    where: set[str] = set()
    for exchange in exchanges:
        segments, query = _url_parts(exchange.url)
        in_path = any(pin.is_valid(m) for s in segments for m in _DIGITS.findall(s))
        in_query = sorted({n for n, v in query for m in _DIGITS.findall(v) if pin.is_valid(m)})
        if in_path or in_query:
            seen.append(exchange)
            if in_path:
                where.add(f"{urlsplit(exchange.url).path.rsplit('/', 2)[-2] or '/'}/{{pid}} paths")
            where.update(f"the {name} parameter" for name in in_query)
    if not seen:
        return []
    return [
        finding(
            "personal-data-in-url",
            f"{len(seen)} request(s) carried a national ID in the URL "
            f"({', '.join(sorted(where))}): "
            "access logs keep URLs longer and more widely than bodies. Prefer a POST body or a "
            "header for lookups by national ID.",
            _evidence(seen, masker),
        )
    ]


def is_local_host(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http(base_url: str, exchanges: Sequence[Exchange], masker: Masker) -> list[Finding]:
    parts = urlsplit(base_url)
    if parts.scheme != "http":
        return []
    sent = [e for e in exchanges if urlsplit(e.url).scheme == "http"]
    host = parts.hostname or ""
    if is_local_host(host):
        return [
            finding(
                "plain-http",
                f"the agency is reached at {masker.url(base_url)} over plain HTTP; {host} is "
                "this machine or a test host, so this is a local test agency. A production "
                "agency must be reached over https://.",
                _evidence(sent, masker),
                severity=Severity.INFO,
            )
        ]
    return [
        finding(
            "plain-http",
            f"the agency is reached at {masker.url(base_url)} over plain HTTP: credentials, "
            "tokens and citizens' data cross the network readable by anyone on the path. Use "
            "https://.",
            _evidence(sent, masker),
        )
    ]


def _reason_code(body: bytes) -> str | None:
    data = _json(body)
    if isinstance(data, dict) and "error" not in data and isinstance(data.get("detail"), dict):
        data = data["detail"]
    if not isinstance(data, dict):
        return None
    code = data.get("error") if isinstance(data.get("error"), str) else data.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code) or code in GENERIC_ERRORS:
        return None
    return code


def server_error_for_refusal(exchanges: Sequence[Exchange], masker: Masker) -> list[Finding]:
    seen = [
        (e, code)
        for e in exchanges
        if e.status is not None and e.status >= 500 and (code := _reason_code(e.response_body))
    ]
    if not seen:
        return []
    codes = sorted({code for _, code in seen})
    return [
        finding(
            "server-error-for-refusal",
            f"{len(seen)} answer(s) with HTTP 5xx carried a business reason code "
            f"({', '.join(codes)}): a 5xx means the agency is down, so the gateway retries "
            "(and opens its circuit breaker) instead of telling the citizen. Answer refusals "
            "with 4xx (409/422) and the code.",
            _evidence([e for e, _ in seen], masker),
        )
    ]


def _statuses(body: Any) -> list[str]:
    """The status values of a Case API answer: its own and its events'."""
    if not isinstance(body, dict):
        return []
    found = [body["status"]] if isinstance(body.get("status"), str) else []
    events = body.get("events")
    if isinstance(events, list):
        found += [
            e["status"] for e in events if isinstance(e, dict) and isinstance(e.get("status"), str)
        ]
    return found


def status_outside_vocabulary(
    exchanges: Sequence[Exchange], callbacks: Sequence[ReceivedCallback], masker: Masker
) -> list[Finding]:
    answers = [
        (e, bad)
        for e in exchanges
        if e.status is not None
        and 200 <= e.status < 300
        and "/applications" in urlsplit(e.url).path
        and (bad := [s for s in _statuses(_json(e.response_body)) if s not in _STATUSES])
    ]
    told = [
        (c, bad)
        for c in callbacks
        if (bad := [s for s in _statuses(dict(c.payload())) if s not in _STATUSES])
    ]
    if not answers and not told:
        return []
    unknown = sorted({s for _, bad in [*answers, *told] for s in bad})
    evidence = _evidence([e for e, _ in answers], masker)
    evidence += [_callback_evidence(c, masker) for c, _ in told[: MAX_EVIDENCE - len(evidence)]]
    return [
        finding(
            "status-outside-vocabulary",
            f"statuses {', '.join(repr(s) for s in unknown)} in {len(answers)} answer(s) and "
            f"{len(told)} callback(s) are not the portal's ({', '.join(sorted(_STATUSES))}): "
            "the gateway cannot apply them. Map the agency's own states onto these.",
            evidence,
        )
    ]


def declared_limit(config: ConnectorConfig) -> float:
    """The longest one answer may take: the connector's timeout, or its attempt timeout."""
    return min(config.timeout_seconds, config.policy.attempt_timeout_seconds)


def slower_than_declared_finding(
    what: str, seconds: float, limit: float, evidence: Iterable[Evidence] = ()
) -> Finding:
    """The `slower-than-declared` finding for `what` (e.g. "a burst of 50 filings: p95")
    taking `seconds` against the declared `limit` (the performance checks report theirs
    through this)."""
    return finding(
        "slower-than-declared",
        f"{what} took {seconds:.2f} s; the connector declares {limit:g} s. Raise the "
        "declared timeout (timeout_seconds, policy.attempt_timeout_seconds) to what the "
        "agency needs, or make the agency answer sooner.",
        evidence,
    )


def slower_than_declared(
    exchanges: Sequence[Exchange], config: ConnectorConfig, masker: Masker
) -> list[Finding]:
    limit = declared_limit(config)
    slow = sorted(
        (e for e in exchanges if e.elapsed_seconds > limit),
        key=lambda e: e.elapsed_seconds,
        reverse=True,
    )
    if not slow:
        return []
    return [
        slower_than_declared_finding(
            f"{len(slow)} exchange(s), the slowest", slow[0].elapsed_seconds, limit,
            _evidence(slow, masker),
        )
    ]  # fmt: skip


def not_idempotent(exchanges: Sequence[Exchange], masker: Masker) -> list[Finding]:
    by_key: dict[tuple[str, str], list[tuple[Exchange, str]]] = defaultdict(list)
    for e in exchanges:
        key = e.header("Idempotency-Key")
        body = _json(e.response_body)
        if (
            e.method == "POST"
            and key
            and e.status is not None
            and 200 <= e.status < 300
            and isinstance(body, dict)
            and isinstance(body.get("agency_ref"), str)
        ):
            by_key[urlsplit(e.url).path, key].append((e, body["agency_ref"]))
    twice = [seen for seen in by_key.values() if len({ref for _, ref in seen}) > 1]
    if not twice:
        return []
    first = twice[0]
    refs = ", ".join(dict.fromkeys(ref for _, ref in first))
    return [
        finding(
            "not-idempotent",
            f"{len(twice)} idempotency key(s) sent again made another case (e.g. {refs}): "
            "the gateway repeats a call whose answer it lost, and each repeat would file the "
            "citizen's application again. Keep each key's first answer and give it again.",
            _evidence([e for e, _ in first], masker, headers=("Idempotency-Key",)),
        )
    ]


# -- callbacks ------------------------------------------------------------------------------


def _callback_evidence(callback: ReceivedCallback, masker: Masker, note: str = "") -> Evidence:
    shown = [
        (name, value)
        for name, value in callback.headers
        if name.lower() in {"x-agency", "x-timestamp", "x-nonce", "x-signature"}
    ]
    missing = [h for h in ("X-Signature", "X-Nonce", "X-Timestamp") if callback.header(h) is None]
    headers = masker.headers(shown) + "".join(f", no {h}" for h in missing)
    body = excerpt(masker.text(callback.body.decode("utf-8", "replace")))  # masked, then cut
    return Evidence(
        request=f"{callback.method} {masker.url(callback.path)} ({headers.lstrip(', ')}) {body}",
        response="200 (the certification receiver acknowledges every callback)",
        note=masker.text(note),
    )


def _signature_ok(callback: ReceivedCallback, secret: str) -> bool:
    timestamp, nonce = callback.header("X-Timestamp"), callback.header("X-Nonce")
    signature = callback.header("X-Signature") or ""
    if timestamp is None or nonce is None or not signature.startswith("v1="):
        return False
    message = f"{timestamp}.{nonce}.".encode() + callback.body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature[3:])


def _timestamp(callback: ReceivedCallback) -> int | None:
    raw = callback.header("X-Timestamp")
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None


def callback_findings(
    callbacks: Sequence[ReceivedCallback], callback_secret: str | None, masker: Masker
) -> list[Finding]:
    """callback-unsigned (no X-Signature, or with the secret: a wrong one), callback-replayable
    (no X-Nonce, or a nonce and signature seen before), callback-stale-timestamp (X-Timestamp
    missing or outside ±300 s of the time it arrived)."""
    found: list[Finding] = []
    unsigned: list[tuple[ReceivedCallback, str]] = []
    replayable: list[tuple[ReceivedCallback, str]] = []
    stale: list[tuple[ReceivedCallback, str]] = []
    seen: set[tuple[str, str]] = set()
    for callback in callbacks:
        signature, nonce = callback.header("X-Signature"), callback.header("X-Nonce")
        if signature is None:
            unsigned.append((callback, "no X-Signature"))
        elif callback_secret is not None and not _signature_ok(callback, callback_secret):
            unsigned.append(
                (callback, "X-Signature does not match the body with the callback secret")
            )
        if nonce is None:
            replayable.append((callback, "no X-Nonce: the same callback can be sent again"))
        elif (nonce, signature or "") in seen:
            replayable.append((callback, f"nonce {nonce} and its signature came before"))
        else:
            seen.add((nonce, signature or ""))
        stamp = _timestamp(callback)
        if stamp is None:
            stale.append((callback, "no X-Timestamp (unix seconds)"))
        elif abs(callback.received_at - stamp) > FRESHNESS_SECONDS:
            off = callback.received_at - stamp
            stale.append(
                (
                    callback,
                    f"X-Timestamp {stamp} is {abs(off):.0f} s "
                    f"{'behind' if off > 0 else 'ahead of'} the time it arrived",
                )
            )
    total = len(callbacks)
    for finding_id, hits, advice in (
        ("callback-unsigned", unsigned, "the gateway refuses it (401), so the case is only "
         "learnt by polling; anyone who knows the URL could forge one. Sign each callback: "
         'X-Signature: v1=hex HMAC-SHA256(callback secret, "<X-Timestamp>.<X-Nonce>." + body).'),
        ("callback-replayable", replayable, "a captured callback could be sent again. Send "
         "a fresh X-Nonce (16+ URL-safe characters) with every attempt, signed."),
        ("callback-stale-timestamp", stale, f"the gateway refuses a timestamp more than "
         f"{FRESHNESS_SECONDS} s from its clock. Stamp each attempt with the current time "
         "(and keep the agency's clock synchronised)."),
    ):  # fmt: skip
        if hits:
            found.append(
                finding(
                    finding_id,
                    f"{len(hits)} of {total} callback(s): {hits[0][1]}; {advice}",
                    [_callback_evidence(c, masker, why) for c, why in hits[:MAX_EVIDENCE]],
                )
            )
    return found


# -- TLS --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsProbe:
    """What a connector configured for production (`require_tls`) did with an http:// agency
    address: `refused` it (at construction or at its first call, before sending anything),
    or sent `sent` (the requests it made over plain HTTP)."""

    url: str
    refused: bool
    how: str  # the refusal, or what the connector did instead
    sent: tuple[Exchange, ...] = ()


def tls_not_required(probe: TlsProbe | None, masker: Masker) -> list[Finding]:
    if probe is None or probe.refused:
        return []
    return [
        finding(
            "tls-not-required",
            f"configured for production (require_tls) with the agency at {masker.url(probe.url)}, "
            f"the connector {probe.how}. It must refuse an http:// address "
            "(AgencyMisconfigured) when require_tls is set.",
            _evidence(list(probe.sent), masker),
        )
    ]


# -- all of them ------------------------------------------------------------------------------


def analyse(
    exchanges: Sequence[Exchange],
    config: ConnectorConfig,
    *,
    callbacks: Sequence[ReceivedCallback] = (),
    callback_secret: str | None = None,
    tls: TlsProbe | None = None,
    masker: Masker,
) -> list[Finding]:
    """Every finding the recorded run shows, the worst first."""
    found = [
        *secret_in_url(exchanges, config, masker),
        *personal_data_in_url(exchanges, masker),
        *plain_http(config.base_url, exchanges, masker),
        *tls_not_required(tls, masker),
        *server_error_for_refusal(exchanges, masker),
        *status_outside_vocabulary(exchanges, callbacks, masker),
        *slower_than_declared(exchanges, config, masker),
        *not_idempotent(exchanges, masker),
        *callback_findings(callbacks, callback_secret, masker),
    ]
    return sorted(found, key=lambda f: f.severity.rank)

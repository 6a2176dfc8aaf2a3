"""What a certification run sees of the traffic between the connector and its agency.

`TrafficRecorder` is an httpx transport that wraps the connector's own (or the network, through
the proxy the environment names: `EnvironmentNetwork`) and
records every exchange: the method, the URL, the request's headers and body (an excerpt), the
answer's status, headers and body (an excerpt), and how long it took. `certify()` builds the
subject's connector again on a recorder, so the analysers (`analysis.py`) can judge what went
over the wire rather than what the connector made of it.

`Masker` masks what a report must never show: national IDs (13 digits, bare or written
1-2345-67890-12-3) become `1-2345-xxxxx-xx-3`, a longer run of digits becomes stars; secrets
become `***` wherever they appear (the configured consumer secret, and every value a header or
query parameter named like a credential carried: `Token`, `Consumer-Secret`, `ConsumerSecret`,
`X-Signature`, …). Evidence is only ever rendered through it.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

import httpx

from connectors.certification.results import Evidence

#: How much of a body is kept (and how much evidence shows).
BODY_EXCERPT_BYTES = 4096
EVIDENCE_BODY_CHARS = 200
MASK = "***"
#: Header and query parameter names whose values are credentials.
_SECRET_NAME = re.compile(r"secret|token|key|passw|signature|authori[sz]ation|cookie", re.I)
#: Named like one, but not a credential: kept (evidence needs it).
_NOT_SECRET = frozenset({"idempotency-key", "x-idempotency-key"})
#: A national ID, bare or with the usual dashes or spaces (1-2345-67890-12-3).
_PID = re.compile(
    r"(?<![0-9])([0-9])[- ]?([0-9]{4})[- ]?([0-9]{5})[- ]?([0-9]{2})[- ]?([0-9])(?![0-9])"
)
_LONG_DIGITS = re.compile(r"[0-9]{13,}")


def secret_named(name: str) -> bool:
    """Whether a header or query parameter called `name` carries a credential."""
    return name.lower() not in _NOT_SECRET and bool(_SECRET_NAME.search(name))


def mask_pids(text: str) -> str:
    """National IDs shown as 1-2345-xxxxx-xx-3; any longer run of digits as stars."""
    text = _LONG_DIGITS.sub(
        lambda m: m.group(0) if len(m.group(0)) == 13 else "*" * len(m.group(0)), text
    )
    return _PID.sub(lambda m: f"{m.group(1)}-{m.group(2)}-xxxxx-xx-{m.group(5)}", text)


class Masker:
    """Masks national IDs and the secrets it knows of (see the module docstring)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.learn(secret)

    @property
    def known(self) -> frozenset[str]:
        """The secrets it masks."""
        return frozenset(self._secrets)

    def learn(self, secret: str | None) -> None:
        """Mask `secret` from now on (too short a value would mask everything: ignored)."""
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def learn_from(self, exchange: Exchange) -> None:
        for name, value in exchange.request_headers:
            if secret_named(name):
                self.learn(value)
        for name, value in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True):
            if secret_named(name):
                self.learn(value)

    def text(self, text: str) -> str:
        text = mask_pids(text)
        variants = {
            variant
            for secret in self._secrets
            for variant in (secret, quote(secret, safe=""), quote_plus(secret), quote(secret))
        }
        for variant in sorted(variants, key=len, reverse=True):
            text = text.replace(variant, MASK)
        return text

    def url(self, url: str) -> str:
        """`url` with its path segments and query values masked (decoded first, so an
        encoded secret is found too), then the whole of it as text."""
        parts = urlsplit(url)
        path = "/".join(
            quote(self.text(unquote(segment)), safe="*-") for segment in parts.path.split("/")
        )
        query = [
            (name, MASK if secret_named(name) else self.text(value))
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        masked = urlunsplit(
            (parts.scheme, parts.netloc, path, urlencode(query, safe="*-"), parts.fragment)
        )
        return self.text(masked)

    def headers(self, headers: Iterable[tuple[str, str]]) -> str:
        return ", ".join(
            f"{name}: {MASK if secret_named(name) else self.text(value)}" for name, value in headers
        )


@dataclass(frozen=True)
class Exchange:
    """One request the connector made and what came back (`status` None: no answer)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    status: int | None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    elapsed_seconds: float = 0.0
    error: str = ""  # why there was no answer (a connect error, a timeout)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.request_headers if k.lower() == name.lower()), None)

    def evidence(self, masker: Masker, note: str = "", *, headers: Sequence[str] = ()) -> Evidence:
        """The exchange as a report shows it, masked; `headers` names request headers to show."""
        request = f"{self.method} {masker.url(self.url)}"
        shown = [
            (k, v) for k, v in self.request_headers if k.lower() in {h.lower() for h in headers}
        ]
        if shown:
            request += f" ({masker.headers(shown)})"
        if self.status is None:
            response = masker.text(f"no answer: {self.error}") if self.error else ""
        else:
            # Masked before it is cut: a cut through a national ID or a secret would leave
            # the part before the cut for no pattern to find.
            body = excerpt(masker.text(self.response_body.decode("utf-8", "replace").strip()))
            response = f"{self.status} {body}".strip() + f" ({self.elapsed_seconds:.2f} s)"
        return Evidence(request=request, response=response, note=masker.text(note))


def excerpt(text: str) -> str:
    """At most EVIDENCE_BODY_CHARS of `text` (already masked), an ellipsis where it is cut."""
    return text if len(text) <= EVIDENCE_BODY_CHARS else text[: EVIDENCE_BODY_CHARS - 1] + "…"


def _excerpt(body: bytes) -> bytes:
    return body[:BODY_EXCERPT_BYTES]


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether NO_PROXY (`*`, or names: `example.org` and `.example.org` cover the name and
    every name under it; a `:port` is ignored) sends `host` directly."""
    host = host.lower().rstrip(".")
    for entry in no_proxy.split(","):
        name = entry.strip().lower()
        if name == "*":
            return True
        name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name.strip("[]")
        name = name.lstrip(".").rstrip(".")
        if name and (host == name or host.endswith(f".{name}")):
            return True
    return False


class EnvironmentNetwork(httpx.AsyncBaseTransport):
    """The network as a connector built without a transport reaches it (httpx's default):
    through the proxy the environment names for the URL's scheme (HTTP_PROXY, HTTPS_PROXY,
    ALL_PROXY), directly for the hosts NO_PROXY lists. A recorded run goes the way the
    gateway's own connectors would."""

    def __init__(self, environment: Mapping[str, str] | None = None) -> None:
        self._proxies = (
            urllib.request.getproxies_environment() if environment is None else dict(environment)
        )
        self._transports: dict[str | None, httpx.AsyncHTTPTransport] = {}

    def proxy_for(self, url: httpx.URL) -> str | None:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or _bypassed(url.host, self._proxies.get("no", "")):
            return None
        return proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.proxy_for(request.url)
        transport = self._transports.get(proxy)
        if transport is None:
            transport = self._transports[proxy] = httpx.AsyncHTTPTransport(proxy=proxy)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.aclose()


@dataclass
class TrafficRecorder(httpx.AsyncBaseTransport):
    """Records every exchange through `inner` (None: the network). Connectors close their
    client's transport when they close; this one stays open for the run's other connectors
    (`close()` ends it, and the network transport it made)."""

    inner: httpx.AsyncBaseTransport | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    _own: httpx.AsyncBaseTransport | None = field(default=None, init=False, repr=False)

    @property
    def _transport(self) -> httpx.AsyncBaseTransport:
        if self.inner is not None:
            return self.inner
        if self._own is None:
            self._own = EnvironmentNetwork()
        return self._own

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sent = _excerpt(await request.aread())
        headers = tuple((k, v) for k, v in request.headers.multi_items())
        started = time.perf_counter()
        try:
            response = await self._transport.handle_async_request(request)
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
            await response.aclose()
        except Exception as exc:
            self.exchanges.append(
                Exchange(
                    method=request.method,
                    url=str(request.url),
                    request_headers=headers,
                    request_body=sent,
                    status=None,
                    elapsed_seconds=time.perf_counter() - started,
                    error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                )
            )
            raise
        elapsed = time.perf_counter() - started
        try:  # the body as the connector reads it (a gzip answer decoded)
            decoded = httpx.Response(
                response.status_code, headers=response.headers, content=raw
            ).read()
        except httpx.DecodingError:
            decoded = raw
        self.exchanges.append(
            Exchange(
                method=request.method,
                url=str(request.url),
                request_headers=headers,
                request_body=sent,
                status=response.status_code,
                response_headers=tuple(response.headers.multi_items()),
                response_body=_excerpt(decoded),
                elapsed_seconds=elapsed,
            )
        )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(raw),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        """A connector closing its client: the recorder stays open for the others."""

    async def close(self) -> None:
        if self._own is not None:
            await self._own.aclose()
            self._own = None


def masker_for(secrets: Iterable[str], exchanges: Iterable[Exchange]) -> Masker:
    """A masker that knows `secrets` and every credential the exchanges carried."""
    masker = Masker(secrets)
    for exchange in exchanges:
        masker.learn_from(exchange)
    return masker

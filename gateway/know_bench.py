"""How long `GET /v1/me/entitlements` takes, against a running gateway and mock agencies (e.g.
`make run`), over real HTTP: `citizen-gateway know bench`.

- warm: one citizen asks `calls` times in a row; every source's answer is in the gateway's
  short cache, so no agency is called.
- cold: `calls` different citizens each ask once, the first time since they signed in; every
  source agency is asked, all at once, each within the source timeout.
- cold with a slow agency (`--slow CODE`): as cold, with that agency's fault knob adding
  `--slow-ms` to each of its answers, so its facts come back `timed_out` and the answer waits
  only the timeout, not the agency.

Sign-ins and consents are made before the clock starts; only the entitlements call is timed.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.demo import DEMO_CITIZENS, DemoFailed, log_in

LOGINS_AT_ONCE = 8
#: Active cards in the default population (10,000 people, about 90 % active).
POPULATION_ACTIVE = 8_500


@dataclass(frozen=True)
class Timing:
    scenario: str
    calls: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    outcomes: dict[str, int]  # source outcomes over every call ("answered", "timed_out", ...)

    def row(self) -> str:
        seen = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (
            f"| {self.scenario} | {self.calls} | {self.p50_ms:.1f} | {self.p95_ms:.1f} | "
            f"{self.p99_ms:.1f} | {self.max_ms:.1f} | {seen} |"
        )


HEADER = (
    "| scenario | calls | p50 ms | p95 ms | p99 ms | max ms | source outcomes |\n"
    "|---|---|---|---|---|---|---|"
)


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timing(scenario: str, seconds: Sequence[float], outcomes: dict[str, int]) -> Timing:
    ms = [s * 1000 for s in seconds]
    return Timing(
        scenario,
        len(ms),
        statistics.median(ms),
        _quantile(ms, 0.95),
        _quantile(ms, 0.99),
        max(ms),
        outcomes,
    )


async def _entitlements(gateway: httpx.AsyncClient, token: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    r = await gateway.get("/v1/me/entitlements", headers={"Authorization": f"Bearer {token}"})
    took = time.perf_counter() - started
    if r.status_code != 200:
        raise DemoFailed(f"GET /v1/me/entitlements answered {r.status_code}: {r.text[:300]}")
    body: dict[str, Any] = r.json()
    return took, body


def _count(outcomes: dict[str, int], body: dict[str, Any]) -> None:
    for source in body["sources"]:
        outcomes[source["outcome"]] = outcomes.get(source["outcome"], 0) + 1


async def _signed_in(
    gateway: httpx.AsyncClient, agencies: httpx.AsyncClient, cards: Sequence[dict[str, str]]
) -> list[str]:
    """An access token for each card, with the entitlements consent given."""
    gate = asyncio.Semaphore(LOGINS_AT_ONCE)

    async def one(card: dict[str, str]) -> str:
        async with gate:
            # The card check alone: the entitlements need a signed-in citizen at any level,
            # and a thousand face scans would meet the matcher's false rejects, which count
            # towards the app's lockout (LOGIN_MAX_FAILURES_PER_CLIENT) as they should.
            tokens = await log_in(gateway, agencies, card, face=False)
            token = str(tokens["access_token"])
            r = await gateway.put(
                "/v1/me/consents/entitlements", headers={"Authorization": f"Bearer {token}"}
            )
            if r.status_code != 200:
                raise DemoFailed(f"consent answered {r.status_code}: {r.text[:300]}")
            return token

    return list(await asyncio.gather(*(one(card) for card in cards)))


async def _cards(agencies: httpx.AsyncClient, count: int, skip: int) -> list[dict[str, str]]:
    """`count` active ID cards of the simulated population, past the first `skip`."""
    found: list[dict[str, str]] = []
    offset = skip
    while len(found) < count:
        r = await agencies.get(
            "/device/id-cards",
            params={"status": "active", "offset": offset, "limit": min(1000, count)},
        )
        r.raise_for_status()
        page = r.json()["cards"]
        if not page:
            raise DemoFailed(f"the population has fewer than {count + skip} active cards")
        for card in page:
            found.append(
                {
                    "national_id": card["pid"],
                    "laser_code": card["laser"],
                    "first_name_th": card["first_name_th"],
                    "last_name_th": card["last_name_th"],
                    "birth_date_be": card["birth_date_be"],
                }
            )
        offset += len(page)
    return found[:count]


async def bench(
    gateway_url: str,
    agencies_url: str,
    *,
    calls: int,
    slow: str | None,
    slow_ms: int,
    slow_calls: int,
    say: Callable[[str], None],
) -> list[Timing]:
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=60) as gateway,
        httpx.AsyncClient(base_url=agencies_url, timeout=60) as agencies,
    ):
        timings = []
        (warm_token,) = await _signed_in(gateway, agencies, [DEMO_CITIZENS[0]])
        await _entitlements(gateway, warm_token)  # fills the cache
        seconds, outcomes = [], dict[str, int]()
        for _ in range(calls):
            took, body = await _entitlements(gateway, warm_token)
            seconds.append(took)
            _count(outcomes, body)
        timings.append(_timing("warm (one citizen, cached)", seconds, outcomes))
        say(timings[-1].row())

        # Citizens beyond the demo ones, a random slice each run (a citizen asked for within
        # the cache's bound would be warm, not cold), signed in just before their scenario
        # (access tokens live 15 minutes).
        rounds: list[tuple[str, int, str | None]] = [
            ("cold (each citizen's first call)", calls, None)
        ]
        if slow:
            rounds.append((f"cold, {slow} {slow_ms} ms slow", slow_calls, slow))
        total = sum(count for _, count, _ in rounds)
        cards = await _cards(
            agencies, total, 20 + secrets.randbelow(max(1, POPULATION_ACTIVE - 20 - total))
        )
        for name, count, slowed in rounds:
            batch, cards = cards[:count], cards[count:]
            say(f"signing in {count} citizens (not timed)...")
            tokens = await _signed_in(gateway, agencies, batch)
            if slowed:
                r = await agencies.put(f"/faults/{slowed}", json={"latency_ms": slow_ms})
                r.raise_for_status()
            try:
                seconds, outcomes = [], {}
                for token in tokens:
                    took, body = await _entitlements(gateway, token)
                    seconds.append(took)
                    _count(outcomes, body)
            finally:
                if slowed:
                    await agencies.put(f"/faults/{slowed}", json={})
            timings.append(_timing(name, seconds, outcomes))
            say(timings[-1].row())
        return timings

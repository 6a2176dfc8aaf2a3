"""The simulated phone as a login client sees it: face scans compared with the registry's
reference, liveness answers to the gateway's challenge, and the ID cards citizens hold."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest
from dopa_support import PRASERT, SOMCHAI, UNREGISTERED_PID, Host, serving

from mock_agencies.device.face import cosine_similarity

SCAN = "/device/face-scan"
THRESHOLD = 0.5
SCANS = 2000


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    async with serving() as serving_host:
        yield serving_host


def scan_request(pid: str, genuine: bool = True, spoof: bool = False) -> dict[str, object]:
    return {
        "pid": pid,
        "genuine": genuine,
        "challenge": {"nonce": "n-0001", "action": "turn_left"},
        "spoof": spoof,
    }


async def reference(host: Host, pid: str) -> list[float]:
    response = await host.client.post(
        "/dopa/gdx/linkage/face-reference", json={"pid": pid}, headers=await host.auth_headers()
    )
    template: list[float] = response.json()["template"]
    return template


async def similarities(
    host: Host, pid: str, genuine: bool, count: int
) -> list[tuple[float, float]]:
    """(similarity to the registry's reference, quality) of `count` scans claiming `pid`."""
    ref = await reference(host, pid)
    found = []
    for _ in range(count):
        response = await host.client.post(SCAN, json=scan_request(pid, genuine))
        assert response.status_code == 200
        body = response.json()
        found.append((cosine_similarity(ref, body["template"]), body["quality"]))
    return found


async def test_genuine_scans_pass_a_half_threshold_at_least_99_percent(host: Host) -> None:
    scans = await similarities(host, SOMCHAI["pid"] or "", genuine=True, count=SCANS)
    passed = [s for s, _ in scans if s >= THRESHOLD]
    assert len(passed) >= 0.99 * SCANS
    assert len(passed) < SCANS, "a few poor scans fail: the false-reject rate is not trivially 0"
    # The sensor's quality score gives the poor scans away.
    failed_quality = [q for s, q in scans if s < THRESHOLD]
    passed_quality = sorted(q for s, q in scans if s >= THRESHOLD)
    assert max(failed_quality) < 0.74 < passed_quality[len(passed_quality) // 100]


async def test_impostor_scans_stay_below_the_threshold_at_least_99_9_percent(host: Host) -> None:
    scans = await similarities(host, SOMCHAI["pid"] or "", genuine=False, count=SCANS)
    rejected = [s for s, _ in scans if s < THRESHOLD]
    assert len(rejected) >= 0.999 * SCANS
    assert max(s for s, _ in scans) > 0.2, "look-alikes make impostors more than pure noise"


async def test_scan_is_a_unit_template_with_a_quality_score(host: Host) -> None:
    body = (await host.client.post(SCAN, json=scan_request(SOMCHAI["pid"] or ""))).json()
    assert len(body["template"]) == 128
    assert math.isclose(math.sqrt(sum(x * x for x in body["template"])), 1.0, abs_tol=1e-5)
    assert 0.0 <= body["quality"] <= 1.0


async def test_liveness_echoes_the_nonce_and_performs_the_action(host: Host) -> None:
    request = scan_request(SOMCHAI["pid"] or "")
    request["challenge"] = {"nonce": "3f9a-unique", "action": "blink"}
    liveness = (await host.client.post(SCAN, json=request)).json()["liveness"]
    assert liveness == {"nonce": "3f9a-unique", "action": "blink", "live": True}


async def test_a_photo_held_to_the_camera_is_not_live(host: Host) -> None:
    pid = SOMCHAI["pid"] or ""
    ref = await reference(host, pid)
    body = (await host.client.post(SCAN, json=scan_request(pid, spoof=True))).json()
    assert body["liveness"] == {"nonce": "n-0001", "action": None, "live": False}
    # It is the right face, only not a live one: liveness is what must catch it.
    assert cosine_similarity(ref, body["template"]) >= THRESHOLD or body["quality"] < 0.7


async def test_genuine_scan_of_an_unknown_person_is_404_but_an_impostor_may_claim_it(
    host: Host,
) -> None:
    unknown = await host.client.post(SCAN, json=scan_request(UNREGISTERED_PID))
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "unknown_person"
    impostor = await host.client.post(SCAN, json=scan_request(UNREGISTERED_PID, genuine=False))
    assert impostor.status_code == 200
    assert len(impostor.json()["template"]) == 128


@pytest.mark.parametrize(
    "request_body",
    [
        {"pid": "1100100001014", "genuine": True},  # no challenge
        {"pid": "12345", "challenge": {"nonce": "n", "action": "blink"}},
        {"pid": "1100100001014", "challenge": {"nonce": "", "action": "blink"}},
        {"pid": "1100100001014", "challenge": {"nonce": "n", "action": "blink"}, "x": 1},
    ],
    ids=["no-challenge", "short-pid", "empty-nonce", "unknown-field"],
)
async def test_bad_scan_requests_are_refused(host: Host, request_body: dict[str, object]) -> None:
    assert (await host.client.post(SCAN, json=request_body)).status_code == 422


async def test_scans_repeat_for_the_same_seed_and_differ_for_another() -> None:
    async def templates(seed: int) -> list[list[float]]:
        async with serving(device_seed=seed) as host:
            return [
                (await host.client.post(SCAN, json=scan_request(pid, genuine))).json()["template"]
                for pid in (SOMCHAI["pid"] or "", PRASERT["pid"] or "")
                for genuine in (True, False)
            ]

    first = await templates(21)
    assert first == await templates(21)
    assert first != await templates(22)


async def test_device_is_not_an_agency_and_ignores_agency_faults(host: Host) -> None:
    await host.client.put("/faults/DOPA", json={"outage": True})
    assert (
        await host.client.post(SCAN, json=scan_request(SOMCHAI["pid"] or ""))
    ).status_code == 200
    assert (await host.client.put("/faults/DEVICE", json={"outage": True})).status_code == 404


async def test_device_never_serves_reference_templates(host: Host) -> None:
    for path in (
        "/device/face-reference-sample?n=10",
        "/device/face-reference",
        "/device/face-scan-batch",
    ):
        assert (await host.client.get(path)).status_code in {404, 405}


# --- the citizens' ID cards -----------------------------------------------------------------


async def test_id_cards_list_the_cards_citizens_hold(host: Host) -> None:
    page = (await host.client.get("/device/id-cards", params={"limit": 3})).json()
    assert page["total"] == len(host.population)
    assert (page["offset"], page["limit"]) == (0, 3)
    first = page["cards"][0]
    assert first == {
        "pid": "1100100001014",
        "laser": "JT0123456701",
        "laser_printed": "JT0-1234567-01",
        "title_th": "นาย",
        "first_name_th": "สมชาย",
        "last_name_th": "ใจดี",
        "title_en": "Mr.",
        "first_name_en": "Somchai",
        "last_name_en": "Jaidee",
        "birth_date_be": "25300115",
        "card_status": "active",
    }


async def test_id_cards_filter_by_status_and_page(host: Host) -> None:
    active = (
        await host.client.get("/device/id-cards", params={"status": "active", "limit": 1000})
    ).json()
    assert {card["card_status"] for card in active["cards"]} == {"active"}
    assert active["total"] == len(active["cards"]) < len(host.population)
    second = (
        await host.client.get(
            "/device/id-cards", params={"status": "active", "offset": 1, "limit": 1}
        )
    ).json()
    assert second["cards"] == active["cards"][1:2]
    void = (
        await host.client.get("/device/id-cards", params={"status": "void_address_change"})
    ).json()
    assert void["cards"][0]["pid"] == PRASERT["pid"]
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"status": "stolen"}):
        assert (await host.client.get("/device/id-cards", params=params)).status_code == 422


async def test_cards_from_the_device_pass_the_registry_check(host: Host) -> None:
    cards = (
        await host.client.get(
            "/device/id-cards", params={"status": "active", "offset": 8, "limit": 20}
        )
    ).json()["cards"]
    headers = await host.auth_headers()
    for card in cards:
        body = {
            "pid": card["pid"],
            "firstName": card["first_name_th"],
            "lastName": card["last_name_th"],
            "birthDate": card["birth_date_be"],
            "laser": card["laser"],
        }
        response = await host.client.post(
            "/dopa/gdx/linkage/check-card-by-laser", json=body, headers=headers
        )
        assert response.json()["code"] == 0

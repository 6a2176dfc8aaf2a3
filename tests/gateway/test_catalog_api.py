"""The catalog over HTTP (the "know" verb): categories, life stages, search, filters, cursor
pagination, the citizen manual, agencies, languages and conditional reads (ETag / 304).

Expected values come from the seed YAML (through the same loader the `seed` command uses), so
the tests follow the catalog when it grows instead of pinning counts.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import httpx
import pytest

from gateway.catalog.definitions import (
    AgencyDefinition,
    CatalogFile,
    Category,
    EServiceDefinition,
    LifeStage,
)
from gateway.catalog.loader import load_catalog
from gateway.catalog.search import normalize

PROBLEM_JSON = "application/problem+json"
RENEWAL = "dlt-driving-licence-renewal"
THAI_RANGE = range(0x0E00, 0x0E80)

# The national portal's 12 categories, in the portal's order, with their Thai names (issue 2).
PORTAL_CATEGORIES = [
    ("citizen-data", "ข้อมูลประชาชน"),
    ("government-data", "ข้อมูลภาครัฐ"),
    ("utilities", "สาธารณูปโภค"),
    ("welfare", "สวัสดิการ"),
    ("health", "สุขภาพ"),
    ("housing", "ที่อยู่อาศัย"),
    ("work", "การงานและอาชีพ"),
    ("justice", "การยุติธรรม"),
    ("education", "การศึกษา"),
    ("vehicles", "ยานพาหนะ"),
    ("tax", "ภาษี"),
    ("other", "ด้านอื่น ๆ"),
]
PORTAL_LIFE_STAGES = [
    ("newborn", "เด็กแรกเกิด"),
    ("student", "นักเรียน"),
    ("working-age", "วัยทำงาน"),
    ("general-public", "ประชาชนทั่วไป"),
    ("elderly", "ผู้สูงอายุ"),
]


# -- seed helpers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> CatalogFile:
    return load_catalog()


def _live(catalog: CatalogFile) -> list[EServiceDefinition]:
    return [s for s in catalog.services if s.status == "live"]


def _service(catalog: CatalogFile, service_id: str) -> EServiceDefinition:
    return next(s for s in catalog.services if s.id == service_id)


def _agency(catalog: CatalogFile, code: str) -> AgencyDefinition:
    return next(a for a in catalog.agencies if a.code == code)


def _has_thai(text: str) -> bool:
    return any(ord(ch) in THAI_RANGE for ch in text)


async def _walk(client: httpx.AsyncClient, **params: Any) -> list[str]:
    """Every id a client sees by following next_cursor from the first page to the last."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        r = await client.get("/v1/services", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        ids.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination never ended")


async def _ids(client: httpx.AsyncClient, **params: Any) -> set[str]:
    ids = await _walk(client, limit=200, **params)
    assert len(ids) == len(set(ids)), "a service was listed twice"
    return set(ids)


# -- categories and life stages --------------------------------------------------------------


async def test_categories_are_the_twelve_portal_categories_in_portal_order(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/v1/categories")

    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["code"] for i in items] == [code for code, _ in PORTAL_CATEGORIES]


async def test_category_counts_equal_the_live_services_of_the_seed(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    expected = Counter(s.category.value for s in _live(catalog))

    items = (await client.get("/v1/categories")).json()["items"]

    assert {i["code"]: i["live_services"] for i in items} == {
        c.value: expected.get(c.value, 0) for c in Category
    }
    assert all(i["live_services"] > 0 for i in items), "the seed covers every category"


async def test_category_count_matches_the_services_listed_in_that_category(
    client: httpx.AsyncClient,
) -> None:
    items = (await client.get("/v1/categories")).json()["items"]

    for item in items:
        assert len(await _ids(client, category=item["code"])) == item["live_services"]


async def test_categories_are_named_in_thai_by_default(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/categories")

    assert r.headers["content-language"] == "th"
    names = {i["code"]: i["name"] for i in r.json()["items"]}
    for code, thai in PORTAL_CATEGORIES:
        assert thai in names[code]


async def test_categories_are_named_in_english_when_asked(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/categories", headers={"Accept-Language": "en"})

    assert r.status_code == 200
    assert r.headers["content-language"] == "en"
    names = {i["code"]: i["name"] for i in r.json()["items"]}
    assert names["welfare"] == "Welfare"
    assert names["vehicles"] == "Vehicles"
    assert not any(_has_thai(n) for n in names.values())


async def test_accept_language_with_region_and_quality_picks_english(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/v1/categories", headers={"Accept-Language": "en-GB,th;q=0.5"})

    assert r.headers["content-language"] == "en"
    assert not any(_has_thai(i["name"]) for i in r.json()["items"])


async def test_life_stages_are_the_five_portal_stages_in_thai(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/life-stages")

    assert r.status_code == 200
    assert r.headers["content-language"] == "th"
    assert [(i["code"], i["name"]) for i in r.json()["items"]] == PORTAL_LIFE_STAGES


async def test_life_stages_in_english(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/life-stages", headers={"Accept-Language": "en"})

    items = r.json()["items"]
    assert [i["code"] for i in items] == [code for code, _ in PORTAL_LIFE_STAGES]
    assert {i["code"]: i["name"] for i in items}["elderly"] == "Elderly"
    assert not any(_has_thai(i["name"]) for i in items)


# -- search ----------------------------------------------------------------------------------


async def test_thai_search_without_spaces_finds_the_driving_licence_renewal(
    client: httpx.AsyncClient,
) -> None:
    assert RENEWAL in await _ids(client, q="ใบขับขี่")


async def test_thai_fragment_from_the_middle_of_a_name_finds_the_service(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    fragment = "อนุญาตขับรถยนต์ส่วน"
    service = _service(catalog, RENEWAL)
    # The fragment is inside a word of the Thai name, not at its start.
    assert fragment in service.name.th
    assert not service.name.th.startswith(fragment)

    found = await _ids(client, q=fragment)

    assert RENEWAL in found
    assert len(found) < len(_live(catalog))


async def test_search_results_are_shown_in_the_requested_language(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    service = _service(catalog, RENEWAL)

    thai = await client.get("/v1/services", params={"q": "ใบขับขี่"})
    english = await client.get(
        "/v1/services", params={"q": "ใบขับขี่"}, headers={"Accept-Language": "en"}
    )

    by_id_th = {i["id"]: i for i in thai.json()["items"]}
    by_id_en = {i["id"]: i for i in english.json()["items"]}
    assert by_id_th[RENEWAL]["name"] == service.name.th
    assert by_id_en[RENEWAL]["name"] == service.name.en
    assert by_id_en[RENEWAL]["agency"]["code"] == "DLT"
    assert by_id_en[RENEWAL]["category"] == {"code": "vehicles", "name": "Vehicles"}
    assert by_id_en[RENEWAL]["href"] == f"/v1/services/{RENEWAL}"


async def test_english_search_ignores_case(client: httpx.AsyncClient) -> None:
    lower = await _ids(client, q="driving licence")
    upper = await _ids(client, q="DRIVING LICENCE")
    mixed = await _ids(client, q="Driving Licence")

    assert RENEWAL in lower
    assert lower == upper == mixed


async def test_every_word_of_a_query_must_occur(client: httpx.AsyncClient) -> None:
    renew = await _ids(client, q="ต่ออายุ")
    licence = await _ids(client, q="ใบขับขี่")
    # The words select different services, so AND and OR give different answers.
    assert renew != licence

    both = await _ids(client, q="ต่ออายุ ใบขับขี่")

    assert both == renew & licence
    assert RENEWAL in both


async def test_multi_word_english_search_finds_words_in_any_order(
    client: httpx.AsyncClient,
) -> None:
    forward = await _ids(client, q="licence renew")
    backward = await _ids(client, q="renew licence")

    assert RENEWAL in forward
    assert forward == backward


async def test_a_word_that_matches_nothing_empties_a_multi_word_search(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/v1/services", params={"q": "ใบขับขี่ zzqxyzzy"})

    assert r.status_code == 200
    assert r.json() == {"items": [], "next_cursor": None}


async def test_search_finds_a_service_by_a_keyword_that_is_not_in_its_name(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    service = _service(catalog, RENEWAL)
    shown = normalize(
        " ".join([service.name.th, service.name.en, service.summary.th, service.summary.en])
    )
    assert "e-learning" not in shown
    assert any("e-learning" in normalize(k) for k in service.keywords)

    assert RENEWAL in await _ids(client, q="e-Learning")


async def test_sara_am_typed_as_nikhahit_and_sara_aa_still_matches(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    pension = "cgd-pension-information"
    assert "บำเหน็จบำนาญ" in _service(catalog, pension).name.th
    decomposed = "บำเหน็จบำนาญ".replace("\u0e33", "\u0e4d\u0e32")
    assert decomposed != "บำเหน็จบำนาญ"

    assert pension in await _ids(client, q=decomposed)
    assert await _ids(client, q=decomposed) == await _ids(client, q="บำเหน็จบำนาญ")


def _searchable(catalog: CatalogFile, service: EServiceDefinition) -> str:
    agency = _agency(catalog, service.agency)
    parts = [
        service.id,
        service.name.th,
        service.name.en,
        service.summary.th,
        service.summary.en,
        *service.keywords,
        agency.code,
        agency.name.th,
        agency.name.en,
    ]
    if agency.short_name:
        parts += [agency.short_name.th, agency.short_name.en]
    return " | ".join(normalize(p) for p in parts)


@pytest.mark.parametrize("literal", ["%", "_"])
async def test_like_wildcards_in_a_query_are_plain_characters(
    client: httpx.AsyncClient, catalog: CatalogFile, literal: str
) -> None:
    live = _live(catalog)
    containing = {s.id for s in live if literal in _searchable(catalog, s)}
    # As a wildcard the character would match every service.
    assert containing != {s.id for s in live}

    assert await _ids(client, q=literal) == containing


@pytest.mark.parametrize(
    ("query", "as_wildcard_matches"), [("e_learning", "e-learning"), ("ต่อ%ขับ", "ต่ออายุใบอนุญาตขับ")]
)
async def test_wildcards_inside_a_word_do_not_stand_for_other_characters(
    client: httpx.AsyncClient, catalog: CatalogFile, query: str, as_wildcard_matches: str
) -> None:
    texts = [_searchable(catalog, s) for s in _live(catalog)]
    assert any(as_wildcard_matches in t for t in texts)
    assert not any(query in t for t in texts)

    r = await client.get("/v1/services", params={"q": query})

    assert r.status_code == 200
    assert r.json()["items"] == []


# -- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("category", [c.value for c in Category])
async def test_category_filter_lists_exactly_the_live_services_of_that_category(
    client: httpx.AsyncClient, catalog: CatalogFile, category: str
) -> None:
    expected = {s.id for s in _live(catalog) if s.category.value == category}

    r = await client.get("/v1/services", params={"category": category, "limit": 200})

    assert {i["id"] for i in r.json()["items"]} == expected
    assert {i["category"]["code"] for i in r.json()["items"]} == {category}


@pytest.mark.parametrize("stage", [s.value for s in LifeStage])
async def test_life_stage_filter_lists_exactly_the_services_for_that_stage(
    client: httpx.AsyncClient, catalog: CatalogFile, stage: str
) -> None:
    expected = {s.id for s in _live(catalog) if stage in {x.value for x in s.life_stages}}
    assert expected

    r = await client.get("/v1/services", params={"life_stage": stage, "limit": 200})

    items = r.json()["items"]
    assert {i["id"] for i in items} == expected
    assert all(stage in {x["code"] for x in i["life_stages"]} for i in items)


async def test_agency_filter_lists_exactly_that_agencys_services(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    expected = {s.id for s in _live(catalog) if s.agency == "DLT"}

    assert await _ids(client, agency="DLT") == expected
    assert RENEWAL in expected


async def test_filters_combine(client: httpx.AsyncClient, catalog: CatalogFile) -> None:
    live = _live(catalog)
    welfare = {s.id for s in live if s.category is Category.WELFARE}
    elderly = {s.id for s in live if LifeStage.ELDERLY in s.life_stages}
    expected = welfare & elderly
    assert expected
    assert expected not in (welfare, elderly)

    assert await _ids(client, category="welfare", life_stage="elderly") == expected


async def test_search_and_filters_combine(client: httpx.AsyncClient, catalog: CatalogFile) -> None:
    expected = {
        s.id
        for s in _live(catalog)
        if s.agency == "DOP"
        and s.category is Category.WELFARE
        and LifeStage.ELDERLY in s.life_stages
    }
    assert expected

    assert await _ids(client, agency="DOP", category="welfare", life_stage="elderly") == expected
    assert await _ids(client, q="ใบขับขี่", agency="DOP") == set()
    licence_at_dlt = await _ids(client, q="ใบขับขี่", agency="DLT")
    assert RENEWAL in licence_at_dlt
    assert licence_at_dlt == await _ids(client, q="ใบขับขี่") & await _ids(client, agency="DLT")


# -- pagination ------------------------------------------------------------------------------


async def test_cursor_pagination_walks_every_live_service_once_in_id_order(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    full = (await client.get("/v1/services", params={"limit": 200})).json()
    assert full["next_cursor"] is None
    full_ids = [i["id"] for i in full["items"]]

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/v1/services", params=params)).json()
        pages.append([i["id"] for i in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 100

    walked = [service_id for page in pages for service_id in page]
    assert walked == full_ids
    assert walked == sorted(walked)
    assert len(set(walked)) == len(walked)
    assert set(walked) == {s.id for s in _live(catalog)}
    assert len(pages) == math.ceil(len(walked) / 7)
    assert all(len(page) == 7 for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= 7


async def test_the_last_page_has_no_next_cursor(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    total = len(_live(catalog))

    exact = (await client.get("/v1/services", params={"limit": total})).json()
    short = (await client.get("/v1/services", params={"limit": total - 1})).json()

    assert len(exact["items"]) == total
    assert exact["next_cursor"] is None
    assert len(short["items"]) == total - 1
    assert isinstance(short["next_cursor"], str)


async def test_pagination_keeps_the_filters_of_the_first_page(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    expected = sorted(s.id for s in _live(catalog) if s.category is Category.WELFARE)
    assert len(expected) > 2

    assert await _walk(client, category="welfare", limit=2) == expected


async def test_default_page_size_is_twenty(client: httpx.AsyncClient, catalog: CatalogFile) -> None:
    assert len(_live(catalog)) > 20

    body = (await client.get("/v1/services")).json()

    assert len(body["items"]) == 20
    assert body["next_cursor"] is not None


# -- the citizen manual ----------------------------------------------------------------------


async def test_service_manual_has_ordered_steps(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    service = _service(catalog, RENEWAL)

    r = await client.get(f"/v1/services/{RENEWAL}", headers={"Accept-Language": "en"})

    assert r.status_code == 200
    body = r.json()
    assert body["id"] == RENEWAL
    assert body["name"] == service.name.en
    steps = body["manual"]["steps"]
    assert [s["order"] for s in steps] == list(range(1, len(service.manual.steps) + 1))
    assert [s["title"] for s in steps] == [s.title.en for s in service.manual.steps]
    assert [s["duration_minutes"] for s in steps] == [
        s.duration_minutes for s in service.manual.steps
    ]
    assert body["manual"]["total_working_days"] == service.manual.total_working_days


async def test_service_manual_lists_fees_in_satang_with_a_total(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    fees = _service(catalog, RENEWAL).manual.fees
    assert fees is not None
    assert len(fees.items) > 1

    body = (await client.get(f"/v1/services/{RENEWAL}")).json()

    out = body["manual"]["fees"]
    assert out["no_fee"] is False
    assert [(i["label"], i["amount_satang"]) for i in out["items"]] == [
        (i.label.th, i.amount_satang) for i in fees.items
    ]
    assert out["total_satang"] == sum(i.amount_satang for i in fees.items)


async def test_a_free_service_says_no_fee_explicitly(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    free = next(s for s in _live(catalog) if s.manual.fees is not None and s.manual.fees.no_fee)

    body = (await client.get(f"/v1/services/{free.id}")).json()

    assert body["manual"]["fees"]["no_fee"] is True
    assert body["manual"]["fees"]["items"] == []
    assert body["manual"]["fees"]["total_satang"] == 0


async def test_service_manual_documents_say_whether_the_portal_fetches_them(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    documents = _service(catalog, RENEWAL).manual.documents

    body = (await client.get(f"/v1/services/{RENEWAL}")).json()

    out = body["manual"]["documents"]
    assert [d["name"] for d in out] == [d.name.th for d in documents]
    assert [d["portal_fetches"] for d in out] == [d.source == "portal_fetch" for d in documents]
    assert {d["portal_fetches"] for d in out} == {True, False}
    assert [d["issuer"]["kind"] for d in out] == [d.issuer.kind for d in documents]


async def test_service_detail_carries_the_rest_of_the_manual(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    manual = _service(catalog, RENEWAL).manual

    body = (await client.get(f"/v1/services/{RENEWAL}")).json()

    out = body["manual"]
    assert out["conditions"] == [c.th for c in manual.conditions]
    assert len(out["channels"]) == len(manual.channels)
    assert len(out["places"]) == len(manual.places)
    assert len(out["complaint_channels"]) == len(manual.complaint_channels)
    assert len(out["legal_basis"]) == len(manual.legal_basis)
    assert out["published_on"] == (manual.published_on.isoformat() if manual.published_on else None)


async def test_every_seed_service_has_a_readable_manual(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    for service in _live(catalog):
        r = await client.get(f"/v1/services/{service.id}")
        assert r.status_code == 200, service.id
        assert r.json()["name"] == service.name.th


async def test_unknown_service_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/services/no-such-service")

    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body = r.json()
    assert body["code"] == "service_not_found"
    assert body["status"] == 404
    assert body["instance"] == "/v1/services/no-such-service"


# -- agencies --------------------------------------------------------------------------------


async def test_agencies_list_every_seed_agency_with_live_service_counts(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    live = Counter(s.agency for s in _live(catalog))

    r = await client.get("/v1/agencies")

    assert r.status_code == 200
    items = r.json()["items"]
    assert sorted(i["code"] for i in items) == sorted(a.code for a in catalog.agencies)
    assert {i["code"]: i["live_services"] for i in items} == {
        a.code: live.get(a.code, 0) for a in catalog.agencies
    }


async def test_agencies_show_their_working_time(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    items = {i["code"]: i for i in (await client.get("/v1/agencies")).json()["items"]}

    for agency in catalog.agencies:
        hours = agency.calendar.hours
        assert items[agency.code]["working_time"] == {
            "days": hours.days,
            "opens": hours.opens,
            "closes": hours.closes,
            "lunch_closed": agency.calendar.lunch_closed,
            "timezone": "Asia/Bangkok",
        }


async def test_agency_names_follow_the_language(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    dlt = _agency(catalog, "DLT")

    thai = (await client.get("/v1/agencies/DLT")).json()
    english = (await client.get("/v1/agencies/DLT", headers={"Accept-Language": "en"})).json()

    assert thai["name"] == dlt.name.th
    assert thai["ministry"] == dlt.ministry.th
    assert english["name"] == dlt.name.en
    assert english["ministry"] == dlt.ministry.en


async def test_agency_detail_lists_units_with_the_provinces_they_serve(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    dlt = _agency(catalog, "DLT")

    r = await client.get("/v1/agencies/DLT", headers={"Accept-Language": "en"})

    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "DLT"
    assert body["integration_mode"] == dlt.integration_mode.value
    units = {u["code"]: u for u in body["units"]}
    assert set(units) == {u.code for u in dlt.units}
    for unit in dlt.units:
        assert units[unit.code]["provinces"] == unit.provinces
        assert units[unit.code]["name"] == unit.name.en
    assert any(u["provinces"] for u in body["units"])


async def test_agency_detail_counts_live_services_and_shows_working_time(
    client: httpx.AsyncClient, catalog: CatalogFile
) -> None:
    dlt = _agency(catalog, "DLT")

    body = (await client.get("/v1/agencies/DLT")).json()

    assert body["live_services"] == sum(1 for s in _live(catalog) if s.agency == "DLT")
    assert body["live_services"] == len(await _ids(client, agency="DLT"))
    assert body["working_time"]["opens"] == dlt.calendar.hours.opens
    assert body["working_time"]["closes"] == dlt.calendar.hours.closes
    assert body["working_time"]["days"] == dlt.calendar.hours.days


async def test_unknown_agency_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/agencies/NOPE")

    assert r.status_code == 404
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert r.json()["code"] == "agency_not_found"


# -- conditional reads -----------------------------------------------------------------------

CATALOG_READS = [
    "/v1/categories",
    "/v1/life-stages",
    "/v1/services",
    "/v1/services?q=ใบขับขี่&category=vehicles",
    f"/v1/services/{RENEWAL}",
    "/v1/agencies",
    "/v1/agencies/DLT",
]


@pytest.mark.parametrize("path", CATALOG_READS)
async def test_catalog_reads_carry_an_etag(client: httpx.AsyncClient, path: str) -> None:
    first = await client.get(path)
    second = await client.get(path)

    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert second.headers["etag"] == etag


@pytest.mark.parametrize("path", CATALOG_READS)
async def test_if_none_match_with_the_current_etag_gives_304(
    client: httpx.AsyncClient, path: str
) -> None:
    etag = (await client.get(path)).headers["etag"]

    r = await client.get(path, headers={"If-None-Match": etag})

    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == etag


@pytest.mark.parametrize("path", CATALOG_READS)
async def test_another_language_has_another_etag(client: httpx.AsyncClient, path: str) -> None:
    thai = await client.get(path)
    english = await client.get(path, headers={"Accept-Language": "en"})

    assert thai.headers["etag"] != english.headers["etag"]
    # The Thai version's tag does not validate the English representation.
    r = await client.get(
        path, headers={"Accept-Language": "en", "If-None-Match": thai.headers["etag"]}
    )
    assert r.status_code == 200
    assert r.json() == english.json()


async def test_a_stale_etag_gets_the_full_body(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/categories", headers={"If-None-Match": '"not-the-current-one"'})

    assert r.status_code == 200
    assert len(r.json()["items"]) == len(PORTAL_CATEGORIES)


async def test_a_weak_form_of_the_etag_matches(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/v1/agencies")).headers["etag"]

    r = await client.get("/v1/agencies", headers={"If-None-Match": f"W/{etag}"})

    assert r.status_code == 304
    assert r.headers["etag"] == etag


async def test_a_list_of_etags_containing_the_current_one_matches(
    client: httpx.AsyncClient,
) -> None:
    etag = (await client.get(f"/v1/services/{RENEWAL}")).headers["etag"]

    r = await client.get(
        f"/v1/services/{RENEWAL}", headers={"If-None-Match": f'"old-1", W/"old-2",{etag}'}
    )

    assert r.status_code == 304
    assert r.content == b""


async def test_a_list_of_other_etags_does_not_match(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/v1/services/{RENEWAL}", headers={"If-None-Match": '"old-1", "old-2"'})

    assert r.status_code == 200
    assert r.json()["id"] == RENEWAL


async def test_if_none_match_star_matches_any_version(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/life-stages", headers={"If-None-Match": "*"})

    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == (await client.get("/v1/life-stages")).headers["etag"]

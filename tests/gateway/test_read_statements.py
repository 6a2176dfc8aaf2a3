"""The reads an app makes most issue a small, fixed number of SQL statements, however long the
application's timeline or the citizen's inbox grows (issue 11: no N+1 can come back quietly).

Each test counts the statements the gateway sends its database while it answers one request
(the engine's `before_cursor_execute` event), reads the same thing again after the timeline or
the inbox has grown, and checks the count stayed the same and within its budget. The answers are
checked too: a count on a wrong answer proves nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from support import Stack, bearer, filed, hold_read_caches, login

from gateway.tracking.models import ApplicationEvent, Notification

#: The budget of each read (a constant: it does not depend on the data's length).
#: A warm token check reads nothing: the signature is checked in the process, revocations are
#: held in memory (read again once a second at most) and a citizen's subject maps to their id.
TOKEN_CHECK = 0
STATUS_UNCHANGED = TOKEN_CHECK + 1  # the application's stamp says the last answer stands
STATUS_READ = STATUS_UNCHANGED + 3  # then the application with its receipt, attachments, timeline
INBOX_PAGE = TOKEN_CHECK + 1  # a page of messages with the unread count
CATALOG_CACHED = 0  # a cached catalog answer (and its 304) touches no database


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __len__(self) -> int:
        return len(self.seen)


@contextlib.contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    statements = Statements()

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.seen.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def engine_of(stack: Stack) -> Engine:
    assert stack.app is not None
    sync_engine: Engine = stack.app.state.runtime.engine.sync_engine
    return sync_engine


async def grow(stack: Stack, application: dict[str, Any], citizen_id: str, n: int) -> None:
    """`n` more timeline events and inbox messages (as an agency's busy case would leave)."""
    assert stack.app is not None
    now = dt.datetime.now(dt.UTC)
    async with stack.app.state.runtime.sessions() as session:
        for i in range(n):
            session.add(
                ApplicationEvent(
                    application_id=application["id"],
                    kind="note",
                    from_status="submitted",
                    to_status="submitted",
                    actor_kind="agency",
                    actor_id="agency:DLT:test",
                    at=now,
                    data={"i": i},
                )
            )
            session.add(
                Notification(
                    citizen_id=citizen_id,
                    application_id=application["id"],
                    kind="note",
                    title_th=f"ข้อความ {i}",
                    title_en=f"Message {i}",
                    body_th="-",
                    body_en="-",
                    data={},
                    paper=False,
                    created_at=now,
                    read_at=None,
                )
            )
        await session.commit()


async def citizen_id_of(stack: Stack, application_id: str) -> str:
    from gateway.applications.models import Application

    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        row = await session.get(Application, application_id)
        assert row is not None
        return row.citizen_id


async def counted(stack: Stack, url: str, **kwargs: Any) -> tuple[httpx.Response, int]:
    with counting(engine_of(stack)) as statements:
        r = await stack.gateway.get(url, **kwargs)
    return r, len(statements)


async def test_status_read_is_a_fixed_number_of_statements_however_long_the_timeline(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    submitted = (await filed(stack, headers))["application"]
    url = f"/v1/applications/{submitted['id']}"
    await hold_read_caches(stack)

    first, changed = await counted(stack, url, headers=headers)  # rendered, then kept
    assert first.status_code == 200, first.text
    again, unchanged = await counted(stack, url, headers=headers)
    assert again.json() == first.json()
    assert unchanged == STATUS_UNCHANGED

    await grow(stack, submitted, await citizen_id_of(stack, submitted["id"]), 60)
    grown, changed_long = await counted(stack, url, headers=headers)
    assert grown.status_code == 200
    assert len(grown.json()["timeline"]) == len(first.json()["timeline"]) + 60
    assert grown.json()["attachments"]
    assert grown.json()["status"] == "submitted"
    assert changed_long == STATUS_READ
    assert changed == STATUS_READ + 1  # the first read also read its e-service, kept since

    again, unchanged_long = await counted(stack, url, headers=headers)
    assert again.json() == grown.json()
    assert unchanged_long == STATUS_UNCHANGED


async def test_inbox_page_is_a_fixed_number_of_statements_however_long_the_inbox(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    submitted = (await filed(stack, headers))["application"]
    await hold_read_caches(stack)

    r, short = await counted(stack, "/v1/notifications", headers=headers)
    assert r.status_code == 200
    unread = r.json()["unread"]

    await grow(stack, submitted, await citizen_id_of(stack, submitted["id"]), 120)
    r, long = await counted(stack, "/v1/notifications?limit=50", headers=headers)
    assert r.status_code == 200
    assert len(r.json()["items"]) == 50
    assert r.json()["unread"] == unread + 120

    assert short == long <= INBOX_PAGE


async def test_an_empty_inbox_still_answers_its_unread_count(stack: Stack) -> None:
    headers = bearer(await login(stack))
    await stack.gateway.get("/v1/notifications", headers=headers)  # the token's subject known
    await hold_read_caches(stack)
    r, statements = await counted(stack, "/v1/notifications", headers=headers)
    assert r.status_code == 200
    assert r.json() == {"items": [], "next_cursor": None, "unread": 0}
    assert statements <= INBOX_PAGE + 1


async def test_a_cached_catalog_answer_and_its_revalidation_touch_no_database(
    stack: Stack,
) -> None:
    url = "/v1/services/dlt-driving-licence-renewal"
    await hold_read_caches(stack)
    first, _ = await counted(stack, url)  # fills the cache (or finds it filled)
    assert first.status_code == 200

    again, statements = await counted(stack, url)
    assert again.status_code == 200
    assert again.content == first.content
    assert statements == CATALOG_CACHED

    etag = first.headers["etag"]
    revalidated, statements = await counted(stack, url, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.headers["etag"] == etag
    assert statements == CATALOG_CACHED


async def test_a_warm_token_check_reads_no_database(stack: Stack) -> None:
    headers = bearer(await login(stack))
    me = await stack.gateway.get("/v1/me", headers=headers)
    assert me.status_code == 200
    await hold_read_caches(stack)
    # /v1/me reads the citizen's profile: one statement, and nothing for the token.
    r, statements = await counted(stack, "/v1/me", headers=headers)
    assert r.status_code == 200
    assert r.json()["subject"] == me.json()["subject"]
    assert statements == TOKEN_CHECK + 1


async def test_a_changed_e_service_is_shown_changed_at_the_next_read(stack: Stack) -> None:
    """The status read keeps an application's e-service per process while it is unchanged; a
    catalog change (the service's or its agency's) is shown at once, never a stale name."""
    from sqlalchemy import select, update

    from gateway.catalog.models import Agency, EService

    assert stack.app is not None
    headers = {**bearer(await login(stack)), "Accept-Language": "en"}
    submitted = (await filed(stack, headers))["application"]
    url = f"/v1/applications/{submitted['id']}"
    before = (await stack.gateway.get(url, headers=headers)).json()
    sessions = stack.app.state.runtime.sessions
    service_where = EService.id == submitted["service_id"]
    agency_where = Agency.code == before["agency_code"]
    async with sessions() as session:
        service_was = (
            await session.execute(
                select(EService.name_en, EService.updated_at).where(service_where)
            )
        ).one()
        agency_was = (
            await session.execute(select(Agency.name_en, Agency.updated_at).where(agency_where))
        ).one()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    try:
        async with sessions() as session:
            await session.execute(
                update(EService)
                .where(service_where)
                .values(name_en="Renewal (new)", updated_at=later)
            )
            await session.commit()
        shown = (await stack.gateway.get(url, headers=headers)).json()
        assert shown["service_name"] == "Renewal (new)"
        assert shown["agency_name"] == before["agency_name"]

        async with sessions() as session:
            await session.execute(
                update(Agency).where(agency_where).values(name_en="DLT (renamed)", updated_at=later)
            )
            await session.commit()
        shown = (await stack.gateway.get(url, headers=headers)).json()
        assert shown["agency_name"] == "DLT (renamed)"
    finally:  # the catalog is shared by the whole test session
        async with sessions() as session:
            await session.execute(
                update(EService)
                .where(service_where)
                .values(name_en=service_was[0], updated_at=service_was[1])
            )
            await session.execute(
                update(Agency)
                .where(agency_where)
                .values(name_en=agency_was[0], updated_at=agency_was[1])
            )
            await session.commit()

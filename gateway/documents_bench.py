"""`citizen-gateway documents bench-issue`: issuance throughput with one worker. On a fresh
database, COUNT approved applications each wait for the award letter their agency granted (a
`document.issue` message in the outbox, as an approval leaves it); one worker then takes them
all: each is rendered, PAdES-signed under SSO's document-signing certificate, time-stamped by
the gateway's TSA, turned into a credential, stored, put in the wallet, and its application
moved to `issued`. Prints documents per second, CPU per document and the PDFs' sizes."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import func, insert, select

from gateway.applications.models import Application
from gateway.catalog.loader import load_catalog
from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.config import Settings
from gateway.documents.models import WalletDocument
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.outbox import TOPIC_ISSUE_DOCUMENT
from gateway.forwarding.worker import Forwarder
from gateway.main import create_app, freeze_start_up
from gateway.migrations import alembic_config
from gateway.payments_bench import bench_settings

SERVICE = "sso-unemployment-benefit"


def award(n: int, today: dt.date) -> dict[str, Any]:
    """What SSO's approval grants: an award letter with the items such a letter prints."""
    return {
        "kind": "benefit_award",
        "number": f"SSO2569-B{n:07d}",
        "title_th": "หนังสือแจ้งผลการวินิจฉัยประโยชน์ทดแทนกรณีว่างงาน",
        "title_en": "Unemployment benefit award",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=179)).isoformat(),
        "items": [
            {"key": "benefit", "label_th": "ประเภทประโยชน์ทดแทน", "label_en": "Benefit",
             "value_th": "กรณีว่างงานเพราะถูกเลิกจ้าง", "value_en": "Unemployment (laid off)"},
            {"key": "monthly", "label_th": "จำนวนเงินต่อเดือน", "label_en": "Monthly amount",
             "value_th": "7,500.00 บาท", "value_en": "THB 7,500.00"},
            {"key": "months", "label_th": "ระยะเวลา", "label_en": "Duration",
             "value_th": "6 เดือน", "value_en": "6 months"},
            {"key": "paid_to", "label_th": "โอนเข้าบัญชี", "label_en": "Paid to",
             "value_th": "พร้อมเพย์ผูกกับเลขประจำตัวประชาชน",
             "value_en": "PromptPay linked to the national ID"},
            {"key": "office", "label_th": "สำนักงาน", "label_en": "Office",
             "value_th": "สำนักงานประกันสังคมกรุงเทพมหานครพื้นที่ 1",
             "value_en": "Bangkok Area 1 Social Security Office"},
        ],
    }  # fmt: skip


def bench_issue(count: int, database: str | None, batch: int = 20) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="bench-issue-") as folder:
        var = Path(folder)
        url = database or f"sqlite+aiosqlite:///{var}/bench.db"
        settings = bench_settings(var, url, worker_batch=batch)
        command.upgrade(alembic_config(url), "head")
        return asyncio.run(_timed(settings, url, count))


async def _timed(settings: Settings, url: str, count: int) -> list[str]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state
        runtime = state.runtime
        async with runtime.unit_of_work() as uow:
            catalog = CatalogService(CatalogRepository(uow.session), runtime.cursors)
            await catalog.import_catalog(load_catalog(), uow.now)
            citizen_id = await state.applications.directory.enrol(
                uow.session,
                national_id="1100100001014",
                first_name_th="สมชาย",
                last_name_th="ใจดี",
                birth_date_be="25300115",
                assurance="IAL2.3",
                now=uow.now,
            )
            await uow.flush()
            now, today = uow.now, uow.now.date()
            applications, messages = [], []
            for n in range(count):
                application_id = str(uuid.uuid4())
                applications.append(
                    {
                        "id": application_id,
                        "number": f"SSO-BENCH-{n:07d}",
                        "citizen_id": citizen_id,
                        "service_id": SERVICE,
                        "agency_code": "SSO",
                        "status": "approved",
                        "turn": "agency",
                        "form_enc": runtime.vault.encrypt(
                            "{}", context=f"application:{application_id}:form"
                        ),
                        "delivery": "electronic",
                        "receipt_anchor": "agency",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                messages.append(
                    {
                        "key": f"{application_id}:issue",
                        "topic": TOPIC_ISSUE_DOCUMENT,
                        "agency_code": "SSO",
                        "application_id": application_id,
                        "payload": {"document": award(n, today)},
                        "status": "pending",
                        "attempts": 0,
                        "available_at": now,
                        "created_at": now,
                    }
                )
            await uow.session.execute(insert(Application), applications)
            await uow.session.execute(insert(OutboxMessage), messages)
            await uow.commit()

        worker = Forwarder(runtime, state.applications, state.connectors)
        # The first document of a process builds the fonts' embedded subsets (once).
        first = time.perf_counter()
        await asyncio.to_thread(_warm_up, state)
        warm_up = time.perf_counter() - first
        freeze_start_up()  # as `serve` and `worker` do
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes: dict[str, int] = {}
        while delivered := await worker.run_once():
            for delivery in delivered:
                outcomes[delivery.outcome] = outcomes.get(delivery.outcome, 0) + 1
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        async with runtime.sessions() as session:
            issued = await session.scalar(
                select(func.count()).where(Application.status == "issued")
            )
            sizes = list((await session.scalars(select(WalletDocument.size))).all())
    return [
        f"issuance on {url.partition(':')[0]}: {count} award letters, one worker "
        f"(batches of {settings.worker_batch}), outcomes {outcomes}, {issued} applications issued",
        "",
        "| measure | value |",
        "|---|---|",
        f"| documents per second | {count / wall:.1f} |",
        f"| wall time | {wall:.2f} s |",
        f"| CPU per document (the whole process) | {cpu / count * 1000:.1f} ms |",
        f"| PDF size (min / median / max) | {min(sizes):,} / {int(statistics.median(sizes)):,}"
        f" / {max(sizes):,} bytes |",
        f"| first document of the process (font subsets built; not in the rate) | "
        f"{warm_up * 1000:.0f} ms |",
    ]


def _warm_up(state: Any) -> None:
    from documents.facts import DocumentFacts, Kind
    from documents.render import render_pdf

    render_pdf(
        DocumentFacts(
            Kind.CERTIFICATE, "WARM-UP", "ทดสอบ", "Warm-up", "SSO", "สำนักงานประกันสังคม",
            "Social Security Office", "สมชาย ใจดี", None, "1-1001-xxxxx-xx-4",
            dt.date(2026, 1, 1), None, None, "http://localhost/verify/x",
        )
    )  # fmt: skip

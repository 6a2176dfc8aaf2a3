"""How fast `documents.render.render_pdf` is: `python -m documents.render_bench [--count N]`
renders N documents of every kind, after a warm-up, and prints the CPU time each took and the
size of the PDF, so a figure quoted for throughput is one anyone can reproduce.

CPU time (`time.process_time`) rather than wall time: it is what one issuing worker spends, and
it does not count another process's turn on a shared machine. The documents differ in number,
holder and verification URL, as a day's issuance does, so nothing is measured that only a
repeated document would get for free.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from documents.facts import KIND_NAMES, DocumentFacts, Item, Kind
from documents.render import render_pdf

_HOLDERS = (
    ("นางสาวสมหญิง ใจดี", "Miss Somying Jaidee"),
    ("นายปู่ ฟ้าใหม่", "Mr Pu Fahmai"),
    ("นางบุญเรือน ศรีสุข", "Mrs Boonruean Srisuk"),
)


def sample(index: int) -> DocumentFacts:
    """The `index`-th document of a made-up day's issuance (kinds and holders in turn)."""
    kind = list(Kind)[index % len(Kind)]
    thai, english = KIND_NAMES[kind]
    holder_th, holder_en = _HOLDERS[index % len(_HOLDERS)]
    return DocumentFacts(
        kind=kind,
        number=f"DOP2569-{index:06d}",
        title_th=f"{thai}ผู้สูงอายุ",
        title_en=f"{english} (older persons)",
        agency_code="DOP",
        agency_name_th="กรมกิจการผู้สูงอายุ",
        agency_name_en="Department of Older Persons",
        holder_name_th=holder_th,
        holder_name_en=holder_en,
        holder_id_masked="1-1037-xxxxx-xx-1",
        issued_on=dt.date(2026, 12, 6) + dt.timedelta(days=index % 28),
        valid_from=dt.date(2026, 12, 6),
        valid_until=dt.date(2031, 12, 5),
        verify_url=f"https://gateway.example.go.th/verify/7KQ2-M9XD-3HPA-{index:04d}-R8NB",
        items=(
            Item("amount", "จำนวนเงินต่อเดือน", "Monthly amount", f"{600 + index} บาท", "THB 600"),
            Item("group", "กลุ่มผู้รับสิทธิ", "Group", "ผู้สูงอายุ อายุ 60-69 ปี", "Aged 60-69"),
            Item("branch", "สาขาที่ออก", "Issuing office", "เขตปทุมวัน", "เขตปทุมวัน"),
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m documents.render_bench", description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="documents to time (default 200)")
    args = parser.parse_args(argv)

    started = time.process_time()
    first = render_pdf(sample(0))  # the first document pays for loading the fonts
    cold_ms = (time.process_time() - started) * 1000
    for index in range(1, 6):  # and a few more settle the caches
        render_pdf(sample(index))

    times: list[float] = []
    sizes: list[int] = []
    for index in range(args.count):
        facts = sample(index)
        started = time.process_time()
        pdf = render_pdf(facts)
        times.append((time.process_time() - started) * 1000)
        sizes.append(len(pdf))

    mean = statistics.fmean(times)
    print(f"first document: {cold_ms:.1f} ms CPU, {len(first):,} bytes")
    print(
        f"warm, {args.count} documents: {mean:.1f} ms CPU each (median "
        f"{statistics.median(times):.1f}, max {max(times):.1f}), "
        f"{1000 / mean:.0f} documents/s on one core"
    )
    print(f"size: {min(sizes):,} to {max(sizes):,} bytes")


if __name__ == "__main__":
    main()

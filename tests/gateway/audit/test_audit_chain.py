"""The hash chain on its own (no database): the exact bytes hashed, and every kind of break."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.audit.chain import (
    GENESIS_HASH,
    MAX_DATA_BYTES,
    ChainWalker,
    entry_hash,
    normalise_data,
    utc_instant,
)

BANGKOK = ZoneInfo("Asia/Bangkok")
T0 = dt.datetime(2026, 4, 10, 17, 5, 30, 123456, tzinfo=BANGKOK)


@dataclasses.dataclass(frozen=True)
class Entry:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


def build_chain(n: int) -> list[Entry]:
    entries: list[Entry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields: dict[str, Any] = {
            "seq": seq,
            "at": T0 + dt.timedelta(seconds=seq),
            "actor": f"citizen:sub-{seq % 3}",
            "action": "application.submitted",
            "subject": f"application:{seq:04d}",
            "data": {"n": seq, "ชื่อ": "ทดสอบ"},
        }
        digest = entry_hash(prev, **fields)
        entries.append(Entry(**fields, prev_hash=prev, hash=digest))
        prev = digest
    return entries


def walk(entries: list[Entry], head_seq: int, head_hash: str) -> tuple[int, str] | None:
    walker = ChainWalker()
    broken = walker.feed(entries) or walker.finish(head_seq, head_hash)
    return None if broken is None else (broken.seq, broken.reason)


@pytest.mark.rule("R-15.1")
def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_entry() -> None:
    # Written out by hand, so an independent verifier can be built from this test alone.
    body = (
        '{"action":"application.submitted","actor":"citizen:abc","at":'
        '"2026-04-10T10:05:30.123456+00:00","data":{"fee":0,"ชื่อ":"สมชาย"},'
        '"seq":1,"subject":"application:42"}'
    )
    expected = hashlib.sha256((GENESIS_HASH + body).encode("utf-8")).hexdigest()
    assert (
        entry_hash(
            GENESIS_HASH,
            seq=1,
            at=T0,  # 17:05 in Bangkok is hashed as 10:05 UTC
            actor="citizen:abc",
            action="application.submitted",
            subject="application:42",
            data={"ชื่อ": "สมชาย", "fee": 0},
        )
        == expected
    )


def test_times_are_hashed_in_utc_with_microseconds_whatever_their_zone() -> None:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert utc_instant(at) == "2026-01-01T00:00:00.000000+00:00"
    assert utc_instant(at.astimezone(BANGKOK)) == "2026-01-01T00:00:00.000000+00:00"
    one = entry_hash(GENESIS_HASH, seq=1, at=at, actor="a", action="b", subject="c", data={})
    same = entry_hash(
        GENESIS_HASH,
        seq=1,
        at=at.astimezone(BANGKOK),
        actor="a",
        action="b",
        subject="c",
        data={},
    )
    assert one == same


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        entry_hash(
            GENESIS_HASH,
            seq=1,
            at=dt.datetime(2026, 1, 1),
            actor="a",
            action="b",
            subject="c",
            data={},
        )


def test_data_is_normalised_to_what_a_json_column_gives_back() -> None:
    assert normalise_data({"ids": (1, 2), "nested": {"k": None}}) == {
        "ids": [1, 2],
        "nested": {"k": None},
    }
    assert normalise_data(None) == {}


def test_data_that_is_not_json_or_too_large_is_refused() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        normalise_data({"x": float("nan")})
    with pytest.raises(TypeError):
        normalise_data({"when": dt.date(2026, 1, 1)})
    with pytest.raises(ValueError, match=f"{MAX_DATA_BYTES} bytes"):
        normalise_data({"blob": "x" * MAX_DATA_BYTES})


@pytest.mark.rule("R-15.1")
def test_an_intact_chain_walks_to_the_head_in_any_batch_size() -> None:
    chain = build_chain(25)
    for size in (1, 7, 25, 100):
        walker = ChainWalker()
        for start in range(0, len(chain), size):
            assert walker.feed(chain[start : start + size]) is None
        assert walker.finish(25, chain[-1].hash) is None
        assert walker.checked == 25


def test_an_empty_chain_matches_a_head_at_genesis() -> None:
    assert walk([], 0, GENESIS_HASH) is None
    assert walk([], 1, "f" * 64) == (
        1,
        "the head records seq 1 but the log ends at seq 0: seq 1 missing",
    )


@pytest.mark.rule("R-15.1")
@given(
    n=st.integers(min_value=1, max_value=30),
    data=st.data(),
    field=st.sampled_from(["at", "actor", "action", "subject", "data"]),
)
def test_changing_any_field_of_any_entry_breaks_the_chain_at_that_entry(
    n: int, data: st.DataObject, field: str
) -> None:
    chain = build_chain(n)
    k = data.draw(st.integers(min_value=1, max_value=n))
    original = chain[k - 1]
    changed: dict[str, Any] = {
        "at": original.at + dt.timedelta(microseconds=1),
        "actor": original.actor + "x",
        "action": "application.withdrawn",
        "subject": "application:other",
        "data": {**original.data, "n": -1},
    }
    chain[k - 1] = dataclasses.replace(original, **{field: changed[field]})
    assert walk(chain, n, chain[-1].hash) == (k, "hash does not match the entry's contents")


def test_a_rehashed_forgery_breaks_the_link_to_the_next_entry() -> None:
    chain = build_chain(5)
    forged_fields: dict[str, Any] = {
        "seq": 3,
        "at": chain[2].at,
        "actor": "staff:DLT:mallory",
        "action": chain[2].action,
        "subject": chain[2].subject,
        "data": chain[2].data,
    }
    chain[2] = Entry(
        **forged_fields, prev_hash=chain[1].hash, hash=entry_hash(chain[1].hash, **forged_fields)
    )
    assert walk(chain, 5, chain[-1].hash) == (4, "prev_hash does not match the hash of seq 3")


def test_a_missing_entry_is_named() -> None:
    chain = build_chain(6)
    del chain[3]  # seq 4
    assert walk(chain, 6, chain[-1].hash) == (4, "seq 4 is missing (next entry is 5)")


def test_a_missing_first_entry_is_named() -> None:
    chain = build_chain(3)[1:]
    assert walk(chain, 3, chain[-1].hash) == (1, "seq 1 is missing (next entry is 2)")


def test_a_first_entry_not_linked_to_genesis_is_named() -> None:
    chain = build_chain(2)
    chain[0] = dataclasses.replace(chain[0], prev_hash="1" * 64)
    assert walk(chain, 2, chain[-1].hash) == (1, "prev_hash does not match the hash of the genesis")


def test_entries_missing_from_the_end_are_found_against_the_head() -> None:
    chain = build_chain(6)
    assert walk(chain[:4], 6, chain[-1].hash) == (
        5,
        "the head records seq 6 but the log ends at seq 4: seqs 5..6 missing",
    )


def test_a_head_hash_that_differs_from_the_last_entry_is_named() -> None:
    chain = build_chain(3)
    assert walk(chain, 3, "a" * 64) == (3, "the head's hash does not match the hash of seq 3")


def test_data_replaced_by_something_unhashable_is_a_break_not_a_crash() -> None:
    chain = build_chain(2)
    chain[1] = dataclasses.replace(chain[1], data={"x": float("inf")})
    seq, reason = walk(chain, 2, chain[-1].hash) or (0, "")
    assert seq == 2
    assert reason.startswith("entry cannot be hashed")

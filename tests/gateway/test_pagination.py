"""Signed list cursors: a client gets back where it was, and cannot forge or reuse a cursor."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gateway.pagination import MAX_CURSOR_CHARS, CursorCodec, query_fingerprint
from kernel.errors import BadRequest

SECRET = b"test-secret-not-for-production"
CODEC = CursorCodec(SECRET)
FINGERPRINT = query_fingerprint("services", {"category": "welfare", "q": "เบี้ยยังชีพ"})
# A cursor the way the catalog makes one: after a service id.
CURSOR = CODEC.encode(FINGERPRINT, "dop-older-persons-allowance-registration")
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# Service ids (what the catalog pages by), and short keys of any text.
keys = st.from_regex(r"[a-z0-9][a-z0-9-]{2,79}", fullmatch=True) | st.text(max_size=20)


def _low_bit_flipped(char: str) -> str:
    return BASE64URL[BASE64URL.index(char) ^ 1]


def _refused(codec: CursorCodec, cursor: str, fingerprint: str = FINGERPRINT) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        codec.decode(cursor, fingerprint)
    assert caught.value.code == "invalid_cursor"
    assert caught.value.status == 400
    return caught.value


@given(keys, st.dictionaries(st.sampled_from(["q", "category", "agency"]), st.text(max_size=10)))
def test_a_cursor_gives_back_its_key(key: str, filters: dict[str, str]) -> None:
    fingerprint = query_fingerprint("services", filters)
    cursor = CODEC.encode(fingerprint, key)
    assert len(cursor) <= MAX_CURSOR_CHARS
    assert CODEC.decode(cursor, fingerprint) == key


def test_a_cursor_is_opaque_url_safe_text() -> None:
    assert set(CURSOR) <= set(BASE64URL + ".")
    assert "dop-older-persons" not in CURSOR


def test_the_same_secret_in_another_process_reads_the_cursor() -> None:
    assert CursorCodec(SECRET).decode(CURSOR, FINGERPRINT) == (
        "dop-older-persons-allowance-registration"
    )


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    _refused(CursorCodec(b"another gateway's secret"), CURSOR)


def test_a_cursor_from_another_query_is_refused() -> None:
    other = query_fingerprint("services", {"category": "health", "q": "เบี้ยยังชีพ"})
    error = _refused(CODEC, CURSOR, other)
    assert "another query" in error.detail


def test_a_cursor_from_another_list_is_refused() -> None:
    cursor = CODEC.encode(query_fingerprint("agencies", {}), "DOPA")
    _refused(CODEC, cursor, query_fingerprint("services", {}))


@given(
    st.integers(min_value=0, max_value=len(CURSOR) - 1),
    st.sampled_from(BASE64URL + ".+/=!~ "),
)
# The last character of each part, changed in its lowest bit only: base64 leaves some low bits
# of a final character unused, and a strict decoder must still refuse the changed text.
@example(position=len(CURSOR) - 1, replacement=_low_bit_flipped(CURSOR[-1]))
@example(
    position=CURSOR.index(".") - 1, replacement=_low_bit_flipped(CURSOR[CURSOR.index(".") - 1])
)
def test_any_single_character_changed_is_refused(position: int, replacement: str) -> None:
    if CURSOR[position] == replacement:
        replacement = "A" if replacement != "A" else "B"
    tampered = CURSOR[:position] + replacement + CURSOR[position + 1 :]
    assert tampered != CURSOR
    _refused(CODEC, tampered)


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("", id="empty"),
        pytest.param("no-dot-at-all", id="no-dot"),
        pytest.param(CURSOR + ".x", id="two-dots"),
        pytest.param(CURSOR.split(".")[0] + ".", id="no-signature"),
        pytest.param("." + CURSOR.split(".")[1], id="no-payload"),
        pytest.param("%%%.%%%", id="not-base64"),
        pytest.param("eyJxIjoiMSJ9.AAAA", id="forged-payload"),
        pytest.param(CURSOR[:-3], id="truncated"),
    ],
)
def test_a_malformed_cursor_is_refused(cursor: str) -> None:
    _refused(CODEC, cursor)


def test_an_over_long_cursor_is_refused_even_when_correctly_signed() -> None:
    long_cursor = CODEC.encode(FINGERPRINT, "x" * MAX_CURSOR_CHARS)
    assert len(long_cursor) > MAX_CURSOR_CHARS
    _refused(CODEC, long_cursor)


def test_an_over_long_garbage_cursor_is_refused() -> None:
    _refused(CODEC, "A" * 10_000 + "." + "A" * 10_000)


def test_the_fingerprint_does_not_depend_on_filter_order() -> None:
    a = query_fingerprint("services", {"q": "tax", "category": "tax"})
    b = query_fingerprint("services", {"category": "tax", "q": "tax"})
    assert a == b
    assert a != query_fingerprint("services", {"category": "tax"})
    assert a != query_fingerprint("agencies", {"q": "tax", "category": "tax"})

"""Search normalisation: stored text and queries are normalised alike, so what looks the same
matches (Thai is searched by substring: it has no spaces between words)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gateway.catalog.search import like_pattern, normalize, query_terms, search_document

NIKHAHIT, SARA_AA, SARA_AM = "\u0e4d", "\u0e32", "\u0e33"
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("cafe\u0301", "caf\u00e9", id="nfc-composes-an-accent"),
        pytest.param("Driving LICENCE", "driving licence", id="casefold"),
        pytest.param("Straße", "strasse", id="casefold-is-more-than-lower"),
        pytest.param("ก" + NIKHAHIT + SARA_AA, "ก" + SARA_AM, id="sara-am-from-nikhahit-and-aa"),
        pytest.param(
            "น" + "\u0e49" + NIKHAHIT + SARA_AA, "น้ำ", id="tone-mark-then-nikhahit-and-aa"
        ),
        pytest.param(
            "น" + NIKHAHIT + "\u0e49" + SARA_AA,
            "น้ำ",
            id="nikhahit-then-tone-mark-then-aa-as-pdfs-give",
        ),
        pytest.param("ใบ\u200bขับ\u200cขี่\u200d\u2060\ufeff", "ใบขับขี่", id="zero-width-dropped"),
        pytest.param("  ต่ออายุ \t\n ใบขับขี่\u3000 ", "ต่ออายุ ใบขับขี่", id="white-space-collapsed"),
        pytest.param("a \u200b b", "a b", id="zero-width-inside-white-space"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        pytest.param("cafe\u200b\u0301", "caf\u00e9", id="latin-accent-after-a-zero-width"),
        # ก + mai ek + ZWSP + sara u, as pasted from the web; a keyboard types ก + sara u + mai ek.
        pytest.param("ก\u0e48\u200b\u0e38", "ก\u0e38\u0e48", id="thai-marks-around-a-zero-width"),
    ],
)
def test_a_zero_width_character_does_not_stop_a_match(typed: str, stored: str) -> None:
    assert normalize(typed) == normalize(stored)


def test_query_terms_split_on_white_space_and_drop_repeats() -> None:
    assert query_terms("ต่อ  ใบขับขี่ ต่อ") == ["ใบขับขี่", "ต่อ"]
    assert query_terms("Licence RENEW licence") == ["licence", "renew"]


def test_query_terms_are_normalised() -> None:
    assert query_terms("\u200bน" + NIKHAHIT + SARA_AA + "ประปา  Caf\u00c9") == ["นำประปา", "café"]


@pytest.mark.parametrize("query", ["", "   ", "\u200b\u200d", "\t\n"])
def test_a_blank_query_has_no_terms(query: str) -> None:
    assert query_terms(query) == []


@pytest.mark.parametrize(
    ("term", "pattern"),
    [
        ("ใบขับขี่", "%ใบขับขี่%"),
        ("100%", "%100\\%%"),
        ("e_service", "%e\\_service%"),
        ("a\\b", "%a\\\\b%"),
        ("\\%_", "%\\\\\\%\\_%"),
    ],
)
def test_like_pattern_escapes_like_wildcards(term: str, pattern: str) -> None:
    assert like_pattern(term) == pattern


def test_search_document_keeps_parts_apart() -> None:
    document = search_document("ต่ออายุใบขับขี่", None, "Driving LICENCE", "")
    assert document == "ต่ออายุใบขับขี่ | driving licence"


# ---- properties -------------------------------------------------------------------------------

# Characters the normaliser treats specially, mixed with anything else.
_SPECIAL = [
    *ZERO_WIDTH,
    NIKHAHIT,
    SARA_AA,
    SARA_AM,
    "\u0e48",  # mai ek (combining class 107)
    "\u0e49",  # mai tho (107): may stand between NIKHAHIT and SARA AA
    "\u0e38",  # sara u (combining class 103)
    "\u0301",  # combining acute (230)
    "\u0316",  # combining grave below (220)
    "e",
    "E",
    "ก",
    "น",
    "ß",
    "\u0130",  # İ: case folds to two characters
]
_WHITE_SPACE = [" ", "  ", "\t", "\n", "\u00a0", "\u2000", "\u3000"]
# A list of characters, not st.text: hypothesis would merge the two alphabets into one range
# and the special characters would hardly ever be drawn.
characters = st.one_of(st.sampled_from(_SPECIAL), st.characters())
texts = st.lists(characters, max_size=30).map("".join)
# Words and white space in turn, so that cuts next to white space are many.
words = st.lists(characters, min_size=1, max_size=8).map("".join)
phrases = st.lists(words | st.sampled_from(_WHITE_SPACE), max_size=10).map("".join)


@given(texts)
@example("e\u200b\u0301")
@example("ก\u0e48\u200b\u0e38")
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@st.composite
def text_and_words(draw: st.DrawFn) -> tuple[str, str]:
    """A text and a piece of it cut only next to white space (or at its ends).

    Cutting elsewhere could split an accent from its letter, or NIKHAHIT from SARA AA, and then
    the piece rightly normalises to something the whole does not contain.
    """
    text = draw(phrases)
    cuts = [
        i
        for i in range(len(text) + 1)
        if i in (0, len(text)) or text[i - 1].isspace() or text[i].isspace()
    ]
    start = draw(st.sampled_from(cuts))
    end = draw(st.sampled_from([c for c in cuts if c >= start]))
    return text, text[start:end]


@given(text_and_words())
def test_a_piece_of_a_text_cut_at_white_space_is_found_in_it(pair: tuple[str, str]) -> None:
    text, piece = pair
    assert normalize(piece) in normalize(text)


@given(phrases)
def test_every_query_term_is_found_in_the_text_it_came_from(text: str) -> None:
    normalized = normalize(text)
    for term in query_terms(text):
        assert term
        assert " " not in term
        assert term in normalized

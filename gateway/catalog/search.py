"""Text normalisation for catalog search, the same on stored text and on queries.

Thai is written without spaces between words, so the catalog searches by substring, not by
word. Both sides are normalised the same way so that what looks the same matches:
- Unicode NFC, then case folding for Latin script;
- zero-width characters (often pasted from the web) are dropped first, so that the marks
  around them still compose;
- SARA AM written as NIKHAHIT + SARA AA (U+0E4D U+0E32, common in text copied from PDFs),
  also with a tone mark between the two, becomes the single SARA AM (U+0E33) keyboards type,
  after the tone mark (the order Thai keyboards produce: น + ้ + ำ);
- runs of white space become one space.
A query is split on white space and every part must occur (AND), so "ต่อ ใบขับขี่" finds
"ต่ออายุใบขับขี่" and "licence renewal" finds "driving licence renewal".
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_SPLIT_SARA_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_ZERO_WIDTH))
    # Case folding can leave text that is no longer NFC (e.g. U+0130), so normalise again.
    text = unicodedata.normalize("NFC", text.casefold())
    text = _SPLIT_SARA_AM.sub("\\1\u0e33", text)
    return _SPACES.sub(" ", text).strip()


def query_terms(query: str) -> list[str]:
    """The distinct normalised terms of a query, longest first (most selective first)."""
    terms = dict.fromkeys(t for t in normalize(query).split(" ") if t)
    return sorted(terms, key=len, reverse=True)


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with LIKE's own wildcards escaped (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_document(*parts: str | None) -> str:
    """The stored text searched for an e-service: its parts joined with a separator no term has."""
    return " | ".join(normalize(p) for p in parts if p)

"""The two languages of the API and how a request picks one (Thai by default)."""

from __future__ import annotations

SUPPORTED_LANGUAGES = ("th", "en")
DEFAULT_LANGUAGE = "th"


def negotiate_language(header: str | None) -> str:
    """Pick th or en from an Accept-Language header (RFC 9110 s.12.5.4); Thai by default.

    The highest q wins, the earlier entry on a tie; q=0 means "not this one"; `*` stands for
    the default. Malformed entries are skipped, and only the first 20 entries are read.
    """
    if not header:
        return DEFAULT_LANGUAGE
    candidates: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, *params = part.split(";")
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = -1.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "*":
            primary = DEFAULT_LANGUAGE
        if primary in SUPPORTED_LANGUAGES and 0 < q <= 1:
            candidates.append((q, -position, primary))
    return max(candidates)[2] if candidates else DEFAULT_LANGUAGE

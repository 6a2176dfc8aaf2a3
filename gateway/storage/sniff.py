"""What an attachment is, decided from its first bytes: never from its name or declared type.

Only three kinds are accepted: PDF, JPEG and PNG. Each is recognised by the signature it
must start with:

    PDF   %PDF-                     (ISO 32000-2 §7.5.2, the file header)
    JPEG  FF D8 FF                  (SOI marker, then the first segment's marker)
    PNG   89 50 4E 47 0D 0A 1A 0A   (PNG spec §5.2, the signature)

ISO 32000 readers tolerate up to 1024 bytes of junk before `%PDF-`. We do not: a file whose
first bytes are anything else (an ELF or MZ executable, a `#!` script, HTML, a ZIP) is refused,
so a polyglot cannot hide an executable header in front of a PDF header. Real PDF writers put
the header at offset 0.

Pure: no I/O.
"""

from __future__ import annotations

from typing import Final

PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"

# Bytes a caller must read (or everything, if the blob is shorter) before calling sniff().
HEAD_BYTES: Final = 16

_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)

# The canonical file extension of each accepted media type.
EXTENSIONS: Final[dict[str, str]] = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}

ACCEPTED: Final[frozenset[str]] = frozenset(EXTENSIONS)


def sniff(head: bytes) -> str | None:
    """The media type of a blob that starts with `head`, or None when it is not accepted."""
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None

"""A Thai QR payload drawn as a QR code: PNG bytes and SVG text, with segno. Pure: the image is
made in memory and nothing is written anywhere.

Error correction is level M (15 % of the symbol can be lost), what Thai banks print: a higher
level would make the symbol denser for a phone to read off a screen, and segno's "boost" is
turned off so the level stays what is said here. The quiet zone is the 4 modules the QR
standard requires; a bank app will not read a code drawn flush against other content.
"""

from __future__ import annotations

import io

import segno

__all__ = ["BORDER_MODULES", "ERROR_LEVEL", "SCALE", "qr_png", "qr_svg"]

ERROR_LEVEL = "M"
#: Pixels per module in the PNG (and user units in the SVG): about 300 px for a bill payment.
SCALE = 8
#: The quiet zone, in modules (ISO/IEC 18004).
BORDER_MODULES = 4
#: A Thai QR payload is at most 512 characters (EMVCo); anything longer is not one.
_MAX_PAYLOAD_CHARS = 512


def _symbol(payload: str) -> segno.QRCode:
    if not payload or len(payload) > _MAX_PAYLOAD_CHARS:
        raise ValueError(f"a payload is 1-{_MAX_PAYLOAD_CHARS} characters")
    if not (payload.isascii() and payload.isprintable()):
        raise ValueError("a payload is printable ASCII")
    return segno.make_qr(payload, error=ERROR_LEVEL, boost_error=False)


def qr_png(payload: str, *, scale: int = SCALE, border: int = BORDER_MODULES) -> bytes:
    """The QR code of `payload` as a black-on-white PNG."""
    out = io.BytesIO()
    _symbol(payload).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def qr_svg(payload: str, *, scale: int = SCALE, border: int = BORDER_MODULES) -> str:
    """The QR code of `payload` as a standalone SVG document (served as image/svg+xml)."""
    out = io.BytesIO()
    _symbol(payload).save(
        out,
        kind="svg",
        scale=scale,
        border=border,
        xmldecl=False,
        svgns=True,
        svgclass=None,
        lineclass=None,
        light="#fff",  # a transparent background vanishes on a dark page: phones then fail
        title="Thai QR",
    )
    return out.getvalue().decode("utf-8")

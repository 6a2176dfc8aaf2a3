"""A payload drawn as a QR code is read back, byte for byte, by zbarimg (an outside decoder),
and what it reads is a payload whose CRC the parser verifies."""

from __future__ import annotations

import re
import struct
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from payments.qrimage import BORDER_MODULES, qr_png, qr_svg
from payments.thaiqr import ThaiQR, bill_payment, encode, parse, promptpay

Decoder = Callable[[Path], subprocess.CompletedProcess[str]]  # the `zbarimg` fixture
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"

EXAMPLES = [
    bill_payment("099400016550100", "123456789012", "670429", amount_satang=364922),
    bill_payment(
        "010554400123401",
        "DLT2570000123",
        "PAY7F3K9Q2M8X1",
        amount_satang=999_999_999_999,
        ref3="KIOSK7",
        merchant_name="Department of Land Trans",
        merchant_city="Bangkok",
        postal_code="10900",
    ),
    promptpay(mobile="0812223333"),
    promptpay(national_id="1111111111111", amount_satang=3000),
]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # IHDR follows the signature
    return width, height


@pytest.mark.parametrize("qr", EXAMPLES, ids=lambda qr: f"{qr.kind}-{qr.amount_satang}")
def test_zbarimg_reads_the_payload_back(qr: ThaiQR, zbarimg: Decoder, tmp_path: Path) -> None:
    payload = encode(qr)
    path = tmp_path / "qr.png"
    path.write_bytes(qr_png(payload))
    result = zbarimg(path)
    assert result.returncode == 0, result.stderr
    decoded = result.stdout.removesuffix("\n")
    assert decoded == payload
    assert parse(decoded) == qr  # its CRC verifies and it says what was drawn


def test_zbarimg_reads_a_small_scale_too(zbarimg: Decoder, tmp_path: Path) -> None:
    payload = encode(EXAMPLES[0])
    path = tmp_path / "small.png"
    path.write_bytes(qr_png(payload, scale=3))
    assert zbarimg(path).stdout.removesuffix("\n") == payload


def test_the_png_has_the_quiet_zone_and_scale() -> None:
    payload = encode(EXAMPLES[0])
    width, height = _png_size(qr_png(payload, scale=8))
    assert width == height
    # Level M with this payload's length needs a version 5 symbol (37 modules) at least;
    # the image is (modules + 2 x 4-module quiet zone) x 8 pixels.
    modules = width // 8 - 2 * BORDER_MODULES
    assert width % 8 == 0
    assert modules >= 37
    assert (modules - 17) % 4 == 0  # a QR symbol is 17 + 4 x version modules wide
    narrower, _ = _png_size(qr_png(payload, scale=8, border=0))
    assert narrower == width - 2 * BORDER_MODULES * 8


def _svg_modules(root: ET.Element, scale: int) -> tuple[int, set[tuple[int, int]]]:
    """(width in modules, dark modules) of segno's SVG: one stroked path of 1-unit-wide
    horizontal runs (`M x y`, `m dx dy`, `h n`) at each row's middle, in a scale() group."""
    (group,) = root.iter(f"{SVG}g")
    assert group.attrib["transform"] == f"scale({scale})"
    (path,) = (p for p in root.iter(f"{SVG}path") if p.attrib.get("stroke") == "#000")
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, args in re.findall(r"([A-Za-z])([^A-Za-z]*)", path.attrib["d"]):
        numbers = [float(n) for n in re.findall(r"-?[0-9.]+", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            assert command == "h", f"an SVG path command this test does not read: {command}"
            dark |= {(int(x) + i, int(y)) for i in range(int(numbers[0]))}
            x += numbers[0]
    return int(root.attrib["width"]) // scale, dark


def test_zbarimg_reads_the_svg_back(zbarimg: Decoder, tmp_path: Path) -> None:
    # zbarimg reads no SVG: the test draws the SVG's own modules as a plain bitmap (PBM).
    qr = EXAMPLES[1]
    payload = encode(qr)
    root = ET.fromstring(qr_svg(payload, scale=8))  # noqa: S314  (our own output)
    assert root.tag == f"{SVG}svg"
    modules, dark = _svg_modules(root, scale=8)
    pixels = 4
    lines = [
        " ".join(
            "1" if (x // pixels, y // pixels) in dark else "0" for x in range(modules * pixels)
        )
        for y in range(modules * pixels)
    ]
    path = tmp_path / "qr.pbm"
    path.write_text(f"P1\n{modules * pixels} {modules * pixels}\n" + "\n".join(lines) + "\n")
    result = zbarimg(path)
    assert result.returncode == 0, result.stderr
    assert parse(result.stdout.removesuffix("\n")) == qr


def test_the_svg_has_the_pngs_size_and_a_white_background() -> None:
    payload = encode(EXAMPLES[0])
    root = ET.fromstring(qr_svg(payload))  # noqa: S314  (our own output)
    png_width, _ = _png_size(qr_png(payload))
    assert (int(root.attrib["width"]), int(root.attrib["height"])) == (png_width, png_width)
    # On a dark page a transparent background leaves a code no phone reads.
    modules = png_width // 8
    assert any(
        path.attrib.get("fill") == "#fff"
        and path.attrib["d"] == f"M0 0h{modules}v{modules}h-{modules}z"
        for path in root.iter(f"{SVG}path")
    )


@pytest.mark.parametrize("bad", ["", "x" * 513, "ไทย", "line\nbreak"])
def test_only_a_payload_like_text_is_drawn(bad: str) -> None:
    with pytest.raises(ValueError, match="payload"):
        qr_png(bad)
    with pytest.raises(ValueError, match="payload"):
        qr_svg(bad)

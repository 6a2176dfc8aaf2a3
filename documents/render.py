"""An issued e-document drawn as a one-page A4 PDF: Thai first, English beside it, the issuing
agency at the top and a QR code of its public verification URL at the bottom. Pure: the PDF is
made in memory and nothing is read but the packaged fonts.

What the page says is `DocumentFacts.printed()`, item by item and nothing more, so the PDF, the
credential and the verification page never disagree (R-13.1, R-14.1). The typeface is Sarabun,
the Thai government's official one, embedded as a subset; HarfBuzz shapes the text, without
which Thai above and below vowels and tone marks land on the wrong spot or on dotted circles.
documents.pdfpage writes the page: every document is rendered by the issuing worker, and the
fonts are parsed, subsetted and compressed once per process there, not once per document. The
output depends only on the facts (the creation date is the day of issue), so the same facts
give the same bytes.

The bottom of the page is kept for the signature note: the PAdES signature itself is invisible
(documents.pades), the note says in words who signed.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import fontpkg_sarabun
import segno

from documents.facts import DocumentFacts
from documents.pdfpage import PT_PER_MM, Face, Glyph, Page, face, shaped

__all__ = ["render_pdf"]

_FONTS = Path(fontpkg_sarabun.ROOT) / "files"
_BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")

# Geometry, in millimetres on A4 (210 x 297).
_PAGE_W = 210.0
_PAGE_H = 297.0
_FRAME = 8.0  # the thin border's distance from the paper's edge
_MARGIN = 18.0
_GUTTER = 8.0
_COLUMN_W = (_PAGE_W - 2 * _MARGIN - _GUTTER) / 2
_THAI_X = _MARGIN
_ENGLISH_X = _MARGIN + _COLUMN_W + _GUTTER
_FOOT_TOP = 232.0  # the signature note and the QR code live below this line
_QR_SIZE = 34.0  # the whole symbol, quiet zone included
_QR_BORDER = 4  # modules of quiet zone the QR standard asks for (ISO/IEC 18004)
_LINE = 5.6  # the item lines' height at 11 pt (Thai needs room above and below)

_CAPTION = "ตรวจสอบเอกสารฉบับนี้ได้ที่ / Verify this document at"

_INK = (20, 30, 60)  # a dark blue-black, the colour of official letterheads
_MUTED = (90, 90, 90)
_BLACK = (0, 0, 0)


@cache
def _faces() -> dict[str, Face]:
    """Sarabun regular ("") and bold ("B"), parsed once per process."""
    regular, bold = _FONTS / "Sarabun-Regular.ttf", _FONTS / "Sarabun-Bold.ttf"
    for path in (regular, bold):
        if not path.is_file():  # a broken install: say which file, not a fontTools trace
            raise FileNotFoundError(f"the Sarabun font is missing: {path}")
    return {"": face(regular, "Sarabun"), "B": face(bold, "SarabunBold")}


class _Pen:
    """A cursor over the page: the current position, font and size, and text boxes that wrap
    (the page's few layout rules, kept as the first version, drawn with fpdf2, had them)."""

    def __init__(self) -> None:
        self.page = Page(_PAGE_W, _PAGE_H)
        self.x = self.y = _MARGIN
        self.font = _faces()[""]
        self.size = 11.0

    def set_font(self, style: str, size: float) -> None:
        self.font, self.size = _faces()[style], size

    def set_text_color(self, color: tuple[int, int, int]) -> None:
        self.page.fill_color(*color)

    def width(self, text: str) -> float:
        return self.page.measure(self.font, self.size, shaped(self.font, text))

    def text_box(self, width: float, height: float, text: str, align: str = "L") -> None:
        """`text` from the current position in a box `width` wide, wrapped when it must be,
        each line `height` tall; the position ends at the start of the next line."""
        for line in self._lines(shaped(self.font, text), width):
            x = self.x
            if align != "L":
                spare = width - self.page.measure(self.font, self.size, line)
                x += spare / 2 if align == "C" else spare
            # The baseline as fpdf2 put it: the line's middle, lowered by 0.3 of the size.
            baseline = self.y + height / 2 + 0.3 * self.size / PT_PER_MM
            self.page.text(x, baseline, self.font, self.size, line)
            self.y += height

    def _lines(self, glyphs: tuple[Glyph, ...], width: float) -> list[tuple[Glyph, ...]]:
        """`glyphs` cut into lines no wider than `width`: at the last space that fits, or (a
        Thai run has no spaces between words) after the last whole cluster that fits. A glyph
        never leaves its cluster, so no mark is parted from its consonant."""
        limit = width * PT_PER_MM * self.font.units / self.size  # in font units
        clusters: list[tuple[int, int, int, bool]] = []  # glyph start, end, advance, space?
        for index, glyph in enumerate(glyphs):
            if index and glyph.cluster == glyphs[index - 1].cluster:
                start, _, advance, blank = clusters[-1]
                clusters[-1] = (start, index + 1, advance + glyph.advance, blank)
            else:
                clusters.append((index, index + 1, glyph.advance, glyph.text == " "))
        lines: list[tuple[Glyph, ...]] = []
        while clusters:
            total, fits, space = 0, len(clusters), 0
            for index, (_, _, advance, is_space) in enumerate(clusters):
                if is_space:
                    space = index
                if index and total + advance > limit:
                    fits = index
                    break
                total += advance
            if fits == len(clusters):
                lines.append(glyphs[clusters[0][0] : clusters[-1][1]])
                break
            cut = space or fits  # a space ends the line and is not drawn
            lines.append(glyphs[clusters[0][0] : clusters[cut - 1][1]])
            clusters = clusters[cut + 1 :] if space else clusters[cut:]
        return lines or [()]


def render_pdf(facts: DocumentFacts) -> bytes:
    """The document as PDF bytes (one A4 page, Thai and English, QR code of `verify_url`)."""
    pen = _Pen()
    _frame(pen)
    _heading(pen, facts)
    _items(pen, facts)
    _foot(pen, facts)
    created = dt.datetime.combine(facts.issued_on, dt.time(), _BANGKOK)
    return pen.page.output(
        {
            "Title": f"{facts.title_th} / {facts.title_en}",
            "Author": facts.agency_name_en,
            "Subject": f"{facts.number} ({facts.agency_code})",
            "Producer": "citizen-gateway documents.render",
            "CreationDate": created.strftime("D:%Y%m%d%H%M%S+07'00'"),
        },
        lang="th",
    )


def _frame(pen: _Pen) -> None:
    page = pen.page
    page.stroke_color(*_INK)
    page.line_width(0.5)
    page.stroke_rect(_FRAME, _FRAME, _PAGE_W - 2 * _FRAME, _PAGE_H - 2 * _FRAME)
    page.line_width(0.15)
    inner = _FRAME + 1.2
    page.stroke_rect(inner, inner, _PAGE_W - 2 * inner, _PAGE_H - 2 * inner)


def _centred(pen: _Pen, text: str, style: str, size: float, height: float) -> None:
    pen.set_font(style, size)
    pen.x = _MARGIN
    pen.text_box(_PAGE_W - 2 * _MARGIN, height, text, align="C")


def _heading(pen: _Pen, facts: DocumentFacts) -> None:
    """The agency as a letterhead, a rule, then the title in Thai (big) and in English."""
    pen.set_text_color(_INK)
    pen.y = _MARGIN
    _centred(pen, facts.agency_name_th, "B", 15, 7.5)
    _centred(pen, facts.agency_name_en, "", 10.5, 5.5)
    y = pen.y + 3
    pen.page.line_width(0.4)
    pen.page.line(_MARGIN, y, _PAGE_W - _MARGIN, y)
    pen.y = y + 7
    _centred(pen, facts.title_th, "B", 22, 11)
    _centred(pen, facts.title_en, "", 14, 7)
    pen.y += 8


def _items(pen: _Pen, facts: DocumentFacts) -> None:
    """Each printed item as one row: "label: value" in Thai on the left, in English on the
    right; a row is as tall as its longer side."""
    pen.set_text_color(_BLACK)
    y = pen.y
    for item in facts.printed():
        bottom = y
        for x, label, value in (
            (_THAI_X, item.label_th, item.value_th),
            (_ENGLISH_X, item.label_en, item.value_en),
        ):
            pen.x, pen.y = x, y
            pen.set_font("B", 11)
            label_w = min(pen.width(label + ": ") + 0.5, _COLUMN_W / 2)
            pen.text_box(label_w, _LINE, label + ":")
            label_bottom = pen.y
            pen.x, pen.y = x + label_w, y
            pen.set_font("", 11)
            pen.text_box(_COLUMN_W - label_w, _LINE, value)
            bottom = max(bottom, pen.y, label_bottom)
        y = bottom + 1.6
        if y > _FOOT_TOP - 4:  # DocumentSpec caps items at 20: a page holds them unless
            raise ValueError("the document's items do not fit on one page")  # very long


def _foot(pen: _Pen, facts: DocumentFacts) -> None:
    """The signature note on the left, the QR code on the right with its caption under it."""
    page = pen.page
    page.stroke_color(*_MUTED)
    page.line_width(0.2)
    page.line(_MARGIN, _FOOT_TOP, _PAGE_W - _MARGIN, _FOOT_TOP)

    qr_x = _PAGE_W - _MARGIN - _QR_SIZE + 3  # the quiet zone may reach into the margin
    qr_y = _FOOT_TOP + 3
    _qr(page, facts.verify_url, qr_x, qr_y)

    note_w = qr_x - _MARGIN - 4
    pen.set_text_color(_INK)
    pen.x, pen.y = _MARGIN, _FOOT_TOP + 8
    pen.set_font("B", 11)
    pen.text_box(note_w, 6, "ลงนามอิเล็กทรอนิกส์โดย")
    pen.set_font("", 11)
    pen.text_box(note_w, 6, facts.agency_name_th)
    pen.y += 2
    pen.set_font("B", 10)
    pen.text_box(note_w, 5, "Digitally signed by")
    pen.set_font("", 10)
    pen.text_box(note_w, 5, facts.agency_name_en)

    pen.set_text_color(_MUTED)
    pen.set_font("", 8.5)
    caption_w = _PAGE_W - 2 * _MARGIN
    pen.x, pen.y = _MARGIN, qr_y + _QR_SIZE - 1
    pen.text_box(caption_w, 4.2, _CAPTION, align="R")
    pen.text_box(caption_w, 4.2, facts.verify_url, align="R")


def _qr(page: Page, payload: str, x: float, y: float) -> None:
    """The QR code drawn as vector rectangles, one per run of dark modules in a row, all in
    one path: sharp at any zoom, and lighter than an embedded image. Level M, as
    payments.qrimage draws them."""
    symbol = segno.make_qr(payload, error="M", boost_error=False)
    rows: list[bytearray] = list(symbol.matrix)
    size = len(rows)
    module = _QR_SIZE / (size + 2 * _QR_BORDER)
    left, top = x + _QR_BORDER * module, y + _QR_BORDER * module
    boxes: list[tuple[float, float, float, float]] = []
    for r, row in enumerate(rows):
        c = 0
        while c < size:
            if row[c] & 1:
                start = c
                while c < size and row[c] & 1:
                    c += 1
                # A hair taller than a module, so rows overlap instead of leaving light seams
                # where a renderer rounds the edges apart.
                boxes.append(
                    (left + start * module, top + r * module, (c - start) * module, module + 0.02)
                )
            else:
                c += 1
    page.fill_color(*_BLACK)
    page.fill_rects(boxes)

"""An issued e-document drawn as a one-page A4 PDF: Thai first, English beside it, the issuing
agency at the top and a QR code of its public verification URL at the bottom. Pure: the PDF is
made in memory and nothing is read but the packaged fonts.

What the page says is `DocumentFacts.printed()`, item by item and nothing more, so the PDF, the
credential and the verification page never disagree (R-13.1, R-14.1). The typeface is Sarabun,
the Thai government's official one, embedded as a subset; fpdf2 shapes the text with HarfBuzz,
without which Thai above and below vowels and tone marks land on the wrong spot or on dotted
circles. The output depends only on the facts (the creation date is the day of issue), so the
same facts give the same bytes.

The bottom of the page is kept for the signature note: the PAdES signature itself is invisible
(documents.pades), the note says in words who signed.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import fontpkg_sarabun
import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

from documents.facts import DocumentFacts

__all__ = ["render_pdf"]

_FAMILY = "Sarabun"
_FONTS = Path(fontpkg_sarabun.ROOT) / "files"
_BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")

# Geometry, in millimetres on A4 (210 x 297).
_PAGE_W = 210.0
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

# Sarabun stacks and shifts Thai marks by substitution (GSUB picks a raised, lowered or
# left-shifted form of each tone mark and vowel), so its GPOS mark attachment only nudges marks
# by a hundredth of a point. fpdf2 writes each nudge as a step back along the line, and poppler
# (pdftotext, and the viewers built on it) then reads "ผู้สูง" as "ผูส" + "้ งู": copying text
# off the document broke. Without the nudges it reads back, and looks the same.
_FEATURES = {"mark": False, "mkmk": False}
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")
_CAPTION = "ตรวจสอบเอกสารฉบับนี้ได้ที่ / Verify this document at"

_INK = (20, 30, 60)  # a dark blue-black, the colour of official letterheads
_MUTED = (90, 90, 90)


def _is_thai(text: str) -> bool:
    return any("\u0e00" <= char <= "\u0e7f" for char in text)


@cache
def _font_paths() -> tuple[Path, Path]:
    regular, bold = _FONTS / "Sarabun-Regular.ttf", _FONTS / "Sarabun-Bold.ttf"
    for path in (regular, bold):
        if not path.is_file():  # a broken install: say which file, not a fontTools trace
            raise FileNotFoundError(f"the Sarabun font is missing: {path}")
    return regular, bold


class _Page(FPDF):
    """fpdf2 with the document's fonts, and shaping only where a line needs it."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        regular, bold = _font_paths()
        self.add_font(_FAMILY, "", regular)
        self.add_font(_FAMILY, "B", bold)
        for font in self._sarabun():
            # Keep each glyph's stored bounds instead of decompiling every outline to measure it
            # again (fontTools' own subsetter default): the subset keeps outlines as they are,
            # so the bounds stay true, and this halves the time the embedding takes.
            font.ttfont.recalcBBoxes = False
        self.set_auto_page_break(auto=False)  # one page: the layout below fits its items
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.c_margin = 0  # columns start exactly where they are placed

    def _sarabun(self) -> list[TTFFont]:
        return [font for font in self.fonts.values() if isinstance(font, TTFFont)]

    def drop_layout_tables(self) -> None:
        """Once every line is drawn, forget the fonts' OpenType layout tables: the embedded
        subset leaves them out anyway (a PDF viewer draws glyphs already shaped), and fontTools
        would otherwise read all of them through just to drop them. HarfBuzz shaped the text
        from its own copy of the font file."""
        for font in self._sarabun():
            for tag in _LAYOUT_TABLES:
                if tag in font.ttfont:
                    del font.ttfont[tag]

    def shaped(self, text: str) -> str:
        """Turn HarfBuzz on for Thai text only: Latin needs no shaping here, and shaping costs
        about half of the time fpdf2 spends drawing a line."""
        if _is_thai(text):
            self.set_text_shaping(True, features=_FEATURES, script="thai", language="tha")
        else:
            self.set_text_shaping(False)
        return text

    def text_box(self, width: float, height: float, text: str, align: str = "L") -> None:
        """`text` from the current position in a box `width` wide, wrapped when it must be;
        the position ends at the start of the next line. A line that fits is drawn as one cell:
        fpdf2's line breaking measures a shaped text one character at a time, ten times the
        cost of drawing it."""
        text = self.shaped(text)
        x = self.get_x()
        if self.get_string_width(text) <= width:
            self.cell(width, height, text, align=align, new_x="LEFT", new_y="NEXT")
        else:
            self.multi_cell(width, height, text, align=align, new_x="LEFT", new_y="NEXT")
        self.set_x(x)


def render_pdf(facts: DocumentFacts) -> bytes:
    """The document as PDF bytes (one A4 page, Thai and English, QR code of `verify_url`)."""
    pdf = _Page()
    pdf.set_title(f"{facts.title_th} / {facts.title_en}")
    pdf.set_author(facts.agency_name_en)
    pdf.set_subject(f"{facts.number} ({facts.agency_code})")
    pdf.set_lang("th")
    pdf.set_creation_date(dt.datetime.combine(facts.issued_on, dt.time(), _BANGKOK))
    pdf.add_page()
    _frame(pdf)
    _heading(pdf, facts)
    _items(pdf, facts)
    _foot(pdf, facts)
    pdf.drop_layout_tables()
    return bytes(pdf.output())


def _frame(pdf: _Page) -> None:
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.5)
    pdf.rect(_FRAME, _FRAME, _PAGE_W - 2 * _FRAME, 297 - 2 * _FRAME)
    pdf.set_line_width(0.15)
    pdf.rect(_FRAME + 1.2, _FRAME + 1.2, _PAGE_W - 2 * _FRAME - 2.4, 297 - 2 * _FRAME - 2.4)


def _centred(pdf: _Page, text: str, style: str, size: float, height: float) -> None:
    pdf.set_font(_FAMILY, style, size)
    pdf.set_x(_MARGIN)
    pdf.text_box(_PAGE_W - 2 * _MARGIN, height, text, align="C")


def _heading(pdf: _Page, facts: DocumentFacts) -> None:
    """The agency as a letterhead, a rule, then the title in Thai (big) and in English."""
    pdf.set_text_color(*_INK)
    pdf.set_y(_MARGIN)
    _centred(pdf, facts.agency_name_th, "B", 15, 7.5)
    _centred(pdf, facts.agency_name_en, "", 10.5, 5.5)
    y = pdf.get_y() + 3
    pdf.set_line_width(0.4)
    pdf.line(_MARGIN, y, _PAGE_W - _MARGIN, y)
    pdf.set_y(y + 7)
    _centred(pdf, facts.title_th, "B", 22, 11)
    _centred(pdf, facts.title_en, "", 14, 7)
    pdf.set_y(pdf.get_y() + 8)


def _items(pdf: _Page, facts: DocumentFacts) -> None:
    """Each printed item as one row: "label: value" in Thai on the left, in English on the
    right; a row is as tall as its longer side."""
    pdf.set_text_color(0, 0, 0)
    y = pdf.get_y()
    for item in facts.printed():
        bottom = y
        for x, label, value in (
            (_THAI_X, item.label_th, item.value_th),
            (_ENGLISH_X, item.label_en, item.value_en),
        ):
            pdf.set_xy(x, y)
            pdf.set_font(_FAMILY, "B", 11)
            label_w = min(pdf.get_string_width(pdf.shaped(label + ": ")) + 0.5, _COLUMN_W / 2)
            pdf.text_box(label_w, _LINE, label + ":")
            label_bottom = pdf.get_y()
            pdf.set_xy(x + label_w, y)
            pdf.set_font(_FAMILY, "", 11)
            pdf.text_box(_COLUMN_W - label_w, _LINE, value)
            bottom = max(bottom, pdf.get_y(), label_bottom)
        y = bottom + 1.6
        if y > _FOOT_TOP - 4:  # DocumentSpec caps items at 20: a page holds them unless
            raise ValueError("the document's items do not fit on one page")  # very long


def _foot(pdf: _Page, facts: DocumentFacts) -> None:
    """The signature note on the left, the QR code on the right with its caption under it."""
    pdf.set_draw_color(*_MUTED)
    pdf.set_line_width(0.2)
    pdf.line(_MARGIN, _FOOT_TOP, _PAGE_W - _MARGIN, _FOOT_TOP)

    qr_x = _PAGE_W - _MARGIN - _QR_SIZE + 3  # the quiet zone may reach into the margin
    qr_y = _FOOT_TOP + 3
    _qr(pdf, facts.verify_url, qr_x, qr_y)

    note_w = qr_x - _MARGIN - 4
    pdf.set_text_color(*_INK)
    pdf.set_xy(_MARGIN, _FOOT_TOP + 8)
    pdf.set_font(_FAMILY, "B", 11)
    pdf.text_box(note_w, 6, "ลงนามอิเล็กทรอนิกส์โดย")
    pdf.set_font(_FAMILY, "", 11)
    pdf.text_box(note_w, 6, facts.agency_name_th)
    pdf.set_y(pdf.get_y() + 2)
    pdf.set_font(_FAMILY, "B", 10)
    pdf.text_box(note_w, 5, "Digitally signed by")
    pdf.set_font(_FAMILY, "", 10)
    pdf.text_box(note_w, 5, facts.agency_name_en)

    pdf.set_text_color(*_MUTED)
    pdf.set_font(_FAMILY, "", 8.5)
    caption_w = _PAGE_W - 2 * _MARGIN
    pdf.set_xy(_MARGIN, qr_y + _QR_SIZE - 1)
    pdf.text_box(caption_w, 4.2, _CAPTION, align="R")
    pdf.text_box(caption_w, 4.2, facts.verify_url, align="R")


def _qr(pdf: _Page, payload: str, x: float, y: float) -> None:
    """The QR code drawn as vector rectangles, one per run of dark modules in a row: sharp at
    any zoom, and lighter than an embedded image. Level M, as payments.qrimage draws them."""
    symbol = segno.make_qr(payload, error="M", boost_error=False)
    rows: list[bytearray] = list(symbol.matrix)
    size = len(rows)
    module = _QR_SIZE / (size + 2 * _QR_BORDER)
    left, top = x + _QR_BORDER * module, y + _QR_BORDER * module
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < size:
            if row[c] & 1:
                start = c
                while c < size and row[c] & 1:
                    c += 1
                # A hair taller than a module, so rows overlap instead of leaving light seams
                # where a renderer rounds the edges apart.
                pdf.rect(
                    left + start * module,
                    top + r * module,
                    (c - start) * module,
                    module + 0.02,
                    style="F",
                )
            else:
                c += 1

"""One PDF page of shaped text, lines and filled boxes, written directly: what documents.render
draws an e-document with. Pure: fonts are read from the paths it is given, the PDF is made in
memory.

Why not a general PDF library: an issuing worker renders every document the portal grants, and
a general library (fpdf2 was used first) spends some 70 ms of CPU on each, most of it on work
that is the same for every document: parsing the font files, subsetting them again, measuring
and breaking lines one character at a time. Here that work is done once per process:

- `Face` parses a font once. Its embedded program is one fixed subset, every glyph that
  Thai, ASCII and Latin-1 text can shape to (OpenType substitutions included), compressed once
  and reused as bytes; glyph ids are kept as in the font file, so a glyph outside that set
  only adds itself (a per-document subset, cached by its extra glyphs).
- `shaped` keeps HarfBuzz's output for recent texts: labels repeat on every document.

Text stays extractable the way PDF readers expect (ISO 32000-1 9.10): each font is a Type 0
font with Identity-H codes; every code stands for one glyph *and* the characters it shows. The
first glyph of a cluster maps to all of the cluster's characters, its other glyphs (Thai
marks, the two halves of sara am) to none, so copying "ผู้" gives back "ผู้", in order. A glyph
that shows different characters in different places gets one code for each.

The output depends only on what is drawn: codes are numbered in order of first use, the subset
tag and the file /ID are digests, and no clock is read.
"""

from __future__ import annotations

import hashlib
import itertools
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import uharfbuzz as hb
from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont

__all__ = ["Face", "Glyph", "Page", "face", "shaped"]

PT_PER_MM = 72 / 25.4

# What every document's text is drawn from: the fixed part of each embedded subset.
_BASE_CHARS = (
    list(range(0x20, 0x7F))  # ASCII
    + list(range(0xA0, 0x100))  # Latin-1: no-break space, punctuation, accented letters
    + list(range(0x0E01, 0x0E5C))  # the Thai block (U+0E00 and the unassigned tail are empty)
    + [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AC, 0x2116]
)

# Sarabun stacks and shifts Thai marks by substitution (GSUB picks a raised, lowered or
# left-shifted form of each tone mark and vowel), so its GPOS mark attachment only nudges marks
# by a hundredth of a point. Drawn, the nudges are steps back along the line, and poppler
# (pdftotext, and the viewers built on it) then reads "ผู้สูง" as "ผูส" + "้ งู": copying text
# off the document broke. Without the nudges it reads back, and looks the same.
_FEATURES = {"mark": False, "mkmk": False}


class Glyph(NamedTuple):
    """One shaped glyph: its id in the font, the characters it stands for ("" for the second
    and later glyphs of a cluster) and HarfBuzz's placement, in font units."""

    gid: int
    text: str
    advance: int
    x_offset: int
    y_offset: int
    cluster: int  # the index in the shaped text of the first character the glyph belongs to


class Face:
    """A TrueType font, parsed once: HarfBuzz's copy for shaping, the widths for measuring and
    what a PDF needs to embed it."""

    def __init__(self, path: Path, name: str) -> None:
        self.name = name  # the font's name in the PDF, after its subset tag
        data = path.read_bytes()
        self.hb_font = hb.Font(hb.Face(hb.Blob(data)))
        font = TTFont(BytesIO(data), lazy=True)
        self.units = int(font["head"].unitsPerEm)
        self.scale = 1000 / self.units  # PDF glyph space is 1000 units to the em
        order = font.getGlyphOrder()
        metrics = font["hmtx"].metrics
        self.widths: list[int] = [int(metrics[name][0]) for name in order]
        head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
        scaled = self._scaled
        self.descriptor = (
            f"/Ascent {scaled(hhea.ascent)} /Descent {scaled(hhea.descent)} "
            f"/CapHeight {scaled(getattr(os2, 'sCapHeight', 0) or hhea.ascent)} "
            f"/Flags 4 /FontBBox [{scaled(head.xMin)} {scaled(head.yMin)} "
            f"{scaled(head.xMax)} {scaled(head.yMax)}] "
            f"/ItalicAngle {round(font['post'].italicAngle)} "
            f"/StemV {round(50 + (os2.usWeightClass / 65) ** 2)} "
            f"/MissingWidth {scaled(self.widths[0])}"
        )
        self._data = data
        self.base_glyphs = self._closure(font, _BASE_CHARS)

    def _scaled(self, value: float) -> int:
        return round(value * self.scale)

    @staticmethod
    def _options() -> ftsubset.Options:
        options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
        options.retain_gids = True  # codes map to the font's own glyph ids: no renumbering
        options.layout_features = ["*"]  # follow every substitution to its alternates
        options.name_IDs = ["*"]
        options.recalc_bounds = False  # outlines are kept as they are: their bounds stay true
        return options

    def _closure(self, font: TTFont, chars: Iterable[int]) -> frozenset[int]:
        """The glyph ids that text of `chars` can shape to, .notdef included: what a subset
        for `chars` keeps, all substitutions followed."""
        ids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
        copy = TTFont(BytesIO(self._data))
        options = self._options()
        options.retain_gids = False  # the kept glyphs alone, by name
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(unicodes=chars)
        subsetter.subset(copy)
        return frozenset(ids[name] for name in copy.getGlyphOrder())

    @lru_cache(maxsize=32)  # noqa: B019  (faces live as long as the process)
    def program(self, extra: frozenset[int]) -> tuple[bytes, int]:
        """The embedded font program, Flate-compressed, and its uncompressed length: the fixed
        subset plus `extra` glyphs, without the layout tables (a PDF's glyphs arrive shaped)."""
        # The font's own modification time, not now: the same subset must be the same bytes.
        font = TTFont(BytesIO(self._data), recalcTimestamp=False)
        options = self._options()
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG", "FFTM", "hdmx"]
        subsetter = ftsubset.Subsetter(options)
        order = font.getGlyphOrder()
        subsetter.populate(glyphs=[order[gid] for gid in sorted(self.base_glyphs | extra)])
        subsetter.subset(font)
        out = BytesIO()
        font.save(out)
        raw = out.getvalue()
        return zlib.compress(raw, 9), len(raw)

    def tag(self, extra: frozenset[int]) -> str:
        """The six capital letters a subset's name starts with (ISO 32000-1 9.6.4), from its
        glyphs, so the same subset always has the same name."""
        glyphs = repr((self.name, sorted(self.base_glyphs | extra))).encode()
        digest = hashlib.sha256(glyphs).digest()
        return "".join(chr(65 + byte % 26) for byte in digest[:6])


@cache
def face(path: Path, name: str) -> Face:
    """The font at `path`, parsed once per process, named `name` in PDFs."""
    return Face(path, name)


@lru_cache(maxsize=4096)
def shaped(font: Face, text: str) -> tuple[Glyph, ...]:
    """`text` shaped by HarfBuzz (script and language guessed from it: Thai gets its Thai
    shaping), each glyph with the characters it stands for."""
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font.hb_font, buffer, _FEATURES)
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    starts = sorted({info.cluster for info in infos} | {len(text)})
    end_of = dict(itertools.pairwise(starts))
    glyphs: list[Glyph] = []
    seen: set[int] = set()
    for info, position in zip(infos, positions, strict=True):
        cluster = info.cluster
        chars = "" if cluster in seen else text[cluster : end_of[cluster]]
        seen.add(cluster)
        glyphs.append(
            Glyph(
                info.codepoint,
                chars,
                position.x_advance,
                position.x_offset,
                position.y_offset,
                cluster,
            )
        )
    return tuple(glyphs)


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_string(text: str) -> str:
    """A PDF text string: literal if ASCII, UTF-16BE with its byte order mark if not."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})"
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


# The object writers `Page.output` hands to `Page._font`: add an object, add a stream.
_Add = Callable[[bytes], int]
_Stream = Callable[..., int]


@dataclass
class _Used:
    """A face as one document uses it: its resource name and the codes handed out so far."""

    name: str
    codes: dict[tuple[int, str], int]


class Page:
    """One page, drawn in millimetres from its top-left corner (as a layout reads), written
    as PDF points from the bottom-left (as PDF reads)."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self._ops: list[str] = []
        self._used: dict[Face, _Used] = {}

    # Measuring.

    @staticmethod
    def measure(font: Face, size: float, glyphs: Sequence[Glyph]) -> float:
        """The advance of `glyphs` at `size` points, in millimetres."""
        return sum(glyph.advance for glyph in glyphs) * size / font.units / PT_PER_MM

    # Drawing.

    def fill_color(self, red: int, green: int, blue: int) -> None:
        self._ops.append(f"{red / 255:.3f} {green / 255:.3f} {blue / 255:.3f} rg")

    def stroke_color(self, red: int, green: int, blue: int) -> None:
        self._ops.append(f"{red / 255:.3f} {green / 255:.3f} {blue / 255:.3f} RG")

    def line_width(self, width: float) -> None:
        self._ops.append(f"{_number(width * PT_PER_MM)} w")

    def _box(self, x: float, y: float, w: float, h: float) -> str:
        k = PT_PER_MM
        return (
            f"{_number(x * k)} {_number((self.height - y - h) * k)} "
            f"{_number(w * k)} {_number(h * k)} re"
        )

    def stroke_rect(self, x: float, y: float, w: float, h: float) -> None:
        self._ops.append(self._box(x, y, w, h) + " S")

    def fill_rects(self, boxes: Iterable[tuple[float, float, float, float]]) -> None:
        """Many boxes filled as one path (a QR code's modules)."""
        self._ops.append("\n".join(self._box(*box) for box in boxes) + "\nf")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        k, h = PT_PER_MM, self.height
        self._ops.append(
            f"{_number(x1 * k)} {_number((h - y1) * k)} m "
            f"{_number(x2 * k)} {_number((h - y2) * k)} l S"
        )

    def text(
        self, x: float, baseline: float, font: Face, size: float, glyphs: Sequence[Glyph]
    ) -> None:
        """`glyphs` from `x` along the `baseline`, HarfBuzz's advances and offsets kept."""
        used = self._used.get(font)
        if used is None:
            used = self._used[font] = _Used(f"F{len(self._used) + 1}", {})
        codes, scale = used.codes, font.scale
        k = PT_PER_MM
        ops = [
            f"BT /{used.name} {_number(size)} Tf 1 0 0 1 {_number(x * k)} "
            f"{_number((self.height - baseline) * k)} Tm"
        ]
        operands: list[str] = []  # of the TJ being written: runs of codes, and moves
        run: list[str] = []  # codes not yet in `operands`
        rise = 0

        def end_run() -> None:
            if run:
                operands.append("<" + "".join(run) + ">")
                run.clear()

        def end_show() -> None:
            end_run()
            if operands:
                ops.append("[" + " ".join(operands) + "] TJ")
                operands.clear()

        for glyph in glyphs:
            key = (glyph.gid, glyph.text)
            code = codes.get(key)
            if code is None:
                code = codes[key] = len(codes) + 1  # code 0 stays .notdef
            if glyph.y_offset != rise:
                end_show()
                rise = glyph.y_offset
                ops.append(f"{_number(rise * size / font.units)} Ts")
            if glyph.x_offset:
                end_run()
                operands.append(str(-round(glyph.x_offset * scale)))
            run.append(f"{code:04X}")
            # TJ moves on by the code's width (the /W array: the font's own advance); where
            # HarfBuzz's advance differs (kerning), or an offset is to be taken back, say so.
            adjust = round((font.widths[glyph.gid] - glyph.advance + glyph.x_offset) * scale)
            if adjust:
                end_run()
                operands.append(str(adjust))
        end_show()
        if rise:
            ops.append("0 Ts")
        ops.append("ET")
        self._ops.append(" ".join(ops))

    # Writing.

    def output(self, info: dict[str, str], lang: str) -> bytes:
        """The page as a complete PDF file; `info` is its document information (Title,
        Author, Subject, CreationDate as a PDF date...)."""
        objects: list[bytes] = [b""] * 3  # 1 catalog, 2 pages, 3 page; the rest appended

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def stream(data: bytes, extra: str = "", *, raw_length: int | None = None) -> int:
            if raw_length is None:
                data = zlib.compress(data, 6)
            else:
                extra += f" /Length1 {raw_length}"
            head = f"<< /Length {len(data)} /Filter /FlateDecode{extra} >>\nstream\n"
            return add(head.encode() + data + b"\nendstream")

        fonts: list[str] = []
        for font, used in self._used.items():
            fonts.append(f"/{used.name} {self._font(font, used, add, stream)} 0 R")
        content = stream("\n".join(self._ops).encode("latin-1"))
        width, height = _number(self.width * PT_PER_MM), _number(self.height * PT_PER_MM)
        objects[0] = f"<< /Type /Catalog /Pages 2 0 R /Lang {_text_string(lang)} >>".encode()
        objects[1] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
        objects[2] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /Font << {' '.join(fonts)} >> >> /Contents {content} 0 R >>"
        ).encode()
        entries = " ".join(f"/{key} {_text_string(value)}" for key, value in info.items())
        info_id = add(f"<< {entries} >>".encode())

        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
        file_id = hashlib.md5(out, usedforsecurity=False).hexdigest().upper()
        out += (
            f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R "
            f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)

    @staticmethod
    def _font(font: Face, used: _Used, add: _Add, stream: _Stream) -> int:
        """A face's objects (ISO 32000-1 9.7: Type 0 over a CIDFontType2); the number of its
        Type 0 font object."""
        extra = frozenset(gid for gid, _ in used.codes if gid not in font.base_glyphs)
        program, length = font.program(extra)
        name = f"{font.tag(extra)}+{font.name}"
        file_obj = stream(program, raw_length=length)
        descriptor = add(
            f"<< /Type /FontDescriptor /FontName /{name} {font.descriptor} "
            f"/FontFile2 {file_obj} 0 R >>".encode()
        )
        by_code = sorted((code, gid, text) for (gid, text), code in used.codes.items())
        gid_map = bytearray(2 * (len(by_code) + 1))
        for code, gid, _ in by_code:
            gid_map[2 * code : 2 * code + 2] = gid.to_bytes(2, "big")
        cid_to_gid = stream(bytes(gid_map))
        widths = " ".join(str(round(font.widths[gid] * font.scale)) for _, gid, _ in by_code)
        cid_font = add(
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW {round(font.widths[0] * font.scale)} "
            f"/W [1 [{widths}]] /CIDToGIDMap {cid_to_gid} 0 R >>".encode()
        )
        mappings = [
            f"<{code:04X}> <{text.encode('utf-16-be').hex().upper()}>"
            for code, _, text in by_code
            if text
        ]
        blocks = [
            f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar"
            for chunk in (mappings[i : i + 100] for i in range(0, len(mappings), 100))
        ]  # at most 100 mappings a block (the CMap format's limit)
        to_unicode = stream(
            (
                "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                + "\n".join(blocks)
                + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
            ).encode()
        )
        return add(
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode()
        )

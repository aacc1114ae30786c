"""Digital PDF pages into the IR with pypdfium2: characters and ruling lines.

pdfium reads every character box and path object of a form page in a few
milliseconds, an order of magnitude faster than pdfminer, so this is the
hot path for digital input. Path objects inside form XObjects are walked
with their transformation matrices composed; text clipped away is not read
(see "Clipped text" below).
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from typing import Iterable, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from extractors.ir import Char, Page, Ruling

log = logging.getLogger(__name__)

Matrix = tuple[float, float, float, float, float, float]
Point = tuple[float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

MAX_RULING_WIDTH = 3.0  # a filled rectangle thinner than this is a line
MIN_RULING_LENGTH = 2.0
DUPLICATE_TOLERANCE = 1.0  # doubled glyphs (fake bold) closer than this are one
Box = tuple[float, float, float, float]  # PDF user space: left, bottom, right, top
CLIP_TOLERANCE = 1.0  # points a glyph may stand past its clip box (antialiasing, rounding)


@dataclass(frozen=True, slots=True)
class TextLayerStats:
    """How usable a page's text layer is.

    A font without a usable ToUnicode map decodes to codes, not text: control
    characters and private-use codes (``unmapped``), or the glyph names of a
    Latin code page, which read as accented letters and typographic signs
    (``ÄÅÇÉ‡„‰ﬁ``: ``mojibake``), or strings of ASCII punctuation.
    """

    chars: int
    cjk_or_ascii: int
    unmapped: int
    mojibake: int = 0
    ascii_symbols: int = 0

    @property
    def usable(self) -> bool:
        if self.chars < 5:
            return False
        return (self.unmapped / self.chars < 0.1 and self.mojibake / self.chars < 0.1
                and self.ascii_symbols / self.chars < 0.5 and self.cjk_or_ascii / self.chars > 0.5)


def pdf_to_pages(pdf: pdfium.PdfDocument, indices: list[int] | None = None) -> Iterator[Page]:
    """Read each page (0-based ``indices``, default all) into a :class:`Page`."""
    for index in indices if indices is not None else range(len(pdf)):
        page = pdf[index]
        try:
            yield pdfium_page_to_page(page, index + 1)
        finally:
            page.close()


def draws_nothing(page: pdfium.PdfPage) -> bool:
    """True for a page without a single page object (text, path, image or form): a blank sheet."""
    return next(iter(page.get_objects(max_depth=1)), None) is None


def pdfium_page_to_page(page: pdfium.PdfPage, number: int) -> Page:
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        objects = top_level_objects(page.raw)
        chars = dedupe_chars(list(textpage_to_chars(textpage, height, clipped_text_objects(objects))))
    finally:
        textpage.close()
    rulings = list(page_to_rulings(page, height, objects))
    return Page(number=number, width=width, height=height, chars=chars, rulings=rulings)


def textpage_to_chars(textpage: pdfium.PdfTextPage, height: float,
                      clipped: dict[int, Box] | None = None) -> Iterator[Char]:
    """The page's characters, top-left origin; those outside their text object's clip
    box (``clipped``, see :func:`clipped_text_objects`) are invisible and left out."""
    handle = textpage.raw
    count = raw.FPDFText_CountChars(handle)
    text = textpage.get_text_range(0, count) if count > 0 else ""
    if len(text) != count:  # surrogate pairs: fall back to one code point per call
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(count))
    rect = raw.FS_RECTF()
    loose_box = raw.FPDFText_GetLooseCharBox
    space = False
    for i, ch in enumerate(text):
        if ch.isspace() or ch in "\x00\ufffe\uffff":
            space = space or ch in " \xa0\u3000"
            continue
        if not loose_box(handle, i, rect) or (clipped and is_clipped(handle, i, rect, clipped)):
            continue
        # size: the loose box's height (font size times the font's ascent-descent),
        # one ctypes call less per character, and the same measure OCR gives
        yield Char(ch, rect.left, height - rect.top, rect.right, height - rect.bottom,
                   rect.top - rect.bottom, 1.0, space)
        space = False


def dedupe_chars(chars: list[Char]) -> list[Char]:
    """Drop glyphs printed twice at (almost) the same place (fake bold, overprint)."""
    seen: dict[tuple[str, int, int], Char] = {}
    out: list[Char] = []
    for ch in chars:
        key = (ch.text, round(ch.x0 / DUPLICATE_TOLERANCE), round(ch.top / DUPLICATE_TOLERANCE))
        if key in seen:
            continue
        seen[key] = ch
        out.append(ch)
    return out


def text_layer_stats(page: Page) -> TextLayerStats:
    """Count characters that decode to CJK/ASCII vs unmapped codes and code-page garbage."""
    texts = [c.text for c in page.chars]
    return TextLayerStats(chars=len(texts), cjk_or_ascii=sum(map(_is_readable, texts)),
                          unmapped=sum(map(_is_unmapped, texts)), mojibake=sum(map(_is_mojibake, texts)),
                          ascii_symbols=sum(map(_is_ascii_symbol, texts)))


def _is_readable(ch: str) -> bool:
    code = ord(ch)
    return code < 0x250 or 0x3000 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF or 0x2000 <= code <= 0x27FF


def _is_unmapped(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0xE000 <= code <= 0xF8FF or code == 0xFFFD


# Signs of Latin-1 and general punctuation that Chinese reports do print.
_PRINTED_SIGNS = frozenset("·×÷°±²³µ§¥©®«»¼½¾¹—–‘’“”…•‰※′″‖")


def _is_mojibake(ch: str) -> bool:
    """A letter or sign of a Latin code page that a Chinese report hardly prints."""
    code = ord(ch)
    latin = 0x80 <= code <= 0x2FF or 0x2000 <= code <= 0x206F or 0xFB00 <= code <= 0xFB4F
    return latin and ch not in _PRINTED_SIGNS


def _is_ascii_symbol(ch: str) -> bool:
    return 0x21 <= ord(ch) <= 0x7E and not ch.isalnum()


# ---------------------------------------------------------------- paths


def page_to_rulings(page: pdfium.PdfPage, height: float,
                    objects: list[tuple[object, int]] | None = None) -> Iterator[Ruling]:
    """Ruling lines of the page's path objects (``objects``: its top-level objects with
    their types, when already listed)."""
    for obj, matrix in iter_path_objects(page.raw, objects):
        for subpath in path_subpaths(obj, matrix):
            yield from subpath_to_rulings(subpath, _draw_mode(obj), height)


def top_level_objects(page_handle: object) -> list[tuple[object, int]]:
    """The page's objects (form XObjects not entered) with their types, listed once."""
    objs = (raw.FPDFPage_GetObject(page_handle, i) for i in range(raw.FPDFPage_CountObjects(page_handle)))
    return [(obj, raw.FPDFPageObj_GetType(obj)) for obj in objs]


def iter_path_objects(page_handle: object, objects: list[tuple[object, int]] | None = None,
                      ) -> Iterator[tuple[object, Matrix]]:
    yield from _walk(top_level_objects(page_handle) if objects is None else objects, IDENTITY)


def _typed(objs: Iterable[object]) -> Iterator[tuple[object, int]]:
    return ((obj, raw.FPDFPageObj_GetType(obj)) for obj in objs)


def _walk(objs: Iterable[tuple[object, int]], parent: Matrix) -> Iterator[tuple[object, Matrix]]:
    for obj, kind in objs:
        if kind == raw.FPDF_PAGEOBJ_PATH:
            yield obj, compose(_matrix(obj), parent)
        elif kind == raw.FPDF_PAGEOBJ_FORM:
            matrix = compose(_matrix(obj), parent)
            n = raw.FPDFFormObj_CountObjects(obj)
            yield from _walk(_typed(raw.FPDFFormObj_GetObject(obj, i) for i in range(n)), matrix)


def _matrix(obj: object) -> Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying ``inner`` first, then ``outer``."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _draw_mode(obj: object) -> tuple[bool, bool]:
    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    raw.FPDFPath_GetDrawMode(obj, fill, stroke)
    return fill.value != 0, bool(stroke.value)


def path_subpaths(obj: object, matrix: Matrix) -> Iterator[list[Point]]:
    """Points of each subpath, in page space; matrix is the object's full CTM.

    pdfium reports segment points in the path's own space; the object matrix
    maps them to page (or form) space.
    """
    x, y = ctypes.c_float(), ctypes.c_float()
    current: list[Point] = []
    for i in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, i)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        point = _apply(matrix, x.value, y.value)
        if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_MOVETO and current:
            yield current
            current = []
        current.append(point)
        if raw.FPDFPathSegment_GetClose(seg) and current:
            current.append(current[0])
    if current:
        yield current


def _apply(m: Matrix, x: float, y: float) -> Point:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def subpath_to_rulings(points: list[Point], mode: tuple[bool, bool], height: float) -> Iterator[Ruling]:
    filled, stroked = mode
    if len(points) < 2:
        return
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    if filled and not stroked and (w > MAX_RULING_WIDTH and h > MAX_RULING_WIDTH):
        return  # a shaded area, not a line
    if filled and min(w, h) <= MAX_RULING_WIDTH and _is_rect(points):
        yield from _bar_to_ruling(min(xs), min(ys), max(xs), max(ys), height)
        return
    if stroked or filled:
        for p, q in zip(points, points[1:]):
            ruling = _segment_to_ruling(p, q, height)
            if ruling is not None:
                yield ruling


def _is_rect(points: list[Point]) -> bool:
    return all(abs(p[0] - q[0]) < 0.5 or abs(p[1] - q[1]) < 0.5 for p, q in zip(points, points[1:]))


def _bar_to_ruling(x0: float, y0: float, x1: float, y1: float, height: float) -> Iterator[Ruling]:
    if x1 - x0 >= y1 - y0 and x1 - x0 >= MIN_RULING_LENGTH:
        y = height - (y0 + y1) / 2
        yield Ruling("h", x0, y, x1, y)
    elif y1 - y0 >= MIN_RULING_LENGTH:
        x = (x0 + x1) / 2
        yield Ruling("v", x, height - y1, x, height - y0)


def _segment_to_ruling(p: Point, q: Point, height: float) -> Ruling | None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < 0.5 and abs(x1 - x0) >= MIN_RULING_LENGTH:
        y = height - y0
        return Ruling("h", min(x0, x1), y, max(x0, x1), y)
    if abs(x0 - x1) < 0.5 and abs(y1 - y0) >= MIN_RULING_LENGTH:
        return Ruling("v", x0, height - max(y0, y1), x0, height - min(y0, y1))
    return None


# ---------------------------------------------------------------- clipped text
# Text a PDF page draws outside its clip path: invisible, so never read.
#
# A spreadsheet draws a merged cell's text centred over the whole merged range and
# clips it to the part on the page (LibreOffice Calc: the label of a group cut by a
# page break is drawn below the table's frame, clipped away); a cell's overflow is
# clipped at its border. pdfium's text page reports those characters all the same.
# ``clipped_text_objects`` finds the page's top-level text objects whose bounds reach
# beyond their clip box, with that box; ``is_clipped`` tells whether a character of
# one of them lies outside it. Pages without such objects (the usual case) cost one
# pass over their objects and nothing per character.


def clipped_text_objects(objects: Iterable[tuple[object, int]]) -> dict[int, Box]:
    """Address of each text object (of the page's top-level objects, with their types)
    that its clip path cuts -> the clip box."""
    clipped: dict[int, Box] = {}
    for obj, kind in objects:
        if kind != raw.FPDF_PAGEOBJ_TEXT:
            continue
        clip = clip_box(obj)
        if clip is not None and not _inside(object_bounds(obj), clip):
            clipped[address(obj)] = clip
    return clipped


def address(obj: object) -> int:
    return ctypes.cast(obj, ctypes.c_void_p).value or 0


def object_bounds(obj: object) -> Box:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
    return left.value, bottom.value, right.value, top.value


def clip_box(obj: object) -> Box | None:
    """The box of an object's clip path (the intersection of its paths' boxes); None when
    it has none or a path without points (a text clip mode, not a region)."""
    clip = raw.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    boxes = [_box(list(_points(clip, k))) for k in range(raw.FPDFClipPath_CountPaths(clip))]
    if not boxes or any(b is None for b in boxes):
        return None
    return (max(b[0] for b in boxes), max(b[1] for b in boxes),  # type: ignore[index]
            min(b[2] for b in boxes), min(b[3] for b in boxes))  # type: ignore[index]


def _points(clip: object, path: int) -> Iterator[tuple[float, float]]:
    x, y = ctypes.c_float(), ctypes.c_float()
    for k in range(raw.FPDFClipPath_CountPathSegments(clip, path)):
        if raw.FPDFPathSegment_GetPoint(raw.FPDFClipPath_GetPathSegment(clip, path, k), x, y):
            yield x.value, y.value


def _box(points: list[tuple[float, float]]) -> Box | None:
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(bounds: Box, clip: Box) -> bool:
    return (bounds[0] >= clip[0] - CLIP_TOLERANCE and bounds[1] >= clip[1] - CLIP_TOLERANCE
            and bounds[2] <= clip[2] + CLIP_TOLERANCE and bounds[3] <= clip[3] + CLIP_TOLERANCE)


def is_clipped(textpage_handle: object, index: int, rect: raw.FS_RECTF, clipped: dict[int, Box]) -> bool:
    """Does character ``index`` (its box ``rect``, PDF user space) lie outside its clip box?"""
    clip = clipped.get(address(raw.FPDFText_GetTextObject(textpage_handle, index)))
    if clip is None:
        return False
    cx, cy = (rect.left + rect.right) / 2, (rect.bottom + rect.top) / 2
    return not (clip[0] - CLIP_TOLERANCE <= cx <= clip[2] + CLIP_TOLERANCE
                and clip[1] - CLIP_TOLERANCE <= cy <= clip[3] + CLIP_TOLERANCE)

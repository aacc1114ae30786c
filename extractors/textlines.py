"""Characters into text: lines on a page, and the joined text of one cell.

Spaces are only ever inserted between two Latin letters or digits that
stand apart; CJK text is joined without spaces. Inside a cell, wrapped lines
are joined directly and a line that stops well short of the cell's right
edge ends a paragraph (kept as a newline).
"""

from __future__ import annotations

import statistics

from extractors.ir import BBox, Char, TextLine, union_bbox
from schemas.text import is_cjk

SEGMENT_GAP = 2.5  # a horizontal gap wider than this many font sizes splits a line
SPACED_GAP = 1.2  # ... and so does a gap of typed spaces wider than this (项目名称      X on a cover)
SPACE_GAP = 0.25  # a gap wider than this many font sizes between Latin chars is a space
SMALL_MARK = 0.8  # a glyph smaller than this share of its row's size is a mark (comma, stop)
PARAGRAPH_SLACK = 2.0  # a cell line ending this many sizes before the right edge ends a paragraph


def is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def group_rows(chars: list[Char]) -> list[list[Char]]:
    """Chars grouped into visual rows, top to bottom, each row left to right."""
    rows: list[list[Char]] = []
    total, sizes = 0.0, 0.0  # sums of the centres and sizes of the current row
    top, bottom = 0.0, 0.0  # the current row's extent
    for ch in sorted(chars, key=lambda c: (c.cy, c.x0)):
        cy = ch.cy
        if rows and (abs(cy - total / len(rows[-1])) <= _row_reach(ch.size, sizes / len(rows[-1]))
                     or _small_mark_inside(ch, top, bottom, sizes / len(rows[-1]))):
            rows[-1].append(ch)
            total, sizes = total + cy, sizes + ch.size
            top, bottom = min(top, ch.top), max(bottom, ch.bottom)
        else:
            rows.append([ch])
            total, sizes, top, bottom = cy, ch.size, ch.top, ch.bottom
    return [sorted(row, key=lambda c: c.x0) for row in rows]


def _small_mark_inside(ch: Char, top: float, bottom: float, row_size: float) -> bool:
    """A comma or full stop whose box is its glyph's (a font without ascent and descent) sits
    low in the row: it belongs to the row when it is small and within the row's extent."""
    return (ch.size < SMALL_MARK * row_size and ch.top >= top - 0.2 * row_size
            and ch.bottom <= bottom + 0.4 * row_size)


def _row_reach(size: float, row_size: float) -> float:
    """How far a char's centre may lie from a row's to belong to it: by the smaller of the two
    sizes, so a char of an overgrown OCR band does not pull a neighbouring line in."""
    return max(min(size, row_size), 1.0) * 0.45


def join_chars(chars: list[Char]) -> str:
    """Text of one row of chars, with spaces only between separated Latin chars."""
    out: list[str] = []
    prev: Char | None = None
    for ch in chars:
        if prev is not None and _needs_space(prev, ch):
            out.append(" ")
        out.append(ch.text)
        prev = ch
    return "".join(out)


def _needs_space(prev: Char, ch: Char) -> bool:
    if not (is_latin(prev.text[-1]) and is_latin(ch.text[0])):
        return False
    return ch.space_before or ch.x0 - prev.x1 > SPACE_GAP * max(ch.size, 1.0)


def split_segments(row: list[Char]) -> list[list[Char]]:
    """Split a row where the gap between neighbours is wider than a few characters."""
    segments: list[list[Char]] = [[row[0]]] if row else []
    for prev, ch in zip(row, row[1:]):
        size = max(ch.size, prev.size, 1.0)
        gap = ch.x0 - prev.x1
        if gap > SEGMENT_GAP * size or (ch.space_before and gap > SPACED_GAP * size):
            segments.append([ch])
        else:
            segments[-1].append(ch)
    return segments


def chars_to_lines(chars: list[Char], page: int) -> list[TextLine]:
    """Text lines (row segments) of free text, top to bottom."""
    lines: list[TextLine] = []
    for row in group_rows(chars):
        for seg in split_segments(row):
            lines.append(_make_line(seg, page))
    return lines


def _make_line(chars: list[Char], page: int) -> TextLine:
    # measured on the CJK glyphs: Word sets digits and Latin in another font whose box is
    # taller or shorter than the CJK font's ("2024年...报告" would outgrow "报告", and
    # "联系电话：0759-7751234" the body text)
    cjk = [c.size for c in chars if is_cjk(c.text)]
    size = statistics.median(cjk or [c.size for c in chars])
    conf = min(c.confidence for c in chars)
    return TextLine(text=join_chars(chars), bbox=union_bbox([c.bbox for c in chars]),
                    size=size, page=page, confidence=conf)


def cell_text(chars: list[Char], bbox: BBox) -> str:
    """Joined text of a cell: wrapped lines glued, paragraphs kept as newlines."""
    rows = group_rows(chars)
    if not rows:
        return ""
    left_aligned = _left_aligned(rows)
    right = max(r[-1].x1 for r in rows)
    parts: list[str] = [join_chars(rows[0])]
    for prev, row in zip(rows, rows[1:]):
        size = max(c.size for c in prev)
        ends_short = right - prev[-1].x1 > PARAGRAPH_SLACK * size
        sep = "\n" if (left_aligned and ends_short) else wrap_sep(prev[-1].text, row[0].text)
        parts.append(sep + join_chars(row))
    return "".join(parts).strip()


def _left_aligned(rows: list[list[Char]]) -> bool:
    """Most rows start at the left margin (a first-line indent is allowed)."""
    if len(rows) < 2:
        return False
    size = max(c.size for c in rows[0])
    left = min(r[0].x0 for r in rows)
    flush = sum(1 for r in rows if r[0].x0 - left <= size * 0.8)
    return flush >= 0.6 * len(rows)


def wrap_sep(last: str, first: str) -> str:
    """What joins two pieces of one wrapped text: a space between Latin words, else nothing."""
    return " " if is_latin(last) and is_latin(first) and last.isalpha() and first.isalpha() else ""

"""Geometry of OCR'd text: text boxes split at rulings, one box per character.

rapidocr recognises a text line with a CTC model: every character comes
out at one column of the model's output, and the columns map linearly onto
the line image. A character's centre is its column's centre; its left and
right edges are half-way to its neighbours, so the characters of a word
abut like the advance boxes of a digital PDF, and a space the recogniser
read sets ``space_before`` on the next character. Top and bottom are the line's
ink extent, so all characters of a line share one baseline band and
``size`` is the line's glyph height.

All coordinates here are pixels of the deskewed page image.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from extractors.ir import Char

if TYPE_CHECKING:
    from extractors.raster_rulings import Segment

CUT_MARGIN = 2  # a ruling this close to a box edge (px) does not split the box
MIN_PIECE = 3  # pieces narrower than this (px) are dropped
EDGE_BAND = 0.6  # a band touching the crop edge lighter than this share of the heaviest is a neighbour's
NARROW = 0.55  # width of a Latin glyph relative to the line height (CJK: 1.0)
VERTICAL_RATIO = 1.8  # ink this many times taller than wide is a vertical column of characters
SOFT_EDGE = 0.1  # rows this share of the band height above and below it stay in a line image
GLYPH_SQUARE = 1.15  # a stacked glyph is at most this many times taller than the column is wide


@dataclass(frozen=True, slots=True)
class PxBox:
    """An axis-aligned pixel box, ``x1``/``y1`` exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True, slots=True)
class RecLine:
    """One recognised line: text, mean score, (char, confidence, CTC column) per char.

    ``n_cols`` is how many CTC columns span the line image's width; a space
    has column -1.
    """

    text: str
    score: float
    chars: list[tuple[str, float, float]]
    n_cols: float


# ---------------------------------------------------------------- splitting


def split_box(box: PxBox, segments: list[Segment], shape: tuple[int, ...]) -> list[PxBox]:
    """Cut a text box at every ruling that runs through it (not just along its edge)."""
    box = PxBox(max(box.x0, 0), max(box.y0, 0), min(box.x1, shape[1]), min(box.y1, shape[0]))
    pieces = [box]
    for seg in segments:
        pieces = [p for piece in pieces for p in _cut(piece, seg)]
    return [p for p in pieces if p.width >= MIN_PIECE and p.height >= MIN_PIECE]


def _cut(box: PxBox, seg: Segment) -> list[PxBox]:
    half = int(np.ceil(seg.thickness / 2)) + 1
    if seg.orientation == "v":
        crosses = box.x0 + CUT_MARGIN < seg.pos < box.x1 - CUT_MARGIN
        if not crosses or _overlap(seg.start, seg.end, box.y0, box.y1) < 0.5 * box.height:
            return [box]
        x = int(round(seg.pos))
        return [PxBox(box.x0, box.y0, x - half, box.y1), PxBox(x + half, box.y0, box.x1, box.y1)]
    crosses = box.y0 + CUT_MARGIN < seg.pos < box.y1 - CUT_MARGIN
    if not crosses or _overlap(seg.start, seg.end, box.x0, box.x1) < 0.5 * box.width:
        return [box]
    y = int(round(seg.pos))
    return [PxBox(box.x0, box.y0, box.x1, y - half), PxBox(box.x0, y + half, box.x1, box.y1)]


def line_image(gray: np.ndarray, extent: tuple[int, int, int, int], margin: float,
               share: float) -> tuple[np.ndarray, int]:
    """The line crop ``gray`` framed for the recogniser, and the x of its left edge in the crop.

    Columns are cut, or paper added, to leave ``margin`` band heights beside
    the ink (a mark touching the crop's edge is read badly), and rows so the
    ink band fills ``share`` of the height, centred: the recogniser sees
    text of one size with the same room around it, whatever the box. Rows
    beyond the band (and its soft edge) and columns beyond the crop are
    paper, so a neighbouring line is not read; the offset keeps the
    character placement exact.
    """
    ex0, ey0, ex1, ey1 = extent
    band = ey1 - ey0
    pad, soft = int(np.ceil(margin * band)), max(2, int(round(SOFT_EDGE * band)))
    height = max(band + 2, int(round(band / share)))
    left, top = ex0 - pad, int(round((ey0 + ey1 - height) / 2))
    out = np.full((height, ex1 - ex0 + 2 * pad), int(np.median(gray)), np.uint8)
    y0, y1 = max(0, top, ey0 - soft), min(gray.shape[0], top + height, ey1 + soft)
    x0, x1 = max(0, left), min(gray.shape[1], left + out.shape[1])
    out[y0 - top:y1 - top, x0 - left:x1 - left] = gray[y0:y1, x0:x1]
    return out, left


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


# ---------------------------------------------------------------- ink


def ink_extent(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1, exclusive) of the ink of a line crop.

    Light bands of ink touching the crop's top or bottom edge are the
    descenders or ascenders of neighbouring lines and are left out.
    """
    rows = ink.sum(axis=1, dtype=np.int64)
    band = _line_band(rows)
    if band is None:
        return None
    y0, y1 = band
    cols = np.flatnonzero(ink[y0:y1].any(axis=0))
    return int(cols[0]), y0, int(cols[-1]) + 1, y1


def _line_band(rows: np.ndarray) -> tuple[int, int] | None:
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > 1)
    runs = [(int(idx[s]), int(idx[e]) + 1) for s, e in
            zip(np.concatenate(([0], breaks + 1)), np.concatenate((breaks, [idx.size - 1])))]
    weights = [int(rows[a:b].sum()) for a, b in runs]
    heavy = max(weights)
    keep = [r for r, w in zip(runs, weights)
            if w >= EDGE_BAND * heavy or (r[0] > 0 and r[1] < len(rows))]
    return keep[0][0], keep[-1][1]


# ---------------------------------------------------------------- characters


def place_chars(line: RecLine, box: PxBox, extent: tuple[int, int, int, int]) -> list[Char]:
    """One Char per non-space character of ``line`` read from the crop ``box``."""
    ex0, ey0, ex1, ey1 = extent
    top, bottom = box.y0 + ey0, box.y0 + ey1
    height = float(bottom - top)
    centres = _centres(line, box, (box.x0 + ex0, box.x0 + ex1))
    spans = _spans(line, centres, height)
    spans = _stretch_ends(spans, centres, box.x0 + ex0, box.x0 + ex1)
    runs = _runs(line)
    return [
        Char(text=ch, x0=float(a), top=float(top), x1=float(max(b, a + 1)), bottom=float(bottom),
             size=height, confidence=round(conf, 4), space_before=i > 0 and runs[i] != runs[i - 1])
        for i, ((ch, conf, _), (a, b)) in enumerate(zip(_visible(line), spans))
    ]


def _visible(line: RecLine) -> list[tuple[str, float, float]]:
    return [c for c in line.chars if not c[0].isspace()]


def _centres(line: RecLine, box: PxBox, ink: tuple[int, int]) -> list[float]:
    chars = _visible(line)
    if line.n_cols > 0 and all(col >= 0 for _, _, col in chars):
        step = box.width / line.n_cols
        return [box.x0 + (col + 0.5) * step for _, _, col in chars]
    step = (ink[1] - ink[0]) / max(len(chars), 1)  # no columns: spread over the ink
    return [ink[0] + (i + 0.5) * step for i in range(len(chars))]


def _runs(line: RecLine) -> list[int]:
    """Run number of each visible character; a space starts a new run."""
    out, run = [], 0
    for ch, _, _ in line.chars:
        if ch.isspace():
            run += 1
        else:
            out.append(run)
    return out


def _spans(line: RecLine, centres: list[float], height: float) -> list[tuple[float, float]]:
    runs, chars = _runs(line), _visible(line)
    spans = []
    for i, c in enumerate(centres):
        left = _half_gap(centres, runs, i, i - 1)
        right = _half_gap(centres, runs, i, i + 1)
        own = _glyph_width(chars[i][0], height) / 2
        spans.append((c - (left if left is not None else right or own),
                      c + (right if right is not None else left or own)))
    return spans


def _half_gap(centres: list[float], runs: list[int], i: int, j: int) -> float | None:
    if not 0 <= j < len(centres) or runs[i] != runs[j]:
        return None
    return abs(centres[i] - centres[j]) / 2


def _glyph_width(ch: str, height: float) -> float:
    wide = unicodedata.east_asian_width(ch) in ("W", "F")
    return height * (1.0 if wide else NARROW)


def _stretch_ends(spans: list[tuple[float, float]], centres: list[float], ink0: int, ink1: int) -> list[tuple[float, float]]:
    """The first and last characters reach the ink's ends (not the box padding)."""
    if not spans:
        return spans
    spans = list(spans)
    a, b = spans[0]
    if ink0 < centres[0]:
        spans[0] = (float(ink0), b)
    a, b = spans[-1]
    if ink1 > centres[-1]:
        spans[-1] = (a, float(ink1))
    return spans


# ---------------------------------------------------------------- vertical text


def is_vertical(extent: tuple[int, int, int, int]) -> bool:
    """Ink much taller than wide: characters stacked in a narrow column."""
    x0, y0, x1, y1 = extent
    return (y1 - y0) >= VERTICAL_RATIO * (x1 - x0)


def glyph_rows(ink: np.ndarray, extent: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """Row ranges of the glyphs of stacked text: runs of ink rows merged up to a square."""
    x0, y0, x1, y1 = extent
    limit = GLYPH_SQUARE * (x1 - x0)
    rows = ink[y0:y1, x0:x1].any(axis=1)
    glyphs: list[tuple[int, int]] = []
    for a, b in _true_runs(rows):
        if glyphs and b - glyphs[-1][0] <= limit:
            glyphs[-1] = (glyphs[-1][0], y0 + b)
        else:
            glyphs.append((y0 + a, y0 + b))
    return glyphs


def _true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def vertical_strip(gray: np.ndarray, extent: tuple[int, int, int, int],
                   glyphs: list[tuple[int, int]]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The stacked glyphs laid side by side in one line image, and each glyph's x range in it."""
    x0, _, x1, _ = extent
    width, pad = x1 - x0, max(2, (x1 - x0) // 4)
    height = max(b - a for a, b in glyphs) + 2 * pad
    strip = np.full((height, len(glyphs) * (width + pad) + pad), int(np.median(gray)), np.uint8)
    spans = []
    for i, (a, b) in enumerate(glyphs):
        left, top = pad + i * (width + pad), pad + (height - 2 * pad - (b - a)) // 2
        strip[top:top + b - a, left:left + width] = gray[a:b, x0:x1]
        spans.append((left, left + width))
    return strip, spans


def place_vertical(line: RecLine, box: PxBox, extent: tuple[int, int, int, int],
                   glyphs: list[tuple[int, int]], spans: list[tuple[int, int]], strip_width: int) -> list[Char]:
    """Chars of a vertical column: each on the glyph whose strip position it was read at."""
    chars = _visible(line)
    if len(chars) == len(glyphs):
        owners = list(range(len(glyphs)))
    else:
        step = strip_width / line.n_cols if line.n_cols > 0 else 0.0
        owners = [_owner((col + 0.5) * step, spans) for _, _, col in chars]
    x0, x1 = box.x0 + extent[0], box.x0 + extent[2]
    return [
        Char(text=ch, x0=float(x0), top=float(box.y0 + glyphs[k][0]), x1=float(x1),
             bottom=float(box.y0 + glyphs[k][1]), size=float(x1 - x0), confidence=round(conf, 4))
        for (ch, conf, _), k in zip(chars, owners)
    ]


def _owner(x: float, spans: list[tuple[int, int]]) -> int:
    return min(range(len(spans)), key=lambda i: abs((spans[i][0] + spans[i][1]) / 2 - x))

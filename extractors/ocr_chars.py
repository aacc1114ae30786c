"""Geometry of OCR'd text: text boxes split at rulings, one box per character.

rapidocr recognises a text line with a CTC model: every character comes
out at one column of the model's output, and the columns map linearly onto
the line image. A character's centre is its column's centre; its left and
right edges are half-way to its neighbours, so the characters of a word
abut like the advance boxes of a digital PDF (a space is only ever inserted
downstream where the recogniser read one). Top and bottom are the line's
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
    from extractors.raster import Segment

CUT_MARGIN = 2  # a ruling this close to a box edge (px) does not split the box
MIN_PIECE = 3  # pieces narrower than this (px) are dropped
BAND_GAP = 0.3  # ink rows further apart than this share of the box height are separate bands
NARROW = 0.55  # width of a Latin glyph relative to the line height (CJK: 1.0)


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


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


# ---------------------------------------------------------------- ink


def ink_extent(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1, exclusive) of the main band of ink rows in a line crop."""
    rows = ink.sum(axis=1, dtype=np.int64)
    band = _main_band(rows, max(2, int(BAND_GAP * len(rows))))
    if band is None:
        return None
    y0, y1 = band
    cols = np.flatnonzero(ink[y0:y1].any(axis=0))
    return int(cols[0]), y0, int(cols[-1]) + 1, y1


def _main_band(rows: np.ndarray, max_gap: int) -> tuple[int, int] | None:
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > max_gap)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [idx.size - 1]))
    weights = [rows[idx[s]:idx[e] + 1].sum() for s, e in zip(starts, ends)]
    k = int(np.argmax(weights))
    return int(idx[starts[k]]), int(idx[ends[k]]) + 1


# ---------------------------------------------------------------- characters


def place_chars(line: RecLine, box: PxBox, extent: tuple[int, int, int, int]) -> list[Char]:
    """One Char per non-space character of ``line`` read from the crop ``box``."""
    ex0, ey0, ex1, ey1 = extent
    top, bottom = box.y0 + ey0, box.y0 + ey1
    height = float(bottom - top)
    centres = _centres(line, box, (box.x0 + ex0, box.x0 + ex1))
    spans = _spans(line, centres, height)
    spans = _stretch_ends(spans, centres, box.x0 + ex0, box.x0 + ex1)
    return [
        Char(text=ch, x0=float(a), top=float(top), x1=float(max(b, a + 1)), bottom=float(bottom),
             size=height, confidence=round(conf, 4))
        for (ch, conf, _), (a, b) in zip(_visible(line), spans)
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

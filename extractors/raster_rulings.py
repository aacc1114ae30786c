"""Ruling lines of a scanned page by morphology, in pixels.

Long straight runs of ink (an opening with long horizontal and vertical
kernels) are candidates; a candidate is kept when it is thin, much longer
than thick, has paper on both sides (a run through a text line has ink
there) and is not a stroke of large type inside a detected text box.
Collinear pieces broken by noise are joined, short lines touching nothing
(stamp arcs, stray strokes) dropped, and line ends snapped onto the lines
they nearly meet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

log = logging.getLogger(__name__)

MIN_RULING_PT = 15.0  # shorter horizontal runs are glyph strokes, not rulings
MIN_V_RULING_PT = 9.0  # vertical: rows of small type are barely taller than this
MAX_RULING_THICKNESS_PT = 3.0  # thicker bars are blobs (stamps, filled areas)
MIN_ASPECT = 8  # a ruling is at least this many times longer than thick
JOIN_GAP_PT = 4.0  # collinear pieces closer than this are one ruling
SAME_LINE_PT = 1.5  # pieces whose positions differ less than this are collinear
SNAP_PT = 4.0  # a line end this close to a crossing line is extended onto it
ISOLATED_MAX_PT = 45.0  # a short line touching no crossing line is dropped
CLEARANCE_PT = 0.8  # paper expected this far beside a ruling
ANCHOR_SPAN = 0.75  # a stroke in a text box is a ruling when it spans this much between its crossing lines
INSIDE_SHARE = 0.8  # a candidate this much inside a text box is a glyph stroke (unless anchored)
MAX_SIDE_INK = 0.5  # share of a candidate's length with ink beside it that marks text

Orientation = Literal["h", "v"]
Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Segment:
    """A ruling line in pixels: fixed coordinate ``pos``, extent ``start..end``."""

    orientation: Orientation
    pos: float
    start: float
    end: float
    thickness: float

    @property
    def length(self) -> float:
        return self.end - self.start


def line_masks(ink: np.ndarray, px_per_pt: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical line pixels: long straight runs of ink."""
    import cv2

    h_len = max(5, int(round(MIN_RULING_PT * px_per_pt)))
    v_len = max(5, int(round(MIN_V_RULING_PT * px_per_pt)))
    return tuple(  # type: ignore[return-value]
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
        for shape in ((h_len, 1), (1, v_len))
    )


def mask_segments(mask: np.ndarray, orientation: Orientation, px_per_pt: float) -> list[Segment]:
    """One segment per connected component that is long and thin enough."""
    import cv2

    n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    max_thick = MAX_RULING_THICKNESS_PT * px_per_pt
    out: list[Segment] = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        length, across = (w, h) if orientation == "h" else (h, w)
        thickness = area / max(length, 1)
        if thickness > max_thick or across > max(3 * thickness, thickness + 4) or length < MIN_ASPECT * thickness:
            continue  # a blob, a curved or a short thick stroke (bold glyph), not a ruling
        pos = centroids[i][1] if orientation == "h" else centroids[i][0]
        start = x if orientation == "h" else y
        out.append(Segment(orientation, float(pos), float(start), float(start + length), thickness))
    return out


def join_collinear(segments: list[Segment], px_per_pt: float) -> list[Segment]:
    """Join pieces of one line broken by noise (same position, small gaps)."""
    same, gap = SAME_LINE_PT * px_per_pt, JOIN_GAP_PT * px_per_pt
    out: list[Segment] = []
    for group in _position_groups(segments, same):
        run: list[Segment] = []
        for seg in sorted(group, key=lambda s: s.start):
            if run and seg.start > max(s.end for s in run) + gap:
                out.append(_merge(run))
                run = []
            run.append(seg)
        out.append(_merge(run))
    return out


def _position_groups(segments: list[Segment], tolerance: float) -> list[list[Segment]]:
    groups: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: s.pos):
        if groups and seg.pos - groups[-1][-1].pos <= tolerance:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    return groups


def _merge(run: list[Segment]) -> Segment:
    total = sum(s.length for s in run) or 1.0
    pos = sum(s.pos * s.length for s in run) / total
    thickness = sum(s.thickness * s.length for s in run) / total
    return Segment(run[0].orientation, pos, min(s.start for s in run), max(s.end for s in run), thickness)


def snap_ends(lines: list[Segment], crossing: list[Segment], px_per_pt: float) -> list[Segment]:
    """Extend or trim each line end onto a crossing line that nearly meets it."""
    snap = SNAP_PT * px_per_pt
    out = []
    for seg in lines:
        near = [c for c in crossing if c.start - snap <= seg.pos <= c.end + snap]
        start = _snap_value(seg.start, near, snap)
        end = _snap_value(seg.end, near, snap)
        out.append(Segment(seg.orientation, seg.pos, start, max(end, start), seg.thickness))
    return out


def _snap_value(value: float, crossing: list[Segment], snap: float) -> float:
    best = min(crossing, key=lambda c: abs(c.pos - value), default=None)
    return best.pos if best is not None and abs(best.pos - value) <= snap else value


def drop_isolated(lines: list[Segment], crossing: list[Segment], px_per_pt: float) -> list[Segment]:
    """Drop short lines that touch no crossing line (stamp arcs, stray strokes)."""
    limit, snap = ISOLATED_MAX_PT * px_per_pt, SNAP_PT * px_per_pt
    return [s for s in lines if s.length >= limit or _touches_any(s, crossing, snap)]


def _touches_any(seg: Segment, crossing: list[Segment], snap: float) -> bool:
    return any(
        seg.start - snap <= c.pos <= seg.end + snap and c.start - snap <= seg.pos <= c.end + snap
        for c in crossing
    )


def is_clear_line(ink: np.ndarray, seg: Segment, px_per_pt: float) -> bool:
    """A ruling has paper on both sides; a run through a text line has ink there."""
    offset = seg.thickness / 2 + max(2.0, CLEARANCE_PT * px_per_pt)
    a, b = int(seg.start), int(np.ceil(seg.end))
    sides = [int(round(seg.pos - offset)), int(round(seg.pos + offset))]
    limit = ink.shape[0] if seg.orientation == "h" else ink.shape[1]
    hits = np.zeros(max(b - a, 1), dtype=bool)
    for side in sides:
        if 0 <= side < limit:
            run = ink[side, a:b] if seg.orientation == "h" else ink[a:b, side]
            hits[: len(run)] |= run > 0
    return float(hits.mean()) <= MAX_SIDE_INK


def find_segments(ink: np.ndarray, px_per_pt: float, text_boxes: Sequence[Box] = ()) -> list[Segment]:
    """Ruling segments, horizontal ones first.

    ``text_boxes`` are the boxes (``x0, y0, x1, y1`` pixels) of detected text
    lines: a candidate wholly inside one is a glyph stroke of large type
    unless both its ends meet lines outside text (a short row's border).
    """
    h_mask, v_mask = line_masks(ink, px_per_pt)
    hs = [s for s in mask_segments(h_mask, "h", px_per_pt) if is_clear_line(ink, s, px_per_pt)]
    vs = [s for s in mask_segments(v_mask, "v", px_per_pt) if is_clear_line(ink, s, px_per_pt)]
    snap = SNAP_PT * px_per_pt
    hs, vs = _drop_glyph_strokes(hs, vs, text_boxes, snap), _drop_glyph_strokes(vs, hs, text_boxes, snap)
    hs, vs = join_collinear(hs, px_per_pt), join_collinear(vs, px_per_pt)
    hs, vs = drop_isolated(hs, vs, px_per_pt), drop_isolated(vs, hs, px_per_pt)
    hs, vs = snap_ends(hs, vs, px_per_pt), snap_ends(vs, hs, px_per_pt)
    log.debug("rulings: %d horizontal, %d vertical", len(hs), len(vs))
    return hs + vs


def _drop_glyph_strokes(lines: list[Segment], crossing: list[Segment], boxes: Sequence[Box],
                        snap: float) -> list[Segment]:
    free = [c for c in crossing if not _inside_any(c, boxes)]
    return [s for s in lines if not _inside_any(s, boxes) or _anchored(s, free, snap)]


def _anchored(seg: Segment, crossing: list[Segment], snap: float) -> bool:
    """Both ends of ``seg`` meet a crossing line, and it spans most of the way between
    them (a glyph's long stroke in a short cell ends well short of its borders)."""
    near = [c for c in crossing if c.start - snap <= seg.pos <= c.end + snap]
    first = [c.pos for c in near if abs(c.pos - seg.start) <= snap]
    last = [c.pos for c in near if abs(c.pos - seg.end) <= snap]
    return bool(first and last) and seg.length >= ANCHOR_SPAN * (max(last) - min(first))


def _inside_any(seg: Segment, boxes: Sequence[Box]) -> bool:
    """Most of the segment (INSIDE_SHARE of its length) lies in one text box: a stroke
    of a glyph may poke out of a tight box by a pixel or two."""
    if seg.orientation == "h":
        return any(b[1] - 1 <= seg.pos <= b[3] + 1 and _covered(seg, b[0], b[2]) for b in boxes)
    return any(b[0] - 1 <= seg.pos <= b[2] + 1 and _covered(seg, b[1], b[3]) for b in boxes)


def _covered(seg: Segment, lo: float, hi: float) -> bool:
    return min(seg.end, hi + 1) - max(seg.start, lo - 1) >= INSIDE_SHARE * seg.length


def segments_mask(shape: tuple[int, ...], segments: list[Segment], grow: int = 1) -> np.ndarray:
    """A uint8 mask covering each segment's pixels, widened by ``grow`` on each side."""
    import cv2

    mask = np.zeros(shape[:2], dtype=np.uint8)
    for s in segments:
        width = max(1, int(round(s.thickness)) + 2 * grow)
        a, b = (int(s.start), int(s.pos)), (int(round(s.end)), int(s.pos))
        if s.orientation == "v":
            a, b = (int(s.pos), int(s.start)), (int(s.pos), int(round(s.end)))
        cv2.line(mask, a, b, 255, width)
    return mask

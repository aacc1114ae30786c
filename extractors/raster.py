"""Image preprocessing for scanned pages: grey levels, ink, skew, ruling lines.

Everything here works in pixels of one page image; ``px_per_pt`` (pixels per
PDF point) turns the physical sizes below into pixels, so the same
parameters hold at any scan resolution. :mod:`extractors.ocr` converts the
results to PDF points.

Ink is found with a black-hat transform (grey closing minus the image):
it keeps dark strokes thinner than the kernel and ignores uneven lighting,
grey page edges and shaded cell backgrounds, which a global threshold
would turn into ink.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

log = logging.getLogger(__name__)

STROKE_PT = 4.0  # black-hat kernel: strokes thinner than this are ink
MIN_INK_CONTRAST = 40  # grey levels a stroke must be darker than its surroundings
STAMP_REDNESS = 60  # red channel this much above green and blue: (partly) stamp ink
STAMP_MIN_RED = 130  # and this bright: stamp ink over paper, not print under a seal
STAMP_FRINGE_PT = 1.2  # blanked around seal ink (blur and JPEG fringes)
SPECK_MAX_PT = 2.5  # ink blobs no larger than this either way may be dust ...
SPECK_CLEARANCE_PT = 4.0  # ... when no other ink lies this close
MAX_SPECKS = 3000  # more tiny blobs than this is texture, not dust: leave all
MIN_RULING_PT = 15.0  # shorter horizontal runs are glyph strokes, not rulings
MIN_V_RULING_PT = 9.0  # vertical: rows of small type are barely taller than this
MAX_RULING_THICKNESS_PT = 3.0  # thicker bars are blobs (stamps, filled areas)
MIN_ASPECT = 8  # a ruling is at least this many times longer than thick
JOIN_GAP_PT = 4.0  # collinear pieces closer than this are one ruling
SAME_LINE_PT = 1.5  # pieces whose positions differ less than this are collinear
SNAP_PT = 4.0  # a line end this close to a crossing line is extended onto it
ISOLATED_MAX_PT = 45.0  # a short line touching no crossing line is dropped
CLEARANCE_PT = 0.8  # paper expected this far beside a ruling
MAX_SIDE_INK = 0.5  # share of a candidate's length with ink beside it that marks text
SKEW_RANGE = 5.0  # degrees searched either way
SKEW_WORK_WIDTH = 1000  # pixels; skew is measured on a downscaled ink mask

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


# ---------------------------------------------------------------- grey & ink


def as_array(image: object) -> np.ndarray:
    """A uint8 array, 2-D grey or 3-D RGB, from a PIL image or an ndarray (RGB order)."""
    if isinstance(image, np.ndarray):
        arr = image
    else:
        arr = np.asarray(_pil_to_l_or_rgb(image))
    if arr.dtype != np.uint8:
        arr = _to_uint8(arr)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    if arr.ndim not in (2, 3):
        raise ValueError(f"not an image array: shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _pil_to_l_or_rgb(image: object):
    mode = getattr(image, "mode", None)
    if mode is None:
        raise TypeError(f"not an image: {type(image).__name__}")
    if mode in ("L", "RGB"):
        return image
    if "A" in mode or "a" in mode or (mode == "P" and "transparency" in image.info):  # type: ignore[attr-defined]
        return _on_white(image, grey=mode.startswith("L"))
    if mode in ("1", "I", "I;16", "I;16B", "I;16L", "F"):
        return image.convert("L")  # type: ignore[attr-defined]
    return image.convert("RGB")  # type: ignore[attr-defined]


def _on_white(image, grey: bool):
    """Transparent pixels are paper: composite onto white."""
    from PIL import Image

    rgba = image.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return flat.convert("L" if grey else "RGB")


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == bool:
        return np.where(arr, 255, 0).astype(np.uint8)
    top = float(arr.max()) if arr.size else 0.0
    scale = 255.0 / top if top > 255 else 1.0
    return np.clip(arr.astype(np.float64) * scale, 0, 255).astype(np.uint8)


def to_gray(arr: np.ndarray) -> np.ndarray:
    import cv2

    return arr if arr.ndim == 2 else cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)


def to_gray_without_stamps(arr: np.ndarray) -> np.ndarray:
    """Grey levels in which red stamp ink turns pale and black print stays dark.

    Reddish pixels take their red channel as grey (red ink is bright there,
    black print and print under a seal stay dark); all others their luminance.
    """
    gray = to_gray(arr)
    if arr.ndim == 2:
        return gray
    rgb = arr.astype(np.int16)
    reddish = (rgb[:, :, 0] - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > STAMP_REDNESS
    return np.where(reddish, arr[:, :, 0], gray).astype(np.uint8)


def stamp_ink(arr: np.ndarray, px_per_pt: float) -> np.ndarray | None:
    """uint8 mask of bright red pixels (seal ink over paper, not over print) and their
    blurred fringes, for blanking before OCR."""
    import cv2

    if arr.ndim == 2:
        return None
    rgb = arr.astype(np.int16)
    red = rgb[:, :, 0]
    mask = ((red - np.maximum(rgb[:, :, 1], rgb[:, :, 2])) > STAMP_REDNESS) & (red > STAMP_MIN_RED)
    if not mask.any():
        return None
    k = _odd(STAMP_FRINGE_PT * px_per_pt)
    return cv2.dilate(mask.astype(np.uint8) * 255, np.ones((k, k), np.uint8))


def background(gray: np.ndarray, px_per_pt: float) -> np.ndarray:
    """The local paper grey: a grey closing that erases strokes thinner than STROKE_PT."""
    import cv2

    k = _odd(STROKE_PT * px_per_pt)
    return cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))


def ink_mask(gray: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Binary uint8 mask (255 = ink) of strokes darker than the local paper."""
    contrast = paper.astype(np.int16) - gray.astype(np.int16)
    return np.where(contrast > MIN_INK_CONTRAST, 255, 0).astype(np.uint8)


def isolated_specks(ink: np.ndarray, px_per_pt: float) -> np.ndarray:
    """uint8 mask of dust: tiny ink blobs with no other ink near them.

    A decimal point or a comma is as small but sits beside a glyph; the dots
    of a colon have each other.
    """
    import cv2

    n, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    limit, clearance = SPECK_MAX_PT * px_per_pt, SPECK_CLEARANCE_PT * px_per_pt
    small = (stats[:, cv2.CC_STAT_WIDTH] <= limit) & (stats[:, cv2.CC_STAT_HEIGHT] <= limit)
    small[0] = False
    if not small.any():
        return np.zeros_like(ink)
    tiny = small[labels]
    k = _odd(2 * clearance)
    near_big = cv2.dilate(np.where(tiny, 0, ink).astype(np.uint8), np.ones((k, k), np.uint8)) > 0
    keep = set(np.unique(labels[tiny & near_big]).tolist()) | _paired(np.flatnonzero(small), centroids, clearance + limit)
    specks = tiny & ~np.isin(labels, list(keep))
    return np.where(specks, 255, 0).astype(np.uint8)


def _paired(ids: np.ndarray, centroids: np.ndarray, reach: float) -> set[int]:
    """Tiny blobs with another tiny blob within ``reach`` (colon, ellipsis dots)."""
    if len(ids) < 2 or len(ids) > MAX_SPECKS:
        return set(ids.tolist()) if len(ids) > MAX_SPECKS else set()
    pts = centroids[ids]
    dist = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    return set(ids[dist.min(axis=1) <= reach].tolist())


def _odd(value: float) -> int:
    n = max(3, int(round(value)))
    return n if n % 2 else n + 1


# ---------------------------------------------------------------- skew


def estimate_skew(ink: np.ndarray, max_angle: float = SKEW_RANGE) -> float:
    """Degrees to rotate the page (counter-clockwise as displayed) to level it.

    Projection profile: text lines and horizontal rulings give the sharpest
    row profile when level. A coarse search is refined around its best angle.
    """
    import cv2

    scale = min(1.0, SKEW_WORK_WIDTH / ink.shape[1])
    small = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    best = _best_angle(small, np.arange(-max_angle, max_angle + 1e-9, 0.25))
    best = _best_angle(small, np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02))
    return round(float(best), 2)


def _best_angle(small: np.ndarray, angles: np.ndarray) -> float:
    scores = [_profile_sharpness(rotate(small, float(a), fill=0)) for a in angles]
    return float(angles[int(np.argmax(scores))])


def _profile_sharpness(img: np.ndarray) -> float:
    rows = img.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def rotate(img: np.ndarray, angle: float, fill: int | None = None) -> np.ndarray:
    """Rotate about the centre, same size; ``fill=None`` replicates the border."""
    import cv2

    if abs(angle) < 1e-6:
        return img
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    if fill is None:
        return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


# ---------------------------------------------------------------- rulings


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
    """Both ends of ``seg`` meet a crossing line."""
    near = [c for c in crossing if c.start - snap <= seg.pos <= c.end + snap]
    return all(any(abs(c.pos - end) <= snap for c in near) for end in (seg.start, seg.end))


def _inside_any(seg: Segment, boxes: Sequence[Box]) -> bool:
    if seg.orientation == "h":
        x0, y0, x1, y1 = seg.start, seg.pos, seg.end, seg.pos
    else:
        x0, y0, x1, y1 = seg.pos, seg.start, seg.pos, seg.end
    return any(b[0] - 1 <= x0 and x1 <= b[2] + 1 and b[1] - 1 <= y0 and y1 <= b[3] + 1 for b in boxes)


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


def erase_mask(gray: np.ndarray, paper: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``gray`` with the masked pixels replaced by the paper grey."""
    return np.where(mask > 0, paper, gray).astype(np.uint8)

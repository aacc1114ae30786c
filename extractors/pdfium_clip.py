"""Text a PDF page draws outside its clip path: invisible, so never read.

A spreadsheet draws a merged cell's text centred over the whole merged range and
clips it to the part on the page (LibreOffice Calc: the label of a group cut by a
page break is drawn below the table's frame, clipped away); a cell's overflow is
clipped at its border. pdfium's text page reports those characters all the same.
``clipped_text_objects`` finds the page's top-level text objects whose bounds reach
beyond their clip box, with that box; ``is_clipped`` tells whether a character of
one of them lies outside it. Pages without such objects (the usual case) cost one
pass over their objects and nothing per character.
"""

from __future__ import annotations

import ctypes
from typing import Iterable, Iterator

import pypdfium2.raw as raw

Box = tuple[float, float, float, float]  # PDF user space: left, bottom, right, top
CLIP_TOLERANCE = 1.0  # points a glyph may stand past its clip box (antialiasing, rounding)


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

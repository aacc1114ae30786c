"""Scanned pages and images into the IR: deskew, ruling lines, OCR characters.

``image_to_page`` turns one page image into a :class:`~extractors.ir.Page`
of kind ``scanned`` whose ``chars`` and ``rulings`` are in PDF points of the
page (origin top-left), exactly like the digital reader's, so grids, lines
and layout extractors run unchanged:

1. grey levels with red seals made pale, ink (:mod:`extractors.raster`),
   skew measured on the projection profile and removed; a page lying
   sideways or upside down is turned upright (:mod:`extractors.orientation`)
   and levelled again (``page.rotation``: degrees turned counter-clockwise
   in all, quarter turns and skew; the page's size is the upright one);
2. text detection on the levelled page scaled to 1280 px
   (:mod:`extractors.ocr_engine`);
3. ruling lines by morphology (:mod:`extractors.raster_rulings`), emitted
   as :class:`~extractors.ir.Ruling`, then erased, with seal ink and dust,
   from the image the recogniser reads;
4. a text box that runs across a ruling line is split at the line, so each
   piece lies in one cell; a piece with no ink left is not recognised; a
   narrow column of stacked glyphs (vertical text) is laid out as one line;
5. each piece becomes a line image framed on its ink band: the band fills
   half the height (rows of neighbouring lines blanked), a quarter band
   height of paper left and right (paper added where the ink touches the
   box), so text reaches the recogniser at one size whatever the box;
6. recognition of all line images of the page in width-sorted batches; the
   CTC columns place every character (:mod:`extractors.ocr_chars`), one
   :class:`~extractors.ir.Char` per glyph with its recognition confidence.

Rendering DPI, measured on the two scanned samples (15 pages, embedded
images of 150 and 200 dpi; cells equal to the digital twin's grid after
NFKC, CPU seconds per page, one thread): 150 dpi 97.6 % / 5.8 s, 200 dpi
97.7 % / 6.6 s, 300 dpi 97.8 % / 7.0 s. 200 is the default: as good as 300
for less, and safer than 150 for small type in scans of higher resolution.

Speed and memory, same 15 pages, one process, CPU s per page / cells equal
/ peak RSS (VmHWM); ``dev_extract`` record F1 on the 12-page 002 scan:

* rapidocr's own pipeline (detection at 2000 px, line images padded to at
  least 320 px, 16 per call, no arena): 8.7 s / 97.6 % / 1442 MB, F1 0.959;
  the peak was the detector at 2000 px and recognition outputs of
  16 x 250 columns x 18,710 classes (300 MB of float each);
* now: 2.9-3.3 s / 97.7 % / 568 MB, F1 0.964; with two worker processes
  0.67 page/s (was 0.24), 553 MB per worker.

What each step gave (cells equal; recognised width is what recognition
costs, ~0.1 ms per pixel column of the 48-px line image): own batching
without the 320-px minimum, -30 % width; ink band at half the height
instead of two thirds, -25 % width, no loss (0.45: -0.2 %, 0.4: -1.4 %;
squeezing lines horizontally instead: 0.8 -0.5 %, 0.65 -1.3 %); detection
at 1280 px instead of 2000, 1.5 s -> 0.5 s and 300 MB less, which costs
nothing once line images are framed on the ink band (before: -0.6 % and
lost vertical labels; 1152 px 97.8 %, 1024 px 96.0 %); skew from shifted
strip profiles, 0.45 -> 0.06 s. Tried and not taken: PP-OCRv4 mobile
(rapidocr_onnxruntime 1.4.4 wheel, Apache-2.0, 15 MB): its recogniser took
2.2x as long as PP-OCRv6 small on the same line images and its detector was
no faster; static int8 quantisation of the recogniser: no gain on this
AVX2 CPU (no VNNI). Another model can still be used with
``OcrEngine(model_dir=...)``.

Measured later on the 2 sample scans and 4 generated scans (23 pages, mean
record F1 / recognised pixel columns a page): as above 0.976 / 18,300;
ink band 0.45 of the height 0.950 / 16,800; lines narrowed to 0.85 0.975 /
15,900 (CPU time barely moved); both 0.887 / 14,600; the PP-OCRv4 mobile
recogniser in this pipeline 0.882, and 7 % slower. OpenVINO 2026.4 ran the
PP-OCRv6 recogniser and detector at the same speed as onnxruntime (the v4
one 1.5x faster, not enough to make up its accuracy). Detection on the inked
part of the page only: the detector then took a bare ruled frame for one
text box, and boxes moved by a pixel changed readings, so it runs on the
whole page.
"""

from __future__ import annotations

import logging
from dataclasses import astuple, dataclass
from typing import Any

import numpy as np

from extractors import raster, raster_rulings
from extractors.ir import Char, Page, Ruling
from extractors.ocr_engine import OcrEngine
from extractors.orientation import quarter_turns, turn
from extractors.page_images import to_working_resolution
from extractors.ocr_chars import (
    PxBox,
    RecLine,
    glyph_rows,
    ink_extent,
    is_vertical,
    line_image,
    place_chars,
    place_vertical,
    split_box,
    vertical_strip,
)

log = logging.getLogger(__name__)

A4_PT = (595.28, 841.89)
MIN_LINE_SCORE = 0.5  # rapidocr's own default text_score
MIN_TEXT_PT = 2.5  # pieces whose ink is smaller than this either way are specks
REC_INK_SHARE = 0.5  # share of a line image's height the ink band fills
REC_MARGIN = 0.25  # line images keep this many band heights of paper left and right of the ink


# ---------------------------------------------------------------- pages


@dataclass(slots=True)
class Prepared:
    """A deskewed grey page image (stamps removed), its paper grey, ink mask and skew angle."""

    gray: np.ndarray
    paper: np.ndarray
    ink: np.ndarray
    angle: float
    stamp: np.ndarray | None = None  # mask of seal ink, blanked before OCR


def prepare(arr: np.ndarray, px_per_pt: float) -> Prepared:
    """Grey with red stamps pale, skew measured on the ink and removed."""
    gray = raster.to_gray_without_stamps(arr)
    angle = raster.estimate_skew(raster.ink_mask(gray, raster.background(gray, px_per_pt)))
    gray = raster.rotate(gray, angle)
    paper = raster.background(gray, px_per_pt)
    stamp = raster.stamp_ink(arr, px_per_pt)
    if stamp is not None:
        stamp = raster.rotate(stamp, angle, fill=0)
    return Prepared(gray, paper, raster.ink_mask(gray, paper), angle, stamp)


def image_to_page(
    image: Any, number: int, page_size_pt: tuple[float, float] | None, *, engine: OcrEngine
) -> Page:
    """OCR one page image (PIL image or RGB/grey ndarray) into a scanned :class:`Page`.

    ``page_size_pt`` is the page's size in points (a PDF page's size); None
    assumes an A4 page in the image's orientation.
    """
    arr = raster.as_array(image)
    size = page_size_pt or _a4_like(arr.shape[1], arr.shape[0])
    level = upright(to_working_resolution(arr, size), size, engine)
    width, height = level.size
    h, w = level.prep.gray.shape[:2]
    sx, sy = w / width, h / height
    prep, boxes = level.prep, level.boxes
    segments = raster_rulings.find_segments(prep.ink, sx, [astuple(b) for b in boxes])
    blank = np.maximum(raster_rulings.segments_mask(prep.gray.shape, segments), raster.isolated_specks(prep.ink, sx))
    if prep.stamp is not None:
        blank = np.maximum(blank, prep.stamp)
    clean = raster.erase_mask(prep.gray, prep.paper, blank)
    text_ink = np.where(blank > 0, 0, prep.ink).astype(np.uint8)
    chars = read_text(engine, clean, text_ink, boxes, segments, sx)
    return Page(
        number=number, width=width, height=height,
        chars=[_char_to_pt(c, sx, sy) for c in chars],
        rulings=[_segment_to_pt(s, sx, sy) for s in segments],
        kind="scanned", rotation=round(prep.angle + 90 * level.turns, 2),
    )


@dataclass(slots=True)
class Upright:
    """A page image levelled and turned upright, its text boxes, and its size in points."""

    prep: Prepared
    boxes: list[PxBox]
    size: tuple[float, float]
    turns: int  # counter-clockwise quarter turns applied to the scan


def upright(arr: np.ndarray, size: tuple[float, float], engine: OcrEngine) -> Upright:
    """Deskew ``arr`` and find its text; a page lying sideways or upside down is turned first."""
    prep = prepare(arr, arr.shape[1] / size[0])
    boxes = engine.detect(prep.gray)
    turns = quarter_turns(engine, prep.gray, boxes)
    if not turns:
        return Upright(prep, boxes, size, 0)
    if turns % 2:
        size = (size[1], size[0])
    arr = turn(arr, turns)
    prep = prepare(arr, arr.shape[1] / size[0])
    return Upright(prep, engine.detect(prep.gray), size, turns)


def _a4_like(w: int, h: int) -> tuple[float, float]:
    return A4_PT if h >= w else (A4_PT[1], A4_PT[0])


@dataclass(slots=True)
class _Job:
    """One line image to recognise and how to place its characters back on the page."""

    box: PxBox
    extent: tuple[int, int, int, int]
    image: np.ndarray
    glyphs: list[tuple[int, int]] | None = None
    spans: Any = None


def read_text(
    engine: OcrEngine, clean: np.ndarray, ink: np.ndarray, boxes: list[PxBox],
    segments: list[raster_rulings.Segment], px_per_pt: float,
) -> list[Char]:
    """Characters (in pixels) of every text box, split at ruling lines; one batched recognition."""
    min_size = MIN_TEXT_PT * px_per_pt
    jobs = [job for box in boxes for piece in split_box(box, segments, clean.shape)
            if (job := _prepare_piece(clean, ink, piece, min_size)) is not None]
    lines = engine.recognize_many([job.image for job in jobs])
    chars = [c for job, line in zip(jobs, lines) for c in _place(job, line)]
    log.debug("OCR: %d characters from %d line images", len(chars), len(jobs))
    return chars


def _prepare_piece(clean: np.ndarray, ink: np.ndarray, box: PxBox, min_size: float) -> _Job | None:
    crop_ink = ink[box.y0:box.y1, box.x0:box.x1]
    extent = ink_extent(crop_ink)
    if extent is None or max(extent[3] - extent[1], extent[2] - extent[0]) < min_size:
        return None  # nothing, or a speck
    crop = clean[box.y0:box.y1, box.x0:box.x1]
    if is_vertical(extent):
        glyphs = glyph_rows(crop_ink, extent)
        if len(glyphs) > 1:
            strip, spans = vertical_strip(crop, extent, glyphs)
            return _Job(box, extent, strip, glyphs, spans)
    image, left = line_image(crop, extent, REC_MARGIN, REC_INK_SHARE)
    framed = PxBox(box.x0 + left, box.y0, box.x0 + left + image.shape[1], box.y1)
    return _Job(framed, (extent[0] - left, extent[1], extent[2] - left, extent[3]), image)


def _place(job: _Job, line: RecLine | None) -> list[Char]:
    if line is None or line.score < MIN_LINE_SCORE:
        return []
    if job.glyphs is not None:
        return place_vertical(line, job.box, job.extent, job.glyphs, job.spans, job.image.shape[1])
    return place_chars(line, job.box, job.extent)


def _char_to_pt(c: Char, sx: float, sy: float) -> Char:
    return Char(
        text=c.text, x0=round(c.x0 / sx, 2), top=round(c.top / sy, 2), x1=round(c.x1 / sx, 2),
        bottom=round(c.bottom / sy, 2), size=round(c.size / sy, 2), confidence=c.confidence,
        space_before=c.space_before,
    )


def _segment_to_pt(s: raster_rulings.Segment, sx: float, sy: float) -> Ruling:
    if s.orientation == "h":
        y = round(s.pos / sy, 2)
        return Ruling("h", round(s.start / sx, 2), y, round(s.end / sx, 2), y)
    x = round(s.pos / sx, 2)
    return Ruling("v", x, round(s.start / sy, 2), x, round(s.end / sy, 2))

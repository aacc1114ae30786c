"""Page pictures for OCR: image files, scanned PDF pages, and one working resolution.

A scanned PDF page is usually nothing but one embedded picture (plus,
sometimes, an invisible text layer of a scanner's own OCR). Such a page is
read from the picture itself, at its own resolution, exactly as the same
picture saved as a PNG or JPEG would be: rendering it at some DPI would
resample every pixel and let two copies of one scan read differently. Any
other page is rendered with pypdfium2.

Whatever the source, :func:`to_working_resolution` brings a picture whose
resolution lies outside ``WORKING_DPI_RANGE`` to ``DEFAULT_DPI``: a 600-dpi
scan costs four times the pixels for no better reading, and the 150-dpi
pages of the 002 sample scan read better enlarged to 200 (record F1 0.950
at 150 dpi, 0.964 at 200, the same time). The default was chosen by
measurement (see :mod:`extractors.ocr`).
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from extractors import raster

log = logging.getLogger(__name__)

DEFAULT_DPI = 200  # chosen by measurement (extractors.ocr docstring)
WORKING_DPI_RANGE = (195.0, 305.0)  # pictures within it are read as they are
MAX_IMAGE_PIXELS = 120_000_000  # an A3 page at 600 dpi is 70 Mpx; beyond this refuse
MIN_SCAN_COVER = 0.9  # share of the page one picture must cover to be the page's scan


class ImageTooLarge(ValueError):
    """An image (or page rendering) above the pixel limit: a possible decompression bomb."""


# ---------------------------------------------------------------- PDF pages


def pdf_page_image(pdf: Any, index: int, dpi: int = DEFAULT_DPI, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Page ``index`` (0-based) as a picture: its embedded scan if it is one, else rendered at ``dpi``."""
    scan = embedded_scan(pdf, index, max_pixels)
    if scan is not None:
        return scan
    return render_pdf_page(pdf, index, dpi, max_pixels)


def render_pdf_page(pdf: Any, index: int, dpi: int = DEFAULT_DPI, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray:
    """Render page ``index`` (0-based) of a ``pypdfium2.PdfDocument`` to an RGB array."""
    page = pdf[index]
    try:
        w, h = page.get_size()
        scale = dpi / 72
        if w * h * scale * scale > max_pixels:
            raise ImageTooLarge(f"page {index + 1} at {dpi} dpi exceeds {max_pixels} pixels")
        bitmap = page.render(scale=scale, rev_byteorder=True)
        return np.array(bitmap.to_numpy()[:, :, :3])
    finally:
        page.close()


def embedded_scan(pdf: Any, index: int, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray | None:
    """The one picture that makes up page ``index``, at its own resolution, or None.

    A page qualifies when it is not rotated, holds exactly one image object,
    covering at least ``MIN_SCAN_COVER`` of the page, and otherwise only text
    objects (a scanner's invisible OCR layer) -- nothing drawn over the picture.
    """
    import pypdfium2.raw as pdfium_c

    page = pdf[index]
    try:
        if page.get_rotation() % 360:
            return None
        kinds = [obj.type for obj in page.get_objects()]
        if kinds.count(pdfium_c.FPDF_PAGEOBJ_IMAGE) != 1 or set(kinds) - {
            pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_TEXT
        }:
            return None
        image = next(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))
        if _cover(image.get_bounds(), page.get_size()) < MIN_SCAN_COVER:
            return None
        w, h = image.get_px_size()
        if w * h > max_pixels:
            raise ImageTooLarge(f"page {index + 1}: embedded image {w}x{h} exceeds {max_pixels} pixels")
        return raster.as_array(image.get_bitmap(render=not _upright(image.get_matrix())).to_pil())
    finally:
        page.close()


def _upright(matrix: Any) -> bool:
    """The picture is only scaled and moved onto the page: its own pixels are the page's."""
    return matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and matrix.d > 0


def _cover(bounds: tuple[float, float, float, float], size: tuple[float, float]) -> float:
    left, bottom, right, top = bounds
    width, height = size
    inside_w = max(0.0, min(right, width) - max(left, 0.0))
    inside_h = max(0.0, min(top, height) - max(bottom, 0.0))
    return inside_w * inside_h / (width * height) if width > 0 and height > 0 else 0.0


# ---------------------------------------------------------------- resolution


def to_working_resolution(arr: np.ndarray, page_size_pt: tuple[float, float]) -> np.ndarray:
    """``arr`` resampled to ``DEFAULT_DPI`` when its resolution lies outside ``WORKING_DPI_RANGE``."""
    dpi = arr.shape[1] / page_size_pt[0] * 72
    low, high = WORKING_DPI_RANGE
    if low <= dpi <= high:
        return arr
    import cv2

    scale = DEFAULT_DPI / dpi
    size = (max(1, round(arr.shape[1] * scale)), max(1, round(arr.shape[0] * scale)))
    log.debug("picture at %.0f dpi resampled to %d dpi", dpi, DEFAULT_DPI)
    return cv2.resize(arr, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


# ---------------------------------------------------------------- image files


def load_image_pages(path: str | Path, max_pixels: int = MAX_IMAGE_PIXELS) -> list[np.ndarray]:
    """Pages of a PNG/JPEG/TIFF (every frame of a multi-page TIFF) as uint8 arrays.

    Raises :class:`ImageTooLarge` for a frame above ``max_pixels``, before decoding it.
    PIL's own bomb guard is set to the same limit while the file is read.
    """
    from PIL import Image

    try:
        with pixel_cap(max_pixels), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _read_frames(path, max_pixels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"{path}: image above {max_pixels} pixels ({exc})") from exc


@contextmanager
def pixel_cap(limit: int) -> Iterator[None]:
    """PIL's decompression-bomb limit set to ``limit`` inside the block only (no process-wide change)."""
    from PIL import Image

    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


def _read_frames(path: str | Path, max_pixels: int) -> list[np.ndarray]:
    from PIL import Image, ImageOps, ImageSequence

    pages: list[np.ndarray] = []
    with Image.open(path) as img:
        for frame in ImageSequence.Iterator(img):
            w, h = frame.size
            if w * h > max_pixels:
                raise ImageTooLarge(f"{path}: frame {len(pages) + 1} is {w}x{h}, above {max_pixels} pixels")
            pages.append(raster.as_array(ImageOps.exif_transpose(frame)))
    return pages

"""Reading one input file into pages: digital text layer or OCR, per page.

A PDF page keeps its text layer when the layer is usable (enough characters
that decode to Chinese or ASCII); a page with no layer or a garbage one
(``(cid:123)`` codes, private-use glyphs) is OCR'd from its embedded scan
(or a rendering, see :mod:`extractors.page_images`); a page that draws
nothing at all (a word processor's trailing blank page) is kept empty, not
OCR'd. Image files
are OCR'd page by page. The OCR engine is loaded lazily, once per worker
process, so ``--help``, ``query`` and ``export`` never import it.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from extractors.ir import Page
from extractors.pdfium import draws_nothing, pdfium_page_to_page, text_layer_stats
from pipeline.timing import timed

log = logging.getLogger(__name__)

OCR_DPI = 200


@functools.cache
def ocr_engine() -> Any:
    """The OCR engine of this process (models load on first use, from the wheel)."""
    from extractors.ocr import OcrEngine

    return OcrEngine()


def read_pdf_pages(pdf: Any, timings: dict[str, float]) -> list[Page]:
    """Every page of an open pypdfium2 document, OCR'd where the text layer is unusable."""
    pages: list[Page] = []
    for index in range(len(pdf)):
        pages.append(_read_pdf_page(pdf, index, timings))
    return pages


def _read_pdf_page(pdf: Any, index: int, timings: dict[str, float]) -> Page:
    handle = pdf[index]
    try:
        with timed(timings, "text"):
            page = pdfium_page_to_page(handle, index + 1)
            blank = not page.chars and draws_nothing(handle)
    finally:
        handle.close()
    if blank or text_layer_stats(page).usable:
        return page
    log.info("page %d has no usable text layer: OCR", index + 1)
    return _ocr_pdf_page(pdf, index, (page.width, page.height), timings)


def _ocr_pdf_page(pdf: Any, index: int, size: tuple[float, float], timings: dict[str, float]) -> Page:
    from extractors.ocr import image_to_page
    from extractors.page_images import pdf_page_image

    with timed(timings, "render"):
        image = pdf_page_image(pdf, index, OCR_DPI)
    with timed(timings, "ocr"):
        return image_to_page(image, index + 1, size, engine=ocr_engine())


def read_image_pages(path: Path, timings: dict[str, float]) -> list[Page]:
    from extractors.ocr import image_to_page
    from extractors.page_images import load_image_pages

    with timed(timings, "open"):
        images = load_image_pages(path)
    pages: list[Page] = []
    for number, image in enumerate(images, start=1):
        with timed(timings, "ocr"):
            pages.append(image_to_page(image, number, None, engine=ocr_engine()))
    return pages

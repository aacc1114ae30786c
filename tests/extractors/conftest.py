"""Shared fixtures of the extractor tests (OCR fixtures are prefixed ``ocr_``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.scans import cjk_font_available, draw_table_pdf, make_scan


@pytest.fixture(scope="session")
def ocr_engine():
    """One OCR engine for the whole test session (models load on first use)."""
    from extractors.ocr import OcrEngine

    return OcrEngine()


@pytest.fixture(scope="session")
def ocr_table_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A digital A4 page with the ruled fund table of ``tests.fixtures.scans``."""
    if not cjk_font_available():
        pytest.skip("fonts-wqy-microhei is not installed (run `make fonts`)")
    return draw_table_pdf(tmp_path_factory.mktemp("ocr") / "table.pdf")


@pytest.fixture(scope="session")
def ocr_table_page(ocr_table_pdf: Path, ocr_engine):
    """The table page scanned (1.5 degrees, blur, noise, JPEG) and OCR'd."""
    from reportlab.lib.pagesizes import A4

    from extractors.ocr import image_to_page

    return image_to_page(make_scan(ocr_table_pdf, 0), 1, A4, engine=ocr_engine)

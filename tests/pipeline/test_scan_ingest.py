"""A scanned page ingests the same whether it comes as a PNG or as an image-only PDF page."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluate import Truth, format_score, reports_to_json, score_document
from pipeline.ingest import IngestOptions, engine_for, file_sha256, ingest
from pipeline.load import load_reports
from tests.fixtures.scans import cjk_font_available, make_scan

pytestmark = pytest.mark.skipif(not cjk_font_available(), reason="fonts-wqy-microhei missing (make fonts)")


def _one_page_case(tmp_path: Path):
    from pipeline.corpus import build_digital, load_generator

    gen = load_generator("self_eval_form")
    docs = build_digital(gen, len(gen.cases), tmp_path / "digital")
    return min(docs, key=lambda d: d.pages)


def _stored(path: Path, db: Path) -> list:
    url = f"sqlite:///{db}"
    summary = ingest([path], IngestOptions(db_url=url, isolate=False))
    assert summary.exit_code == 0, summary.outcomes
    return load_reports(engine_for(url), file_sha256(path))


def _image_pdf(png: Path, out: Path, size: tuple[int, int]) -> None:
    """A PDF page holding the PNG losslessly at 200 dpi (PIL's PDF writer would JPEG it)."""
    from reportlab.pdfgen import canvas

    width, height = size[0] * 72 / 200, size[1] * 72 / 200
    page = canvas.Canvas(str(out), pagesize=(width, height))
    page.drawImage(str(png), 0, 0, width, height)
    page.save()


def test_png_and_image_pdf_of_a_page_give_the_same_records(tmp_path: Path) -> None:
    doc = _one_page_case(tmp_path)
    scan = make_scan(doc.path, 0, seed=7, dpi=200, angle=1.0)
    png, pdf = tmp_path / "page.png", tmp_path / "page.pdf"
    scan.save(png)
    _image_pdf(png, pdf, scan.size)
    from_png = _stored(png, tmp_path / "png.db")
    from_pdf = _stored(pdf, tmp_path / "pdf.db")
    same = score_document(from_png, Truth("page.pdf", "self_eval_form", "scanned", 1,
                                          reports_to_json(from_pdf)["reports"]))
    assert same.overall_f1 == 1.0, format_score(same, mismatches=10)
    assert [r.report_type for r in from_png] == ["self_eval_form"]
    first_page = [r for r in from_png[0].indicators + from_png[0].funds if r.page == 1]
    assert first_page and all(r.confidence <= 1.0 for r in first_page)
    if doc.pages == 1:
        assert score_document(from_png, doc.truth).overall_f1 >= 0.9

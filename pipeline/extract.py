"""The one place that composes the extraction stages of a single file.

``file_to_document`` (read pages, digital or OCR, build grids, assemble the
document) → ``document_to_reports`` (segment into reports, run each layout
extractor). Each stage is timed so the benchmark can split the cost.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from extractors.document import pages_to_document
from extractors.find import text_of
from extractors.grids import page_to_grids
from extractors.ir import Document, Page
from extractors.registry import get_extractor
from extractors.segment import UNKNOWN, Slice, document_to_slices, slice_document
from schemas.records import ReportRec

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ExtractResult:
    """What one file yielded, with per-stage timings and problems met."""

    document: Document
    reports: list[ReportRec]
    kind: str
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def pages_kind(pages: list[Page]) -> str:
    kinds = {p.kind for p in pages}
    if kinds == {"scanned"}:
        return "scanned"
    return "mixed" if len(kinds) > 1 else "digital"


def file_to_document(path: Path, pages: list[Page], timings: dict[str, float]) -> Document:
    with timed(timings, "tables"):
        for page in pages:
            page_to_grids(page)
        return pages_to_document(str(path), pages)


def document_to_reports(doc: Document, timings: dict[str, float], warnings: list[str]) -> list[ReportRec]:
    with timed(timings, "segment"):
        slices = document_to_slices(doc)
    reports: list[ReportRec] = []
    with timed(timings, "extract"):
        for part in slices:
            reports.append(slice_to_report(doc, part, warnings))
    return reports


def slice_to_report(doc: Document, part: Slice, warnings: list[str]) -> ReportRec:
    sub = slice_document(doc, part)
    extractor = get_extractor(part.report_type)
    report = _unknown(sub, part) if extractor is None else _run(extractor, sub, part, warnings)
    report.page_start, report.page_end = part.page_start, part.page_end
    report.text = report.text or text_of(sub)
    report.tables = report.tables or [_table_info(g) for g in sub.grids()]
    return report


def _run(extractor, sub: Document, part: Slice, warnings: list[str]) -> ReportRec:
    try:
        return extractor.extract(sub)
    except Exception as exc:  # one report's failure must not cost the others
        log.exception("extractor %s failed on pages %d-%d", part.report_type, part.page_start, part.page_end)
        warnings.append(f"{part.report_type} pages {part.page_start}-{part.page_end}: {type(exc).__name__}: {exc}")
        report = _unknown(sub, part)
        report.report_type = part.report_type
        return report


def _unknown(sub: Document, part: Slice) -> ReportRec:
    return ReportRec(report_type=UNKNOWN, title=part.title or None)


def _table_info(grid) -> dict:
    return {"page": grid.page, "pages": list(grid.pages), "method": grid.method,
            "n_rows": grid.n_rows, "n_cols": grid.n_cols, "confidence": grid.confidence}


def read_digital_pages(path: Path, timings: dict[str, float]) -> list[Page]:
    import pypdfium2 as pdfium

    from extractors.pdfium import pdf_to_pages

    with timed(timings, "open"):
        pdf = pdfium.PdfDocument(str(path))
    try:
        with timed(timings, "text"):
            return list(pdf_to_pages(pdf))
    finally:
        pdf.close()


def extract_path(path: Path) -> ExtractResult:
    """Digital PDF to reports (the scanned path is added in ``pipeline.read``)."""
    timings: dict[str, float] = {}
    warnings: list[str] = []
    pages = read_digital_pages(path, timings)
    doc = file_to_document(path, pages, timings)
    reports = document_to_reports(doc, timings, warnings)
    return ExtractResult(document=doc, reports=reports, kind=pages_kind(pages), warnings=warnings, timings=timings)

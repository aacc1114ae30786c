"""The one place that composes the extraction stages of a single file.

``file_to_document`` (read pages, digital or OCR, build grids, assemble the
document) → ``document_to_reports`` (segment into reports, run each layout
extractor). Each stage is timed so the benchmark can split the cost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.document import pages_to_document
from extractors.find import text_of
from extractors.grids import page_to_grids
from extractors.ir import Document, Page
from extractors.registry import get_extractor
from extractors.segment import UNKNOWN, Slice, document_to_slices, slice_document
from pipeline.timing import timed
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
    report = _unknown(sub, part) if part.report_type == UNKNOWN else _run(sub, part, warnings)
    report.page_start, report.page_end = part.page_start, part.page_end
    report.text = report.text or text_of(sub)
    report.tables = report.tables or [_table_info(g) for g in sub.grids()]
    return report


def _run(sub: Document, part: Slice, warnings: list[str]) -> ReportRec:
    try:
        return get_extractor(part.report_type).extract(sub)
    except Exception as exc:  # one report's failure must not cost the others
        log.info("extractor %s failed on pages %d-%d", part.report_type, part.page_start, part.page_end,
                 exc_info=True)
        warnings.append(f"{part.report_type} pages {part.page_start}-{part.page_end}: {type(exc).__name__}: {exc}")
        report = _unknown(sub, part)
        report.report_type = part.report_type
        return report


def _unknown(sub: Document, part: Slice) -> ReportRec:
    return ReportRec(report_type=UNKNOWN, title=part.title or None)


def _table_info(grid) -> dict:
    return {"page": grid.page, "pages": list(grid.pages), "method": grid.method,
            "n_rows": grid.n_rows, "n_cols": grid.n_cols, "confidence": grid.confidence}



def read_pages(path: Path, info: Any, timings: dict[str, float]) -> list[Page]:
    """Pages of a sniffed file (``pipeline.sniff.FileInfo``): PDF or image."""
    from pipeline import read

    if info.kind == "image":
        return read.read_image_pages(path, timings)
    from pipeline.sniff import open_pdf

    with timed(timings, "open"):
        pdf = open_pdf(path, info)
    try:
        return read.read_pdf_pages(pdf, timings)
    finally:
        pdf.close()


def extract_file(path: Path, info: Any) -> ExtractResult:
    """One sniffed file to its reports: read pages, build grids, segment, extract."""
    timings: dict[str, float] = {}
    warnings: list[str] = list(getattr(info, "warnings", []))
    pages = read_pages(path, info, timings)
    doc = file_to_document(path, pages, timings)
    reports = document_to_reports(doc, timings, warnings)
    return ExtractResult(document=doc, reports=reports, kind=pages_kind(pages), warnings=warnings, timings=timings)


def extract_path(path: Path) -> ExtractResult:
    """Sniff then extract one file (raises ``pipeline.sniff.InputError`` on bad input)."""
    from pipeline.sniff import sniff

    return extract_file(path, sniff(path))


def extract_pdf(path: Path) -> ExtractResult:
    """A PDF straight to reports, without sniffing (developer tools and tests)."""
    import pypdfium2 as pdfium

    from pipeline import read

    timings: dict[str, float] = {}
    warnings: list[str] = []
    with timed(timings, "open"):
        pdf = pdfium.PdfDocument(str(path))
    try:
        pages = read.read_pdf_pages(pdf, timings)
    finally:
        pdf.close()
    doc = file_to_document(path, pages, timings)
    reports = document_to_reports(doc, timings, warnings)
    return ExtractResult(document=doc, reports=reports, kind=pages_kind(pages), warnings=warnings, timings=timings)

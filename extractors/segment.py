"""Layout recognition: which report each page belongs to.

A page whose title announces a report type starts a new report of that
type (a page without a large title may announce it in body size, on one of
its first lines above its tables, matched exactly); the pages after it
belong to it until the next such page. Pages
before the first recognised title are attached to the first report. When no
page has a recognisable title, header labels of the tables decide; a
document nothing recognises becomes one ``unknown`` report.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.find import compact, find_cell, fuzzy_contains, page_title, plain_titles
from extractors.ir import Document, Page, TextLine
from schemas.labels import HEADER_HINTS, TITLE_ORDER, TITLE_PHRASES, title_type

UNKNOWN = "unknown"


@dataclass(slots=True)
class Slice:
    """The pages (1-based, inclusive) of one report and its type."""

    report_type: str
    page_start: int
    page_end: int
    title: str = ""


def page_start_type(page: Page, lines: list[TextLine] | None = None) -> tuple[str | None, str]:
    """(report type announced by the page's title, the title); ``lines``: the page's text
    lines without running headers and footers (default: all of them)."""
    title = page_title(page)
    key = compact(title)
    if not key:  # no large title: a title in body size, matched exactly
        plain = plain_titles(page, lines)
        return next(((found, text) for text in plain if (found := title_type(compact(text)))), (None, ""))
    return title_type(key) or fuzzy_title_type(key), title


def fuzzy_title_type(title: str) -> str | None:
    """The type whose canonical title phrase the title holds with an OCR error or two."""
    if not title:
        return None
    for report_type in TITLE_ORDER:
        if any(fuzzy_contains(title, phrase) for phrase in TITLE_PHRASES[report_type]):
            return report_type
    return None


def _hint_count(page: Page, hints: tuple[str, ...]) -> int:
    return sum(1 for g in page.grids for hint in hints if find_cell(g, [hint], prefix=True))


def document_to_slices(doc: Document) -> list[Slice]:
    starts: list[tuple[int, str, str]] = []
    lines = _lines_by_page(doc)
    for page in doc.pages:
        report_type, title = page_start_type(page, lines.get(page.number, []))
        if report_type is not None:
            starts.append((page.number, report_type, title))
    if not starts:
        return [_untitled(doc)]
    last = doc.pages[-1].number if doc.pages else 1
    slices: list[Slice] = []
    for k, (number, report_type, title) in enumerate(starts):
        end = starts[k + 1][0] - 1 if k + 1 < len(starts) else last
        begin = doc.pages[0].number if k == 0 else number
        slices.append(Slice(report_type, begin, end, title))
    return slices


def _lines_by_page(doc: Document) -> dict[int, list[TextLine]]:
    """The document's text lines (running headers and footers left out), by page."""
    by_page: dict[int, list[TextLine]] = {}
    for block in doc.blocks:
        if block.line is not None:
            by_page.setdefault(block.page, []).append(block.line)
    return by_page


def _untitled(doc: Document) -> Slice:
    first = doc.pages[0].number if doc.pages else 1
    last = doc.pages[-1].number if doc.pages else 1
    counts = {t: sum(_hint_count(p, hints) for p in doc.pages) for t, hints in HEADER_HINTS.items()}
    best = max(counts, key=lambda t: counts[t])
    return Slice(best if counts[best] > 0 else UNKNOWN, first, last)


def slice_document(doc: Document, part: Slice) -> Document:
    """The sub-document holding only the pages of ``part``."""
    inside = range(part.page_start, part.page_end + 1)
    pages = [p for p in doc.pages if p.number in inside]
    blocks = [b for b in doc.blocks if b.page in inside]
    return Document(path=doc.path, pages=pages, blocks=blocks)

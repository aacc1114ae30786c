"""Label-driven lookups shared by the layout extractors.

Extractors never use coordinates to find a value: they find a label cell by
its text (or a synonym from ``schemas.labels``) and read its neighbours in
the grid, or a ``标签：值`` pair in the free text.
"""

from __future__ import annotations

import re
import statistics
from typing import Iterable, Iterator

from extractors.ir import Cell, Document, Grid, Page, TextLine
from schemas.text import compact

TITLE_RATIO = 1.3  # a title's font is this much larger than the page's body text


def label_matches(text: str | None, labels: Iterable[str], *, prefix: bool = False) -> bool:
    key = compact(text)
    if not key:
        return False
    for label in labels:
        want = compact(label)
        if key == want or (prefix and key.startswith(want)):
            return True
    return False


def find_cells(grid: Grid, labels: Iterable[str], *, prefix: bool = False) -> list[Cell]:
    labels = list(labels)
    return [c for c in grid.cells if label_matches(c.text, labels, prefix=prefix)]


def find_cell(grid: Grid, labels: Iterable[str], *, prefix: bool = False) -> Cell | None:
    found = find_cells(grid, labels, prefix=prefix)
    return found[0] if found else None


def right_of(grid: Grid, cell: Cell) -> Cell | None:
    """The cell just right of ``cell`` in its first row."""
    col = cell.last_col + 1
    return grid.cell_at(cell.row, col) if col < grid.n_cols else None


def below(grid: Grid, cell: Cell) -> Cell | None:
    row = cell.last_row + 1
    return grid.cell_at(row, cell.col) if row < grid.n_rows else None


def value_right_of(grid: Grid, labels: Iterable[str], *, prefix: bool = False) -> Cell | None:
    """The value cell to the right of the first label cell found."""
    cell = find_cell(grid, labels, prefix=prefix)
    return right_of(grid, cell) if cell else None


def row_cells(grid: Grid, row: int) -> list[Cell]:
    """Distinct cells covering ``row``, left to right (merged cells included once)."""
    seen: list[Cell] = []
    for c in range(grid.n_cols):
        cell = grid.cell_at(row, c)
        if cell is not None and all(cell is not s for s in seen):
            seen.append(cell)
    return seen


def find_grid(doc: Document, labels: Iterable[str], *, prefix: bool = False) -> Grid | None:
    labels = list(labels)
    return next((g for g in doc.grids() if find_cell(g, labels, prefix=prefix)), None)


def grids_with(doc: Document, labels: Iterable[str], *, prefix: bool = False) -> list[Grid]:
    labels = list(labels)
    return [g for g in doc.grids() if find_cell(g, labels, prefix=prefix)]


# ---------------------------------------------------------------- free text

_PAIR = re.compile(r"^(?P<key>[^：:]{1,30}?)\s*[：:]\s*(?P<value>.*)$")


def colon_pairs(lines: Iterable[TextLine]) -> Iterator[tuple[str, str, TextLine]]:
    """``标签：值`` pairs from free text lines (value may be empty)."""
    for line in lines:
        match = _PAIR.match(line.text.strip())
        if match:
            yield compact(match["key"]), match["value"].strip(), line


def colon_value(lines: Iterable[TextLine], labels: Iterable[str]) -> tuple[str, TextLine] | None:
    labels = [compact(label) for label in labels]
    for key, value, line in colon_pairs(lines):
        if key in labels:
            return value, line
    return None


def substring_distance(text: str, phrase: str) -> int:
    """Fewest edits turning ``phrase`` into some substring of ``text`` (Sellers' algorithm)."""
    prev = [0] * (len(text) + 1)
    for i, p in enumerate(phrase, start=1):
        cur = [i] + [0] * len(text)
        for j, t in enumerate(text, start=1):
            cur[j] = min(prev[j - 1] + (p != t), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return min(prev)


def fuzzy_contains(text: str, phrase: str, max_edits: int | None = None) -> bool:
    """``text`` holds ``phrase`` with at most ``max_edits`` wrong characters (default: 1 per 5)."""
    limit = max(1, len(phrase) // 5) if max_edits is None else max_edits
    return substring_distance(text, phrase) <= limit


def body_size(page: Page) -> float:
    sizes = [c.size for c in page.chars if c.size > 0]
    return statistics.median(sizes) if sizes else 0.0


def page_title(page: Page) -> str:
    """The large-font line(s) of a page, joined ("" when the page has none)."""
    base = body_size(page)
    if not page.lines or base <= 0:
        return ""
    big = [line for line in page.lines if line.size >= base * TITLE_RATIO]
    if not big:
        return ""
    top = max(line.size for line in big)
    title = [line for line in big if line.size >= top * 0.9]
    return "".join(line.text for line in sorted(title, key=lambda l: (l.bbox[1], l.bbox[0])))


def text_of(doc: Document) -> str:
    """All text of a document, lines and cells in reading order; pages separated by form feeds.

    A table stitched across pages contributes each cell to the page it was read on.
    """
    pages: dict[int, list[str]] = {p.number: [] for p in doc.pages}
    for block in doc.blocks:
        if block.line is not None:
            pages.setdefault(block.page, []).append(block.line.text)
        elif block.grid is not None:
            for row in block.grid.rows():
                texts = [c.text for c in row if c.text]
                if texts:
                    pages.setdefault(row[0].page, []).append(" | ".join(texts))
    return "\f".join("\n".join(pages[n]) for n in sorted(pages))

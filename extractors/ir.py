"""The one intermediate representation of what a page holds.

Digital pages (pypdfium2 characters and path objects) and OCR'd scans both
produce :class:`Page` objects; grids are built from a page's rulings and
characters. Layout extractors only ever see these types, never which
backend produced them.

Coordinates are PDF points with the origin at the top-left corner of the
page (pdfplumber's convention): ``x0 < x1`` and ``top < bottom``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Literal

BBox = tuple[float, float, float, float]
PageKind = Literal["digital", "scanned"]


def union_bbox(boxes: list[BBox]) -> BBox:
    """Smallest box holding every box of ``boxes`` (which must not be empty)."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def format_bbox(box: BBox | None) -> str | None:
    """``x0,y0,x1,y1`` with one decimal, as stored in the database."""
    if box is None:
        return None
    return ",".join(f"{v:.1f}" for v in box)


@dataclass(frozen=True, slots=True)
class Char:
    """One glyph with its box; ``size`` is the font size (or glyph height for OCR)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    confidence: float = 1.0
    space_before: bool = False  # the text layer has a space between this char and the previous one

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True, slots=True)
class Ruling:
    """A horizontal or vertical ruling line segment."""

    orientation: Literal["h", "v"]
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def pos(self) -> float:
        """The fixed coordinate: y for horizontal lines, x for vertical ones."""
        return self.top if self.orientation == "h" else self.x0

    @property
    def start(self) -> float:
        return self.x0 if self.orientation == "h" else self.top

    @property
    def end(self) -> float:
        return self.x1 if self.orientation == "h" else self.bottom


@dataclass(frozen=True, slots=True)
class TextLine:
    """Characters that share a baseline, joined into text."""

    text: str
    bbox: BBox
    size: float
    page: int
    confidence: float = 1.0


@dataclass(slots=True)
class Cell:
    """One (possibly merged) table cell."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    bbox: BBox
    page: int
    confidence: float = 1.0

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass(slots=True)
class Grid:
    """A table as a grid of cells; a merged cell appears once, with its spans.

    ``col_edges`` are the x positions of the column boundaries (n_cols + 1);
    ``method`` names what produced the grid: ``pdfium-lattice`` / ``ocr-lattice``
    (fully ruled), ``*-lattice-open`` (outer frame missing, completed from the
    text), ``*-stream`` (rows from partial rules, columns from text alignment;
    confidence below 1 says the structure was inferred); ``pages`` lists
    every page the grid spans once continuation tables are stitched.
    """

    page: int
    bbox: BBox
    n_rows: int
    n_cols: int
    cells: list[Cell]
    col_edges: list[float] = field(default_factory=list)
    method: str = "pdfium-lattice"
    confidence: float = 1.0
    pages: list[int] = field(default_factory=list)

    def cell_at(self, row: int, col: int) -> Cell | None:
        """The cell covering position (row, col), merged or not."""
        for cell in self.cells:  # spans inlined: extractors call this in their inner loops
            if 0 <= row - cell.row < cell.rowspan and 0 <= col - cell.col < cell.colspan:
                return cell
        return None

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, left to right."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row].append(cell)
        for row in out:
            row.sort(key=lambda c: c.col)
        return out

    def matrix(self) -> list[list[Cell | None]]:
        """A full n_rows x n_cols matrix; a merged cell fills every slot it covers."""
        grid: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.last_row + 1):
                for c in range(cell.col, cell.last_col + 1):
                    grid[r][c] = cell
        return grid

    def text_matrix(self) -> list[list[str]]:
        """Text of :meth:`matrix`, with spanned slots repeating the merged text."""
        return [[c.text if c else "" for c in row] for row in self.matrix()]

    def iter_text(self) -> Iterator[str]:
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            if cell.text:
                yield cell.text


@dataclass(slots=True)
class Page:
    """Everything one page holds, whatever produced it."""

    number: int
    width: float
    height: float
    chars: list[Char]
    rulings: list[Ruling]
    kind: PageKind = "digital"
    grids: list[Grid] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    rotation: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(slots=True)
class Block:
    """One item of a document in reading order: a text line or a table."""

    page: int
    top: float
    line: TextLine | None = None
    grid: Grid | None = None


@dataclass(slots=True)
class Document:
    """The pages of one input file plus its blocks in reading order."""

    path: str
    pages: list[Page]
    blocks: list[Block] = field(default_factory=list)

    def lines(self) -> list[TextLine]:
        return [b.line for b in self.blocks if b.line is not None]

    def grids(self) -> list[Grid]:
        return [b.grid for b in self.blocks if b.grid is not None]

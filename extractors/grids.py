"""Ruling lines and characters into cell grids (lattice tables).

The stages, each a pure function:

``merge_rulings`` (snap and join collinear segments) → ``rulings_to_tables``
(connected groups of crossing lines) → ``table_to_cells`` (atomic cells
between every column and row boundary, merged where the boundary between
two of them is not drawn) → ``fill_cells`` (characters placed into cells).

A merged cell comes out as one :class:`~extractors.ir.Cell` with its row
and column spans, never as a cell followed by empty ones.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from extractors.disjoint import close_rectangles, groups, union
from extractors.ir import BBox, Cell, Char, Grid, Page, Ruling, TextLine
from extractors.textlines import cell_text, chars_to_lines

SNAP = 1.5  # rulings closer than this are the same line
JOIN = 2.5  # collinear pieces with a gap below this are one line
TOUCH = 2.5  # a line ending this close to another one touches it
COVERAGE = 0.6  # share of a boundary that must be drawn to separate two cells
MIN_TABLE_WIDTH = 24.0
MIN_TABLE_HEIGHT = 8.0
RUN_GAP = 0.3  # chars closer than this share of their size, on one line, are one run of text


@dataclass(slots=True)
class TableLines:
    """The rulings of one table and its column/row boundaries."""

    h: list[Ruling]
    v: list[Ruling]
    xs: list[float]
    ys: list[float]
    open: bool = False  # outer boundaries inferred from the text (the frame is not drawn)

    @property
    def bbox(self) -> BBox:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])


def page_to_grids(page: Page, method: str | None = None) -> Page:
    """Fill ``page.grids`` and ``page.lines`` (text outside grids); returns the page.

    Lattice tables first; :mod:`extractors.stream` then opens lattices whose
    outer frame is not drawn and finds the tables drawn with partial rules or
    none (imported here: it builds on this module).
    """
    from extractors import stream

    rulings = merge_rulings(page.rulings)
    tables = [stream.open_frame(t, page.chars) for t in rulings_to_tables(rulings)]
    grids = [_lattice_grid(t, page, method or _default_method(page)) for t in tables]
    grids = [g for g in grids if g.n_rows and g.n_cols]
    free = chars_outside(page.chars, [g.bbox for g in grids])
    found = stream.lines_to_stream_grids(page, rulings, tables, free)
    outside = chars_outside(free, [g.bbox for g in found])
    grids += found
    page.grids = sorted(grids, key=lambda g: (g.bbox[1], g.bbox[0]))
    page.lines = chars_to_lines(outside, page.number)
    return page


def chars_outside(chars: list[Char], boxes: list[BBox]) -> list[Char]:
    """The chars whose centre lies in none of ``boxes``, but for a run's overflow.

    A run of text begun inside a box and running on past its edge (a cell's
    text wider than the cell, as a substituted font or an overflowing
    spreadsheet cell prints it) belongs to the box: see :func:`chars_by_cell`.
    """
    if not boxes:
        return chars
    out: list[Char] = []
    held = False  # the previous char is in a box, or runs on from one
    for i, ch in enumerate(chars):
        inside = any(_holds(b, ch) for b in boxes)
        held = inside or (held and _continues_run(chars[i - 1], ch))
        if not held:
            out.append(ch)
    return out


def _holds(box: BBox, ch: Char) -> bool:
    return box[0] <= ch.cx <= box[2] and box[1] <= ch.cy <= box[3]


def _continues_run(prev: Char, ch: Char) -> bool:
    """``ch`` runs on from ``prev``: one line, closer than ``RUN_GAP`` of their size, no space between."""
    if ch.space_before:
        return False
    reach = RUN_GAP * max(prev.size, ch.size, 1.0)
    return abs(ch.cy - prev.cy) <= reach and -reach <= ch.x0 - prev.x1 <= reach


def _default_method(page: Page) -> str:
    return "ocr-lattice" if page.kind == "scanned" else "pdfium-lattice"


def _lattice_grid(table: TableLines, page: Page, method: str) -> Grid:
    """A lattice grid; one whose frame ``open_frame`` added says so in its method."""
    from extractors.stream import OPEN_FRAME_CONFIDENCE

    grid = table_to_grid(table, page, method)
    if table.open:
        grid.method = f"{method}-open"
        grid.confidence = min(grid.confidence, OPEN_FRAME_CONFIDENCE)
    return grid


# ---------------------------------------------------------------- rulings


def merge_rulings(rulings: list[Ruling]) -> list[Ruling]:
    """Snap nearly equal positions together and join collinear overlapping pieces."""
    out: list[Ruling] = []
    for orientation in ("h", "v"):
        lines = [r for r in rulings if r.orientation == orientation]
        for pos, group in _cluster_by_pos(lines):
            out.extend(_join_segments(orientation, pos, group))
    return out


def _cluster_by_pos(lines: list[Ruling]) -> list[tuple[float, list[Ruling]]]:
    clusters: list[list[Ruling]] = []
    for line in sorted(lines, key=lambda r: r.pos):
        if clusters and line.pos - clusters[-1][-1].pos <= SNAP:
            clusters[-1].append(line)
        else:
            clusters.append([line])
    return [(sum(r.pos for r in c) / len(c), c) for c in clusters]


def _join_segments(orientation: str, pos: float, group: list[Ruling]) -> list[Ruling]:
    spans: list[list[float]] = []
    for r in sorted(group, key=lambda r: r.start):
        if spans and r.start <= spans[-1][1] + JOIN:
            spans[-1][1] = max(spans[-1][1], r.end)
        else:
            spans.append([r.start, r.end])
    return [_make(orientation, pos, a, b) for a, b in spans]


def _make(orientation: str, pos: float, a: float, b: float) -> Ruling:
    if orientation == "h":
        return Ruling("h", a, pos, b, pos)
    return Ruling("v", pos, a, pos, b)


def _crosses(h: Ruling, v: Ruling) -> bool:
    return (h.x0 - TOUCH <= v.x0 <= h.x1 + TOUCH) and (v.top - TOUCH <= h.top <= v.bottom + TOUCH)


def rulings_to_tables(rulings: list[Ruling]) -> list[TableLines]:
    """Group crossing lines into tables (connected components)."""
    hs = [r for r in rulings if r.orientation == "h"]
    vs = [r for r in rulings if r.orientation == "v"]
    parent = list(range(len(hs) + len(vs)))
    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if _crosses(h, v):
                union(parent, i, len(hs) + j)
    tables = [_table_lines(hs, vs, members) for members in groups(parent)]
    return [t for t in tables if t is not None]


def _table_lines(hs: list[Ruling], vs: list[Ruling], members: list[int]) -> TableLines | None:
    h = [hs[k] for k in members if k < len(hs)]
    v = [vs[k - len(hs)] for k in members if k >= len(hs)]
    if len(h) < 2 or len(v) < 2:
        return None
    xs = _positions([r.pos for r in v])
    ys = _positions([r.pos for r in h])
    if xs[-1] - xs[0] < MIN_TABLE_WIDTH or ys[-1] - ys[0] < MIN_TABLE_HEIGHT:
        return None
    return TableLines(h=h, v=v, xs=xs, ys=ys)


def _positions(values: list[float]) -> list[float]:
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > SNAP:
            out.append(value)
    return out


# ---------------------------------------------------------------- cells


def table_to_grid(table: TableLines, page: Page, method: str) -> Grid:
    cells = table_to_cells(table, page.number)
    fill_cells(cells, page.chars, table)
    conf = min((c.confidence for c in cells), default=1.0)
    return Grid(page=page.number, bbox=table.bbox, n_rows=len(table.ys) - 1,
                n_cols=len(table.xs) - 1, cells=cells, col_edges=list(table.xs),
                method=method, confidence=conf, pages=[page.number])


def table_to_cells(table: TableLines, page: int) -> list[Cell]:
    """Atomic cells merged across every boundary that is not drawn."""
    n_rows, n_cols = len(table.ys) - 1, len(table.xs) - 1
    parent = list(range(n_rows * n_cols))
    v_cover = _coverage_index(table.v, table.xs)
    h_cover = _coverage_index(table.h, table.ys)
    for r in range(n_rows):
        for c in range(n_cols):
            span_y = (table.ys[r], table.ys[r + 1])
            span_x = (table.xs[c], table.xs[c + 1])
            if c + 1 < n_cols and not _drawn(v_cover[c + 1], span_y):
                union(parent, r * n_cols + c, r * n_cols + c + 1)
            if r + 1 < n_rows and not _drawn(h_cover[r + 1], span_x):
                union(parent, r * n_cols + c, (r + 1) * n_cols + c)
    return _components_to_cells(parent, n_cols, table, page)


def _coverage_index(lines: list[Ruling], positions: list[float]) -> list[list[tuple[float, float]]]:
    index: list[list[tuple[float, float]]] = [[] for _ in positions]
    for line in lines:
        k = min(range(len(positions)), key=lambda i: abs(positions[i] - line.pos))
        if abs(positions[k] - line.pos) <= SNAP * 2:
            index[k].append((line.start, line.end))
    return index


def _drawn(spans: list[tuple[float, float]], boundary: tuple[float, float]) -> bool:
    a, b = boundary
    covered = sum(max(0.0, min(b, e) - max(a, s)) for s, e in spans)
    return covered >= COVERAGE * (b - a)


def _components_to_cells(parent: list[int], n_cols: int, table: TableLines, page: int) -> list[Cell]:
    cells = []
    for members in close_rectangles(parent, len(parent) // n_cols, n_cols).values():
        rows = [k // n_cols for k in members]
        cols = [k % n_cols for k in members]
        r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
        bbox = (table.xs[c0], table.ys[r0], table.xs[c1 + 1], table.ys[r1 + 1])
        cells.append(Cell(row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
                          text="", bbox=bbox, page=page))
    return sorted(cells, key=lambda c: (c.row, c.col))


def fill_cells(cells: list[Cell], chars: list[Char], table: TableLines | None = None) -> None:
    """Place each character into the cell holding its centre; join wrapped lines.

    With ``table``, only chars inside its closed box count (see :func:`chars_by_cell`).
    """
    if table is not None:
        buckets = chars_by_cell(cells, chars, table.xs, table.ys)
    else:
        buckets = defaultdict(list)
        for ch in chars:
            k = _scan(cells, ch)
            if k is not None:
                buckets[k].append(ch)
    for k, cell_chars in buckets.items():
        cell = cells[k]
        cell.text = cell_text(cell_chars, cell.bbox)
        cell.confidence = min(c.confidence for c in cell_chars)


def _scan(cells: list[Cell], ch: Char) -> int | None:
    return next((k for k, cell in enumerate(cells) if _holds(cell.bbox, ch)), None)


def chars_by_cell(cells: list[Cell], chars: list[Char], xs: list[float],
                  ys: list[float]) -> dict[int, list[Char]]:
    """The chars inside the closed box of ``xs`` x ``ys``, by the index of the cell holding each.

    The box is closed, as for :func:`chars_outside`: a centre on its right or
    bottom edge lies in the last column or row. Cells are found by bisecting
    the boundaries, not by testing every cell. A char outside the box that
    runs on from a char of a cell (:func:`_continues_run`) is that cell's.
    """
    owner = {(r, c): k for k, cell in enumerate(cells)
             for r in range(cell.row, cell.last_row + 1) for c in range(cell.col, cell.last_col + 1)}
    x0, y0, x1, y1 = xs[0], ys[0], xs[-1], ys[-1]
    held: dict[int, list[Char]] = {}
    k: int | None = None  # the cell of the previous char
    for i, ch in enumerate(chars):
        cx, cy = ch.cx, ch.cy
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            k = owner.get((slot_of(ys, cy), slot_of(xs, cx)))
        elif k is not None and not _continues_run(chars[i - 1], ch):
            k = None
        if k is not None:
            held.setdefault(k, []).append(ch)
    return held


def slot_of(edges: list[float], x: float) -> int:
    """Index of the column (or row) between ``edges`` holding ``x``; one on an outer edge is inside."""
    return min(max(bisect_right(edges, x) - 1, 0), len(edges) - 2)


def grid_text_lines(grid: Grid) -> list[TextLine]:
    """One TextLine per non-empty cell (used for search and layout recognition)."""
    return [TextLine(text=c.text, bbox=c.bbox, size=0.0, page=c.page, confidence=c.confidence)
            for c in grid.cells if c.text]

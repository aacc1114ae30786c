"""Cells of a table whose column (and some row) boundaries are not drawn.

Given the characters of a :class:`StreamRegion` (its left and right edges and
the y positions of the rules it does have), :func:`region_to_layout` infers
the rest from the text:

* columns from a projection profile: x ranges no text segment of the body
  lines covers (header lines narrow them when they cross none; a header or a
  few wide notes crossing them become cells spanning columns);
* rows from the rules and, between them, the text lines
  (:mod:`extractors.stream_rows`).

:func:`layout_to_cells` turns the layout into :class:`~extractors.ir.Cell`
objects, a merged cell once. Pure functions; no page or PDF access.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from statistics import median

from extractors.disjoint import close_rectangles, find, union
from extractors.grids import slot_of
from extractors.ir import BBox, Cell, Char
from extractors.stream_rows import Fragment, TextCell, band_cells, spread_headers, wrap_rules
from extractors.textlines import cell_text, group_rows

SEG_GAP = 0.6  # a gap wider than this many font sizes ends a text segment
COL_GAP = 0.8  # a column gap is at least this many font sizes wide
CROSS_SHARE = 0.1  # share of wide body rows (notes) that may cross a column gap


@dataclass(slots=True)
class Segment:
    """A run of characters of one text line without a wide gap."""

    chars: list[Char]
    x0: float
    x1: float

    @classmethod
    def of(cls, ch: Char) -> Segment:
        return cls([ch], ch.x0, ch.x1)

    def add(self, ch: Char) -> None:
        self.chars.append(ch)
        self.x1 = max(self.x1, ch.x1)


def split_line(row: list[Char], gap: float) -> list[Segment]:
    """Split one text line (sorted left to right) at gaps wider than ``gap`` font sizes."""
    segments: list[Segment] = []
    for ch in row:
        if segments and ch.x0 - segments[-1].x1 <= gap * max(ch.size, 1.0):
            segments[-1].add(ch)
        else:
            segments.append(Segment.of(ch))
    return segments


@dataclass(slots=True)
class StreamRegion:
    """Where a table without a full lattice lies.

    ``rules`` are the y positions of its horizontal boundaries, top to bottom
    (drawn rules, or the text's own top and bottom when ``ruled`` is false);
    ``header_lines`` text lines at the top may span columns.
    """

    left: float
    right: float
    rules: list[float]
    header_lines: int
    ruled: bool

    @property
    def bbox(self) -> BBox:
        return (self.left, self.rules[0], self.right, self.rules[-1])


@dataclass(slots=True)
class Layout:
    """Inferred table structure: column edges, row edges and the cells."""

    xs: list[float]
    ys: list[float]
    cells: list[TextCell] = field(default_factory=list)


# ---------------------------------------------------------------- columns


def row_segments(row: list[Char]) -> list[Segment]:
    """Segments of one text line split at gaps wider than ``SEG_GAP`` sizes."""
    return split_line(row, SEG_GAP)


def column_gaps(rows: list[list[Segment]], min_width: float) -> list[tuple[float, float]]:
    """x ranges between the text that no segment of ``rows`` covers, at least ``min_width`` wide."""
    spans = sorted((seg.x0, seg.x1) for row in rows for seg in row)
    gaps: list[tuple[float, float]] = []
    reach = spans[0][1] if spans else 0.0
    for x0, x1 in spans[1:]:
        if x0 - reach >= min_width:
            gaps.append((reach, x0))
        reach = max(reach, x1)
    return gaps


def wide_rows(rows: list[list[Segment]], share: float) -> list[int]:
    """Indices of at most ``share`` of the rows holding one segment of 40% or more of the text width."""
    left = min(s.x0 for row in rows for s in row)
    width = max(s.x1 for row in rows for s in row) - left
    wide = [k for k, row in enumerate(rows) if max(s.x1 - s.x0 for s in row) >= 0.4 * width]
    return wide if len(wide) <= int(share * len(rows)) else []


def gaps_to_edges(gaps: list[tuple[float, float]], left: float, right: float) -> list[float]:
    return [left, *((a + b) / 2 for a, b in gaps), right]


# ---------------------------------------------------------------- fragments


def line_fragments(row: list[Char], xs: list[float], line: int) -> list[Fragment]:
    """Segments of one text line placed into columns; pieces sharing a column are merged."""
    frags: list[Fragment] = []
    for seg in row_segments(row):
        c0, c1 = slot_of(xs, seg.x0 + 0.5), slot_of(xs, seg.x1 - 0.5)
        if frags and c0 <= frags[-1].c1:
            frags[-1].c1 = max(frags[-1].c1, c1)
            frags[-1].chars += seg.chars
        else:
            frags.append(Fragment(c0, c1, list(seg.chars), line))
    return frags


# ---------------------------------------------------------------- region


def region_to_layout(chars: list[Char], rules: list[float], left: float, right: float,
                     header_lines: int, strict: bool) -> Layout | None:
    """Infer columns and rows of the chars between the first and last of ``rules``.

    ``rules`` are the y positions of the region's horizontal boundaries (drawn
    rules, or the text's top and bottom); ``header_lines`` text lines at the top
    are left out of the column profile (they may span columns). Unless
    ``strict``, a few wide body lines (notes, subtotals) are left out too.
    """
    bands = _band_lines(chars, rules)
    lines = [line for band in bands for line in band]
    if len(lines) < 2:
        return None
    segs = [row_segments(line) for line in lines]
    head = header_lines if len(segs) - header_lines >= 2 else 0
    body = segs[head:]
    skip = set() if strict else set(wide_rows(body, CROSS_SHARE))
    core = [row for k, row in enumerate(body) if k not in skip]
    gaps = _with_header(core, segs[:head], COL_GAP * median(c.size for c in chars))
    if not gaps:
        return None
    return _layout(bands, gaps_to_edges(gaps, left, right), rules, head)


def _with_header(core: list[list[Segment]], header: list[list[Segment]], min_width: float) -> list[tuple[float, float]]:
    """Column gaps of the body, narrowed by each header line that crosses none of them."""
    gaps = column_gaps(core, min_width)
    for line in header:
        narrowed = column_gaps(core + [line], min_width)
        if len(narrowed) == len(gaps):
            core, gaps = core + [line], narrowed
    return gaps


def _band_lines(chars: list[Char], rules: list[float]) -> list[list[list[Char]]]:
    """Text lines between each pair of consecutive rules (a char on the last rule is in the last band)."""
    bands: list[list[list[Char]]] = []
    last = len(rules) - 2
    for k, (top, bottom) in enumerate(zip(rules, rules[1:])):
        inside = [c for c in chars if top <= c.cy < bottom or (k == last and c.cy == bottom)]
        bands.append(group_rows(inside))
    return bands


def _layout(bands: list[list[list[Char]]], xs: list[float], rules: list[float], header: int) -> Layout | None:
    frags = [[line_fragments(line, xs, k) for k, line in enumerate(band)] for band in bands]
    wrap = wrap_rules([line for band in frags for line in band])
    layout = Layout(xs=xs, ys=[rules[0]])
    for band, bottom in zip(frags, rules[1:]):
        rows = band_cells(band, replace(wrap, header=header))
        spread_headers(rows, xs, header)
        header = max(0, header - len(band))
        if not rows:  # an empty band (a double rule) widens its neighbour
            layout.ys[-1] = bottom
            continue
        offset = len(layout.ys) - 1
        edges = _row_edges(rows)
        for cell in (c for row in rows for c in row):
            cell.row += offset
            layout.cells.append(cell)
        layout.ys += edges + [bottom]
    return layout if len(layout.ys) >= 3 else None


def _row_edges(rows: list[list[TextCell]]) -> list[float]:
    """Boundaries between consecutive rows: halfway between their text (straddlers left out)."""
    edges: list[float] = []
    for k, (upper, lower) in enumerate(zip(rows, rows[1:])):
        for cell in upper:
            cell.row = k
        bottom = max((c.bottom for c in upper if c.rowspan == 1), default=max(c.bottom for c in upper))
        top = min((c.top for c in lower if c.rowspan == 1), default=min(c.top for c in lower))
        edges.append(max((bottom + top) / 2, edges[-1] if edges else bottom))
    for cell in rows[-1] if rows else []:
        cell.row = len(rows) - 1
    return edges


# ---------------------------------------------------------------- cells


def layout_to_cells(layout: Layout, page: int, confidence: float) -> list[Cell]:
    """One Cell per merged text cell (overlapping claims merge) plus empty cells for free slots."""
    n_cols = len(layout.xs) - 1
    n_rows = len(layout.ys) - 1
    owner = list(range(n_rows * n_cols))
    chars: dict[int, list[Char]] = {}
    for cell in layout.cells:
        slots = [r * n_cols + c for r in range(cell.row, min(cell.row + cell.rowspan, n_rows))
                 for c in range(cell.c0, cell.c1 + 1)]
        for s in slots[1:]:
            union(owner, slots[0], s)
        chars.setdefault(slots[0], []).extend(cell.chars)
    groups = close_rectangles(owner, n_rows, n_cols)
    text_of: dict[int, list[Char]] = {}
    for slot, cs in chars.items():
        text_of.setdefault(find(owner, slot), []).extend(cs)
    return sorted((_cell(layout, members, text_of.get(root, []), n_cols, page, confidence)
                   for root, members in groups.items()), key=lambda c: (c.row, c.col))


def _cell(layout: Layout, members: list[int], chars: list[Char], n_cols: int, page: int,
          confidence: float) -> Cell:
    rows = [m // n_cols for m in members]
    cols = [m % n_cols for m in members]
    r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
    bbox = (layout.xs[c0], layout.ys[r0], layout.xs[c1 + 1], layout.ys[r1 + 1])
    conf = min([confidence] + [c.confidence for c in chars])
    return Cell(row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
                text=cell_text(chars, bbox) if chars else "", bbox=bbox, page=page, confidence=conf)



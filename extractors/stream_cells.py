"""Cells of a table whose column (and some row) boundaries are not drawn.

Given the characters of a table region and the y positions of the rules it
does have, :func:`region_to_cells` infers the rest from the text:

* columns from a projection profile: x ranges that no text segment of the
  body rows covers (a header or a stray row may cross them and then becomes
  a cell spanning columns);
* rows: each text line split into column fragments; the lines of a wrapped
  cell joined (the line above fills its column and the line below only
  continues it); fragments that overlap vertically form one row; a line
  centred between two rows whose columns it does not share spans both.

Pure functions over :class:`~extractors.ir.Char`; no page or PDF access.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from statistics import median

from extractors.ir import BBox, Char, union_bbox
from extractors.textlines import group_rows

SEG_GAP = 0.6  # a gap wider than this many font sizes ends a text segment
COL_GAP = 0.8  # a column gap is at least this many font sizes wide
CROSS_SHARE = 0.1  # share of wide body rows (notes) that may cross a column gap
OVERLAP = 0.25  # fragments overlapping by this many sizes share a row
FULL_SLACK = 1.2  # a line ending within this many sizes of its column's right edge is full
NUMERIC = set("0123456789.,%-+()（）")


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
class Fragment:
    """The text of one line inside columns ``c0..c1`` (a cell piece)."""

    c0: int
    c1: int
    chars: list[Char]
    line: int  # index of the text line in its band

    @property
    def top(self) -> float:
        return min(c.top for c in self.chars)

    @property
    def bottom(self) -> float:
        return max(c.bottom for c in self.chars)

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @property
    def size(self) -> float:
        return max(c.size for c in self.chars)


@dataclass(slots=True)
class TextCell:
    """Joined fragments of one cell; ``row`` and ``rowspan`` are set when rows are known."""

    c0: int
    c1: int
    parts: list[Fragment]
    row: int = 0
    rowspan: int = 1

    @property
    def top(self) -> float:
        return min(f.top for f in self.parts)

    @property
    def bottom(self) -> float:
        return max(f.bottom for f in self.parts)

    @property
    def chars(self) -> list[Char]:
        return [c for f in self.parts for c in f.chars]


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


def _col(xs: list[float], x: float) -> int:
    return min(max(bisect_right(xs, x) - 1, 0), len(xs) - 2)


# ---------------------------------------------------------------- fragments


def line_fragments(row: list[Char], xs: list[float], line: int) -> list[Fragment]:
    """Segments of one text line placed into columns; pieces sharing a column are merged."""
    frags: list[Fragment] = []
    for seg in row_segments(row):
        c0, c1 = _col(xs, seg.x0 + 0.5), _col(xs, seg.x1 - 0.5)
        if frags and c0 <= frags[-1].c1:
            frags[-1].c1 = max(frags[-1].c1, c1)
            frags[-1].chars += seg.chars
        else:
            frags.append(Fragment(c0, c1, list(seg.chars), line))
    return frags


def _numeric(frag: Fragment) -> bool:
    return all(c.text in NUMERIC for c in frag.chars)


def _right_limits(frags: list[Fragment]) -> dict[tuple[int, int], float]:
    limits: dict[tuple[int, int], float] = {}
    for f in frags:
        key = (f.c0, f.c1)
        limits[key] = max(limits.get(key, f.x1), f.x1)
    return limits


# ---------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class WrapRules:
    """What lets a line continue the wrapped cell above it, measured over the whole region."""

    limits: dict[tuple[int, int], float]  # right end of the widest text per column span
    gap_limit: float  # widest gap between two lines of one cell
    header: int  # lines of the band that are header lines


def wrap_rules(lines: list[list[Fragment]]) -> WrapRules:
    """Column text limits and the line gap limit: the tightest same-column gap plus slack."""
    frags = [f for line in lines for f in line]
    size = median(f.size for f in frags)
    gaps = [b.top - a.bottom for a, b in _column_pairs(lines) if b.top > a.bottom - OVERLAP * size]
    tight = min(gaps, default=0.0)
    return WrapRules(_right_limits(frags), max(0.6 * size, tight + 0.25 * size), 0)


def band_cells(lines: list[list[Fragment]], rules: WrapRules) -> list[list[TextCell]]:
    """Rows of cells of one band (the text between two rules), top to bottom."""
    if not any(lines):
        return []
    rows = _overlap_rows(_join_wrapped(lines, rules))
    return _straddlers(rows)


def _column_pairs(lines: list[list[Fragment]]) -> list[tuple[Fragment, Fragment]]:
    """Each fragment with the next fragment below it having the same columns."""
    last: dict[tuple[int, int], Fragment] = {}
    pairs: list[tuple[Fragment, Fragment]] = []
    for line in lines:
        for f in line:
            key = (f.c0, f.c1)
            if key in last:
                pairs.append((last[key], f))
            last[key] = f
    return pairs


def _join_wrapped(lines: list[list[Fragment]], rules: WrapRules) -> list[TextCell]:
    """Cells: each fragment starts one unless it continues the wrapped cell above it."""
    cell_of: dict[int, TextCell] = {}
    last: dict[tuple[int, int], Fragment] = {}
    cells: list[TextCell] = []
    for line in lines:
        for f in line:
            prev = last.get((f.c0, f.c1))
            if prev is not None and _continues(prev, f, lines, rules):
                cell_of[id(prev)].parts.append(f)
                cell_of[id(f)] = cell_of[id(prev)]
            else:
                cell_of[id(f)] = TextCell(f.c0, f.c1, [f])
                cells.append(cell_of[id(f)])
            last[(f.c0, f.c1)] = f
    return cells


def _continues(above: Fragment, below: Fragment, lines: list[list[Fragment]], rules: WrapRules) -> bool:
    """Is ``below`` the next line of the wrapped cell ending with ``above``?

    ``above`` must fill its column (no room for the next word) and hold more
    than a number; no other column may start over on the line of ``below``;
    in a header a continuation line adds no column (a second header level does).
    """
    if below.line != _next_line_in(above, lines) or _numeric(above) or len(above.chars) < 2:
        return False
    if below.top - above.bottom > rules.gap_limit or not _full(above, rules.limits):
        return False
    if above.line < rules.header and not _columns_of(lines[below.line]) <= _columns_of(lines[above.line]):
        return False
    return not _other_columns_restart(above, below, lines, rules.limits)


def _columns_of(line: list[Fragment]) -> set[int]:
    return {c for f in line for c in range(f.c0, f.c1 + 1)}


def _next_line_in(frag: Fragment, lines: list[list[Fragment]]) -> int:
    """Index of the next line holding text in the columns of ``frag``."""
    for k in range(frag.line + 1, len(lines)):
        if any(f.c0 <= frag.c1 and frag.c0 <= f.c1 for f in lines[k]):
            return k
    return -1


def _full(frag: Fragment, limits: dict[tuple[int, int], float]) -> bool:
    return frag.x1 >= limits[(frag.c0, frag.c1)] - FULL_SLACK * frag.size


def _other_columns_restart(above: Fragment, below: Fragment, lines: list[list[Fragment]],
                           limits: dict[tuple[int, int], float]) -> bool:
    """Another column has text on both lines that does not itself wrap: two separate rows."""
    up = {(f.c0, f.c1): f for f in lines[above.line] if f is not above}
    for f in lines[below.line]:
        g = up.get((f.c0, f.c1))
        if f is not below and g is not None and (_numeric(g) or not _full(g, limits)):
            return True
    return False


def _overlap_rows(cells: list[TextCell]) -> list[list[TextCell]]:
    """Cells grouped into rows: a cell overlapping the current row vertically joins it."""
    rows: list[list[TextCell]] = []
    bottom = 0.0
    for cell in sorted(cells, key=lambda c: c.top):
        size = max(f.size for f in cell.parts)
        if rows and cell.top < bottom - OVERLAP * size:
            rows[-1].append(cell)
            bottom = max(bottom, cell.bottom)
        else:
            rows.append([cell])
            bottom = cell.bottom
    return rows


def _columns(row: list[TextCell]) -> set[int]:
    return {c for cell in row for c in range(cell.c0, cell.c1 + 1)}


def _straddlers(rows: list[list[TextCell]]) -> list[list[TextCell]]:
    """A row centred between two rows and sharing none of their columns spans both."""
    out: list[list[TextCell]] = []
    k = 0
    while k < len(rows):
        if 0 < k < len(rows) - 1 and _is_straddler(rows[k - 1], rows[k], rows[k + 1]):
            for cell in rows[k]:
                cell.rowspan = 2
            out[-1].extend(rows[k])
        else:
            out.append(rows[k])
        k += 1
    return out


def _is_straddler(above: list[TextCell], row: list[TextCell], below: list[TextCell]) -> bool:
    cols, up, down = _columns(row), _columns(above), _columns(below)
    if cols & up or cols & down or not (up & down):
        return False
    size = max(f.size for cell in row for f in cell.parts)
    top, bottom = min(c.top for c in row), max(c.bottom for c in row)
    near_up = top - max(c.bottom for c in above) < 0.5 * size
    near_down = min(c.top for c in below) - bottom < 0.5 * size
    return near_up and near_down


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
    bands: list[list[list[Char]]] = []
    for top, bottom in zip(rules, rules[1:]):
        inside = [c for c in chars if top <= c.cy < bottom]
        bands.append(group_rows(inside))
    return bands


def _layout(bands: list[list[list[Char]]], xs: list[float], rules: list[float], header: int) -> Layout | None:
    frags = [[line_fragments(line, xs, k) for k, line in enumerate(band)] for band in bands]
    wrap = wrap_rules([line for band in frags for line in band])
    layout = Layout(xs=xs, ys=[rules[0]])
    for band, bottom in zip(frags, rules[1:]):
        rows = band_cells(band, replace(wrap, header=header))
        _spread_headers(rows, xs, header)
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


def _spread_headers(rows: list[list[TextCell]], xs: list[float], header: int) -> None:
    """Over a second header level, an empty slot belongs to the nearest group header beside it."""
    for row, below in zip(rows, rows[1:]):
        if any(f.line >= header for cell in row + below for f in cell.parts):
            return
        groups = [c for c in row if c.rowspan == 1]
        for col in sorted(_columns(below) - _columns(row)):
            beside = [c for c in groups if c.c1 == col - 1 or c.c0 == col + 1]
            if beside:
                cell = min(beside, key=lambda c: _distance(c, xs[col], xs[col + 1]))
                cell.c0, cell.c1 = min(cell.c0, col), max(cell.c1, col)
        _header_rowspans(row, below)


def _header_rowspans(row: list[TextCell], below: list[TextCell]) -> None:
    """A header cell with nothing above or below it in the other header level spans both."""
    up, down = _columns(row), _columns(below)
    for cell in [c for c in row if c.rowspan == 1]:
        if not set(range(cell.c0, cell.c1 + 1)) & down:
            cell.rowspan = 2
    for cell in [c for c in below if not set(range(c.c0, c.c1 + 1)) & up]:
        below.remove(cell)
        row.append(cell)
        cell.rowspan = 2


def _distance(cell: TextCell, x0: float, x1: float) -> float:
    chars = cell.chars
    return max(x0 - max(c.x1 for c in chars), min(c.x0 for c in chars) - x1, 0.0)


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


def text_bbox(chars: list[Char]) -> BBox:
    return union_bbox([c.bbox for c in chars])

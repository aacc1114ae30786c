"""Rows of a table without drawn row rules: text lines into cells and rows.

Each text line of a band (the text between two rules) is already split into
column fragments. :func:`band_cells` joins the lines of a wrapped cell (the
line above leaves no room for the next word and no other column starts over),
groups cells that overlap vertically into rows, and lets a line centred
between two rows whose columns it does not share span both.
:func:`spread_headers` reads two header levels: a group header takes the
empty slots beside it over its sub-headers, a header cell alone in its
column spans both levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from extractors.ir import Char
from extractors.textlines import is_latin

OVERLAP = 0.25  # fragments overlapping by this many sizes share a row
NUMERIC = set("0123456789.,%-+()（）")


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


def _numeric(frag: Fragment) -> bool:
    return all(c.text in NUMERIC for c in frag.chars)


def _right_limits(frags: list[Fragment]) -> dict[tuple[int, int], float]:
    limits: dict[tuple[int, int], float] = {}
    for f in frags:
        key = (f.c0, f.c1)
        limits[key] = max(limits.get(key, f.x1), f.x1)
    return limits


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
    if below.top - above.bottom > rules.gap_limit or not _wraps(above, below, rules.limits):
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


def _wraps(above: Fragment, below: Fragment, limits: dict[tuple[int, int], float]) -> bool:
    """Would the first word of ``below`` have overflowed the widest text of the column after ``above``?

    Every line of a column fits its width, so a line with room left for the
    next word (judged by the widest line seen) was not wrapped there.
    """
    return above.x1 + _first_word_width(below) > limits[(above.c0, above.c1)] + 0.5


def _first_word_width(frag: Fragment) -> float:
    chars = sorted(frag.chars, key=lambda c: c.x0)
    end = 1
    while end < len(chars) and is_latin(chars[end - 1].text) and is_latin(chars[end].text) \
            and not chars[end].space_before:
        end += 1
    return chars[end - 1].x1 - chars[0].x0


def _other_columns_restart(above: Fragment, below: Fragment, lines: list[list[Fragment]],
                           limits: dict[tuple[int, int], float]) -> bool:
    """Another column has text on both lines that does not itself wrap: two separate rows."""
    up = {(f.c0, f.c1): f for f in lines[above.line] if f is not above}
    for f in lines[below.line]:
        g = up.get((f.c0, f.c1))
        if f is not below and g is not None and (_numeric(g) or not _wraps(g, f, limits)):
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


def spread_headers(rows: list[list[TextCell]], xs: list[float], header: int) -> None:
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
    """A header cell with nothing above or below it in the other header level spans both.

    Two lines sharing no column are no two levels of one header (each is a row
    of its own): moving every cell of ``below`` up would leave an empty row.
    """
    up, down = _columns(row), _columns(below)
    if not up & down:
        return
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

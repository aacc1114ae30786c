"""Labels, fund table and indicator grid of the 项目支出绩效自评（基础数据）表.

Everything is found by label: a form label's value is the cell to its right
(or below it when the label heads a column); the fund table hangs off the
``本次评价资金来源`` header, whose column holds the fund sources and whose
header rows name the measure and budget level of every column to its
right; the indicator grid hangs off the ``三级指标名称`` header. Labels may
carry an OCR slip (see :data:`LABELS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from extractors.find import FUZZY_MIN, LabelMatch, LabelMatcher, match_label, slip_budget
from extractors.ir import Cell, Grid
from schemas import labels as L
from schemas.records import FundRec, IndicatorRec
from schemas.text import clean, compact
from schemas.values import parse_amount_wan, parse_number, parse_target
from schemas.vocab import (
    LEVEL1, LEVEL2, MEASURES, SOURCES, canonical_budget_level, canonical_level1, canonical_level2,
    canonical_measure, canonical_source, rate_ratio, snap_to_vocab,
)

_PARENS = re.compile(r"\([^()]*\)")
_PLACEHOLDERS = frozenset(compact(p) for p in L.SEF_PLACEHOLDERS)
_IND_HEADERS = (L.SEF_IND_LEVEL1, L.SEF_IND_LEVEL2, L.SEF_IND_NAME, L.SEF_IND_TARGET,
                L.SEF_IND_ACTUAL, L.SEF_IND_DEVIATION, L.SEF_IND_WEIGHT, L.SEF_IND_SCORE)
_FIELD_LABELS = (L.SEF_PROJECT_NAME, L.SEF_DEPARTMENT, L.SEF_UNIT, L.SEF_CONTENT, L.SEF_GOAL,
                 L.SEF_FILLER, L.SEF_AMOUNT_UNIT, L.SEF_FUND_SOURCE, L.SEF_SCORE, L.SEF_GRADE, *L.SEF_FACT_LABELS,
                 *_IND_HEADERS)
# A unit written after a label: 评价金额（万元）.
UNIT_TAIL = re.compile(r"\((?:单位:)?(万元|元|千元|亿元)\)$")
_PRINTED_TAIL = re.compile(r"[（(](?:单位[:：])?(?:万元|元|千元|亿元)[)）]$")
ALL_LABELS: tuple[str, ...] = tuple(s for group in _FIELD_LABELS for s in group) + L.SEF_SECTIONS


# ---------------------------------------------------------------- labels

# Every label of the form, in groups of synonyms (a section caption is a group
# of its own): a cell spells at most one of them, within one OCR slip, or two
# in a label of 9+ characters (see :class:`extractors.find.LabelMatcher`).
LABEL_GROUPS: tuple[tuple[str, ...], ...] = _FIELD_LABELS + tuple((s,) for s in L.SEF_SECTIONS)
LABELS = LabelMatcher(LABEL_GROUPS, max_edits=2)
LONGEST_LABEL = max(len(compact(s)) for s in ALL_LABELS)


def label_as(text: str | None, found: LabelMatch | None, synonyms: Sequence[str]) -> str | None:
    """The key of a label cell: as printed when spelled exactly, else the canonical synonym."""
    if found is None or found.label not in synonyms:
        return None
    return _PRINTED_TAIL.sub("", (clean(text) or "").rstrip(":：")) if found.exact else synonyms[0]


def unit_tail(text: str | None) -> str | None:
    """The amount unit written after a short label (``评价金额（万元）`` → ``万元``)."""
    key = compact(text).rstrip(":")
    match = UNIT_TAIL.search(key) if len(key) <= LONGEST_LABEL + 8 else None
    return match.group(1) if match else None


def form_label(text: str | None, synonyms: Sequence[str]) -> str | None:
    """The key of the label ``text`` spells if it is one of ``synonyms``, else None.

    An exact match gives the label as printed; a match within slips (never
    nearer another label of the form) gives the canonical spelling.
    """
    return label_as(text, LABELS.find(text), synonyms)


def is_placeholder(text: str | None) -> bool:
    return not compact(text) or compact(text) in _PLACEHOLDERS


def snap_canonical(text: str | None, lookup: Callable[[str | None], str | None],
                   table: Sequence[str], loose: bool = False) -> str | None:
    """A canonical vocabulary value, tolerating slips in a longer label.

    ``loose`` allows a slip per three characters (for a small vocabulary of
    distinct words, such as fund sources), else one or two.
    """
    found = lookup(text)
    if found is not None or not text:
        return found
    bare = _PARENS.sub("", compact(text))
    edits = max(1, len(bare) // 3) if loose and len(bare) >= FUZZY_MIN else slip_budget(len(bare), 2)
    snapped = snap_to_vocab(bare, list(table), max_edits=edits) if edits else None
    return lookup(snapped) if snapped else None


@dataclass(slots=True)
class FormGrid:
    """A grid with the form label each of its cells spells, worked out once."""

    grid: Grid
    labels: dict[tuple[int, int], LabelMatch]

    @classmethod
    def of(cls, grid: Grid) -> FormGrid:
        found = ((c, LABELS.find(c.text)) for c in grid.cells)
        return cls(grid, {(c.row, c.col): m for c, m in found if m is not None})

    def label(self, cell: Cell, synonyms: Sequence[str]) -> str | None:
        return label_as(cell.text, self.labels.get((cell.row, cell.col)), synonyms)

    def is_label(self, cell: Cell) -> bool:
        return (cell.row, cell.col) in self.labels

    def find(self, synonyms: Sequence[str]) -> Cell | None:
        return next((c for c in self.grid.cells if self.label(c, synonyms)), None)


# ---------------------------------------------------------------- funds

@dataclass(frozen=True, slots=True)
class FundColumn:
    col: int
    measure: str
    level: str | None


def _header_path(grid: Grid, col: int, rows: range) -> list[Cell]:
    """Distinct header cells over column ``col``, most specific (lowest) first."""
    path: list[Cell] = []
    for r in reversed(rows):
        cell = grid.cell_at(r, col)
        if cell is not None and all(cell is not p for p in path):
            path.append(cell)
    return path


def _fund_column(grid: Grid, col: int, rows: range) -> FundColumn | None:
    path = _header_path(grid, col, rows)
    measures = (snap_canonical(c.text, canonical_measure, list(MEASURES)) for c in path)
    measure = next((m for m in measures if m), None)
    level = next((lv for lv in (canonical_budget_level(c.text) for c in path) if lv), None)
    return FundColumn(col, measure, level) if measure else None


def fund_columns(grid: Grid, anchor: Cell) -> list[FundColumn]:
    """Measure and level of each column right of the source column."""
    rows = range(anchor.row, anchor.last_row + 1)
    found = (_fund_column(grid, c, rows) for c in range(anchor.last_col + 1, grid.n_cols))
    return [f for f in found if f is not None]


def _fund_block_end(grid: Grid, anchor: Cell) -> int | None:
    """Last row of the fund table when a section caption left of it spans it, else None."""
    caption = grid.cell_at(anchor.row, anchor.col - 1) if anchor.col > 0 else None
    return caption.last_row if caption is not None and caption.last_row > anchor.last_row else None


def source_rows(form: FormGrid, anchor: Cell) -> Iterator[tuple[int, str]]:
    """(row, canonical source) of the rows under the source header.

    The rows end with the section caption's span, or else at a form label or
    the second row in a row that names no source (one such row, 上年结转资金
    say, which SCHEMA has no source for, is skipped like an unreadable one).
    """
    grid, end = form.grid, _fund_block_end(form.grid, anchor)
    row, unknown = anchor.last_row + 1, 0
    while row < grid.n_rows and (end is None or row <= end):
        cell = grid.cell_at(row, anchor.last_col)  # a caption may share the header's first column
        if cell is None or form.is_label(cell):
            return
        source = snap_canonical(cell.text, canonical_source, list(SOURCES), loose=True)
        unknown = 0 if source is not None else unknown + 1
        if end is None and unknown > 1:
            return
        if source is not None:
            yield row, source
        row = cell.last_row + 1


def _fund_rec(cell: Cell, source: str, column: FundColumn, project: str | None,
              unit: str | None) -> FundRec | None:
    amount = parse_amount_wan(cell.text, unit)
    if amount is None:
        return None
    return FundRec(project=project, measure=column.measure, source=source, level=column.level,
                   amount_wan=amount, raw=clean(cell.text), page=cell.page, bbox=cell.bbox,
                   confidence=cell.confidence)


def fund_records(form: FormGrid, project: str | None, unit: str | None) -> list[FundRec]:
    """One record per amount of the fund table (none when the grid has no such table)."""
    grid, anchor = form.grid, form.find(L.SEF_FUND_SOURCE)
    if anchor is None:
        return []
    columns = fund_columns(grid, anchor)
    records: list[FundRec] = []
    for row, source in source_rows(form, anchor):
        seen: list[Cell] = []
        for column in columns:
            cell = grid.cell_at(row, column.col)
            if cell is None or cell.row != row or any(cell is s for s in seen):
                continue
            seen.append(cell)
            rec = _fund_rec(cell, source, column, project, unit)
            records += [rec] if rec else []
    return records


def rate_columns(grid: Grid, anchor: Cell) -> list[tuple[int, str]]:
    """(column, label) of the printed-rate columns of the fund table (执行率)."""
    rows = range(anchor.row, anchor.last_row + 1)
    found = ((c, next((cell.text for cell in _header_path(grid, c, rows) if rate_ratio(cell.text)), None))
             for c in range(anchor.last_col + 1, grid.n_cols))
    return [(c, clean(label) or "") for c, label in found if label]


def rate_cells(form: FormGrid) -> list[tuple[str, Cell]]:
    """(label, cell) of a fund table's printed rates: each rate column's first number (the 合计 row)."""
    anchor = form.find(L.SEF_FUND_SOURCE)
    if anchor is None:
        return []
    found: list[tuple[str, Cell]] = []
    for col, key in rate_columns(form.grid, anchor):
        cells = (form.grid.cell_at(row, col) for row, _ in source_rows(form, anchor))
        cell = next((c for c in cells if c is not None and parse_number(c.text) is not None), None)
        found += [(key, cell)] if cell is not None else []
    return found


# ---------------------------------------------------------------- indicators

ROLES: tuple[str, ...] = ("level1", "level2", "name", "target", "actual", "deviation", "weight", "score")


@dataclass(frozen=True, slots=True)
class IndicatorColumns:
    """The column of each indicator field in one grid, and the heading's x-range
    (to line up the columns of a continuation printed without its heading)."""

    cols: dict[str, int]
    spans: dict[str, tuple[float, float]]
    first_row: int


@dataclass(frozen=True, slots=True)
class Levels:
    """一级/二级指标 in force: a merged level cell carries down, also onto the next page."""

    level1: str | None = None
    level2: str | None = None


def header_columns(form: FormGrid) -> IndicatorColumns | None:
    """Indicator columns from the grid's own heading row (None without one)."""
    header = form.find(L.SEF_IND_NAME)
    if header is None:
        return None
    row = [c for c in form.grid.cells if c.row <= header.row <= c.last_row]
    found = {role: next((c for c in row if form.label(c, syns)), None) for role, syns in zip(ROLES, _IND_HEADERS)}
    cells = {role: c for role, c in found.items() if c is not None}
    return IndicatorColumns({r: c.col for r, c in cells.items()},
                            {r: (c.bbox[0], c.bbox[2]) for r, c in cells.items()}, header.last_row + 1)


def _nearest_col(centres: list[float], span: tuple[float, float]) -> int | None:
    mid, half = (span[0] + span[1]) / 2, (span[1] - span[0]) / 2
    best = min(range(len(centres)), key=lambda j: abs(centres[j] - mid), default=None)
    return best if best is not None and abs(centres[best] - mid) <= half * 1.5 else None


def continued_columns(grid: Grid, previous: IndicatorColumns) -> IndicatorColumns | None:
    """Columns of a grid continuing the indicator grid on the next page without a heading."""
    edges = grid.col_edges
    if len(edges) != grid.n_cols + 1:
        return None
    centres = [(a + b) / 2 for a, b in zip(edges, edges[1:])]
    cols = {r: j for r, span in previous.spans.items() if (j := _nearest_col(centres, span)) is not None}
    return IndicatorColumns(cols, previous.spans, 0) if "name" in cols else None


def _text(grid: Grid, row: int, col: int | None) -> tuple[str, Cell | None]:
    cell = grid.cell_at(row, col) if col is not None else None
    return (cell.text if cell else ""), cell


def _level(text: str, canon: Callable[[str | None], str | None], table: Sequence[str],
           previous: str | None) -> str | None:
    """A level cell's canonical value; an empty cell continues the level above."""
    if not compact(text):
        return previous
    return snap_canonical(text, canon, table) or clean(text)


def _levels(grid: Grid, row: int, cols: IndicatorColumns, levels: Levels) -> Levels:
    one = _level(_text(grid, row, cols.cols.get("level1"))[0], canonical_level1, list(LEVEL1), levels.level1)
    two = _level(_text(grid, row, cols.cols.get("level2"))[0], canonical_level2, list(LEVEL2), levels.level2)
    return Levels(one, two)


def _values(grid: Grid, row: int, cols: IndicatorColumns) -> dict[str, object]:
    def text(role: str) -> str | None:
        return clean(_text(grid, row, cols.cols.get(role))[0]) or None

    def number(role: str) -> float | None:
        value = parse_number(text(role))
        return float(value) if value is not None else None

    target, actual = text("target"), text("actual")
    tv, av = parse_target(target), parse_target(actual)
    return {"target": target, "target_op": tv.op, "target_value": tv.value, "target_high": tv.high,
            "target_unit": tv.unit, "actual": actual, "actual_value": av.value, "actual_unit": av.unit,
            "deviation": text("deviation"), "weight": number("weight"), "score": number("score")}


def grid_indicators(form: FormGrid, cols: IndicatorColumns, project: str | None,
                    levels: Levels) -> tuple[list[IndicatorRec], Levels, bool]:
    """(records, levels in force at the end, whether the indicator grid goes on past this grid).

    A repeated heading row is skipped; a row whose name cell is another form
    label ends the indicator grid; empty and placeholder rows are no records.
    """
    grid, records = form.grid, []
    for row in range(cols.first_row, grid.n_rows):
        name, cell = _text(grid, row, cols.cols["name"])
        if cell is None or cell.row != row or form.label(cell, L.SEF_IND_NAME):
            continue
        if is_total_row(name) or (form.is_label(cell) and not _holds_values(grid, row, cols, cell)):
            return records, levels, False
        levels = _levels(grid, row, cols, levels)
        if not is_placeholder(name):
            records.append(IndicatorRec(project=project, level1=levels.level1, level2=levels.level2,
                                        name=clean(name) or "", page=cell.page, bbox=cell.bbox,
                                        confidence=cell.confidence, **_values(grid, row, cols)))  # type: ignore[arg-type]
    return records, levels, True


def is_total_row(name: str | None) -> bool:
    """The closing 总分 row of an indicator grid."""
    return match_label(name, L.SEF_TOTAL_ROW, rivals=ALL_LABELS) is not None


def _holds_values(grid: Grid, row: int, cols: IndicatorColumns, name: Cell) -> bool:
    """Whether the row has a target or actual of its own: an indicator named like a
    form label (完成时间), not a form row after the grid."""
    cells = (grid.cell_at(row, cols.cols[r]) for r in ("target", "actual") if r in cols.cols)
    return any(c is not None and c is not name and c.row == row and compact(c.text) for c in cells)


def indicator_total(forms: Sequence[FormGrid]) -> float | None:
    """The 得分 of the indicator grid's closing 总分 row, when it has one."""
    for form in forms:
        cols = header_columns(form)
        score_col = cols.cols.get("score") if cols else None
        if cols is None or score_col is None:
            continue
        for row in range(cols.first_row, form.grid.n_rows):
            name, _ = _text(form.grid, row, cols.cols.get("name"))
            if is_total_row(name):
                value = parse_number(_text(form.grid, row, score_col)[0])
                return float(value) if value is not None else None
    return None


def indicator_records(forms: Sequence[FormGrid], project: str | None) -> list[IndicatorRec]:
    """One record per 三级指标 row of the indicator grid(s), continuations included."""
    records: list[IndicatorRec] = []
    previous: IndicatorColumns | None = None
    levels, last_page = Levels(), 0
    for form in forms:
        cols = header_columns(form)
        if cols is None and previous is not None and form.grid.page > last_page:
            cols = continued_columns(form.grid, previous)
        if cols is None:
            previous = None
            continue
        found, levels, open_end = grid_indicators(form, cols, project, levels)
        records += found
        previous, last_page = (cols if open_end else None), max(form.grid.pages or [form.grid.page])
    return records

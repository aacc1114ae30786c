"""Labels, fund table and indicator grid of the 项目支出绩效自评（基础数据）表.

Everything is found by label: a form label's value is the cell to its right
(or below it when the label heads a column); the fund table hangs off the
``本次评价资金来源`` header, whose column holds the fund sources and whose
header rows name the measure and budget level of every column to its
right; the indicator grid hangs off the ``三级指标名称`` header. Labels may
carry one OCR slip (see :func:`match_label`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from extractors.ir import Cell, Grid
from schemas import labels as L
from schemas.records import FundRec, IndicatorRec
from schemas.text import clean, compact
from schemas.values import parse_amount_wan, parse_target
from schemas.vocab import (
    LEVEL1, LEVEL2, MEASURES, SOURCES, canonical_level1, canonical_level2, canonical_measure,
    canonical_source, snap_to_vocab,
)

_COLON = re.compile(r"[:：]")
_PARENS = re.compile(r"\([^()]*\)")
PLACEHOLDERS = frozenset({"无", "/", "-", "--", "—", "——", "\\", "空", "N/A"})
_IND_HEADERS = (L.SEF_IND_LEVEL1, L.SEF_IND_LEVEL2, L.SEF_IND_NAME, L.SEF_IND_TARGET,
                L.SEF_IND_ACTUAL, L.SEF_IND_DEVIATION)
_FIELD_LABELS = (L.SEF_PROJECT_NAME, L.SEF_DEPARTMENT, L.SEF_UNIT, L.SEF_CONTENT, L.SEF_GOAL,
                 L.SEF_FILLER, L.SEF_FUND_SOURCE, *L.SEF_FACT_LABELS, *_IND_HEADERS)
ALL_LABELS: tuple[str, ...] = tuple(s for group in _FIELD_LABELS for s in group) + L.SEF_SECTIONS


# ---------------------------------------------------------------- labels

_LABEL_KEYS: dict[str, str] = {compact(s): s for s in ALL_LABELS}
_LONGEST = max(len(k) for k in _LABEL_KEYS)


def _max_edits(key: str) -> int:
    """How many OCR slips a label of this length may carry and still be recognised."""
    return 0 if len(key) < 4 else 1 if len(key) < 9 else 2


def label_key(text: str | None) -> str:
    """Compacted label without a trailing colon."""
    return compact(text).rstrip(":")


def spelled_label(text: str | None) -> tuple[str, bool] | None:
    """(form label, exactly?) that ``text`` spells, within a few slips and unique."""
    key = label_key(text)
    if not key or len(key) > _LONGEST + 2:
        return None
    if key in _LABEL_KEYS:
        return _LABEL_KEYS[key], True
    edits = _max_edits(key)
    near = [k for k in _LABEL_KEYS if abs(len(k) - len(key)) <= edits]
    snapped = snap_to_vocab(key, near, max_edits=edits) if near and edits else None
    return (_LABEL_KEYS[snapped], False) if snapped else None


def label_as(text: str | None, spelled: tuple[str, bool] | None, synonyms: Sequence[str]) -> str | None:
    """The key of a label cell: as printed when exact, else the canonical synonym."""
    if spelled is None or spelled[0] not in synonyms:
        return None
    return (clean(text) or "").rstrip(":：") if spelled[1] else synonyms[0]


def match_label(text: str | None, synonyms: Sequence[str]) -> str | None:
    """The label ``text`` spells if it is one of ``synonyms``, else None.

    An exact match returns the label as printed; a match within a few
    character slips (checked against every label of the form, so a slip
    never turns one label into another) returns the canonical spelling.
    """
    return label_as(text, spelled_label(text), synonyms)


def is_placeholder(text: str | None) -> bool:
    return not compact(text) or compact(text) in PLACEHOLDERS


def snap_canonical(text: str | None, lookup: Callable[[str | None], str | None],
                   table: Sequence[str]) -> str | None:
    """A canonical vocabulary value, tolerating one slip in a longer label."""
    found = lookup(text)
    if found is not None or not text:
        return found
    bare = _PARENS.sub("", compact(text))
    edits = _max_edits(bare)
    snapped = snap_to_vocab(bare, list(table), max_edits=edits) if edits else None
    return lookup(snapped) if snapped else None


def canonical_level(text: str | None) -> str | None:
    """Budget level (市本级 / 县区 / 转移支付 ...) of a fund-table sub-header."""
    key = compact(text)
    for level, synonyms in L.SEF_FUND_LEVELS.items():
        if any(key == compact(s) for s in synonyms):
            return level
    return None


@dataclass(slots=True)
class FormGrid:
    """A grid with the form label each of its cells spells, worked out once."""

    grid: Grid
    labels: dict[tuple[int, int], tuple[str, bool]]

    @classmethod
    def of(cls, grid: Grid) -> FormGrid:
        spelled = ((c, spelled_label(c.text)) for c in grid.cells)
        return cls(grid, {(c.row, c.col): s for c, s in spelled if s is not None})

    def label(self, cell: Cell, synonyms: Sequence[str]) -> str | None:
        return label_as(cell.text, self.labels.get((cell.row, cell.col)), synonyms)

    def is_label(self, cell: Cell) -> bool:
        return (cell.row, cell.col) in self.labels

    def find(self, synonyms: Sequence[str]) -> Cell | None:
        return next((c for c in self.grid.cells if self.label(c, synonyms)), None)


# ---------------------------------------------------------------- form fields

@dataclass(frozen=True, slots=True)
class Field:
    """One labelled value of the form: its key, the cell it was read from, its text."""

    key: str
    cell: Cell
    text: str


def value_cell(form: FormGrid, cell: Cell) -> Cell | None:
    """The value of a label cell: right of it, or below it when it heads a column."""
    grid = form.grid
    right = grid.cell_at(cell.row, cell.last_col + 1) if cell.last_col + 1 < grid.n_cols else None
    if right is not None and not form.is_label(right):
        return right
    down = grid.cell_at(cell.last_row + 1, cell.col) if cell.last_row + 1 < grid.n_rows else None
    return down if down is not None and not form.is_label(down) else None


def _field_at(form: FormGrid, cell: Cell, synonyms: Sequence[str]) -> Field | None:
    key = form.label(cell, synonyms)
    if key is not None:
        value = value_cell(form, cell)
        return Field(key, value, value.text) if value is not None else None
    parts = _COLON.split(cell.text or "", maxsplit=1)
    if len(parts) == 2 and compact(parts[1]) and len(compact(parts[0])) <= _LONGEST + 2:
        key = match_label(parts[0], synonyms)
        return Field(key, cell, parts[1]) if key is not None else None
    return None


def form_fields(forms: Sequence[FormGrid], synonyms: Sequence[str]) -> list[Field]:
    """Every value labelled by one of ``synonyms`` in the grids, in reading order."""
    found = (_field_at(f, c, synonyms) for f in forms for c in f.grid.cells)
    return [f for f in found if f is not None]


def first_field(forms: Sequence[FormGrid], synonyms: Sequence[str]) -> Field | None:
    fields = [f for f in form_fields(forms, synonyms) if compact(f.text)]
    return fields[0] if fields else None


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
    level = next((lv for lv in (canonical_level(c.text) for c in path) if lv), None)
    return FundColumn(col, measure, level) if measure else None


def fund_columns(grid: Grid, anchor: Cell) -> list[FundColumn]:
    """Measure and level of each column right of the source column."""
    rows = range(anchor.row, anchor.last_row + 1)
    found = (_fund_column(grid, c, rows) for c in range(anchor.last_col + 1, grid.n_cols))
    return [f for f in found if f is not None]


def source_rows(grid: Grid, anchor: Cell) -> Iterator[tuple[int, str]]:
    """(row, canonical source) of the rows under the source header, until a non-source."""
    row = anchor.last_row + 1
    while row < grid.n_rows:
        cell = grid.cell_at(row, anchor.col)
        source = snap_canonical(cell.text, canonical_source, list(SOURCES)) if cell else None
        if cell is None or source is None:
            return
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
    for row, source in source_rows(grid, anchor):
        seen: list[Cell] = []
        for column in columns:
            cell = grid.cell_at(row, column.col)
            if cell is None or cell.row != row or any(cell is s for s in seen):
                continue
            seen.append(cell)
            rec = _fund_rec(cell, source, column, project, unit)
            records += [rec] if rec else []
    return records


# ---------------------------------------------------------------- indicators

@dataclass(slots=True)
class IndicatorColumns:
    """Column of each indicator field (None when the grid has no such column)."""

    level1: int | None
    level2: int | None
    name: int
    target: int | None
    actual: int | None
    deviation: int | None
    first_row: int


def indicator_columns(form: FormGrid) -> IndicatorColumns | None:
    header = form.find(L.SEF_IND_NAME)
    if header is None:
        return None
    row = [c for c in form.grid.cells if c.row <= header.row <= c.last_row]
    cols = [_col_of(form, row, syns) for syns in _IND_HEADERS]
    return IndicatorColumns(cols[0], cols[1], header.col, cols[3], cols[4], cols[5], header.last_row + 1)


def _col_of(form: FormGrid, cells: list[Cell], synonyms: Sequence[str]) -> int | None:
    return next((c.col for c in cells if form.label(c, synonyms)), None)


def _text(grid: Grid, row: int, col: int | None) -> tuple[str, Cell | None]:
    cell = grid.cell_at(row, col) if col is not None else None
    return (cell.text if cell else ""), cell




def _level(text: str, canon: Callable[[str | None], str | None], table: Sequence[str],
           previous: str | None) -> str | None:
    """A level cell's canonical value; an empty cell continues the level above."""
    if not compact(text):
        return previous
    return snap_canonical(text, canon, table) or clean(text)


def _values(grid: Grid, row: int, cols: IndicatorColumns) -> dict[str, object]:
    target = clean(_text(grid, row, cols.target)[0]) or None
    actual = clean(_text(grid, row, cols.actual)[0]) or None
    tv, av = parse_target(target), parse_target(actual)
    return {"target": target, "target_op": tv.op, "target_value": tv.value, "target_high": tv.high,
            "target_unit": tv.unit, "actual": actual, "actual_value": av.value, "actual_unit": av.unit,
            "deviation": clean(_text(grid, row, cols.deviation)[0]) or None}


def indicator_records(form: FormGrid, project: str | None) -> list[IndicatorRec]:
    """One record per 三级指标 row; empty and placeholder rows are skipped.

    A repeated header row is skipped; a row whose name cell is another form
    label ends the grid.
    """
    grid, cols = form.grid, indicator_columns(form)
    if cols is None:
        return []
    records: list[IndicatorRec] = []
    level1 = level2 = None
    for row in range(cols.first_row, grid.n_rows):
        name, cell = _text(grid, row, cols.name)
        if cell is None or cell.row != row or form.label(cell, L.SEF_IND_NAME):
            continue
        if form.is_label(cell):
            break
        level1 = _level(_text(grid, row, cols.level1)[0], canonical_level1, list(LEVEL1), level1)
        level2 = _level(_text(grid, row, cols.level2)[0], canonical_level2, list(LEVEL2), level2)
        if is_placeholder(name):
            continue
        records.append(IndicatorRec(project=project, level1=level1, level2=level2, name=clean(name) or "",
                                    page=cell.page, bbox=cell.bbox, confidence=cell.confidence,
                                    **_values(grid, row, cols)))  # type: ignore[arg-type]
    return records

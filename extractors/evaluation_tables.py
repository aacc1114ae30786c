"""The tables of an evaluation report, found by their header labels.

* the target table (``表1-1 绩效目标表``: 一级/二级/三级指标 and a target
  column, no score column) → indicators;
* score tables (``表3-2 评分表`` and the appendix ``附件1`` with 指标说明 /
  评分标准 / 完成值): 三级指标 and 得分 columns → one score row each;
* the score summary (``表3-1``: categories × 权重/得分/得分率) → facts.

Header rows may be two deep (``评价指标`` over 一级/二级/三级指标/权重): a
column's label is the lowest header cell above the data that names a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from extractors.document import continues, stitch_grids
from extractors.ir import Cell, Grid
from extractors.targets_common import classify_header
from schemas.labels import (
    EVAL_HEADERS, EVAL_PERIODS, EVAL_PLACEHOLDERS, EVAL_SUMMARY_MEASURES, EVAL_TOTAL_ROW,
)
from schemas.records import FactRec, IndicatorRec, ScoreRec
from schemas.text import clean, compact
from schemas.values import parse_fact_value, parse_number, parse_target, split_weight
from schemas.vocab import canonical_level1, canonical_level2

HEADER_SEARCH_ROWS = 4  # header labels are looked for in this many top rows


@dataclass(frozen=True, slots=True)
class Header:
    """Where a table's header ends and which column holds which field."""

    last_row: int
    columns: dict[str, int]
    labels: dict[str, str]  # field -> header text (compacted)


# ---------------------------------------------------------------- headers


def header_field(text: str | None) -> str | None:
    """The field a header label names (bracketed note ignored, one wrong character tolerated)."""
    return classify_header(text, EVAL_HEADERS)


def read_header(grid: Grid) -> Header | None:
    """The header of a grid whose header names a 三级指标 column, else None."""
    names = [c for c in grid.cells if c.row < HEADER_SEARCH_ROWS and header_field(c.text) == "name"]
    if not names:
        return None
    last = names[0].last_row
    matrix = grid.matrix()
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for col in range(grid.n_cols):
        for row in range(last, -1, -1):
            cell = matrix[row][col]
            field = header_field(cell.text) if cell else None
            if field and field not in columns:
                columns[field], labels[field] = col, compact(cell.text)
                break
    return Header(last, columns, labels)


def is_score_table(header: Header) -> bool:
    """A score column, or a criteria column (an indicator system printed before scoring)."""
    return "score" in header.columns or "criteria" in header.columns


def is_target_table(header: Header) -> bool:
    return "target" in header.columns and not is_score_table(header)


def join_continuations(grids: list[Grid]) -> list[Grid]:
    """Tables continued on a later page that the document left apart (a running header between them).

    A grid without a header of its own, or repeating the header of the
    indicator table before it, is stitched to that table.
    """
    out: list[Grid] = []
    for grid in grids:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, grid):
            out[-1] = stitch_grids(prev, grid)
        else:
            out.append(grid)
    return out


def _continues(prev: Grid, grid: Grid) -> bool:
    upper, lower = read_header(prev), read_header(grid)
    next_page = grid.page == max(prev.pages or [prev.page]) + 1
    if upper is None or not next_page or grid.n_cols != prev.n_cols or not continues(prev, grid):
        return False
    return lower is None or lower.labels == upper.labels


# ---------------------------------------------------------------- rows


def data_rows(grid: Grid, header: Header) -> list[list[Cell | None]]:
    """Matrix rows below the header that name an indicator (not totals, not placeholders)."""
    matrix = grid.matrix()
    name_col = header.columns["name"]
    rows: list[list[Cell | None]] = []
    seen: list[Cell] = []
    for row in matrix[header.last_row + 1:]:
        cell = row[name_col]
        if cell is None or any(cell is s for s in seen) or not _names_indicator(cell, header):
            continue
        seen.append(cell)
        rows.append(row)
    return rows


def _names_indicator(cell: Cell, header: Header) -> bool:
    text = compact(cell.text)
    if not text or text in {compact(p) for p in EVAL_PLACEHOLDERS}:
        return False
    if text in {compact(t) for t in EVAL_TOTAL_ROW}:
        return False
    left = min(header.columns.get(f, cell.col) for f in ("level1", "level2", "name"))
    return cell.col > left or header.columns["name"] == left


def _text(row: list[Cell | None], header: Header, field: str) -> str | None:
    col = header.columns.get(field)
    cell = row[col] if col is not None else None
    text = clean(cell.text) if cell is not None else None
    return text or None


def _num(row: list[Cell | None], header: Header, field: str) -> float | None:
    value = parse_number(_text(row, header, field))
    return float(value) if value is not None else None


def _level(text: str | None) -> tuple[str | None, float | None]:
    if not text:
        return None, None
    label, weight = split_weight(text)
    return label or None, weight


# ---------------------------------------------------------------- records


def period_of(header: Header) -> str | None:
    label = header.labels.get("target", "")
    for period, labels in EVAL_PERIODS.items():
        if label in {compact(l) for l in labels}:
            return period
    return None


def grid_indicators(grid: Grid, header: Header, project: str | None) -> list[IndicatorRec]:
    """One indicator per 三级指标 row of a target table."""
    period = period_of(header)
    return [_indicator(row, header, project, period) for row in data_rows(grid, header)]


def _indicator(row: list[Cell | None], header: Header, project: str | None, period: str | None) -> IndicatorRec:
    name_cell = row[header.columns["name"]]
    assert name_cell is not None
    level1, _ = _level(_text(row, header, "level1"))
    level2, _ = _level(_text(row, header, "level2"))
    target = _text(row, header, "target")
    parsed = parse_target(target)
    return IndicatorRec(
        project=project, level1=canonical_level1(level1) or level1, level2=canonical_level2(level2) or level2,
        name=clean(name_cell.text) or "", target=target, target_op=parsed.op, target_value=parsed.value,
        target_high=parsed.high, target_unit=parsed.unit, actual=_text(row, header, "actual"), period=period,
        weight=_num(row, header, "weight"), score=_num(row, header, "score"),
        page=name_cell.page, bbox=name_cell.bbox, confidence=name_cell.confidence,
    )


def grid_scores(grid: Grid, header: Header, project: str | None) -> list[ScoreRec]:
    """One score row per 三级指标 row of a score table."""
    return [_score(row, header, project) for row in data_rows(grid, header)]


def _score(row: list[Cell | None], header: Header, project: str | None) -> ScoreRec:
    name_cell = row[header.columns["name"]]
    assert name_cell is not None
    level1, weight1 = _level(_text(row, header, "level1"))
    level2, weight2 = _level(_text(row, header, "level2"))
    return ScoreRec(
        project=project, level1=level1, level1_weight=weight1, level2=level2, level2_weight=weight2,
        name=clean(name_cell.text) or "", weight=_num(row, header, "weight"), score=_num(row, header, "score"),
        target=_text(row, header, "target"), actual=_text(row, header, "actual"),
        criteria=_text(row, header, "criteria"), note=_text(row, header, "note"),
        page=name_cell.page, bbox=name_cell.bbox, confidence=name_cell.confidence,
    )


def total_score(grid: Grid, header: Header) -> Decimal | None:
    """The score printed in a score table's 合计 row, if any."""
    totals = {compact(t) for t in EVAL_TOTAL_ROW}
    col = header.columns["score"]
    for row in grid.matrix()[header.last_row + 1:]:
        if any(c is not None and compact(c.text) in totals for c in row[:col]) and row[col] is not None:
            return parse_number(row[col].text)
    return None


# ---------------------------------------------------------------- summary


def is_summary(grid: Grid) -> bool:
    """A score summary: two or more measure labels down its first column or along its first row."""
    matrix = grid.text_matrix()
    measures = {compact(m) for m in EVAL_SUMMARY_MEASURES}
    down = sum(compact(row[0]) in measures for row in matrix if row)
    along = sum(compact(text) in measures for text in matrix[0]) if matrix else 0
    return read_header(grid) is None and max(down, along) >= 2


def summary_facts(grid: Grid, project: str | None) -> list[FactRec]:
    """``决策类得分`` = 20 ...: one fact per value cell, keyed category + measure."""
    measures = {compact(m) for m in EVAL_SUMMARY_MEASURES}
    matrix = grid.matrix()
    facts: list[FactRec] = []
    seen: list[Cell] = []
    for r in range(1, grid.n_rows):
        for c in range(1, grid.n_cols):
            cell = matrix[r][c]
            if cell is None or any(cell is s for s in seen) or not clean(cell.text):
                continue
            seen.append(cell)
            key = _summary_key(_corner_text(matrix, r, 0), _corner_text(matrix, 0, c), measures)
            if key:
                facts.append(_fact(project, key, cell))
    return facts


def _corner_text(matrix: list[list[Cell | None]], r: int, c: int) -> str:
    cell = matrix[r][c]
    return compact(cell.text) if cell is not None else ""


def _summary_key(row_label: str, col_label: str, measures: set[str]) -> str | None:
    if row_label in measures and col_label:
        return col_label + row_label
    if col_label in measures and row_label:
        return row_label + col_label
    return None


def _fact(project: str | None, key: str, cell: Cell) -> FactRec:
    value, number, unit = parse_fact_value(cell.text, key)
    return FactRec(project=project, key=key, value=value, value_num=number, unit=unit,
                   page=cell.page, bbox=cell.bbox, confidence=cell.confidence)

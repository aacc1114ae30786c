"""项目支出绩效目标表（含转移支付项目） (report type ``project_targets``).

A ``部门名称：…`` line, the amount unit, then one table: a header row
(项目名称（资金使用单位）, amount columns by source, 绩效目标, 绩效指标) and
rows that are the grand total (合计), a unit (资金使用单位: amounts, no goal
or indicators) or a project of the unit above (amounts, goal text and
indicators written inline, see ``extractors.project_targets_inline``).
A row with no name and no amounts continues the row above (a row broken
over a page).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from extractors.ir import Cell, Document, Grid, TextLine
from extractors.project_targets_inline import InlineValue, parse_inline_indicators
from extractors.targets_common import (
    bracket_unit, cell_text, classify_header, find_header, header_matches, is_placeholder, located,
    region_of, report_title, year_of,
)
from schemas.labels import (
    PT_AMOUNT_UNIT, PT_DEPARTMENT, PT_FISCAL_YEAR, PT_GOAL, PT_INDICATORS, PT_NAME, PT_PLACEHOLDERS,
    PT_TOTAL,
)
from schemas.records import FundRec, IndicatorRec, ProjectRec, ReportRec
from schemas.text import clean, compact
from schemas.values import amount_unit_exp, parse_amount_wan, parse_target
from schemas.vocab import canonical_source

log = logging.getLogger(__name__)

REPORT_TYPE = "project_targets"
MEASURE = "预算数"  # every amount of a target table is a budget amount
TOTAL_SOURCE = "合计"
_HEADERS = {"name": PT_NAME, "goal": PT_GOAL, "indicators": PT_INDICATORS, "total": PT_TOTAL}


@dataclass(slots=True)
class _Columns:
    last_header_row: int
    name: Cell
    goal: Cell | None = None
    indicators: Cell | None = None
    sources: dict[str, Cell] = field(default_factory=dict)  # source → header cell


@dataclass(slots=True)
class _Row:
    """One table row's texts and cells (continuation rows merged in)."""

    name: str
    name_cell: Cell
    amounts: dict[str, Cell]
    goal: str
    indicators: str
    indicator_cell: Cell | None

    @property
    def is_unit(self) -> bool:
        return is_placeholder(self.goal, PT_PLACEHOLDERS) and is_placeholder(self.indicators, PT_PLACEHOLDERS)


# ------------------------------------------------------------------ report


def extract_project_targets(doc: Document) -> ReportRec:
    """All records of one 项目支出绩效目标表."""
    report = ReportRec(report_type=REPORT_TYPE, title=report_title(doc, REPORT_TYPE))
    _read_lines(report, doc.lines())
    for grid in doc.grids():
        cols = _columns(grid)
        if cols is not None:
            report.amount_unit = report.amount_unit or _header_unit(cols)
            _emit(report, _rows(grid, cols), report.amount_unit)
    return report


_PAIR_LABELS = tuple(sorted(PT_DEPARTMENT + PT_AMOUNT_UNIT + PT_FISCAL_YEAR, key=len, reverse=True))
_PAIR = re.compile(r"(?P<label>" + "|".join(map(re.escape, _PAIR_LABELS)) + r")\s*[:：]")


def line_pairs(text: str) -> dict[str, str]:
    """``部门名称：X 单位：万元`` → {compacted label: value}, several pairs per line."""
    marks = list(_PAIR.finditer(text))
    out: dict[str, str] = {}
    for k, mark in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        out.setdefault(compact(mark["label"]), clean(text[mark.end():end]) or "")
    return out


def _pick(pairs: dict[str, str], labels: tuple[str, ...]) -> str | None:
    return next((pairs[compact(label)] for label in labels if pairs.get(compact(label))), None)


def _read_lines(report: ReportRec, lines: list[TextLine]) -> None:
    pairs: dict[str, str] = {}
    for line in lines:
        for key, value in line_pairs(line.text).items():
            pairs.setdefault(key, value)
    report.department = _pick(pairs, PT_DEPARTMENT)
    unit = _pick(pairs, PT_AMOUNT_UNIT)
    report.amount_unit = unit if amount_unit_exp(unit) is not None else None
    report.region = region_of(report.department, report.title)
    year = _pick(pairs, PT_FISCAL_YEAR)
    report.fiscal_year = year_of(report.title) or year_of(f"{year}年" if year else None)


def _header_unit(cols: _Columns) -> str | None:
    return next((u for c in cols.sources.values() if (u := bracket_unit(c.text))), None)


# ----------------------------------------------------------------- columns


def _columns(grid: Grid) -> _Columns | None:
    """The header band (rows of the 项目名称 cell) and what each column holds."""
    rivals = [label for labels in _HEADERS.values() for label in labels]
    name = find_header(grid, PT_NAME, rivals=rivals)
    if name is None:
        return None
    cols = _Columns(last_header_row=name.last_row, name=name)
    for col in range(grid.n_cols):
        cell = grid.cell_at(name.last_row, col)
        if cell is not None and cell is not name:
            _classify_column(cols, cell)
    return cols if cols.sources else None


def _classify_column(cols: _Columns, cell: Cell) -> None:
    kind = classify_header(cell.text, _HEADERS)
    if kind == "goal":
        cols.goal = cols.goal or cell
    elif kind == "indicators":
        cols.indicators = cols.indicators or cell
    elif kind == "total":
        cols.sources.setdefault(TOTAL_SOURCE, cell)
    elif (source := canonical_source(cell.text)) is not None:
        cols.sources.setdefault(source, cell)


# -------------------------------------------------------------------- rows


def _text(grid: Grid, row: int, head: Cell | None) -> tuple[str, Cell | None]:
    cell = grid.cell_at(row, head.col) if head is not None else None
    return cell_text(cell), cell


def _read_row(grid: Grid, row: int, cols: _Columns) -> _Row | None:
    name, name_cell = _text(grid, row, cols.name)
    if name_cell is None or name_cell.row != row or header_matches(name, PT_NAME):
        return None
    amounts = {}
    for source, head in cols.sources.items():
        text, cell = _text(grid, row, head)
        if cell is not None and not is_placeholder(text, PT_PLACEHOLDERS):
            amounts[source] = cell
    indicators, indicator_cell = _text(grid, row, cols.indicators)
    goal = _text(grid, row, cols.goal)[0]
    return _Row(name, name_cell, amounts, goal, indicators, indicator_cell)


def _rows(grid: Grid, cols: _Columns) -> list[_Row]:
    """Data rows below the header, continuation rows merged into the row above."""
    out: list[_Row] = []
    for r in range(cols.last_header_row + 1, grid.n_rows):
        row = _read_row(grid, r, cols)
        if row is None:
            continue
        if not row.name and not row.amounts and out:
            out[-1].goal += row.goal
            out[-1].indicators += row.indicators
        elif row.name and not is_placeholder(row.name, PT_PLACEHOLDERS):
            out.append(row)
    return out


# ----------------------------------------------------------------- records


def _emit(report: ReportRec, rows: list[_Row], unit: str | None) -> None:
    owner: str | None = None  # the 资金使用单位 of the projects below it
    for row in rows:
        total = header_matches(row.name, PT_TOTAL)
        if total or row.is_unit:
            owner = owner if total else row.name
            report.funds.extend(_funds(row, None, unit))
            continue
        goal = None if is_placeholder(row.goal, PT_PLACEHOLDERS) else row.goal
        report.projects.append(ProjectRec(name=row.name, unit=owner, goal=goal, **located(row.name_cell)))
        report.funds.extend(_funds(row, row.name, unit))
        report.indicators.extend(_indicators(row))


def _funds(row: _Row, project: str | None, unit: str | None) -> list[FundRec]:
    out: list[FundRec] = []
    for source, cell in row.amounts.items():
        raw = cell_text(cell)
        amount = parse_amount_wan(raw, unit)
        if amount is None:
            log.warning("not an amount in %s / %s: %r", row.name, source, raw)
            continue
        out.append(FundRec(project=project, measure=MEASURE, source=source, amount_wan=amount, raw=raw,
                           **located(cell)))
    return out


def _indicators(row: _Row) -> list[IndicatorRec]:
    values = parse_inline_indicators(row.indicators)
    if row.indicators and not values and not is_placeholder(row.indicators, PT_PLACEHOLDERS):
        log.warning("indicators of %s not in the inline form: %.40s", row.name, row.indicators)
    cell = row.indicator_cell or row.name_cell
    return [_indicator(row.name, value, cell) for value in values]


def _indicator(project: str, value: InlineValue, cell: Cell) -> IndicatorRec:
    parsed = parse_target(value.target)
    return IndicatorRec(
        project=project, level1=value.level1, level2=value.level2, name=value.name, target=value.target,
        target_op=parsed.op, target_value=parsed.value, target_high=parsed.high, target_unit=parsed.unit,
        period=value.period, **located(cell),
    )


class ProjectTargetsExtractor:
    """The registry's extractor for ``project_targets``."""

    report_type = REPORT_TYPE

    def extract(self, doc: Document) -> ReportRec:
        return extract_project_targets(doc)


EXTRACTOR = ProjectTargetsExtractor()

"""部门整体预算绩效目标表 (report type ``dept_targets``).

One form, often running over two pages: the unit and its department, staff
numbers, the budget block (amounts split by expense type, income source and
budget level), the overall goal, the year's key tasks (name, content,
amount, expected goal) and an indicator grid (一级/二级/三级指标, 指标值).
Every value is found by its label or column header (``schemas.labels``,
``DT_*``); placeholder rows (``无``, empty) are not records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from extractors.dept_targets_budget import budget_funds
from extractors.find import colon_value, right_of
from extractors.ir import Cell, Document, Grid
from extractors.targets_common import (
    bracket_unit, cell_text, find_header, header_matches, is_placeholder, level1_of, level2_of, located,
    region_of, report_title, row_headers, year_of,
)
from schemas.labels import (
    DT_AMOUNT_UNIT, DT_DEPARTMENT, DT_FISCAL_YEAR, DT_FORM_FACTS, DT_LEVEL1, DT_LEVEL2, DT_NAME, DT_PLACEHOLDERS,
    DT_TARGET, DT_TASK_AMOUNT, DT_TASK_CONTENT, DT_TASK_GOAL, DT_TASK_NAME, DT_UNIT,
)
from schemas.records import FactRec, FundRec, IndicatorRec, ProjectRec, ReportRec
from schemas.text import clean, compact
from schemas.values import amount_unit_exp, parse_amount_wan, parse_fact_value, parse_target
from schemas.vocab import canonical_measure

log = logging.getLogger(__name__)

REPORT_TYPE = "dept_targets"
DEFAULT_MEASURE = "预算数"  # every amount of a target table is a budget amount


@dataclass(frozen=True, slots=True)
class _Columns:
    """Header cells of one section of the grid (row of the headers, their columns)."""

    row: int
    cols: dict[str, Cell]


# ------------------------------------------------------------------ report


def extract_dept_targets(doc: Document) -> ReportRec:
    """All records of one 部门整体预算绩效目标表."""
    report = ReportRec(report_type=REPORT_TYPE, title=report_title(doc, REPORT_TYPE))
    grids = doc.grids()
    _read_header(report, doc, grids)
    report.amount_unit = _amount_unit(doc, grids)
    for grid in grids:
        report.facts.extend(_facts(grid))
        report.funds.extend(budget_funds(grid, report.amount_unit))
        projects, funds = _tasks(grid, report.amount_unit)
        report.projects.extend(projects)
        report.funds.extend(funds)
        report.indicators.extend(_indicators(grid))
    if not report.indicators:
        log.info("no 一级/二级/三级指标 grid found in %s", doc.path)
    return report


def _label_value(doc: Document, grids: list[Grid], labels: tuple[str, ...]) -> str | None:
    """Text right of a label cell, else of a ``标签：值`` line."""
    for grid in grids:
        label = find_header(grid, labels)
        value = cell_text(right_of(grid, label)) if label else ""
        if value and not header_matches(value, labels):
            return value
    found = colon_value(doc.lines(), labels)
    return found[0] or None if found else None


def _read_header(report: ReportRec, doc: Document, grids: list[Grid]) -> None:
    unit = _label_value(doc, grids, DT_UNIT)
    report.department = _label_value(doc, grids, DT_DEPARTMENT) or unit
    report.unit = unit if unit and compact(unit) != compact(report.department) else None
    report.region = region_of(report.department, report.unit, report.title)
    year = _label_value(doc, grids, DT_FISCAL_YEAR)
    report.fiscal_year = year_of(report.title) or year_of(f"{year}年" if year else None)


def _amount_unit(doc: Document, grids: list[Grid]) -> str | None:
    """``单位：万元`` printed above the form, else the first unit in a header's brackets."""
    found = colon_value(doc.lines(), DT_AMOUNT_UNIT)
    if found and amount_unit_exp(found[0]) is not None:
        return clean(found[0])
    for grid in grids:
        for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
            unit = bracket_unit(cell.text)
            if unit:
                return unit
    return None


# ------------------------------------------------------------------- facts


def _facts(grid: Grid) -> list[FactRec]:
    """Labelled form values (staff numbers, the overall goal) as facts."""
    out: list[FactRec] = []
    for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        if not header_matches(cell.text, DT_FORM_FACTS):
            continue
        value = right_of(grid, cell)
        text = cell_text(value)
        if value is None or is_placeholder(text, DT_PLACEHOLDERS) or header_matches(text, DT_FORM_FACTS):
            continue
        key = compact(cell.text)
        shown, num, unit = parse_fact_value(text, key)
        out.append(FactRec(project=None, key=key, value=shown, value_num=num, unit=unit, **located(value)))
    return out


# ------------------------------------------------------------------- tasks

_TASK_HEADERS = {"name": DT_TASK_NAME, "content": DT_TASK_CONTENT, "amount": DT_TASK_AMOUNT,
                 "goal": DT_TASK_GOAL}
_INDICATOR_HEADERS = {"level1": DT_LEVEL1, "level2": DT_LEVEL2, "name": DT_NAME, "target": DT_TARGET}


def _columns(grid: Grid, anchor: tuple[str, ...], headers: dict[str, tuple[str, ...]]) -> _Columns | None:
    """Header cells found in the row of the first ``anchor`` cell."""
    rivals = [label for labels in headers.values() for label in labels]
    first = find_header(grid, anchor, rivals=rivals)
    if first is None:
        return None
    return _Columns(first.last_row, row_headers(grid, first.row, headers))


def _row_text(grid: Grid, row: int, head: Cell | None) -> tuple[str, Cell | None]:
    cell = grid.cell_at(row, head.col) if head is not None else None
    return cell_text(cell), cell


def _task_rows(grid: Grid, cols: _Columns) -> range:
    """Rows of the key-task section: up to the indicator header (or the grid's end)."""
    rivals = [label for labels in _INDICATOR_HEADERS.values() for label in labels]
    stop = find_header(grid, DT_NAME, after_row=cols.row, rivals=rivals)
    return range(cols.row + 1, stop.row if stop is not None else grid.n_rows)


def _tasks(grid: Grid, unit: str | None) -> tuple[list[ProjectRec], list[FundRec]]:
    """Key tasks (年度重点工作任务) as projects, their amounts as funds."""
    cols = _columns(grid, DT_TASK_CONTENT, _TASK_HEADERS)
    if cols is None or "name" not in cols.cols:
        return [], []
    projects: list[ProjectRec] = []
    funds: list[FundRec] = []
    for row in _task_rows(grid, cols):
        name, cell = _row_text(grid, row, cols.cols["name"])
        if cell is None or cell.row != row or header_matches(name, DT_TASK_NAME):
            continue
        content = _row_text(grid, row, cols.cols.get("content"))[0]
        goal = _row_text(grid, row, cols.cols.get("goal"))[0]
        if is_placeholder(name, DT_PLACEHOLDERS):
            _continue_task(projects, name, content, goal)
            continue
        projects.append(ProjectRec(name=name, content=_value(content), goal=_value(goal), **located(cell)))
        funds.extend(_task_fund(grid, row, cols, name, unit))
    return projects, funds


def _value(text: str) -> str | None:
    return None if is_placeholder(text, DT_PLACEHOLDERS) else text


def _continue_task(projects: list[ProjectRec], name: str, content: str, goal: str) -> None:
    """A row without a name continues the task above (a row broken over pages)."""
    if name or not projects or not (content or goal):
        return
    last = projects[-1]
    last.content = _value((last.content or "") + content)
    last.goal = _value((last.goal or "") + goal)


def _task_fund(grid: Grid, row: int, cols: _Columns, name: str, unit: str | None) -> list[FundRec]:
    head = cols.cols.get("amount")
    raw, cell = _row_text(grid, row, head)
    amount = parse_amount_wan(raw, (bracket_unit(head.text) if head else None) or unit)
    if head is None or cell is None or amount is None:
        return []
    measure = canonical_measure(head.text) or DEFAULT_MEASURE
    return [FundRec(project=name, measure=measure, amount_wan=amount, raw=raw, **located(cell))]


# -------------------------------------------------------------- indicators


def _indicators(grid: Grid) -> list[IndicatorRec]:
    """The 一级/二级/三级指标 grid with its 指标值 column."""
    cols = _columns(grid, DT_NAME, _INDICATOR_HEADERS)
    if cols is None or not {"name", "target"} <= cols.cols.keys():
        return []
    out: list[IndicatorRec] = []
    for row in range(cols.row + 1, grid.n_rows):
        rec = _indicator(grid, row, cols)
        if rec is not None:
            out.append(rec)
    return out


def _indicator(grid: Grid, row: int, cols: _Columns) -> IndicatorRec | None:
    name, cell = _row_text(grid, row, cols.cols["name"])
    if cell is None or cell.row != row or is_placeholder(name, DT_PLACEHOLDERS):
        return None
    if header_matches(name, DT_NAME):
        return None
    target = _row_text(grid, row, cols.cols["target"])[0] or None
    parsed = parse_target(target)
    return IndicatorRec(
        project=None,
        level1=level1_of(_row_text(grid, row, cols.cols.get("level1"))[0]),
        level2=level2_of(_row_text(grid, row, cols.cols.get("level2"))[0]),
        name=name, target=target, target_op=parsed.op, target_value=parsed.value,
        target_high=parsed.high, target_unit=parsed.unit, **located(cell),
    )


class DeptTargetsExtractor:
    """The registry's extractor for ``dept_targets``."""

    report_type = REPORT_TYPE

    def extract(self, doc: Document) -> ReportRec:
        return extract_dept_targets(doc)


EXTRACTOR = DeptTargetsExtractor()

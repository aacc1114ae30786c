"""The budget block of a 部门整体预算绩效目标表 (预算整体情况).

Side-by-side label/amount column pairs, each headed by ``按…划分`` and
``预算金额（万元）``: rows below give the amount by expense type (→ funds
category), by income source (→ source) and by budget level (→ level).
Other forms print a row of source labels (``资金总额 | 财政拨款 | 其他资金``)
with the amounts in the row below.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator

from extractors.find import classify_label, right_of, row_cells
from extractors.ir import Cell, Grid
from extractors.targets_common import (
    bracket_unit, cell_text, find_header, header_matches, is_placeholder, located, strip_note,
)
from schemas.labels import DT_BUDGET_AMOUNT, DT_PLACEHOLDERS, DT_SPLIT_HEADERS, DT_TOTAL
from schemas.records import FundRec
from schemas.text import compact
from schemas.values import parse_amount_wan
from schemas.vocab import BUDGET_LEVELS, canonical_budget_level, canonical_measure, canonical_source, synonym_groups

log = logging.getLogger(__name__)

DEFAULT_MEASURE = "预算数"
_SUB_ITEM = re.compile(r"^其中[:：]?")
_ALL_SPLITS = tuple(label for labels in DT_SPLIT_HEADERS.values() for label in labels)
_LEVEL_NAMES, _LEVEL_LABELS = zip(*synonym_groups(BUDGET_LEVELS).items())


def budget_funds(grid: Grid, unit: str | None = None) -> list[FundRec]:
    """Every amount of the budget block of ``grid`` (none when it has no block).

    ``unit`` is the report's amount unit, for headers that print none.
    """
    out: list[FundRec] = []
    for field, labels in DT_SPLIT_HEADERS.items():
        head = find_header(grid, labels)
        amount = _amount_head(grid, head) if head is not None else None
        if head is not None and amount is not None:
            out.extend(_split_funds(grid, head, amount, field, unit))
    for row in range(grid.n_rows - 1):
        out.extend(_source_row_funds(grid, row, unit))
    return _dedupe(out)


def _source_of(label: str) -> str | None:
    bare = _bare(label)
    return "合计" if _is_total(bare) else canonical_source(bare)


def _source_row_funds(grid: Grid, row: int, unit: str | None) -> list[FundRec]:
    """Amounts under a row of two or more source labels."""
    heads = [(cell, src) for cell in row_cells(grid, row) if cell.row == row and (src := _source_of(cell.text))]
    if len(heads) < 2:
        return []
    out: list[FundRec] = []
    for head, source in heads:
        value = grid.cell_at(head.last_row + 1, head.col)
        raw = cell_text(value)
        wan = parse_amount_wan(raw, bracket_unit(head.text) or unit)
        if value is not None and value.row == head.last_row + 1 and wan is not None:
            out.append(FundRec(project=None, measure=DEFAULT_MEASURE, source=source, amount_wan=wan, raw=raw,
                               **located(value)))
    return out


def _amount_head(grid: Grid, head: Cell) -> Cell | None:
    """The amount header right of a ``按…划分`` header, before the next one."""
    cell = right_of(grid, head)
    while cell is not None and not header_matches(cell.text, _ALL_SPLITS):
        if header_matches(cell.text, DT_BUDGET_AMOUNT):
            return cell
        cell = right_of(grid, cell)
    return None


def _last_row(grid: Grid, head: Cell) -> int:
    """Last row of the section cell left of the header, else of the grid."""
    section = grid.cell_at(head.row, 0)
    if section is not None and section is not head and section.last_row > head.last_row:
        return section.last_row
    return grid.n_rows - 1


def _block_rows(grid: Grid, head: Cell, amount: Cell) -> Iterator[tuple[Cell, Cell]]:
    """(label cell, amount cell) of each row under the header, until the block ends."""
    for row in range(head.last_row + 1, _last_row(grid, head) + 1):
        label, value = grid.cell_at(row, head.col), grid.cell_at(row, amount.col)
        if label is None or value is None or label is value or label.col != head.col:
            return
        text = cell_text(value)
        if not is_placeholder(text, DT_PLACEHOLDERS) and parse_amount_wan(text) is None:
            return
        if value.row == row:
            yield label, value


def _split_funds(grid: Grid, head: Cell, amount: Cell, field: str, default_unit: str | None) -> list[FundRec]:
    unit = bracket_unit(amount.text) or default_unit
    measure = canonical_measure(amount.text) or DEFAULT_MEASURE
    out: list[FundRec] = []
    for label, value in _block_rows(grid, head, amount):
        raw = cell_text(value)
        wan = parse_amount_wan(raw, unit)
        keys = _fund_keys(field, label.text)
        if wan is None or keys is None:
            continue
        out.append(FundRec(project=None, measure=measure, amount_wan=wan, raw=raw, **keys, **located(value)))
    return out


def _is_total(bare: str) -> bool:
    return header_matches(bare, DT_TOTAL, rivals=DT_BUDGET_AMOUNT + _ALL_SPLITS)


def _bare(label: str) -> str:
    """``其中：基本支出`` → ``基本支出``; a bracketed note dropped."""
    return strip_note(_SUB_ITEM.sub("", compact(label)))


def _fund_keys(field: str, label: str) -> dict[str, Any] | None:
    """source / category / level of a budget row from its label."""
    bare = _bare(label)
    if not bare:
        return None
    if _is_total(bare):
        return {"source": "合计"}
    if field == "category":
        return {"category": bare}
    if field == "source":
        return {"source": canonical_source(bare) or bare}
    return {"level": _level(label) or bare}


def _level(label: str) -> str | None:
    """The budget level a row label names (``其中：县（区）`` → ``县区``), within one OCR slip."""
    found = canonical_budget_level(label)
    group = classify_label(_SUB_ITEM.sub("", compact(label)), _LEVEL_LABELS) if found is None else None
    if found is None and group is None:
        log.info("budget level %r not in the vocabulary; kept as printed", label)
    return found or (_LEVEL_NAMES[group] if group is not None else None)


def _dedupe(funds: list[FundRec]) -> list[FundRec]:
    """One record per (measure, source, category, level, amount): totals repeat per column."""
    seen: set[tuple[Any, ...]] = set()
    out: list[FundRec] = []
    for fund in funds:
        key = (fund.project, fund.measure, fund.source, fund.category, fund.level, fund.amount_wan)
        if key not in seen:
            seen.add(key)
            out.append(fund)
    return out

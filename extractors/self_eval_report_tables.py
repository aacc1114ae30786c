"""The tables of a 绩效自评报告 (self_eval_report): funds, expense detail, scores, findings.

Every table is found by a header label (``schemas.labels`` ``SER_*``), its
columns by the header cells of that row, its rows by walking down the grid.
Nothing depends on coordinates or on fixed row/column indexes. Also holds
the label helpers the layout module shares (:func:`match_label`, :func:`value_of`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from extractors.find import FUZZY_MIN, LabelMatcher, label_key, right_of, row_cells
from extractors.ir import Cell, Grid
from schemas import labels as L
from schemas.records import FactRec, FindingRec, FundRec, ScoreRec
from schemas.text import clean, compact, join_lines
from schemas.values import parse_amount_wan, parse_fact_value, parse_number, split_weight
from schemas.vocab import (
    MEASURES, RATE_LABELS, SOURCES, canonical_measure, canonical_source, snap_to_vocab,
)

log = logging.getLogger(__name__)

_ROW_NUMBER = re.compile(r"[（(]\d+[)）].*$")
_SEQ = re.compile(r"^(?:\d+[.、．]?|[.…。]+)$")
_LEADING_SEQ = re.compile(r"^\d+[.、．]\s*")
_NOISE = ".。,，、:：;；·'\"`"  # specks a scan adds around a number
STRIPPED_CONFIDENCE = 0.8  # below the review threshold (schemas.views.REVIEW_THRESHOLD, 0.9)
_NUMERIC = re.compile(r"[+-]?\d[\d.,\-/%]*")  # numbers, phone numbers, codes: specks around them dropped


@dataclass(frozen=True, slots=True)
class Context:
    """What every record of one report shares."""

    project: str | None
    amount_unit: str | None


# ------------------------------------------------------------ label helpers

# Every label of the report, in groups of synonyms: a slip in one never turns
# it into another (see :class:`extractors.find.LabelMatcher`; prefixes of
# labels of 4+ characters allowed, for notes printed without brackets).
LABEL_GROUPS: tuple[tuple[str, ...], ...] = (
    L.SER_PROJECT_NAME, L.SER_REGION, L.SER_DEPARTMENT, L.SER_UNIT, L.SER_AMOUNT_UNIT, L.SER_FISCAL_YEAR,
    L.SER_CONTENT, *((label,) for label in L.SER_FORM_FACTS), L.SER_FUND_HEADER, L.SER_DETAIL_HEADER,
    L.SER_DETAIL_BASIS, L.SER_TOTAL, L.SER_SCORE_LEVEL1, L.SER_SCORE_LEVEL2, L.SER_SCORE_NAME, L.SER_SCORE_SCORE,
    L.SER_SCORE_WEIGHT, L.SER_SCORE_NOTE, L.SER_GRADE, L.SER_FINDING_SEQ, L.SER_FINDING_PROBLEM,
    L.SER_FINDING_MEASURE,
)
LABELS = LabelMatcher(LABEL_GROUPS, prefix_min=FUZZY_MIN)


def value_of(cell: Cell | None) -> str | None:
    """A cell's text as printed (wrap whitespace removed); None when blank or a placeholder."""
    if cell is None:
        return None
    text = clean(cell.text)
    if not text or compact(text) in L.SER_PLACEHOLDERS:
        return None
    bare = text.strip(_NOISE)
    return bare if _NUMERIC.fullmatch(bare) else text


def located(cell: Cell) -> dict[str, Any]:
    return {"page": cell.page, "bbox": cell.bbox, "confidence": cell.confidence}


def located_value(cell: Cell, raw: str) -> dict[str, Any]:
    """:func:`located`, with the confidence lowered to :data:`STRIPPED_CONFIDENCE` when
    ``raw`` was read only after marks around the number were dropped (``1,000.00,,.``):
    the value may be right, or the cell may hold something else, so review should see it."""
    where = located(cell)
    if compact(raw) != compact(clean(cell.text) or ""):
        where["confidence"] = min(where["confidence"], STRIPPED_CONFIDENCE)
    return where


def find_header(grids: list[Grid], labels: tuple[str, ...]) -> tuple[Grid, Cell] | None:
    """The first grid cell that is one of ``labels`` (exact matches first), with its grid."""
    for fuzzy in (False, True):
        for grid in grids:
            cell = next((c for c in grid.cells if LABELS.match(c.text, labels, fuzzy=fuzzy)), None)
            if cell is not None:
                return grid, cell
    return None


def header_roles(grid: Grid, head: Cell, roles: dict[str, tuple[str, ...]]) -> dict[str, Cell]:
    """Role → header cell, for the cells of ``head``'s row."""
    found: dict[str, Cell] = {}
    cells = [c for c in row_cells(grid, head.row) if c.row == head.row]
    for fuzzy in (False, True):
        for cell in cells:
            if all(cell is not f for f in found.values()):
                _assign_role(cell, roles, found, fuzzy)
    return found


def _assign_role(cell: Cell, roles: dict[str, tuple[str, ...]], found: dict[str, Cell], fuzzy: bool) -> None:
    for role, labels in roles.items():
        if role not in found and LABELS.match(cell.text, labels, fuzzy=fuzzy):
            found[role] = cell
            return


def cell_in(grid: Grid, row: int, column: Cell) -> Cell | None:
    """The cell starting in ``row`` under header ``column`` (None if merged from above)."""
    cell = grid.cell_at(row, column.col)
    return cell if cell is not None and cell.row == row else None


# --------------------------------------------------------------- fund table

def canonical_of(text: str | None, vocab: Mapping[str, str], lookup: Callable[[str | None], str | None]) -> str | None:
    """``lookup(text)``, else of its :func:`label_key`, else the one ``vocab`` label an OCR slip away."""
    key = label_key(text)
    found = lookup(text) or lookup(key)
    if found or len(key) < FUZZY_MIN:
        return found
    near = [k for k in vocab if len(k) >= FUZZY_MIN and abs(len(k) - len(key)) <= 1]
    snapped = snap_to_vocab(key, near) if near else None
    return vocab[snapped] if snapped else None


def classify_row(text: str | None) -> tuple[str, str] | None:
    """('measure', canonical) or ('rate', printed rate label) for a fund-table row label."""
    measure = canonical_measure(text)
    if measure:
        return "measure", measure
    key = _ROW_NUMBER.sub("", label_key(text))
    rates = {k: k for k in RATE_LABELS}
    rate = canonical_of(key, rates, rates.get)
    if rate:
        return "rate", rate
    measure = canonical_of(key, MEASURES, canonical_measure)
    return ("measure", measure) if measure else None


def _source_columns(grid: Grid, head: Cell) -> list[tuple[str, Cell]]:
    columns: list[tuple[str, Cell]] = []
    for cell in row_cells(grid, head.row):
        source = canonical_of(cell.text, SOURCES, canonical_source) if cell.col > head.last_col else None
        if source:
            columns.append((source, cell))
    return columns


def fund_records(grids: list[Grid], ctx: Context) -> tuple[list[FundRec], list[FactRec]]:
    """预算安排/实际投入/... × sources as funds; printed rates as facts."""
    found = find_header(grids, L.SER_FUND_HEADER)
    if found is None:
        return [], []
    grid, head = found
    columns = _source_columns(grid, head)
    funds: list[FundRec] = []
    facts: list[FactRec] = []
    for row, kind in _fund_rows(grid, head):
        (funds if kind[0] == "measure" else facts).extend(_fund_row(grid, row, kind, columns, ctx))  # type: ignore[arg-type]
    return funds, facts


def _fund_rows(grid: Grid, head: Cell) -> list[tuple[int, tuple[str, str]]]:
    """(row, kind) of the rows under ``head`` with a measure or rate label, up to the detail header."""
    rows: list[tuple[int, tuple[str, str]]] = []
    for row in range(head.last_row + 1, grid.n_rows):
        label = cell_in(grid, row, head)
        if label is not None and LABELS.match(label.text, L.SER_DETAIL_HEADER):
            break
        kind = classify_row(label.text) if label is not None else None
        rows += [(row, kind)] if kind else []
    return rows


def _fund_row(grid: Grid, row: int, kind: tuple[str, str], columns: list[tuple[str, Cell]],
              ctx: Context) -> list[FundRec] | list[FactRec]:
    out: list[Any] = []
    for source, column in columns:
        cell = cell_in(grid, row, column)
        raw = value_of(cell)
        if cell is None or raw is None:
            continue
        rec = _fund(kind[1], source, None, raw, cell, ctx) if kind[0] == "measure" else _fact(kind[1], raw, cell, ctx)
        if rec is not None:
            out.append(rec)
    return out


def _fund(measure: str, source: str | None, category: str | None, raw: str, cell: Cell,
          ctx: Context) -> FundRec | None:
    amount = parse_amount_wan(raw, ctx.amount_unit)
    if amount is None:
        log.debug("not an amount in the fund table: %r", raw)
        return None
    return FundRec(project=ctx.project, measure=measure, source=source, category=category,
                   amount_wan=amount, raw=raw, **located_value(cell, raw))


def _fact(key: str, raw: str, cell: Cell, ctx: Context) -> FactRec:
    value, number, unit = parse_fact_value(raw, key)
    return FactRec(project=ctx.project, key=key, value=value, value_num=number, unit=unit,
                   **located_value(cell, raw))


def fact_at(key: str, cell: Cell | None, ctx: Context) -> FactRec | None:
    """A fact ``key`` read from ``cell``; None when the cell is blank."""
    raw = value_of(cell)
    return _fact(key, raw, cell, ctx) if cell is not None and raw is not None else None


# ------------------------------------------------------------- detail table

def detail_records(grids: list[Grid], ctx: Context) -> tuple[list[FundRec], list[FactRec]]:
    """资金实际支出明细: 合计 and numbered lines × 项目预算支出/项目资金实际支出 (+ 支出依据 facts)."""
    found = find_header(grids, L.SER_DETAIL_HEADER)
    if found is None:
        return [], []
    grid, head = found
    cells = row_cells(grid, head.row)
    measures = [(m, c) for c in cells if c.col > head.last_col and (m := canonical_of(c.text, MEASURES, canonical_measure))]
    basis = next(((c, label) for c in cells if (label := LABELS.match(c.text, L.SER_DETAIL_BASIS))), None)
    funds: list[FundRec] = []
    facts: list[FactRec] = []
    for row in range(head.last_row + 1, grid.n_rows):
        if _starts_other_table(grid, row):
            break
        is_total, category = _detail_item(grid, row, head)
        if is_total or category is not None:
            funds += [rec for m, col in measures if (rec := _detail_amount(grid, row, m, col, category, ctx))]
            facts += _basis_fact(grid, row, basis, ctx) if not is_total else []
    return funds, facts


def _basis_fact(grid: Grid, row: int, basis: tuple[Cell, str] | None, ctx: Context) -> list[FactRec]:
    fact = fact_at(label_key(basis[1]), cell_in(grid, row, basis[0]), ctx) if basis else None
    return [fact] if fact else []


def _detail_item(grid: Grid, row: int, head: Cell) -> tuple[bool, str | None]:
    """(is the 合计 line, category) of a detail row; category None for blank lines."""
    cells = [c for c in row_cells(grid, row) if c.row == row and head.col <= c.col and c.last_col <= head.last_col]
    texts = [t for c in cells if (t := value_of(c)) is not None]
    if any(LABELS.match(t, L.SER_TOTAL) for t in texts):
        return True, None
    names = [_LEADING_SEQ.sub("", t) for t in texts if not _SEQ.match(compact(t))]
    return False, join_lines(names) or None


def _detail_amount(grid: Grid, row: int, measure: str, column: Cell, category: str | None,
                   ctx: Context) -> FundRec | None:
    cell = cell_in(grid, row, column)
    raw = value_of(cell)
    return _fund(measure, None, category, raw, cell, ctx) if cell is not None and raw else None


def _starts_other_table(grid: Grid, row: int) -> bool:
    others = (*L.SER_SCORE_NAME, *L.SER_FINDING_PROBLEM, *L.SER_FUND_HEADER)
    return any(LABELS.match(c.text, others) for c in row_cells(grid, row) if c.row == row)


# -------------------------------------------------------------- score table

SCORE_ROLES: dict[str, tuple[str, ...]] = {
    "level1": L.SER_SCORE_LEVEL1, "level2": L.SER_SCORE_LEVEL2, "name": L.SER_SCORE_NAME,
    "score": L.SER_SCORE_SCORE, "weight": L.SER_SCORE_WEIGHT, "note": L.SER_SCORE_NOTE,
}


@dataclass(slots=True)
class ScoreTable:
    """The score rows plus the printed total and grade cells."""

    scores: list[ScoreRec]
    total: Cell | None = None
    grade: Cell | None = None
    grade_label: str | None = None


def score_table(grids: list[Grid], ctx: Context) -> ScoreTable:
    found = find_header(grids, L.SER_SCORE_NAME)
    if found is None:
        return ScoreTable([])
    grid, head = found
    roles = header_roles(grid, head, SCORE_ROLES)
    table = ScoreTable([])
    for row in range(head.last_row + 1, grid.n_rows):
        if _total_row(grid, row, roles, table):
            continue
        name = cell_in(grid, row, roles["name"])
        if value_of(name) is not None:
            table.scores.append(_score_row(grid, row, roles, name, ctx))  # type: ignore[arg-type]
        elif table.scores:
            _continue_note(table.scores[-1], grid, row, roles)
    return table


def _total_row(grid: Grid, row: int, roles: dict[str, Cell], table: ScoreTable) -> bool:
    cells = [c for c in row_cells(grid, row) if c.row == row]
    if not any(LABELS.match(c.text, L.SER_TOTAL) for c in cells):
        return False
    table.total = cell_in(grid, row, roles["score"]) if "score" in roles else None
    for cell in cells:
        grade_label = LABELS.match(re.split(r"[:：]", compact(cell.text))[0], L.SER_GRADE)
        if grade_label:
            inline = re.search(r"[:：]\s*\S", cell.text)
            table.grade = cell if inline else right_of(grid, cell)
            table.grade_label = label_key(grade_label)
    return True


def _weighted(grid: Grid, row: int, roles: dict[str, Cell], role: str) -> tuple[str | None, float | None]:
    if role not in roles:
        return None, None
    text = value_of(grid.cell_at(row, roles[role].col))
    if text is None:
        return None, None
    name, weight = split_weight(text)
    return name or None, weight


def _number(cell: Cell | None) -> float | None:
    value = parse_number(value_of(cell))
    return None if value is None else float(value)


def _score_row(grid: Grid, row: int, roles: dict[str, Cell], name_cell: Cell, ctx: Context) -> ScoreRec:
    level1, level1_weight = _weighted(grid, row, roles, "level1")
    level2, level2_weight = _weighted(grid, row, roles, "level2")
    name, weight = split_weight(value_of(name_cell) or "")
    if "weight" in roles:
        weight = _number(cell_in(grid, row, roles["weight"])) or weight
    score = _number(cell_in(grid, row, roles["score"])) if "score" in roles else None
    note = value_of(cell_in(grid, row, roles["note"])) if "note" in roles else None
    return ScoreRec(project=ctx.project, level1=level1, level1_weight=level1_weight, level2=level2,
                    level2_weight=level2_weight, name=name, weight=weight, score=score, note=note,
                    **located(name_cell))


def _continue_note(rec: ScoreRec, grid: Grid, row: int, roles: dict[str, Cell]) -> None:
    """A row with no indicator name continues the previous row's note (a page break inside it)."""
    more = value_of(cell_in(grid, row, roles["note"])) if "note" in roles else None
    if more:
        rec.note = join_lines([rec.note or "", more])


# ----------------------------------------------------------------- findings

FINDING_ROLES: dict[str, tuple[str, ...]] = {
    "seq": L.SER_FINDING_SEQ, "problem": L.SER_FINDING_PROBLEM, "measure": L.SER_FINDING_MEASURE,
}


def finding_records(grids: list[Grid], ctx: Context) -> list[FindingRec]:
    """序号 / 主要问题及原因 / 改进计划或建议 rows; blank numbered rows are skipped."""
    found = find_header(grids, L.SER_FINDING_PROBLEM)
    if found is None:
        return []
    grid, head = found
    roles = header_roles(grid, head, FINDING_ROLES)
    out: list[FindingRec] = []
    for row in range(head.last_row + 1, grid.n_rows):
        texts = {role: value_of(cell_in(grid, row, cell)) for role, cell in roles.items()}
        if texts.get("problem") is None and texts.get("measure") is None:
            continue
        seq = re.match(r"\d+", compact(texts.get("seq")))
        where = cell_in(grid, row, roles.get("problem", head)) or head
        out.append(FindingRec(project=ctx.project, seq=int(seq.group()) if seq else None,
                              problem=texts.get("problem"), measure=texts.get("measure"), **located(where)))
    return out

"""财政支出（项目）绩效自评报告 (``self_eval_report``, seed 002).

One report: a cover page of ``标签：值`` lines (title, 项目名称, 县（区）,
填报人姓名, 联系电话, 填报日期), the 一、项目概况 form grid (项目名称,
资金安排年份, 项目主管部门, 联系人 ..., 项目实施主要内容), the fund table and
expense detail, the 二、自评得分 score table with 合计 and 自评等次, and
三、存在问题及改进意见 findings. The tables are read by
``extractors.self_eval_report_tables``; this module reads the cover and the
form and assembles the :class:`~schemas.records.ReportRec`.
"""

from __future__ import annotations

import logging
import re
import statistics
from dataclasses import dataclass, field

from extractors.find import TITLE_RATIO, colon_pairs, label_key, page_title, right_of
from extractors.ir import Cell, Document, Grid, TextLine
from extractors.self_eval_report_tables import (
    LABELS, Context, ScoreTable, detail_records, finding_records, fund_records, located, score_table, value_of,
)
from schemas import labels as L
from schemas.labels import title_type
from schemas.records import FactRec, ProjectRec, ReportRec
from schemas.text import clean, compact, join_lines, join_paragraphs
from schemas.values import parse_fact_value, parse_number
from schemas.vocab import REGION_SUFFIXES

log = logging.getLogger(__name__)

REPORT_TYPE = "self_eval_report"
_YEAR = re.compile(r"(?:19|20)\d{2}")
_BRACKETED = re.compile(r"^(?:[（(][^（()）]*[)）])+$")
_UNIT = re.compile(r"(?:{})[:：]\s*(\S*元)".format("|".join(L.SER_AMOUNT_UNIT)))
_REGION_IN_TITLE = re.compile(rf"^(\D{{2,12}}?(?:{'|'.join(REGION_SUFFIXES)}))(?=\d{{4}}年)")
FORM_LABELS: tuple[str, ...] = tuple(dict.fromkeys(
    (*L.SER_PROJECT_NAME, *L.SER_DEPARTMENT, *L.SER_UNIT, *L.SER_CONTENT, *L.SER_FORM_FACTS)))


@dataclass(slots=True)
class Pair:
    """One ``标签：值`` line of the cover (a value may wrap onto following lines)."""

    key: str
    value: str
    line: TextLine


@dataclass(slots=True)
class Form:
    """Label → (value text, value cell) of the 项目概况 form grid."""

    fields: dict[str, tuple[str, Cell]] = field(default_factory=dict)

    def get(self, labels: tuple[str, ...]) -> tuple[str, Cell] | None:
        return next((self.fields[label] for label in labels if label in self.fields), None)

    def text(self, labels: tuple[str, ...]) -> str | None:
        found = self.get(labels)
        return found[0] if found else None


# -------------------------------------------------------------------- cover

def report_title(doc: Document) -> str | None:
    """The first line announcing this layout, else the first page's large-font title."""
    first = clean(page_title(doc.pages[0])) if doc.pages else None
    if first and title_type(compact(first)) == REPORT_TYPE:
        return first
    found = next((clean(line.text) for line in doc.lines() if title_type(compact(line.text)) == REPORT_TYPE), None)
    return found or (first if first and not re.match(L.SER_SECTION_HEADING, compact(first)) else None)


def cover_lines(doc: Document) -> list[TextLine]:
    """Body-size text lines before the first table or numbered section heading (no title lines)."""
    lines: list[TextLine] = []
    for block in doc.blocks:
        if block.grid is not None or re.match(L.SER_SECTION_HEADING, compact(block.line.text)):
            break
        lines.append(block.line)
    body = statistics.median(line.size for line in lines) if lines else 0.0
    return [line for line in lines if not body or line.size < body * TITLE_RATIO]


def cover_pairs(lines: list[TextLine]) -> list[Pair]:
    """``标签：值`` pairs; a line without a colon continues the previous value."""
    pairs: list[Pair] = []
    keyed = {id(line): (key, value) for key, value, line in colon_pairs(lines)}
    for line in lines:
        if id(line) in keyed:
            key, value = keyed[id(line)]
            pairs.append(Pair(key, value, line))
        elif pairs and title_type(compact(line.text)) is None:
            pairs[-1].value = join_lines([pairs[-1].value, line.text])
    return [p for p in pairs if clean(p.value) and not _BRACKETED.match(compact(p.value))]


def cover_value(pairs: list[Pair], labels: tuple[str, ...]) -> str | None:
    return next((clean(p.value) for p in pairs if LABELS.match(p.key, labels)), None)


def cover_facts(pairs: list[Pair], ctx: Context) -> list[FactRec]:
    """Cover pairs that are not report fields (填报人姓名, 联系电话, 填报日期 ...)."""
    consumed = (*L.SER_COVER_PROJECT, *L.SER_REGION, *L.SER_DEPARTMENT, *L.SER_AMOUNT_UNIT)
    facts: list[FactRec] = []
    for pair in pairs:
        if LABELS.match(pair.key, consumed, fuzzy=False):
            continue
        value, number, unit = parse_fact_value(pair.value, pair.key)
        facts.append(FactRec(project=ctx.project, key=pair.key, value=value, value_num=number, unit=unit,
                             page=pair.line.page, bbox=pair.line.bbox, confidence=pair.line.confidence))
    return facts


def amount_unit(doc: Document) -> str | None:
    """The printed amount unit (``金额单位：万元``) from a text line or a table cell."""
    texts = [compact(line.text) for line in doc.lines()]
    texts += [compact(c.text) for g in doc.grids() for c in g.cells if "元" in c.text]
    return next((m.group(1) for t in texts if (m := _UNIT.search(t))), None)


# --------------------------------------------------------------------- form

def form_cells(doc: Document) -> list[tuple[Grid, Cell]]:
    """Grid cells above the score and findings tables (their notes are not form fields)."""
    others = (*L.SER_SCORE_NAME, *L.SER_FINDING_PROBLEM)
    out: list[tuple[Grid, Cell]] = []
    for grid in doc.grids():
        stop = min((c.row for c in grid.cells if LABELS.match(c.text, others, fuzzy=False)), default=grid.n_rows)
        out += [(grid, c) for c in grid.cells if c.row < stop]
    return out


def read_form(cells: list[tuple[Grid, Cell]]) -> Form:
    """First value right of each known form label."""
    form = Form()
    for grid, cell in cells:
        label = LABELS.match(cell.text, FORM_LABELS)
        if label is None or label in form.fields:
            continue
        value_cell = right_of(grid, cell)
        value = value_of(value_cell)
        if value_cell is not None and value is not None and not LABELS.match(value, FORM_LABELS):
            form.fields[label] = (_form_text(grid, cell, value_cell), value_cell)
    return form


def _form_text(grid: Grid, label: Cell, value: Cell) -> str:
    """The value, plus rows continuing it after a page break (blank label, same columns)."""
    parts = [value.text.strip()]
    for row in range(value.last_row + 1, grid.n_rows):
        left, more = grid.cell_at(row, label.col), grid.cell_at(row, value.col)
        if left is None or more is None or left.text.strip() or (more.col, more.colspan) != (value.col, value.colspan):
            break
        parts.append(more.text.strip())
    raw = "".join(parts)
    return raw if "\n" in raw or len(parts) > 1 else (value_of(value) or raw)


def form_facts(form: Form, ctx: Context) -> list[FactRec]:
    facts: list[FactRec] = []
    for label, (text, cell) in form.fields.items():
        if label in L.SER_FORM_FACTS:
            value, number, unit = parse_fact_value(text, label)
            facts.append(FactRec(project=ctx.project, key=label_key(label), value=value, value_num=number,
                                 unit=unit, **located(cell)))
    return facts


def fiscal_year(form: Form) -> int | None:
    text = form.text(L.SER_FISCAL_YEAR)
    match = _YEAR.search(compact(text)) if text else None
    return int(match.group()) if match else None


def region(pairs: list[Pair], title: str | None) -> str | None:
    found = cover_value(pairs, L.SER_REGION)
    if found:
        return found
    match = _REGION_IN_TITLE.match(compact(title))
    return match.group(1) if match else None


# ------------------------------------------------------------------ assembly

def _project(form: Form, name: str | None) -> list[ProjectRec]:
    found = form.get(L.SER_PROJECT_NAME)
    if name is None or found is None:
        return [ProjectRec(name=name)] if name else []
    content, unit = form.text(L.SER_CONTENT), form.text(L.SER_UNIT)
    return [ProjectRec(name=name, unit=clean(unit) if unit else None, content=_paragraphs(content),
                       **located(found[1]))]


def _paragraphs(text: str | None) -> str | None:
    """Text as printed, wrap whitespace removed, paragraph breaks kept."""
    return join_paragraphs([clean(p) or "" for p in text.split("\n")]) or None if text else None


def _grade(table: ScoreTable, doc: Document, ctx: Context) -> tuple[str | None, FactRec | None]:
    """The printed 自评等次 and its fact (from the score table, else a ``自评等次：`` line)."""
    text = value_of(table.grade)
    grade = clean(re.split(r"[:：]", text)[-1]) if text else None
    if table.grade is not None and grade:
        key = table.grade_label or label_key(L.SER_GRADE[0])
        return grade, FactRec(project=ctx.project, key=key, value=grade, **located(table.grade))
    for key, value, line in colon_pairs(doc.lines()):
        label = LABELS.match(key, L.SER_GRADE, fuzzy=False)
        if label and clean(value):
            return clean(value), FactRec(project=ctx.project, key=label_key(label), value=clean(value),
                                         page=line.page, bbox=line.bbox, confidence=line.confidence)
    return None, None


def _header(doc: Document, pairs: list[Pair], form: Form) -> ReportRec:
    """The report fields read from the cover and the form."""
    title = report_title(doc)
    name = form.text(L.SER_PROJECT_NAME) or cover_value(pairs, L.SER_COVER_PROJECT)
    department = form.text(L.SER_DEPARTMENT) or cover_value(pairs, L.SER_DEPARTMENT)
    unit = form.text(L.SER_UNIT)
    return ReportRec(report_type=REPORT_TYPE, title=title, region=region(pairs, title), fiscal_year=fiscal_year(form),
                     department=clean(department) if department else None, unit=clean(unit) if unit else None,
                     project_name=clean(name) if name else None, amount_unit=amount_unit(doc))


def extract_report(doc: Document) -> ReportRec:
    pairs = cover_pairs(cover_lines(doc))
    form = read_form(form_cells(doc))
    report = _header(doc, pairs, form)
    ctx = Context(project=report.project_name, amount_unit=report.amount_unit)
    grids = doc.grids()
    funds, rates = fund_records(grids, ctx)
    details, bases = detail_records(grids, ctx)
    scores = score_table(grids, ctx)
    report.grade, grade_fact = _grade(scores, doc, ctx)
    total = parse_number(value_of(scores.total))
    report.total_score = None if total is None else float(total)
    report.projects, report.funds, report.scores = _project(form, ctx.project), funds + details, scores.scores
    report.findings = finding_records(grids, ctx)
    report.facts = cover_facts(pairs, ctx) + form_facts(form, ctx) + rates + bases + ([grade_fact] if grade_fact else [])
    return report


class SelfEvalReportExtractor:
    """The registry's extractor for 财政支出（项目）绩效自评报告."""

    report_type = REPORT_TYPE

    def extract(self, doc: Document) -> ReportRec:
        return extract_report(doc)


EXTRACTOR = SelfEvalReportExtractor()

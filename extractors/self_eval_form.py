"""项目支出绩效自评（基础数据）表 (``self_eval_form``, seed 000).

One project on one form: ``填报单位`` and ``金额单位`` lines above a single
table (often continued over several pages, stitched into one grid) holding
the basic information, the fund table, project management, the overall
goal and its achievement, and the indicator grid. Values are found by their
labels (``schemas.labels``, ``SEF_*``); the two tables are read by
:mod:`extractors.self_eval_form_tables`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.find import page_title
from extractors.ir import Cell, Document, TextLine
from extractors.self_eval_form_tables import (
    LONGEST_LABEL, FormGrid, form_label, fund_records, indicator_records, indicator_total, rate_cells, unit_tail,
)
from extractors.targets_common import region_of
from schemas import labels as L
from schemas.labels import title_type
from schemas.records import FactRec, IndicatorRec, ProjectRec, ReportRec
from schemas.text import clean, compact, join_paragraphs
from schemas.values import CHECKED_MARKS, UNCHECKED_MARKS, checked_option, parse_fact_value, parse_number

log = logging.getLogger(__name__)

REPORT_TYPE = "self_eval_form"
_YEAR = re.compile(r"(?:19|20)\d{2}")
_PERIOD_LINE = re.compile(r"^[(（]?(?:19|20)\d{2}年度?[)）]?$")
_MARKS = CHECKED_MARKS | UNCHECKED_MARKS
_COLON = re.compile(r"[:：]")
_NO_VALUE = frozenset(compact(v) for v in L.SEF_EMPTY_VALUES)


# ---------------------------------------------------------------- text helpers

def paragraphs(text: str | None) -> str | None:
    """Cell text with line-wrap whitespace removed and paragraph breaks kept."""
    return join_paragraphs([clean(p) or "" for p in (text or "").split("\n")]) or None


def _compact_index(text: str) -> tuple[str, list[int]]:
    """NFKC text without whitespace, and the index in ``text`` of each of its chars."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isspace():
            folded = unicodedata.normalize("NFKC", ch)
            chars.extend(folded)
            where.extend([i] * len(folded))
    return "".join(chars), where


def _label_hits(key: str, groups: Sequence[Sequence[str]]) -> list[tuple[int, int, str]]:
    """(start, end, canonical label) of each ``label：`` in ``key``; overlaps keep the longest."""
    hits = [(m.start(), m.end(), group[0]) for group in groups for syn in group
            for m in re.finditer(re.escape(compact(syn)) + ":", key)]
    kept: list[tuple[int, int, str]] = []
    for hit in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


def line_fields(lines: Sequence[TextLine], groups: Sequence[Sequence[str]]) -> dict[str, tuple[str, TextLine]]:
    """``标签：值`` values of free text lines, several per line allowed, by canonical label."""
    found: dict[str, tuple[str, TextLine]] = {}
    for line in lines:
        key, where = _compact_index(line.text)
        hits = _label_hits(key, groups)
        for k, (_, end, label) in enumerate(hits):
            stop = where[hits[k + 1][0]] if k + 1 < len(hits) else len(line.text)
            value = clean(line.text[where[end - 1] + 1:stop]) if end <= len(where) else ""
            if value and label not in found:
                found[label] = (value, line)
    return found


# ---------------------------------------------------------------- form fields

@dataclass(frozen=True, slots=True)
class Field:
    """One labelled value of the form: its key, the cell it was read from, its text."""

    key: str
    cell: Cell
    text: str
    unit: str | None = None  # an amount unit written after the label


def value_cell(form: FormGrid, cell: Cell) -> Cell | None:
    """The value of a label cell: right of it, or below it when it heads a column."""
    grid = form.grid
    right = grid.cell_at(cell.row, cell.last_col + 1) if cell.last_col + 1 < grid.n_cols else None
    if right is not None and not form.is_label(right):
        return right
    down = grid.cell_at(cell.last_row + 1, cell.col) if cell.last_row + 1 < grid.n_rows else None
    return down if down is not None and not form.is_label(down) else None


def _field_at(form: FormGrid, cell: Cell, synonyms: Sequence[str]) -> Field | None:
    """The value of a label cell: ``标签：值`` in the cell itself, else the cell that follows."""
    parts = _COLON.split(cell.text or "", maxsplit=1)
    if len(parts) == 2 and compact(parts[1]) and len(compact(parts[0])) <= LONGEST_LABEL + 2:
        key = form_label(parts[0], synonyms)
        if key is not None:
            return Field(key, cell, parts[1])
    key = form.label(cell, synonyms)
    if key is not None:
        value = value_cell(form, cell)
        return Field(key, value, value.text, unit_tail(cell.text)) if value is not None else None
    return None


def form_fields(forms: Sequence[FormGrid], synonyms: Sequence[str]) -> list[Field]:
    """Every value labelled by one of ``synonyms`` in the grids, in reading order."""
    found = (_field_at(f, c, synonyms) for f in forms for c in f.grid.cells)
    return [f for f in found if f is not None]


def first_field(forms: Sequence[FormGrid], synonyms: Sequence[str]) -> Field | None:
    fields = [f for f in form_fields(forms, synonyms) if compact(f.text)]
    return fields[0] if fields else None


# ---------------------------------------------------------------- report fields

def form_title(doc: Document) -> str | None:
    """The page title announcing this layout, else the first line that does."""
    candidates = [page_title(doc.pages[0])] if doc.pages else []
    candidates += [line.text for line in doc.lines()]
    for text in candidates:
        if title_type(compact(text)) == REPORT_TYPE:
            return clean(text)
    return None


def amount_unit(doc: Document, forms: Sequence[FormGrid]) -> str | None:
    """``金额单位：万元`` above the table, else a unit written after a label in it."""
    printed = _header(doc, forms, L.SEF_AMOUNT_UNIT)
    if printed:
        return printed
    tails = (unit_tail(c.text) for f in forms for c in f.grid.cells)
    return next((t for t in tails if t), None)


def _header(doc: Document, forms: Sequence[FormGrid], synonyms: Sequence[str]) -> str | None:
    """A value written as ``标签：值`` above the table, or labelled inside it."""
    found = line_fields(doc.lines(), (synonyms,)).get(synonyms[0])
    if found is not None:
        return found[0]
    field = first_field(forms, synonyms)
    return clean(field.text) if field else None


def period_line(doc: Document) -> str | None:
    """A line that only names the year, as under a title: ``（2021年度）``."""
    return next((line.text for line in doc.lines() if _PERIOD_LINE.match(compact(line.text))), None)


def _year(text: str | None) -> int | None:
    match = _YEAR.search(compact(text))
    return int(match.group()) if match else None


def _value(field: Field | None) -> str | None:
    return clean(field.text) or None if field else None


def _number(field: Field | None) -> float | None:
    value = parse_number(field.text) if field else None
    return float(value) if value is not None else None


# ---------------------------------------------------------------- facts

def _option_spans(text: str, options: Sequence[str]) -> list[tuple[int, int, str]]:
    """Where each option is written in ``text`` (longest options claim their text first)."""
    spans: list[tuple[int, int, str]] = []
    for option in sorted(options, key=len, reverse=True):
        for m in re.finditer(re.escape(option), text):
            if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
                spans.append((m.start(), m.end(), option))
                break
    return sorted(spans)


def lost_mark_option(text: str, options: Sequence[str]) -> str | None:
    """The one option left without a box when every other option has an empty box.

    A scan can lose the check mark of the chosen option (``是部分实现□否□``)
    while the empty boxes of the others survive.
    """
    t = compact(text)
    marks_first = bool(t) and t[0] in _MARKS
    spans = _option_spans(t, options)
    open_options = [opt for start, end, opt in spans
                    if (t[start - 1:start] if marks_first else t[end:end + 1]) not in UNCHECKED_MARKS]
    return open_options[0] if len(spans) > 1 and len(open_options) == 1 else None


def fact_text(key: str, text: str) -> str | None:
    """A fact's printed value; for a check-box field, the option checked."""
    marked = any(ch in _MARKS for ch in text)
    if marked or compact(key).startswith("是否"):
        option = checked_option(text) or (lost_mark_option(text, L.SEF_CHOICES) if marked else None)
        if option is not None or marked:
            return option
    return None if compact(text) in _NO_VALUE else paragraphs(text)


def _fact(field: Field, project: str | None, unit: str | None) -> FactRec | None:
    text = fact_text(field.key, field.text)
    if not text:
        return None
    value, number, value_unit = parse_fact_value(text, field.key, field.unit or unit)
    cell = field.cell
    return FactRec(project=project, key=field.key, value=value, value_num=number,
                   unit=value_unit, page=cell.page, bbox=cell.bbox, confidence=cell.confidence)


def form_facts(forms: Sequence[FormGrid], project: str | None, amount_unit: str | None) -> list[FactRec]:
    """Every labelled value of the form that is not a report or project field."""
    facts: list[FactRec] = []
    for synonyms in L.SEF_FACT_LABELS:
        unit = amount_unit if synonyms is L.SEF_AMOUNT else None
        found = (_fact(f, project, unit) for f in form_fields(forms, synonyms))
        facts += [f for f in found if f is not None]
    return sorted(facts, key=lambda f: (f.page or 0, (f.bbox or (0, 0))[1], (f.bbox or (0, 0))[0]))


def rate_facts(forms: Sequence[FormGrid], project: str | None) -> list[FactRec]:
    """The fund tables' printed rates (执行率), as SCHEMA asks of printed rates."""
    found = (_fact(Field(key, cell, cell.text), project, None) for f in forms for key, cell in rate_cells(f))
    return [fact for fact in found if fact is not None]


def outside_indicator_rows(facts: list[FactRec], indicators: Sequence[IndicatorRec]) -> list[FactRec]:
    """The facts not read off an indicator row (an indicator named like a form label: 完成时间)."""
    rows = [(i.page, i.bbox[1], i.bbox[3]) for i in indicators if i.bbox is not None]

    def on_row(fact: FactRec) -> bool:
        middle = (fact.bbox[1] + fact.bbox[3]) / 2 if fact.bbox is not None else None
        return middle is not None and any(p == fact.page and top <= middle <= bottom for p, top, bottom in rows)

    return [f for f in facts if not on_row(f)]


# ---------------------------------------------------------------- project

def project_rec(forms: Sequence[FormGrid]) -> ProjectRec | None:
    name = first_field(forms, L.SEF_PROJECT_NAME)
    if name is None:
        return None
    unit = first_field(forms, L.SEF_UNIT) or first_field(forms, L.SEF_DEPARTMENT)
    content, goal = first_field(forms, L.SEF_CONTENT), first_field(forms, L.SEF_GOAL)
    return ProjectRec(name=clean(name.text) or "", unit=_value(unit),
                      content=paragraphs(content.text) if content else None,
                      goal=paragraphs(goal.text) if goal else None,
                      page=name.cell.page, bbox=name.cell.bbox, confidence=name.cell.confidence)


# ---------------------------------------------------------------- the extractor

def _base_report(doc: Document, forms: Sequence[FormGrid]) -> ReportRec:
    filler = _header(doc, forms, L.SEF_FILLER)
    department = _value(first_field(forms, L.SEF_DEPARTMENT)) or filler
    unit = _value(first_field(forms, L.SEF_UNIT))
    title = form_title(doc)
    names = (department, filler, unit, title)
    return ReportRec(
        report_type=REPORT_TYPE, title=title,
        region=region_of(*names),
        fiscal_year=_year(_value(first_field(forms, L.SEF_YEAR))) or _year(title) or _year(period_line(doc)),
        department=department,
        unit=unit if unit and compact(unit) != compact(department) else None,
        project_name=_value(first_field(forms, L.SEF_PROJECT_NAME)),
        amount_unit=amount_unit(doc, forms),
        total_score=_number(first_field(forms, L.SEF_SCORE)) or indicator_total(forms),
        grade=_value(first_field(forms, L.SEF_GRADE)),
    )


def extract_form(doc: Document) -> ReportRec:
    """All records of one 自评基础数据表."""
    forms = [FormGrid.of(g) for g in doc.grids()]
    report = _base_report(doc, forms)
    project = project_rec(forms)
    name = project.name if project else report.project_name
    report.projects = [project] if project else []
    for form in forms:
        report.funds += fund_records(form, name, report.amount_unit)
    report.indicators = indicator_records(forms, name)
    facts = form_facts(forms, name, report.amount_unit) + rate_facts(forms, name)
    report.facts = outside_indicator_rows(facts, report.indicators)
    log.debug("self_eval_form: %d funds, %d indicators, %d facts",
              len(report.funds), len(report.indicators), len(report.facts))
    return report


class SelfEvalFormExtractor:
    """The ``self_eval_form`` layout behind the registry interface."""

    report_type = REPORT_TYPE

    def extract(self, doc: Document) -> ReportRec:
        return extract_form(doc)


EXTRACTOR = SelfEvalFormExtractor()

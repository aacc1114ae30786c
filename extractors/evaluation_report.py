"""绩效评价报告 (部门评价 / 第三方评价, seed 004): a narrative report with tables.

Report fields come from the cover's ``标签：值`` lines (项目名称, 主管部门 ...),
the title and the prose (综合得分 / 绩效评价等级, 评价期限); the tables
(``extractors.evaluation_tables``) give indicators, scores and the score
summary; the narrative (``extractors.evaluation_text``) gives the project's
content and goal, amounts and rates stated in the prose, and findings from
the 存在的问题 and 建议 sections paired by their order.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import zip_longest

from extractors.evaluation_tables import (
    grid_indicators, grid_scores, is_score_table, is_summary, is_target_table, join_continuations,
    read_header, summary_facts, total_score,
)
from extractors.evaluation_cover import Pair, cover_field, cover_pairs, name_from_title, report_title
from extractors.evaluation_text import (
    Para, find_heading, focus_heading, is_caption, items, narrative_lines, paragraphs, section_body,
)
from extractors.ir import Document, TextLine
from extractors.targets_common import region_of
from schemas.labels import (
    EVAL_CONTENT_HEADINGS, EVAL_COVER_FIELDS, EVAL_FUND_PHRASES, EVAL_GOAL_HEADINGS, EVAL_GRADE_LABELS,
    EVAL_GRADES, EVAL_ITEM_MARKER, EVAL_MEASURE_HEADINGS, EVAL_OBJECT, EVAL_PROBLEM_HEADINGS,
    EVAL_PROSE_FACTS, EVAL_RATE_FACTS, EVAL_RATE_VERBS, EVAL_TOTAL_SCORE, EVAL_YEAR_FACTS,
)
from schemas.records import FactRec, FindingRec, FundRec, IndicatorRec, ProjectRec, ReportRec, ScoreRec
from schemas.text import clean, compact, join_paragraphs, normalize
from schemas.values import NUM, parse_amount_wan, parse_fact_value
from schemas.vocab import canonical_measure

log = logging.getLogger(__name__)

REPORT_TYPE = "evaluation_report"
_SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_QUOTES = "\"'“”‘’「」『』"
_YEAR = re.compile(r"((?:19|20)\d{2})年")


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_FUND = re.compile(rf"({_alternation(EVAL_FUND_PHRASES)})(?:为|是|:|：|共|达)?({NUM})(亿元|万元|元)")
_RATE = re.compile(rf"({_alternation(EVAL_RATE_FACTS)})(?:{_alternation(EVAL_RATE_VERBS)})({NUM}%)")
# One pattern per label, in priority order ('综合得分' before a bare '总分', which may name the scale).
_TOTALS = tuple(re.compile(rf"({re.escape(label)})(?:为|是|:|：|达到?)?({NUM})[{_SUPERSCRIPTS}]*分")
                for label in EVAL_TOTAL_SCORE)
_DEPARTMENT = re.compile(rf"({_alternation(EVAL_COVER_FIELDS['department'])})(?:为|是|:|：)([^，,。；;：:（(]{{2,40}})")
_GRADE = re.compile(
    rf"({_alternation(EVAL_GRADE_LABELS)})(?:评定为|为|是|:|：)[{_QUOTES}]?({_alternation(tuple(EVAL_GRADES))})(?![、，,/])"
)
_PROSE_FACT = re.compile(rf"^(?:{EVAL_ITEM_MARKER})?({_alternation(EVAL_PROSE_FACTS + EVAL_OBJECT)})[:：](.+)$")


@dataclass(frozen=True, slots=True)
class Found:
    """A value read from one line of text."""

    value: str
    line: TextLine
    key: str = ""


@dataclass(slots=True)
class Narrative:
    """What the extractor reads the prose from."""

    cover: list[Pair]
    paras: list[Para]
    table_total: Decimal | None = None  # the 合计 score of the score table

    @property
    def body(self) -> list[Para]:
        return [p for p in self.paras if p.level is None]


class EvaluationReportExtractor:
    report_type = REPORT_TYPE

    def extract(self, doc: Document) -> ReportRec:
        story = Narrative(cover=cover_pairs(doc), paras=paragraphs(narrative_lines(doc)))
        report = ReportRec(report_type=REPORT_TYPE, title=report_title(doc))
        fill_cover_fields(report, story)
        project = report.project_name
        story.table_total = read_tables(report, doc, project)
        report.funds, report.amount_unit = prose_funds(story, project)
        report.facts = cover_facts(story, project) + prose_facts(story, project) + report.facts
        report.findings = findings(story.paras, project)
        report.projects = [project_rec(story, report)] if project else []
        report.total_score, report.grade = prose_result(story)
        report.fiscal_year = fiscal_year(report)
        report.region = region_of(report.department, report.title)
        return report


EXTRACTOR = EvaluationReportExtractor()


# ---------------------------------------------------------------- cover


def fill_cover_fields(report: ReportRec, story: Narrative) -> None:
    for pair in story.cover:
        field = cover_field(pair.key)
        if field and pair.value and getattr(report, field) is None:
            setattr(report, field, clean(pair.value))
    if report.project_name is None:
        report.project_name = object_name(story) or name_from_title(report.title)
    if report.department is None:
        report.department = prose_department(story)


def prose_department(story: Narrative) -> str | None:
    """``本项目主管部门为X，…`` when the cover names none."""
    for match, _ in _search(story.body, _DEPARTMENT):
        return match.group(2)
    return None


def object_name(story: Narrative) -> str | None:
    """The 评价对象 stated in the prose, without a trailing 项目."""
    for para in story.body:
        match = _PROSE_FACT.match(compact(para.text))
        if match and match.group(1) in {compact(o) for o in EVAL_OBJECT}:
            return clean(match.group(2)) or None
    return None


def cover_facts(story: Narrative, project: str | None) -> list[FactRec]:
    """Cover pairs that are not report fields (项目负责人, 联系电话 ...)."""
    return [_fact(project, p.key, p.value, p) for p in story.cover if cover_field(p.key) is None and p.value.strip()]


def _fact(project: str | None, key: str, value: str, where: TextLine | Pair, unit: str | None = None) -> FactRec:
    text, number, unit = parse_fact_value(value, key, unit)
    return FactRec(project=project, key=compact(key), value=text, value_num=number, unit=unit,
                   page=where.page, bbox=where.bbox, confidence=where.confidence)


# ---------------------------------------------------------------- tables


def read_tables(report: ReportRec, doc: Document, project: str | None) -> Decimal | None:
    """Indicators, scores and summary facts from every grid; the score table's total."""
    indicators: list[IndicatorRec] = []
    scores: list[ScoreRec] = []
    totals: list[Decimal] = []
    for grid in join_continuations(doc.grids()):
        header = read_header(grid)
        if header is not None and is_score_table(header):
            scores += grid_scores(grid, header, project)
            totals += [t for t in [total_score(grid, header)] if t is not None]
        elif header is not None and is_target_table(header):
            indicators += grid_indicators(grid, header, project)
        elif header is None and is_summary(grid):
            report.facts += summary_facts(grid, project)
    report.indicators, report.scores = indicators, scores
    return totals[0] if totals else None


# ---------------------------------------------------------------- prose


def _search(paras: list[Para], pattern: re.Pattern[str]) -> list[tuple[re.Match[str], Para]]:
    """Every match of ``pattern`` in the body paragraphs, in reading order."""
    return [(m, p) for p in paras for m in pattern.finditer(normalize(p.text) or "")]


def prose_funds(story: Narrative, project: str | None) -> tuple[list[FundRec], str | None]:
    """The first amount stated for each measure (``实际执行金额1256.72万元``) and its unit."""
    funds: dict[str, FundRec] = {}
    units: list[str] = []
    for match, para in _search(story.body, _FUND):
        measure = canonical_measure(match.group(1))
        if measure is None or measure in funds:
            continue
        line = para.line_at(match.start())
        funds[measure] = FundRec(
            project=project, measure=measure, amount_wan=parse_amount_wan(match.group(2), match.group(3)),
            raw=match.group(2), page=line.page, bbox=line.bbox, confidence=line.confidence)
        units.append(match.group(3))
    return list(funds.values()), (units[0] if units else None)


def prose_facts(story: Narrative, project: str | None) -> list[FactRec]:
    """Labelled values of the prose: 评价期限, stated rates, the total score and grade."""
    return _labelled_facts(story, project) + _rate_facts(story, project) + _result_facts(story, project)


def _labelled_facts(story: Narrative, project: str | None) -> list[FactRec]:
    keys = {compact(k) for k in EVAL_PROSE_FACTS}
    out: dict[str, FactRec] = {}
    for para in story.body:
        match = _PROSE_FACT.match(compact(para.text))
        if match and match.group(1) in keys and match.group(1) not in out:
            out[match.group(1)] = _fact(project, match.group(1), clean(match.group(2)) or "", para.lines[0])
    return list(out.values())


def _rate_facts(story: Narrative, project: str | None) -> list[FactRec]:
    out: dict[str, FactRec] = {}
    for match, para in _search(story.body, _RATE):
        if match.group(1) not in out:
            out[match.group(1)] = _fact(project, match.group(1), match.group(2), para.line_at(match.start()))
    return list(out.values())


def _first(story: Narrative, pattern: re.Pattern[str], near: TextLine | None = None) -> Found | None:
    """The first match, looking first in the paragraph holding line ``near``."""
    paras = story.body
    if near is not None:
        paras = sorted(paras, key=lambda p: not any(line is near for line in p.lines))
    for match, para in _search(paras, pattern):
        return Found(value=match.group(2), line=para.line_at(match.start()), key=match.group(1))
    return None


def _grade(story: Narrative, total: Found | None) -> Found | None:
    """The grade stated with the total score, else the first one stated (not a list of grades)."""
    return _first(story, _GRADE, total.line if total is not None else None)


def _total(story: Narrative) -> Found | None:
    """The total score stated in the prose (by label priority), else the score table's.

    A footnote mark read as a digit (``91.97¹分`` OCR'd as ``91.971分``) is
    dropped when the table's total is the prose number without its last digits.
    """
    found = next((f for pattern in _TOTALS if (f := _first(story, pattern)) is not None), None)
    table = format(story.table_total, "f") if story.table_total is not None else None
    if found is not None and table and found.value != table and found.value.startswith(table) and "." in table:
        return Found(value=table, line=found.line, key=found.key)
    return found


def _result_facts(story: Narrative, project: str | None) -> list[FactRec]:
    """综合得分 (unit 分) and 绩效评价等级 as stated in the prose."""
    out: list[FactRec] = []
    total = _total(story)
    grade = _grade(story, total)
    if total is not None:
        out.append(_fact(project, total.key, total.value, total.line, "分"))
    if grade is not None:
        out.append(_fact(project, grade.key, grade.value, grade.line))
    return out


def prose_result(story: Narrative) -> tuple[float | None, str | None]:
    """(total score, grade) stated in the prose."""
    total = _total(story)
    grade = _grade(story, total)
    score = total.value if total else story.table_total
    return (float(Decimal(str(score).replace(",", ""))) if score is not None else None,
            EVAL_GRADES.get(grade.value) if grade else None)


# ---------------------------------------------------------------- findings, project


def _heading_pair(paras: list[Para]) -> tuple[int | None, int | None]:
    """Indexes of the problems and the measures headings (sub-headings of a joint section)."""
    top = find_heading(paras, EVAL_PROBLEM_HEADINGS)
    problems = focus_heading(paras, top, EVAL_PROBLEM_HEADINGS) if top is not None else None
    found = find_heading(paras, EVAL_MEASURE_HEADINGS, top or 0)
    measures = focus_heading(paras, found, EVAL_MEASURE_HEADINGS) if found is not None else None
    return problems, (None if measures == problems else measures)


def _item_texts(paras: list[Para], index: int | None) -> list[tuple[str, Para]]:
    if index is None:
        return []
    groups = items([p for p in section_body(paras, index) if not is_caption(p)])
    return [(join_paragraphs([p.text for p in g]), g[0]) for g in groups if g]


def findings(paras: list[Para], project: str | None) -> list[FindingRec]:
    """Problems and measures paired by their order (``一是…`` with ``一是…``)."""
    p_index, m_index = _heading_pair(paras)
    problems, measures = _item_texts(paras, p_index), _item_texts(paras, m_index)
    out: list[FindingRec] = []
    for seq, (problem, measure) in enumerate(zip_longest(problems, measures), start=1):
        where = (problem or measure)[1]
        out.append(FindingRec(project=project, seq=seq, problem=problem[0] if problem else None,
                              measure=measure[0] if measure else None,
                              page=where.page, bbox=where.bbox, confidence=where.confidence))
    return out


def _leaf_section(paras: list[Para], patterns: tuple[str, ...]) -> str | None:
    """Body text under the first heading matching a pattern (in priority order) without sub-headings."""
    fallback = None
    for pattern in patterns:
        start = 0
        while (index := find_heading(paras, [pattern], start)) is not None:
            body = section_body(paras, index)
            text = join_paragraphs([p.text for p in body if p.level is None and not is_caption(p)]) or None
            if text and not any(p.level is not None for p in body):
                return text
            fallback, start = fallback or text, index + 1
    return fallback


def project_rec(story: Narrative, report: ReportRec) -> ProjectRec:
    where = next((p for p in story.cover if cover_field(p.key) == "project_name"), None)
    return ProjectRec(name=report.project_name or "", unit=report.unit,
                      content=_leaf_section(story.paras, EVAL_CONTENT_HEADINGS),
                      goal=_leaf_section(story.paras, EVAL_GOAL_HEADINGS),
                      page=where.page if where else None, bbox=where.bbox if where else None)


# ---------------------------------------------------------------- year


def fiscal_year(report: ReportRec) -> int | None:
    """The evaluated year: from 评价年度 / 评价期限, else the title's leading year."""
    keys = {compact(k) for k in EVAL_YEAR_FACTS}
    texts = [f.value or "" for f in report.facts if f.key in keys] + [compact(report.title)]
    for text in texts:
        match = _YEAR.search(text)
        if match:
            return int(match.group(1))
    return None

"""Consistency rules over fund tables: balances, rates, detail totals, project totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from pipeline.check_rules import (
    CheckFinding, amount_tolerance, dec, finding, group_facts, num, numeric_facts, percent,
    printed_decimals, project_key, rate_agrees, round_to, sum_text, total,
)
from schemas.check_terms import (
    ALT_DENOMINATORS, DEFAULT_PROJECT_NOUN, GROUP_RATE_SUFFIX, GROUP_SCORE_SUFFIX,
    GROUP_WEIGHT_SUFFIXES, PROJECT_NOUNS,
)
from schemas.records import FactRec, FundRec, ReportRec
from schemas.text import compact
from schemas.vocab import RATE_LABELS, rate_ratio as rate_names

TOTAL_SOURCE = "合计"
FUND_RATE_NUMERATORS = frozenset(n for n, _ in RATE_LABELS.values()) - {"得分"}


def _amounts(rows: Sequence[FundRec]) -> list[Decimal]:
    return [r.amount_wan for r in rows if r.amount_wan is not None]


def _differs(found: Decimal, printed: Decimal, *others: Decimal) -> bool:
    """More than half a unit of the least precise printed fraction apart."""
    return abs(found - printed) > amount_tolerance([found, printed, *others])


def _totals_rows(rec: ReportRec) -> list[FundRec]:
    return [f for f in rec.funds if f.category is None and f.amount_wan is not None]


# --------------------------------------------------------------------------
# 资金结余 = 实际到位 − 实际支出


def fund_balance(rec: ReportRec) -> list[CheckFinding]:
    """The printed balance equals the funds received minus the funds spent."""
    cells: dict[tuple[str, str | None, str | None], dict[str, FundRec]] = {}
    for row in _totals_rows(rec):
        key = (project_key(row.project), row.source, row.level)
        cells.setdefault(key, {}).setdefault(row.measure, row)
    out = []
    for measures in cells.values():
        if {"资金结余", "实际到位", "实际支出"} <= measures.keys():
            out += _balance(measures["实际到位"], measures["实际支出"], measures["资金结余"])
    return out


def _balance(got: FundRec, spent: FundRec, left: FundRec) -> list[CheckFinding]:
    expected = got.amount_wan - spent.amount_wan  # type: ignore[operator]
    if not _differs(expected, left.amount_wan, got.amount_wan, spent.amount_wan):  # type: ignore[arg-type]
        return []
    where = f"（{left.source}）" if left.source else ""
    message = (f"资金结余{where}印为 {num(left.amount_wan)}，而实际到位 {num(got.amount_wan)} − "
               f"实际支出 {num(spent.amount_wan)} = {num(expected)}")
    return [finding("fund_balance", message, expected=expected, actual=left.amount_wan,
                    page=left.page, project=left.project)]


# --------------------------------------------------------------------------
# Printed rates


def rate_ratio(rec: ReportRec) -> list[CheckFinding]:
    """Every printed rate equals the ratio it names, to the printed decimals."""
    out: list[CheckFinding] = []
    for fact in numeric_facts(rec):
        names = rate_names(fact.key)
        if names is not None and names[0] in FUND_RATE_NUMERATORS:
            out += _fund_rate(rec, fact, names)
    out += _group_rates(rec)
    return out


def _fund_cells(rec: ReportRec, project: str | None) -> list[dict[str, Decimal]]:
    """Measure → amount per (source, level) of a project's fund table, 合计 first."""
    cells: dict[tuple[str | None, str | None], dict[str, Decimal]] = {}
    rows = [r for r in _totals_rows(rec) if project_key(r.project) == project_key(project)]
    for row in sorted(rows, key=lambda r: r.source not in (None, TOTAL_SOURCE)):
        cells.setdefault((row.source, row.level), {}).setdefault(row.measure, row.amount_wan)  # type: ignore[arg-type]
    return list(cells.values())


def _ratios(cells: list[dict[str, Decimal]], names: tuple[str, str]) -> list[tuple[str, Decimal, Decimal]]:
    numerator, denominator = names
    out = []
    for cell in cells:
        for den in (denominator, *ALT_DENOMINATORS.get(denominator, ())):
            if numerator in cell and cell.get(den):
                out.append((den, cell[numerator], cell[den]))
    return out


def _fund_rate(rec: ReportRec, fact: FactRec, names: tuple[str, str]) -> list[CheckFinding]:
    printed = dec(fact.value_num)
    places = printed_decimals(fact.value, printed)  # type: ignore[arg-type]
    pairs = _ratios(_fund_cells(rec, fact.project), names)
    funded = {project_key(f.project) for f in rec.funds}
    if not pairs and fact.project is None and len(funded) == 1:
        pairs = _ratios(_fund_cells(rec, next(f.project for f in rec.funds)), names)
    if not pairs or any(rate_agrees(printed, percent(n, d), places) for _, n, d in pairs):  # type: ignore[arg-type]
        return []
    den_name, n, d = pairs[0]
    ratio = round_to(percent(n, d), places)
    message = (f"{compact(fact.key)}印为 {num(printed)}%，而{names[0]} / {den_name} = "
               f"{num(n)} / {num(d)} = {num(ratio)}%")
    return [finding("rate_ratio", message, expected=ratio, actual=printed, page=fact.page,
                    project=fact.project)]


def _group_rates(rec: ReportRec) -> list[CheckFinding]:
    """``<group>得分率`` = ``<group>得分`` / ``<group>权重``."""
    out = []
    for fact in numeric_facts(rec):
        key = compact(fact.key)
        if key.endswith(GROUP_RATE_SUFFIX) and key != GROUP_RATE_SUFFIX:
            out += _group_rate(rec, fact, key[: -len(GROUP_RATE_SUFFIX)])
    return out


def _group_rate(rec: ReportRec, fact: FactRec, label: str) -> list[CheckFinding]:
    score = _group_value(rec, fact.project, label, (GROUP_SCORE_SUFFIX,))
    weight = _group_value(rec, fact.project, label, GROUP_WEIGHT_SUFFIXES)
    printed = dec(fact.value_num)
    if score is None or not weight or printed is None:
        return []
    places = printed_decimals(fact.value, printed)
    ratio = percent(score, weight)
    if rate_agrees(printed, ratio, places):
        return []
    message = (f"「{label}」得分率印为 {num(printed)}%，而得分 / 权重 = {num(score)} / {num(weight)}"
               f" = {num(round_to(ratio, places))}%")
    return [finding("rate_ratio", message, expected=round_to(ratio, places), actual=printed,
                    page=fact.page, project=fact.project)]


def _group_value(rec: ReportRec, project: str | None, label: str, suffixes: tuple[str, ...]) -> Decimal | None:
    for name, fact in group_facts(rec, project, suffixes):
        if name == label:
            return dec(fact.value_num)
    return None


# --------------------------------------------------------------------------
# Detail lines add up to their 合计


def detail_total(rec: ReportRec) -> list[CheckFinding]:
    """Detail lines (a category) add up to the 合计 row of the same measure and column."""
    cells: dict[tuple[str, str | None, str | None, str], tuple[list[FundRec], list[FundRec]]] = {}
    for row in rec.funds:
        if row.amount_wan is None:
            continue
        key = (project_key(row.project), row.source, row.level, row.measure)
        details, totals = cells.setdefault(key, ([], []))
        (totals if row.category is None else details).append(row)
    out = []
    for (_, source, level, measure), (details, totals) in cells.items():
        if details and totals:
            out += _detail_cell(measure, source or level, details, totals)
    return out


def _detail_cell(measure: str, column: str | None, details: list[FundRec],
                 totals: list[FundRec]) -> list[CheckFinding]:
    values = _amounts(details)
    found = total(values)
    printed = [t.amount_wan for t in totals]
    if any(not _differs(found, p, *values) for p in printed):  # type: ignore[arg-type]
        return []
    first = totals[0]
    where = f"（{column}）" if column else ""
    message = (f"支出明细「{measure}」{where}各明细行 {sum_text(values)}，与合计行 {num(first.amount_wan)} 不符"
               f"（差 {num(found - first.amount_wan)}）")  # type: ignore[operator]
    return [finding("detail_total", message, expected=first.amount_wan, actual=found,
                    page=first.page, project=first.project)]


# --------------------------------------------------------------------------
# Project amounts add up to the unit and report totals


def project_total(rec: ReportRec) -> list[CheckFinding]:
    """Projects add up to the report's total, to each unit's total and to each expense type."""
    out = []
    keys = {(r.measure, r.source) for r in _totals_rows(rec) if r.project is not None and r.level is None}
    for measure, source in sorted(keys, key=lambda k: (k[0], k[1] or "")):
        out += _project_total(rec, measure, source)
    return out


def _project_rows(rec: ReportRec, measure: str, source: str | None) -> list[FundRec]:
    first: dict[str, FundRec] = {}
    for row in _totals_rows(rec):
        if row.project is not None and row.level is None and (row.measure, row.source) == (measure, source):
            first.setdefault(project_key(row.project), row)
    return list(first.values())


def _dept_rows(rec: ReportRec, measure: str) -> list[FundRec]:
    return [r for r in rec.funds if r.project is None and r.measure == measure and r.amount_wan is not None]


def _report_totals(dept: list[FundRec], source: str | None) -> tuple[list[Decimal], str]:
    """Printed totals (report, then units) for ``source``; else the sum of one split."""
    plain = [r.amount_wan for r in dept if r.category is None and r.level is None and r.source == source]
    if plain or source not in (None, TOTAL_SOURCE):
        return plain, "合计"  # type: ignore[return-value]
    splits = (
        ([r for r in dept if r.category is None and r.level is None and r.source not in (None, TOTAL_SOURCE)],
         "各资金来源之和"),
        ([r for r in dept if r.category is None and r.level is not None], "各预算级次之和"),
        ([r for r in dept if r.category is not None and r.level is None], "各支出类型之和"),
    )
    for rows, label in splits:
        if rows:
            return [total(_amounts(rows))], label
    return [], ""


def _project_total(rec: ReportRec, measure: str, source: str | None) -> list[CheckFinding]:
    projects = _project_rows(rec, measure, source)
    dept = _dept_rows(rec, measure)
    totals, label = _report_totals(dept, source)
    if not projects or not totals:
        return []
    noun = PROJECT_NOUNS.get(rec.report_type, DEFAULT_PROJECT_NOUN)
    found, grand = total(_amounts(projects)), max(totals)
    parts = []
    if _differs(found, grand, *_amounts(projects)):
        parts.append(f"{noun}{measure}合计 {num(found)}，与报告总额（{label}）{num(grand)} 不符"
                     f"（差 {num(grand - found)}）")
    unit_totals = list(totals)
    unit_totals.remove(grand)
    parts += _unit_parts(rec, projects, unit_totals) + _category_parts(noun, projects, dept, source)
    column = f"（{source}）" if source else ""
    return [finding("project_total", column + "；".join(parts), expected=grand, actual=found,
                    page=projects[0].page)] if parts else []


def _unit_parts(rec: ReportRec, projects: list[FundRec], unit_totals: list[Decimal]) -> list[str]:
    """Each unit's printed total (in order) against the sum of that unit's projects."""
    units = {project_key(p.name): p.unit for p in rec.projects}
    sums: dict[str, list[Decimal]] = {}
    for row in projects:
        unit = units.get(project_key(row.project))
        if unit:
            sums.setdefault(unit, []).append(row.amount_wan)  # type: ignore[arg-type]
    if not unit_totals or len(sums) != len(unit_totals):
        return []
    parts = []
    for (unit, values), printed in zip(sums.items(), unit_totals):
        if _differs(total(values), printed, *values):
            parts.append(f"单位「{unit}」各项目合计 {num(total(values))}，与单位合计 {num(printed)} 不符"
                         f"（差 {num(printed - total(values))}）")
    return parts


def _category_parts(noun: str, projects: list[FundRec], dept: list[FundRec], source: str | None) -> list[str]:
    """Projects named after an expense type (基本支出…) against that type; the rest against the other."""
    cats = [r for r in dept if r.category is not None and r.level is None and r.source in (None, source)]
    if len(cats) < 2:
        return []
    named = {c.category: [p for p in projects if compact(p.project).startswith(compact(c.category))]
             for c in cats}
    unnamed = [c for c in cats if not named[c.category]]
    if len(unnamed) != 1 or len(unnamed) == len(cats):
        return []
    parts = []
    claimed = {id(p) for rows in named.values() for p in rows}
    named[unnamed[0].category] = [p for p in projects if id(p) not in claimed]
    for cat in cats:
        values = _amounts(named[cat.category])
        if _differs(total(values), cat.amount_wan, *values):  # type: ignore[arg-type]
            parts.append(f"其中归入「{cat.category}」的{noun}合计 {num(total(values))}，与「{cat.category}」"
                         f"{num(cat.amount_wan)} 不符（差 {num(cat.amount_wan - total(values))}）")  # type: ignore[operator]
    return parts

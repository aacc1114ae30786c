"""Tests for the consistency rules (pure functions) and run_checks (stored rows, samples)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.check_funds import detail_total, fund_balance, project_total, rate_ratio
from pipeline.check_narrative import indicator_shortfall, narrative_table, statements
from pipeline.check_rules import (
    grade_band, rate_agrees, score_tables, score_total, table_agreement, weight_total,
)
from pipeline.checks import RULES, run_checks
from pipeline.store import store_document
from schemas.db import Check, Report
from schemas.records import FactRec, FundRec, IndicatorRec, ProjectRec, ReportRec, ScoreRec
from tests.pipeline.dbdata import BACKENDS, meta, new_engine
from tests import shared

P = "雪亮工程"
D = Decimal


def report(**kw: object) -> ReportRec:
    values: dict[str, object] = {"report_type": "self_eval_report", "title": "自评报告"}
    values.update(kw)
    return ReportRec(**values)  # type: ignore[arg-type]


def row(name: str, weight: float | None, score: float | None, level1: str = "绩效目标",
        level2: str = "前期工作", l1w: float | None = None, l2w: float | None = None,
        page: int = 5, **kw: object) -> ScoreRec:
    return ScoreRec(project=P, level1=level1, level1_weight=l1w, level2=level2, level2_weight=l2w,
                    name=name, weight=weight, score=score, page=page, **kw)  # type: ignore[arg-type]


def fund(measure: str, amount: str, source: str | None = "合计", category: str | None = None,
         project: str | None = P, level: str | None = None, page: int = 2) -> FundRec:
    return FundRec(project=project, measure=measure, source=source, category=category, level=level,
                   amount_wan=D(amount), raw=amount, page=page)


def fact(key: str, value: str, num: str | None = None, project: str | None = P, page: int = 3) -> FactRec:
    return FactRec(project=project, key=key, value=value, value_num=None if num is None else D(num),
                   page=page)


def messages(findings: list) -> list[str]:
    return [f.message for f in findings]


# --------------------------------------------------------------------------
# score_total, weight_total, grade_band, table_agreement

SCORES_97 = [row("项目论证", 20, 20, "绩效目标"), row("资金到位", 30, 30, "过程"),
             row("数量", 20, 20, "产出"), row("效益", 24, 22, "效益"), row("满意度", 6, 5, "满意度")]


def test_score_total_fires_when_rows_do_not_add_up_to_the_printed_total() -> None:
    found = score_total(report(total_score=98.0, scores=SCORES_97))
    assert [(f.rule, f.severity, f.expected, f.actual, f.page, f.project) for f in found] == [
        ("score_total", "error", "98", "97", 1, P)]
    assert messages(found) == ["评分表得分各行相加为 97，而合计（总分）印为 98（差 1）"]


def test_score_total_silent_when_rows_add_up() -> None:
    assert score_total(report(total_score=97.0, scores=SCORES_97)) == []
    assert score_total(report(total_score=None, scores=SCORES_97)) == []


def test_score_total_compares_printed_group_scores() -> None:
    rows = [row("立项", 5, 5, "项目决策"), row("目标", 15, 15, "项目决策"), row("到位", 20, 19.97, "项目过程")]
    rec = report(scores=rows, facts=[fact("决策类得分", "19.97", "19.97"), fact("过程类得分", "19.97", "19.97")])
    assert messages(score_total(rec)) == ["「决策类」得分：评分表「项目决策」各行相加为 20，汇总印为 19.97"]


def test_score_tables_split_a_repeated_table() -> None:
    rows = [row("a", 1, 1, "决策"), row("b", 1, 1, "过程"), row("a", 1, 1, "决策"), row("b", 1, 1, "过程"),
            row("c", 1, 1, "过程")]
    tables = score_tables(rows)
    assert [[r.name for r in t] for _, t in tables] == [["a", "b"], ["a", "b", "c"]]
    back_to_old_level1 = [row("a", 1, 1, "决策"), row("b", 1, 1, "过程"), row("c", 1, 1, "决策")]
    assert [[r.name for r in t] for _, t in score_tables(back_to_old_level1)] == [["a", "b"], ["c"]]


GOOD_WEIGHTS = [row("论证", 1, 1, "绩效目标", "前期工作", 20, 5), row("程序", 4, 4, "绩效目标", "前期工作", 20, 5),
                row("完整性", 15, 15, "绩效目标", "目标设置", 20, 15),
                row("到位", 80, 80, "实施过程", "资金管理", 80, 80)]


def test_weight_total_silent_on_consistent_weights() -> None:
    assert weight_total(report(total_score=100.0, scores=GOOD_WEIGHTS)) == []


def test_weight_total_fires_on_a_level2_group_and_the_100_total() -> None:
    rows = list(GOOD_WEIGHTS)
    rows[1] = row("程序", 3, 3, "绩效目标", "前期工作", 20, 5)
    rows[3] = row("到位", 80, 80, "实施过程", "资金管理", 70, 80)
    found = weight_total(report(total_score=100.0, scores=rows))
    assert messages(found) == [
        "权重：二级指标「前期工作」下各指标权重相加为 4，而二级指标权重印为 5（差 1）",
        "权重：一级指标「绩效目标」下各指标权重相加为 19，而一级指标权重印为 20（差 1）",
        "权重：一级指标「实施过程」下各指标权重相加为 80，而一级指标权重印为 70（差 -10）",
        "权重：各一级指标权重相加为 90，不等于 100",
    ]
    assert [(f.expected, f.actual) for f in found] == [("5", "4"), ("20", "19"), ("70", "80"), ("100", "90")]


def test_weight_total_without_group_weights_needs_rows_to_add_to_100() -> None:
    rows = [row("a", 60, 50), row("b", 30, 30)]
    assert messages(weight_total(report(total_score=80.0, scores=rows))) == ["权重：各指标权重相加为 90，不等于 100"]
    assert weight_total(report(total_score=None, scores=rows)) == []


def test_grade_band() -> None:
    found = grade_band(report(total_score=91.97, grade="良好"))
    assert [(f.rule, f.expected, f.actual) for f in found] == [("grade_band", "优秀", "良好")]
    assert found[0].message.startswith("等级「良好」与总分 91.97 不符")
    assert grade_band(report(total_score=91.97, grade="优秀")) == []
    assert grade_band(report(total_score=91.97, grade="优")) == []
    assert grade_band(report(total_score=55.0, grade="差")) == []
    assert grade_band(report(total_score=None, grade="差")) == []
    with_fact = report(total_score=85.0, grade="良好", facts=[fact("自评等次", "优秀")])
    assert [(f.expected, f.actual, f.page) for f in grade_band(with_fact)] == [("良好", "优秀", 3)]


def test_table_agreement() -> None:
    first = [row("资金使用合规性", 4, 4, "过程", page=7), row("制度", 5, 5, "过程", page=7)]
    second = [row("资金使用合规性", 3, 3, "过程", page=13), row("制度", 5, 5, "过程", page=13)]
    found = table_agreement(report(scores=first + second))
    assert messages(found) == ["「资金使用合规性」在两张评分表中不一致：权重第 7 页为 4、第 13 页为 3；得分第 7 页为 4、第 13 页为 3"]
    assert (found[0].expected, found[0].actual, found[0].page) == ("权重 4；得分 4", "权重 3；得分 3", 13)
    assert table_agreement(report(scores=first + first)) == []


# --------------------------------------------------------------------------
# Funds


def test_fund_balance() -> None:
    rows = [fund("实际到位", "100"), fund("实际支出", "60.5"), fund("资金结余", "30")]
    found = fund_balance(report(funds=rows))
    assert messages(found) == ["资金结余（合计）印为 30，而实际到位 100 − 实际支出 60.5 = 39.5"]
    assert (found[0].expected, found[0].actual) == ("39.5", "30")
    rows[2] = fund("资金结余", "39.5")
    assert fund_balance(report(funds=rows)) == []
    other_source = [fund("实际到位", "100"), fund("实际支出", "60"), fund("资金结余", "0", source="上级财政资金")]
    assert fund_balance(report(funds=other_source)) == []


def test_rate_agrees_at_printed_precision() -> None:
    ratio = D("1256.72") * 100 / D("1265.41")
    assert rate_agrees(D("99.31"), ratio, 2)
    assert not rate_agrees(D("99.32"), ratio, 2)
    assert rate_agrees(D("100"), D("99.996"), 0)
    assert rate_agrees(D("99"), D("99.6"), 0)  # printed cut instead of rounded
    assert not rate_agrees(D("100"), D("99.3"), 0)


def test_rate_ratio_of_fund_rates() -> None:
    funds = [fund("预算数", "1265.41", source=None), fund("实际支出", "1256.72", source=None)]
    good = report(funds=funds, facts=[fact("预算执行率", "99.31%", "99.31")])
    assert rate_ratio(good) == []
    bad = report(funds=funds, facts=[fact("预算执行率", "100%", "100")])
    found = rate_ratio(bad)
    assert messages(found) == ["预算执行率印为 100%，而实际支出 / 预算数 = 1256.72 / 1265.41 = 99%"]
    assert (found[0].expected, found[0].actual, found[0].page) == ("99", "100", 3)


def test_rate_ratio_uses_any_source_column_and_skips_missing_measures() -> None:
    funds = [fund("实际投入", "10"), fund("实际到位", "10"), fund("实际投入", "4", source="本级财政资金"),
             fund("实际到位", "3", source="本级财政资金")]
    assert rate_ratio(report(funds=funds, facts=[fact("实际到位率", "75%", "75")])) == []
    assert rate_ratio(report(funds=funds, facts=[fact("支出实现率", "75%", "75")])) == []
    assert len(rate_ratio(report(funds=funds, facts=[fact("实际到位率", "90%", "90")]))) == 1


def test_rate_ratio_of_group_score_rates() -> None:
    facts = [fact("决策类权重", "20", "20"), fact("决策类得分", "19.97", "19.97"),
             fact("决策类得分率", "99.85%", "99.85")]
    assert rate_ratio(report(facts=facts)) == []
    facts[2] = fact("决策类得分率", "100.00%", "100.00")
    assert messages(rate_ratio(report(facts=facts))) == ["「决策类」得分率印为 100%，而得分 / 权重 = 19.97 / 20 = 99.85%"]


DETAIL = [fund("预算数", "2868.5739", source=None), fund("实际支出", "2868.5739", source=None),
          fund("预算数", "105.3707", source=None, category="咨询费"),
          fund("实际支出", "105.3707", source=None, category="咨询费"),
          fund("预算数", "2763.2032", source=None, category="预付账款"),
          fund("实际支出", "2868.5739", source=None, category="预付账款")]


def test_detail_total_fires_on_the_wrong_column_only() -> None:
    found = detail_total(report(funds=DETAIL))
    assert messages(found) == ["支出明细「实际支出」各明细行 105.3707 + 2868.5739 = 2973.9446，与合计行 2868.5739 不符（差 105.3707）"]
    assert (found[0].expected, found[0].actual, found[0].project) == ("2868.5739", "2973.9446", P)


def test_detail_total_silent_when_lines_add_up() -> None:
    good = DETAIL[:5] + [fund("实际支出", "2763.2032", source=None, category="预付账款")]
    assert detail_total(report(funds=good)) == []


def _dept(tasks: dict[str, str], types: dict[str, str], sources: dict[str, str]) -> ReportRec:
    funds = [fund("预算数", v, source=None, category=k, project=None) for k, v in types.items()]
    funds += [fund("预算数", v, source=k, project=None) for k, v in sources.items()]
    funds += [fund("预算数", v, source=None, project=k) for k, v in tasks.items()]
    return report(report_type="dept_targets", funds=funds, projects=[ProjectRec(name=k) for k in tasks])


def test_project_total_of_key_tasks_against_department_totals() -> None:
    tasks = {"基本支出（人员经费）": "1674.21", "信息网工程": "948", "租赁经费": "340.8", "业务经费": "120", "维稳经费": "54"}
    rec = _dept(tasks, {"基本支出": "1674.21", "项目支出": "1909.47"}, {"财政拨款": "3583.68", "其他资金": "0"})
    found = project_total(rec)
    assert messages(found) == [
        "年度重点工作任务预算数合计 3137.01，与报告总额（各资金来源之和）3583.68 不符（差 446.67）；"
        "其中归入「项目支出」的年度重点工作任务合计 1462.8，与「项目支出」1909.47 不符（差 446.67）"]
    assert (found[0].expected, found[0].actual) == ("3583.68", "3137.01")
    tasks["业务经费"] = "566.67"
    assert project_total(_dept(tasks, {"基本支出": "1674.21", "项目支出": "1909.47"},
                               {"财政拨款": "3583.68", "其他资金": "0"})) == []


def _units(unit_total: str) -> ReportRec:
    projects = [ProjectRec(name="甲", unit="单位一"), ProjectRec(name="乙", unit="单位一"),
                ProjectRec(name="丙", unit="单位二")]
    funds = [fund("预算数", "30", project=None), fund("预算数", unit_total, project=None),
             fund("预算数", "8", project="甲"), fund("预算数", "12", project="乙"),
             fund("预算数", "10", project=None), fund("预算数", "10", project="丙")]
    return report(report_type="project_targets", projects=projects, funds=funds)


def test_project_total_of_units() -> None:
    assert project_total(_units("20")) == []
    assert messages(project_total(_units("21"))) == ["（合计）单位「单位一」各项目合计 20，与单位合计 21 不符（差 1）"]


def test_project_total_against_the_report_total() -> None:
    rec = _units("20")
    rec.funds[0] = fund("预算数", "31", project=None)
    assert messages(project_total(rec)) == ["（合计）项目预算数合计 30，与报告总额（合计）31 不符（差 1）"]


# --------------------------------------------------------------------------
# Prose vs tables, shortfalls

PROSE = ("本项目综合得分为91.97分。其中，决策类指标标准分为20分，实际得分19.97分，\n得分率99.85%；"
         "产出类指标标准分为40分，实\n际得分35分，得分率87.50%。")


def test_statements_are_read_across_line_wraps() -> None:
    found = [(s.label, s.weight, s.score, s.rate) for s in statements(PROSE)]
    assert found == [("决策", D(20), D("19.97"), D("99.85")), ("产出", D(40), D(35), D("87.50"))]
    section = "(一)项目决策情况\n项目决策类指标由3个二级指标和6个三级指标构成,其中三级指标满分6个,权重分20分,实际得分20分,得分率100%。"
    assert [(s.weight, s.score, s.rate) for s in statements(section)] == [(D(20), D(20), D(100))]


def _summary(decision: str) -> list[FactRec]:
    return [fact("决策类权重", "20", "20"), fact("决策类得分", decision, decision),
            fact("产出类权重", "40", "40"), fact("产出类得分", "35", "35")]


def test_narrative_table_fires_when_prose_and_summary_disagree() -> None:
    found = narrative_table(report(text=PROSE, facts=_summary("20")))
    assert messages(found) == ["正文称「决策类」分值 20 分、实际得分 19.97 分、得分率 99.85%，"
                               "而汇总表「决策类」为分值 20 分、得分 20 分"]
    assert (found[0].expected, found[0].actual) == ("20", "19.97")


def test_narrative_table_silent_when_they_agree() -> None:
    assert narrative_table(report(text=PROSE, facts=_summary("19.97"))) == []
    assert narrative_table(report(text=PROSE)) == []  # nothing to compare with


def test_narrative_table_against_score_rows_and_group_headings() -> None:
    rows = [row("数量一", 7, 7, "产出指标", "数量指标"), row("数量二", 3, 0, "产出指标", "数量指标")]
    assert narrative_table(report(text="1.数量指标(分值10分,得分7分)", scores=rows)) == []
    found = narrative_table(report(text="1.数量指标(分值10分,得分8分)", scores=rows))
    assert messages(found) == ["正文称「数量指标」分值 10 分、实际得分 8 分，而评分表「数量指标」为分值 10 分、得分 7 分"]


def test_narrative_table_total_score_printed_twice() -> None:
    rec = report(total_score=91.97, facts=[fact("综合得分", "91.97", "91.97")])
    assert narrative_table(rec) == []
    rec.facts = [fact("综合得分", "92.97", "92.97")]
    assert messages(narrative_table(rec)) == ["「综合得分」印为 92.97，而报告总分为 91.97"]


def indicator(target: str, op: str | None, value: float | None, unit: str | None, actual: str | None,
              actual_value: float | None, actual_unit: str | None, high: float | None = None) -> IndicatorRec:
    return IndicatorRec(project=P, level1="产出指标", level2="质量指标", name="运行率", target=target,
                        target_op=op, target_value=value, target_high=high, target_unit=unit, actual=actual,
                        actual_value=actual_value, actual_unit=actual_unit, page=4)


@pytest.mark.parametrize("ind, short", [
    (indicator("≥99.99%", ">=", 99.99, "%", "98%", 98.0, "%"), True),
    (indicator("≥99.99%", ">=", 99.99, "%", "100%", 100.0, "%"), False),
    (indicator(">90%", ">", 90.0, "%", "90%", 90.0, "%"), True),
    (indicator(">90%", ">", 90.0, "%", "＞90%", 90.0, "%"), False),  # actual restates the target
    (indicator("不大于3秒", "<=", 3.0, "秒", "5秒", 5.0, "秒"), True),
    (indicator("90%≤n≤100%", "range", 90.0, "%", "89%", 89.0, "%", high=100.0), True),
    (indicator("90%≤n≤100%", "range", 90.0, "%", "99.31%", 99.31, "%", high=100.0), False),
    (indicator("284个", "=", 284.0, "个", "300个", 300.0, "个"), False),
    (indicator("284个", "=", 284.0, "个", "280", 280.0, None), False),  # units differ
    (indicator("较好", None, None, None, "未完成", None, None), True),
    (indicator("较好", None, None, None, "较好", None, None), False),
])
def test_indicator_shortfall(ind: IndicatorRec, short: bool) -> None:
    found = indicator_shortfall(report(indicators=[ind]))
    assert [(f.rule, f.severity, f.page) for f in found] == ([("indicator_shortfall", "warning", 4)] if short else [])


def test_indicator_shortfall_reads_score_rows_once_per_name() -> None:
    rows = [row("注册用户数", 3, 0, target="不小于10万", actual="未完成"),
            row("注册用户数", 3, 0, target="不小于10万", actual="未完成"),
            row("并发访问", 4, 4, target="不少于50次每秒", actual="100次每秒")]
    found = indicator_shortfall(report(scores=rows))
    assert messages(found) == ["指标「注册用户数」未达到目标：目标 不小于10万，实际完成 未完成"]


# --------------------------------------------------------------------------
# run_checks on a database


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_checks_replaces_rows_and_is_idempotent(tmp_path: Path, backend: str) -> None:
    engine = new_engine(tmp_path, backend)
    store_document(engine, meta(), [report(total_score=98.0, grade="良好", scores=SCORES_97,
                                           projects=[ProjectRec(name=P)])])
    store_document(engine, meta(sha="b" * 64), [report(total_score=97.0, scores=SCORES_97)])
    first = run_checks(engine)
    second = run_checks(engine)
    assert first == second
    assert [(f.report_id, f.rule, f.severity) for f in first] == [(1, "score_total", "error"),
                                                                   (1, "grade_band", "error")]
    assert first[0].project_id == 1
    assert first[0].message == "报告 1「雪亮工程」：评分表得分各行相加为 97，而合计（总分）印为 98（差 1）"
    with Session(engine) as session:
        rows = session.scalars(select(Check).order_by(Check.check_id)).all()
        assert [(r.report_id, r.rule, r.expected, r.actual, r.page) for r in rows] == [
            (1, "score_total", "98", "97", 1), (1, "grade_band", "优秀", "良好", 1)]
    assert run_checks(engine, [2]) == []
    with Session(engine) as session:
        assert len(session.scalars(select(Check)).all()) == 2


def test_rules_are_registered_once() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)) == 10


# --------------------------------------------------------------------------
# The samples' expected checks

SAMPLES = shared.SAMPLES
DIGITAL = sorted(p for p in SAMPLES.glob("*.pdf") if "_scan" not in p.name) if SAMPLES.is_dir() else []
FAMILIES = {
    "score rows add up to the printed total": {"score_total"},
    "detail lines add up to their 合计": {"detail_total"},
    "project amounts add up to the report total": {"project_total"},
    "printed category scores match the score table": {"narrative_table"},
    "weights agree between score tables": {"table_agreement", "weight_total"},
    "indicator actual falls short of target": {"indicator_shortfall"},
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _numbers(text: str) -> set[Decimal]:
    return {D(n).normalize() for n in _NUMBER.findall(text)}


def _matches(expected: dict, f: object) -> bool:
    match = expected["match"]
    return (f.rule in FAMILIES[expected["rule"]]  # type: ignore[attr-defined]
            and all(D(str(n)).normalize() in _numbers(f.message) for n in match["numbers"])  # type: ignore[attr-defined]
            and all(k in f.message for k in match["keywords"]))  # type: ignore[attr-defined]


@pytest.mark.skipif(not DIGITAL, reason=f"ground-truth samples not found at {SAMPLES}")
@pytest.mark.parametrize("pdf", DIGITAL, ids=lambda p: p.stem)
def test_samples_expected_checks_are_found(tmp_path: Path, pdf: Path) -> None:
    from pipeline.ingest import IngestOptions, engine_for, ingest

    url = f"sqlite:///{tmp_path / 'j.db'}"
    assert ingest([pdf], IngestOptions(db_url=url)).exit_code == 0
    engine = engine_for(url)
    findings = run_checks(engine)
    with Session(engine) as session:
        ids = list(session.scalars(select(Report.report_id).order_by(Report.page_start, Report.report_id)))
    truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))["reports"]
    assert len(ids) == len(truth)
    for rid, rep in zip(ids, truth):
        mine = [f for f in findings if f.report_id == rid]
        for expected in rep.get("expected_checks", []):
            assert any(_matches(expected, f) for f in mine), (expected["why"], [f.message for f in mine])
        if not rep.get("expected_checks"):
            assert [f.message for f in mine if f.severity == "error"] == []


def test_cli_check_lists_findings_and_exits_0(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    engine = new_engine(tmp_path, name="cli.db")
    store_document(engine, meta(), [report(total_score=98.0, scores=SCORES_97, projects=[ProjectRec(name=P)])])
    store_document(engine, meta(sha="b" * 64), [report(total_score=100.0, grade="中等")])
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(app, ["check", "--db", url, "--report", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "error   score_total         报告 1「雪亮工程」：评分表得分各行相加为 97，而合计（总分）印为 98（差 1） (p. 1)"]
    assert result.stderr.splitlines() == ["1 findings: 1 errors, 0 warnings"]
    quiet = CliRunner().invoke(app, ["check", "--db", url, "--quiet"])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "2 findings: 2 errors, 0 warnings\n")


def test_grade_band_ignores_text_that_is_not_a_grade() -> None:
    rec = report(total_score=85.0, grade="良好", facts=[fact("评价等级", "优秀（90分以上）、良好（80-89分）")])
    assert grade_band(rec) == []


def test_score_tables_keep_a_repeated_name_inside_one_table() -> None:
    rows = [row("数量", 5, 5, "产出"), row("质量", 5, 5, "产出"), row("数量", 5, 5, "效益"), row("满意度", 5, 5, "满意度")]
    assert [len(t) for _, t in score_tables(rows)] == [4]


def test_rate_ratio_accepts_another_denominator_a_form_may_use() -> None:
    funds = [fund("预算数", "200"), fund("实际到位", "100"), fund("实际支出", "90")]
    assert rate_ratio(report(funds=funds, facts=[fact("预算执行率", "90%", "90")])) == []  # 支出 / 到位
    assert rate_ratio(report(funds=funds, facts=[fact("预算执行率", "45%", "45")])) == []  # 支出 / 预算
    assert len(rate_ratio(report(funds=funds, facts=[fact("预算执行率", "50%", "50")]))) == 1

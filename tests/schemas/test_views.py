"""Tests for the auditors' SQL views (schemas.views) on SQLite and, with $JIXIAO_TEST_PG_URL, PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from pipeline.store import store_document
from schemas.db import create_schema, view_name
from schemas.records import FactRec, FundRec, IndicatorRec, ProjectRec, ReportRec, ScoreRec
from schemas.views import VIEWS, all_views
from tests.pipeline.dbdata import BACKENDS, meta, new_engine

P = "雪亮工程"
D = Decimal


def _fund(measure: str, amount: str, source: str | None = "合计", project: str | None = P,
          category: str | None = None, level: str | None = None, confidence: float = 1.0) -> FundRec:
    return FundRec(project=project, measure=measure, source=source, category=category, level=level,
                   amount_wan=D(amount), raw=amount, page=2, confidence=confidence, bbox=(1, 2, 3, 4))


def _ind(name: str, op: str | None, value: float | None, unit: str | None, actual: float | None,
         actual_unit: str | None, high: float | None = None, confidence: float = 1.0) -> IndicatorRec:
    return IndicatorRec(project=P, level1="产出指标", level2="数量指标", name=name, target=name, target_op=op,
                        target_value=value, target_high=high, target_unit=unit, actual=f"{actual}{actual_unit or ''}",
                        actual_value=actual, actual_unit=actual_unit, page=3, confidence=confidence)


def _score(name: str, level1: str, level2: str, weight: float, score: float) -> ScoreRec:
    return ScoreRec(project=P, level1=level1, level1_weight=None, level2=level2, level2_weight=None,
                    name=name, weight=weight, score=score, page=4)


REPORT_A = ReportRec(
    report_type="self_eval_report", title="自评报告", region="和平县", fiscal_year=2020, department="政法委",
    project_name=P, total_score=95.5, grade="优秀", page_start=1, page_end=4,
    projects=[ProjectRec(name=P, page=1)],
    funds=[_fund("预算数", "100"), _fund("预算数", "100", source="本级财政资金"), _fund("实际到位", "100"),
           _fund("实际支出", "99.31"), _fund("资金结余", "0.69"),
           _fund("实际支出", "50", source=None, category="咨询费")],
    indicators=[
        _ind("达标率", ">=", 90.0, "%", 95.0, "%"), _ind("未达标率", ">=", 90.0, "%", 80.0, "%"),
        _ind("数量", "=", 284.0, "个", 300.0, "个"), _ind("单位不同", "=", 284.0, "个", 300.0, None),
        _ind("定性", None, None, None, None, None), _ind("区间", "range", 90.0, "%", 99.31, "%", high=100.0),
        _ind("响应时间", "<=", 3.0, "秒", 5.0, "秒"),
    ],
    scores=[_score("论证", "决策", "立项", 5, 5), _score("程序", "决策", "立项", 3, 2),
            _score("目标", "决策", "目标", 2, 2), _score("到位", "过程", "资金", 90, 86.5)],
)
REPORT_B = ReportRec(
    report_type="dept_targets", title="部门目标表", fiscal_year=2020, department="政法委", page_start=1,
    page_end=1,
    funds=[_fund("预算数", "300", source="财政拨款", project=None),
           _fund("预算数", "200", source="财政拨款", project=None, level="市本级"),
           _fund("预算数", "100", source="财政拨款", project=None, level="县区"),
           _fund("预算数", "0", source="其他资金", project=None, confidence=0.5)],
    facts=[FactRec(project=None, key="在职人数", value="71", value_num=71, page=1, confidence=0.85)],
)


@pytest.fixture(params=BACKENDS)
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    eng = new_engine(tmp_path, request.param)
    create_schema(eng, views=all_views())
    store_document(eng, meta(file_name="002.pdf"), [REPORT_A])
    store_document(eng, meta(sha="b" * 64, file_name="001.pdf"), [REPORT_B])
    return eng


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(_plain(v) for v in r) for r in conn.execute(text(sql))]


def test_views_are_created(engine: Engine) -> None:
    names = [view_name(v) for v in VIEWS]
    assert names == ["v_indicators", "v_fund_execution", "v_scores", "v_department_year", "v_review"]
    assert all_views()[-len(VIEWS):] == list(VIEWS)
    assert set(names) <= set(inspect(engine).get_view_names())


def test_the_pipeline_database_has_the_views(tmp_path: Path) -> None:
    from pipeline.ingest import engine_for

    engine = engine_for(f"sqlite:///{tmp_path / 'pipeline.db'}")
    assert {view_name(v) for v in VIEWS} <= set(inspect(engine).get_view_names())


def test_v_indicators_target_met(engine: Engine) -> None:
    got = rows(engine, "SELECT name, report_title, region, fiscal_year, department, project_name, target_met "
                       "FROM v_indicators ORDER BY indicator_id")
    assert got == [
        ("达标率", "自评报告", "和平县", 2020, "政法委", P, 1), ("未达标率", "自评报告", "和平县", 2020, "政法委", P, 0),
        ("数量", "自评报告", "和平县", 2020, "政法委", P, 1), ("单位不同", "自评报告", "和平县", 2020, "政法委", P, None),
        ("定性", "自评报告", "和平县", 2020, "政法委", P, None), ("区间", "自评报告", "和平县", 2020, "政法委", P, 1),
        ("响应时间", "自评报告", "和平县", 2020, "政法委", P, 0),
    ]


def test_v_fund_execution(engine: Engine) -> None:
    got = rows(engine, "SELECT report_id, project_name, budget_wan, adjusted_budget_wan, received_wan, spent_wan, "
                       "balance_wan, execution_rate, spent_e6 FROM v_fund_execution ORDER BY report_id")
    assert got == [(1, P, 100.0, None, 100.0, 99.31, 0.69, 99.31, 99310000),
                   (2, None, 300.0, None, None, None, None, None, None)]


def test_v_scores_group_sums(engine: Engine) -> None:
    got = rows(engine, "SELECT name, level1_weight_sum, level1_score, level2_weight_sum, level2_score, total_score "
                       "FROM v_scores ORDER BY score_id")
    assert got == [("论证", 10.0, 9.0, 8.0, 7.0, 95.5), ("程序", 10.0, 9.0, 8.0, 7.0, 95.5),
                   ("目标", 10.0, 9.0, 2.0, 2.0, 95.5), ("到位", 90.0, 86.5, 90.0, 86.5, 95.5)]


def test_v_department_year(engine: Engine) -> None:
    got = rows(engine, "SELECT department, fiscal_year, reports, projects, budget_wan, spent_wan, average_score "
                       "FROM v_department_year")
    assert got == [("政法委", 2020, 2, 1, 400.0, 99.31, 95.5)]


def test_v_review_lists_low_confidence_values(engine: Engine) -> None:
    got = rows(engine, "SELECT file_name, page, bbox, table_name, field, value, confidence FROM v_review")
    assert got == [("001.pdf", 2, "1.0,2.0,3.0,4.0", "funds", "预算数", "0", 0.5),
                   ("001.pdf", 1, None, "facts", "在职人数", "71", 0.85)]

"""dept_targets: exact records on rendered variants, F1 = 1.0 on the seed sample."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.dept_targets import extract_dept_targets
from extractors.dept_targets_budget import budget_funds
from extractors.ir import Block, Cell, Document, Grid
from pipeline.evaluate import load_truth, score_document
from pipeline.extract import extract_pdf
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields
from tests.fixtures.render_dept_targets import CASES, DeptCase, render

SAMPLES = Path("/work/shared/samples")
SAMPLE = SAMPLES / "001_a539c2d1642e72ca.pdf"


def records(report: ReportRec, table: str) -> list[dict[str, Any]]:
    fields = content_fields(RECORD_TABLES[table])
    return [{f: getattr(rec, f) for f in fields} for rec in getattr(report, table)]


def extract_one(path: Path) -> ReportRec:
    reports = extract_pdf(path).reports
    assert [r.report_type for r in reports] == ["dept_targets"]
    return reports[0]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[DeptCase, ReportRec, ReportRec]:
    case = request.param
    path, want = render(case, tmp_path_factory.mktemp(case.name))
    return case, extract_one(path), want


def test_report_fields(rendered: tuple[DeptCase, ReportRec, ReportRec]) -> None:
    _, got, want = rendered
    assert {f: getattr(got, f) for f in REPORT_FIELDS} == {f: getattr(want, f) for f in REPORT_FIELDS}


@pytest.mark.parametrize("table", ["projects", "funds", "indicators", "facts", "scores", "findings"])
def test_records(rendered: tuple[DeptCase, ReportRec, ReportRec], table: str) -> None:
    _, got, want = rendered
    assert records(got, table) == records(want, table)


def test_every_record_is_located(rendered: tuple[DeptCase, ReportRec, ReportRec]) -> None:
    _, got, _ = rendered
    recs = got.projects + got.funds + got.indicators + got.facts
    assert recs and all(r.page is not None and r.page >= 1 and r.bbox is not None for r in recs)
    assert all(r.confidence == 1.0 for r in recs)


def test_long_indicator_grid_spans_pages(rendered: tuple[DeptCase, ReportRec, ReportRec]) -> None:
    case, got, _ = rendered
    pages = {r.page for r in got.indicators}
    assert (len(pages) > 1) == (case.name == "district_long")


def _grid(rows: list[list[str]]) -> Grid:
    cells = [Cell(row=r, col=c, rowspan=1, colspan=1, text=t, bbox=(c * 10.0, r * 10.0, c * 10.0 + 10, r * 10.0 + 10), page=1)
             for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Grid(page=1, bbox=(0, 0, 100, 100), n_rows=len(rows), n_cols=len(rows[0]), cells=cells)


def test_task_row_without_name_continues_the_task_above() -> None:
    grid = _grid([["名称", "主要内容", "拟投入资金（元）", "预期目标"],
                  ["宣传经费", "印制宣传册", "25,000", "提高知晓"],
                  ["", "并开展讲座", "", "率"],
                  ["/", "/", "", "/"]])
    doc = Document(path="x", pages=[], blocks=[Block(page=1, top=0, grid=grid)])
    report = extract_dept_targets(doc)
    assert [(p.name, p.content, p.goal) for p in report.projects] == [("宣传经费", "印制宣传册并开展讲座", "提高知晓率")]
    assert [(f.project, f.measure, f.amount_wan, f.raw) for f in report.funds] == [
        ("宣传经费", "预算数", Decimal("2.5"), "25,000")]
    assert report.amount_unit == "元"


def test_misread_header_glyph_still_matches() -> None:
    grid = _grid([["一级指标", "二级指标", "三级指杯", "指标值"],
                  ["产出指标", "数量指标", "培训场次", "≥3场"],
                  ["效益指标", "社会效益指标", "无", "无"]])
    doc = Document(path="x", pages=[], blocks=[Block(page=1, top=0, grid=grid)])
    got = [(i.level1, i.level2, i.name, i.target, i.target_op, i.target_value, i.target_unit)
           for i in extract_dept_targets(doc).indicators]
    assert got == [("产出指标", "数量指标", "培训场次", "≥3场", ">=", 3.0, "场")]


@pytest.mark.skipif(not SAMPLE.exists(), reason="seed samples not available (/work/shared/samples)")
def test_sample_scores_f1_one() -> None:
    result = extract_pdf(SAMPLE)
    score = score_document(result.reports, load_truth(SAMPLE.with_suffix(".json")))
    assert {t: s.f1 for t, s in score.tables.items()} == {t: 1.0 for t in score.tables}


def test_budget_as_a_row_of_sources_with_amounts_below() -> None:
    grid = _grid([["部门名称", "某某县财政局", "", ""],
                  ["年度部门整体支出预算（万元）", "资金总额", "财政拨款", "其他资金"],
                  ["", "1,250.5", "1,200", "50.5"],
                  ["年度总体目标", "保障财政资金安全高效运行", "", ""]])
    doc = Document(path="x", pages=[], blocks=[Block(page=1, top=0, grid=grid)])
    report = extract_dept_targets(doc)
    assert (report.department, report.unit, report.region, report.amount_unit) == ("某某县财政局", None, "某某县", "万元")
    assert [(f.source, f.amount_wan, f.raw) for f in report.funds] == [
        ("合计", Decimal("1250.5"), "1,250.5"), ("财政拨款", Decimal("1200"), "1,200"),
        ("其他资金", Decimal("50.5"), "50.5")]
    assert [(f.key, f.value) for f in report.facts] == [("年度总体目标", "保障财政资金安全高效运行")]


def test_budget_levels_from_the_vocabulary_with_notes_and_a_slip() -> None:
    grid = _grid([["按预算级次划分", "预算金额（万元）"],
                  ["合计", "100"],
                  ["其中：市本级资金", "40"],
                  ["县（区）", "35"],
                  ["拟转移支付市县资仓", "25"],
                  ["乡镇", "0"]])
    funds = budget_funds(grid)
    assert [(f.source, f.level, f.amount_wan) for f in funds] == [
        ("合计", None, Decimal("100")), (None, "市本级", Decimal("40")), (None, "县区", Decimal("35")),
        (None, "转移支付", Decimal("25")), (None, "乡镇", Decimal("0"))]

"""The national 项目支出绩效自评表 (年初预算数 / 全年预算数 / 全年执行数, 年度指标值, 总分 row)
read as a ``self_eval_form``: another region's form of the same layout, not a sample."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline.extract import extract_pdf
from schemas.records import ReportRec
from tests.fixtures.pdfgen import Spacer, build_pdf, heading, para, ruled_table

INDICATORS = [  # level1, level2, name, target, actual, weight, score, deviation
    ("产出指标", "数量指标", "养护里程", "≥120公里", "125公里", "20", "20", ""),
    ("", "质量指标", "路况优良率", "≥85%", "86%", "15", "15", ""),
    ("", "时效指标", "完成时间", "2021年12月底前", "2021年12月", "15", "15", ""),
    ("效益指标", "社会效益指标", "群众出行条件", "明显改善", "明显改善", "15", "14", "部分路段仍需加强"),
    ("", "可持续影响指标", "养护长效机制", "建立", "已建立", "15", "15", ""),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "92%", "10", "10", ""),
]


def _rows() -> list[list[str]]:
    blank = [""] * 9
    rows = [
        ["项目名称", "乡村振兴道路养护项目", *blank[2:]],
        ["主管部门", "某县交通运输局", "", "", "实施单位", "某县公路事务中心", "", "", ""],
        ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", ""],
        ["", "年度资金总额", "500", "520", "507.5", "10", "97.60%", "9.76", ""],
        ["", "其中：当年财政拨款", "475", "495", "485.5", "—", "—", "—", ""],
        ["", "上年结转资金", "20", "20", "18", "—", "—", "—", ""],
        ["", "其他资金", "5", "5", "4", "—", "—", "—", ""],
        ["年度总体目标", "预期目标", "", "", "", "实际完成情况", "", "", ""],
        ["", "完成全县农村公路养护120公里，路况优良率达到85%以上。", "", "", "",
         "完成农村公路养护125公里，路况优良率86%。", "", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
    ]
    rows += [["", *row] for row in INDICATORS]
    rows.append(["总分", "", "", "", "", "", "100", "98.76", "自评等级：优"])
    return rows


# reportlab spans are ((col, row), (col, row)).
SPANS = [((1, 0), (8, 0)), ((1, 1), (3, 1)), ((5, 1), (8, 1)), ((0, 2), (1, 2)), ((7, 2), (8, 2)),
         ((0, 3), (0, 6)), ((7, 3), (8, 3)), ((7, 4), (8, 4)), ((7, 5), (8, 5)), ((7, 6), (8, 6)),
         ((0, 7), (0, 8)), ((1, 7), (4, 7)), ((5, 7), (8, 7)), ((1, 8), (4, 8)), ((5, 8), (8, 8)),
         ((0, 9), (0, 15)), ((1, 10), (1, 12)), ((1, 13), (1, 14)), ((0, 16), (5, 16))]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportRec:
    path = tmp_path_factory.mktemp("national") / "national.pdf"
    table = ruled_table(_rows(), [48, 58, 58, 70, 62, 58, 34, 34, 88], SPANS, size=8)
    build_pdf(path, [heading("项目支出绩效自评表"), para("（2021年度）", 10, 1), Spacer(1, 8), table])
    assert len(pdfium.PdfDocument(str(path))) == 1
    reports = extract_pdf(Path(path)).reports
    assert len(reports) == 1
    return reports[0]


def test_report_fields(report: ReportRec) -> None:
    assert (report.report_type, report.title, report.fiscal_year) == ("self_eval_form", "项目支出绩效自评表", 2021)
    assert (report.department, report.unit, report.project_name) == ("某县交通运输局", "某县公路事务中心", "乡村振兴道路养护项目")
    assert (report.total_score, report.grade) == (98.76, "优")


def test_fund_table_by_year_columns(report: ReportRec) -> None:
    """上年结转资金 has no SCHEMA source: its row is passed over, the rows after it are read."""
    amounts = {"合计": ("500", "520", "507.5"), "财政拨款": ("475", "495", "485.5"), "其他资金": ("5", "5", "4")}
    got = [(f.measure, f.source, f.amount_wan, f.raw) for f in report.funds]
    assert got == [(measure, source, Decimal(amount), amount)
                   for source, row in amounts.items()
                   for measure, amount in zip(("预算数", "调整后预算", "实际支出"), row)]


def test_every_indicator_row_including_one_named_like_a_form_label(report: ReportRec) -> None:
    got = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score, i.deviation) for i in report.indicators]
    levels = ("产出指标", "产出指标", "产出指标", "效益指标", "效益指标", "满意度指标")
    assert got == [(lv1, lv2, name, target, actual, float(w), float(s), dev or None)
                   for lv1, (_, lv2, name, target, actual, w, s, dev) in zip(levels, INDICATORS)]
    assert report.indicators[0].target_op == ">=" and report.indicators[0].target_value == 120.0


def test_no_fact_is_read_off_an_indicator_row_and_the_printed_rate_is_one(report: ReportRec) -> None:
    assert [(f.key, f.value, f.value_num) for f in report.facts] == [
        ("实际完成情况", "完成农村公路养护125公里，路况优良率86%。", None), ("执行率", "97.60%", Decimal("97.60"))]
    assert [p.goal for p in report.projects] == ["完成全县农村公路养护120公里，路况优良率达到85%以上。"]


def test_a_consistent_national_form_raises_no_check(report: ReportRec) -> None:
    """执行率 97.60% = 507.5 / 520 (over 全年预算数); weights 20+15+15+15+15+10 with 分值 10 of the funds."""
    from pipeline.checks import apply_rules

    assert [(f.rule, f.severity) for f in apply_rules(report) if f.severity == "error"] == []

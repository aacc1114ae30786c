"""self_eval_form: exact records on rendered variants, F1 = 1.0 on the seed sample, helpers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.ir import Block, Cell, Document, Grid, TextLine
from extractors.self_eval_form import extract_form, line_fields, lost_mark_option
from pipeline.evaluate import load_truth, score_document
from pipeline.extract import extract_pdf
from schemas import labels as L
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields
from tests.fixtures.render_self_eval_form import Dated, FormCase, FundRow, Ind, render
from tests import shared

SAMPLES = shared.SAMPLES
SAMPLE = SAMPLES / "000_a06850789114318c.pdf"
D = Decimal
DEV = "按计划完成，未出现偏差。"

# ------------------------------------------------------------------ cases

_POOL = (
    Ind("产出指标", "数量指标", ("产出指标", "数量指标"), "开展基层网格员业务培训场次", "12场", "12场", DEV,
        ("=", 12.0, None, "场"), (12.0, "场")),
    Ind("产出指标", "数量指标", ("产出指标", "数量指标"), "培训覆盖人数", "不少于300人次", "326人次", None,
        (">=", 300.0, None, "人次"), (326.0, "人次")),
    Ind("产出指标", "数量指标", ("产出指标", "数量指标"), "印发平安建设宣传资料", "3.5万份", "3.5万份", DEV,
        ("=", 35000.0, None, "份"), (35000.0, "份")),
    Ind("产出指标", "质量指标", ("产出指标", "质量指标"), "系统终端设备验收合格率", "≥95%", "98.5%", DEV,
        (">=", 95.0, None, "%"), (98.5, "%")),
    Ind("产出指标", "质量指标", ("产出指标", "质量指标"), "宣传资料制作质量", "较好", "较好", None),
    Ind("产出指标", "时效指标", ("产出指标", "时效指标"),
        "根据上级关于综治视联网建设的工作部署，及时完成视联网终端设备租赁及安装调试工作", "2022年12月底前",
        "2022年11月完成", "提前一个月完成。"),
    Ind("产出指标", "成本指标", ("产出指标", "成本指标"), "宣传资料制作经费", "≤财政预算拨款", "≤财政预算拨款", DEV,
        ("<=", None, None, None)),
    Ind("产出指标", "成本指标", ("产出指标", "成本指标"), "设备租赁费用", "≤50万元", "48.6万元", DEV,
        ("<=", 50.0, None, "万元"), (48.6, "万元")),
    Ind("效益指标", "经济效益指标", ("效益指标", "经济效益指标"), "租赁设备使用率", "90%-100%", "96%",
        "部分村居网络不稳定，下一步协调运营商改善网络条件并加强设备巡检。", ("range", 90.0, 100.0, "%"), (96.0, "%")),
    Ind("效益指标", "社会效益指标", ("效益指标", "社会效益指标"), "群众安全感", "逐步提高", "明显提高", DEV),
    Ind("效益指标", "社会效益指标", ("效益指标", "社会效益指标"), "受益群众", "约20万人", "约21万人", None,
        ("≈", 200000.0, None, "人"), (210000.0, "人")),
    Ind("效益指标", "可持续影响指标", ("效益指标", "可持续影响指标"), "长效机制建立情况", "长期", "长期", None),
    Ind("满意度", "服务对象满意度指标", ("满意度指标", "服务对象满意度指标"), "服务对象满意度", ">90%", "93.2%", DEV,
        (">", 90.0, None, "%"), (93.2, "%")),
)


def _many(n: int) -> tuple[Ind, ...]:
    return tuple(Ind("产出指标", "数量指标", ("产出指标", "数量指标"), f"第{i}批次社区矫正对象教育帮扶活动开展次数",
                     f"{i}次", f"{i + 1}次", DEV if i % 3 else None, ("=", float(i), None, "次"), (float(i + 1), "次"))
                 for i in range(1, n + 1))


_BASE: dict[str, Any] = dict(
    filler="中共佛山市委政法委员会", money_unit="万元", project="综治视联网终端租赁及运维经费", year=2022,
    amount=D("286.5"), department="中共佛山市委政法委员会", unit="中共佛山市委政法委员会", region="佛山市",
    contacts=(("李晓明0757-83031234", "fszfw@126.com"), ("王芳13800138000", "wangf@fs.gov.cn")),
    basis="关于印发《佛山市综治中心规范化建设实施方案》的通知（佛综治〔2021〕12号）",
    content="对全市312个村（社区）综治视联网终端设备及运维服务采用租赁方式采购，签订3年合同，每年租赁费120万元；"
            "开展平安建设宣传。",
    funds=(FundRow("合计", "合计", {0: D("300"), 1: D("-13.5"), 2: D("286.5"), 5: D("286.5"), 7: D("280.12")}),
           FundRow("市财政资金", "市财政资金", {0: D("300"), 1: D("-13.5"), 2: D("286.5"), 5: D("286.5"), 7: D("280.12")}),
           FundRow("省财政资金", "省财政资金", {}), FundRow("中央财政资金", "中央财政资金", {}),
           FundRow("其他资金", "其他资金", {})),
    fund_note="年中调减预算13.5万元，结余6.38万元已按规定收回。",
    setup="", procurement="按照政府采购程序于2022年2月公开招标，3月完成评标。",
    rules="《佛山市委政法委专项资金管理办法》", mgmt_note="",
    completed="是", completed_on=Dated("2022/9/30", "2022-09-30"), accepted="是",
    accepted_on=Dated("2022年10月18日", "2022-10-18"), acceptance_doc="综治视联网终端设备租赁项目验收报告",
    goal=("一是完成全市村（社区）综治视联网终端设备租赁。", "二是开展平安建设宣传，印发宣传资料3.5万份。"),
    achieved=("一是终端设备全部完成安装调试并投入使用。", "二是宣传工作有序推进。"),
    marks="是☑ 部分实现□ 否□", chosen="是", indicators=_POOL,
)


def _case(**changes: Any) -> FormCase:
    return FormCase(**{**_BASE, **changes})


CASES: tuple[FormCase, ...] = (
    _case(name="city_wan", title="项目支出绩效自评（基础数据）表", empty_groups=(("效益指标", "生态效益指标"),),
          break_after=9),
    _case(name="county_yuan", title="2021年度项目支出绩效自评表", filler="和平县农业农村局", money_unit="元",
          project="高标准农田建设项目", year=2021, amount=D("1520.8"), department="和平县农业农村局",
          unit="和平县农田建设服务中心", region="和平县",
          funds=(FundRow("合计", "合计", {2: D("1520.8"), 4: D("1200"), 6: D("1200"), 8: D("1150.25")}),
                 FundRow("省级财政资金", "省财政资金", {2: D("1200"), 4: D("1200"), 6: D("1200"), 8: D("1150.25")}),
                 FundRow("中央财政资金", "中央财政资金", {2: D("320.8")}),
                 FundRow("其他资金（单位自筹）", "其他资金", {})),
          setup="经县发改局批复立项（和发改〔2020〕88号），概算未调整。", mgmt_note="部分标段进度滞后，已督促施工单位加快进度。",
          completed="否", completed_on=Dated("2021.12.30", "2021-12-30"), accepted="否",
          accepted_on=Dated("2022-01-15", "2022-01-15"),
          marks="是□ 部分实现√ 否□", chosen="部分实现", indicators=_many(14) + _POOL[:5] + (None,) + _POOL[5:],
          labels={"本次评价资金来源": "资金来源", "目标偏差原因分析及改进措施": "偏差原因分析及改进措施"},
          font_size=7.0, width=470.0, one_line_header=True, separate_indicators=True, break_after=16,
          repeat_heading=True),
    _case(name="district_long", title="项目支出绩效自评基础数据表", filler="广州市荔湾区民政局",
          department="广州市荔湾区民政局", unit="广州市荔湾区民政局", region="荔湾区",
          project="社区居家养老服务（长者饭堂）补助资金",
          marks="是R 部分实现£ 否£", chosen="是", indicators=_many(6) + _POOL[3:], font_size=9.5, width=512.0,
          empty_groups=(("效益指标", "生态效益指标"),), break_after=4, ruled_header=True),
)

# ------------------------------------------------------------------ rendered variants


def records(report: ReportRec, table: str) -> list[dict[str, Any]]:
    """Contract fields of a table's records; paragraph breaks (a grid-reading
    heuristic, ignored by the evaluation) are compared as line-wrap whitespace."""
    fields = content_fields(RECORD_TABLES[table])
    return [{f: _flat(getattr(rec, f)) for f in fields} for rec in getattr(report, table)]


def _flat(value: Any) -> Any:
    return value.replace("\n", "") if isinstance(value, str) else value


def _key(rec: dict[str, Any]) -> str:
    return repr(sorted(rec.items()))


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[FormCase, ReportRec, ReportRec]:
    case = request.param
    path, want = render(case, tmp_path_factory.mktemp(case.name))
    reports = extract_pdf(path).reports
    assert [r.report_type for r in reports] == ["self_eval_form"]
    return case, reports[0], want


def test_report_fields(rendered: tuple[FormCase, ReportRec, ReportRec]) -> None:
    _, got, want = rendered
    assert {f: getattr(got, f) for f in REPORT_FIELDS} == {f: getattr(want, f) for f in REPORT_FIELDS}


@pytest.mark.parametrize("table", ["projects", "funds", "indicators", "scores", "findings"])
def test_records(rendered: tuple[FormCase, ReportRec, ReportRec], table: str) -> None:
    _, got, want = rendered
    assert records(got, table) == records(want, table)


def test_facts(rendered: tuple[FormCase, ReportRec, ReportRec]) -> None:
    _, got, want = rendered
    assert sorted(records(got, "facts"), key=_key) == sorted(records(want, "facts"), key=_key)


def test_every_record_is_located(rendered: tuple[FormCase, ReportRec, ReportRec]) -> None:
    _, got, _ = rendered
    recs = got.projects + got.funds + got.indicators + got.facts
    assert recs and all(r.page is not None and r.page >= 1 and r.bbox is not None for r in recs)
    assert all(r.confidence == 1.0 for r in recs)


def test_indicator_grid_spans_pages(rendered: tuple[FormCase, ReportRec, ReportRec]) -> None:
    _, got, _ = rendered
    assert len({r.page for r in got.indicators}) > 1


# ------------------------------------------------------------------ the seed sample


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared samples not available")
def test_sample_f1() -> None:
    score = score_document(extract_pdf(SAMPLE).reports, load_truth(SAMPLE.with_suffix(".json")))
    assert {t: s.f1 for t, s in score.tables.items()} == {t: 1.0 for t in score.tables}


# ------------------------------------------------------------------ helpers on hand-made grids


def _cell(r: int, c: int, text: str, rs: int = 1, cs: int = 1, page: int = 1) -> Cell:
    box = (c * 10.0, r * 10.0, (c + cs) * 10.0, (r + rs) * 10.0)
    return Cell(row=r, col=c, rowspan=rs, colspan=cs, text=text, bbox=box, page=page)


def _grid(cells: list[Cell], n_rows: int, n_cols: int, page: int = 1) -> Grid:
    return Grid(page=page, bbox=(0, 0, 10.0 * n_cols, 10.0 * n_rows), n_rows=n_rows, n_cols=n_cols, cells=cells,
                col_edges=[10.0 * k for k in range(n_cols + 1)], pages=[page])


def _doc(*grids: Grid) -> Document:
    return Document(path="x", pages=[], blocks=[Block(page=g.page, top=0, grid=g) for g in grids])


def test_line_fields_splits_one_line_header() -> None:
    line = TextLine(text="填报单位名称（盖章）：和平县财政局 金额单位：元", bbox=(0, 0, 1, 1), size=10, page=1)
    found = line_fields([line], (L.SEF_FILLER, L.SEF_AMOUNT_UNIT))
    assert {k: v for k, (v, _) in found.items()} == {"填报单位名称（盖章）": "和平县财政局", "金额单位": "元"}


@pytest.mark.parametrize("text,want", [
    ("是部分实现□否□", "是"), ("□是部分实现□否", "部分实现"), ("是□部分实现□否□", None), ("是部分实现否", None),
])
def test_lost_mark_option(text: str, want: str | None) -> None:
    assert lost_mark_option(text, L.SEF_CHOICES) == want


def _fund_grid(source_label: str) -> Grid:
    cells = [_cell(0, 0, "资金安排和使用情况", rs=4), _cell(0, 1, "本次评价资金来源", rs=2), _cell(0, 2, "预算安排", cs=2),
             _cell(1, 2, "期初预算数"), _cell(1, 3, "实际预算数"), _cell(2, 1, "合计"), _cell(2, 2, "10"),
             _cell(2, 3, "12.5"), _cell(3, 1, source_label), _cell(3, 2, ""), _cell(3, 3, "12.5"),
             _cell(4, 0, "项目管理情况"), _cell(4, 1, "政府采购情况"), _cell(4, 2, "公开招标", cs=2)]
    return _grid(cells, 5, 4)


def test_fund_source_with_ocr_slips_and_fact_after_the_table() -> None:
    report = extract_form(_doc(_fund_grid("市财政资单位金")))
    assert [(f.measure, f.source, f.amount_wan, f.raw) for f in report.funds] == [
        ("预算数", "合计", D("10"), "10"), ("调整后预算", "合计", D("12.5"), "12.5"),
        ("调整后预算", "市财政资金", D("12.5"), "12.5")]
    assert [(f.key, f.value) for f in report.facts] == [("政府采购情况", "公开招标")]


def test_indicator_grid_continued_without_heading_on_next_page() -> None:
    head = [_cell(0, 0, "一级指标"), _cell(0, 1, "二级指标"), _cell(0, 2, "三级指标名称"), _cell(0, 3, "预期目标值"),
            _cell(0, 4, "实际完成值"), _cell(1, 0, "效益指标", rs=2), _cell(1, 1, "社会效益指标", rs=2),
            _cell(1, 2, "受益人数"), _cell(1, 3, "100人"), _cell(1, 4, "120人"),
            _cell(2, 2, "无"), _cell(2, 3, "无"), _cell(2, 4, "")]
    more = [_cell(0, 0, "", page=2), _cell(0, 1, "", page=2), _cell(0, 2, "群众知晓率", page=2),
            _cell(0, 3, "≥90%", page=2), _cell(0, 4, "95%", page=2)]
    report = extract_form(_doc(_grid(head, 3, 5), _grid(more, 1, 5, page=2)))
    assert [(i.level1, i.level2, i.name, i.target_op, i.target_value, i.actual_value, i.page)
            for i in report.indicators] == [("效益指标", "社会效益指标", "受益人数", "=", 100.0, 120.0, 1),
                                            ("效益指标", "社会效益指标", "群众知晓率", ">=", 90.0, 95.0, 2)]


def test_label_with_one_ocr_slip_gets_canonical_key() -> None:
    grid = _grid([_cell(0, 0, "项目名称"), _cell(0, 1, "乡村振兴"), _cell(0, 2, "验收文件及文亏"), _cell(0, 3, "验收报告")], 1, 4)
    report = extract_form(_doc(grid))
    assert report.project_name == "乡村振兴"
    assert [(f.key, f.value, f.project) for f in report.facts] == [("验收文件及文号", "验收报告", "乡村振兴")]


def test_unit_after_label_weights_scores_and_grade() -> None:
    cells = [_cell(0, 0, "项目名称"), _cell(0, 1, "农村道路养护", cs=2), _cell(0, 3, "评价金额（万元）"), _cell(0, 4, "56.5"),
             _cell(1, 0, "自评得分"), _cell(1, 1, "92.5", cs=2), _cell(1, 3, "自评等次"), _cell(1, 4, "优秀"),
             _cell(2, 0, "三级指标"), _cell(2, 1, "指标值"), _cell(2, 2, "实际值"), _cell(2, 3, "分值"), _cell(2, 4, "得分"),
             _cell(3, 0, "养护里程"), _cell(3, 1, "≥120公里"), _cell(3, 2, "126公里"), _cell(3, 3, "20"), _cell(3, 4, "18.5")]
    report = extract_form(_doc(_grid(cells, 4, 5)))
    assert (report.amount_unit, report.total_score, report.grade) == ("万元", 92.5, "优秀")
    assert [(f.key, f.value, f.value_num, f.unit) for f in report.facts] == [("评价金额", "56.5", D("56.5"), "万元")]
    assert [(i.name, i.target_op, i.target_value, i.target_unit, i.actual_value, i.weight, i.score, i.level1)
            for i in report.indicators] == [("养护里程", ">=", 120.0, "公里", 126.0, 20.0, 18.5, None)]


def test_blank_fields_are_no_facts_and_year_falls_back_to_title() -> None:
    cells = [_cell(0, 0, "项目名称"), _cell(0, 1, "河道保洁"), _cell(0, 2, "完工时间"), _cell(0, 3, "/"),
             _cell(1, 0, "是否验收"), _cell(1, 1, "否"), _cell(1, 2, "立项情况"), _cell(1, 3, "")]
    title = TextLine(text="2023年度项目支出绩效自评表", bbox=(0, 0, 1, 1), size=10, page=1)
    doc = _doc(_grid(cells, 2, 4))
    doc.blocks.insert(0, Block(page=1, top=0, line=title))
    report = extract_form(doc)
    assert (report.title, report.fiscal_year) == ("2023年度项目支出绩效自评表", 2023)
    assert [(f.key, f.value) for f in report.facts] == [("是否验收", "否")]

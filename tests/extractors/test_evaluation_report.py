"""Tests for the evaluation_report extractor (绩效评价报告, seed 004).

Synthetic reports (tests/fixtures/render_evaluation_report.py) with other
names, amounts in 万元 or 元, numbers of indicators, fonts, column widths,
header labels and page breaks must give exactly the expected records; the
seed sample must score F1 = 1.0 against its ground truth.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.evaluation_cover import cover_field, name_from_title
from extractors.evaluation_report import Narrative, prose_facts, prose_funds, prose_result
from extractors.evaluation_text import heading_level, items, paragraphs, strip_numbering
from extractors.ir import TextLine
from pipeline.evaluate import load_truth, score_document
from pipeline.extract import extract_path
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields
from tests.fixtures.render_evaluation_report import EvalCase, Row, render

SAMPLE = Path("/work/shared/samples/004_d0150e636c2ab0b7.pdf")
D = Decimal
QUAL = (None, None, None, None)
FORMULA = "得分=(完成值/目标值)×分值，得分最高不超过分值。"


def _mgmt(level1: str, level2: str, name: str, target: str, weight: str, score: str) -> Row:
    return Row(level1, level2, name, target, D(weight), D(score), actual=target,
               criteria=(f"评价要点：①{name}相关材料是否齐全、真实、有效；②是否符合国家法律法规和相关政策及部门"
                         "职责要求；③是否经过必要的论证、审核和集体决策程序。①②③全部符合得满分，缺①扣权重的40%，"
                         "缺②扣权重的30%，缺③扣权重的30%，扣完为止。"),
               note=f"考察{name}情况，用以反映和考核项目管理水平。")


def _ind(level1: str, level2: str, target_levels: tuple[str, str], canonical: tuple[str, str], name: str,
         target: str, parsed: tuple, weight: str, score: str, actual: str) -> Row:
    return Row(level1, level2, name, target, D(weight), D(score), actual=actual, criteria=FORMULA,
               note=f"考察{name}完成情况。", target_level1=target_levels[0], target_level2=target_levels[1],
               canonical=canonical, parsed=parsed)


OUT, QTY, QLT, TIME, COST = "产出指标", "数量指标", "质量指标", "时效指标", "成本指标"
SOC, SAT = ("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标")
MGMT = (
    _mgmt("项目决策", "项目立项", "立项依据充分性", "充分", "5", "5"),
    _mgmt("项目决策", "项目立项", "立项程序规范性", "规范", "3", "3"),
    _mgmt("项目决策", "绩效目标", "绩效目标合理性", "合理", "6", "5.5"),
    _mgmt("项目决策", "资金投入", "预算编制科学性", "科学", "6", "6"),
    _mgmt("项目过程", "资金管理", "资金到位率", "100%", "4", "4"),
    _mgmt("项目过程", "资金管理", "预算执行率", "100%", "6", "5.69"),
    _mgmt("项目过程", "组织实施", "管理制度健全性", "健全", "5", "5"),
    _mgmt("项目过程", "组织实施", "制度执行有效性", "有效", "5", "4"),
)
OUTPUTS = (
    _ind(OUT, QTY, (OUT, QTY), (OUT, QTY), "农田灌溉设施修缮数量", "不少于120处", (">=", 120.0, None, "处"),
         "8", "8", "126处"),
    _ind(OUT, QTY, (OUT, QTY), (OUT, QTY), "培训农户人次", "约2000人", ("≈", 2000.0, None, "人"), "6", "6", "2100人"),
    _ind(OUT, QLT, (OUT, QLT), (OUT, QLT), "工程验收合格率", "100%", ("=", 100.0, None, "%"), "8", "8", "100%"),
    _ind(OUT, TIME, (OUT, TIME), (OUT, TIME), "项目完成时限", "2024年12月31日前", QUAL, "6", "4", "未按期完成"),
    _ind(OUT, COST, (OUT, COST), (OUT, COST), "成本控制率", "90%≤n≤100%", ("range", 90.0, 100.0, "%"), "6", "6",
         "94.88%"),
    _ind("效益指标", "社会效益", SOC, SOC, "农业生产条件改善情况", "有效改善", QUAL, "15", "13", "基本改善"),
    _ind("效益指标", "满意度指标", SAT, SAT, "受益农户满意度", "≥90%", (">=", 90.0, None, "%"), "5", "5", "93%"),
)

CITY = EvalCase(
    name="city", year=2024, region="湛江市", department="湛江市农业农村局", project="高标准农田灌溉设施修缮",
    unit=None, amount_unit="万元", budget="856.30", spent="812.45", rows=MGMT + OUTPUTS,
    problems=("一是项目进度滞后，部分灌溉设施修缮未能在年底前完工，主要原因是雨季施工受阻。",
              "二是预算执行率偏低，本项目实际执行金额812.45万元，预算执行率为94.88%。"),
    measures=("一是加强施工组织，合理安排工期，避开雨季集中施工。", "二是加快资金支付进度，提高预算执行率。"),
    goals=("一是改善农业生产条件，提高灌溉保证率。", "二是促进农民增收，推动乡村振兴。"),
    content="本项目主要内容是修缮全市高标准农田灌溉设施，包括渠道、泵站和配套设施。", grade="良好",
    running_header=True,
)

LONG_NAME = "农村生活污水处理设施运行维护及水质在线监测数据上传及时率和完整率"
COUNTY = EvalCase(
    name="county_yuan", year=2023, region="和平县", department="和平县水务局", project="农村生活污水治理运维",
    unit="和平县农村污水处理中心", amount_unit="元", budget="3,560,000.00", spent="3,204,180.50",
    rows=MGMT + OUTPUTS[:3] + (
        _ind("产出指标", "数量指标", ("产出", "产出数量"), (OUT, QTY), LONG_NAME, "≥95%", (">=", 95.0, None, "%"),
             "6", "5.2", "91.6%"),
        _ind("产出指标", "质量指标", ("产出", "产出质量"), (OUT, QLT), "出水水质达标率", "≥90%", (">=", 90.0, None, "%"),
             "6", "6", "96%"),
        _ind("产出指标", "质量指标", ("产出", "产出质量"), (OUT, QLT), "设施正常运行率", "不低于95%",
             (">=", 95.0, None, "%"), "5", "5", "98%"),
        _ind("产出指标", "成本指标", ("产出", "产出成本"), (OUT, COST), "运维成本", "≤356万元",
             ("<=", 356.0, None, "万元"), "4", "4", "320.42万元"),
        _ind("效益指标", "生态效益", ("效益", "生态效益"), (SOC[0], "生态效益指标"), "农村水环境改善",
             "明显改善", QUAL, "10", "9", "改善"),
        _ind("效益指标", "满意度指标", ("满意度", "满意度"), SAT, "村民满意度", "≥85%", (">=", 85.0, None, "%"),
             "5", "4.5", "84%"),
    ),
    problems_intro="经评价，本项目主要存在以下问题：",
    problems=("（一）部分设施运行不稳定，个别站点因设备老化出现停运，影响出水水质。",
              "（二）预算执行率偏低，部分运维费用未能及时支付。", "（三）满意度调查覆盖面不足，部分村民对项目了解不多。"),
    measures=("（一）加强设备巡检，及时更换老化设备。", "（二）加快资金支付进度，确保运维费用按合同及时支付。",
              "（三）扩大宣传和满意度调查范围。"),
    goals=("通过对农村生活污水处理设施的专业化运维，确保设施稳定运行、出水达标，持续改善农村人居环境。",),
    content="对全县农村生活污水处理设施开展日常运行维护、水质检测和设备维修。", grade="良好",
    size=10, table_size=8, justify=True, repeat_header=False, transposed_summary=True,
    headers={"weight": "分值", "score": "评价得分", "note": "指标解释", "criteria": "评分细则",
             "actual": "实际完成值", "weight2": "标准分"},
    target_header="指标值", period=None, cover_style="spaced", running_header=True,
)

DISTRICT = EvalCase(
    name="district", year=2022, region="荔湾区", department="广州市荔湾区卫生健康局", project="社区卫生服务能力提升",
    unit=None, amount_unit="万元", budget="1,200", spent="1,188.6", rows=MGMT[:4] + OUTPUTS[:2] + OUTPUTS[5:],
    problems=("1.部分社区卫生服务中心设备更新不及时。", "2.专业技术人员培训覆盖面不足。", "3.绩效目标设置不够细化。"),
    measures=("1.加快设备采购进度。", "2.扩大培训覆盖面，提高培训质量。", "3.细化量化绩效目标。"),
    goals=("提升社区卫生服务能力。", "方便群众就近就医。"),
    content="为辖区社区卫生服务中心购置医疗设备，开展人员培训。", grade="中等", size=12, table_size=10,
    cover_style="grid", joint_findings=True,
)

CASES = [CITY, COUNTY, DISTRICT]


def _value(value: Any) -> str:
    """Decimals compared by value (``356.00`` = ``356.000000``), everything else by its text."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else repr(value)


def _rows(recs: list[Any], rec_type: type) -> list[tuple[str, ...]]:
    names = content_fields(rec_type)
    return sorted(tuple(_value(getattr(r, n)) for n in names) for r in recs)


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportRec, ReportRec]:
    path, want = render(request.param, tmp_path_factory.mktemp("eval"))
    reports = extract_path(path).reports
    assert [r.report_type for r in reports] == ["evaluation_report"]
    return reports[0], want


def test_rendered_report_fields(rendered: tuple[ReportRec, ReportRec]) -> None:
    got, want = rendered
    assert {n: getattr(got, n) for n in REPORT_FIELDS} == {n: getattr(want, n) for n in REPORT_FIELDS}


@pytest.mark.parametrize("table", list(RECORD_TABLES))
def test_rendered_records(rendered: tuple[ReportRec, ReportRec], table: str) -> None:
    got, want = rendered
    rec_type = RECORD_TABLES[table]
    assert _rows(getattr(got, table), rec_type) == _rows(getattr(want, table), rec_type)


def test_records_are_located(rendered: tuple[ReportRec, ReportRec]) -> None:
    got, _ = rendered
    for table in RECORD_TABLES:
        for rec in getattr(got, table):
            assert rec.page is not None and rec.page >= 1 and rec.bbox is not None, (table, rec)


@pytest.mark.skipif(not SAMPLE.exists(), reason="seed samples (/work/shared/samples) not available")
def test_sample_f1() -> None:
    score = score_document(extract_path(SAMPLE).reports, load_truth(SAMPLE.with_suffix(".json")))
    assert {t: s.f1 for t, s in score.tables.items()} == {t: 1.0 for t in score.tables}


# ---------------------------------------------------------------- narrative units


@pytest.mark.parametrize("text, level", [
    ("一、基本情况", 1), ("（二）项目绩效目标", 2), ("2.年度目标", 3), ("（1）项目主要内容", 4),
    ("1.数量指标(分值10分,得分7分)", 3), ("附件1：项目绩效评价指标体系评分情况表", 1),
    ("（1）评价对象：某项目", None), ("一是部分指标未能及时完成。", None), ("2024年，开展了建设", None),
    ("1.5万元用于购置设备，其余用于培训。", None),
])
def test_heading_level(text: str, level: int | None) -> None:
    assert heading_level(text) == level


def test_strip_numbering() -> None:
    assert strip_numbering("六、存在的问题及原因分析") == "存在的问题及原因分析"
    assert strip_numbering("（1） 项目主要内容") == "项目主要内容"


def _line(text: str, x0: float, top: float, x1: float = 540.0, page: int = 1) -> TextLine:
    return TextLine(text=text, bbox=(x0, top, x1, top + 11), size=11.0, page=page)


def test_paragraphs_by_indent_and_headings() -> None:
    lines = [_line("一、基本情况", 50, 10, 120), _line("本项目年初预算金额", 72, 30), _line("100万元。", 50, 45, 100),
             _line("第二段开始于缩进", 72, 60), _line("并在此结束。", 50, 75, 150), _line("（1）评价对象：甲", 72, 90, 200),
             _line("（2）评价期限：2024年", 72, 105, 220)]
    paras = paragraphs(lines)
    assert [(p.text, p.level) for p in paras] == [
        ("一、基本情况", 1), ("本项目年初预算金额100万元。", None), ("第二段开始于缩进并在此结束。", None),
        ("（1）评价对象：甲", None), ("（2）评价期限：2024年", None)]


def test_the_next_item_of_a_list_starts_a_paragraph_without_indent_or_short_line() -> None:
    """Writer's export of <p> items: flush left, the first item ending without punctuation
    (a name) and running to the margin, so only the numbering parts them."""
    paras = paragraphs([_line("（1）评价对象：农村生活污水治理运维项目", 50, 10), _line("（2）涉及财政预算资金：356.00万元", 50, 25),
                        _line("（3）评价期限：2024年1月1日至12月31日", 50, 40), _line("当年全部支出。", 50, 55, 120),
                        _line("1.项目主要内容", 50, 70)])
    assert [p.text for p in paras] == ["（1）评价对象：农村生活污水治理运维项目", "（2）涉及财政预算资金：356.00万元",
                                       "（3）评价期限：2024年1月1日至12月31日当年全部支出。", "1.项目主要内容"]


def test_items_skip_introduction_and_join_continuations() -> None:
    paras = paragraphs([_line("主要存在以下问题：", 72, 10, 200), _line("一是进度滞后，", 72, 25), _line("未能完工。", 50, 40, 120),
                        _line("原因是雨季。", 72, 55, 200), _line("二是执行率低。", 72, 70, 200)])
    assert [[p.text for p in group] for group in items(paras)] == [
        ["一是进度滞后，未能完工。", "原因是雨季。"], ["二是执行率低。"]]


def test_items_one_per_paragraph_without_numbering() -> None:
    paras = paragraphs([_line("进度滞后。", 72, 10, 200), _line("执行率低，", 72, 25), _line("原因待查。", 50, 40, 120),
                        _line("·", 20, 55, 25)])
    assert [[p.text for p in group] for group in items(paras)] == [["进度滞后。"], ["执行率低，原因待查。"], ["·"]]


# ---------------------------------------------------------------- cover and prose units


@pytest.mark.parametrize("key, field", [
    ("主管部门（公章）", "department"), ("项目名称", "project_name"), ("项目名杯", "project_name"),
    ("实施单位", "unit"), ("项目负责人", None), ("联系电话", None),
])
def test_cover_field(key: str, field: str | None) -> None:
    assert cover_field(key) == field


def test_name_from_title() -> None:
    assert name_from_title("2024年“深平安”社会治理智能化平台项目支出部门评价报告") == "“深平安”社会治理智能化平台"
    assert name_from_title("2023年度城市绿化养护项目绩效评价报告") == "城市绿化养护"


def _story(*texts: str) -> Narrative:
    lines = [_line(t, 72, 10 + 15 * i, 540) for i, t in enumerate(texts)] + [_line("结束语。", 50, 500, 120)]
    return Narrative(cover=[], paras=paragraphs(lines))


def test_total_by_label_priority_and_grade_words() -> None:
    story = _story("指标体系总分为100分。", "本项目综合得分为88.5分，评价等级为“良”。")
    assert prose_result(story) == (88.5, "良好")


def test_grade_stated_with_the_total_not_the_scale() -> None:
    story = _story("评价等级为优、良、中、差四级。", "评价结果等级为优（90分以上）。", "本项目综合得分为85分，评价等级为良好。")
    assert prose_result(story) == (85.0, "良好")


def test_rates_need_a_stated_value() -> None:
    story = _story("资金到位率达到100%，预算执行率为96.5%，成本控制率：90%。")
    assert [(f.key, f.value, f.value_num, f.unit) for f in prose_facts(story, "甲")] == [
        ("预算执行率", "96.5%", D("96.5"), "%"), ("成本控制率", "90%", D("90"), "%")]


def test_prose_funds_first_amount_per_measure() -> None:
    story = _story("项目年初预算金额1,200万元，预算金额为1,300万元。", "实际执行金额1188.6万元。")
    funds, unit = prose_funds(story, "甲")
    assert [(f.measure, f.amount_wan, f.raw) for f in funds] == [("预算数", D("1200"), "1,200"),
                                                                  ("实际支出", D("1188.6"), "1188.6")]
    assert unit == "万元"


@pytest.mark.parametrize("printed, table, total", [
    ("91.971", "91.97", 91.97),  # a footnote mark OCR'd as a digit
    ("92", "91.97", 92.0),  # a real disagreement stays as printed (jixiao check reports it)
    ("88", None, 88.0),
])
def test_total_footnote_mark_dropped(printed: str, table: str | None, total: float) -> None:
    story = _story(f"本项目综合得分为{printed}分。")
    story.table_total = D(table) if table else None
    assert prose_result(story) == (total, None)

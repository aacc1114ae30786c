"""self_eval_report extractor: exact records on rendered variants, F1 = 1 on the seed sample."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.ir import Cell, Grid
from extractors.self_eval_report import region
from extractors.self_eval_report_tables import LABELS, classify_row, value_of
from pipeline.extract import ExtractResult, extract_path
from schemas import labels as L
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields
from tests.fixtures.render_self_eval_report import Detail, Group, Item, SerCase, render
from tests import shared

SAMPLES = shared.SAMPLES
SAMPLE = SAMPLES / "002_480007bc3b6e9f33.pdf"
D = Decimal


def _standard_groups(notes: tuple[str, ...], scores: tuple[float, ...]) -> tuple[Group, ...]:
    shape = (("绩效目标", 20, (("前期工作", 5, (("项目论证", 1), ("申报程序", 2), ("组织机构", 1), ("制度措施", 1))),
                               ("绩效目标设置", 15, (("完整性", 5), ("科学性", 5), ("可衡量性", 5))))),
             ("绩效监督实施过程", 30, (("资金管理", 10, (("资金到位", 3), ("资金支付", 3), ("支出规范性", 4))),
                                    ("项目管理", 20, (("实施程序", 15), ("项目监管", 5))))),
             ("项目绩效结果", 50, (("项目产出结果", 20, (("数量", 5), ("质量", 5), ("成本", 5), ("时效", 5))),
                                 ("项目效益结果", 24, (("经济效益", 6), ("社会效益", 6), ("生态效益", 6),
                                                     ("可持续影响", 6))),
                                 ("满意度", 6, (("服务对象满意度", 6),)))))
    k = iter(range(100))
    return tuple(Group(n1, w1, tuple(Group(n2, w2, tuple(Item(n3, w3, scores[(i := next(k))], notes[i % len(notes)])
                                                             for n3, w3 in items)) for n2, w2, items in g2s))
                 for n1, w1, g2s in shape)


NOTES_SHORT = ("资金到位及时", "按程序组织实施，资料齐全。", "制订了项目管理制度并严格执行",
               "完成率100%，群众满意度较高", "设备运行正常")
SCORES_A = (1, 2, 1, 0.5, 5, 5, 5, 3, 3, 4, 13.5, 4, 5, 5, 5, 5, 6, 5, 6, 6, 5)

CASE_A = SerCase(
    region="遂溪县", report_year=2022, fund_year=2021, project="遂溪县农村生活污水治理设施运维项目",
    department="遂溪县生态环境局", filler="陈晓红", phone="0759-7751234", date=("2022年3月8日", "2022-03-08"),
    contact="林国华", tel="7756688", mobile="13800138000", address="遂溪县遂城镇中山路18号", postcode="524300",
    intro=("遂溪县生态环境局是县政府工作部门，负责全县生态环境保护工作。",
           "局机关设办公室、法规股、环境监测站等6个内设机构，行政编制30名，事业编制15名，"
           "在职人员45人，离退休人员12人，下设县环境监测站和县环境监察大队两个二级单位。"),
    content="对全县已建成的农村生活污水处理设施开展日常运行维护，包括管网巡查、设备检修、水质检测等，"
            "确保设施正常运行、出水达标排放，改善农村人居环境，" * 3,
    money_unit="万元",
    sources=(("合计", "合计"), ("上级财政资金", "上级财政资金"), ("本级财政资金", "本级财政资金"),
             ("其他（单位自筹）", "其他资金")),
    funds=(("预算安排", "预算数", (D("520.5"), D("300"), D("220.5"), None)),
           ("实际投入", "实际投入", (D("520.5"), D("300"), D("220.5"), None)),
           ("实际到位", "实际到位", (D("510.25"), D("300"), D("210.25"), None)),
           ("实际支出", "实际支出", (D("498.1234"), D("300"), D("198.1234"), None)),
           ("资金结余", "资金结余", (D("12.1266"), None, D("12.1266"), D("0")))),
    rates=(("实际到位率", ("98.03%", "100%", "95.35%", None)), ("支出实现率", ("97.62%", "100%", None, None)),
           ("预算完成率", ("95.70%", None, None, None))),
    details=(Detail("委托业务费", D("320.5"), D("310.1234"), "遂财预〔2021〕15号"),
             Detail("维修（护）费", D("150"), D("140"), "县政府常务会议纪要（2021年第3期）"),
             Detail("专用材料费", D("50"), D("48"), "/")),
    detail_total=(D("520.5"), D("498.1234")), blank_details=("4", "5", "..."),
    groups=_standard_groups(NOTES_SHORT, SCORES_A), total="92.5", grade="优秀",
    findings=(("部分设施老化，运维成本偏高。", "加大设施更新改造力度。"),
              ("运维单位考核机制不够健全", "建立季度考核制度，考核结果与运维费用挂钩")),
    blank_findings=3,
)

LONG_NOTE = ("根据《关于印发城市照明节能改造实施方案的通知》要求，项目经可行性研究论证并报市政府审批同意，"
             "严格按照政府采购程序组织实施，资金使用符合财务管理制度规定，无截留挪用情况。")


def _groups_b() -> tuple[Group, ...]:
    def items(*rows: tuple[str, float, float], long: bool = True) -> tuple[Item, ...]:
        notes = (LONG_NOTE if long else "依据充分", "按计划完成")
        return tuple(Item(n, w, s, notes[k % 2]) for k, (n, w, s) in enumerate(rows))
    return (Group("项目决策", 20, (Group("项目立项", 10, items(("立项依据充分性", 5, 5), ("立项程序规范性", 5, 4),
                                                          long=False)),
                                 Group("绩效目标", 10, items(("绩效目标合理性", 5, 4), ("绩效指标明确性", 5, 5),
                                                          long=False)))),
            Group("项目过程", 30, (Group("资金管理", 15, items(("资金到位率", 5, 5), ("预算执行率", 5, 4),
                                                          ("资金使用合规性", 5, 5))),
                                 Group("组织实施", 15, items(("管理制度健全性", 7, 6), ("制度执行有效性", 8, 7))))),
            Group("项目产出", 30, (Group("产出", 30, items(("实际完成率", 10, 9), ("质量达标率", 10, 9),
                                                       ("完成及时性", 10, 8))),)),
            Group("项目效益", 20, (Group("效益", 20, items(("社会效益", 10, 8), ("满意度", 10, 7))),)))


CASE_B = SerCase(
    region="湛江市", report_year=2021, fund_year=2020, project="湛江市城市道路照明节能改造工程（二期）",
    department="湛江市城市管理和综合执法局", filler="黄志明", phone="0759-3388123", date=("2021/5/20", "2021-05-20"),
    contact="吴丽", tel="3388100", mobile="", address="湛江市赤坎区海滨大道中28号", postcode="524000",
    intro=("负责全市城市道路照明设施的建设、管理和维护。",), content="对主城区主次干道路灯进行LED节能改造，共改造灯具3560盏。",
    money_unit="元", sources=(("合计", "合计"), ("省财政资金", "省财政资金"), ("市财政资金", "市财政资金")),
    funds=(("预算安排", "预算数", (D("1265.41"), D("800"), D("465.41"))),
           ("实际投入", "实际投入", (D("1265.41"), D("800"), D("465.41"))),
           ("实际到位", "实际到位", (D("1265.41"), D("800"), D("465.41"))),
           ("实际支出", "实际支出", (D("1180.3256"), D("800"), D("380.3256"))),
           ("资金结余", "资金结余", (D("85.0844"), None, D("85.0844")))),
    rates=(("实际到位率", ("100%", "100%", "100%")), ("支出实现率", ("93.28%", "100%", "81.72%")),
           ("预算完成率", ("93.28%", None, None))),
    details=(Detail("专用设备购置", D("1265.41"), D("1180.3256"), "湛财建〔2020〕88号"),),
    detail_total=(D("1265.41"), D("1180.3256")), blank_details=(),
    groups=_groups_b(), total="85", grade="良好", findings=(("部分路段改造进度滞后，" * 4, "加强施工组织调度。"),),
    blank_findings=0, font_size=9.0, widths=(55, 48, 60, 82, 82, 82, 60, 46),
    score_widths=(55, 60, 90, 40, 190, 80), weight_column=True, repeat_header=True,
)

CASE_C1 = replace(
    CASE_A, region="荔湾区", region_label="县(市、区)", report_year=2023, fund_year=2022,
    project="荔湾区老旧小区微改造项目前期咨询服务及第三方监理服务采购项目",
    department="广州市荔湾区住房和城乡建设局", mobile="", intro=("区住房和城乡建设局为区政府工作部门。",),
    content="完成12个老旧小区微改造项目的前期咨询与监理。",
    sources=(("合计", "合计"), ("市财政资金", "市财政资金"), ("本级财政资金", "本级财政资金"),
             ("中央财政资金", "中央财政资金"), ("其他资金", "其他资金")),
    funds=(("预算安排", "预算数", (D("88"), D("40"), D("48"), None, None)),
           ("实际投入", "实际投入", (D("88"), D("40"), D("48"), None, None)),
           ("实际到位", "实际到位", (D("88"), D("40"), D("48"), None, None)),
           ("实际支出", "实际支出", (D("70.4"), D("40"), D("30.4"), None, None)),
           ("资金结余", "资金结余", (D("17.6"), D("0"), D("17.6"), None, None))),
    rates=(("实际到位率", ("100%", None, None, None, None)), ("支出实现率", ("80%", None, None, None, None)),
           ("预算完成率", ("80%", None, None, None, None))),
    details=(Detail("咨询费", D("88"), D("70.4"), "荔财〔2022〕7号"),), detail_total=(D("88"), D("70.4")),
    blank_details=("2",), total="78", grade="中等", findings=(), blank_findings=4, font_size=7.5,
    widths=(70, 56, 56, 66, 66, 66, 66, 69), repeat_header=True, gap_before_scores=120,
)
CASE_C2 = replace(CASE_A, project="遂溪县城乡环境卫生保洁服务", total="59", grade="不及格",
                  findings=(), blank_findings=2, gap_before_scores=60)


# -------------------------------------------------------------------- helpers

def _content(rec: Any) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in content_fields(type(rec))}


def _sort_key(rec: dict[str, Any]) -> str:
    return repr(sorted((k, str(v)) for k, v in rec.items()))


def _table(report: ReportRec, table: str) -> list[dict[str, Any]]:
    return sorted((_content(r) for r in getattr(report, table)), key=_sort_key)


def _assert_report(got: ReportRec, want: ReportRec) -> None:
    assert {f: getattr(got, f) for f in REPORT_FIELDS} == {f: getattr(want, f) for f in REPORT_FIELDS}
    for table in RECORD_TABLES:
        assert _table(got, table) == _table(want, table), table
        for rec in getattr(got, table):
            assert rec.page is not None and rec.bbox is not None and rec.confidence == 1.0, (table, rec)


def _render(tmp_path: Path, cases: list[SerCase]) -> tuple[ExtractResult, list[ReportRec]]:
    path, want = render(cases, tmp_path / "ser.pdf")
    return extract_path(path), want


def _score_grid(result: ExtractResult, k: int = 0) -> Grid:
    return [g for g in result.document.grids() if any(c.text == "三级指标" for c in g.cells)][k]


# ---------------------------------------------------------------------- tests

@pytest.mark.parametrize("case", [CASE_A, CASE_B], ids=["county-wan", "city-yuan-weight-column"])
def test_rendered_report_exact(tmp_path: Path, case: SerCase) -> None:
    result, want = _render(tmp_path, [case])
    assert [r.report_type for r in result.reports] == ["self_eval_report"]
    _assert_report(result.reports[0], want[0])


def test_score_table_breaks_across_pages(tmp_path: Path) -> None:
    result, want = _render(tmp_path, [CASE_B])
    assert len(_score_grid(result).pages) == 2  # the header repeats on the second page
    assert len(result.reports[0].scores) == len(want[0].scores) == 14


def test_several_reports_in_one_pdf(tmp_path: Path) -> None:
    result, want = _render(tmp_path, [CASE_C1, CASE_C2])
    assert [r.project_name for r in result.reports] == [CASE_C1.project, CASE_C2.project]
    for got, expected in zip(result.reports, want):
        _assert_report(got, expected)
    assert result.reports[0].findings == [] and result.reports[1].findings == []
    assert len(_score_grid(result, 1).pages) == 2  # breaks without the header repeated


def test_amounts_in_yuan_are_converted(tmp_path: Path) -> None:
    result, _ = _render(tmp_path, [CASE_B])
    budget = next(f for f in result.reports[0].funds if f.measure == "预算数" and f.source == "合计")
    assert (budget.raw, budget.amount_wan) == ("12,654,100.00", D("1265.41"))


OCR_SLIPS = {"合计": "合计.", "资金结余": ".资金结余", "实际到位率": "实际到位車", "资金安排年份": "资金安排午份",
             "自评等次": "自评等欠", "电话": ".电话", "7756688": "7756688.", "0.5": "0.5.", "上级财政资金": "上级财政资全"}


def test_ocr_slips_in_labels_and_specks_around_numbers(tmp_path: Path) -> None:
    """Labels one character off and dots of scan noise give the same records."""
    from extractors.self_eval_report import EXTRACTOR

    result, want = _render(tmp_path, [CASE_A])
    touched = 0
    for grid in result.document.grids():
        for cell in grid.cells:
            if cell.text in OCR_SLIPS:
                cell.text, touched = OCR_SLIPS[cell.text], touched + 1
    assert touched >= len(OCR_SLIPS)
    _assert_report(EXTRACTOR.extract(result.document), want[0])


def test_report_labels_tolerate_one_ocr_slip() -> None:
    assert LABELS.match("资金安排午份", L.SER_FISCAL_YEAR) == "资金安排年份"
    assert LABELS.match("自评情况说明（每项指标描述在100字以内）", L.SER_SCORE_NOTE) == "自评情况说明"
    assert LABELS.match("自评情况说明每项指标描述在100字以内", L.SER_SCORE_NOTE) == "自评情况说明"
    assert LABELS.match("电活", ("电话",)) is None  # short labels only match exactly
    assert LABELS.match("自评等欠", L.SER_GRADE) == "自评等次"  # synonyms may tie: the first listed wins


def test_a_slip_never_turns_one_report_label_into_another() -> None:
    assert LABELS.match("一级指标", L.SER_SCORE_NAME) is None
    assert LABELS.match("三级指杯", L.SER_SCORE_NAME) == "三级指标"
    assert LABELS.match("项目主管单位基本情况", L.SER_DEPARTMENT) is None  # a longer label, not a prefix


def test_classify_fund_rows() -> None:
    assert classify_row("预算安排") == ("measure", "预算数")
    assert classify_row("实际到位率") == ("rate", "实际到位率")
    assert classify_row("支出实现車") == ("rate", "支出实现率")
    assert classify_row("合计") is None


@pytest.mark.parametrize("text,want", [("无", None), (" / ", None), ("", None), ("…", None), ("0", "0"), ("5.", "5"), ("5618783.", "5618783"), ("满意.", "满意."),
                                       ("政法网(二期)\n工程", "政法网(二期)工程")])
def test_value_of_placeholders(text: str, want: str | None) -> None:
    assert value_of(Cell(row=0, col=0, rowspan=1, colspan=1, text=text, bbox=(0, 0, 1, 1), page=1)) == want


@pytest.mark.skipif(not SAMPLE.exists(), reason=f"sample set {SAMPLES} not available")
def test_sample_f1_is_one() -> None:
    from pipeline.evaluate import load_truth, score_document

    score = score_document(extract_path(SAMPLE).reports, load_truth(SAMPLE.with_suffix(".json")))
    assert {t: s.f1 for t, s in score.tables.items()} == {t: 1.0 for t in score.tables}



def test_region_from_the_title_uses_the_region_vocabulary() -> None:
    assert region([], "湛江市2022年度财政支出（项目）绩效自评报告") == "湛江市"
    assert region([], "鄂托克旗2022年度项目支出绩效自评报告") == "鄂托克旗"
    assert region([], "2022年度项目支出绩效自评报告") is None


def test_a_value_read_after_dropping_marks_around_it_goes_to_review() -> None:
    """'12,654,100.00,,.' (marks a scan or a broken row added) reads as the number, with a
    confidence below the review threshold; a clean cell keeps its own confidence."""
    from extractors.self_eval_report_tables import STRIPPED_CONFIDENCE, located_value
    from schemas.views import REVIEW_THRESHOLD

    specked = Cell(row=0, col=0, rowspan=1, colspan=1, text="12,654,100.00,,.", bbox=(0, 0, 50, 10), page=2)
    clean_cell = Cell(row=0, col=1, rowspan=1, colspan=1, text="8,000,000.00", bbox=(50, 0, 100, 10), page=2)
    assert value_of(specked) == "12,654,100.00"
    assert located_value(specked, value_of(specked))["confidence"] == STRIPPED_CONFIDENCE < REVIEW_THRESHOLD
    assert located_value(clean_cell, value_of(clean_cell)) == {"page": 2, "bbox": (50, 0, 100, 10), "confidence": 1.0}

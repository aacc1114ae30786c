"""project_targets: exact records on rendered variants, inline indicators, F1 = 1.0 on the seed sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extractors.project_targets import line_pairs
from extractors.project_targets_inline import InlineValue, parse_inline_indicators
from pipeline.evaluate import load_truth, score_document
from pipeline.extract import extract_pdf
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields
from tests.fixtures.render_project_targets import CASES, ProjCase, render
from tests import shared

SAMPLES = shared.SAMPLES
SAMPLE = SAMPLES / "003_ea312ea17febd7a7.pdf"


def records(report: ReportRec, table: str) -> list[dict[str, Any]]:
    fields = content_fields(RECORD_TABLES[table])
    return [{f: getattr(rec, f) for f in fields} for rec in getattr(report, table)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjCase, ReportRec, ReportRec]:
    case = request.param
    path, want = render(case, tmp_path_factory.mktemp(case.name))
    reports = extract_pdf(path).reports
    assert [r.report_type for r in reports] == ["project_targets"]
    return case, reports[0], want


def test_report_fields(rendered: tuple[ProjCase, ReportRec, ReportRec]) -> None:
    _, got, want = rendered
    assert {f: getattr(got, f) for f in REPORT_FIELDS} == {f: getattr(want, f) for f in REPORT_FIELDS}


@pytest.mark.parametrize("table", ["projects", "funds", "indicators", "facts", "scores", "findings"])
def test_records(rendered: tuple[ProjCase, ReportRec, ReportRec], table: str) -> None:
    _, got, want = rendered
    assert records(got, table) == records(want, table)


def test_every_record_is_located(rendered: tuple[ProjCase, ReportRec, ReportRec]) -> None:
    case, got, _ = rendered
    recs = got.projects + got.funds + got.indicators
    assert recs and all(r.page is not None and r.bbox is not None and r.confidence == 1.0 for r in recs)
    assert (max(r.page for r in recs) > 1) == (case.name != "yuan_one_line")


def test_inline_entry_with_both_periods_gives_two_values() -> None:
    text = ("1、1-产出指标；11-数量指标；培训次数；实施周期指标值:4次；年度指标值:2次。"
            "2、2-效益指标；22-社会效益；治安形势；实施周期指标值:持续向好。；年度指标值:总体平稳。"
            "3、3-满意度指标；31-服务对象满意度；群众满意度；年度指标值:≥90%。")
    assert parse_inline_indicators(text) == [
        InlineValue(1, "产出指标", "数量指标", "培训次数", "4次", "实施周期"),
        InlineValue(1, "产出指标", "数量指标", "培训次数", "2次", "年度"),
        InlineValue(2, "效益指标", "社会效益指标", "治安形势", "持续向好。", "实施周期"),
        InlineValue(2, "效益指标", "社会效益指标", "治安形势", "总体平稳。", "年度"),
        InlineValue(3, "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "年度"),
    ]


def test_inline_text_wrapped_with_spaces_and_full_width_colons() -> None:
    text = "1、1-产出指标；12-质量指标；验收\n合格率；实施周期指标值：100%；年度\n指标值：100%。"
    assert parse_inline_indicators(text) == [
        InlineValue(1, "产出指标", "质量指标", "验收合格率", "100%", "实施周期"),
        InlineValue(1, "产出指标", "质量指标", "验收合格率", "100%", "年度"),
    ]


def test_text_that_is_not_inline_entries_gives_nothing() -> None:
    assert parse_inline_indicators("完成年度工作任务，群众满意度达到90%。") == []
    assert parse_inline_indicators("") == []


def test_line_pairs_reads_several_pairs_of_one_line() -> None:
    assert line_pairs("部门名称：中共某某县委宣传部    单位：元") == {"部门名称": "中共某某县委宣传部", "单位": "元"}
    assert line_pairs("预算年度:2024  金额单位：万元") == {"预算年度": "2024", "金额单位": "万元"}


@pytest.mark.skipif(not SAMPLE.exists(), reason="seed samples not available (/work/shared/samples)")
def test_sample_scores_f1_one() -> None:
    result = extract_pdf(SAMPLE)
    score = score_document(result.reports, load_truth(SAMPLE.with_suffix(".json")))
    assert {t: s.f1 for t, s in score.tables.items()} == {t: 1.0 for t in score.tables}


def test_inline_entries_read_by_ocr_with_commas_and_a_misread_level() -> None:
    text = "1，1-产岀指标;11-数量指标;培训次数;实施周期指标值:4次;年度指标值:4次。"
    assert parse_inline_indicators(text) == [
        InlineValue(1, "产出指标", "数量指标", "培训次数", "4次", "实施周期"),
        InlineValue(1, "产出指标", "数量指标", "培训次数", "4次", "年度"),
    ]

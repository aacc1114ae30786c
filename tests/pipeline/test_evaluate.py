"""Tests for pipeline.evaluate: scoring extracted reports against ground truth."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluate import (
    ALL_TABLES, TABLES, Truth, format_score, load_truth, pred_from_json, reports_to_json,
    score_document, truth_to_reports,
)
from schemas.records import FactRec, FundRec, ReportRec
from tests import shared

SAMPLES = shared.SAMPLES
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))


def _fund(measure: str, source: str | None, amount: float, **extra: Any) -> dict[str, Any]:
    return {"project": "甲项目", "measure": measure, "source": source, "category": None,
            "level": None, "amount_wan": amount, "raw": str(amount), **extra}


def _fact(key: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"project": "甲项目", "key": key, "value": value, "value_num": None, "unit": None,
            **extra}


def _report(name: str, **extra: Any) -> dict[str, Any]:
    rep: dict[str, Any] = {
        "report_type": "self_eval_report", "title": "某县2021年财政支出绩效自评报告",
        "region": "某县", "fiscal_year": 2020, "department": "某部门", "unit": None,
        "project_name": name, "amount_unit": "万元", "total_score": 95.5, "grade": "优秀",
        "projects": [{"project": None, "name": name, "unit": None, "content": "建设 内容",
                      "goal": None}],
        "funds": [_fund("预算数", "合计", 120.5), _fund("预算数", "本级财政资金", 100.5),
                  _fund("实际支出", "合计", 20)],
        "indicators": [], "scores": [], "findings": [],
        "facts": [_fact("联系人", "张三"), _fact("联系电话", "0755-1234567")],
    }
    rep.update(extra)
    if name != "甲项目":
        for table in ("funds", "facts"):
            rep[table] = [dict(r, project=name) for r in rep[table]]
    return rep


def _truth(*reports: dict[str, Any]) -> Truth:
    return Truth(file="t.pdf", layout="self_eval_report", kind="digital", pages=3,
                 reports=list(reports))


def _counts(score: Any, table: str) -> tuple[int, int, int]:
    t = score.tables[table]
    return t.tp, t.fp, t.fn


# ------------------------------------------------------------ samples

@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_truth_against_itself_scores_one(path: Path) -> None:
    truth = load_truth(path)
    score = score_document(truth_to_reports(truth), truth)
    assert score.overall_f1 == 1.0
    assert score.mismatches == []
    for table in TABLES:
        required = sum(not r.get("optional") for rep in truth.reports for r in rep.get(table, []))
        assert _counts(score, table) == (required, 0, 0)
    assert _counts(score, "reports") == (len(truth.reports), 0, 0)


def test_samples_present() -> None:
    assert len(SAMPLE_FILES) == 7


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_json_round_trip_scores_one(path: Path, tmp_path: Path) -> None:
    truth = load_truth(path)
    dump = tmp_path / "pred.json"
    dump.write_text(json.dumps(reports_to_json(truth_to_reports(truth)), ensure_ascii=False),
                    encoding="utf-8")
    assert score_document(pred_from_json(dump), truth).overall_f1 == 1.0


def test_load_truth_fields() -> None:
    truth = load_truth(SAMPLES / "002_480007bc3b6e9f33.json")
    assert (truth.file, truth.layout, truth.kind, truth.pages) == (
        "002_480007bc3b6e9f33.pdf", "self_eval_report", "digital", 12)
    assert len(truth.reports) == 4


def test_sample_missing_report_costs_only_its_records() -> None:
    truth = load_truth(SAMPLES / "002_480007bc3b6e9f33.json")
    pred = truth_to_reports(truth)
    del pred[1]
    score = score_document(pred, truth)
    assert _counts(score, "reports") == (3, 0, 1)
    assert _counts(score, "scores") == (63, 0, 21)
    assert _counts(score, "funds") == (46, 0, 14)
    assert score.tables["funds"].precision == 1.0
    assert score.mismatches[0].startswith("R2 missing report")


# ------------------------------------------------------------ conversion

def test_truth_to_reports_types_and_dropped_keys() -> None:
    rep = _report("甲项目", alt={"project_name": ["甲 项目X"]}, render={"x": 1})
    rep["facts"].append(_fact("金额", "1,265.41万元", value_num=1265.41, unit="万元",
                              optional=True, _raw="x"))
    (out,) = truth_to_reports(_truth(rep))
    assert isinstance(out, ReportRec)
    assert out.project_name == "甲项目"
    assert out.funds[0] == FundRec(project="甲项目", measure="预算数", source="合计",
                                   amount_wan=Decimal("120.5"), raw="120.5")
    assert out.funds[2].amount_wan == Decimal("20")
    assert out.facts[2] == FactRec(project="甲项目", key="金额", value="1,265.41万元",
                                   value_num=Decimal("1265.41"), unit="万元")
    assert out.facts[0].value_num is None


def test_reports_to_json_shape_and_floats() -> None:
    rep = ReportRec(report_type="dept_targets", fiscal_year=2021,
                    funds=[FundRec(project=None, measure="预算数",
                                   amount_wan=Decimal("1265.41"), page=2)])
    data = reports_to_json([rep])
    (out,) = data["reports"]
    assert out["funds"] == [{"project": None, "measure": "预算数", "source": None,
                             "category": None, "level": None, "amount_wan": 1265.41,
                             "raw": None}]
    assert out["fiscal_year"] == 2021 and out["projects"] == []
    located = reports_to_json([rep], locations=True)["reports"][0]
    assert (located["page_start"], located["funds"][0]["page"]) == (1, 2)


# ------------------------------------------------------------ scoring rules

def test_removing_one_fund_gives_one_false_negative() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth)
    del pred[0].funds[1]
    score = score_document(pred, truth)
    assert _counts(score, "funds") == (2, 0, 1)
    assert score.tables["funds"].recall == pytest.approx(2 / 3)
    assert score.tables["funds"].precision == 1.0
    assert len(score.mismatches) == 1
    assert "missing" in score.mismatches[0] and "本级财政资金" in score.mismatches[0]


def test_altering_one_field_gives_one_fp_and_fn_naming_the_field() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth)
    pred[0].funds[1].amount_wan = Decimal("100.6")
    score = score_document(pred, truth)
    assert _counts(score, "funds") == (2, 1, 1)
    assert score.fields["funds"]["amount_wan"] == (2, 3)
    assert score.fields["funds"]["measure"] == (3, 3)
    (line,) = score.mismatches
    assert "amount_wan: got 100.6 want 100.5" in line
    assert "raw" not in line.split(":", 1)[1]


def test_long_text_difference_shows_position() -> None:
    truth = _truth(_report("甲项目"))
    truth.reports[0]["projects"][0]["content"] = "一二三四五六七八九十" * 5
    pred = truth_to_reports(truth)
    pred[0].projects[0].content = "一二三四五六七八九十" * 2 + "X" + "一二三四五六七八九十" * 3
    (line,) = score_document(pred, truth).mismatches
    assert "content:" in line and "first difference at char 20" in line


def test_alt_values_accepted() -> None:
    rep = _report("甲项目", alt={"project_name": ["甲项目（一期）"]})
    rep["funds"][0]["alt"] = {"amount_wan": [1205000], "raw": ["*"]}
    truth = _truth(rep)
    pred = truth_to_reports(truth)
    pred[0].project_name = "甲项目(一期)"
    pred[0].funds[0].amount_wan = Decimal("1205000")
    pred[0].funds[0].raw = "anything"
    score = score_document(pred, truth)
    assert score.overall_f1 == 1.0
    pred[0].funds[0].amount_wan = Decimal("1205")
    assert _counts(score_document(pred, truth), "funds") == (2, 1, 1)


def test_sample_alt_indicator_accepted() -> None:
    truth = load_truth(SAMPLES / "000_a06850789114318c.json")
    pred = truth_to_reports(truth)
    (ind,) = [i for i in pred[0].indicators if i.target == "102.24万"]
    ind.target_value, ind.target_unit = 102.24, "万元"
    assert score_document(pred, truth).overall_f1 == 1.0


def test_project_alias_applies_to_record_project_field() -> None:
    rep = _report("甲项目", alt={"project_name": ["甲项目工程"]})
    truth = _truth(rep)
    pred = truth_to_reports(truth)
    pred[0].project_name = "甲项目工程"
    for rec in pred[0].funds + pred[0].facts:
        rec.project = "甲项目工程"
    assert score_document(pred, truth).overall_f1 == 1.0


def test_optional_records_not_counted() -> None:
    rep = _report("甲项目")
    rep["facts"].append(_fact("资金支出依据", "某文件", optional=True))
    truth = _truth(rep)
    with_opt = truth_to_reports(truth)
    without = truth_to_reports(truth)
    del without[0].facts[2]
    assert _counts(score_document(with_opt, truth), "facts") == (2, 0, 0)
    assert _counts(score_document(without, truth), "facts") == (2, 0, 0)
    with_opt[0].facts[2].value = "另一文件"
    assert _counts(score_document(with_opt, truth), "facts") == (2, 1, 0)


def test_whitespace_and_nfkc_ignored() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth)
    pred[0].title = "某县2021年财政支出\n绩效自评 报告"
    pred[0].projects[0].content = "建设内容"
    pred[0].facts[1].value = "０７５５－１２３４５６７"
    pred[0].total_score = 95.50000000000001
    assert score_document(pred, truth).overall_f1 == 1.0
    pred[0].total_score = 95.5001
    assert _counts(score_document(pred, truth), "reports") == (0, 1, 1)


def test_empty_string_equals_none() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth)
    pred[0].unit = " "
    assert score_document(pred, truth).overall_f1 == 1.0


def test_matching_is_one_to_one() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth)
    pred[0].facts.append(copy.copy(pred[0].facts[0]))
    score = score_document(pred, truth)
    assert _counts(score, "facts") == (2, 1, 0)
    assert "duplicate" in score.mismatches[0]


def test_report_pairing_with_missing_report() -> None:
    truth = _truth(_report("甲项目"), _report("乙项目"), _report("丙项目"))
    pred = truth_to_reports(truth)
    del pred[1]
    pred.reverse()
    score = score_document(pred, truth)
    assert _counts(score, "reports") == (2, 0, 1)
    assert _counts(score, "funds") == (6, 0, 3)
    assert _counts(score, "facts") == (4, 0, 2)
    assert score.mismatches == [
        "R2 missing report (no prediction paired) {report_type='self_eval_report' "
        "project_name='乙项目' title='某县2021年财政支出绩效自评报告'}: 7 records"]


def test_extra_report_counts_false_positives() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth) + [ReportRec(report_type="dept_targets", title="别的表",
                                                 project_name="无关")]
    score = score_document(pred, truth)
    assert _counts(score, "reports") == (1, 1, 0)
    assert score.mismatches[0].startswith("P2 extra report")


def test_format_score_lists_tables_and_weak_fields() -> None:
    truth = _truth(_report("甲项目"))
    pred = truth_to_reports(truth)
    pred[0].grade = "良好"
    text = format_score(score_document(pred, truth), mismatches=1)
    for table in ALL_TABLES:
        assert f"\n{table} " in text
    assert "reports.grade 0/1" in text
    assert text.splitlines()[-1].startswith("R1 reports ≠")


def test_alternatives_matched_one_to_one_by_augmenting() -> None:
    rep = _report("甲项目")
    rep["funds"] = [_fund("预算数", "合计", 10, alt={"amount_wan": [20]}),
                    _fund("预算数", "合计", 10, alt={"raw": ["十"]})]
    truth = _truth(rep)
    pred = truth_to_reports(truth)
    pred[0].funds[1].amount_wan = Decimal("20")
    assert _counts(score_document(pred, truth), "funds") == (2, 0, 0)
    pred[0].funds[1].amount_wan = Decimal("30")
    assert _counts(score_document(pred, truth), "funds") == (1, 1, 1)

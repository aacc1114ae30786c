"""Tests for pipeline.review and ``jixiao review``: low-confidence (OCR) values with their place."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from pipeline.review import ReviewItem, low_confidence, review_rows
from pipeline.store import store_document
from schemas.records import FactRec, FindingRec, FundRec, IndicatorRec, ProjectRec, ReportRec, ScoreRec
from tests.pipeline.dbdata import BACKENDS, meta, new_engine

P = "综治视联网项目"
BOX = (10.0, 20.0, 30.5, 40.25)


def scanned_report() -> ReportRec:
    return ReportRec(
        report_type="self_eval_form", title="自评表", page_start=1, page_end=2,
        projects=[ProjectRec(name=P, page=1, confidence=0.88, bbox=BOX)],
        funds=[FundRec(project=P, measure="实际支出", source="合计", amount_wan=Decimal("194.17"), raw="194.17",
                       page=1, bbox=BOX, confidence=0.42),
               FundRec(project=P, measure="预算数", source="合计", amount_wan=Decimal("194.17"), raw="194.17",
                       page=1, confidence=0.97)],
        indicators=[IndicatorRec(project=P, level1="产出指标", level2="数量指标", name="村居数量", target="284个",
                                 actual="28A个", page=2, confidence=0.61)],
        scores=[ScoreRec(project=P, level1="产出", level1_weight=None, level2=None, level2_weight=None,
                         name="数量", weight=5.0, score=4.5, page=2, confidence=0.9)],
        findings=[FindingRec(project=P, seq=1, problem="制度不够规范", page=2, confidence=0.7)],
        facts=[FactRec(project=P, key="联系人", value="张振宇", page=1, confidence=0.895)],
    )


@pytest.fixture(params=BACKENDS)
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    eng = new_engine(tmp_path, request.param)
    store_document(eng, meta(file_name="000_scan.pdf", kind="scanned"), [scanned_report()])
    return eng


def test_low_confidence_values_least_sure_first(engine: Engine) -> None:
    items = low_confidence(engine)
    assert [(i.table, i.field, i.value, i.confidence, i.page) for i in items] == [
        ("funds", "实际支出", "194.17", 0.42, 1),
        ("indicators", "村居数量", "28A个", 0.61, 2),
        ("findings", "problem", "制度不够规范", 0.7, 2),
        ("projects", "name", P, 0.88, 1),
        ("facts", "联系人", "张振宇", 0.895, 1),
    ]
    assert items[0] == ReviewItem(file_name="000_scan.pdf", page=1, bbox="10.0,20.0,30.5,40.2", table="funds",
                                  record_id=1, report_id=1, field="实际支出", value="194.17", confidence=0.42)


def test_threshold(engine: Engine) -> None:
    assert [i.table for i in low_confidence(engine, 0.5)] == ["funds"]
    assert [i.table for i in low_confidence(engine, 0.91)][-1] == "scores"
    assert low_confidence(engine, 0.0) == []
    with pytest.raises(ValueError):
        low_confidence(engine, 1.5)


def test_review_rows_for_printing() -> None:
    item = ReviewItem(file_name="a.pdf", page=3, bbox=None, table="facts", record_id=7, report_id=1,
                      field="联系人", value="张三", confidence=0.87654)
    assert review_rows([item]) == (["file", "page", "box", "table", "field", "value", "confidence"],
                                   [("a.pdf", 3, None, "facts", "联系人", "张三", 0.877)])
    long = ReviewItem(file_name="a.pdf", page=3, bbox=None, table="facts", record_id=7, report_id=1,
                      field="情况", value="甲乙丙丁戊", confidence=0.5)
    assert review_rows([long], max_value=3)[1][0][5] == "甲乙…"
    assert review_rows([long], max_value=5)[1][0][5] == "甲乙丙丁戊"


def test_cli_review(tmp_path: Path) -> None:
    from pipeline.cli import app

    eng = new_engine(tmp_path, name="cli.db")
    store_document(eng, meta(file_name="000_scan.pdf", kind="scanned"), [scanned_report()])
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(app, ["review", "--db", url, "--threshold", "0.5", "--csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["file,page,box,table,field,value,confidence",
                                          '000_scan.pdf,1,"10.0,20.0,30.5,40.2",funds,实际支出,194.17,0.42']
    assert CliRunner().invoke(app, ["review", "--db", url, "--threshold", "2"]).exit_code == 2

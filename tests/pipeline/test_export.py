"""Tests for pipeline.export: CSV (UTF-8 BOM) and XLSX, filters, formula neutralising."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from pipeline.export import column_width, export_tables
from pipeline.store import store_document
from schemas.db import create_schema
from tests.pipeline.dbdata import (
    BACKENDS, LONG_TEXT, PROJECT, dept_targets_report, meta, new_engine, self_eval_report,
)

TABLES = ["documents", "reports", "report_text", "tables_parsed", "projects", "funds",
          "indicators", "scores", "findings", "facts", "checks"]
VIEW = ("CREATE VIEW v_funds AS SELECT f.fund_id, f.report_id, r.title, f.amount_wan "
        "FROM funds f JOIN reports r ON r.report_id = f.report_id")


@pytest.fixture(params=BACKENDS)
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    eng = new_engine(tmp_path, request.param)
    create_schema(eng, views=[VIEW])
    store_document(eng, meta(), [self_eval_report()])
    store_document(eng, meta(sha="b" * 64, file_name="001.pdf"), [dept_targets_report()])
    return eng


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_csv_one_file_per_table_and_view(engine: Engine, tmp_path: Path) -> None:
    files = export_tables(engine, tmp_path / "out", "csv")
    assert [f.name for f in files] == [f"{t}.csv" for t in TABLES] + ["v_funds.csv"]
    assert all(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in files)


def test_csv_read_back_equals_table(engine: Engine, tmp_path: Path) -> None:
    export_tables(engine, tmp_path / "out", "csv")
    funds = _csv(tmp_path / "out" / "funds.csv")
    assert list(funds.columns) == ["fund_id", "report_id", "project_id", "measure", "source",
                                   "category", "level", "amount_wan", "amount_e6", "raw", "page",
                                   "bbox", "confidence"]
    assert funds.values.tolist() == [
        ["1", "1", "1", "预算数", "合计", "", "", "2868.5739", "2868573900", "2868.5739", "3",
         "1.0,2.0,3.0,4.0", "1"],
        ["2", "1", "1", "实际支出", "本级财政资金", "咨询费", "县区", "1.234567", "1234567",
         "12345.67元", "3", "", "0.875"],
        ["3", "1", "", "资金结余", "", "", "", "-12.5", "-12500000", "-12.5", "3", "", "1"],
        ["4", "2", "", "预算数", "财政拨款", "", "", "100.5", "100500000", "100.50", "1", "", "1"],
    ]
    facts = _csv(tmp_path / "out" / "facts.csv")
    assert facts[["key", "value", "value_num", "value_real"]].values.tolist() == [
        ["实际到位率", "99.31%", "99.31", "99.31"], ["联系电话", "'+86 0762-5618803", "", ""],
        ["评价年度", "2020", "2020", "2020"], ["结余", "-12.5", "-12.5", "-12.5"]]
    findings = _csv(tmp_path / "out" / "findings.csv")
    assert findings[["problem", "measure"]].values.tolist() == [["'=HYPERLINK(\"x\")", "'@加强管理"]]
    reports = _csv(tmp_path / "out" / "reports.csv")
    assert "text" not in reports.columns
    assert reports[["report_id", "title", "fiscal_year", "total_score"]].values.tolist() == [
        ["1", "和平县雪亮工程项目绩效自评报告", "2020", "98"],
        ["2", "部门整体预算绩效目标表", "2021", ""]]
    view = _csv(tmp_path / "out" / "v_funds.csv")
    assert view.values.tolist()[0] == ["1", "1", "和平县雪亮工程项目绩效自评报告", "2868.5739"]
    indicators = _csv(tmp_path / "out" / "indicators.csv")
    assert indicators.loc[0, "deviation"] == LONG_TEXT


def test_filter_by_report_type(engine: Engine, tmp_path: Path) -> None:
    export_tables(engine, tmp_path / "out", "csv", report_type="dept_targets")
    assert _csv(tmp_path / "out" / "documents.csv")["file_name"].tolist() == ["001.pdf"]
    assert _csv(tmp_path / "out" / "reports.csv")["report_id"].tolist() == ["2"]
    assert _csv(tmp_path / "out" / "funds.csv")["fund_id"].tolist() == ["4"]
    assert _csv(tmp_path / "out" / "v_funds.csv")["fund_id"].tolist() == ["4"]
    assert len(_csv(tmp_path / "out" / "facts.csv")) == 0


def test_filter_by_report_ids(engine: Engine, tmp_path: Path) -> None:
    export_tables(engine, tmp_path / "out", "csv", report_ids=[1])
    assert _csv(tmp_path / "out" / "documents.csv")["file_name"].tolist() == ["002.pdf"]
    assert _csv(tmp_path / "out" / "funds.csv")["fund_id"].tolist() == ["1", "2", "3"]
    assert _csv(tmp_path / "out" / "projects.csv")["name"].tolist() == [
        PROJECT, " 政法信息网\n（二期）工程"]
    export_tables(engine, tmp_path / "none", "csv", report_ids=[1], report_type="dept_targets")
    assert len(_csv(tmp_path / "none" / "funds.csv")) == 0


def test_xlsx_sheets_frozen_widths_and_safe_cells(engine: Engine, tmp_path: Path) -> None:
    files = export_tables(engine, tmp_path / "out", "xlsx")
    assert files == [tmp_path / "out" / "jixiao.xlsx"]
    book = load_workbook(files[0])
    assert book.sheetnames == TABLES + ["v_funds"]
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)
    funds = book["funds"]
    assert [c.value for c in funds[1]][:3] == ["fund_id", "report_id", "project_id"]
    assert funds["H2"].value == pytest.approx(2868.5739) and funds["H2"].data_type == "n"
    assert funds["H4"].value == -12.5 and funds["I4"].value == -12500000
    assert funds["J4"].value == "-12.5" and funds["J4"].data_type == "s"
    findings = book["findings"]
    assert findings["E2"].value == "'=HYPERLINK(\"x\")" and findings["E2"].data_type == "s"
    assert findings["F2"].value == "'@加强管理"
    assert book["facts"]["E3"].value == "'+86 0762-5618803"
    reports = book["reports"]
    assert reports["D1"].value == "title"
    assert reports.column_dimensions["D"].width == 32  # 15 CJK characters + 2
    assert book["indicators"].column_dimensions["P"].width == 60  # capped


def test_column_width() -> None:
    assert column_width("id", [1, 22, None]) == 4
    assert column_width("x", ["湛江市"]) == 8
    assert column_width("x", ["第一行\n第二行很长很长"]) == 16
    assert column_width("x", ["a" * 500]) == 60


def test_unknown_format(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        export_tables(engine, tmp_path, "json")  # type: ignore[arg-type]

"""Tests for schemas.db: models, SQLite engine settings, exact decimals, views."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas.db import (
    Document, Fact, Fund, Project, Report, create_schema, decimal_text, make_engine, to_e6,
    view_name,
)
from tests.pipeline.dbdata import BACKENDS, new_engine

CONTRACT = {
    "documents": ["document_id", "file_name", "path", "sha256", "pages", "kind", "status",
                  "error", "ingested_at", "pipeline_version"],
    "reports": ["report_id", "document_id", "report_type", "title", "region", "fiscal_year",
                "department", "unit", "project_name", "amount_unit", "total_score", "grade",
                "page_start", "page_end"],
    "projects": ["project_id", "report_id", "name", "unit", "content", "goal"],
    "funds": ["fund_id", "report_id", "project_id", "measure", "source", "category", "level",
              "amount_wan", "raw"],
    "indicators": ["indicator_id", "report_id", "project_id", "level1", "level2", "name",
                   "target", "target_op", "target_value", "target_high", "target_unit", "actual",
                   "actual_value", "actual_unit", "period", "deviation", "weight", "score"],
    "scores": ["score_id", "report_id", "project_id", "level1", "level1_weight", "level2",
               "level2_weight", "name", "weight", "score", "target", "actual", "criteria", "note"],
    "findings": ["finding_id", "report_id", "project_id", "seq", "problem", "measure"],
    "facts": ["fact_id", "report_id", "project_id", "key", "value", "value_num", "unit"],
    "checks": ["check_id", "report_id", "project_id", "rule", "severity", "message", "expected",
               "actual"],
}
RECORD_TABLES = ["projects", "funds", "indicators", "scores", "findings", "facts"]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'deep' / 'dir' / 'jx.db'}")
    create_schema(eng)
    return eng


def test_parent_directory_created_and_pragmas_on(engine: Engine, tmp_path: Path) -> None:
    assert (tmp_path / "deep" / "dir" / "jx.db").is_file()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30000


@pytest.mark.parametrize("backend", BACKENDS)
def test_contract_tables_and_columns(tmp_path: Path, backend: str) -> None:
    engine = new_engine(tmp_path, backend)
    create_schema(engine, views=["CREATE VIEW v_one AS SELECT 1 AS one"])
    create_schema(engine, views=["CREATE VIEW v_one AS SELECT 1 AS one"])
    insp = inspect(engine)
    assert insp.get_view_names() == ["v_one"]
    for table, columns in CONTRACT.items():
        names = [c["name"] for c in insp.get_columns(table)]
        assert [n for n in names if n in columns] == columns, table
    for table in RECORD_TABLES:
        names = {c["name"] for c in insp.get_columns(table)}
        assert {"report_id", "page", "bbox", "confidence"} <= names, table
        fks = insp.get_foreign_keys(table)
        report_fk = [fk for fk in fks if fk["referred_table"] == "reports"]
        assert report_fk[0]["options"] == {"ondelete": "CASCADE"}, table
    assert {c["name"] for c in insp.get_columns("report_text")} == {"text_id", "report_id", "page", "text"}
    assert {c["name"] for c in insp.get_columns("tables_parsed")} >= {
        "report_id", "page", "method", "n_rows", "n_cols", "confidence"}
    assert {"amount_e6"} <= {c["name"] for c in insp.get_columns("funds")}
    assert {"value_real"} <= {c["name"] for c in insp.get_columns("facts")}


def test_create_schema_is_idempotent(engine: Engine) -> None:
    create_schema(engine)
    create_schema(engine)
    assert "funds" in inspect(engine).get_table_names()


def _doc(session: Session, sha: str = "f" * 64) -> Document:
    doc = Document(file_name="x.pdf", path="/x.pdf", sha256=sha, kind="digital", status="ok")
    session.add(doc)
    session.flush()
    return doc


def test_sha256_unique_and_status_checked(engine: Engine) -> None:
    with Session(engine) as session:
        _doc(session)
        with pytest.raises(IntegrityError):
            _doc(session)
    with Session(engine) as session:
        session.add(Document(file_name="y", sha256="1" * 64, status="broken"))
        with pytest.raises(IntegrityError):
            session.flush()


def test_delete_cascades_and_ingested_at_set(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        doc = _doc(session)
        report = Report(document_id=doc.document_id, report_type="unknown")
        session.add(report)
        session.flush()
        project = Project(report_id=report.report_id, name="甲")
        session.add(project)
        session.flush()
        session.add(Fund(report_id=report.report_id, project_id=project.project_id, measure="预算数",
                         amount_wan=Decimal("1.5"), amount_e6=1500000))
    with Session(engine) as session:
        assert isinstance(session.get(Document, 1).ingested_at, datetime)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM documents"))
    with engine.connect() as conn:
        for table in ("reports", "projects", "funds"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0


def test_decimal_text_round_trip(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        doc = _doc(session)
        report = Report(document_id=doc.document_id, report_type="unknown")
        session.add(report)
        session.flush()
        for num in (Decimal("2868.57390"), Decimal("1.234567"), 2020, 99.31):
            session.add(Fact(report_id=report.report_id, key="k", value=None, value_num=num))
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT value_num FROM facts ORDER BY fact_id")).scalars().all()
    assert raw == ["2868.5739", "1.234567", "2020", "99.31"]
    with Session(engine) as session:
        nums = [f.value_num for f in session.query(Fact).order_by(Fact.fact_id)]
    assert nums == [Decimal("2868.5739"), Decimal("1.234567"), Decimal("2020"), Decimal("99.31")]
    assert all(isinstance(n, Decimal) for n in nums)


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("2868.5739"), "2868.5739"), (Decimal("1E+3"), "1000"), (Decimal("12.500"), "12.5"),
    (Decimal("-0.0"), "0"), (Decimal("-12.5"), "-12.5"), (0.1, "0.1"), (2020, "2020"),
])
def test_decimal_text(value: object, expected: str) -> None:
    assert decimal_text(value) == expected  # type: ignore[arg-type]


def test_decimal_text_rejects_non_numbers() -> None:
    with pytest.raises(ValueError):
        decimal_text("abc")
    with pytest.raises(ValueError):
        decimal_text(Decimal("NaN"))


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("2868.5739"), 2868573900), (Decimal("1.234567"), 1234567),
    (Decimal("12345.67") / 10000, 1234567), (Decimal("-12.5"), -12500000), (Decimal("0"), 0),
    (Decimal("1.2345678"), None),
])
def test_to_e6_exact_or_none(value: Decimal, expected: int | None) -> None:
    assert to_e6(value) == expected


def test_views_created_and_recreated(engine: Engine) -> None:
    views = ["CREATE VIEW v_fund_total AS SELECT report_id, SUM(amount_e6) AS e6 FROM funds "
             "GROUP BY report_id"]
    create_schema(engine, views=views)
    create_schema(engine, views=["CREATE VIEW v_fund_total AS SELECT 1 AS one"])
    assert inspect(engine).get_view_names() == ["v_fund_total"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT one FROM v_fund_total")).scalar_one() == 1
    assert view_name("create view if not exists v_x as select 1") == "v_x"
    with pytest.raises(ValueError):
        view_name("SELECT 1")


def test_memory_database_works() -> None:
    eng = make_engine("sqlite://")
    create_schema(eng)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1

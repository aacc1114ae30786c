"""Tests for pipeline.store: one transaction per document, exact amounts, idempotence."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from pipeline import store
from pipeline.store import StoreResult, document_exists, store_document
from schemas.db import Fact, Fund, Project, make_engine
from tests.pipeline.dbdata import (
    BACKENDS, LONG_TEXT, OTHER, PROJECT, counts, dept_targets_report, meta, new_engine,
    self_eval_report,
)


@pytest.fixture(params=BACKENDS)
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    return new_engine(tmp_path, request.param)


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_store_new_document(engine: Engine) -> None:
    result = store_document(engine, meta(), [self_eval_report(), dept_targets_report()])
    assert result == StoreResult(status="stored", document_id=1, reports=2, records=13)
    assert counts(engine) == {
        "documents": 1, "reports": 2, "report_text": 3, "tables_parsed": 1, "projects": 2,
        "funds": 4, "indicators": 1, "scores": 1, "findings": 1, "facts": 4, "checks": 0,
    }


def test_document_row(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    assert _rows(engine, "SELECT document_id, file_name, path, sha256, pages, kind, status, error, "
                         "error_code, pipeline_version, size_bytes, seconds FROM documents") == [
        (1, "002.pdf", "/in/002.pdf", "a" * 64, 12, "digital", "ok", None, None, "0.1.0",
         123456, 1.5)]
    with Session(engine) as session:
        assert document_exists(session, "a" * 64).file_name == "002.pdf"
        assert document_exists(session, "b" * 64) is None


def test_report_row_and_text(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    assert _rows(engine, "SELECT report_id, document_id, report_type, title, region, fiscal_year, "
                         "department, unit, project_name, amount_unit, total_score, grade, "
                         "page_start, page_end, text FROM reports") == [
        (1, 1, "self_eval_report", "和平县雪亮工程项目绩效自评报告", "和平县", 2020, "和平县委政法委",
         "和平县公安局", PROJECT, "万元", 98.0, "优秀", 2, 4, "第一页\f第二页\f第三页")]
    assert _rows(engine, "SELECT report_id, page, text FROM report_text ORDER BY page") == [
        (1, 2, "第一页"), (1, 3, "第二页"), (1, 4, "第三页")]
    assert _rows(engine, "SELECT report_id, page, method, n_rows, n_cols, bbox, confidence "
                         "FROM tables_parsed") == [(1, 3, "lattice", 7, 5, "0.0,0.0,10.0,10.0", 1.0)]


def test_projects_resolved_by_name(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    assert _rows(engine, "SELECT project_id, report_id, name, unit, content, goal, page, bbox, "
                         "confidence FROM projects ORDER BY project_id") == [
        (1, 1, PROJECT, "和平县公安局", "视频监控", "全覆盖", 2, "10.0,20.0,300.5,40.2", 1.0),
        (2, 1, " 政法信息网\n（二期）工程", None, None, None, 4, None, 1.0)]
    # the fact naming OTHER (no whitespace) finds the project the finding created
    assert _rows(engine, "SELECT key, project_id FROM facts ORDER BY fact_id") == [
        ("实际到位率", 1), ("联系电话", None), ("评价年度", None), ("结余", 2)]
    assert OTHER == "".join(" 政法信息网\n（二期）工程".split())


def test_funds_exact(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    assert _rows(engine, "SELECT fund_id, report_id, project_id, measure, source, category, level, "
                         "amount_wan, amount_e6, raw, page, bbox, confidence FROM funds") == [
        (1, 1, 1, "预算数", "合计", None, None, "2868.5739", 2868573900, "2868.5739", 3,
         "1.0,2.0,3.0,4.0", 1.0),
        (2, 1, 1, "实际支出", "本级财政资金", "咨询费", "县区", "1.234567", 1234567, "12345.67元", 3,
         None, 0.875),
        (3, 1, None, "资金结余", None, None, None, "-12.5", -12500000, "-12.5", 3, None, 1.0)]
    assert _rows(engine, "SELECT SUM(amount_e6) FROM funds") == [(2857308467,)]
    total = Decimal(_rows(engine, "SELECT SUM(amount_e6) FROM funds")[0][0]).scaleb(-6)
    assert total == Decimal("2857.308467")
    with Session(engine) as session:
        amounts = [f.amount_wan for f in session.query(Fund).order_by(Fund.fund_id)]
    assert amounts == [Decimal("2868.5739"), Decimal("1.234567"), Decimal("-12.5")]


def test_indicator_score_finding_fact_rows(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    assert _rows(engine, "SELECT * FROM indicators") == [
        (1, 1, 1, "产出指标", "数量指标", "摄像头数量", "≥284个", ">=", 284.0, None, "个", "300个",
         300.0, "个", "年度", LONG_TEXT, 10.0, 9.5, 4, None, 1.0)]
    assert _rows(engine, "SELECT * FROM scores") == [
        (1, 1, 1, "绩效目标", 20.0, "目标设定", 5.0, "绩效目标合理性", 3.0, 2.5, "合理", "较合理",
         "完全合理得3分", "说明", 4, None, 1.0)]
    assert _rows(engine, "SELECT * FROM findings") == [
        (1, 1, 2, 1, '=HYPERLINK("x")', "@加强管理", 4, None, 1.0)]
    assert _rows(engine, "SELECT fact_id, key, value, value_num, value_real, unit, page "
                         "FROM facts") == [
        (1, "实际到位率", "99.31%", "99.31", 99.31, "%", 3),
        (2, "联系电话", "+86 0762-5618803", None, None, None, 2),
        (3, "评价年度", "2020", "2020", 2020.0, None, 2),
        (4, "结余", "-12.5", "-12.5", -12.5, "万元", 3)]
    with Session(engine) as session:
        assert session.get(Fact, 1).value_num == Decimal("99.31")


def test_same_sha_twice_stores_nothing(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    before = counts(engine)
    result = store_document(engine, meta(file_name="copy.pdf"), [dept_targets_report()])
    assert result == StoreResult(status="present", document_id=1)
    assert counts(engine) == before
    assert _rows(engine, "SELECT file_name FROM documents") == [("002.pdf",)]


def test_force_replaces(engine: Engine) -> None:
    store_document(engine, meta(), [self_eval_report()])
    result = store_document(engine, meta(file_name="again.pdf"), [dept_targets_report()], force=True)
    assert result == StoreResult(status="replaced", document_id=2, reports=1, records=1)
    assert _rows(engine, "SELECT document_id, file_name FROM documents") == [(2, "again.pdf")]
    assert _rows(engine, "SELECT report_type FROM reports") == [("dept_targets",)]
    assert counts(engine)["projects"] == 0
    assert _rows(engine, "SELECT amount_wan FROM funds") == [("100.5",)]


def test_failure_mid_way_leaves_no_rows(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    original = store._insert_report
    calls: list[int] = []

    def flaky(session: Session, document_id: int, rec: Any) -> int:
        calls.append(document_id)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(session, document_id, rec)

    monkeypatch.setattr(store, "_insert_report", flaky)
    with pytest.raises(RuntimeError):
        store_document(engine, meta(), [self_eval_report(), dept_targets_report()])
    assert len(calls) == 2
    assert set(counts(engine).values()) == {0}


def test_failed_force_keeps_old_document(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store_document(engine, meta(), [self_eval_report()])
    before = counts(engine)

    def broken(*_args: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "_insert_report", broken)
    with pytest.raises(RuntimeError):
        store_document(engine, meta(), [dept_targets_report()], force=True)
    assert counts(engine) == before


def test_failed_document_stored_alone_then_retried(engine: Engine) -> None:
    failed = meta(status="failed", error="pdfium: cannot open", error_code="E_OPEN", pages=None)
    result = store_document(engine, failed, [self_eval_report()])
    assert result == StoreResult(status="stored", document_id=1, reports=0, records=0)
    assert _rows(engine, "SELECT status, error, error_code FROM documents") == [
        ("failed", "pdfium: cannot open", "E_OPEN")]
    assert counts(engine)["reports"] == 0
    result = store_document(engine, meta(), [self_eval_report()])
    assert result.status == "replaced"
    assert _rows(engine, "SELECT document_id, status, error FROM documents") == [(2, "ok", None)]
    assert counts(engine)["funds"] == 3
    assert store_document(engine, failed, []).status == "present"
    assert _rows(engine, "SELECT status FROM documents") == [("ok",)]


def test_integrity_error_race_means_present(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store_document(engine, meta(), [self_eval_report()])
    before = counts(engine)
    monkeypatch.setattr(store, "document_exists", lambda *_a: None)
    assert store_document(engine, meta(), [self_eval_report()]) == StoreResult("present", 1)
    assert counts(engine) == before


def _store_in_process(url: str, barrier: Any, queue: Any) -> None:
    engine = make_engine(url)
    barrier.wait()
    queue.put(store_document(engine, meta(), [self_eval_report()]).status)


def test_concurrent_processes_store_once(engine: Engine) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(4), ctx.Queue()
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    procs = [ctx.Process(target=_store_in_process, args=(url, barrier, queue)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    statuses = sorted(queue.get(timeout=5) for _ in procs)
    assert statuses == ["present", "present", "present", "stored"]
    assert counts(engine)["documents"] == 1
    assert counts(engine)["funds"] == 3


def test_unlisted_project_created(engine: Engine) -> None:
    rec = dept_targets_report()
    rec.funds[0].project = "新项目"
    store_document(engine, meta(), [rec])
    with Session(engine) as session:
        assert [(p.project_id, p.name, p.page) for p in session.query(Project)] == [(1, "新项目", 1)]
    assert _rows(engine, "SELECT project_id FROM funds") == [(1,)]

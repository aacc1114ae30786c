"""Tests for pipeline.query: read-only enforcement and table/CSV formatting."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline import query
from pipeline.query import (
    QueryError, QueryRefused, display_width, format_csv, format_table, neutralise, run_query,
)
from pipeline.store import store_document
from tests.pipeline.dbdata import (
    BACKENDS, counts, dept_targets_report, meta, new_engine, self_eval_report,
)


@pytest.fixture(params=BACKENDS)
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    eng = new_engine(tmp_path, request.param)
    store_document(eng, meta(), [self_eval_report()])
    return eng


REFUSED = [
    ("delete from reports", "DELETE"),
    ("DELETE FROM reports WHERE 1=1", "DELETE"),
    ("update reports set title = 'x'", "UPDATE"),
    ("insert into reports (document_id, report_type) values (1, 'x')", "INSERT"),
    ("replace into reports (document_id, report_type) values (1, 'x')", "REPLACE"),
    ("drop table reports", "DROP"),
    ("create table t (x int)", "CREATE"),
    ("alter table reports add column x int", "ALTER"),
    ("attach database 'x.db' as x", "ATTACH"),
    ("vacuum", "VACUUM"),
    ("pragma query_only = OFF", "PRAGMA query_only (changes settings)"),
    ("PRAGMA main.journal_mode=DELETE", "PRAGMA journal_mode (changes settings)"),
    ("pragma foreign_keys(0)", "PRAGMA foreign_keys(...) (changes settings)"),
    ("pragma wal_checkpoint", "PRAGMA wal_checkpoint (changes settings)"),
    ("select 1; delete from reports", "more than one statement"),
    ("select 1 /* ; */ ; drop table reports;", "more than one statement"),
    ("with x as (select 1) delete from reports", "DELETE"),
    ("with d as (delete from reports returning *) select * from d", "DELETE"),
    ("explain delete from reports", "DELETE"),
    ("select * into t2 from reports", "INTO"),
    ("", "empty query"),
    ("  ; -- nothing", "empty query"),
]


@pytest.mark.parametrize(("sql", "word"), REFUSED)
def test_refused(engine: Engine, sql: str, word: str) -> None:
    before = counts(engine)
    with pytest.raises(QueryRefused) as err:
        run_query(engine, sql)
    assert str(err.value) == f"only read-only SELECT queries are allowed; refused: {word}"
    assert counts(engine) == before


def test_select_with_cjk_and_quoted_keywords(engine: Engine) -> None:
    cols, rows = run_query(engine, "select title, 'a;delete' as d, \"key\" from reports "
                                   "join facts using (report_id) where key = '实际到位率';")
    assert cols == ["title", "d", "key"]
    assert rows == [("和平县雪亮工程项目绩效自评报告", "a;delete", "实际到位率")]


def test_select_exact_sum_and_functions(engine: Engine) -> None:
    sql = ("-- total of all funds\nWITH t AS (SELECT SUM(amount_e6) AS e6 FROM funds) "
           "SELECT e6, replace('a:x', 'a', 'b') AS r FROM t WHERE 'x%' LIKE '%'")
    assert run_query(engine, sql) == (["e6", "r"], [(2857308467, "b:x")])


def test_pragma_and_explain_reads(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PRAGMA is SQLite only")
    cols, rows = run_query(engine, "PRAGMA table_info(funds)")
    assert "name" in cols and rows[0][cols.index("name")] == "fund_id"
    assert run_query(engine, "pragma foreign_keys") == (["foreign_keys"], [(1,)])
    cols, rows = run_query(engine, "EXPLAIN QUERY PLAN SELECT * FROM funds WHERE report_id = 1")
    assert cols[-1] == "detail" and rows


def test_database_enforces_read_only(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query, "check_read_only", lambda _sql: None)
    with pytest.raises(QueryRefused) as err:
        run_query(engine, "delete from reports")
    assert re.search("read-?only", str(err.value))
    assert counts(engine)["reports"] == 1
    monkeypatch.undo()
    # the pooled connection is writable again afterwards
    assert store_document(engine, meta(sha="b" * 64), [dept_targets_report()]).status == "stored"
    assert counts(engine)["reports"] == 2


def test_errors_become_query_error(engine: Engine) -> None:
    with pytest.raises(QueryError) as err:
        run_query(engine, "select nope from reports")
    assert not isinstance(err.value, QueryRefused)
    assert "nope" in str(err.value)
    # the connection is usable again after an error
    assert run_query(engine, "select count(*) as n from reports") == (["n"], [(1,)])


def test_display_width() -> None:
    assert display_width("湛江市ab") == 8
    assert display_width("（二期）") == 8
    assert display_width("e\u0301") == 1
    assert display_width("") == 0


def test_format_table_aligns_cjk() -> None:
    out = format_table(["name", "amount"], [("雪亮工程", Decimal("2868.5739")), ("ab", -12.5),
                                            (None, 3)])
    assert out == ("name     | amount\n"
                   "---------+----------\n"
                   "雪亮工程 | 2868.5739\n"
                   "ab       |     -12.5\n"
                   "         |         3\n")


def test_format_table_escapes_newlines() -> None:
    assert format_table(["a"], [("x\ny",)]) == "a\n----\nx\\ny\n"


def test_format_csv() -> None:
    out = format_csv(["k", "v", "n"], [("联系电话", "=1+1", -12.5), ("a,b", "-12.5", None),
                                       ("q\"", "@x", Decimal("1E+3"))])
    assert out == ('k,v,n\n联系电话,\'=1+1,-12.5\n"a,b",-12.5,\n"q""",\'@x,1000\n')
    assert format_csv(["v"], [("=1+1",)], safe=False) == "v\n=1+1\n"


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+86 0762", "'+86 0762"), ("-", "'-"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-12.5", "-12.5"), ("+3", "+3"), ("-1,234.5", "-1,234.5"),
    ("-5%", "-5%"), ("2868.5739", "2868.5739"), ("湛江市", "湛江市"), ("a=b", "a=b"),
    ("-1+1", "'-1+1"),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected

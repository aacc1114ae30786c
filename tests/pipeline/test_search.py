"""Tests for pipeline.search: segmentation, indexing, ranking and snippets (SQLite; PostgreSQL with
$JIXIAO_TEST_PG_URL), the ingest hook and the ``jixiao search`` command."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from pipeline.search import (
    Segmenter, index_document, index_reports, index_text, make_snippet, query_words, search, tokenizer,
    unindexed_reports,
)
from pipeline.store import store_document
from schemas.db import make_engine
from schemas.records import FindingRec, FundRec, IndicatorRec, ProjectRec, ReportRec
from tests.pipeline.dbdata import BACKENDS, meta, new_engine

PROJECT = "县镇村综治视联网项目建设"
# A page whose table cell wraps in the middle of 视频 and 监控.
PAGE_2 = "项目主要内容 | 建设覆盖全县的视\n频监控系统，整合公安、交通等各类监\n控资源"


def _report(title: str = "和平县财政支出绩效自评报告") -> ReportRec:
    return ReportRec(
        report_type="self_eval_report", title=title, project_name=PROJECT, page_start=1, page_end=3,
        text=f"封面 {title}\f{PAGE_2}\f第三页：存在问题",
        projects=[ProjectRec(name=PROJECT, content="视联网终端设备租赁", page=1)],
        funds=[FundRec(project=PROJECT, measure="预算数", amount_wan=Decimal("575.2095"), page=2)],
        indicators=[IndicatorRec(project=PROJECT, level1="产出指标", level2="数量指标",
                                 name="联网接入视频监控路数", target="≥6000路", page=3)],
        findings=[FindingRec(project=PROJECT, seq=1, problem="雪亮工程建设制度不够规范",
                             measure="健全完善管理制度", page=3)],
    )


@pytest.fixture(params=BACKENDS)
def engine(tmp_path: Path, request: pytest.FixtureRequest) -> Engine:
    eng = new_engine(tmp_path, request.param)
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS search_index")
    store_document(eng, meta(file_name="002.pdf"), [_report()])
    return eng


# --------------------------------------------------------------------------
# Segmentation and snippets


def test_query_words_are_the_finest_words() -> None:
    assert query_words("视频监控") == ["视频", "监控"]
    assert query_words("  视频 ") == ["视频"]
    assert query_words("预算执行率") == ["预算", "执行", "执行率"]
    assert query_words("GIS系统") == ["gis", "系统"]
    assert query_words("，。") == []


def test_indexed_text_holds_long_words_and_their_parts() -> None:
    words = index_text("雪亮工程视频监控系统").split(" ")
    assert {"视频", "监控", "系统", "雪亮工程"} <= set(words)
    assert "综治视联网" in index_text("综治视联网").split(" ")  # domain dictionary


def _jieba_words(content: str) -> list[str]:
    """jieba's own search-mode words of the whole text, with what is no word dropped."""
    return [w for w, _, _ in tokenizer().tokenize(content, mode="search") if any(c.isalnum() for c in w)]


SAMPLE_TEXTS = (
    "县镇村综治视联网项目建设：预算执行率99.31%（1256.72/1265.41万元）",
    "一级指标 二级指标 三级指标\n产出指标 数量指标 联网接入视频监控路数 ≥6000路",
    "GIS系统 v2.0_beta&x #3 ＋－ Ⅲ级 αβ  \r\n 2022年9月30日",
    "",
)


@pytest.mark.parametrize("content", SAMPLE_TEXTS)
def test_segmenter_gives_jiebas_words(content: str) -> None:
    assert Segmenter().words(content) == _jieba_words(content)


def test_segmenter_gives_the_same_words_when_it_remembers_blocks() -> None:
    segmenter = Segmenter(capacity=2)
    for content in SAMPLE_TEXTS * 3:
        assert segmenter.words(content) == _jieba_words(content)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("预算执行率视频监控系统项目建设资金万元指标 ，。;\n%.-_+#&abAB019Ⅲ（）"),
               max_size=60))
def test_segmenter_matches_jieba_on_any_text(content: str) -> None:
    assert Segmenter(capacity=8).words(content) == _jieba_words(content)


def test_make_snippet_marks_every_hit_in_the_window() -> None:
    assert make_snippet("建设覆盖全县的视频监控系统", ["视频", "监控"]) == "建设覆盖全县的【视频监控】系统"
    assert make_snippet("甲" * 30 + "视频" + "乙" * 80, ["视频"], before=4, width=10) == "…甲甲甲甲【视频】乙乙乙乙…"
    assert make_snippet("GIS 系统", ["gis"]) == "【GIS】 系统"
    assert make_snippet("没有命中", ["视频"]) == "没有命中"


# --------------------------------------------------------------------------
# Index and search


def test_finds_a_two_character_word_inside_a_wrapped_cell(engine: Engine) -> None:
    assert index_reports(engine, [1]) > 0
    hits = search(engine, "视频")
    pages = [(h.file_name, h.report_id, h.page, h.table) for h in hits]
    assert ("002.pdf", 1, 2, "report_text") in pages
    assert ("002.pdf", 1, 3, "indicators") in pages
    page = next(h for h in hits if h.table == "report_text")
    assert page.snippet == "项目主要内容|建设覆盖全县的【视频】监控系统，整合公安、交通等各类监控资源"
    assert all(h.rank > 0 for h in hits)
    assert [h.rank for h in hits] == sorted((h.rank for h in hits), reverse=True)


def test_every_word_must_occur(engine: Engine) -> None:
    index_reports(engine, [1])
    assert [(h.table, h.page) for h in search(engine, "雪亮工程 管理制度")] == [("findings", 3)]
    assert search(engine, "雪亮工程 不存在的词语") == []
    assert search(engine, "？？") == []


def test_limit_and_record_ids(engine: Engine) -> None:
    index_reports(engine, [1])
    hits = search(engine, "视频", limit=1)
    assert len(hits) == 1
    finding = search(engine, "规范")[0]
    assert (finding.table, finding.record_id, finding.snippet) == (
        "findings", 1, "雪亮工程建设制度不够【规范】；健全完善管理制度")


def _index_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM search_index")).scalar_one()


def test_reindexing_replaces_a_reports_rows(engine: Engine) -> None:
    first = index_reports(engine, [1])
    assert index_reports(engine, [1]) == first
    assert _index_rows(engine) == first
    assert unindexed_reports(engine) == []


def test_search_indexes_reports_stored_before_the_index_existed(engine: Engine) -> None:
    assert [h.table for h in search(engine, "视联网") if h.table == "projects"] == ["projects"]
    store_document(engine, meta(sha="b" * 64, file_name="later.pdf"), [_report("湛江市评价报告")])
    assert unindexed_reports(engine) == [2]
    assert {h.file_name for h in search(engine, "视频")} == {"002.pdf", "later.pdf"}


def test_replaced_documents_leave_no_hits(engine: Engine) -> None:
    index_reports(engine, [1])
    store_document(engine, meta(file_name="002.pdf"), [_report("新标题报告")], force=True)
    index_document(engine, 2)
    assert {h.report_id for h in search(engine, "视频")} == {2}


def test_index_document_logs_instead_of_raising(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bare = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables at all
    with caplog.at_level(logging.WARNING, logger="pipeline.search"):
        index_document(bare, 1)
    assert "search index not updated for document 1" in caplog.text
    index_document(bare, None)


# --------------------------------------------------------------------------
# Command line


def test_cli_search_prints_file_page_and_snippet(tmp_path: Path) -> None:
    from pipeline.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    eng = new_engine(tmp_path, name="cli.db")
    store_document(eng, meta(file_name="002.pdf"), [_report()])
    result = CliRunner().invoke(app, ["search", "雪亮工程", "规范", "--db", url, "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["002.pdf\tp. 3\tfindings\t【雪亮工程】建设制度不够【规范】；健全完善管理制度"]

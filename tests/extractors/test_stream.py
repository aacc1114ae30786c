"""Tables that are not fully ruled: three-line, row rules only, open frame, no rules."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.grids import TableLines, page_to_grids
from extractors.ir import Char, Page, Ruling
from extractors.pdfium import pdf_to_pages
from extractors.stream import lines_to_stream_grids, open_frame
from extractors.stream_cells import column_gaps, region_to_layout, row_segments
from tests.fixtures import render_stream as rs
from tests.fixtures.pdfgen import build_pdf, ruled_table

WRAPPED = "信息化建设运行维护及网络安全等级保护测评服务"
EXPECTED = [
    ["序号", "项目名称", "年初预算数", "全年执行数", "执行率"],
    ["1", "办公设备购置", "120.50", "118.20", "98.09%"],
    ["2", WRAPPED, "356.00", "340.12", "95.54%"],
    ["3", "培训费", "15.00", "9.80", "65.33%"],
    ["合计", "", "491.50", "468.12", "95.24%"],
]
GROUP = "资金情况（万元）"
EXPECTED_TWO_LEVELS = [
    ["序号", "项目名称", GROUP, GROUP, GROUP],
    ["序号", "项目名称", "年初预算数", "全年执行数", "执行率"],
    *EXPECTED[1:],
]


def _page(path: Path) -> Page:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return page_to_grids(next(pdf_to_pages(pdf)))
    finally:
        pdf.close()


def _only_grid(page: Page):
    assert len(page.grids) == 1
    return page.grids[0]


def _line_texts(page: Page) -> list[str]:
    return [line.text for line in page.lines]


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_three_line_table(tmp_path: Path, valign: str) -> None:
    page = _page(rs.render_page(tmp_path / "a.pdf", rs.three_line_table(valign=valign)))
    grid = _only_grid(page)
    assert grid.text_matrix() == EXPECTED
    assert (grid.method, grid.confidence) == ("pdfium-stream", 0.9)
    assert grid.cell_at(2, 1).text == WRAPPED
    texts = _line_texts(page)
    assert texts[:2] == ["表1 2023年度项目支出预算执行情况表", "单位：万元"]
    assert "注：执行率=全年执行数÷年初预算数。" in texts
    assert not any("办公设备" in t or "120.50" in t for t in texts)


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_three_line_table_with_two_header_levels(tmp_path: Path, valign: str) -> None:
    table = rs.three_line_table(rs.HEADER2 + rs.BODY, header_rows=2, spans=rs.HEADER2_SPANS, valign=valign)
    grid = _only_grid(_page(rs.render_page(tmp_path / "a2.pdf", table)))
    assert grid.text_matrix() == EXPECTED_TWO_LEVELS
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in grid.cells if c.row < 2}
    assert spans == {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 3), (1, 2): (1, 1), (1, 3): (1, 1), (1, 4): (1, 1)}


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE"])
def test_rules_under_every_row_only(tmp_path: Path, valign: str) -> None:
    grid = _only_grid(_page(rs.render_page(tmp_path / "b.pdf", rs.row_ruled_table(valign=valign))))
    assert grid.text_matrix() == EXPECTED
    assert grid.method == "pdfium-stream"
    assert grid.n_rows == 5


def test_open_frame_lattice_gets_its_outer_border(tmp_path: Path) -> None:
    page = _page(rs.render_page(tmp_path / "c.pdf", rs.open_frame_table()))
    grid = _only_grid(page)
    assert grid.text_matrix() == EXPECTED
    assert (grid.method, grid.confidence) == ("pdfium-lattice-open", 0.95)
    assert not any(t.startswith(("序号", "合计", "1办公")) for t in _line_texts(page))


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE"])
def test_unruled_aligned_columns(tmp_path: Path, valign: str) -> None:
    page = _page(rs.render_page(tmp_path / "d.pdf", rs.plain_table(valign=valign)))
    grid = _only_grid(page)
    assert grid.text_matrix() == EXPECTED
    assert (grid.method, grid.confidence) == ("pdfium-stream", 0.8)
    assert "注：执行率=全年执行数÷年初预算数。" in _line_texts(page)


@pytest.mark.parametrize("draw", [rs.three_line_table, rs.row_ruled_table, rs.open_frame_table, rs.plain_table])
def test_budget_table_without_cell_padding(tmp_path: Path, draw) -> None:
    """Rows as close as wrapped lines: category rows, empty cells and wrapped names still come out."""
    table = rs.tight(draw(rs.BUDGET, rs.BUDGET_WIDTHS))
    grid = _only_grid(_page(rs.render_page(tmp_path / "tight.pdf", table)))
    assert grid.text_matrix() == rs.BUDGET


def test_three_line_table_broken_by_a_page(tmp_path: Path) -> None:
    """Page 1 has the top and header rules only (its body runs to the page end); page 2 no header."""
    pdf = pdfium.PdfDocument(str(rs.render_split_table(tmp_path / "split.pdf")))
    try:
        first, second = [page_to_grids(p) for p in pdf_to_pages(pdf)]
    finally:
        pdf.close()
    rows = rs.long_rows(60)
    upper, lower = _only_grid(first), _only_grid(second)
    assert upper.text_matrix() == rows[:24]
    assert upper.method == "pdfium-stream" and upper.confidence == 0.9
    assert lower.text_matrix() == rows[24:]
    assert lower.method == "pdfium-stream" and lower.confidence == 0.8
    assert [line.text for line in first.lines] == ["表2项目支出明细表"]


@pytest.mark.slow
@pytest.mark.parametrize(("draw", "method"), [(rs.three_line_table, "ocr-stream"),
                                              (rs.open_frame_table, "ocr-lattice-open")])
def test_scanned_partially_ruled_table(tmp_path: Path, ocr_engine, draw, method: str) -> None:
    from reportlab.lib.pagesizes import A4

    from extractors.ocr import image_to_page
    from tests.fixtures.scans import make_scan

    scan = make_scan(rs.render_page(tmp_path / "scan.pdf", draw()), 0)
    grid = _only_grid(page_to_grids(image_to_page(scan, 1, A4, engine=ocr_engine)))
    assert grid.text_matrix() == EXPECTED
    assert grid.method == method


def test_fully_ruled_table_stays_lattice(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "grid.pdf", [ruled_table(EXPECTED, rs.WIDTHS)])
    grid = _only_grid(_page(path))
    assert grid.text_matrix() == EXPECTED
    assert (grid.method, grid.confidence) == ("pdfium-lattice", 1.0)


def test_justified_paragraphs_make_no_grid(tmp_path: Path) -> None:
    page = _page(rs.render_narrative(tmp_path / "n.pdf"))
    assert page.grids == []
    assert page.lines[0].text == "关于2023年度部门整体支出绩效情况的说明"
    assert len(page.lines) > 20


def test_page_wide_rules_around_paragraphs_make_no_grid(tmp_path: Path) -> None:
    page = _page(rs.render_ruled_narrative(tmp_path / "hr.pdf"))
    assert len([r for r in page.rulings if r.orientation == "h"]) >= 4
    assert page.grids == []


def test_aligned_label_value_pairs_stay_text(tmp_path: Path) -> None:
    page = _page(rs.render_label_form(tmp_path / "form.pdf"))
    assert page.grids == []
    assert "项目名称：" in _line_texts(page)


# ---------------------------------------------------------------- pure functions


def _chars(text: str, x: float, top: float, size: float = 10.0) -> list[Char]:
    return [Char(ch, x + k * size, top, x + (k + 1) * size, top + size, size) for k, ch in enumerate(text)]


def test_column_gaps_are_ranges_no_row_covers() -> None:
    rows = [_chars("甲乙", 0, 0) + _chars("1", 60, 0) + _chars("丙", 100, 0),
            _chars("丁", 0, 20) + _chars("23", 50, 20) + _chars("戊", 100, 20)]
    assert column_gaps([row_segments(r) for r in rows], 8.0) == [(20.0, 50.0), (70.0, 100.0)]


def test_open_frame_keeps_a_drawn_frame() -> None:
    h = [Ruling("h", 0, y, 100, y) for y in (0, 20, 40)]
    v = [Ruling("v", x, 0, x, 40) for x in (0, 50, 100)]
    table = TableLines(h=h, v=v, xs=[0, 50, 100], ys=[0, 20, 40])
    assert open_frame(table, _chars("甲", 10, 5)) is table


def test_open_frame_extends_to_the_text_past_the_inner_lines() -> None:
    h = [Ruling("h", 0, 30, 200, 30)]
    v = [Ruling("v", x, 0, x, 60) for x in (60, 120)]
    table = TableLines(h=h + [Ruling("h", 0, 31.5, 200, 31.5)], v=v, xs=[60, 120], ys=[30, 31.5])
    chars = _chars("序号", 5, 10) + _chars("合计", 130, 40)
    opened = open_frame(table, chars)
    assert opened.open
    assert (opened.xs, opened.ys) == ([0, 60, 120, 200], [0, 30, 31.5, 60])


def test_stream_grids_skip_text_inside_a_lattice() -> None:
    rows = [_chars(t, x, top) for top in (0, 20, 40) for t, x in (("甲", 0), ("乙", 40), ("丙", 80), ("丁", 120))]
    chars = [c for row in rows for c in row]
    page = Page(number=1, width=300, height=300, chars=chars, rulings=[])
    assert len(lines_to_stream_grids(page, [], [])) == 1
    frame = TableLines(h=[], v=[], xs=[-5, 200], ys=[-5, 60])
    assert lines_to_stream_grids(page, [], [frame]) == []


# ---------------------------------------------------------------- properties

GLYPHS = "甲乙丙丁项目合计0123456789.%"
_cell = st.tuples(st.integers(0, 7), st.integers(0, 9), st.text(GLYPHS, min_size=1, max_size=12))
_rule = st.tuples(st.integers(0, 9), st.integers(0, 3), st.integers(4, 9))


def _fuzz_page(cells: list[tuple[int, int, str]], rules: list[tuple[int, int, int]], size: float) -> Page:
    chars: list[Char] = []
    taken: set[tuple[int, int]] = set()
    for col, row, text in cells:
        if (col, row) not in taken:
            taken.add((col, row))
            chars += _chars(text[: 6 if col < 7 else 12], 20 + col * 70, 20 + row * 1.8 * size, size)
    rulings = [Ruling("h", 10 + a * 70, 17 + y * 1.8 * size, 10 + b * 70, 17 + y * 1.8 * size) for y, a, b in rules]
    return Page(number=1, width=600, height=400, chars=chars, rulings=rulings)


@settings(max_examples=150, deadline=None)
@given(st.lists(_cell, min_size=20, max_size=70), st.lists(_rule, max_size=8), st.sampled_from([8.0, 10.0]))
def test_any_text_and_rules_give_well_formed_grids_and_keep_every_char(cells, rules, size) -> None:
    page = page_to_grids(_fuzz_page(cells, rules, size))
    for grid in page.grids:
        slots = [(r, c) for cell in grid.cells for r in range(cell.row, cell.last_row + 1)
                 for c in range(cell.col, cell.last_col + 1)]
        assert sorted(slots) == [(r, c) for r in range(grid.n_rows) for c in range(grid.n_cols)]
        assert len(grid.col_edges) == grid.n_cols + 1 and grid.n_cols >= 2
    assert _kept(page) == len(page.chars)


def _kept(page: Page) -> int:
    kept = sum(len(line.text.replace(" ", "")) for line in page.lines)
    return kept + sum(len(re.sub(r"\s", "", cell.text)) for grid in page.grids for cell in grid.cells)


STAIRCASE = ([(0, 0, "0")] * 14 + [(0, 1, "0"), (0, 3, "0"), (1, 0, "0"), (1, 3, "0"), (2, 2, "0"), (2, 4, "0")],
             [(0, 0, 4), (3, 0, 4), (5, 0, 4)], 8.0)


def test_header_lines_sharing_no_column_stay_separate_rows() -> None:
    """Header lines in columns 0 and 2 are no two levels: the lower one is not moved up (no empty row)."""
    page = _fuzz_page(*STAIRCASE)
    layout = region_to_layout(page.chars, [17.0, 60.2, 89.0], 10, 290, 3, strict=False)
    assert layout is not None
    assert layout.xs == [10, 59.0, 129.0, 290]
    assert layout.ys == pytest.approx([17.0, 31.2, 45.6, 60.2, 74.4, 89.0])
    assert [(c.row, c.rowspan, c.c0, c.c1) for c in layout.cells] == [
        (0, 1, 0, 0), (0, 2, 1, 1), (1, 1, 0, 0), (2, 1, 2, 2), (3, 1, 0, 0), (3, 1, 1, 1), (4, 1, 2, 2)]


def test_staircase_header_is_no_table_and_keeps_its_text() -> None:
    page = page_to_grids(_fuzz_page(*STAIRCASE))
    assert page.grids == []
    assert _line_texts(page) == ["0"] * 7


def test_char_centred_on_the_rules_end_stays_in_the_last_column() -> None:
    """The 8th glyph of the right-hand text has its centre exactly where the rules end (x = 570)."""
    cells = [(0, 0, "0")] * 16 + [(0, 1, "0"), (0, 2, "0"), (1, 1, "0"), (7, 2, "00000000")]
    page = page_to_grids(_fuzz_page(cells, [(0, 0, 8), (1, 0, 8)], 8.0))
    grid = _only_grid(page)
    assert grid.col_edges == [10, 59.0, 304.0, 570]
    assert grid.text_matrix() == [["0", "", ""], ["0", "0", ""], ["0", "", "00000000"]]
    assert page.lines == []
    assert _kept(page) == len(page.chars) == 12

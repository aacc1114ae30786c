"""Grids from generated PDFs: merged cells, wrapped text, text outside tables."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors.grids import merge_rulings, page_to_grids
from extractors.ir import Ruling
from extractors.pdfium import pdf_to_pages, text_layer_stats
from tests.fixtures.pdfgen import build_pdf, heading, ruled_table

LONG = "中共和平县委政法委员会是县委领导政法工作的职能部门，为正科级。领导、管理、统筹全县政法工作。"


def _pages(path: Path):
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page_to_grids(p) for p in pdf_to_pages(pdf)]
    finally:
        pdf.close()


@pytest.fixture()
def merged_pdf(tmp_path: Path) -> Path:
    rows = [
        ["一级指标", "二级指标", "三级指标", "得分"],
        ["绩效目标 (20)", "前期工作 (5)", "项目论证 (1分)", "1"],
        ["", "", "申报程序 (2分)", "2"],
        ["", "绩效目标设置 (15)", LONG, "0.5"],
        ["合计", "", "", "95.5"],
    ]
    spans = [((0, 1), (0, 3)), ((1, 1), (1, 2)), ((0, 4), (2, 4))]
    table = ruled_table(rows, [90, 110, 220, 60], spans)
    return build_pdf(tmp_path / "merged.pdf", [heading("测试报告 GIS Test Report"), table])


def test_merged_cells_come_out_once_with_spans(merged_pdf: Path) -> None:
    page = _pages(merged_pdf)[0]
    assert len(page.grids) == 1
    grid = page.grids[0]
    assert (grid.n_rows, grid.n_cols) == (5, 4)
    cells = {(c.row, c.col): (c.rowspan, c.colspan, c.text) for c in grid.cells}
    assert cells[(1, 0)] == (3, 1, "绩效目标(20)")
    assert cells[(1, 1)] == (2, 1, "前期工作(5)")
    assert cells[(4, 0)] == (1, 3, "合计")
    assert cells[(4, 3)] == (1, 1, "95.5")
    assert len(grid.cells) == 4 + 4 + 2 + 3 + 2


def test_wrapped_cell_text_is_joined_without_spaces(merged_pdf: Path) -> None:
    grid = _pages(merged_pdf)[0].grids[0]
    assert grid.cell_at(3, 2).text == LONG
    assert grid.text_matrix()[2][0] == "绩效目标(20)"


def test_text_outside_tables_keeps_latin_spaces(merged_pdf: Path) -> None:
    page = _pages(merged_pdf)[0]
    assert [line.text for line in page.lines] == ["测试报告GIS Test Report"]
    assert text_layer_stats(page).usable


def test_merge_rulings_joins_collinear_pieces() -> None:
    pieces = [Ruling("h", 10, 100, 50, 100), Ruling("h", 51, 100.8, 90, 100.8), Ruling("v", 10, 0, 10, 50)]
    merged = merge_rulings(pieces)
    horizontal = [r for r in merged if r.orientation == "h"]
    assert len(horizontal) == 1
    assert (horizontal[0].x0, horizontal[0].x1) == (10, 90)


def _char(text: str, cx: float, cy: float, size: float = 10.0):
    from extractors.ir import Char

    return Char(text, cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2, size)


def _lattice_page(rulings: list[Ruling], chars: list):
    from extractors.ir import Page

    return page_to_grids(Page(number=1, width=600, height=400, chars=chars, rulings=rulings))


def test_l_shaped_merge_gives_one_rectangular_cell_not_overlapping_ones() -> None:
    # the middle rule runs only under the left half, the middle column rule only in the lower
    # half: the upper row and the lower right slot merge into an L, whose box is the whole table
    rulings = [Ruling("h", 0, 0, 200, 0), Ruling("h", 0, 100, 200, 100), Ruling("h", 0, 50, 100, 50),
               Ruling("v", 0, 0, 0, 100), Ruling("v", 200, 0, 200, 100), Ruling("v", 100, 50, 100, 100)]
    page = _lattice_page(rulings, [_char("甲", 50, 25), _char("乙", 50, 75), _char("丙", 150, 75)])
    [grid] = page.grids
    assert [(c.row, c.col, c.rowspan, c.colspan, c.text) for c in grid.cells] == [(0, 0, 2, 2, "甲\n乙丙")]


def test_a_char_centred_on_the_outer_rule_stays_in_the_table() -> None:
    rulings = [Ruling("h", 0, 0, 200, 0), Ruling("h", 0, 50, 200, 50), Ruling("h", 0, 100, 200, 100),
               Ruling("v", 0, 0, 0, 100), Ruling("v", 100, 0, 100, 100), Ruling("v", 200, 0, 200, 100)]
    chars = [_char("甲", 50, 25), _char("乙", 150, 25), _char("丙", 50, 75), _char("丁", 200, 100)]
    page = _lattice_page(rulings, chars)
    [grid] = page.grids
    assert grid.text_matrix() == [["甲", "乙"], ["丙", "丁"]]
    assert page.lines == []


def _overflow_pdf(path: Path) -> Path:
    """A ruled 2x2 table whose right-hand cell text runs past the frame, and a note beside it."""
    from reportlab.pdfgen import canvas

    from tests.fixtures.pdfgen import register_font

    c = canvas.Canvas(str(path))
    c.setFont(register_font(), 10)
    xs, ys = (60, 200, 340), (700, 680, 660)
    for x in xs:
        c.line(x, ys[-1], x, ys[0])
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    c.drawString(65, 686, "项目名称")
    c.drawString(205, 686, "综治视联网系统终端设备及运维服务租赁经费")  # 20 chars of 10 pt: 65 pt past the frame
    c.drawString(65, 666, "金额")
    c.drawString(205, 666, "194.17")
    c.drawString(420, 666, "单位：万元")  # beside the table, with a gap: not the cell's
    c.save()
    return path


def test_text_running_past_the_frame_stays_in_its_cell(tmp_path: Path) -> None:
    page = _pages(_overflow_pdf(tmp_path / "overflow.pdf"))[0]
    assert len(page.grids) == 1
    assert page.grids[0].text_matrix() == [["项目名称", "综治视联网系统终端设备及运维服务租赁经费"], ["金额", "194.17"]]
    assert [line.text for line in page.lines] == ["单位：万元"]

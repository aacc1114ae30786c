"""Reading order, page furniture and tables stitched across page breaks."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors.document import pages_to_document
from extractors.grids import page_to_grids
from extractors.pdfium import pdf_to_pages
from extractors.segment import document_to_slices
from tests.fixtures.pdfgen import PageBreak, build_pdf, heading, ruled_table

HEADER = ["序号", "三级指标", "指标值", "得分"]


def _doc(path: Path):
    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = [page_to_grids(p) for p in pdf_to_pages(pdf)]
    finally:
        pdf.close()
    return pages_to_document(str(path), pages)


def _rows(n: int) -> list[list[str]]:
    return [[str(i), f"第{i}项指标名称较长需要换行显示的内容", f"{i}个", str(i % 7)] for i in range(1, n + 1)]


@pytest.mark.parametrize("repeat", [0, 1])
def test_long_table_is_stitched_into_one_grid(tmp_path: Path, repeat: int) -> None:
    table = ruled_table([HEADER] + _rows(60), [40, 250, 80, 60], repeat_rows=repeat)
    doc = _doc(build_pdf(tmp_path / f"long{repeat}.pdf", [heading("项目绩效目标表"), table]))
    grids = doc.grids()
    assert len(doc.pages) >= 2
    assert len(grids) == 1
    grid = grids[0]
    assert grid.n_rows == 61
    assert grid.pages == [p.number for p in doc.pages]
    assert [r[0] for r in grid.text_matrix()] == ["序号"] + [str(i) for i in range(1, 61)]
    assert grid.text_matrix()[60][2] == "60个"


def test_separate_tables_with_text_between_stay_apart(tmp_path: Path) -> None:
    first = ruled_table([HEADER] + _rows(3), [40, 250, 80, 60])
    second = ruled_table([HEADER] + _rows(2), [40, 250, 80, 60])
    doc = _doc(build_pdf(tmp_path / "two.pdf", [first, PageBreak(), heading("二、自评得分"), second]))
    assert [g.n_rows for g in doc.grids()] == [4, 3]


def test_several_reports_in_one_pdf_are_split_by_title(tmp_path: Path) -> None:
    story = []
    for k in range(3):
        story += [heading(f"某县2021年财政支出绩效自评报告"), ruled_table([HEADER] + _rows(2), [40, 250, 80, 60])]
        story += [PageBreak(), ruled_table([HEADER] + _rows(2), [40, 250, 80, 60]), PageBreak()]
    doc = _doc(build_pdf(tmp_path / "three.pdf", story))
    slices = document_to_slices(doc)
    assert [(s.report_type, s.page_start, s.page_end) for s in slices] == [
        ("self_eval_report", 1, 2), ("self_eval_report", 3, 4), ("self_eval_report", 5, 6)]


def test_document_without_known_title_is_unknown(tmp_path: Path) -> None:
    doc = _doc(build_pdf(tmp_path / "other.pdf", [heading("会议纪要"), ruled_table([["甲", "乙"], ["1", "2"]], [80, 80])]))
    assert [s.report_type for s in document_to_slices(doc)] == ["unknown"]


def test_three_line_table_running_onto_the_next_page_is_one_grid(tmp_path: Path) -> None:
    from tests.fixtures.render_stream import row_ruled_table

    rows = [["序号", "项目名称", "预算数", "执行数"]] + [[str(i), f"第{i}个项目", f"{i}0.5", f"{i}0.25"] for i in range(1, 71)]
    table = row_ruled_table(rows, [40, 200, 90, 90])
    doc = _doc(build_pdf(tmp_path / "rows.pdf", [heading("表1 项目支出预算执行情况表"), table]))
    grids = doc.grids()
    assert len(doc.pages) >= 2
    assert len(grids) == 1
    assert grids[0].n_cols == 4
    matrix = grids[0].text_matrix()
    assert [r[0] for r in matrix] == ["序号"] + [str(i) for i in range(1, 71)]
    assert matrix[70][3] == "700.25"

"""Reading order, page furniture and tables stitched across page breaks."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.platypus import Table

from extractors.document import left_to_right_in_rows, pages_to_document
from extractors.grids import page_to_grids
from extractors.pdfium import pdf_to_pages
from extractors.segment import document_to_slices
from extractors.find import page_title
from extractors.ir import Block, TextLine
from tests.fixtures.pdfgen import PageBreak, build_pdf, heading, para, ruled_table

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


def test_a_title_printed_in_body_size_still_names_the_report(tmp_path: Path) -> None:
    """An Excel or Word form whose title has the body's font size: one of the first lines
    above the table, matched exactly (after an attachment label such as 附件2)."""
    story = [para("附件2"), para("项目支出绩效目标表（含转移支付项目）"), para("部门名称：某区司法局"),
             ruled_table([HEADER] + _rows(3), [40, 250, 80, 60])]
    slices = document_to_slices(_doc(build_pdf(tmp_path / "plain.pdf", story)))
    assert [(s.report_type, s.title) for s in slices] == [("project_targets", "项目支出绩效目标表（含转移支付项目）")]


def test_a_running_header_naming_the_report_starts_no_new_report(tmp_path: Path) -> None:
    story = [heading("某项目支出绩效目标表"), ruled_table([HEADER] + _rows(2), [40, 250, 80, 60])]
    for k in range(2):
        story += [PageBreak(), para("某项目支出绩效目标表"), para(f"第{k + 2}页的说明文字。" * 3)]
    slices = document_to_slices(_doc(build_pdf(tmp_path / "running.pdf", story)))
    assert [(s.report_type, s.page_start, s.page_end) for s in slices] == [("project_targets", 1, 3)]


def test_an_attachment_label_is_not_part_of_the_title(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "label.pdf", [heading("附件1"), heading("2024年区级部门整体预算绩效目标表"),
                                              ruled_table([HEADER] + _rows(2), [40, 250, 80, 60])])
    assert page_title(_doc(path).pages[0]) == "2024年区级部门整体预算绩效目标表"


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


# A row that a word processor broke across the page: the pieces are two rows of two
# tables, one at the foot of page 1 and one at the head of page 2.
SPLIT_HEADER = ["项目名称", "总计", "财政拨款", "绩效目标"]
SPLIT_WIDTHS = [90, 60, 60, 250]


def _split_pdf(path: Path, last: list[str], first: list[str], spans: list = ()) -> Path:
    upper = [SPLIT_HEADER, ["人民调解工作经费", "30.50", "30.50", "完善矛盾纠纷多元化解机制。"], last]
    lower = [first, ["法律援助专项经费", "22.00", "20.00", "保障困难群众获得法律援助。"]]
    return build_pdf(path, [heading("项目支出绩效目标表"), ruled_table(upper, SPLIT_WIDTHS, spans), PageBreak(),
                            ruled_table(lower, SPLIT_WIDTHS)])


def test_a_row_broken_across_the_page_is_folded_into_one_row(tmp_path: Path) -> None:
    path = _split_pdf(tmp_path / "split.pdf", ["社区矫正工", "8.25", "8.25", "深入推进基层社会治理现代化"],
                      ["作经费", "", "", "建设，完善矛盾纠纷多元化解机制。"])
    (grid,) = _doc(path).grids()
    assert grid.pages == [1, 2]
    assert grid.text_matrix()[2:] == [
        ["社区矫正工作经费", "8.25", "8.25", "深入推进基层社会治理现代化建设，完善矛盾纠纷多元化解机制。"],
        ["法律援助专项经费", "22.00", "20.00", "保障困难群众获得法律援助。"]]


@pytest.mark.parametrize(("last", "first"), [
    # a unit row with amounts of its own under a project row
    (["社区矫正工作经费", "8.25", "8.25", "深入推进基层社会治理现代化"], ["广州市公共法律服务中心", "45.00", "45.00", ""]),
    # text under a complete short value (a rate) starts a new row
    (["社区矫正工作经费", "95%", "", "深入推进基层社会治理现代化"], ["群众安全感", "全市综治工作逐步提高", "", "按计划完成"]),
    # every cell of the row above carries on: nothing ended on page 1, so nothing says "broken"
    (["社区矫正工作经费", "8.25", "8.25", "深入推进基层社会治理现代化"], ["补充说明", "另计", "另计", "另见附件"]),
])
def test_a_new_row_at_the_head_of_the_page_is_not_folded(tmp_path: Path, last: list[str], first: list[str]) -> None:
    (grid,) = _doc(_split_pdf(tmp_path / "new.pdf", last, first)).grids()
    assert grid.text_matrix()[2:4] == [last, first]


def test_an_empty_cell_under_a_merged_cell_is_not_evidence_of_a_broken_row(tmp_path: Path) -> None:
    """Sample 000's page break: 效益指标 merged over the rows above runs on empty; the row under
    it is a new indicator, though its other cells hold text under text."""
    last = ["", "社会效益指标", "促进平安建设宣传力度", "按目标计划完成"]
    path = _split_pdf(tmp_path / "merged.pdf", last, ["", "", "推进全市平安建设", "按目标计划完成"],
                      spans=[((1, 1), (1, 2))])
    (grid,) = _doc(path).grids()
    assert [row[2:] for row in grid.text_matrix()[2:4]] == [last[2:], ["推进全市平安建设", "按目标计划完成"]]


def _block(text: str, x0: float, top: float, size: float = 13.0) -> Block:
    line = TextLine(text=text, bbox=(x0, top, x0 + size * len(text), top + size), size=size, page=1)
    return Block(page=1, top=top, line=line)


def test_lines_side_by_side_are_read_left_first_though_the_right_one_sits_higher() -> None:
    """Writer's cover: the value's glyph boxes (another font) start 0.8 pt above its label's."""
    blocks = [_block("农村污水治理", 134.4, 111.2), _block("项目名称", 56.8, 112.0), _block("主管部门", 56.8, 142.0),
              _block("和平县水务局", 134.4, 141.9), _block("上一行", 300.0, 100.0)]
    ordered = left_to_right_in_rows(sorted(blocks, key=lambda b: b.top))
    assert [b.line.text for b in ordered] == ["上一行", "项目名称", "农村污水治理", "主管部门", "和平县水务局"]


def _two_pages(path: Path, title: str, upper: Table, lower: Table) -> Path:
    """``upper`` on page 1 under ``title``, ``lower`` on page 2, both set at one left edge
    as a word processor sets them (reportlab centres tables of other widths)."""
    for table in (upper, lower):
        table.hAlign = "LEFT"
    return build_pdf(path, [heading(title), upper, PageBreak(), lower])


def test_a_ragged_table_running_onto_the_next_page_is_stitched_and_its_broken_row_folded(tmp_path: Path) -> None:
    """Writer's export of a ragged Word table: page 1's rows carry a narrow empty column more
    than page 2's, so the right edges differ by that column; the broken row still folds."""
    upper = [SPLIT_HEADER + ["备注"], ["人民调解工作经费", "30.50", "30.50", "完善矛盾纠纷多元化解机制。", ""],
             ["公共法律服务", "45.00", "45.00", "深入推进基层社会", ""]]
    lower = [["平台运维费", "", "", "治理现代化建设。"], ["法律援助专项经费", "22.00", "20.00", "保障困难群众获得法律援助。"]]
    path = _two_pages(tmp_path / "ragged.pdf", "项目支出绩效目标表", ruled_table(upper, SPLIT_WIDTHS + [30]),
                      ruled_table(lower, SPLIT_WIDTHS))
    (grid,) = _doc(path).grids()
    assert grid.pages == [1, 2]
    assert [row[:4] for row in grid.text_matrix()[2:]] == [
        ["公共法律服务平台运维费", "45.00", "45.00", "深入推进基层社会治理现代化建设。"],
        ["法律援助专项经费", "22.00", "20.00", "保障困难群众获得法律援助。"]]


SCORE_WIDTHS = [90, 90, 110, 40, 160]


def _score_pdf(path: Path, upper: list[list[str]], upper_spans: list, lower: list[list[str]], lower_spans: list) -> Path:
    return _two_pages(path, "项目支出绩效自评报告", ruled_table(upper, SCORE_WIDTHS, upper_spans),
                      ruled_table(lower, SCORE_WIDTHS, lower_spans))


SCORE_HEADER = ["一级指标", "二级指标", "三级指标", "得分", "说明"]
GROUP = ["项目绩效结果（50）", "项目产出结果"]


@pytest.mark.parametrize(("upper", "lower"), [
    # Calc centres a merged group label over its whole range and clips it: the part on
    # page 1 is empty, the label shows on page 2; the rows above the break join the group
    ([SCORE_HEADER, ["项目过程（30）", "资金管理", "资金到位率", "5", "及时"], ["", "", "数量（5分）", "5", "制度健全"]],
     [GROUP + ["质量（5分）", "5", "完成率100%"], ["", "", "成本（5分）", "5", "正常"]]),
    # Word prints a top-aligned merged label on page 1 only; its single row there is not
    # merged, and the rows continuing on page 2 leave the group columns empty
    ([SCORE_HEADER, GROUP + ["数量（5分）", "5", "健全"]],
     [["", "", "质量（5分）", "5", "完成率100%"], ["", "", "成本（5分）", "5", "正常"]]),
], ids=["calc-label-below", "word-label-above"])
def test_a_group_label_on_one_side_of_the_break_covers_the_rows_on_both(tmp_path: Path, upper: list[list[str]],
                                                                       lower: list[list[str]]) -> None:
    (grid,) = _doc(_score_pdf(tmp_path / "group.pdf", upper, [], lower, [((0, 0), (0, 1)), ((1, 0), (1, 1))])).grids()
    assert grid.n_rows == len(upper) + len(lower)
    assert [row[:3] for row in grid.text_matrix()[-3:]] == [
        GROUP + ["数量（5分）"], GROUP + ["质量（5分）"], GROUP + ["成本（5分）"]]


def test_an_empty_note_above_the_break_does_not_take_a_merged_note_below(tmp_path: Path) -> None:
    upper = [SCORE_HEADER, ["项目过程", "资金管理", "资金到位率", "5", ""]]
    lower = [["项目产出", "产出数量", "质量（5分）", "5", "两项均按计划完成"], ["项目产出", "产出数量", "成本（5分）", "5", ""]]
    (grid,) = _doc(_score_pdf(tmp_path / "note.pdf", upper, [], lower, [((4, 0), (4, 1))])).grids()
    assert [row[4] for row in grid.text_matrix()[1:]] == ["", "两项均按计划完成", "两项均按计划完成"]


@pytest.mark.parametrize(("widths", "stitched"), [([95, 63, 58, 250], True), ([120, 60, 60, 220], False)])
def test_columns_a_little_wider_on_the_next_page_still_continue(tmp_path: Path, widths: list[int], stitched: bool) -> None:
    """Writer set the columns of a table's first page a few points wider than on the next
    (one to five points an edge); a table with other columns (30 pt off) is another table."""
    upper = [SPLIT_HEADER, ["人民调解工作经费", "30.50", "30.50", "完善矛盾纠纷多元化解机制。"]]
    lower = [["法律援助专项经费", "22.00", "20.00", "保障困难群众获得法律援助。"]]
    path = _two_pages(tmp_path / "drift.pdf", "项目支出绩效目标表", ruled_table(upper, SPLIT_WIDTHS),
                      ruled_table(lower, widths))
    grids = _doc(path).grids()
    assert len(grids) == (1 if stitched else 2)
    if stitched:
        assert grids[0].text_matrix()[2] == lower[0] and grids[0].n_cols == 4


@pytest.mark.parametrize(("first", "folded"), [(["标", "", "率", "%"], True), (["标", "", "率", "95%"], False)])
def test_a_unit_wrapped_from_its_number_folds_but_another_number_does_not(tmp_path: Path, first: list[str],
                                                                          folded: bool) -> None:
    """A narrow cell wraps '100%' as '100' / '%' and the page breaks between the two lines."""
    last = ["产出指", "质量指标", "项目验收合格", "100"]
    (grid,) = _doc(_split_pdf(tmp_path / "unit.pdf", last, first)).grids()
    want = [["产出指标", "质量指标", "项目验收合格率", "100%"]] if folded else [last, first]
    assert grid.text_matrix()[2:2 + len(want)] == want

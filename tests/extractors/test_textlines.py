"""Characters into rows and text (extractors.textlines)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from extractors.ir import Char
from extractors.textlines import cell_text, chars_to_lines, group_rows, join_chars, split_segments


def _line(text: str, x0: float, top: float, size: float, advance: float | None = None) -> list[Char]:
    step = advance or size
    return [Char(ch, x0 + i * step, top, x0 + (i + 1) * step, top + size, size) for i, ch in enumerate(text)]


def test_rows_top_to_bottom_left_to_right() -> None:
    chars = _line("预算数", 100, 50, 10) + _line("执行数", 10, 50.6, 10) + _line("合计", 10, 70, 10)
    assert [join_chars(r) for r in group_rows(chars)] == ["执行数预算数", "合计"]


def test_an_overgrown_ocr_band_does_not_merge_two_lines() -> None:
    # OCR line of small type, 6.5 pt band, and a neighbour whose band also took in part of the
    # next line (11.9 pt): its centre lies within half of its own size of the small line's centre
    small = _line("在敏感时期", 99, 213.1, 6.5)
    tall = _line("相关秩序", 260, 215.6, 11.9, advance=6.5)
    assert [join_chars(r) for r in group_rows(small + tall)] == ["在敏感时期", "相关秩序"]


def test_mixed_sizes_on_one_line_stay_one_row() -> None:
    chars = _line("金额", 10, 100, 10) + _line("(万元)", 40, 101.5, 7)
    assert [join_chars(r) for r in group_rows(chars)] == ["金额(万元)"]


def test_wrapped_cjk_cell_text_is_joined_without_spaces() -> None:
    chars = _line("资金使用", 10, 10, 10) + _line("规范", 10, 22, 10)
    assert cell_text(chars, (5, 5, 55, 40)) == "资金使用规范"


def test_a_line_is_as_large_as_its_cjk_glyphs_not_its_latin_fallback_font() -> None:
    """Word and Writer set digits in another font whose character box is taller (here 28.2 for
    22 pt CJK); the line's size is measured on its CJK glyphs."""
    chars = _line("2024", 0, 0, 28.2, advance=12) + _line("年度评价报告", 48, 3, 22.0)
    (line,) = chars_to_lines(chars, 1)
    assert (line.text, line.size) == ("2024年度评价报告", 22.0)
    (digits,) = chars_to_lines(_line("0759", 0, 0, 18.0), 1)
    assert digits.size == 18.0


def test_a_writer_title_wrapped_after_its_digits_is_one_title() -> None:
    """tests/fixtures/files/writer_title.pdf: LibreOffice Writer's export of writer_title.html."""
    import pypdfium2 as pdfium

    from extractors.find import page_title
    from extractors.pdfium import pdf_to_pages

    pdf = pdfium.PdfDocument(str(Path(__file__).parents[1] / "fixtures" / "files" / "writer_title.pdf"))
    page = next(pdf_to_pages(pdf))
    page.lines = chars_to_lines(page.chars, 1)
    assert page_title(page) == "2024年农村生活污水治理运维项目支出部门评价报告"


def _glyph(text: str, x0: float, top: float, bottom: float) -> Char:
    return Char(text, x0, top, x0 + 3.6, bottom, bottom - top)


def test_commas_and_stops_with_glyph_tight_boxes_stay_in_their_row() -> None:
    """Boxes as pdfium gives them for a LibreOffice Calc export fitted to the page: each
    glyph's own box, so a comma (3.3 tall) sits low and off the digits' centre (5.3 tall)."""
    digits = [_glyph(ch, 204 + 3.6 * i, 211.6, 216.9) if ch.isdigit()
              else _glyph(ch, 204 + 3.6 * i, 214.4, 217.6 if ch == "," else 216.9)
              for i, ch in enumerate("12,654,100.00")]
    next_line = [_glyph(ch, 204 + 3.6 * i, 219.0, 224.3) if ch.isdigit() else _glyph(ch, 204 + 3.6 * i, 221.8, 225.0)
                 for i, ch in enumerate("8,000")]
    assert [join_chars(r) for r in group_rows(digits + next_line)] == ["12,654,100.00", "8,000"]


def test_a_gap_of_typed_spaces_parts_a_cover_label_from_its_value() -> None:
    """项目名称 and its value 1.5 em apart with typed spaces between: two segments (the
    cover reader pairs them); the same gap without typed spaces is a justified gap."""
    label, value = _line("项目名称", 57, 112, 14), _line("农村污水治理", 57 + 4 * 14 + 21, 112, 14)
    spaced = label + [replace(value[0], space_before=True)] + value[1:]
    assert [join_chars(seg) for seg in split_segments(spaced)] == ["项目名称", "农村污水治理"]
    assert [join_chars(seg) for seg in split_segments(label + value)] == ["项目名称农村污水治理"]
    latin = _line("Budget", 0, 0, 10, advance=6) + [replace(c, space_before=(i == 0)) for i, c in
                                                    enumerate(_line("rate", 39, 0, 10, advance=6))]
    assert [join_chars(seg) for seg in split_segments(latin)] == ["Budget rate"]

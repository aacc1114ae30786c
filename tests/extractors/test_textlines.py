"""Characters into rows and text (extractors.textlines)."""

from __future__ import annotations

from extractors.ir import Char
from extractors.textlines import cell_text, group_rows, join_chars


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

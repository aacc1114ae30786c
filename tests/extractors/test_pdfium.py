"""Tests for extractors.pdfium's judgement of a page's text layer (usable, or OCR instead)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen import canvas

from extractors.pdfium import pdf_to_pages, text_layer_stats
from tests.fixtures.pdfgen import register_font

# What a CID font re-written without its ToUnicode map decodes to (Ghostscript's pdfwrite of
# an STSong-Light page): the glyph names of a Latin code page.
MOJIBAKE = ("IJ´ û´» fl‡¸¶‚õ„ú‰ÂÊ½ÁÌÓûÈÍÉ,ÎÚ", "R˜çSµÜTUVWéX¯YZ19fi[]^HƒçéŒœ", "284fi 25â´ 100% ‚Z")
CHINESE = ("项目支出绩效自评表", "预算执行率 99.31% ≥6000路", "一级指标 二级指标 三级指标 得分 94.5")
ENGLISH = ("Performance evaluation report, fiscal year 2021", "Budget: 1,256.72 (10k yuan); rate 99.31%")
SYMBOLS = ("!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~", "#$%&'()*+,-./ 12 !\"#$%&", "()*+,-./:;<=>?@")


def _page_of(path: Path, lines: tuple[str, ...], font: str) -> object:
    c = canvas.Canvas(str(path))
    c.setFont(font, 11)
    for n, line in enumerate(lines * 4):
        c.drawString(60, 780 - 18 * n, line)
    c.save()
    return next(pdf_to_pages(pdfium.PdfDocument(str(path))))


@pytest.mark.parametrize(("lines", "font", "usable"), [
    (CHINESE, "STSong-Light", True),
    (ENGLISH, "Helvetica", True),
    (MOJIBAKE, "Helvetica", False),
    (SYMBOLS, "Helvetica", False),
])
def test_a_text_layer_is_usable_only_when_it_reads_as_text(tmp_path: Path, lines: tuple[str, ...],
                                                            font: str, usable: bool) -> None:
    register_font()
    page = _page_of(tmp_path / "page.pdf", lines, font)
    stats = text_layer_stats(page)
    assert stats.chars > 50
    assert stats.usable is usable


def test_printed_signs_of_chinese_reports_are_not_garbage(tmp_path: Path) -> None:
    register_font()
    page = _page_of(tmp_path / "signs.pdf", ("金额×1.5 ±2% 3°C “雪亮工程”—— 1/2 …", "项目·资金 ‰ §3"), "STSong-Light")
    stats = text_layer_stats(page)
    assert stats.mojibake == 0
    assert stats.usable


def test_a_page_with_a_garbage_text_layer_is_read_by_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import read

    register_font()
    _page_of(tmp_path / "bad.pdf", MOJIBAKE, "Helvetica")
    ocr_calls: list[int] = []
    monkeypatch.setattr(read, "_ocr_pdf_page", lambda pdf, index, size, timings: ocr_calls.append(index))
    read.read_pdf_pages(pdfium.PdfDocument(str(tmp_path / "bad.pdf")), {})
    assert ocr_calls == [0]


def test_a_blank_page_is_not_ocrd_but_a_page_of_paths_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A word processor's trailing blank page draws nothing: no OCR. Text drawn as outlines
    (paths, no text layer) still goes to OCR."""
    from pipeline import read

    c = canvas.Canvas(str(tmp_path / "three.pdf"))
    c.showPage()  # 1: blank
    c.rect(100, 100, 300, 20, fill=1)  # 2: paths only
    c.showPage()
    c.drawString(60, 780, "text")  # 3: a (too short) text layer
    c.showPage()
    c.save()
    ocr_calls: list[int] = []
    monkeypatch.setattr(read, "_ocr_pdf_page", lambda pdf, index, size, timings: ocr_calls.append(index))
    pages = read.read_pdf_pages(pdfium.PdfDocument(str(tmp_path / "three.pdf")), {})
    assert ocr_calls == [1, 2]
    assert (pages[0].number, pages[0].chars, pages[0].rulings) == (1, [], [])


def test_text_clipped_away_is_not_read(tmp_path: Path) -> None:
    """Calc draws a merged cell's label centred over the whole merged range and clips it to
    the part on the page: what falls outside the clip path is invisible and is not read."""
    register_font()
    c = canvas.Canvas(str(tmp_path / "clip.pdf"))
    c.setFont("STSong-Light", 11)
    c.drawString(60, 780, "表头可见")
    c.saveState()
    path = c.beginPath()
    path.rect(50, 700, 100, 40)  # a cell, 700-740 from the bottom
    c.clipPath(path, stroke=0, fill=0)
    c.drawString(60, 715, "单元格内")  # inside the clip
    c.drawString(60, 640, "裁剪掉的标签")  # below the cell: clipped away
    c.drawString(120, 715, "溢出部分")  # starts inside, runs past the right edge at 150
    c.restoreState()
    c.save()
    page = next(pdf_to_pages(pdfium.PdfDocument(str(tmp_path / "clip.pdf"))))
    # 溢 出 部 have their centres inside the clip (部: 142-153, centre 147.5 < 150); 分 not
    assert "".join(ch.text for ch in page.chars) == "表头可见单元格内溢出部"

"""Scans into the IR: deskew, rulings, per-character OCR (extractors.ocr / raster / ocr_chars).

Scans are generated: a ruled table drawn with a real CJK font, rendered,
rotated, blurred, noised and JPEG-compressed (tests/fixtures/scans.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from extractors import raster, raster_rulings
from extractors.ir import Page
from extractors.ocr import prepare
from extractors.ocr_chars import PxBox, RecLine, ink_extent, line_image, place_chars, split_box
from extractors.ocr_engine import OcrEngine, decode_ctc, model_files, rec_batches
from extractors.textlines import cell_text
from tests import shared
from tests.fixtures.scans import FUND_TABLE, make_scan

SAMPLES = shared.SAMPLES if shared.SAMPLES.is_dir() else None
A4_PT = (595.2755905511812, 841.8897637795277)
AMOUNT = re.compile(r"^\d+(\.\d+)?%?$")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\n", "")


def _unmatched(expected: list[tuple], found: list[tuple], tol: float = 2.0) -> list[tuple]:
    """Expected rulings (orientation, pos, start, end) with no found ruling within ``tol``."""
    return [e for e in expected
            if not any(f[0] == e[0] and all(abs(a - b) <= tol for a, b in zip(f[1:], e[1:])) for f in found)]


def _ruling_tuples(page: Page) -> list[tuple]:
    return [(r.orientation, r.pos, r.start, r.end) for r in page.rulings]


# ---------------------------------------------------------------- engine


def test_models_come_from_the_wheel_and_nothing_downloads() -> None:
    import rapidocr

    files = model_files()
    wheel = Path(rapidocr.__file__).parent / "models"
    assert sorted(files) == ["cls", "det", "rec"]
    assert all(p.parent == wheel and p.stat().st_size > 100_000 for p in files.values())
    engine = OcrEngine()
    assert engine.files() == files and engine._models is None  # sessions load on first use


def test_detection_input_is_the_page_scaled_to_the_long_side() -> None:
    from extractors.ocr_engine import _det_input

    gray = np.full((2339, 1654), 255, np.uint8)
    gray[100:140, 200:600] = 0
    x = _det_input(gray, 1280)
    assert x.shape == (1, 3, 1280, 896) and x.dtype == np.float32  # 1654 * 1280 / 2339 = 905 -> 896
    assert (x.min(), x.max()) == (-1.0, 1.0) and (x[0, 0] == x[0, 2]).all()
    assert _det_input(np.zeros((50, 70), np.uint8), 1280).shape == (1, 3, 64, 64)  # never enlarged


def test_recognition_batches_stay_within_the_padded_width_budget() -> None:
    widths = [300, 40, 2000, 120, 50, 900]
    assert rec_batches(widths, budget=1000, most=3) == [[1, 4, 3], [0], [5], [2]]
    for batch in rec_batches(widths, budget=1000, most=3):
        assert len(batch) == 1 or len(batch) * max(48, max(widths[i] for i in batch)) <= 1000
    assert rec_batches([], budget=1000) == []


def test_ctc_decoding_keeps_each_characters_column_and_probability() -> None:
    alphabet = ["blank", "合", "计", "1", " "]
    best = [1, 1, 0, 2, 0, 4, 3, 3, 0, 3, 0]  # 合合 _ 计 _ space 1 1 _ 1 _
    probs = np.full((len(best), len(alphabet)), 0.01, np.float32)
    for col, k in enumerate(best):
        probs[col, k] = 0.9 if col != 3 else 0.6
    line = decode_ctc(probs, alphabet, 5.5)
    assert line is not None and line.text == "合计 11"
    assert line.chars == [("合", 0.9, 0.0), ("计", 0.6, 3.0), (" ", 0.9, -1.0), ("1", 0.9, 6.0), ("1", 0.9, 9.0)]
    assert (line.n_cols, line.score) == (5.5, 0.84)
    blank = np.zeros((4, 5), np.float32)
    blank[:, 0] = 1.0
    blank[2] = [0, 0, 0, 0, 1.0]  # nothing but a space
    assert decode_ctc(blank, alphabet, 4.0) is None


def test_line_image_adds_paper_where_the_ink_touches_the_crop_edge() -> None:
    crop = np.full((30, 100), 200, np.uint8)
    crop[10:20, 60:100] = 0  # ink from x=60 to the right edge
    image, left = line_image(crop, (60, 10, 100, 20), margin=0.5, share=0.5)
    assert (image.shape, left) == ((20, 50), 55)  # 5 px beside the ink, band of 10 in 20 rows
    assert (image[5:15, 5:45] == 0).all() and (image[:5] == 200).all() and (image[:, 45:] == 200).all()
    assert (image[5:15, :5] == 200).all()  # from the crop: paper before the ink
    tall = np.full((80, 40), 200, np.uint8)
    tall[0:10, :] = 0  # the line above, cut away
    tall[40:50, 10:30] = 0
    image, left = line_image(tall, (10, 40, 30, 50), margin=0.0, share=0.5)
    assert (image.shape, left) == ((20, 20), 10) and (image[:5] == 200).all() and (image[5:15] == 0).all()


def test_chars_of_a_padded_line_image_land_on_the_ink() -> None:
    line = RecLine(text="12", score=0.9, n_cols=10.0, chars=[("1", 0.9, 4.0), ("2", 0.9, 6.0)])
    box = PxBox(190, 50, 290, 80)  # the framed image: 10 px of paper beyond the crop at x=280
    chars = place_chars(line, box, (30, 5, 90, 25))
    assert [(c.text, c.x0, c.x1) for c in chars] == [("1", 220.0, 245.0), ("2", 245.0, 280.0)]


# ---------------------------------------------------------------- raster


def _lines_image(angle: float) -> np.ndarray:
    img = np.full((800, 600), 250, np.uint8)
    for y in range(100, 700, 40):
        img[y:y + 2, 60:540] = 20
    for x in (60, 300, 540):
        img[100:662, x:x + 2] = 20
    return raster.rotate(img, angle)


@pytest.mark.parametrize("angle", [1.5, -1.5, 0.7, 0.0])
def test_skew_of_a_ruled_image_is_measured(angle: float) -> None:
    gray = _lines_image(angle)
    ink = raster.ink_mask(gray, raster.background(gray, 2.0))
    assert raster.estimate_skew(ink) == pytest.approx(-angle, abs=0.06)


def test_stamp_and_handwriting_blobs_are_not_rulings() -> None:
    import cv2

    rgb = np.full((800, 600, 3), 250, np.uint8)
    rgb[100:102, 60:540] = 20
    rgb[300:302, 60:540] = 20
    rgb[100:302, 60:62] = 20
    rgb[100:302, 538:540] = 20
    cv2.circle(rgb, (300, 500), 110, (200, 30, 30), 4)  # red stamp below the table
    cv2.circle(rgb, (300, 200), 80, (90, 90, 90), 4)  # grey circle inside it
    cv2.line(rgb, (100, 600), (260, 640), (20, 20, 20), 3)  # a slanted stroke
    prep = prepare(rgb, 2.0)
    segments = raster_rulings.find_segments(prep.ink, 2.0)
    assert prep.angle == 0.0
    found = sorted((s.orientation, s.pos, s.start, s.end) for s in segments)  # line centres, ends snapped
    assert found == [("h", 100.5, 60.5, 538.5), ("h", 300.5, 60.5, 538.5),
                     ("v", 60.5, 100.5, 300.5), ("v", 538.5, 100.5, 300.5)]


def test_long_glyph_stroke_in_a_short_cell_is_not_a_ruling_but_a_short_border_is() -> None:
    ink = np.zeros((300, 500), np.uint8)
    ink[100:102, 50:450] = 255  # a short row: borders 44 px apart
    ink[144:146, 50:450] = 255
    ink[100:146, 50:52] = 255
    ink[100:146, 448:450] = 255
    ink[110:138, 200:202] = 255  # the long stroke of a glyph (率): 28 px, 8 px short of each border
    ink[100:146, 330:332] = 255  # a real column border running through the text box
    box = (150.0, 104.0, 360.0, 141.0)  # the detected text line, stroke poking out by 1 px
    found = sorted((s.orientation, s.pos) for s in raster_rulings.find_segments(ink, 2.78, [box]))
    assert found == [("h", 100.5), ("h", 144.5), ("v", 50.5), ("v", 330.5), ("v", 448.5)]


@pytest.mark.parametrize("angle", [1.5, -1.5])
def test_rotated_scan_is_deskewed_and_rulings_found(ocr_table_pdf: Path, angle: float) -> None:
    scan = raster.as_array(make_scan(ocr_table_pdf, 0, angle=angle))
    px_per_pt = scan.shape[1] / A4_PT[0]
    prep = prepare(scan, px_per_pt)
    assert prep.angle == pytest.approx(-angle, abs=0.1)
    found = [(s.orientation, s.pos / px_per_pt, s.start / px_per_pt, s.end / px_per_pt)
             for s in raster_rulings.find_segments(prep.ink, px_per_pt)]
    assert _unmatched(FUND_TABLE.rulings(), found) == []
    assert len(found) == len(FUND_TABLE.rulings())


# ---------------------------------------------------------------- geometry


def test_text_box_is_split_at_a_ruling_it_runs_across() -> None:
    v = raster_rulings.Segment("v", 200.0, 0.0, 300.0, 2.0)
    h_edge = raster_rulings.Segment("h", 101.0, 0.0, 500.0, 2.0)  # along the box edge: no split
    pieces = split_box(PxBox(120, 100, 290, 130), [v, h_edge], (400, 600))
    assert pieces == [PxBox(120, 100, 198, 130), PxBox(202, 100, 290, 130)]
    short_v = raster_rulings.Segment("v", 200.0, 0.0, 105.0, 2.0)  # ends above the text
    assert split_box(PxBox(120, 100, 290, 130), [short_v], (400, 600)) == [PxBox(120, 100, 290, 130)]


def test_ink_extent_keeps_the_main_band() -> None:
    ink = np.zeros((40, 100), np.uint8)
    ink[10:30, 20:80] = 255  # the text line
    ink[0:2, 5:9] = 255  # a descender of the line above
    assert ink_extent(ink) == (20, 10, 80, 30)
    assert ink_extent(np.zeros((10, 10), np.uint8)) is None


def test_chars_abut_within_a_word_and_share_the_line_band() -> None:
    line = RecLine(text="合计 12.5", score=0.99, n_cols=40.0, chars=[
        ("合", 0.99, 2.0), ("计", 0.98, 6.0), (" ", 0.9, -1.0),
        ("1", 0.97, 20.0), ("2", 0.99, 22.0), (".", 0.8, 24.0), ("5", 0.99, 26.0)])
    box = PxBox(100, 50, 500, 80)  # 10 px per CTC column
    chars = place_chars(line, box, (4, 5, 275, 25))
    assert [c.text for c in chars] == ["合", "计", "1", "2", ".", "5"]
    assert [(c.x0, c.x1) for c in chars] == [
        (104.0, 145.0), (145.0, 185.0), (295.0, 315.0), (315.0, 335.0), (335.0, 355.0), (355.0, 375.0)]
    assert {(c.top, c.bottom, c.size) for c in chars} == {(55.0, 75.0, 20.0)}
    assert [c.confidence for c in chars] == [0.99, 0.98, 0.97, 0.99, 0.8, 0.99]
    assert [c.space_before for c in chars] == [False, False, True, False, False, False]


# ---------------------------------------------------------------- OCR


def test_image_without_page_size_is_taken_as_a4_in_its_orientation(ocr_engine) -> None:
    from extractors.ocr import image_to_page

    img = np.full((1654, 2339), 245, np.uint8)  # landscape A4 at 200 dpi, a ruled box
    img[400:403, 200:2003] = 30
    img[1200:1203, 200:2003] = 30
    img[400:1203, 200:203] = 30
    img[400:1203, 2000:2003] = 30
    page = image_to_page(Image.fromarray(img), 3, None, engine=ocr_engine)
    assert (page.number, page.kind, page.width, page.height, page.chars) == (3, "scanned", 841.89, 595.28, [])
    scale = 841.89 / 2339
    want = [("h", 401 * scale, 201 * scale, 2001 * scale), ("h", 1201 * scale, 201 * scale, 2001 * scale),
            ("v", 201 * scale, 401 * scale, 1201 * scale), ("v", 2001 * scale, 401 * scale, 1201 * scale)]
    assert _unmatched(want, _ruling_tuples(page), tol=0.3) == [] and len(page.rulings) == 4


def test_table_scan_rulings_match_the_drawn_lines(ocr_table_page: Page) -> None:
    page = ocr_table_page
    assert (page.kind, page.number, page.width, page.height) == ("scanned", 1, *A4_PT)
    assert page.rotation == pytest.approx(-1.5, abs=0.1)
    assert _unmatched(FUND_TABLE.rulings(), _ruling_tuples(page)) == []
    assert _unmatched(_ruling_tuples(page), FUND_TABLE.rulings()) == []


def test_table_scan_reads_every_cell_exactly(ocr_table_page: Page) -> None:
    read = {}
    for cell in FUND_TABLE.cells:
        box = FUND_TABLE.bbox(cell)
        chars = [c for c in ocr_table_page.chars if box[0] <= c.cx <= box[2] and box[1] <= c.cy <= box[3]]
        read[cell.text] = _nfkc(cell_text(chars, box))
    assert read == {cell.text: cell.text for cell in FUND_TABLE.cells}


def test_table_scan_title_line_and_char_geometry(ocr_table_page: Page) -> None:
    title = [c for c in ocr_table_page.chars if c.bottom < FUND_TABLE.ys[0]]
    assert "".join(c.text for c in sorted(title, key=lambda c: c.x0)) == FUND_TABLE.title
    assert all(12.0 <= c.size <= 16.0 for c in title)  # 15 pt type, glyph height
    body = [c for c in ocr_table_page.chars if c.top > FUND_TABLE.ys[0]]
    assert all(6.0 <= c.size <= 11.0 and 0.0 < c.confidence <= 1.0 for c in body)
    assert all(c.x0 < c.x1 and c.top < c.bottom for c in ocr_table_page.chars)


def test_table_scan_gives_the_digital_grid(ocr_table_page: Page) -> None:
    from extractors.grids import page_to_grids

    grids = page_to_grids(ocr_table_page).grids
    assert len(grids) == 1 and (grids[0].n_rows, grids[0].n_cols) == (7, 5)
    assert grids[0].method == "ocr-lattice"
    assert [[_nfkc(t) for t in row] for row in grids[0].text_matrix()][5:] == [
        ["资金来源", "财政拨款", "财政拨款", "3050.1234", "省级补助"],
        ["资金来源", "自筹资金", "自筹资金", "12.5", "市县配套"],
    ]


def test_red_seal_over_the_table_is_neither_text_nor_ruling(ocr_table_pdf: Path, ocr_engine) -> None:
    from extractors.ocr import image_to_page

    scan = make_scan(ocr_table_pdf, 0, angle=-1.0, stamp=(400.0, 250.0), seed=3)  # over 4 cells
    page = image_to_page(scan, 1, A4_PT, engine=ocr_engine)
    assert _unmatched(FUND_TABLE.rulings(), _ruling_tuples(page)) == []
    assert len(page.rulings) == len(FUND_TABLE.rulings())
    text = "".join(c.text for c in page.chars)
    assert not set("专用章") & set(text)  # the seal reads 财政专用章
    for cell in FUND_TABLE.cells:
        box = FUND_TABLE.bbox(cell)
        chars = [c for c in page.chars if box[0] <= c.cx <= box[2] and box[1] <= c.cy <= box[3]]
        assert _nfkc(cell_text(chars, box)) == cell.text


@pytest.mark.slow
@pytest.mark.skipif(SAMPLES is None, reason="shared samples not available")
def test_sample_scan_fund_table_matches_the_digital_page(ocr_engine) -> None:
    import pypdfium2 as pdfium

    from extractors.grids import page_to_grids
    from extractors.ocr import image_to_page
    from extractors.page_images import pdf_page_image
    from extractors.pdfium import pdfium_page_to_page

    stem = "002_480007bc3b6e9f33"
    scan_pdf = pdfium.PdfDocument(str(SAMPLES / f"{stem}_scan.pdf"))
    scanned = image_to_page(pdf_page_image(scan_pdf, 1), 2, scan_pdf[1].get_size(), engine=ocr_engine)
    digital = pdfium_page_to_page(pdfium.PdfDocument(str(SAMPLES / f"{stem}.pdf"))[1], 2)
    want = [[_nfkc(t) for t in row] for row in page_to_grids(digital).grids[0].text_matrix()]
    got = [[_nfkc(t) for t in row] for row in page_to_grids(scanned).grids[0].text_matrix()]
    assert (len(got), len(got[0])) == (len(want), len(want[0]))
    amounts = [(r, c, t) for r, row in enumerate(want) for c, t in enumerate(row) if AMOUNT.match(t)]
    assert Counter(t for _, _, t in amounts)["2868.5739"] == 11
    assert [(r, c, got[r][c]) for r, c, _ in amounts] == amounts
    same = sum(a == b for ra, rb in zip(want, got) for a, b in zip(ra, rb))
    assert same >= 0.9 * len(want) * len(want[0])

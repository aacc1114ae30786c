"""Page pictures for OCR (extractors.page_images): image files, embedded scans, resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from extractors.page_images import (
    DEFAULT_DPI,
    ImageTooLarge,
    embedded_scan,
    load_image_pages,
    pdf_page_image,
    render_pdf_page,
    to_working_resolution,
)

A4 = (595.2755905511812, 841.8897637795277)


def _picture(width: int, height: int) -> Image.Image:
    """A grey page picture with a pattern no resampling keeps pixel for pixel."""
    rng = np.random.default_rng(3)
    return Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8))


def _image_pdf(path: Path, picture: Path, page: tuple[float, float], at: tuple[float, float, float, float],
               rule: bool = False, rotate: int = 0) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=page)
    c.drawImage(str(picture), *at)
    if rule:
        c.line(10, 10, 200, 10)
    if rotate:
        c.setPageRotation(rotate)
    c.save()
    return path


# ---------------------------------------------------------------- image files & rendering


def test_multi_page_tiff_and_grey_png_load(tmp_path: Path) -> None:
    frames = [Image.new("L", (60, 80), 255), Image.new("RGB", (70, 50), (255, 0, 0)), Image.new("1", (30, 20), 1)]
    frames[0].save(tmp_path / "a.tif", save_all=True, append_images=frames[1:])
    pages = load_image_pages(tmp_path / "a.tif")
    assert [p.shape for p in pages] == [(80, 60), (50, 70, 3), (20, 30)]
    assert pages[1][0, 0].tolist() == [255, 0, 0] and pages[2].max() == 255
    Image.new("LA", (10, 12)).save(tmp_path / "b.png")
    assert [p.shape for p in load_image_pages(tmp_path / "b.png")] == [(12, 10)]


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    Image.new("L", (1000, 1000), 255).save(tmp_path / "big.png")
    with pytest.raises(ImageTooLarge, match="above 500000 pixels"):
        load_image_pages(tmp_path / "big.png", max_pixels=500_000)
    with pytest.raises(ImageTooLarge):  # PIL's own guard (over twice the limit) is converted too
        load_image_pages(tmp_path / "big.png", max_pixels=400_000)
    assert load_image_pages(tmp_path / "big.png", max_pixels=1_000_000)[0].shape == (1000, 1000)


def test_render_pdf_page_at_dpi(ocr_table_pdf: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(ocr_table_pdf))
    image = render_pdf_page(pdf, 0, 100)
    assert image.shape == (1170, 827, 3)  # pdfium rounds 1169.3 x 826.8 up
    with pytest.raises(ImageTooLarge):
        render_pdf_page(pdf, 0, 300, max_pixels=1_000_000)


# ---------------------------------------------------------------- embedded scans


def test_a_page_that_is_one_picture_gives_the_picture_itself(tmp_path: Path) -> None:
    _picture(827, 1170).save(tmp_path / "p.png")  # A4 at 100 dpi
    pdf = pdfium.PdfDocument(str(_image_pdf(tmp_path / "p.pdf", tmp_path / "p.png", A4, (0, 0, *A4))))
    want = np.asarray(Image.open(tmp_path / "p.png"))
    assert np.array_equal(embedded_scan(pdf, 0), want)
    assert np.array_equal(pdf_page_image(pdf, 0), want)  # not rendered at 200 dpi


def test_pages_that_are_more_than_one_picture_are_rendered(tmp_path: Path) -> None:
    _picture(400, 300).save(tmp_path / "p.png")
    cases = {
        "small.pdf": dict(at=(0, 0, 400, 300)),  # covers a quarter of the page
        "ruled.pdf": dict(at=(0, 0, *A4), rule=True),  # a line drawn over it
        "turned.pdf": dict(at=(0, 0, *A4), rotate=90),  # /Rotate: the picture is not the page as seen
    }
    for name, kw in cases.items():
        pdf = pdfium.PdfDocument(str(_image_pdf(tmp_path / name, tmp_path / "p.png", A4, **kw)))
        assert embedded_scan(pdf, 0) is None, name
    assert pdf_page_image(pdf, 0, 72).shape == (842, 596, 3)  # rendered, as a viewer shows it


def test_an_embedded_bomb_is_refused(tmp_path: Path) -> None:
    Image.new("L", (1000, 1000), 255).save(tmp_path / "p.png")
    pdf = pdfium.PdfDocument(str(_image_pdf(tmp_path / "p.pdf", tmp_path / "p.png", A4, (0, 0, *A4))))
    with pytest.raises(ImageTooLarge, match="embedded image 1000x1000"):
        embedded_scan(pdf, 0, max_pixels=500_000)


# ---------------------------------------------------------------- resolution


def test_pictures_outside_the_working_range_are_brought_to_the_default_dpi() -> None:
    at_600 = np.zeros((7016, 4961), np.uint8)
    assert to_working_resolution(at_600, A4).shape == (2338, 1654)
    at_100 = np.zeros((1170, 827, 3), np.uint8)
    assert to_working_resolution(at_100, A4).shape == (2339, 1654, 3)
    at_150 = np.zeros((1754, 1241))
    assert to_working_resolution(at_150, A4).shape == (2337, 1654)
    for within in (np.zeros((2339, 1654)), np.zeros((3508, 2480))):  # 200 and 300 dpi: as they are
        assert to_working_resolution(within, A4) is within
    assert DEFAULT_DPI == 200

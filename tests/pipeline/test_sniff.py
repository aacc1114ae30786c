"""Tests for pipeline.sniff: file type by magic bytes, PDF checks, repair, and the bad-input corpus."""
from __future__ import annotations

import io
import pickle
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest

from pipeline.sniff import REPAIRED_WARNING, FileInfo, InputError, open_pdf, sniff
from tests import shared

BADINPUTS = shared.BADINPUTS

# file -> expected outcome: a reason_code, or
#   "ok" (PDF, no warnings), "warned" (PDF read with a "damaged" warning), "repaired", "image"
EXPECTED = {
    "gen__cjk-stsong-unigb-ucs2.pdf": "ok",
    "gen__control-table.pdf": "ok",
    "gen__encrypted-aes256-userpw.pdf": "encrypted_needs_password",
    "gen__html-error-page.pdf": "html_not_pdf",
    "gen__huge-mediabox.pdf": "image_too_large",
    "gen__image-bomb-30000px.pdf": "image_too_large",
    "gen__many-pages-10000.pdf": "too_many_pages",
    "gen__png-renamed.pdf": "image",
    "gen__truncated-half.pdf": "repaired",
    "gen__zero-byte.pdf": "empty_file",
    "gen__zero-pages.pdf": "no_pages",
    "gen__zip-renamed.pdf": "zip_not_pdf",
    "pdfjs__ContentStreamCycleType3insideType3.pdf": "ok",
    "pdfjs__REDHAT-1531897-0.pdf": "damaged",
    "pdfjs__XiaoBiaoSong.pdf": "ok",
    "pdfjs__issue15590.pdf": "ok",
    "pdfjs__poppler-67295-0.pdf": "ok",
    "pdfminer__aes-256-r6.pdf": "encrypted_needs_password",
    "pdfminer__issue-1113-evil-xobjects.pdf": "warned",
    "pdfminer__issue-791-non-unicode-cmap.pdf": "ok",
    "pdfminer__issue_566_test_2.pdf": "ok",
    "pdfminer__zen_of_python_corrupted.pdf": "ok",
    "pdfplumber__malformed-from-issue-932.pdf": "ok",
    "pdfplumber__nics-background-checks-2015-11-rotated.pdf": "ok",
    "pdfplumber__password-example.pdf": "encrypted_needs_password",
    "pikepdf__content-stream-errors.pdf": "ok",
    "pikepdf__fuzz-378014596.pdf": "damaged",
    "pikepdf__jbig2.pdf": "ok",
    "pypdf__r6-owner-password.pdf": "ok",
    "qpdf__bad-encryption-length.pdf": "repaired",
    "qpdf__bad1.pdf": "not_a_pdf",
    "qpdf__bad22.pdf": "warned",
    "qpdf__bad3.pdf": "warned",
    "qpdf__issue-117.pdf": "warned",
    "qpdf__issue-120.pdf": "damaged",
    "qpdf__issue-146.pdf": "damaged",
    "qpdf__issue-149.pdf": "warned",
    "qpdf__issue-150.pdf": "damaged",
    "qpdf__issue-202.pdf": "warned",
    "qpdf__pages-loop.pdf": "ok",
}
PAGES = {"gen__control-table.pdf": 6, "gen__truncated-half.pdf": 6, "qpdf__issue-202.pdf": 10,
         "pikepdf__content-stream-errors.pdf": 4, "pdfjs__issue15590.pdf": 1}
needs_corpus = pytest.mark.skipif(not BADINPUTS.is_dir(), reason="shared bad-input corpus not present")


def _outcome(path: Path, **kwargs: object) -> str:
    try:
        info = sniff(path, **kwargs)  # type: ignore[arg-type]
    except InputError as exc:
        assert exc.message and "\n" not in exc.message and str(exc) == exc.message
        return exc.reason_code
    if info.kind == "image":
        return "image"
    if info.repaired:
        assert info.warnings == [REPAIRED_WARNING]
        return "repaired"
    return "warned" if info.warnings else "ok"


# --- the shared bad-input corpus ---------------------------------------------------------


@needs_corpus
def test_table_covers_every_corpus_file() -> None:
    assert sorted(p.name for p in BADINPUTS.glob("*.pdf")) == sorted(EXPECTED)


@needs_corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    assert _outcome(BADINPUTS / name) == EXPECTED[name]


@needs_corpus
@pytest.mark.parametrize("name", sorted(PAGES))
def test_corpus_page_counts_and_open(name: str) -> None:
    info = sniff(BADINPUTS / name)
    doc = open_pdf(BADINPUTS / name, info)
    assert info.pages == len(doc) == PAGES[name]
    doc.close()


@needs_corpus
@pytest.mark.parametrize(
    ("name", "password", "pages"),
    [
        ("pdfminer__aes-256-r6.pdf", "usersecret", 1),
        ("pdfplumber__password-example.pdf", "test", 4),
        ("gen__encrypted-aes256-userpw.pdf", "ingest-user-pw", 6),
    ],
)
def test_corpus_correct_password_opens(name: str, password: str, pages: int) -> None:
    info = sniff(BADINPUTS / name, password=password)
    assert (info.kind, info.pages, info.encrypted, info.repaired, info.warnings) == ("pdf", pages, True, False, [])
    assert len(open_pdf(BADINPUTS / name, info)) == pages  # the password travels with the FileInfo


@needs_corpus
def test_corpus_wrong_password() -> None:
    with pytest.raises(InputError) as err:
        sniff(BADINPUTS / "gen__encrypted-aes256-userpw.pdf", password="nope")
    assert err.value.reason_code == "encrypted_needs_password"
    assert err.value.message == "encrypted: the password given is wrong"


@needs_corpus
def test_corpus_owner_password_only_is_fine_even_with_a_batch_password() -> None:
    for password in (None, "some-other-files-password"):
        info = sniff(BADINPUTS / "pypdf__r6-owner-password.pdf", password=password)
        assert (info.pages, info.encrypted, info.repaired, info.password) == (1, True, False, None)


@needs_corpus
def test_corpus_malformed_encryption_is_repaired() -> None:
    path = BADINPUTS / "qpdf__bad-encryption-length.pdf"
    info = sniff(path)
    assert (info.pages, info.encrypted, info.repaired) == (1, True, True)
    assert len(open_pdf(path, info)) == 1


@needs_corpus
def test_corpus_png_named_pdf_is_an_image() -> None:
    info = sniff(BADINPUTS / "gen__png-renamed.pdf")
    assert (info.kind, info.mime, info.pages, info.encrypted) == ("image", "image/png", 1, False)


# --- generated fixtures ------------------------------------------------------------------


def _chinese_pdf(path: Path, pages: int = 2, size: tuple[float, float] = (595, 842)) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=size)
    for number in range(pages):
        c.setFont("STSong-Light", 12)
        c.drawString(72, 700, f"2023年度部门预算执行情况表 第{number + 1}页")
        c.showPage()
    c.save()
    return path


def _encrypt(src: Path, dst: Path, user: str, owner: str) -> Path:
    with pikepdf.open(src) as pdf:
        pdf.save(dst, encryption=pikepdf.Encryption(user=user, owner=owner, R=6))
    return dst


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height; the pixel data is not there."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00")
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
            + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))


def test_digital_pdf(tmp_path: Path) -> None:
    path = _chinese_pdf(tmp_path / "report.pdf")
    info = sniff(path)
    assert info == FileInfo(path, "pdf", "application/pdf", path.stat().st_size, 2, False, False, [])
    assert len(open_pdf(path, info)) == 2


def test_extension_is_ignored(tmp_path: Path) -> None:
    pdf = _chinese_pdf(tmp_path / "a.pdf")
    disguised = tmp_path / "scan.png"
    disguised.write_bytes(pdf.read_bytes())
    assert sniff(disguised).kind == "pdf"


def test_generated_password_cases(tmp_path: Path) -> None:
    plain = _chinese_pdf(tmp_path / "plain.pdf")
    locked = _encrypt(plain, tmp_path / "locked.pdf", user="u-secret", owner="o-secret")
    assert _outcome(locked) == "encrypted_needs_password"
    info = sniff(locked, password="u-secret")
    assert (info.pages, info.encrypted) == (2, True)
    assert len(open_pdf(locked, info)) == 2
    owner_only = _encrypt(plain, tmp_path / "owner.pdf", user="", owner="o-secret")
    assert (sniff(owner_only).encrypted, sniff(owner_only).pages) == (True, 2)


def test_truncated_half_is_repaired_and_opens(tmp_path: Path) -> None:
    data = _chinese_pdf(tmp_path / "full.pdf", pages=4).read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(data[: len(data) * 3 // 4])
    info = sniff(half)
    assert info.repaired and info.warnings == [REPAIRED_WARNING]
    assert len(open_pdf(half, info)) == info.pages >= 1


def test_truncated_beyond_repair(tmp_path: Path) -> None:
    stub = tmp_path / "stub.pdf"
    stub.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pa")
    assert _outcome(stub) == "truncated"


def test_caps(tmp_path: Path) -> None:
    path = _chinese_pdf(tmp_path / "report.pdf", pages=3)
    assert _outcome(path, max_pages=2) == "too_many_pages"
    assert _outcome(path, max_bytes=100) == "too_large"
    huge = _chinese_pdf(tmp_path / "poster.pdf", pages=1, size=(20000, 20000))
    assert _outcome(huge) == "image_too_large"
    assert _outcome(path, max_pixels=1_000_000) == "image_too_large"  # an A4 page is 8.7 Mpx at 300 dpi


def _bomb_pdf(path: Path) -> Path:
    """One page showing a 50000 x 50000 image whose (tiny, wrong) data is never decoded by sniff."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    image = pikepdf.Stream(pdf, zlib.compress(b"\x00" * 1000), Type=pikepdf.Name.XObject,
                           Subtype=pikepdf.Name.Image, Width=50_000, Height=50_000,
                           ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    image.Filter = pikepdf.Name.FlateDecode
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 612 0 0 792 0 0 cm /Im0 Do Q")
    pdf.save(path)
    return path


def test_image_xobject_checked_without_decoding(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        sniff(_bomb_pdf(tmp_path / "bomb.pdf"))
    assert err.value.reason_code == "image_too_large"
    assert "50000x50000 px" in err.value.message


def test_image_check_falls_back_to_pdfium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _bomb_pdf(tmp_path / "bomb.pdf")

    def qpdf_fails(*args: object, **kwargs: object) -> None:
        raise pikepdf.PdfError("root of pages tree has no /Kids array")

    monkeypatch.setattr(pikepdf, "open", qpdf_fails)
    with pytest.raises(InputError) as err:
        sniff(path)
    assert err.value.message == ("image too large: an image on page 1 is 50000x50000 px "
                                 "(2,500 megapixels), the limit is 200 megapixels")


@pytest.mark.parametrize(("fmt", "mime", "suffix"), [
    ("PNG", "image/png", ".pdf"), ("JPEG", "image/jpeg", ".jpg"), ("TIFF", "image/tiff", ".pdf"),
    ("GIF", "image/gif", ".gif"), ("BMP", "image/bmp", ".bin"),
])
def test_images(tmp_path: Path, fmt: str, mime: str, suffix: str) -> None:
    from PIL import Image

    path = tmp_path / f"scan{suffix}"
    Image.new("L", (120, 80), 200).save(path, format=fmt)
    info = sniff(path)
    assert (info.kind, info.mime, info.pages, info.encrypted, info.repaired) == ("image", mime, 1, False, False)
    assert _outcome(path, max_pixels=120 * 80 - 1) == "image_too_large"


def test_multipage_tiff(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "scan.tif"
    frames = [Image.new("L", (50, 50), v) for v in (0, 100, 200)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert sniff(path).pages == 3
    assert _outcome(path, max_pages=2) == "too_many_pages"


def test_image_header_bomb_is_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header(30_000, 30_000))
    assert _outcome(path) == "image_too_large"
    path.write_bytes(_png_header(10, 10)[:20])
    assert _outcome(path) == "damaged"


def _zip(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "x")
    return path


@pytest.mark.parametrize(("content", "code"), [
    (b"", "empty_file"),
    (b"\xef\xbb\xbf\n  <!DOCTYPE HTML><html><body>404</body></html>", "html_not_pdf"),
    (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'></html>", "html_not_pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "unsupported_type"),
    (b"Rar!\x1a\x07\x00" + b"\x00" * 50, "unsupported_type"),
    (b"just some text\n", "not_a_pdf"),
    (b"1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n", "damaged"),
])
def test_not_pdf_bytes(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    assert _outcome(path) == code


def test_zip_kinds(tmp_path: Path) -> None:
    plain = _zip(tmp_path / "a.pdf", ["report.pdf", "b.pdf"])
    with pytest.raises(InputError) as err:
        sniff(plain)
    assert err.value.reason_code == "zip_not_pdf" and "report.pdf" in err.value.message
    assert _outcome(_zip(tmp_path / "b.pdf", ["OFD.xml", "Doc_0/Document.xml"])) == "unsupported_type"
    assert _outcome(_zip(tmp_path / "c.pdf", ["[Content_Types].xml", "word/document.xml"])) == "unsupported_type"


def test_unreadable(tmp_path: Path) -> None:
    assert _outcome(tmp_path) == "unreadable"
    assert _outcome(tmp_path / "missing.pdf") == "unreadable"


def test_unexpected_library_error_becomes_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2

    path = _chinese_pdf(tmp_path / "report.pdf")

    def explode(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(pypdfium2, "PdfDocument", explode)
    with pytest.raises(InputError) as err:
        sniff(path)
    assert err.value.reason_code == "damaged"
    assert err.value.message == "damaged: cannot be read (RecursionError: maximum recursion depth exceeded)"


def test_input_error_pickles() -> None:
    error = pickle.loads(pickle.dumps(InputError("truncated", "truncated: the file ends early")))
    assert (error.reason_code, error.message, str(error)) == ("truncated", "truncated: the file ends early",
                                                               "truncated: the file ends early")


def test_open_pdf_rejects_images(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(_png_header(4, 4))
    with pytest.raises(InputError):
        open_pdf(path, FileInfo(path, "image", "image/png", 10, 1, False, False))

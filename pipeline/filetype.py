"""What a file is, from its first bytes (never its extension): the first step of `pipeline.sniff`."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PDF_HEADER_WINDOW = 1024  # the PDF header may follow up to 1 KB of junk (e.g. saved HTTP headers)

_IMAGE_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"II*\x00", "image/tiff", "TIFF"),
    (b"MM\x00*", "image/tiff", "TIFF"),
    (b"GIF87a", "image/gif", "GIF"),
    (b"GIF89a", "image/gif", "GIF"),
)
_BMP_HEADER_SIZES = (b"\x0c", b"\x28", b"\x34", b"\x38", b"\x6c", b"\x7c")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office or WPS document (.doc/.xls/.wps)"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"%!PS", "a PostScript file"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<script")
_PDF_BODY_TOKENS = (b" obj", b"endobj", b"xref", b"trailer", b"startxref")


@dataclass(frozen=True)
class FileType:
    """kind 'pdf' or 'image' (readable), or 'other' with the reason it is rejected."""

    kind: Literal["pdf", "image", "other"]
    mime: str = ""
    pil_format: str = ""
    has_pdf_header: bool = False
    reason_code: str = ""
    message: str = ""


def detect(path: Path, head: bytes) -> FileType:
    """Classify a file from its first few KB (`head`); `path` is only read for ZIP directories."""
    image = _image_type(head)
    if image is not None:
        return image
    if pdf_header_offset(head) is not None:
        return FileType("pdf", "application/pdf", has_pdf_header=True)
    if head.startswith(_ZIP_MAGIC):
        return _zip_type(path)
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            return _other("unsupported_type", f"unsupported type: {what}, not a PDF")
    if _looks_like_html(head):
        return _other("html_not_pdf", "not a PDF: an HTML web page (often a saved error page)")
    if sum(token in head for token in _PDF_BODY_TOKENS) >= 2:
        return FileType("pdf", "application/pdf", has_pdf_header=False)
    return _other("not_a_pdf", f"not a PDF: no %PDF header; the file begins with {head[:16]!r}")


def pdf_header_offset(head: bytes) -> int | None:
    offset = head.find(b"%PDF-", 0, PDF_HEADER_WINDOW + 5)
    return None if offset < 0 else offset


def _other(reason_code: str, message: str) -> FileType:
    return FileType("other", reason_code=reason_code, message=message)


def _image_type(head: bytes) -> FileType | None:
    for magic, mime, fmt in _IMAGE_MAGIC:
        if head.startswith(magic):
            return FileType("image", mime, fmt)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return FileType("image", "image/webp", "WEBP")
    if head.startswith(b"BM") and head[14:15] in _BMP_HEADER_SIZES:
        return FileType("image", "image/bmp", "BMP")
    return None


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_HTML_STARTS):
        return True
    return text.startswith((b"<?xml", b"<!--")) and b"<html" in text


def _zip_type(path: Path) -> FileType:
    """ZIP-based formats by their member names (the central directory only; nothing is extracted)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return _other("zip_not_pdf", "not a PDF: a ZIP archive (unreadable)")
    if "OFD.xml" in names:
        return _other("unsupported_type", "unsupported type: an OFD document; convert it to PDF first")
    if "[Content_Types].xml" in names:
        return _other("unsupported_type", "unsupported type: a Microsoft Office document (.docx/.xlsx/.pptx)")
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return _other("zip_not_pdf", f"not a PDF: a ZIP archive holding {len(names)} file(s) ({shown}); unpack it first")

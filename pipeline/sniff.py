"""Decide, cheaply and before any heavy work, what a file is and whether we can read it.

`sniff` looks at magic bytes (never the extension), opens PDFs with pypdfium2 (falling
back to a pikepdf/qpdf rewrite for damaged files) and checks page counts, page sizes and
embedded image sizes from headers only: nothing is decoded or rendered here.  Every
failure is an `InputError` with a short machine-readable `reason_code`.
"""
from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pipeline.filetype import FileType, detect, pdf_header_offset

if TYPE_CHECKING:
    import pikepdf
    import pypdfium2
    from PIL import Image as PILImage

log = logging.getLogger(__name__)

SCAN_DPI = 300  # resolution at which a scanned page would be rendered for OCR
HEAD_BYTES = 4096
REPAIRED_WARNING = "repaired: file was damaged (truncated or broken xref); content may be incomplete"
DAMAGED_WARNING = "damaged: broken file structure was reconstructed while reading; content may be incomplete"
NO_HEADER_WARNING = "no %PDF header: the file looks like PDF data without its header"

_PDF_TAIL_TOKENS = (b"EOF", b"xref", b"trailer")


class InputError(Exception):
    """A file we cannot (or must not) process; `reason_code` is snake_case, `message` one line."""

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.reason_code, self.message))


@dataclass
class FileInfo:
    path: Path
    kind: Literal["pdf", "image"]
    mime: str
    size: int
    pages: int
    encrypted: bool
    repaired: bool
    warnings: list[str] = field(default_factory=list)
    password: str | None = field(default=None, repr=False, compare=False)  # for open_pdf


@dataclass(frozen=True)
class _Caps:
    max_bytes: int
    max_pages: int
    max_pixels: int


class _Unreadable(Exception):
    """pypdfium2 cannot open the document or one of its pages: try a repair."""


def sniff(
    path: Path,
    *,
    max_bytes: int = 200 * 2**20,
    max_pages: int = 2000,
    max_pixels: int = 200_000_000,
    password: str | None = None,
) -> FileInfo:
    """Identify `path` and check it is safe to read; raise InputError otherwise (only InputError)."""
    caps = _Caps(max_bytes, max_pages, max_pixels)
    try:
        return _sniff(Path(path), caps, password)
    except InputError:
        raise
    except MemoryError as exc:
        raise InputError("too_large", "too large: reading it needs more memory than allowed") from exc
    except Exception as exc:  # noqa: BLE001 - the contract is: nothing but InputError escapes
        log.debug("sniff %s: unexpected %r", path, exc, exc_info=True)
        raise _damaged(exc) from exc


def open_pdf(path: Path, info: FileInfo, password: str | None = None) -> "pypdfium2.PdfDocument":
    """Open a sniffed PDF with pypdfium2: the original file, or the repaired bytes."""
    import pypdfium2 as pdfium

    password = password if password is not None else info.password
    if info.kind != "pdf":
        raise InputError("unsupported_type", f"not a PDF: the file is {info.mime}")
    try:
        if info.repaired:
            data, _, _ = _repair_bytes(Path(path), password)
            return pdfium.PdfDocument(data)
        return pdfium.PdfDocument(str(path), password=password)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _damaged(exc) from exc


def _sniff(path: Path, caps: _Caps, password: str | None) -> FileInfo:
    size = _file_size(path)
    if size == 0:
        raise InputError("empty_file", "empty: the file has 0 bytes")
    if size > caps.max_bytes:
        raise InputError("too_large", f"too large: {_mb(size)}, the limit is {_mb(caps.max_bytes)}")
    head = _read_head(path)
    ftype = detect(path, head)
    if ftype.kind == "image":
        return _sniff_image(path, size, ftype, caps)
    if ftype.kind != "pdf":
        raise InputError(ftype.reason_code, ftype.message)
    notes: list[str] = [] if ftype.has_pdf_header else [NO_HEADER_WARNING]
    return _sniff_pdf(path, size, caps, password, notes)


# --- reading ---------------------------------------------------------------------------


def _file_size(path: Path) -> int:
    try:
        if not path.exists():
            raise InputError("unreadable", f"unreadable: {path.name} does not exist")
        if not path.is_file():
            raise InputError("unreadable", f"unreadable: {path.name} is not a regular file")
        return path.stat().st_size
    except OSError as exc:
        raise InputError("unreadable", f"unreadable: {exc.strerror or exc}") from exc


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError("unreadable", f"unreadable: {exc.strerror or exc}") from exc


# --- images ------------------------------------------------------------------------------


def _sniff_image(path: Path, size: int, ftype: FileType, caps: _Caps) -> FileInfo:
    from PIL import Image

    from extractors.page_images import pixel_cap

    mime, fmt = ftype.mime, ftype.pil_format
    try:
        with pixel_cap(caps.max_pixels), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[fmt]) as im:  # reads the header only
                frames = _image_frames(im, caps)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError("image_too_large", f"image too large: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        detail = _one_line(exc).replace(str(path), path.name)
        raise InputError("damaged", f"damaged: the {fmt} image cannot be read ({detail})") from exc
    return FileInfo(path, "image", mime, size, frames, False, False, [])


def _image_frames(im: "PILImage.Image", caps: _Caps) -> int:
    frames = int(getattr(im, "n_frames", 1))
    if frames > caps.max_pages:
        raise InputError("too_many_pages", f"too many pages: {frames} images, the limit is {caps.max_pages}")
    for index in range(frames):
        if frames > 1:
            im.seek(index)
        width, height = im.size
        _check_pixels(width, height, caps, f"image {index + 1}")
    return frames


def _check_pixels(width: int, height: int, caps: _Caps, what: str) -> None:
    if width * height > caps.max_pixels:
        raise InputError(
            "image_too_large",
            f"image too large: {what} is {width}x{height} px ({_mpx(width * height)}), "
            f"the limit is {_mpx(caps.max_pixels)}",
        )


# --- PDFs --------------------------------------------------------------------------------


def _sniff_pdf(path: Path, size: int, caps: _Caps, password: str | None, notes: list[str]) -> FileInfo:
    try:
        pages, encrypted, used = _inspect_original(path, password, caps)
        data: bytes | None = None
    except _Unreadable:
        data, encrypted, used = _repair_bytes(path, password)
        pages = _inspect_repaired(data, caps)
        notes.append(REPAIRED_WARNING)
    _check_images(path, data, used, caps, notes)
    return FileInfo(path, "pdf", "application/pdf", size, pages, encrypted, data is not None, notes, used)


def _passwords(password: str | None) -> list[str | None]:
    """Try no password first: a batch-wide password must not lock out owner-password-only files."""
    return [None, password] if password else [None]


def _inspect_original(path: Path, password: str | None, caps: _Caps) -> tuple[int, bool, str | None]:
    error = _Unreadable("not opened")
    for candidate in _passwords(password):
        try:
            pages, encrypted = _inspect_pdfium(str(path), candidate, caps)
            return pages, encrypted, candidate
        except _Unreadable as exc:
            error = exc
    raise error


def _inspect_pdfium(source: str | bytes, password: str | None, caps: _Caps) -> tuple[int, bool]:
    """Page count and encryption flag; checks page count and page sizes."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        doc = pdfium.PdfDocument(source, password=password)
    except pdfium.PdfiumError as exc:
        raise _Unreadable(str(exc)) from exc
    try:
        pages = len(doc)
        _check_page_count(pages, caps)
        for index in range(pages):
            _check_page_size(doc, index, caps)
        return pages, pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1
    finally:
        doc.close()


def _inspect_repaired(data: bytes, caps: _Caps) -> int:
    try:
        pages, _ = _inspect_pdfium(data, None, caps)
    except _Unreadable as exc:
        raise InputError("damaged", f"damaged: still unreadable after repair ({exc})") from exc
    return pages


def _check_page_count(pages: int, caps: _Caps) -> None:
    if pages == 0:
        raise InputError("no_pages", "no pages: the PDF contains no pages")
    if pages > caps.max_pages:
        raise InputError("too_many_pages", f"too many pages: {pages}, the limit is {caps.max_pages}")


def _check_page_size(doc: "pypdfium2.PdfDocument", index: int, caps: _Caps) -> None:
    import pypdfium2 as pdfium

    try:
        width, height = doc.get_page_size(index)
    except pdfium.PdfiumError as exc:
        raise _Unreadable(f"page {index + 1} cannot be loaded") from exc
    pixels = (width * SCAN_DPI / 72) * (height * SCAN_DPI / 72)
    if pixels > caps.max_pixels:
        raise InputError(
            "image_too_large",
            f"page too large: page {index + 1} is {width:.0f}x{height:.0f} pt "
            f"({_mpx(pixels)} at {SCAN_DPI} dpi), the limit is {_mpx(caps.max_pixels)}",
        )


def _repair_bytes(path: Path, password: str | None) -> tuple[bytes, bool, str | None]:
    """Rewrite a damaged PDF with qpdf (via pikepdf), unencrypted: (bytes, was_encrypted, password used).

    No stream is decoded or recompressed, so a decompression bomb stays compressed.
    """
    import pikepdf

    for candidate in _passwords(password):
        try:
            with pikepdf.open(path, password=candidate or "") as pdf:
                return _rewrite(pdf), bool(pdf.is_encrypted), candidate
        except pikepdf.PasswordError:
            continue
        except pikepdf.PdfError as exc:
            raise _unrepairable(path, exc) from exc
    raise _password_error(password)


def _rewrite(pdf: "pikepdf.Pdf") -> bytes:
    import pikepdf

    if len(pdf.pages) == 0:
        raise InputError("no_pages", "no pages: the PDF contains no pages")
    buf = io.BytesIO()
    pdf.save(buf, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
    return buf.getvalue()


def _password_error(password: str | None) -> InputError:
    if password:
        return InputError("encrypted_needs_password", "encrypted: the password given is wrong")
    return InputError("encrypted_needs_password", "encrypted: a password is needed to open it")


def _unrepairable(path: Path, exc: Exception) -> InputError:
    detail = _one_line(exc).replace(f"{path}: ", "").replace(str(path), "")
    if _is_truncated(path):
        return InputError("truncated", f"truncated: the file ends early and cannot be repaired ({detail})")
    return InputError("damaged", f"damaged: cannot be opened or repaired ({detail})")


def _is_truncated(path: Path) -> bool:
    """A PDF header but no trailer-like token near the end: an incomplete download or copy."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(max(0, path.stat().st_size - 1024))
        tail = fh.read()
    return pdf_header_offset(head) is not None and not any(t in tail for t in _PDF_TAIL_TOKENS)


# --- embedded images ---------------------------------------------------------------------


def _check_images(path: Path, data: bytes | None, password: str | None, caps: _Caps, notes: list[str]) -> None:
    """Reject image XObjects whose pixel count exceeds the cap, reading dictionaries only."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data) if data is not None else path, password=password or "") as pdf:
            for width, height in _pikepdf_image_sizes(pdf):
                _check_pixels(width, height, caps, "an embedded image")
            damaged = bool(pdf.get_warnings())
    except pikepdf.PdfError:
        _check_images_pdfium(data if data is not None else str(path), password, caps)
        return
    if damaged and data is None:
        notes.append(DAMAGED_WARNING)


def _pikepdf_image_sizes(pdf: "pikepdf.Pdf") -> list[tuple[int, int]]:
    import pikepdf

    sizes = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image:
            sizes.append((_as_int(obj.get("/Width")), _as_int(obj.get("/Height"))))
    return sizes


def _as_int(value: object) -> int:
    try:
        return max(0, int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _check_images_pdfium(source: str | bytes, password: str | None, caps: _Caps) -> None:
    """Fallback when qpdf cannot parse the file: image objects on each page (headers only)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(source, password=password)
    try:
        for index in range(len(doc)):
            page = doc[index]
            for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
                width, height = obj.get_px_size()
                _check_pixels(width, height, caps, f"an image on page {index + 1}")
            page.close()
    finally:
        doc.close()


# --- messages ----------------------------------------------------------------------------


def _damaged(exc: BaseException) -> InputError:
    return InputError("damaged", f"damaged: cannot be read ({type(exc).__name__}: {_one_line(exc)})")


def _one_line(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _mpx(pixels: float) -> str:
    return f"{pixels / 1e6:,.0f} megapixels"

"""Benchmark timing: ingest runs with N workers, per-stage profile, baselines, scaling.

* :func:`ingest_run` ingests files into a fresh SQLite database through
  ``pipeline.ingest`` (worker processes, as the command line does), timing each completion.
* :func:`profile_stages` runs the same stages in this process to split the cost by stage
  (sniff, open, text, render, OCR, tables, segment, extract, store, search index).
* :func:`pdfplumber_tables`, :func:`camelot_lattice`, :func:`pdfium_text` are the
  baselines: what a user would hand-roll, on the same pages.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine

from pipeline.ingest import FileOutcome, IngestOptions, engine_for, file_sha256, ingest
from pipeline.isolate import Limits

log = logging.getLogger(__name__)

STAGES: tuple[str, ...] = ("sniff", "open", "text", "render", "ocr", "tables", "segment", "extract", "store",
                           "index")
BENCH_LIMITS = Limits(timeout_s=1800.0, memory_mb=4096)  # a loaded machine must not turn slow into failed


@dataclass(slots=True)
class RunResult:
    """One ingest of a file set with ``workers`` worker processes into a fresh database."""

    workers: int
    db_url: str
    pages: dict[str, int]  # path -> pages
    wall_s: float = 0.0
    done_at: list[float] = field(default_factory=list)  # seconds from start, per completion
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def total_pages(self) -> int:
        return sum(self.pages.values())

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def peak_rss_mb(self) -> float:
        return max((o.peak_rss_mb for o in self.outcomes), default=0.0)

    @property
    def warmup_s(self) -> float:
        """Until the first document was stored: pool start, imports, model loading, one document."""
        return self.done_at[0] if self.done_at else 0.0

    def pages_per_s(self) -> float:
        return self.total_pages / self.wall_s if self.wall_s else 0.0

    def steady_pages_per_s(self) -> float | None:
        """Throughput after every worker finished its first document (warm-up excluded)."""
        k = self.workers
        if len(self.outcomes) <= k:
            return None
        pages = sum(self.pages.get(o.path, 0) for o in self.outcomes[k:])
        span = self.done_at[-1] - self.done_at[k - 1]
        return pages / span if span > 0 else None

    def steady_doc_s(self) -> float | None:
        """Mean FileOutcome.seconds (hash, sniff, extract, store) of documents after the first ``workers``."""
        rest = self.outcomes[self.workers:]
        return sum(o.seconds for o in rest) / len(rest) if rest else None

    def summary(self) -> dict[str, object]:
        return {"workers": self.workers, "files": len(self.pages), "pages": self.total_pages,
                "wall_s": self.wall_s, "pages_per_s": self.pages_per_s(),
                "steady_pages_per_s": self.steady_pages_per_s(), "first_doc_s": self.warmup_s,
                "peak_rss_mb": self.peak_rss_mb, "failed": [(o.path, o.error) for o in self.failed]}


def ingest_run(files: list[Path], pages: dict[str, int], workers: int, db_path: Path) -> RunResult:
    """Ingest ``files`` (in this order) into a fresh SQLite database at ``db_path``."""
    if db_path.exists():
        db_path.unlink()
    run = RunResult(workers=workers, db_url=f"sqlite:///{db_path}", pages=pages)
    options = IngestOptions(db_url=run.db_url, workers=workers, limits=BENCH_LIMITS)
    start = time.perf_counter()

    def done(outcome: FileOutcome, _i: int, _n: int) -> None:
        run.done_at.append(time.perf_counter() - start)
        run.outcomes.append(outcome)

    ingest(files, options, on_done=done)
    run.wall_s = time.perf_counter() - start
    return run


# ---------------------------------------------------------------- stage profile


@dataclass(slots=True)
class Profile:
    """Seconds per stage summed over documents run in this process."""

    files: int = 0
    pages: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    warmup_s: float = 0.0

    @property
    def total_s(self) -> float:
        return sum(self.seconds.values())

    def ms_per_page(self) -> dict[str, float]:
        return {s: 1000 * v / self.pages for s, v in self.seconds.items()} if self.pages else {}

    def costliest(self) -> tuple[str, float]:
        """The stage with most time and its share of the total."""
        if not self.seconds or not self.total_s:
            return "-", 0.0
        stage = max(self.seconds, key=self.seconds.__getitem__)
        return stage, self.seconds[stage] / self.total_s


def profile_stages(files: list[Path], pages: dict[str, int], db_path: Path) -> Profile:
    """Sniff, extract and store each file in this process, timing each stage.

    The first page of the first file is run once untimed before (imports, OCR model
    loading: the warm-up, reported apart)."""
    engine = engine_for(f"sqlite:///{db_path}")
    profile = Profile(seconds={s: 0.0 for s in STAGES})
    if files:
        start = time.perf_counter()
        _profile_one(first_page_copy(files[0], db_path.with_suffix(".warmup.pdf")), engine, {}, store=False)
        profile.warmup_s = time.perf_counter() - start
    for path in files:
        _profile_one(path, engine, profile.seconds, store=True)
        profile.files += 1
        profile.pages += pages.get(str(path), 0)
    return profile


def first_page_copy(path: Path, out: Path) -> Path:
    """A one-page PDF holding the first page of ``path`` (an image file is returned as is)."""
    if path.suffix.lower() != ".pdf":
        return path
    import pypdfium2 as pdfium

    src, new = pdfium.PdfDocument(str(path)), pdfium.PdfDocument.new()
    try:
        new.import_pages(src, [0])
        new.save(str(out))
    finally:
        new.close()
        src.close()
    return out


def _profile_one(path: Path, engine: Engine, seconds: dict[str, float], store: bool) -> None:
    from pipeline.extract import extract_file
    from pipeline.sniff import sniff
    from pipeline.store import DocumentMeta, store_document
    from pipeline.timing import timed

    timings: dict[str, float] = {}
    with timed(timings, "sniff"):
        info = sniff(path)
    result = extract_file(path, info)
    timings.update(result.timings)
    if store:
        meta = DocumentMeta(file_name=path.name, path=str(path), sha256=file_sha256(path),
                            pages=len(result.document.pages), kind=result.kind)
        with timed(timings, "store"):
            stored = store_document(engine, meta, result.reports, force=True)
        _index(engine, stored.document_id, timings)
    for stage, value in timings.items():
        seconds[stage] = seconds.get(stage, 0.0) + value


def _index(engine: Engine, document_id: int | None, timings: dict[str, float]) -> None:
    """The search indexing ingest does after storing (when the search module exists)."""
    from pipeline.timing import timed

    try:
        from pipeline.search import index_document
    except ImportError:
        return
    with timed(timings, "index"):
        index_document(engine, document_id)


# ---------------------------------------------------------------- baselines


@dataclass(slots=True)
class Baseline:
    name: str
    pages: int = 0
    seconds: float = 0.0
    unit: str = ""  # what ``found`` counts
    found: int = 0  # tables (or characters) found, to show the baseline did its work
    unavailable: str | None = None

    @property
    def ms_per_page(self) -> float | None:
        return 1000 * self.seconds / self.pages if self.pages and not self.unavailable else None


def run_baseline(name: str, per_file: Callable[[Path], tuple[int, int]], files: list[Path],
                 unit: str = "") -> Baseline:
    """Time ``per_file`` (returning pages, found) over ``files``, after one untimed warm-up call."""
    result = Baseline(name, unit=unit)
    try:
        if files:
            per_file(files[0])
        start = time.perf_counter()
        for path in files:
            pages, found = per_file(path)
            result.pages += pages
            result.found += found
        result.seconds = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a baseline that cannot run is reported, not fatal
        result.unavailable = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        log.info("baseline %s unavailable", name, exc_info=True)
    return result


def pdfium_text(path: Path) -> tuple[int, int]:
    """pypdfium2 plain text of every page: the floor of any PDF reading."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    chars = 0
    try:
        for page in pdf:
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
        return len(pdf), chars
    finally:
        pdf.close()


def pdfplumber_tables(path: Path) -> tuple[int, int]:
    """pdfplumber's own ``page.extract_tables()`` on every page (what a user would hand-roll)."""
    import pdfplumber

    tables = 0
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            tables += len(page.extract_tables())
            page.close()
        return len(pdf.pages), tables


def camelot_lattice(path: Path) -> tuple[int, int]:
    """camelot lattice on all pages, with the pdfium backend (no ghostscript needed)."""
    import camelot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = camelot.read_pdf(str(path), flavor="lattice", pages="all", backend=camelot_backend())
    from pipeline.corpus import page_count

    return page_count(path), len(tables)


def camelot_backend() -> str:
    """The image backend camelot lattice can use here: pdfium when camelot has it."""
    import importlib.util

    return "pdfium" if importlib.util.find_spec("camelot.backends.pdfium_backend") else "ghostscript"


# ---------------------------------------------------------------- scaling


@dataclass(slots=True)
class ScalePoint:
    docs: int
    wall_s: float
    doc_s: float  # wall seconds per document
    steady_doc_s: float | None  # mean per-document seconds in the worker, first document excluded
    failed: int


def scaling_point(files: list[Path], db_path: Path, workers: int = 1) -> ScalePoint:
    """Ingest ``files`` into a fresh database; seconds per document."""
    pages = {str(p): 1 for p in files}  # pages are not needed for the per-document view
    run = ingest_run(files, pages, workers, db_path)
    n = len(files)
    return ScalePoint(n, run.wall_s, run.wall_s / n if n else 0.0, run.steady_doc_s(), len(run.failed))


def growth_ratio(points: list[ScalePoint]) -> float | None:
    """Per-document time at the largest size over that at the smallest (steady where known)."""
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    a = first.steady_doc_s or first.doc_s
    b = last.steady_doc_s or last.doc_s
    return b / a if a else None

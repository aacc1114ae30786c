"""Ingesting files: discover, hash, sniff, extract and store, one document at a time.

Each document runs in a worker process with a time and memory limit
(``pipeline.isolate``); each is stored in its own transaction, so a killed
run loses at most the documents in flight and a re-run finishes the rest.
A document already stored (same sha256) is skipped unless ``force``; a
failed one is retried.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.isolate import Limits, Outcome, WorkerPool
from pipeline.store import DocumentMeta, document_exists, store_document
from schemas.db import create_schema, make_engine
from schemas.views import all_views

log = logging.getLogger(__name__)

PIPELINE_VERSION = "0.1.0"
PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
INPUT_SUFFIXES = PDF_SUFFIXES | IMAGE_SUFFIXES


@dataclass(slots=True)
class IngestOptions:
    db_url: str
    workers: int = 1
    force: bool = False
    limits: Limits = field(default_factory=Limits)
    password: str | None = None
    isolate: bool = True
    log_level: int = logging.WARNING


@dataclass(slots=True)
class FileOutcome:
    """What happened to one input file."""

    path: str
    status: str  # stored | replaced | present | failed
    doc_status: str | None = None  # ok | partial | failed, as stored
    reports: int = 0
    records: int = 0
    error: str | None = None
    error_code: str | None = None
    seconds: float = 0.0
    detail: str | None = None  # traceback, shown with --verbose
    report_types: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0


@dataclass(slots=True)
class IngestSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    indexed: int = 0  # reports added to the search index after the batch
    index_seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.missing else 0


# ---------------------------------------------------------------- discovery


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Input files under ``paths`` (folders recursively, by suffix), and paths not found."""
    files: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(str(path))
    return _unique(files), missing


def _unique(files: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- one file


@functools.cache
def engine_for(db_url: str) -> Engine:
    """One engine per process and database URL (schema created on first use)."""
    engine = make_engine(db_url)
    create_schema(engine, views=all_views())
    return engine


def is_present(engine: Engine, sha256: str) -> bool:
    with Session(engine) as session:
        existing = document_exists(session, sha256)
        return existing is not None and existing.status != "failed"


def _configure_logging(level: int) -> None:
    """Worker processes log to stderr only at the level the command asked for."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(level)
    if level > logging.INFO:
        for noisy in ("RapidOCR", "rapidocr", "pdfminer", "camelot", "jieba"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def ingest_one(path_str: str, db_url: str, force: bool, password: str | None,
               log_level: int = logging.WARNING) -> FileOutcome:
    """Hash, sniff, extract and store one file; every error becomes a failed row."""
    _configure_logging(log_level)
    start = time.perf_counter()
    path = Path(path_str)
    engine = engine_for(db_url)
    sha = file_sha256(path)
    if not force and is_present(engine, sha):
        return FileOutcome(path=path_str, status="present", seconds=time.perf_counter() - start)
    meta = _meta(path, sha)
    try:
        outcome = _extract_and_store(path, meta, engine, force, password)
    except Exception as exc:  # noqa: BLE001 - any failure is this file's, not the batch's
        outcome = _store_failure(engine, meta, exc)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _meta(path: Path, sha: str) -> DocumentMeta:
    return DocumentMeta(file_name=path.name, path=str(path), sha256=sha, size_bytes=path.stat().st_size,
                        pipeline_version=PIPELINE_VERSION)


def _extract_and_store(path: Path, meta: DocumentMeta, engine: Engine, force: bool,
                       password: str | None) -> FileOutcome:
    from pipeline.extract import extract_file
    from pipeline.sniff import sniff

    started = time.perf_counter()
    info = sniff(path, password=password)
    result = extract_file(path, info)
    meta.pages, meta.kind = len(result.document.pages), result.kind
    meta.status = "partial" if (result.warnings or getattr(info, "repaired", False)) else "ok"
    meta.error = "; ".join(result.warnings)[:2000] or None
    meta.seconds = time.perf_counter() - started
    stored = store_document(engine, meta, result.reports, force=force)
    return FileOutcome(path=str(path), status=stored.status, doc_status=meta.status, reports=stored.reports,
                       records=stored.records, error=meta.error,
                       report_types=[r.report_type for r in result.reports])


def _store_failure(engine: Engine, meta: DocumentMeta, exc: BaseException) -> FileOutcome:
    code = getattr(exc, "reason_code", None) or "error"
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if code == "error":
        message = f"{type(exc).__name__}: {message}"
    return record_failure(engine, meta, code, message, traceback.format_exc())


def record_failure(engine: Engine, meta: DocumentMeta, code: str, message: str,
                   detail: str | None = None) -> FileOutcome:
    """Store a ``failed`` documents row for ``meta`` and describe it."""
    meta.status, meta.error, meta.error_code = "failed", message, code
    try:
        store_document(engine, meta, [])  # never replaces a good row stored meanwhile
    except Exception:  # noqa: BLE001 - the failure is still reported on the console
        log.exception("could not record the failure of %s", meta.file_name)
    return FileOutcome(path=str(meta.path), status="failed", doc_status="failed", error=message,
                       error_code=code, detail=detail)


# ---------------------------------------------------------------- the batch

Progress = Callable[[FileOutcome, int, int], None]
Starting = Callable[[str], None]


def ingest(paths: Iterable[Path], options: IngestOptions, on_done: Progress | None = None,
           on_start: Starting | None = None) -> IngestSummary:
    files, missing = discover(paths)
    summary = IngestSummary(missing=missing)
    create_schema(engine_for(options.db_url))
    runner = _run_isolated if options.isolate else _run_inline
    for outcome in runner(files, options, on_start):
        summary.outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome, len(summary.outcomes), len(files))
    summary.indexed, summary.index_seconds = index_new_reports(engine_for(options.db_url))
    return summary


def index_new_reports(engine: Engine) -> tuple[int, float]:
    """Add every report not yet in the full-text index (derived data, built after the batch)."""
    from pipeline.search import ensure_index, index_reports, unindexed_reports

    start = time.perf_counter()
    try:
        ensure_index(engine)
        missing = unindexed_reports(engine)
        if missing:
            index_reports(engine, missing)
    except Exception as exc:  # noqa: BLE001 - the records are stored; `search` indexes again
        log.warning("search indexing failed (%s); `jixiao search` will retry", exc)
        log.debug("indexing traceback", exc_info=True)
        return 0, time.perf_counter() - start
    return len(missing), time.perf_counter() - start


def _args(path: Path, options: IngestOptions) -> tuple:
    return (str(path), options.db_url, options.force, options.password, options.log_level)


def _run_inline(files: list[Path], options: IngestOptions, on_start: Starting | None):
    for path in files:
        if on_start:
            on_start(str(path))
        yield ingest_one(*_args(path, options))


def _run_isolated(files: list[Path], options: IngestOptions, on_start: Starting | None):
    workers = max(1, min(options.workers, len(files) or 1))
    with WorkerPool(ingest_one, workers=workers, limits=options.limits) as pool:
        for path in files:
            pool.submit(str(path), *_args(path, options))
        if on_start and files:
            on_start(str(files[0]))
        for key, outcome in pool.results():
            yield _from_outcome(key, outcome, options)


def _from_outcome(key: str, outcome: Outcome, options: IngestOptions) -> FileOutcome:
    if outcome.ok:
        result: FileOutcome = outcome.value
        result.peak_rss_mb = outcome.peak_rss_mb
        return result
    path = Path(key)
    sha = file_sha256(path) if path.exists() else hashlib.sha256(f"missing:{key}".encode()).hexdigest()
    meta = _meta(path, sha) if path.exists() else DocumentMeta(file_name=path.name, path=key, sha256=sha)
    result = record_failure(engine_for(options.db_url), meta, outcome.error_code or "error",
                            outcome.error or "worker failed", outcome.traceback)
    result.seconds = outcome.seconds
    return result


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))

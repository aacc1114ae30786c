"""The ``jixiao`` command line: the only module that talks to the terminal.

Data goes to stdout; progress and diagnostics go to stderr. Library
exceptions become one-line errors here, at the edge. Exit codes: 0 all
inputs ingested, 1 some inputs failed, 2 usage error.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from pipeline.progress import ProgressLine

DEFAULT_DB = "sqlite:///data/out/jixiao.db"
DB_HELP = "SQLAlchemy database URL (SQLite file or postgresql+psycopg://...)."

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Jixiao: Chinese budget and performance-evaluation reports into auditable records.")


def err(message: str) -> None:
    typer.echo(message, err=True)


def fail(message: str, code: int = 2) -> None:
    err(f"error: {message}")
    raise typer.Exit(code)


def _setup_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        for noisy in ("pdfminer", "camelot", "jieba", "RapidOCR", "rapidocr"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


def _engine(db: str):
    from pipeline.ingest import engine_for

    try:
        return engine_for(db)
    except Exception as exc:  # noqa: BLE001 - a bad URL or unreachable server is a usage error
        fail(f"cannot open database {db}: {exc}")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="PDF or image files, or folders (searched recursively)."),
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Parallel worker processes."),
    force: bool = typer.Option(False, "--force", help="Re-extract files already stored and replace their records."),
    timeout: float = typer.Option(600.0, "--timeout", help="Seconds one document may take before it is killed."),
    memory_mb: int = typer.Option(6144, "--memory-mb", help="Memory limit of a worker process, in MB."),
    password: Optional[str] = typer.Option(None, "--password", help="Password for encrypted PDFs."),
    check: bool = typer.Option(True, "--check/--no-check", help="Run the consistency checks afterwards."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log details and show tracebacks."),
) -> None:
    """Extract every report found in PATHS and store its records."""
    from pipeline.ingest import IngestOptions, ingest as run_ingest
    from pipeline.isolate import Limits

    _setup_logging(verbose)
    _engine(db)
    options = IngestOptions(db_url=db, workers=workers, force=force, password=password,
                            limits=Limits(timeout_s=timeout, memory_mb=memory_mb),
                            log_level=logging.INFO if verbose else logging.WARNING)
    progress = ProgressLine(sys.stderr)
    summary = run_ingest(paths, options, on_done=lambda o, i, n: progress.done(o, i, n, verbose),
                         on_start=progress.start)
    progress.close()
    for line in _summary_lines(summary):
        err(line)
    if check and summary.outcomes:
        _run_checks(db, quiet=True)
    raise typer.Exit(summary.exit_code)


def _summary_lines(summary) -> list[str]:
    from collections import Counter

    types = Counter(t for o in summary.outcomes for t in o.report_types)
    lines = [f"{len(summary.outcomes)} files: {summary.count('stored') + summary.count('replaced')} stored, "
             f"{summary.count('present')} already present, {summary.count('failed')} failed"]
    if types:
        lines.append("reports: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))
    lines += [f"not found: {m}" for m in summary.missing]
    return lines


def _run_checks(db: str, quiet: bool) -> int:
    try:
        from pipeline.checks import run_checks
    except ImportError:
        return 0
    findings = run_checks(_engine(db))
    errors = sum(1 for f in findings if f.severity == "error")
    if quiet:
        err(f"checks: {len(findings)} findings ({errors} errors); see `jixiao check`")
    return errors


@app.command()
def query(
    sql: str = typer.Argument(..., help="One read-only SQL statement (SELECT / WITH)."),
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    csv: bool = typer.Option(False, "--csv", help="Print CSV instead of an aligned table."),
) -> None:
    """Run a read-only SQL query and print the result."""
    from pipeline.query import QueryError, format_csv, format_table, run_query

    try:
        columns, rows = run_query(_engine(db), sql)
    except QueryError as exc:
        fail(str(exc))
    if csv:
        typer.echo(format_csv(columns, rows), nl=False)
    else:
        typer.echo(format_table(columns, rows))


@app.command()
def export(
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    out: Path = typer.Option(Path("data/out"), "--out", help="Output folder."),
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx."),
    report: Optional[list[int]] = typer.Option(None, "--report", help="Only these report ids (repeatable)."),
    report_type: Optional[str] = typer.Option(None, "--type", help="Only reports of this type."),
) -> None:
    """Export every table and view to CSV (UTF-8 with BOM) or one xlsx workbook."""
    from pipeline.export import export_tables

    if fmt not in ("csv", "xlsx"):
        fail(f"--format must be csv or xlsx, not {fmt!r}")
    written = export_tables(_engine(db), out, fmt, report_ids=report or None, report_type=report_type)
    for path in written:
        typer.echo(str(path))


@app.command()
def check(
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    report: Optional[list[int]] = typer.Option(None, "--report", help="Only these report ids (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the count summary."),
) -> None:
    """Run the consistency rules, store the findings in `checks` and list them (exit code 0)."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.checks import run_checks

    try:
        findings = run_checks(_engine(db), report or None)
    except SQLAlchemyError as exc:
        fail(f"checks failed: {str(exc).splitlines()[0]}", 1)
    for f in [] if quiet else findings:
        page = f" (p. {f.page})" if f.page else ""
        typer.echo(f"{f.severity:<7} {f.rule:<19} {f.message}{page}")
    errors = sum(1 for f in findings if f.severity == "error")
    err(f"{len(findings)} findings: {errors} errors, {len(findings) - errors} warnings")


@app.command()
def search(
    words: list[str] = typer.Argument(..., help="Words to find; Chinese is segmented with jieba, all words must occur."),
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Most hits to print."),
) -> None:
    """Full-text search over report text and records: file, page, table and snippet per hit."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.search import search as run_search

    _setup_logging(False)
    try:
        hits = run_search(_engine(db), " ".join(words), limit)
    except SQLAlchemyError as exc:
        fail(f"search failed: {str(exc).splitlines()[0]}", 1)
    for hit in hits:
        typer.echo(f"{hit.file_name}\tp. {hit.page or '-'}\t{hit.table}\t{hit.snippet}")
    err(f"{len(hits)} hits")


@app.command()
def review(
    db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    threshold: float = typer.Option(0.9, "--threshold", min=0.0, max=1.0,
                                    help="List values read with a confidence below this (0..1)."),
    csv: bool = typer.Option(False, "--csv", help="Print CSV instead of an aligned table."),
) -> None:
    """List values read with low OCR confidence: file, page, box, table, field, value, confidence."""
    from pipeline.query import format_csv, format_table
    from pipeline.review import low_confidence, review_rows

    columns, rows = review_rows(low_confidence(_engine(db), threshold), max_value=None if csv else 40)
    typer.echo(format_csv(columns, rows) if csv else format_table(columns, rows), nl=not csv)
    err(f"{len(rows)} values below confidence {threshold}")


@app.command()
def summary(db: str = typer.Option(DEFAULT_DB, "--db", help=DB_HELP)) -> None:
    """What the database holds: documents, reports by type, records per table."""
    from pipeline.query import format_table, run_query

    engine = _engine(db)
    for title, sql in SUMMARY_QUERIES:
        columns, rows = run_query(engine, sql)
        typer.echo(f"{title}\n{format_table(columns, rows)}\n")


SUMMARY_QUERIES = (
    ("documents", "SELECT kind, status, COUNT(*) AS documents, SUM(pages) AS pages FROM documents GROUP BY kind, status"),
    ("reports", "SELECT report_type, COUNT(*) AS reports FROM reports GROUP BY report_type ORDER BY report_type"),
    ("records", "SELECT 'projects' AS tbl, COUNT(*) AS n FROM projects UNION ALL SELECT 'funds', COUNT(*) FROM funds "
     "UNION ALL SELECT 'indicators', COUNT(*) FROM indicators UNION ALL SELECT 'scores', COUNT(*) FROM scores "
     "UNION ALL SELECT 'findings', COUNT(*) FROM findings UNION ALL SELECT 'facts', COUNT(*) FROM facts "
     "UNION ALL SELECT 'checks', COUNT(*) FROM checks"),
)


def main() -> None:
    """Console entry point: typer's usage errors exit with 2."""
    app()

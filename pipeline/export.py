"""Export every table and SQL view to CSV files or one Excel workbook.

CSV: one ``<table>.csv`` per table and view, UTF-8 with BOM so Excel reads
Chinese correctly. XLSX: ``jixiao.xlsx`` with one sheet per table and view,
frozen header row and fitted column widths. Text that a spreadsheet would
run as a formula is prefixed with ``'`` (OWASP CSV injection); numbers stay
numbers. ``reports.text`` is left out (the same text is in ``report_text``).
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, Sequence

from sqlalchemy import Engine, MetaData, Select, Table, inspect, select
from sqlalchemy.sql.elements import ColumnElement

from pipeline.query import cell_text, csv_cell, display_width, neutralise
from schemas.db import ALL_TABLES, Report

log = logging.getLogger(__name__)

ExportFormat = Literal["csv", "xlsx"]
WORKBOOK_NAME = "jixiao.xlsx"
SKIP_COLUMNS: dict[str, tuple[str, ...]] = {"reports": ("text",)}
MAX_WIDTH = 60
XLSX_CELL_LIMIT = 32767
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass(slots=True)
class Sheet:
    """One exported table or view."""

    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def export_tables(
    engine: Engine,
    out_dir: Path,
    fmt: ExportFormat = "csv",
    report_ids: list[int] | None = None,
    report_type: str | None = None,
) -> list[Path]:
    """Write every table and view (restricted to the chosen reports); returns the files."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
    sheets = read_sheets(engine, report_ids, report_type)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return [write_csv(out_dir / f"{s.name}.csv", s) for s in sheets]
    return [write_xlsx(out_dir / WORKBOOK_NAME, sheets)]


# --------------------------------------------------------------------------
# Reading


def read_sheets(
    engine: Engine, report_ids: list[int] | None = None, report_type: str | None = None
) -> list[Sheet]:
    """Rows of every table, then every view, filtered to the chosen reports."""
    chosen = _chosen_reports(report_ids, report_type)
    sheets: list[Sheet] = []
    with engine.connect() as conn:
        for model in ALL_TABLES:
            sheets.append(_read(conn, model.__table__, chosen))
        meta = MetaData()
        for name in sorted(inspect(conn).get_view_names()):
            sheets.append(_read(conn, Table(name, meta, autoload_with=conn), chosen))
    return sheets


def _chosen_reports(report_ids: list[int] | None, report_type: str | None) -> Select[Any] | None:
    if report_ids is None and report_type is None:
        return None
    query = select(Report.report_id)
    if report_ids is not None:
        query = query.where(Report.report_id.in_(report_ids))
    if report_type is not None:
        query = query.where(Report.report_type == report_type)
    return query


def _filter(table: Table, chosen: Select[Any] | None) -> ColumnElement[bool] | None:
    if chosen is None:
        return None
    if "report_id" in table.c:
        return table.c.report_id.in_(chosen.scalar_subquery())
    if "document_id" in table.c:
        docs = select(Report.document_id).where(Report.report_id.in_(chosen.scalar_subquery()))
        return table.c.document_id.in_(docs.scalar_subquery())
    log.info("export: %s has no report_id or document_id; exported unfiltered", table.name)
    return None


def _read(conn: Any, table: Table, chosen: Select[Any] | None) -> Sheet:
    skip = SKIP_COLUMNS.get(table.name, ())
    columns = [c for c in table.c if c.name not in skip]
    query = select(*columns)
    where = _filter(table, chosen)
    if where is not None:
        query = query.where(where)
    order = list(table.primary_key.columns) or columns[:1]
    rows = conn.execute(query.order_by(*order)).all()
    return Sheet(table.name, [c.name for c in columns], [tuple(r) for r in rows])


# --------------------------------------------------------------------------
# CSV


def write_csv(path: Path, sheet: Sheet) -> Path:
    """One CSV file, UTF-8 with BOM, formula-like text neutralised."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(sheet.columns)
        writer.writerows([csv_cell(v) for v in row] for row in sheet.rows)
    return path


# --------------------------------------------------------------------------
# XLSX


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """One workbook with a sheet per table/view: frozen header, fitted widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    titles: set[str] = set()
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.name, titles))
        ws.append(sheet.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([xlsx_value(v) for v in row])
        ws.freeze_panes = "A2"
        _fit_widths(ws, sheet)
    book.save(path)
    return path


def xlsx_value(value: Any) -> Any:
    """A cell value for openpyxl: numbers stay numbers, text is made safe."""
    if isinstance(value, str):
        text = neutralise(_ILLEGAL_XML.sub("", value))
        if len(text) > XLSX_CELL_LIMIT:
            log.warning("export: cell of %d characters cut to the Excel limit", len(text))
            text = text[:XLSX_CELL_LIMIT]
        return text
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def column_width(header: str, values: Sequence[Any]) -> int:
    """Width fitted to the widest text (CJK counts double), capped at MAX_WIDTH."""
    texts = [line for v in values for line in cell_text(v).split("\n")]
    widest = max([display_width(header)] + [display_width(t) for t in texts])
    return min(MAX_WIDTH, widest + 2)


def _fit_widths(ws: Any, sheet: Sheet) -> None:
    from openpyxl.utils import get_column_letter

    for i, header in enumerate(sheet.columns):
        values = [row[i] for row in sheet.rows]
        ws.column_dimensions[get_column_letter(i + 1)].width = column_width(header, values)


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet title (31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "sheet"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]}~{n}"
    taken.add(title.lower())
    return title

"""Store one document and its reports in one transaction (all or nothing).

Idempotent by content: a document whose sha256 is already stored is not
stored again (``StoreResult.status == 'present'``) unless ``force`` is given
or the stored row is a failed attempt, which a new run replaces. Two
processes storing the same file at once are kept apart by the UNIQUE
``documents.sha256``: the loser's IntegrityError means 'present'.

Records name their project; projects become ``project_id`` here. A record
naming a project the report did not list creates a project row for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, Float, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extractors.ir import format_bbox
from schemas.db import (
    Document,
    Fact,
    Finding,
    Fund,
    Indicator,
    Project,
    Report,
    ReportText,
    Score,
    TableParsed,
    to_decimal,
    to_e6,
)
from schemas.records import REPORT_FIELDS, Located, ReportRec, content_fields

log = logging.getLogger(__name__)

PAGE_BREAK = "\f"  # ReportRec.text: pages separated by form feeds
RECORD_MODELS: dict[str, type[Any]] = {
    "funds": Fund,
    "indicators": Indicator,
    "scores": Score,
    "findings": Finding,
    "facts": Fact,
}
TABLE_KEYS = ("page", "method", "n_rows", "n_cols", "confidence")

StoreStatus = Literal["stored", "replaced", "present"]


@dataclass(slots=True, kw_only=True)
class DocumentMeta:
    """What is known about an input file, stored as its ``documents`` row."""

    file_name: str
    path: str | Path | None
    sha256: str
    pages: int | None = None
    kind: str | None = None
    status: str = "ok"
    error: str | None = None
    error_code: str | None = None
    pipeline_version: str | None = None
    size_bytes: int | None = None
    seconds: float | None = None


@dataclass(slots=True, frozen=True)
class StoreResult:
    """``stored`` (new), ``replaced`` (an old row was replaced) or ``present``."""

    status: StoreStatus
    document_id: int | None
    reports: int = 0
    records: int = 0


def document_exists(session: Session, sha256: str) -> Document | None:
    """The stored document with this content hash, if any."""
    return session.scalars(select(Document).where(Document.sha256 == sha256)).first()


def store_document(
    engine: Engine, doc: DocumentMeta, reports: list[ReportRec], *, force: bool = False
) -> StoreResult:
    """Store ``doc`` and its reports in one transaction, or nothing at all."""
    try:
        with Session(engine) as session, session.begin():
            return _store(session, doc, reports, force)
    except IntegrityError:
        document_id = _stored_id(engine, doc.sha256)
        if document_id is None:
            raise
        log.info("%s: stored meanwhile by another process", doc.file_name)
        return StoreResult(status="present", document_id=document_id)


def _stored_id(engine: Engine, sha256: str) -> int | None:
    with engine.connect() as conn:
        query = select(Document.document_id).where(Document.sha256 == sha256)
        return conn.execute(query).scalar_one_or_none()


def _store(session: Session, doc: DocumentMeta, reports: list[ReportRec], force: bool) -> StoreResult:
    existing = document_exists(session, doc.sha256)
    if existing is not None and not (force or existing.status == "failed"):
        return StoreResult(status="present", document_id=existing.document_id)
    if existing is not None:
        log.info("%s: replacing stored document %d", doc.file_name, existing.document_id)
        session.execute(delete(Document).where(Document.document_id == existing.document_id))
    document_id = _insert_document(session, doc)
    if doc.status == "failed" and reports:
        log.warning("%s: failed document, %d reports not stored", doc.file_name, len(reports))
        reports = []
    records = sum(_insert_report(session, document_id, rec) for rec in reports)
    status: StoreStatus = "stored" if existing is None else "replaced"
    return StoreResult(status=status, document_id=document_id, reports=len(reports), records=records)


def _insert_document(session: Session, doc: DocumentMeta) -> int:
    row = Document(
        file_name=doc.file_name,
        path=None if doc.path is None else str(doc.path),
        sha256=doc.sha256,
        pages=doc.pages,
        kind=doc.kind,
        status=doc.status,
        error=doc.error,
        error_code=doc.error_code,
        pipeline_version=doc.pipeline_version,
        size_bytes=doc.size_bytes,
        seconds=doc.seconds,
    )
    session.add(row)
    session.flush()
    return row.document_id


def _insert_report(session: Session, document_id: int, rec: ReportRec) -> int:
    """Insert one report with all its rows; returns the number of records."""
    values = {name: getattr(rec, name) for name in REPORT_FIELDS}
    report = Report(
        document_id=document_id,
        page_start=rec.page_start,
        page_end=rec.page_end,
        text=rec.text or None,
        **_coerce(Report, values),
    )
    session.add(report)
    session.flush()
    project_ids = _insert_projects(session, report.report_id, rec)
    records = len(project_ids)
    for table, model in RECORD_MODELS.items():
        records += _insert_records(session, model, report.report_id, getattr(rec, table), project_ids)
    _insert_rows(session, ReportText, _text_rows(report.report_id, rec))
    _insert_rows(session, TableParsed, [_table_row(report.report_id, t) for t in rec.tables])
    return records


# --------------------------------------------------------------------------
# Projects


def project_key(name: str) -> str:
    """Names match ignoring whitespace (line wraps inside a cell)."""
    return "".join(name.split())


def _insert_projects(session: Session, report_id: int, rec: ReportRec) -> dict[str, int]:
    """Insert the report's projects plus any named only by a record; name key → id."""
    ids: dict[str, int] = {}
    for proj in rec.projects:
        row = _located_row(proj, report_id)
        row.update(name=proj.name, unit=proj.unit, content=proj.content, goal=proj.goal)
        pid = _insert_project(session, row)
        ids.setdefault(project_key(proj.name), pid)
    for item in _named_records(rec):
        key = project_key(item.project)
        if key not in ids:
            log.info("report %d: record names unlisted project %r", report_id, item.project)
            row = {"report_id": report_id, "name": item.project, "page": item.page}
            ids[key] = _insert_project(session, row)
    return ids


def _named_records(rec: ReportRec) -> list[Any]:
    items: list[Any] = []
    for table in RECORD_MODELS:
        items.extend(r for r in getattr(rec, table) if getattr(r, "project", None))
    return items


def _insert_project(session: Session, row: dict[str, Any]) -> int:
    obj = Project(**row)
    session.add(obj)
    session.flush()
    return int(obj.project_id)


# --------------------------------------------------------------------------
# Records


def _located_row(rec: Located, report_id: int) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "page": rec.page,
        "bbox": format_bbox(rec.bbox),
        "confidence": rec.confidence,
    }


def record_row(rec: Located, report_id: int, project_ids: dict[str, int]) -> dict[str, Any]:
    """The row of one record: contract fields, location, project_id, exact amounts."""
    row = {n: getattr(rec, n) for n in content_fields(type(rec)) if n != "project"}
    row.update(_located_row(rec, report_id))
    project = getattr(rec, "project", None)
    row["project_id"] = project_ids.get(project_key(project)) if project else None
    if "amount_wan" in row:
        amount = row["amount_wan"]
        row["amount_e6"] = None if amount is None else to_e6(amount)
    if "value_num" in row:
        num = row["value_num"]
        row["value_real"] = None if num is None else float(to_decimal(num))
    return row


def _insert_records(
    session: Session, model: type[Any], report_id: int, recs: list[Any], project_ids: dict[str, int]
) -> int:
    rows = [record_row(r, report_id, project_ids) for r in recs]
    _insert_rows(session, model, rows)
    return len(rows)


def _insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), [_coerce(model, row) for row in rows])


def _coerce(model: type[Any], row: dict[str, Any]) -> dict[str, Any]:
    """Keep the model's columns only; Decimals bound to float columns become floats."""
    columns = model.__table__.columns
    unknown = set(row) - set(columns.keys())
    if unknown:
        log.debug("%s: ignoring fields %s", model.__tablename__, sorted(unknown))
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name not in columns:
            continue
        if isinstance(value, Decimal) and isinstance(columns[name].type, Float):
            value = float(value)
        out[name] = value
    return out


def _text_rows(report_id: int, rec: ReportRec) -> list[dict[str, Any]]:
    """One row per page of ``rec.text`` (pages separated by form feeds)."""
    if not rec.text:
        return []
    pages = rec.text.split(PAGE_BREAK)
    if len(pages) == 1 and rec.page_start != rec.page_end:
        return [{"report_id": report_id, "page": None, "text": rec.text}]
    return [
        {"report_id": report_id, "page": rec.page_start + i, "text": text}
        for i, text in enumerate(pages)
        if text.strip()
    ]


def _table_row(report_id: int, table: dict[str, Any]) -> dict[str, Any]:
    row = {key: table.get(key) for key in TABLE_KEYS}
    bbox = table.get("bbox")
    row["bbox"] = format_bbox(bbox) if isinstance(bbox, (tuple, list)) else bbox
    row["report_id"] = report_id
    return row

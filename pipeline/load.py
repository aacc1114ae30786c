"""Reading stored reports back into record objects (tests, benchmark, exports of one document)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipeline.store import RECORD_MODELS
from schemas.db import Document, Project, Report
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields


def load_reports(engine: Engine, sha256: str) -> list[ReportRec]:
    """Every report of the stored document with this content hash, in page order."""
    with Session(engine) as session:
        doc = session.scalars(select(Document).where(Document.sha256 == sha256)).first()
        if doc is None:
            return []
        rows = session.scalars(select(Report).where(Report.document_id == doc.document_id)
                               .order_by(Report.page_start, Report.report_id)).all()
        return [_report(session, row) for row in rows]


def _report(session: Session, row: Report) -> ReportRec:
    rec = ReportRec(**{name: getattr(row, name) for name in REPORT_FIELDS})
    rec.page_start, rec.page_end = row.page_start or 1, row.page_end or 1
    projects = session.scalars(select(Project).where(Project.report_id == row.report_id)
                               .order_by(Project.project_id)).all()
    names = {p.project_id: p.name for p in projects}
    rec.projects = [_record("projects", p, names) for p in projects]
    for table, model in RECORD_MODELS.items():
        pk = model.__mapper__.primary_key[0]
        items = session.scalars(select(model).where(model.report_id == row.report_id).order_by(pk)).all()
        setattr(rec, table, [_record(table, item, names) for item in items])
    return rec


def _record(table: str, row: object, names: dict[int, str]):
    rec_type = RECORD_TABLES[table]
    values = {}
    for name in content_fields(rec_type):
        values[name] = names.get(row.project_id) if name == "project" else getattr(row, name)
    return rec_type(**values, page=row.page, confidence=row.confidence)

"""``jixiao check``: run the consistency rules over stored reports, store the findings.

The rules (``RULES``) are pure functions over one report's records
(``pipeline.check_rules``, ``check_funds``, ``check_narrative``). Running
the checks replaces the ``checks`` rows of the reports checked, so running
twice gives the same rows.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable, NamedTuple

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from pipeline.check_funds import detail_total, fund_balance, project_total, rate_ratio
from pipeline.check_narrative import indicator_shortfall, narrative_table
from pipeline.check_rules import (
    CheckFinding, grade_band, project_key, score_total, table_agreement, weight_total,
)
from pipeline.store import RECORD_MODELS
from schemas.db import Check, Project, Report, ReportText
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields

log = logging.getLogger(__name__)

__all__ = ["CheckFinding", "RULES", "Rule", "apply_rules", "load_report", "run_checks"]


class Rule(NamedTuple):
    name: str
    check: Callable[[ReportRec], list[CheckFinding]]


RULES: tuple[Rule, ...] = (
    Rule("score_total", score_total),
    Rule("weight_total", weight_total),
    Rule("grade_band", grade_band),
    Rule("fund_balance", fund_balance),
    Rule("rate_ratio", rate_ratio),
    Rule("detail_total", detail_total),
    Rule("project_total", project_total),
    Rule("table_agreement", table_agreement),
    Rule("narrative_table", narrative_table),
    Rule("indicator_shortfall", indicator_shortfall),
)


def apply_rules(rec: ReportRec, rules: tuple[Rule, ...] = RULES) -> list[CheckFinding]:
    """Every rule's findings for one report (a rule that crashes is logged and skipped)."""
    out: list[CheckFinding] = []
    for rule in rules:
        try:
            out += rule.check(rec)
        except Exception:  # noqa: BLE001 - one broken rule must not hide the others' findings
            log.exception("check rule %s failed on report %r", rule.name, rec.title)
    return out


# --------------------------------------------------------------------------
# Loading stored reports


def load_report(session: Session, report_id: int) -> tuple[ReportRec, dict[str, int]] | None:
    """The stored report as records (with its page texts) and its project ids by name."""
    row = session.get(Report, report_id)
    if row is None:
        return None
    rec = ReportRec(**{name: getattr(row, name) for name in REPORT_FIELDS})
    rec.page_start, rec.page_end = row.page_start or 1, row.page_end or 1
    projects = session.scalars(select(Project).where(Project.report_id == report_id)
                               .order_by(Project.project_id)).all()
    names = {p.project_id: p.name for p in projects}
    rec.projects = [_record("projects", p, names) for p in projects]
    for table, model in RECORD_MODELS.items():
        pk = model.__mapper__.primary_key[0]
        items = session.scalars(select(model).where(model.report_id == report_id).order_by(pk)).all()
        setattr(rec, table, [_record(table, item, names) for item in items])
    rec.text = _text(session, report_id) or row.text or ""
    return rec, {project_key(name): pid for pid, name in reversed(names.items())}


def _text(session: Session, report_id: int) -> str:
    texts = session.scalars(select(ReportText.text).where(ReportText.report_id == report_id)
                            .order_by(ReportText.page, ReportText.text_id)).all()
    return "\n".join(texts)


def _record(table: str, row: Any, names: dict[int, str]) -> Any:
    rec_type = RECORD_TABLES[table]
    values = {n: names.get(row.project_id) if n == "project" else getattr(row, n)
              for n in content_fields(rec_type)}
    return rec_type(**values, page=row.page, confidence=row.confidence)


# --------------------------------------------------------------------------
# Running and storing


def _label(rec: ReportRec, report_id: int, project: str | None) -> str:
    name = project or rec.project_name or rec.title or rec.department or rec.report_type
    return f"报告 {report_id}「{name}」"


def _locate(f: CheckFinding, report_id: int, rec: ReportRec, ids: dict[str, int]) -> CheckFinding:
    project_id = ids.get(project_key(f.project)) if f.project else None
    message = f"{_label(rec, report_id, f.project)}：{f.message}"
    return dataclasses.replace(f, report_id=report_id, project_id=project_id, message=message)


def check_report(session: Session, report_id: int) -> list[CheckFinding]:
    """The findings of one stored report (nothing stored)."""
    loaded = load_report(session, report_id)
    if loaded is None:
        return []
    rec, ids = loaded
    return [_locate(f, report_id, rec, ids) for f in apply_rules(rec)]


def run_checks(engine: Engine, report_ids: list[int] | None = None) -> list[CheckFinding]:
    """Check the given reports (default: all), replace their ``checks`` rows, return the findings."""
    with Session(engine) as session, session.begin():
        ids = list(report_ids) if report_ids is not None else \
            list(session.scalars(select(Report.report_id).order_by(Report.report_id)))
        findings = [f for rid in ids for f in check_report(session, rid)]
        if report_ids is None:
            session.execute(delete(Check).where(Check.report_id.is_not(None)))
        elif ids:
            session.execute(delete(Check).where(Check.report_id.in_(ids)))
        if findings:
            session.execute(insert(Check), [_row(f) for f in findings])
    log.info("checks: %d reports, %d findings", len(ids), len(findings))
    return findings


def _row(f: CheckFinding) -> dict[str, Any]:
    return {"report_id": f.report_id, "project_id": f.project_id, "rule": f.rule,
            "severity": f.severity, "message": f.message, "expected": f.expected,
            "actual": f.actual, "page": f.page}

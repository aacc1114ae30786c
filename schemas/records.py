"""Record types passed from extractors to storage (the tables of docs/schema.md).

Records name their project by ``project`` (the project's name), as the
ground truth does; storage turns names into ``project_id``. Every record
carries where it was read: ``page`` (1-based), ``bbox`` and ``confidence``.
Amounts are :class:`decimal.Decimal` in 万元, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from extractors.ir import BBox


@dataclass(slots=True, kw_only=True)
class Located:
    page: int | None = None
    bbox: BBox | None = None
    confidence: float = 1.0


@dataclass(slots=True, kw_only=True)
class ProjectRec(Located):
    name: str
    unit: str | None = None
    content: str | None = None
    goal: str | None = None


@dataclass(slots=True, kw_only=True)
class FundRec(Located):
    project: str | None
    measure: str
    source: str | None = None
    category: str | None = None
    level: str | None = None
    amount_wan: Decimal | None = None
    raw: str | None = None


@dataclass(slots=True, kw_only=True)
class IndicatorRec(Located):
    project: str | None
    level1: str | None
    level2: str | None
    name: str
    target: str | None = None
    target_op: str | None = None
    target_value: float | None = None
    target_high: float | None = None
    target_unit: str | None = None
    actual: str | None = None
    actual_value: float | None = None
    actual_unit: str | None = None
    period: str | None = None
    deviation: str | None = None
    weight: float | None = None
    score: float | None = None


@dataclass(slots=True, kw_only=True)
class ScoreRec(Located):
    project: str | None
    level1: str | None
    level1_weight: float | None
    level2: str | None
    level2_weight: float | None
    name: str
    weight: float | None = None
    score: float | None = None
    target: str | None = None
    actual: str | None = None
    criteria: str | None = None
    note: str | None = None


@dataclass(slots=True, kw_only=True)
class FindingRec(Located):
    project: str | None
    seq: int | None
    problem: str | None
    measure: str | None = None


@dataclass(slots=True, kw_only=True)
class FactRec(Located):
    project: str | None
    key: str
    value: str | None
    value_num: Decimal | float | None = None
    unit: str | None = None


@dataclass(slots=True, kw_only=True)
class ReportRec:
    """One report found in a document, with all of its records."""

    report_type: str
    title: str | None = None
    region: str | None = None
    fiscal_year: int | None = None
    department: str | None = None
    unit: str | None = None
    project_name: str | None = None
    amount_unit: str | None = None
    total_score: float | None = None
    grade: str | None = None
    page_start: int = 1
    page_end: int = 1
    text: str = ""
    projects: list[ProjectRec] = field(default_factory=list)
    funds: list[FundRec] = field(default_factory=list)
    indicators: list[IndicatorRec] = field(default_factory=list)
    scores: list[ScoreRec] = field(default_factory=list)
    findings: list[FindingRec] = field(default_factory=list)
    facts: list[FactRec] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)


RECORD_TABLES: dict[str, type[Located]] = {
    "projects": ProjectRec,
    "funds": FundRec,
    "indicators": IndicatorRec,
    "scores": ScoreRec,
    "findings": FindingRec,
    "facts": FactRec,
}

REPORT_FIELDS = (
    "report_type", "title", "region", "fiscal_year", "department", "unit",
    "project_name", "amount_unit", "total_score", "grade",
)


def content_fields(rec_type: type[Located]) -> list[str]:
    """The contract fields of a record type (without page/bbox/confidence)."""
    skip = {"page", "bbox", "confidence"}
    return [f.name for f in fields(rec_type) if f.name not in skip]

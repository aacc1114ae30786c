"""``jixiao review``: values read with low OCR confidence, for a person to check.

Every record whose confidence is below the threshold, least sure first,
with the file, page and box where it was read, its table, the field (the
record's label: measure, fact key, indicator name ...) and the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from schemas.views import REVIEW_THRESHOLD, review_select


@dataclass(slots=True, frozen=True)
class ReviewItem:
    file_name: str
    page: int | None
    bbox: str | None
    table: str
    record_id: int
    report_id: int
    field: str | None
    value: str | None
    confidence: float


def low_confidence(engine: Engine, threshold: float = REVIEW_THRESHOLD) -> list[ReviewItem]:
    """Records read with confidence below ``threshold`` (0..1), least sure first."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    with engine.connect() as conn:
        rows = conn.execute(text(review_select(threshold))).all()
    return [ReviewItem(file_name=r.file_name, page=r.page, bbox=r.bbox, table=r.table_name,
                       record_id=r.record_id, report_id=r.report_id, field=r.field,
                       value=None if r.value is None else str(r.value), confidence=float(r.confidence))
            for r in rows]


def review_rows(items: list[ReviewItem], max_value: int | None = None) -> tuple[list[str], list[tuple[object, ...]]]:
    """Columns and rows for printing; values longer than ``max_value`` characters are cut (…)."""
    columns = ["file", "page", "box", "table", "field", "value", "confidence"]
    rows = [(i.file_name, i.page, i.bbox, i.table, i.field, _cut(i.value, max_value), round(i.confidence, 3))
            for i in items]
    return columns, rows


def _cut(value: str | None, limit: int | None) -> str | None:
    if value is None or limit is None or len(value) <= limit:
        return value
    return value[: max(0, limit - 1)] + "…"

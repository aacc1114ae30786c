"""Benchmark accuracy: stored records read back and scored against exact truth.

End to end: the documents were ingested into a database (``bench_speed.ingest_run``);
here each one's reports are loaded back with ``pipeline.load.load_reports`` by its
sha256 and scored with ``pipeline.evaluate.score_document``, so storage is part of
what is measured. Counts are summed per (source, kind, layout, table).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pipeline.corpus import BenchDoc
from pipeline.evaluate import ALL_TABLES, DocScore, score_document
from pipeline.ingest import file_sha256
from pipeline.load import load_reports
from schemas.db import make_engine

log = logging.getLogger(__name__)

ALL = "ALL"


@dataclass(slots=True)
class DocResult:
    doc: BenchDoc
    score: DocScore
    status: str  # the ingest outcome: stored | failed | ...
    error: str | None = None


@dataclass(slots=True)
class Tally:
    """Summed record counts and field tallies of one group."""

    docs: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fields_ok: int = 0
    fields_total: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def field_accuracy(self) -> float | None:
        return self.fields_ok / self.fields_total if self.fields_total else None

    @property
    def empty(self) -> bool:
        return not (self.tp or self.fp or self.fn)

    def add(self, score: DocScore, table: str) -> None:
        t = score.tables[table]
        self.tp, self.fp, self.fn = self.tp + t.tp, self.fp + t.fp, self.fn + t.fn
        for ok, total in score.fields.get(table, {}).values():
            self.fields_ok += ok
            self.fields_total += total

    def as_dict(self) -> dict[str, object]:
        return {"docs": self.docs, "tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1, "field_accuracy": self.field_accuracy}


GroupKey = tuple[str, str, str, str]  # source, kind, layout, table


@dataclass(slots=True)
class Accuracy:
    groups: dict[GroupKey, Tally] = field(default_factory=dict)
    docs: list[DocResult] = field(default_factory=list)

    def rows(self) -> list[tuple[GroupKey, Tally]]:
        return sorted(self.groups.items(), key=lambda kv: _order(kv[0]))


def _order(key: GroupKey) -> tuple:
    source, kind, layout, table = key
    return (source != "samples", kind != "digital", layout == ALL, layout,
            ALL_TABLES.index(table) if table in ALL_TABLES else len(ALL_TABLES))


def score_stored(docs: list[BenchDoc], db_url: str, statuses: dict[str, tuple[str, str | None]]) -> list[DocResult]:
    """Each document's stored reports scored against its truth (a missing one scores as nothing found)."""
    engine = make_engine(db_url)
    results = []
    try:
        for doc in docs:
            status, error = statuses.get(str(doc.path), ("missing", None))
            reports = load_reports(engine, file_sha256(doc.path))
            score = score_document(reports, doc.truth)
            score.file = doc.path.name
            results.append(DocResult(doc, score, status, error))
    finally:
        engine.dispose()
    return results


def aggregate(results: Iterable[DocResult]) -> Accuracy:
    """Sum counts per (source, kind, layout, table), with an ALL-layouts row per table."""
    acc = Accuracy()
    for result in results:
        acc.docs.append(result)
        d = result.doc
        for layout in (d.layout, ALL):
            for table in ALL_TABLES:
                tally = acc.groups.setdefault((d.source, d.kind, layout, table), Tally())
                tally.docs += 1
                tally.add(result.score, table)
    return acc


def overall(acc: Accuracy, source: str | None = None, kind: str | None = None) -> Tally:
    """All tables and layouts of one source and kind (None: any) summed."""
    total = Tally()
    for (s, k, layout, table), t in acc.groups.items():
        if layout == ALL and source in (None, s) and kind in (None, k):
            total.tp, total.fp, total.fn = total.tp + t.tp, total.fp + t.fp, total.fn + t.fn
            total.fields_ok += t.fields_ok
            total.fields_total += t.fields_total
            total.docs += t.docs if table == "reports" else 0
    return total


# ---------------------------------------------------------------- report


HEADER = f"{'layout':<18}{'table':<11}{'docs':>5}{'tp':>6}{'fp':>5}{'fn':>5}{'prec':>7}{'rec':>7}{'f1':>7}{'fields':>8}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_row(layout: str, table: str, t: Tally) -> str:
    return (f"{layout:<18}{table:<11}{t.docs:>5}{t.tp:>6}{t.fp:>5}{t.fn:>5}"
            f"{t.precision:>7.3f}{t.recall:>7.3f}{t.f1:>7.3f}{_pct(t.field_accuracy):>8}")


def format_accuracy(acc: Accuracy, source: str, kind: str) -> list[str]:
    """Rows of one (source, kind): tables with records per layout, then all layouts."""
    lines = [HEADER]
    for (s, k, layout, table), tally in acc.rows():
        if (s, k) == (source, kind) and not tally.empty:
            lines.append(format_row(layout, table, tally))
    total = overall(acc, source, kind)
    lines.append(f"overall records: P {total.precision:.3f}  R {total.recall:.3f}  F1 {total.f1:.3f}  "
                 f"field accuracy {_pct(total.field_accuracy)}")
    return lines


def format_docs(results: list[DocResult], source: str, kind: str) -> list[str]:
    """One line per document: overall F1 and ingest status."""
    lines = []
    for r in results:
        if (r.doc.source, r.doc.kind) == (source, kind):
            note = f"  {r.status}: {r.error}" if r.status == "failed" else ""
            lines.append(f"  {r.doc.path.name:<36}{r.doc.layout:<18}{r.doc.pages:>3} p  F1 {r.score.overall_f1:.3f}{note}")
    return lines


def accuracy_json(acc: Accuracy) -> dict[str, object]:
    groups = [{"source": s, "kind": k, "layout": layout, "table": table, **t.as_dict()}
              for (s, k, layout, table), t in acc.rows()]
    docs = [{"file": r.doc.path.name, "source": r.doc.source, "kind": r.doc.kind, "layout": r.doc.layout,
             "pages": r.doc.pages, "status": r.status, "error": r.error, "overall_f1": r.score.overall_f1,
             "mismatches": r.score.mismatches[:20]} for r in acc.docs]
    return {"groups": groups, "documents": docs}


def statuses_of(outcomes: Iterable[object]) -> dict[str, tuple[str, str | None]]:
    return {str(Path(o.path)): (o.status, o.error) for o in outcomes}  # type: ignore[attr-defined]

"""Scoring extracted reports against ground-truth JSON (see samples/README.md).

Predicted ``ReportRec`` objects and true report dicts are compared record by
record: a record matches when every contract field is equal after
normalisation (NFKC, whitespace removed, numbers compared numerically), with
the truth's ``alt`` alternatives accepted (``"*"`` accepts anything) and
``optional`` truth records counted neither way. Empty strings count as None.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from pipeline.eval_match import (
    Rec, accepted, describe_diff, field_ok, fmt_rec, match_records, nearest, norm, pair_by_key,
)
from schemas.records import RECORD_TABLES, REPORT_FIELDS, ReportRec, content_fields

log = logging.getLogger(__name__)

TABLES: tuple[str, ...] = tuple(RECORD_TABLES)
ALL_TABLES: tuple[str, ...] = ("reports", *TABLES)
FIELDS: dict[str, list[str]] = {
    "reports": list(REPORT_FIELDS),
    **{t: content_fields(cls) for t, cls in RECORD_TABLES.items()},
}
KEYS: dict[str, list[str]] = {
    "reports": ["report_type", "project_name"],
    "projects": ["name"],
    "funds": ["project", "measure", "source", "category", "level"],
    "indicators": ["project", "name"],
    "scores": ["project", "name", "level1"],
    "findings": ["project", "seq"],
    "facts": ["project", "key"],
}
MAX_MISMATCHES = 60
MIN_REPORT_SIMILARITY = 0.8


@dataclass(slots=True)
class Truth:
    file: str
    layout: str
    kind: str
    pages: int
    reports: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class TableScore:
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, tp: int, fp: int, fn: int) -> TableScore:
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return cls(tp, fp, fn, p, r, 2 * p * r / (p + r) if p + r else 0.0)


@dataclass(slots=True)
class DocScore:
    tables: dict[str, TableScore]
    fields: dict[str, dict[str, tuple[int, int]]]
    mismatches: list[str]
    overall_f1: float
    file: str = ""


# ---------------------------------------------------------------- loading

def load_truth(path: Path) -> Truth:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Truth(file=data.get("file", Path(path).name), layout=data.get("layout", ""),
                 kind=data.get("kind", ""), pages=int(data.get("pages", 0)),
                 reports=list(data.get("reports", [])))


def truth_to_reports(truth: Truth) -> list[ReportRec]:
    return [_report_from_dict(r) for r in truth.reports]


def pred_from_json(path: Path) -> list[ReportRec]:
    """Reports from a JSON dump: ``{"reports": [...]}`` or a bare list."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    reports = data.get("reports", []) if isinstance(data, dict) else data
    return [_report_from_dict(r) for r in reports]


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        log.warning("not a number: %r", value)
        return None


def _convert(name: str, value: Any) -> Any:
    if name in ("amount_wan", "value_num"):
        return _to_decimal(value)
    return value


def _record_from_dict(table: str, d: dict[str, Any]) -> Any:
    cls = RECORD_TABLES[table]
    kwargs = {n: _convert(n, d.get(n)) for n in FIELDS[table]}
    if isinstance(d.get("page"), int):
        kwargs["page"] = d["page"]
    return cls(**kwargs)


def _report_from_dict(d: dict[str, Any]) -> ReportRec:
    kwargs: dict[str, Any] = {n: d.get(n) for n in REPORT_FIELDS}
    kwargs["report_type"] = kwargs["report_type"] or "unknown"
    for key in ("page_start", "page_end"):
        if isinstance(d.get(key), int):
            kwargs[key] = d[key]
    for table in TABLES:
        kwargs[table] = [_record_from_dict(table, r) for r in d.get(table) or []]
    return ReportRec(**kwargs)


# ---------------------------------------------------------------- dumping

def _report_dict(rep: ReportRec, locations: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {n: getattr(rep, n) for n in REPORT_FIELDS}
    if locations:
        out.update(page_start=rep.page_start, page_end=rep.page_end)
    for table in TABLES:
        rows = []
        for rec in getattr(rep, table):
            row = {"project": None} if table == "projects" else {}
            row.update({n: getattr(rec, n) for n in FIELDS[table]})
            if locations:
                row["page"] = rec.page
            rows.append(row)
        out[table] = rows
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def reports_to_json(reports: list[ReportRec], *, locations: bool = False) -> dict[str, Any]:
    """``{"reports": [...]}`` shaped like the truth JSON (Decimals as floats).

    ``locations`` adds ``page_start``/``page_end`` and each record's ``page``.
    """
    return {"reports": [_jsonable(_report_dict(r, locations)) for r in reports]}


# ---------------------------------------------------------------- scoring

@dataclass(slots=True)
class _Acc:
    """Counts, field tallies and mismatch lines gathered over one document."""

    limit: int
    counts: dict[str, list[int]] = field(default_factory=lambda: {t: [0, 0, 0] for t in ALL_TABLES})
    tally: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    hidden: int = 0

    def count(self, table: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        c = self.counts[table]
        c[0], c[1], c[2] = c[0] + tp, c[1] + fp, c[2] + fn

    def fields(self, table: str, pred: Rec | None, truth: Rec) -> None:
        per = self.tally.setdefault(table, {n: [0, 0] for n in FIELDS[table]})
        for n in FIELDS[table]:
            per[n][0] += pred is None or field_ok(pred, truth, n)
            per[n][1] += 1

    def note_lazy(self, make: Callable[[], str]) -> None:
        """Like :meth:`note`, building the line only while there is room."""
        if len(self.lines) < self.limit:
            self.lines.append(make())
        else:
            self.hidden += 1

    def note(self, line: str) -> None:
        self.note_lazy(lambda: line)


def _ratio(a: Any, b: Any) -> float:
    x, y = norm(a), norm(b)
    if x is None or y is None:
        return 0.5 if x is y else 0.0
    return SequenceMatcher(None, str(x), str(y)).ratio()


def _report_similarity(pred: Rec, truth: Rec) -> float:
    name = max(_ratio(pred.values.get("project_name"), a) for a in accepted(truth, "project_name"))
    title = _ratio(pred.values.get("title"), truth.values.get("title"))
    return 2.0 * field_ok(pred, truth, "report_type") + 2.0 * name + title


def pair_reports(preds: list[Rec], truths: list[Rec]) -> list[tuple[int, int]]:
    """Greedy best-similarity pairs ``(pred index, truth index)``; order breaks ties."""
    cands = sorted(((_report_similarity(p, t), -abs(pi - ti), pi, ti)
                    for pi, p in enumerate(preds) for ti, t in enumerate(truths)), reverse=True)
    used_p: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for sim, _, pi, ti in cands:
        if sim >= MIN_REPORT_SIMILARITY and pi not in used_p and ti not in used_t:
            used_p.add(pi)
            used_t.add(ti)
            pairs.append((pi, ti))
    return sorted(pairs, key=lambda pt: pt[1])


def _project_aliases(truth: dict[str, Any]) -> dict[Any, str]:
    """Normalised alternative project names → the name the truth records use."""
    out: dict[Any, str] = {}
    for proj in truth.get("projects") or []:
        for alias in (proj.get("alt") or {}).get("name", []):
            out[norm(alias)] = proj["name"]
    name = truth.get("project_name")
    for alias in (truth.get("alt") or {}).get("project_name", []):
        if name:
            out[norm(alias)] = name
    return out


def _pred_recs(report: dict[str, Any], table: str, aliases: dict[Any, str]) -> list[Rec]:
    recs = [Rec.of(d) for d in report.get(table) or []]
    for rec in recs:
        canon = aliases.get(norm(rec.values.get("project")))
        if canon is not None:
            rec.values["project"] = canon
            rec._norm.clear()
    return recs


def _score_table(acc: _Acc, label: str, table: str, preds: list[Rec], truths: list[Rec]) -> None:
    pairs = match_records(preds, truths, FIELDS[table])
    matched = set(pairs.values())
    for ti in matched:
        if not truths[ti].optional:
            acc.count(table, tp=1)
            acc.fields(table, None, truths[ti])
    free_p = [pi for pi in range(len(preds)) if pi not in pairs]
    free_t = [ti for ti in range(len(truths)) if ti not in matched]
    acc.count(table, fp=len(free_p), fn=sum(not truths[ti].optional for ti in free_t))
    _explain(acc, label, table, preds, truths, free_p, free_t, matched)


def _explain(acc: _Acc, label: str, table: str, preds: list[Rec], truths: list[Rec],
             free_p: list[int], free_t: list[int], matched: set[int]) -> None:
    """Field tallies and mismatch lines for the records left unmatched."""
    names, key = FIELDS[table], KEYS[table]
    keyed = pair_by_key(preds, truths, free_p, free_t, key, names)
    for pi, ti in keyed:
        acc.fields(table, preds[pi], truths[ti])
        opt = " (optional)" if truths[ti].optional else ""
        acc.note(f"{label} {table} ≠{opt} {fmt_rec(truths[ti], key)}: "
                 f"{describe_diff(preds[pi], truths[ti], names)}")
    left_t = [ti for ti in free_t if ti not in {t for _, t in keyed}]
    left_p = [pi for pi in free_p if pi not in {p for p, _ in keyed}]
    for pi in left_p:
        acc.note_lazy(lambda: _extra_line(label, table, preds[pi], truths, left_t, matched))
    for ti in left_t:
        if not truths[ti].optional:
            acc.note_lazy(lambda: _missing_line(label, table, truths[ti], preds, left_p))


def _extra_line(label: str, table: str, pred: Rec, truths: list[Rec], free_t: list[int],
                matched: set[int]) -> str:
    names, key = FIELDS[table], KEYS[table]
    line = f"{label} {table} + extra {fmt_rec(pred, key, names)}"
    ti = nearest(pred, truths, free_t or range(len(truths)), names)
    if ti is None:
        return line
    diff = describe_diff(pred, truths[ti], names)
    if not diff:
        return f"{line} | duplicate of an already matched truth record"
    dup = " (already matched)" if ti in matched else ""
    return f"{line} | nearest truth {fmt_rec(truths[ti], key)}{dup}: {diff}"


def _missing_line(label: str, table: str, truth: Rec, preds: list[Rec], free_p: list[int]) -> str:
    names, key = FIELDS[table], KEYS[table]
    line = f"{label} {table} - missing {fmt_rec(truth, key, names)}"
    best = max(free_p, key=lambda pi: sum(field_ok(preds[pi], truth, n) for n in names),
               default=None)
    if best is None:
        return line
    return f"{line} | nearest pred {fmt_rec(preds[best], key)}: " \
           f"{describe_diff(preds[best], truth, names)}"


def _score_pair(acc: _Acc, label: str, pred: dict[str, Any], truth: dict[str, Any]) -> None:
    p, t = Rec.of(pred), Rec.of(truth)
    ok = all(field_ok(p, t, n) for n in FIELDS["reports"])
    acc.count("reports", tp=int(ok), fp=int(not ok), fn=int(not ok))
    acc.fields("reports", p, t)
    if not ok:
        acc.note(f"{label} reports ≠ {fmt_rec(t, KEYS['reports'])}: "
                 f"{describe_diff(p, t, FIELDS['reports'])}")
    aliases = _project_aliases(truth)
    for table in TABLES:
        truths = [Rec.of(d) for d in truth.get(table) or []]
        _score_table(acc, label, table, _pred_recs(pred, table, aliases), truths)


def _score_lone(acc: _Acc, label: str, report: dict[str, Any], is_pred: bool) -> None:
    counted = 0
    for table in ALL_TABLES:
        recs = [Rec.of(report)] if table == "reports" else [Rec.of(d) for d in report.get(table) or []]
        n = len(recs) if is_pred else sum(not r.optional for r in recs)
        acc.count(table, fp=n * is_pred, fn=n * (not is_pred))
        counted += n
    what = "extra report (no truth paired)" if is_pred else "missing report (no prediction paired)"
    acc.note(f"{label} {what} {fmt_rec(Rec.of(report), ['report_type', 'project_name', 'title'])}"
             f": {counted} records")


def score_document(pred: list[ReportRec], truth: Truth, *,
                   max_mismatches: int = MAX_MISMATCHES) -> DocScore:
    """Precision/recall/F1 per table, field accuracy and mismatch lines."""
    acc = _Acc(limit=max_mismatches)
    preds = [_report_dict(r) for r in pred]
    pairs = pair_reports([Rec.of(p) for p in preds], [Rec.of(t) for t in truth.reports])
    for pi, ti in pairs:
        _score_pair(acc, f"R{ti + 1}", preds[pi], truth.reports[ti])
    for ti in sorted(set(range(len(truth.reports))) - {t for _, t in pairs}):
        _score_lone(acc, f"R{ti + 1}", truth.reports[ti], is_pred=False)
    for pi in sorted(set(range(len(preds))) - {p for p, _ in pairs}):
        _score_lone(acc, f"P{pi + 1}", preds[pi], is_pred=True)
    if acc.hidden:
        acc.lines.append(f"... and {acc.hidden} more mismatches")
    tables = {t: TableScore.of(*acc.counts[t]) for t in ALL_TABLES}
    total = [sum(acc.counts[t][i] for t in ALL_TABLES) for i in range(3)]
    fields_ = {t: {n: (c, k) for n, (c, k) in per.items()} for t, per in acc.tally.items()}
    return DocScore(tables, fields_, acc.lines, TableScore.of(*total).f1, truth.file)


def format_score(score: DocScore, *, mismatches: int = 0) -> str:
    """Compact table: one row per table, overall F1, fields below 100 %."""
    rows = [f"{score.file}".strip(),
            f"{'table':<11}{'tp':>5}{'fp':>5}{'fn':>5}{'prec':>7}{'rec':>7}{'f1':>7}"]
    for name, t in score.tables.items():
        rows.append(f"{name:<11}{t.tp:>5}{t.fp:>5}{t.fn:>5}"
                    f"{t.precision:>7.3f}{t.recall:>7.3f}{t.f1:>7.3f}")
    rows.append(f"{'overall F1':<26}{score.overall_f1:>21.3f}")
    weak = [f"{t}.{n} {c}/{k}" for t, per in score.fields.items()
            for n, (c, k) in per.items() if c < k]
    if weak:
        rows.append("fields < 100%: " + ", ".join(weak))
    rows.extend(score.mismatches[:mismatches])
    return "\n".join(r for r in rows if r)

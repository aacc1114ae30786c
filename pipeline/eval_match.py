"""Record comparison for :mod:`pipeline.evaluate`: normalisation, one-to-one
matching of predicted to true records, pairing leftovers by key, and the
human-readable descriptions of differences."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

NOT_CONTRACT = frozenset({"alt", "optional", "render", "expected_checks"})
WILDCARD = "*"
REL_TOL = Decimal("1e-9")
_SPACE = re.compile(r"\s+")
_SHOW = 36


@dataclass(slots=True)
class Rec:
    """One record as a dict of contract values, with the truth's ``alt``/``optional``."""

    values: dict[str, Any]
    alt: dict[str, list[Any]] = field(default_factory=dict)
    optional: bool = False
    _norm: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def nv(self, name: str) -> Decimal | str | None:
        """The normalised value of field ``name`` (cached)."""
        if name not in self._norm:
            self._norm[name] = norm(self.values.get(name))
        return self._norm[name]

    def accepted_norm(self, name: str) -> list[Any]:
        """Normalised accepted values: the value and its ``alt``s (``*`` kept)."""
        key = "\0alt:" + name
        if key not in self._norm:
            alts = [a if a == WILDCARD else norm(a) for a in self.alt.get(name, [])]
            self._norm[key] = [self.nv(name), *alts]
        return self._norm[key]

    @classmethod
    def of(cls, d: dict[str, Any]) -> Rec:
        values = {k: v for k, v in d.items()
                  if not k.startswith("_") and k not in NOT_CONTRACT and not isinstance(v, list)}
        return cls(values, dict(d.get("alt") or {}), bool(d.get("optional")))


def norm(value: Any) -> Decimal | str | None:
    """Numbers as Decimal; text NFKC with all whitespace removed; '' → None."""
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = _SPACE.sub("", unicodedata.normalize("NFKC", str(value)))
    return text or None


def _as_number(value: Decimal | str) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None


def values_equal(a: Decimal | str | None, b: Decimal | str | None) -> bool:
    """Equality of two normalised values (numbers to 1e-9 relative)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    x, y = _as_number(a), _as_number(b)
    if x is None or y is None or not (x.is_finite() and y.is_finite()):
        return str(a) == str(b)
    return abs(x - y) <= REL_TOL * max(abs(x), abs(y))


def accepted(truth: Rec, name: str) -> list[Any]:
    return [truth.values.get(name), *truth.alt.get(name, [])]


def field_ok(pred: Rec, truth: Rec, name: str) -> bool:
    got = pred.nv(name)
    return any(a == WILDCARD or values_equal(got, a) for a in truth.accepted_norm(name))


def rec_matches(pred: Rec, truth: Rec, names: Iterable[str]) -> bool:
    return all(field_ok(pred, truth, n) for n in names)


def diff_fields(pred: Rec, truth: Rec, names: Iterable[str]) -> list[str]:
    return [n for n in names if not field_ok(pred, truth, n)]


def _hkey(rec: Rec, names: list[str]) -> tuple[Any, ...]:
    out = []
    for n in names:
        v = rec.nv(n)
        out.append(format(float(v), ".12g") if isinstance(v, Decimal) else v)
    return tuple(out)


def _exact_pass(preds: list[Rec], truths: list[Rec], order: list[int],
                names: list[str]) -> dict[int, int]:
    index: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for pi in reversed(range(len(preds))):
        index[_hkey(preds[pi], names)].append(pi)
    pairs: dict[int, int] = {}
    for ti in order:
        if truths[ti].alt:
            continue
        bucket = index.get(_hkey(truths[ti], names))
        if bucket:
            pairs[bucket.pop()] = ti
    return pairs


def _augment(ti: int, cand: dict[int, list[int]], owner: dict[int, int], seen: set[int]) -> bool:
    for pi in cand[ti]:
        if pi in seen:
            continue
        seen.add(pi)
        if pi not in owner or _augment(owner[pi], cand, owner, seen):
            owner[pi] = ti
            return True
    return False


def _block_field(preds: list[Rec], truths: list[Rec], names: list[str]) -> str | None:
    """A text field without ``alt`` that must be equal, with most distinct values.

    Comparing only records that share its value keeps matching near-linear.
    """
    best, best_n = None, 1
    for n in names:
        if any(n in t.alt for t in truths):
            continue
        vals = [r.nv(n) for r in (*preds, *truths)]
        if any(isinstance(v, Decimal) for v in vals):
            continue
        if len(set(vals)) > best_n:
            best, best_n = n, len(set(vals))
    return best


def match_records(preds: list[Rec], truths: list[Rec], names: list[str]) -> dict[int, int]:
    """One-to-one matching ``{pred index: truth index}`` of equal records.

    Exact hash matches first, then maximum bipartite matching (augmenting
    paths) on the rest; required truth records get priority over optional ones.
    """
    order = sorted(range(len(truths)), key=lambda i: truths[i].optional)
    pairs = _exact_pass(preds, truths, order, names)
    free_p = [pi for pi in range(len(preds)) if pi not in pairs]
    taken = set(pairs.values())
    free_t = [ti for ti in order if ti not in taken]
    block = _block_field([preds[pi] for pi in free_p], [truths[ti] for ti in free_t], names)
    buckets: dict[Any, list[int]] = defaultdict(list)
    for pi in free_p:
        buckets[preds[pi].nv(block) if block else None].append(pi)
    cand = {ti: [pi for pi in buckets.get(truths[ti].nv(block) if block else None, [])
                 if rec_matches(preds[pi], truths[ti], names)] for ti in free_t}
    owner: dict[int, int] = {}
    for ti in cand:
        _augment(ti, cand, owner, set())
    pairs.update(owner)
    return pairs


def _score(pred: Rec, truth: Rec, names: list[str]) -> int:
    return sum(field_ok(pred, truth, n) for n in names)


def nearest(pred: Rec, truths: list[Rec], idx: Iterable[int], names: list[str]) -> int | None:
    """Index of the truth record sharing most fields with ``pred``."""
    return max(idx, key=lambda ti: _score(pred, truths[ti], names), default=None)


def _canon_key(rec: Rec, key: list[str]) -> tuple[Any, ...]:
    return tuple(norm(rec.values.get(k)) for k in key)


def pair_by_key(preds: list[Rec], truths: list[Rec], free_p: list[int], free_t: list[int],
                key: list[str], names: list[str]) -> list[tuple[int, int]]:
    """Pair unmatched records sharing ``key``; within a key, most equal fields first."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for ti in free_t:
        groups[_canon_key(truths[ti], key)].append(ti)
    out: list[tuple[int, int]] = []
    for pi in free_p:
        group = groups.get(_canon_key(preds[pi], key))
        if group:
            ti = nearest(preds[pi], truths, group, names)
            assert ti is not None
            group.remove(ti)
            out.append((pi, ti))
    return sorted(out)


# ---------------------------------------------------------------- display

def show(value: Any, width: int = _SHOW) -> str:
    if value is None:
        return "None"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value).replace("\n", "⏎")
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _text_diff(got: str, want: str) -> str:
    i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    lo = max(0, i - 10)
    cut = f"…{got[lo:i + 14]}…", f"…{want[lo:i + 14]}…"
    return f"got {cut[0]!r} want {cut[1]!r} (first difference at char {i}, " \
           f"lengths {len(got)}/{len(want)})"


def describe_field(pred: Rec, truth: Rec, name: str) -> str:
    got, want = pred.values.get(name), truth.values.get(name)
    ng, nw = norm(got), norm(want)
    if isinstance(ng, str) and isinstance(nw, str) and max(len(ng), len(nw)) > _SHOW:
        return f"{name}: {_text_diff(ng, nw)}"
    alts = "".join(f"|{show(a)}" for a in truth.alt.get(name, []))
    return f"{name}: got {show(got)} want {show(want)}{alts}"


def describe_diff(pred: Rec, truth: Rec, names: list[str]) -> str:
    return "; ".join(describe_field(pred, truth, n) for n in diff_fields(pred, truth, names))


def fmt_rec(rec: Rec, key: Sequence[str], names: Sequence[str] = (), width: int = 20) -> str:
    """``{k=v ...}`` for the key fields, then other non-empty fields briefly."""
    head = " ".join(f"{k}={show(rec.values.get(k))}" for k in key)
    rest = " ".join(f"{n}={show(rec.values.get(n), width)}" for n in names
                    if n not in key and norm(rec.values.get(n)) is not None)
    return "{" + head + "}" + (f" {rest}" if rest else "")

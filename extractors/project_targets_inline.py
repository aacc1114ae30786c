"""Indicators written inline in one cell, as 项目支出绩效目标表 prints them.

``1、1-产出指标；11-数量指标；出租屋登记率；实施周期指标值:95%；年度指标值:95%。2、…``:
numbered entries, each with a coded level-1 and level-2 name, the
indicator name and one value per period label (``PT_PERIOD_LABELS``).
One :class:`InlineValue` per printed value: an entry with both a
实施周期 and a 年度 value gives two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.targets_common import level1_of, level2_of
from schemas.labels import PT_PERIOD_LABELS
from schemas.text import clean

# 'N、' + level-1 code and name + '；' + level-2 code: where an entry starts.
_ENTRY = re.compile(
    r"(?P<seq>\d{1,3})\s*[、.．,，]\s*\d{1,2}\s*[-－—]\s*(?P<level1>[^；;、\d]{1,12}?)\s*[；;]"
    r"\s*\d{2,3}\s*[-－—]\s*(?P<level2>[^；;]{1,16}?)\s*[；;]"
)
_SEPARATORS = "；;，,"
_TERMINATOR = "。"


@dataclass(frozen=True, slots=True)
class InlineValue:
    """One printed value of one inline indicator entry."""

    seq: int
    level1: str | None
    level2: str | None
    name: str
    target: str | None
    period: str | None


def _period_pattern() -> re.Pattern[str]:
    labels = sorted((label for group in PT_PERIOD_LABELS.values() for label in group), key=len, reverse=True)
    return re.compile(r"(?P<label>" + "|".join(map(re.escape, labels)) + r")\s*[:：]")


_VALUE_LABEL = _period_pattern()
_PERIOD_OF = {label: period or None for period, group in PT_PERIOD_LABELS.items() for label in group}


def parse_inline_indicators(text: str | None) -> list[InlineValue]:
    """Every value of every numbered entry of ``text`` (empty when there is none)."""
    body = clean(text) or ""
    starts = list(_ENTRY.finditer(body))
    out: list[InlineValue] = []
    for k, match in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(body)
        out.extend(_entry_values(match, body[match.end():end]))
    return out


def _entry_values(match: re.Match[str], rest: str) -> list[InlineValue]:
    """The values of one entry; ``rest`` is its text after the level-2 name."""
    labels = list(_VALUE_LABEL.finditer(rest))
    name = _strip_tail(rest[: labels[0].start()] if labels else rest)
    texts = [rest[lab.end(): labels[i + 1].start() if i + 1 < len(labels) else len(rest)]
             for i, lab in enumerate(labels)]
    targets = _targets(texts)
    level1, level2 = level1_of(match["level1"]), level2_of(match["level2"])
    seq = int(match["seq"])
    if not labels:
        return [InlineValue(seq, level1, level2, name, None, None)] if name else []
    return [InlineValue(seq, level1, level2, name, target or None, _PERIOD_OF[lab["label"]])
            for lab, target in zip(labels, targets)]


def _strip_tail(text: str) -> str:
    return text.strip().rstrip(_SEPARATORS).strip().removesuffix(_TERMINATOR).strip()


def _targets(texts: list[str]) -> list[str]:
    """Value texts without separators; the last loses the entry's closing 。.

    That 。 also ends the last value when it is a sentence: it is kept when
    another value of the entry ends with 。 (both values written alike).
    """
    values = [t.strip().rstrip(_SEPARATORS).strip() for t in texts]
    if not values:
        return values
    last = values[-1].removesuffix(_TERMINATOR)
    if last != values[-1] and any(v.endswith(_TERMINATOR) for v in values[:-1]):
        last = values[-1]
    return values[:-1] + [last]

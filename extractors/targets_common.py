"""Helpers shared by the target-table extractors (dept_targets, project_targets).

Header cells are matched by label with :func:`extractors.find.match_label`
(a trailing bracketed note ignored: ``预算金额（万元）`` → ``预算金额``; one
OCR slip in longer labels, never turning one label into a rival). Region and
year are read from names and titles.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from extractors.find import classify_label, match_label, page_title
from extractors.ir import Cell, Document, Grid
from schemas.labels import title_type
from schemas.text import clean, compact
from schemas.values import AMOUNT_UNIT_EXP
from schemas.vocab import (
    LEVEL1, LEVEL2, NOT_REGION_TAILS, PROVINCE_SUFFIXES, REGION_PREFIXES, REGION_SUFFIXES, canonical_level1,
    canonical_level2, snap_to_vocab,
)

_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
_BRACKET = re.compile(r"[(（]([^()（）]*)[)）]")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def strip_note(text: str | None) -> str:
    """Compacted text without a trailing bracketed note."""
    return _NOTE.sub("", compact(text))


def header_matches(text: str | None, labels: Iterable[str], rivals: Iterable[str] = ()) -> bool:
    """``text`` is one of ``labels`` (note ignored) or a slip away, judged against ``rivals``.

    ``rivals`` are other labels of the same table: text nearer to (or equal
    to) a rival does not match (``一级指标`` is not a misread ``三级指标``).
    The rules are :class:`extractors.find.LabelMatcher`'s.
    """
    return match_label(text, labels, rivals=rivals) is not None


def classify_header(text: str | None, headers: dict[str, tuple[str, ...]]) -> str | None:
    """The key of ``headers`` whose labels ``text`` matches (every other key's labels are rivals)."""
    keys = list(headers)
    found = classify_label(text, list(headers.values()))
    return keys[found] if found is not None else None


def find_header(grid: Grid, labels: Iterable[str], after_row: int = -1,
                rivals: Iterable[str] = ()) -> Cell | None:
    """The first cell below ``after_row`` matching ``labels``: exact matches first."""
    labels, rivals = tuple(labels), tuple(rivals)
    cells = sorted((c for c in grid.cells if c.row > after_row), key=lambda c: (c.row, c.col))
    for fuzzy in (False, True):
        found = next((c for c in cells if match_label(c.text, labels, rivals=rivals, fuzzy=fuzzy)), None)
        if found is not None:
            return found
    return None


def row_headers(grid: Grid, row: int, headers: dict[str, tuple[str, ...]]) -> dict[str, Cell]:
    """The first cell covering ``row`` for each key of ``headers`` (see :func:`classify_header`)."""
    found: dict[str, Cell] = {}
    for col in range(grid.n_cols):
        cell = grid.cell_at(row, col)
        key = classify_header(cell.text, headers) if cell is not None else None
        if key is not None and key not in found:
            found[key] = cell
    return found


def _level(text: str | None, canonical: str | None, table: Mapping[str, str]) -> str | None:
    if canonical is not None or not compact(text):
        return canonical
    near = snap_to_vocab(re.sub(r"^\d+[-－—]", "", compact(text)), list(table))
    return table[near] if near is not None else None


def level1_of(text: str | None) -> str | None:
    """Canonical 一级指标, tolerating one misread glyph (``产岀指标``)."""
    return _level(text, canonical_level1(text), LEVEL1)


def level2_of(text: str | None) -> str | None:
    """Canonical 二级指标, tolerating one misread glyph (``22-社会效盖``)."""
    return _level(text, canonical_level2(text), LEVEL2)


def is_placeholder(text: str | None, placeholders: Iterable[str]) -> bool:
    """Empty, or a placeholder such as ``无`` / ``/``."""
    key = compact(text)
    return not key or key in {compact(p) for p in placeholders}


def bracket_unit(text: str | None) -> str | None:
    """The amount unit written in a header's brackets: ``预算金额（万元）`` → ``万元``."""
    for inner in _BRACKET.findall(compact(text)):
        unit = re.sub(r"^单位[:：]?", "", inner)
        if unit in AMOUNT_UNIT_EXP:
            return unit
    return None


def year_of(text: str | None) -> int | None:
    """The first four-digit year written as ``2021年`` in ``text``."""
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def _region_tokens(name: str) -> list[str]:
    suffixes = "|".join(REGION_SUFFIXES)
    tokens = re.findall(rf"[\u4e00-\u9fff]{{2,6}}?(?:{suffixes})", name)
    return [t for t in tokens if not any(t.endswith(tail) for tail in NOT_REGION_TAILS)]


def region_of(*names: str | None) -> str | None:
    """The last administrative name (市/县/区 …) in the first name that has one.

    ``中共湛江市委政法委员会`` → ``湛江市``; ``中国共产党广州市荔湾区委员会`` → ``荔湾区``.
    """
    for name in names:
        text = compact(name)
        for prefix in REGION_PREFIXES:
            text = text.removeprefix(prefix)
        text = re.split("|".join(PROVINCE_SUFFIXES), text)[-1]
        tokens = _region_tokens(text)
        if tokens:
            return tokens[-1]
    return None


def report_title(doc: Document, report_type: str) -> str | None:
    """The large-font title of the report's first page, else a line naming the type."""
    for page in doc.pages[:1]:
        title = clean(page_title(page))
        if title:
            return title
    for line in doc.lines()[:10]:
        if title_type(compact(line.text)) == report_type:
            return clean(line.text)
    return None


def located(cell: Cell) -> dict[str, Any]:
    """page / bbox / confidence keyword arguments of a record read from ``cell``."""
    return {"page": cell.page, "bbox": cell.bbox, "confidence": cell.confidence}


def cell_text(cell: Cell | None) -> str:
    """A cell's text with line-wrap whitespace removed ("" for no cell)."""
    return clean(cell.text) or "" if cell is not None else ""

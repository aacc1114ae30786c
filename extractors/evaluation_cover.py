"""The cover of an evaluation report: title and labelled fields.

The cover is what comes before the table of contents or the first numbered
heading: ``标签：值`` lines, lines that start with a known label followed
by spaces (``项目名称  X``), or a small grid of label / value cells. Known
labels fill report fields (项目名称, 主管部门, 实施单位); the other pairs
are facts (项目负责人, 联系电话 ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.evaluation_text import heading_level
from extractors.find import LabelMatcher, colon_pairs, page_title, right_of
from extractors.ir import BBox, Block, Cell, Document, Grid, TextLine, union_bbox
from schemas.labels import EVAL_COVER_FACTS, EVAL_COVER_FIELDS, EVAL_TOC_TITLES, title_type
from schemas.text import clean, compact

REPORT_TYPE = "evaluation_report"
_TRAILING_NOTE = re.compile(r"[(（][^()（）]*[)）]$")
_FIELDS: tuple[str, ...] = tuple(EVAL_COVER_FIELDS)
# The cover's labels: one group per report field, then each fact label (a rival).
COVER_LABELS = LabelMatcher((*EVAL_COVER_FIELDS.values(), *((s,) for s in EVAL_COVER_FACTS)))
_KNOWN = sorted({compact(s) for s in (*(s for g in EVAL_COVER_FIELDS.values() for s in g), *EVAL_COVER_FACTS)},
                key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class Pair:
    """A cover label, its value and where the value was read."""

    key: str
    value: str
    page: int
    bbox: BBox
    confidence: float = 1.0


def report_title(doc: Document) -> str | None:
    """The large-font title of the first page, else the first line naming a report."""
    title = clean(page_title(doc.pages[0])) if doc.pages else None
    if title and title_type(compact(title)) == REPORT_TYPE:
        return title
    found = next((l.text for l in doc.lines()[:30] if title_type(compact(l.text)) == REPORT_TYPE), None)
    return clean(found) or title or None


def name_from_title(title: str | None) -> str | None:
    """``2024年X项目支出部门评价报告`` → ``X``."""
    if not title:
        return None
    text = re.sub(r"^(?:19|20)\d{2}年度?", "", compact(title))
    text = re.sub(r"(?:项目)?(?:支出)?(?:部门|第三方|重点|财政)?(?:绩效)?评价报告$", "", text)
    return text or None


def cover_key(key: str) -> str:
    """A label without its bracketed note (``主管部门（公章）`` → ``主管部门``)."""
    return _TRAILING_NOTE.sub("", compact(key))


def cover_field(key: str) -> str | None:
    """The report field a cover label fills, if any (one OCR slip tolerated, never nearer a fact label)."""
    found = COVER_LABELS.find(key)
    return _FIELDS[found.group] if found is not None and found.group < len(_FIELDS) else None


# ---------------------------------------------------------------- pairs


def front_blocks(doc: Document) -> list[Block]:
    """Blocks before the table of contents or the first numbered heading."""
    out: list[Block] = []
    for block in doc.blocks:
        line = block.line
        if line is not None and (compact(line.text) in EVAL_TOC_TITLES or heading_level(line.text)):
            break
        out.append(block)
    return out


def cover_pairs(doc: Document) -> list[Pair]:
    """Labelled values of the cover, from its lines and grids, in reading order."""
    pairs: list[Pair] = []
    for block in _join_rows(front_blocks(doc)):
        if block.line is not None:
            pairs += _line_pairs(block.line)
        elif block.grid is not None:
            pairs += _grid_pairs(block.grid)
    return pairs


def _join_rows(blocks: list[Block]) -> list[Block]:
    """Text lines side by side on one row (a label and its value set apart) joined with a space."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1].line if out else None
        if block.line is not None and prev is not None and _same_row(prev, block.line):
            joined = TextLine(text=f"{prev.text} {block.line.text}", bbox=union_bbox([prev.bbox, block.line.bbox]),
                              size=prev.size, page=prev.page, confidence=min(prev.confidence, block.line.confidence))
            out[-1] = Block(page=block.page, top=out[-1].top, line=joined)
        else:
            out.append(block)
    return out


def _same_row(a: TextLine, b: TextLine) -> bool:
    return a.page == b.page and abs(a.bbox[1] - b.bbox[1]) <= max(a.size, b.size) * 0.5 and b.bbox[0] > a.bbox[2]


def _line_pairs(line: TextLine) -> list[Pair]:
    found = [(key, value) for key, value, _ in colon_pairs([line])] or _spaced_pair(line.text)
    return [Pair(key, value, line.page, line.bbox, line.confidence) for key, value in found]


def _spaced_pair(text: str) -> list[tuple[str, str]]:
    """``项目名称    X`` (a known label, maybe a bracketed note, spaces, a value) without a colon."""
    for key in _KNOWN:
        label = r"\s*".join(map(re.escape, key))
        match = re.match(rf"\s*({label}\s*(?:[(（][^()（）]*[)）])?)\s+(\S.*)$", text)
        if match:
            return [(compact(match.group(1)), match.group(2).strip())]
    return []


def _is_label(text: str) -> bool:
    key = cover_key(text)
    return bool(key) and (cover_field(key) is not None or key in _KNOWN)


def _grid_pairs(grid: Grid) -> list[Pair]:
    """Label cells with the value cell to their right."""
    pairs: list[Pair] = []
    for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        value: Cell | None = right_of(grid, cell) if _is_label(cell.text) else None
        if value is not None and value.text.strip() and not _is_label(value.text):
            pairs.append(Pair(compact(cell.text), value.text, value.page, value.bbox, value.confidence))
    return pairs

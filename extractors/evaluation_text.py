"""The narrative of an evaluation report: paragraphs, numbered headings, sections.

Free text lines (``doc.blocks`` in reading order) become paragraphs. A
paragraph starts at a heading, after a heading, at an indented line, at a
footnote, or after a line that ends a sentence well short of the right
margin. Headings are recognised by their numbering (``一、`` ``（一）`` ``1.``
``（1）`` ``附件1``), never by font size, so OCR'd pages work alike. Table of
contents entries (a heading followed by its page number) are dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from extractors.ir import BBox, Document, TextLine, union_bbox
from schemas.labels import EVAL_ITEM_MARKER, EVAL_TOC_TITLES
from schemas.text import clean, compact, join_lines, join_paragraphs

_CN_NUM = "一二三四五六七八九十"
HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^[{_CN_NUM}]+[、.．]")),
    (1, re.compile(r"^附件[\d一二三四五六七八九十\-—]*[:：]?")),
    (1, re.compile(rf"^第[{_CN_NUM}]+(?:部分|章)")),
    (2, re.compile(rf"^[(（][{_CN_NUM}]+[)）]")),
    (3, re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))")),
    (4, re.compile(r"^[(（]\d{1,2}[)）]")),
)
MAX_HEADING_CHARS = 32  # text after the numbering
_SENTENCE_PUNCT = re.compile(r"[。；;：:，,！？!?]")
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
_BARE_NUMBER = re.compile(r"^\d{1,3}$")
_TOC_LEADER = re.compile(r"[.…·]{3,}\s*\d{1,3}$|\s\d{1,3}$")
_ITEM_MARKER = re.compile(EVAL_ITEM_MARKER)
_CAPTION = re.compile(r"^(?:续表|表\d+(?:[-.－—]\d+)?)")
_FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰*※]|^注[:：]")
_SENTENCE_END = ("。", "；", ";", "：", ":", "！", "？", "!", "?", "”", "\"")
INDENT_SHARE = 0.8  # an indent of this many font sizes starts a paragraph
SHORT_LINE_SHARE = 2.0  # a line ending this many sizes before the margin may end a paragraph
RUNNING_SHARE = 0.1  # running headers/footers live in this top/bottom share of the page
RUNNING_MIN_PAGES = 3  # ... and repeat on at least this many pages
FOOTNOTE_SIZE_SLACK = 1.05  # a footnote's wrapped lines are no larger than its first line
MARGIN_MIN_CHARS = 3  # shorter lines (stray marks, OCR noise) do not set the left margin


@dataclass(frozen=True, slots=True)
class Para:
    """One paragraph (or heading) of the narrative with the lines it came from."""

    text: str
    lines: tuple[TextLine, ...]
    level: int | None = None  # heading level 1..4, None for body text

    @property
    def page(self) -> int:
        return self.lines[0].page

    @property
    def bbox(self) -> BBox:
        return union_bbox([line.bbox for line in self.lines])

    @property
    def confidence(self) -> float:
        return min(line.confidence for line in self.lines)

    def line_at(self, offset: int) -> TextLine:
        """The line holding character ``offset`` of :attr:`text` (approximately)."""
        end = 0
        for line in self.lines:
            end += len(clean(line.text) or "")
            if offset < end:
                return line
        return self.lines[-1]


def heading_level(text: str) -> int | None:
    """Level of a numbered heading line (1 ``一、``, 2 ``（一）``, 3 ``1.``, 4 ``（1）``)."""
    key = compact(text)
    for level, pattern in HEADING_PATTERNS:
        match = pattern.match(key)
        if match and _heading_body(key[match.end():]):
            return level
    return None


def _heading_body(rest: str) -> bool:
    """A heading's text is short and holds no sentence punctuation (outside brackets)."""
    return 0 < len(rest) <= MAX_HEADING_CHARS and not _SENTENCE_PUNCT.search(_BRACKETED.sub("", rest))


def strip_numbering(text: str) -> str:
    """Text without its leading heading number (``（一）项目概况`` → ``项目概况``)."""
    key = compact(text)
    for _, pattern in HEADING_PATTERNS:
        match = pattern.match(key)
        if match:
            return key[match.end():]
    return key


# ---------------------------------------------------------------- lines


def narrative_lines(doc: Document) -> list[TextLine]:
    """Free text lines in reading order, without the table of contents, running headers and footnotes."""
    lines = doc.lines()
    drop = _toc_indexes(lines) | _running_indexes(doc, lines) | _footnote_indexes(lines)
    return [line for i, line in enumerate(lines) if i not in drop]


def _running_indexes(doc: Document, lines: list[TextLine]) -> set[int]:
    """Lines in the top or bottom margin repeated (numbers aside) on several pages."""
    heights = {page.number: page.height for page in doc.pages}
    marginal = {i for i, line in enumerate(lines) if _in_margin(line, heights.get(line.page, 0.0))}
    pages: dict[str, set[int]] = defaultdict(set)
    for i in marginal:
        pages[_running_key(lines[i])].add(lines[i].page)
    return {i for i in marginal if len(pages[_running_key(lines[i])]) >= RUNNING_MIN_PAGES}


def _in_margin(line: TextLine, height: float) -> bool:
    return height > 0 and (line.bbox[3] < height * RUNNING_SHARE or line.bbox[1] > height * (1 - RUNNING_SHARE))


def _running_key(line: TextLine) -> str:
    return re.sub(r"\d+", "#", compact(line.text))


def _footnote_indexes(lines: list[TextLine]) -> set[int]:
    """A footnote (``¹…``, ``注：…``) and its wrapped lines (same page, not larger): out of the text flow."""
    drop: set[int] = set()
    note: TextLine | None = None
    for i, line in enumerate(lines):
        if _FOOTNOTE.match(line.text.strip()):
            note = line
        elif note is None or line.page != note.page or line.size > note.size * FOOTNOTE_SIZE_SLACK:
            note = None
            continue
        drop.add(i)
    return drop


def _toc_indexes(lines: list[TextLine]) -> set[int]:
    drop: set[int] = set()
    for i, line in enumerate(lines):
        text = line.text.strip()
        if compact(text) in EVAL_TOC_TITLES or _BARE_NUMBER.match(text):
            drop.add(i)
            if _BARE_NUMBER.match(text) and i > 0 and _same_row(lines[i - 1], line):
                drop.add(i - 1)
        elif _TOC_LEADER.search(text) and heading_level(_TOC_LEADER.sub("", text)):
            drop.add(i)
    return drop


def _same_row(a: TextLine, b: TextLine) -> bool:
    return a.page == b.page and abs(a.bbox[1] - b.bbox[1]) <= max(a.size, b.size) * 0.6


# ---------------------------------------------------------------- paragraphs


def paragraphs(lines: list[TextLine]) -> list[Para]:
    """Lines grouped into paragraphs and headings."""
    margins = _page_margins(lines)
    groups: list[list[TextLine]] = []
    for prev, line in zip([None, *lines], lines):
        if prev is None or _starts_paragraph(prev, line, margins) or _next_item(groups[-1][0], line):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [_para(group) for group in groups]


def _next_item(first: TextLine, line: TextLine) -> bool:
    """``line`` opens the next item of a list whose item opened the paragraph: （1）... then
    （2）... start two paragraphs even when nothing else (indent, short line) parts them."""
    this, opener = _ITEM_MARKER.match(compact(line.text)), _ITEM_MARKER.match(compact(first.text))
    return bool(this and opener) and _marker_style(this.group()) == _marker_style(opener.group())


def _marker_style(marker: str) -> str:
    """The numbering style of an item marker: its digits or numerals as one placeholder."""
    return re.sub(r"\d+|[一二三四五六七八九十]+|[①-⑳]", "#", marker)


def _para(group: list[TextLine]) -> Para:
    text = join_lines([line.text for line in group])
    level = heading_level(text) if len(group) == 1 else None
    return Para(text=text, lines=tuple(group), level=level)


def _page_margins(lines: list[TextLine]) -> dict[int, tuple[float, float]]:
    """Per page: (left, right) margin of the text (headings and wrapped lines start at the left one)."""
    by_page: dict[int, list[TextLine]] = defaultdict(list)
    for line in lines:
        by_page[line.page].append(line)
    return {page: _margins(page_lines) for page, page_lines in by_page.items()}


def _margins(lines: list[TextLine]) -> tuple[float, float]:
    """The leftmost start of a line of some length (a stray glyph is no margin), the rightmost end."""
    texts = [line for line in lines if len(compact(line.text)) >= MARGIN_MIN_CHARS] or lines
    return min(line.bbox[0] for line in texts), max(line.bbox[2] for line in lines)


def _starts_paragraph(prev: TextLine, line: TextLine, margins: dict[int, tuple[float, float]]) -> bool:
    if heading_level(prev.text) or heading_level(line.text) or _FOOTNOTE.match(line.text.strip()):
        return True
    left, _ = margins[line.page]
    size = max(line.size, 1.0)
    if line.bbox[0] - left > INDENT_SHARE * size:
        return True
    ended = prev.text.rstrip().endswith(_SENTENCE_END)
    if ended and _ITEM_MARKER.match(compact(line.text)):
        return True
    _, right = margins[prev.page]
    return ended and right - prev.bbox[2] > SHORT_LINE_SHARE * size


# ---------------------------------------------------------------- sections


def _matches(para: Para, patterns: list[str]) -> bool:
    return bool(para.level) and any(re.search(p, strip_numbering(para.text)) for p in patterns)


def find_heading(paras: list[Para], patterns: Iterable[str], start: int = 0, stop: int | None = None) -> int | None:
    """Index of the first heading in ``[start, stop)`` whose text (numbering removed) matches a pattern."""
    patterns = list(patterns)
    return next((i for i in range(start, len(paras) if stop is None else stop) if _matches(paras[i], patterns)), None)


def sub_headings(paras: list[Para], index: int) -> list[int]:
    """Indexes of the first-level sub-headings of heading ``index``."""
    body = range(index + 1, index + 1 + len(section_body(paras, index)))
    levels = [paras[i].level for i in body if paras[i].level is not None]
    return [i for i in body if levels and paras[i].level == min(levels)]


def focus_heading(paras: list[Para], index: int, patterns: Iterable[str]) -> int:
    """Heading ``index``, or its one sub-heading matching ``patterns`` among others that do not.

    ``五、经验做法及存在的问题`` → ``（二）存在的问题``; a section whose
    sub-headings all match (one per problem) is kept whole.
    """
    patterns = list(patterns)
    while len(subs := sub_headings(paras, index)) > 1:
        matching = [i for i in subs if _matches(paras[i], patterns)]
        if len(matching) != 1:
            break
        index = matching[0]
    return index


def section_body(paras: list[Para], index: int) -> list[Para]:
    """Paragraphs after heading ``index`` up to the next heading of its level or above."""
    level = paras[index].level or 1
    body: list[Para] = []
    for para in paras[index + 1:]:
        if para.level is not None and para.level <= level:
            break
        body.append(para)
    return body


def section(paras: list[Para], patterns: Iterable[str]) -> list[Para]:
    """Body paragraphs (and sub-headings) of the first heading matching ``patterns``."""
    index = find_heading(paras, patterns)
    return [] if index is None else section_body(paras, index)


def is_caption(para: Para) -> bool:
    """A table caption (``表1-1 …``, ``续表``) is not prose."""
    return bool(_CAPTION.match(compact(para.text)))


def section_text(paras: list[Para], patterns: Iterable[str]) -> tuple[str | None, Para | None]:
    """The body text of a section (paragraphs joined by ``\\n``) and its first paragraph."""
    body = [p for p in section(paras, patterns) if p.level is None and not is_caption(p)]
    if not body:
        return None, None
    return join_paragraphs([p.text for p in body]) or None, body[0]


def items(body: list[Para]) -> list[list[Para]]:
    """Numbered items of a section (``一是`` ``（一）`` ``1.`` ...), else one per paragraph.

    Text before the first numbered item (an introduction) is not an item;
    unnumbered paragraphs after an item belong to it.
    """
    marked = [p.level is not None or bool(_ITEM_MARKER.match(compact(p.text))) for p in body]
    if not any(marked):
        return [[p] for p in body]
    groups: list[list[Para]] = []
    for para, is_start in zip(body, marked):
        if is_start:
            groups.append([para])
        elif groups:
            groups[-1].append(para)
    return groups

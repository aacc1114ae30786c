"""Pages into a document: blocks in reading order, tables stitched across pages.

``pages_to_document`` puts each page's text lines and grids in reading
order, drops running page numbers, and stitches a table that continues on
the next page (with or without its header repeated) into one grid. A row
that a word processor broke across the page (Word's default "allow row to
break across pages") is folded back into one row: see :func:`is_split_row`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable

from extractors.ir import Block, Cell, Document, Grid, Page, TextLine, union_bbox
from extractors.textlines import wrap_sep

EDGE_TOLERANCE = 3.0
COLUMN_DRIFT = 0.04  # share of the width a column edge may move between pages (same column count)
SCAN_EDGE_TOLERANCE = 10.0  # scanned pages shift by a few points after deskewing
PAGE_NUMBER = re.compile(r"^(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|[-—–]\s*\d+\s*[-—–]|\d{1,4}|\d+\s*/\s*\d+)$")
# A value that is never wrapped onto a second line: an amount, rate, score or count.
SHORT_VALUE = re.compile(r"^[-+≥≤><＞＜=约]?\s*\d[\d,，.]*\s*(%|％|万元|元|分|个|项|人|次)?$")
UNIT_ONLY = re.compile(r"^(%|％|‰|万元|元|分|个|项|人|次)$")
MARGIN_SHARE = 0.08  # top/bottom share of the page where running headers live


def pages_to_document(path: str, pages: list[Page]) -> Document:
    running = running_texts(pages)
    blocks: list[Block] = []
    for page in pages:
        page_blocks = page_to_blocks(page, running)
        if blocks and page_blocks:
            page_blocks = _stitch_into(blocks, page_blocks)
        blocks.extend(page_blocks)
    return Document(path=path, pages=pages, blocks=blocks)


def page_to_blocks(page: Page, running: frozenset[str] = frozenset()) -> list[Block]:
    blocks = [Block(page=page.number, top=line.bbox[1], line=line)
              for line in page.lines if not is_page_furniture(line, page, running)]
    blocks += [Block(page=page.number, top=grid.bbox[1], grid=grid) for grid in page.grids]
    return left_to_right_in_rows(sorted(blocks, key=lambda b: (b.top, b.line is not None)))


def left_to_right_in_rows(blocks: list[Block]) -> list[Block]:
    """Lines side by side on one row in reading order, left first, though the right one's
    top is a little higher (a value set in another font than its label)."""
    out: list[Block] = []
    for block in blocks:
        at = len(out)
        while at and _same_row_left_of(block, out[at - 1]):
            at -= 1
        out.insert(at, block)
    return out


def _same_row_left_of(a: Block, b: Block) -> bool:
    if a.line is None or b.line is None:
        return False
    la, lb = a.line, b.line
    centre_a, centre_b = (la.bbox[1] + la.bbox[3]) / 2, (lb.bbox[1] + lb.bbox[3]) / 2
    return abs(centre_a - centre_b) < 0.5 * min(la.size, lb.size) and la.bbox[2] <= lb.bbox[0]


def in_margin(line: TextLine, page: Page) -> bool:
    return line.bbox[1] > page.height * (1 - MARGIN_SHARE) or line.bbox[3] < page.height * MARGIN_SHARE


def _furniture_key(text: str) -> str:
    return re.sub(r"[\s\d]+", "", text)


def running_texts(pages: list[Page]) -> frozenset[str]:
    """Margin lines repeated on several pages (running headers and footers), digits ignored."""
    seen: dict[str, set[int]] = {}
    for page in pages:
        for line in page.lines:
            key = _furniture_key(line.text)
            if key and in_margin(line, page):
                seen.setdefault(key, set()).add(page.number)
    return frozenset(k for k, nums in seen.items() if len(nums) >= max(2, len(pages) // 3))


def is_page_furniture(line: TextLine, page: Page, running: frozenset[str] = frozenset()) -> bool:
    """Page numbers and running headers/footers in the top or bottom margin."""
    if not in_margin(line, page):
        return False
    return bool(PAGE_NUMBER.match(line.text.strip())) or _furniture_key(line.text) in running


def _stitch_into(blocks: list[Block], page_blocks: list[Block]) -> list[Block]:
    last, first = blocks[-1], page_blocks[0]
    if last.grid is None or first.grid is None or not continues(last.grid, first.grid):
        return page_blocks
    last.grid = stitch_grids(last.grid, first.grid)
    return page_blocks[1:]


def edge_tolerance(*grids: Grid) -> float:
    scanned = any(g.method.startswith("ocr") for g in grids)
    return SCAN_EDGE_TOLERANCE if scanned else EDGE_TOLERANCE


def continues(upper: Grid, lower: Grid) -> bool:
    """Does ``lower`` (top of the next page) continue ``upper``?"""
    if "stream" in upper.method or "stream" in lower.method:
        return _stream_continues(upper, lower)
    if same_columns(upper, lower):
        return True
    tol = edge_tolerance(upper, lower)
    # the right edges may differ where one table's last column ends on a column edge of the
    # other (a ragged Word table: some rows are a narrow column wider)
    right_edge = any(abs(lower.bbox[2] - x) <= tol for x in upper.col_edges[1:]) or any(
        abs(upper.bbox[2] - x) <= tol for x in lower.col_edges[1:])
    if abs(upper.bbox[0] - lower.bbox[0]) > tol or not right_edge:
        return False
    inner_up, inner_low = upper.col_edges[1:-1], lower.col_edges[1:-1]
    shared = sum(1 for x in inner_low if any(abs(x - y) <= tol for y in inner_up))
    return shared >= min(len(inner_up), len(inner_low)) * 0.5


def same_columns(upper: Grid, lower: Grid) -> bool:
    """As many columns, each edge within a few points (4% of the width): a word processor
    that set the table's columns a little wider on one page than on the next."""
    if upper.n_cols != lower.n_cols or len(upper.col_edges) != len(lower.col_edges):
        return False
    width = max(upper.bbox[2] - upper.bbox[0], 1.0)
    tol = max(edge_tolerance(upper, lower), COLUMN_DRIFT * width)
    return abs(upper.col_edges[0] - lower.col_edges[0]) <= edge_tolerance(upper, lower) and all(
        abs(a - b) <= tol for a, b in zip(upper.col_edges, lower.col_edges))


def _stream_continues(upper: Grid, lower: Grid) -> bool:
    """Text-aligned columns move between pages: same column count and about the same span."""
    width = max(upper.bbox[2] - upper.bbox[0], 1.0)
    tol = max(SCAN_EDGE_TOLERANCE, 0.05 * width)
    same_span = abs(upper.bbox[0] - lower.bbox[0]) <= tol and abs(upper.bbox[2] - lower.bbox[2]) <= tol
    return upper.n_cols == lower.n_cols and same_span


def stitch_grids(upper: Grid, lower: Grid) -> Grid:
    """One grid of ``upper``'s rows then ``lower``'s; repeated header rows dropped."""
    if "stream" in upper.method or "stream" in lower.method or same_columns(upper, lower):  # one to one
        lower = replace(lower, col_edges=list(upper.col_edges))
    edges = _merge_edges(upper.col_edges, lower.col_edges, edge_tolerance(upper, lower))
    up_cells = [_recolumn(c, upper.col_edges, edges) for c in upper.cells]
    skip = repeated_header_rows(upper, lower)
    low_cells = [_recolumn(c, lower.col_edges, edges) for c in lower.cells if c.row >= skip]
    offset = upper.n_rows - skip
    low_cells = [replace(c, row=c.row + offset) for c in low_cells]
    n_rows = upper.n_rows + lower.n_rows - skip
    last, first = boundary_rows(up_cells, low_cells, upper.n_rows)
    if is_split_row(last, first):
        low_cells = fold_split_row(last, first, low_cells, upper.n_rows)
        n_rows -= 1
    cells = _continue_spans(up_cells, low_cells, upper.n_rows)
    return Grid(page=upper.page, bbox=union_bbox([upper.bbox, lower.bbox]), n_rows=n_rows,
                n_cols=len(edges) - 1, cells=sorted(cells, key=lambda c: (c.row, c.col)), col_edges=edges,
                method=upper.method, confidence=min(upper.confidence, lower.confidence),
                pages=upper.pages + [p for p in lower.pages if p not in upper.pages])


def _merge_edges(a: list[float], b: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for x in sorted(a + b):
        if not out or x - out[-1] > tol:
            out.append(x)
    return out


def _index(edges: list[float], x: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - x))


def _recolumn(cell: Cell, old: list[float], new: list[float]) -> Cell:
    left = _index(new, old[cell.col])
    right = _index(new, old[cell.col + cell.colspan])
    return replace(cell, col=left, colspan=max(1, right - left))


def repeated_header_rows(upper: Grid, lower: Grid) -> int:
    """How many leading rows of ``lower`` repeat ``upper``'s header rows."""
    up, low = upper.text_matrix(), lower.text_matrix()
    count = 0
    while count < min(len(up), len(low)) - 1 and _row_key(up[count]) == _row_key(low[count]) and any(up[count]):
        count += 1
    return count


def _row_key(row: list[str]) -> list[str]:
    texts: list[str] = []
    for text in row:
        key = re.sub(r"\s+", "", text)
        if not texts or texts[-1] != key:
            texts.append(key)
    return texts


def _continue_spans(up: list[Cell], low: list[Cell], boundary: int) -> list[Cell]:
    """A merged cell cut by the page break is one cell again.

    Its text sits on one side only: an empty cell at the top of the continuation extends
    a merged cell with text above it, and an empty cell at the foot of the page above takes
    the text of a merged cell below it. An empty cell counts when the cell across the
    break is merged (spans rows on its side), or when it leads its row (left of the row's
    first text: the group columns of a hierarchy, never empty for a row of their own).
    """
    last, first = boundary_rows(up, low, boundary)
    lead_up, lead_low = _leading(last.values()), _leading(first.values())
    dropped: set[int] = set()
    for key, below in first.items():
        above = last.get(key)
        if above is None:
            continue
        if above.text and not below.text and (above.rowspan > 1 or key in lead_low):
            above.rowspan += below.rowspan
        elif below.text and not above.text and below.rowspan > 1 and key in lead_up:
            above.text, above.rowspan = below.text, above.rowspan + below.rowspan
        else:
            continue
        dropped.add(id(below))
    return up + [c for c in low if id(c) not in dropped]


def _leading(row: Iterable[Cell]) -> set[tuple[int, int]]:
    """Keys of the empty cells left of a row's first cell with text."""
    cells = sorted(row, key=lambda c: c.col)
    start = next((c.col for c in cells if c.text.strip()), None)
    return {(c.col, c.colspan) for c in cells if start is not None and c.col < start}


def boundary_rows(up: list[Cell], low: list[Cell], boundary: int) -> tuple[dict, dict]:
    """Upper's last-row cells and lower's first-row cells, keyed by (col, colspan)."""
    last = {(c.col, c.colspan): c for c in up if c.last_row == boundary - 1}
    first = {(c.col, c.colspan): c for c in low if c.row == boundary}
    return last, first


def is_split_row(last: dict[tuple[int, int], Cell], first: dict[tuple[int, int], Cell]) -> bool:
    """Is lower's first row the rest of upper's last row, broken by the page? (``last``,
    ``first``: those rows' cells by (col, colspan), see :func:`boundary_rows`.)

    The rest of a broken row continues some of its cells (text in a column whose cell
    above has text) and leaves the others empty (they ended on the first page; a merged
    cell running on is no evidence, its continuation is empty anyway). A cell above that
    holds a short value (amount, rate, score) is complete: short values are never broken
    over a page (but for a bare unit wrapped from a narrow cell, ``100`` / ``%``), so text
    under one starts a new row. A row whose cells do not line up one
    to one with the row above (but for empty cells above, the overhang of a ragged table)
    is never folded.
    """
    if not first or not set(first) <= set(last) or any(last[k].text.strip() for k in set(last) - set(first)):
        return False
    filled = [key for key, cell in first.items() if cell.text.strip()]
    ended = [key for key, cell in last.items()
             if cell.text.strip() and cell.rowspan == 1 and not first[key].text.strip()]
    if not filled or not ended:
        return False
    return all(last[key].text.strip() and (not _short(last[key]) or _unit_only(first[key])) for key in filled)


def _short(cell: Cell) -> bool:
    return bool(SHORT_VALUE.match(cell.text.strip()))


def _unit_only(cell: Cell) -> bool:
    """A bare unit (``%``, ``万元``): the tail of a number wrapped in a narrow cell."""
    return bool(UNIT_ONLY.match(cell.text.strip()))


def fold_split_row(last: dict[tuple[int, int], Cell], first: dict[tuple[int, int], Cell], low: list[Cell],
                   boundary: int) -> list[Cell]:
    """Append lower's first row (``first``, at ``boundary``) to upper's last row (``last``, in
    place); lower's other cells moved up a row."""
    for key, rest in first.items():
        cell = last[key]
        if rest.text.strip():
            cell.text = cell.text + wrap_sep(cell.text[-1:], rest.text[:1]) + rest.text
        cell.rowspan += rest.rowspan - 1
    return [replace(c, row=c.row - 1) for c in low if c.row != boundary]

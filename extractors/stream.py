"""Tables that are not fully ruled, as Word/WPS/Excel exports often draw them.

The lattice builder (:mod:`extractors.grids`) needs crossing horizontal and
vertical rules. This module handles what it cannot:

* an open frame (:func:`open_frame`): a lattice whose outer border is not
  drawn; its inner rules reach past the outermost lines over text, and the
  grid is extended to that text;
* partial rules (:func:`rulings_to_partial_tables`): ≥ 2 long horizontal
  rules of the same extent that belong to no lattice (three-line tables,
  rules under every row); rows come from the rules and the text lines
  between them, columns from the text's alignment;
* no rules at all (:func:`~extractors.stream_text.aligned_text_regions`):
  at least three text lines sharing at least three aligned column gaps
  (digital pages only; a paragraph never qualifies).

The structure is inferred (:mod:`extractors.stream_cells`,
:mod:`extractors.stream_rows`), so the grids
carry ``method`` ``pdfium-stream`` (``ocr-stream`` on scans) and a
confidence below 1.
"""

from __future__ import annotations

import logging
from statistics import median

from extractors.grids import TableLines, chars_by_cell, chars_outside, merge_rulings, rulings_to_tables
from extractors.ir import BBox, Cell, Char, Grid, Page, Ruling
from extractors.stream_cells import (StreamRegion, layout_to_cells, region_to_layout, row_segments,
                                     split_line)
from extractors.stream_text import DETECT_GAP, MAX_LINE_GAP, aligned_text_regions
from extractors.textlines import cell_text, group_rows

log = logging.getLogger(__name__)

MIN_RULE = 90.0  # a horizontal rule at least this long may bound a table
SAME_EXTENT = 0.1  # rules of one table start and end within this share of their length
NARRATIVE_SHARE = 0.6  # a text segment this wide (share of the rule) is prose, not a cell
MIN_OVERHANG = 4.0  # rules reaching this far past a lattice's outer lines may open a frame
STREAM_CONFIDENCE = 0.9
TEXT_CONFIDENCE = 0.8
OPEN_FRAME_CONFIDENCE = 0.95
LABEL_ENDS = ("：", ":")


def lines_to_stream_grids(page: Page, rulings: list[Ruling] | None = None,
                          lattice: list[TableLines] | None = None,
                          free: list[Char] | None = None) -> list[Grid]:
    """Grids of the tables on ``page`` that ``lattice`` (the page's lattice tables) misses.

    ``rulings`` are the page's merged rulings and ``free`` its chars outside
    every lattice (both computed when not given).
    """
    rulings = merge_rulings(page.rulings) if rulings is None else rulings
    lattice = rulings_to_tables(rulings) if lattice is None else lattice
    boxes = [t.bbox for t in lattice]
    free = chars_outside(page.chars, boxes) if free is None else free
    prefix = "ocr" if page.kind == "scanned" else "pdfium"
    grids = _grids(rulings_to_partial_tables(rulings, lattice, free), free, page.number,
                   f"{prefix}-stream", STREAM_CONFIDENCE)
    if page.kind == "digital":
        rest = chars_outside(free, [g.bbox for g in grids])
        regions = [r for r in aligned_text_regions(rest) if not _overlaps_any(r.bbox, boxes)]
        grids += _grids(regions, rest, page.number, f"{prefix}-stream", TEXT_CONFIDENCE)
    return grids


def _grids(regions: list[StreamRegion], chars: list[Char], page: int, method: str,
           confidence: float) -> list[Grid]:
    """Grids of the regions in turn; a char taken by one grid is not offered to the next."""
    grids: list[Grid] = []
    for region in regions:
        grid = region_to_grid(region, chars, page, method, confidence)
        if grid is not None:
            grids.append(grid)
            chars = chars_outside(chars, [grid.bbox])
    return grids


# ---------------------------------------------------------------- open frames


def open_frame(table: TableLines, chars: list[Char]) -> TableLines:
    """``table`` extended to the text its rules reach over past its outer lines (or ``table``)."""
    left, right = min(h.x0 for h in table.h), max(h.x1 for h in table.h)
    top, bottom = min(v.top for v in table.v), max(v.bottom for v in table.v)
    xs, ys = list(table.xs), list(table.ys)
    if max(xs[0] - left, right - xs[-1], ys[0] - top, bottom - ys[-1]) < MIN_OVERHANG:
        return table  # the rules end at the outer lines: the frame is drawn
    y0, y1 = min(top, ys[0]), max(bottom, ys[-1])
    x0, x1 = min(left, xs[0]), max(right, xs[-1])
    near = [c for c in chars if x0 - 1 <= c.cx <= x1 + 1 and y0 - 1 <= c.cy <= y1 + 1]
    sides = (
        _side(xs[0], left, [c.x0 for c in near if c.cx < xs[0]]),
        _side(xs[-1], right, [c.x1 for c in near if c.cx > xs[-1]]),
        _side(ys[0], top, [c.top for c in near if c.cy < ys[0]]),
        _side(ys[-1], bottom, [c.bottom for c in near if c.cy > ys[-1]]),
    )
    if all(s is None for s in sides):
        return table
    xs = [sides[0]] * (sides[0] is not None) + xs + [sides[1]] * (sides[1] is not None)
    ys = [sides[2]] * (sides[2] is not None) + ys + [sides[3]] * (sides[3] is not None)
    return TableLines(h=table.h, v=table.v, xs=xs, ys=ys, open=True)


def _side(edge: float, reach: float, text: list[float]) -> float | None:
    """The outer boundary past ``edge`` when the rules reach ``reach`` over ``text``."""
    if abs(reach - edge) < MIN_OVERHANG or not text:
        return None
    return min(reach, *text) if reach < edge else max(reach, *text)


# ---------------------------------------------------------------- partial rules


def rulings_to_partial_tables(rulings: list[Ruling], lattice: list[TableLines],
                              chars: list[Char]) -> list[StreamRegion]:
    """Regions bounded by long horizontal rules of the same extent outside every lattice."""
    used = {r for t in lattice for r in t.h}
    boxes = [t.bbox for t in lattice]
    free = sorted((r for r in rulings if r.orientation == "h" and r not in used
                   and r.x1 - r.x0 >= MIN_RULE and not _overlaps_any(_rule_box(r), boxes)),
                  key=lambda r: r.top)
    regions: list[StreamRegion] = []
    for chain in _chains(free):
        for run in _split_at_prose(chain, chars, boxes):
            region = _run_region(_trim(run, chars), chars)
            if region is not None:
                regions.append(region)
    return regions


def _rule_box(r: Ruling) -> BBox:
    return (r.x0, r.top - 0.5, r.x1, r.bottom + 0.5)


def _chains(rules: list[Ruling]) -> list[list[Ruling]]:
    """Rules (top to bottom) grouped by extent: each group may be one table's rules."""
    chains: list[list[Ruling]] = []
    for rule in rules:
        home = next((c for c in chains if _same_extent(c[-1], rule)), None)
        if home is None:
            chains.append([rule])
        else:
            home.append(rule)
    return [c for c in chains if len(c) >= 2]


def _same_extent(a: Ruling, b: Ruling) -> bool:
    tol = SAME_EXTENT * max(a.x1 - a.x0, b.x1 - b.x0)
    return abs(a.x0 - b.x0) <= tol and abs(a.x1 - b.x1) <= tol


def _band_chars(a: Ruling, b: Ruling, chars: list[Char]) -> list[Char]:
    return [c for c in chars if a.x0 - 1 <= c.cx <= a.x1 + 1 and a.top < c.cy < b.top]


def _split_at_prose(chain: list[Ruling], chars: list[Char], boxes: list[BBox]) -> list[list[Ruling]]:
    """Runs of consecutive rules with no paragraph and no lattice table between them."""
    runs: list[list[Ruling]] = [[chain[0]]]
    for a, b in zip(chain, chain[1:]):
        band = (a.x0, a.top, a.x1, b.top)
        if _has_prose(_band_chars(a, b, chars), a.x1 - a.x0) or _overlaps_any(band, boxes):
            runs.append([b])
        else:
            runs[-1].append(b)
    return [r for r in runs if len(r) >= 2]


def _has_prose(chars: list[Char], width: float) -> bool:
    return any(seg.x1 - seg.x0 >= NARRATIVE_SHARE * width
               for line in group_rows(chars) for seg in row_segments(line))


def _trim(run: list[Ruling], chars: list[Char]) -> list[Ruling]:
    """Leading and trailing bands without a line of two or more segments are not the table's."""
    while len(run) > 2 and not _tabular(_band_chars(run[0], run[1], chars)):
        run = run[1:]
    while len(run) > 2 and not _tabular(_band_chars(run[-2], run[-1], chars)):
        run = run[:-1]
    return run


def _tabular(chars: list[Char]) -> bool:
    return any(len(row_segments(line)) >= 2 for line in group_rows(chars))


def _run_region(run: list[Ruling], chars: list[Char]) -> StreamRegion | None:
    left, right = min(r.x0 for r in run), max(r.x1 for r in run)
    bands = [group_rows(_band_chars(a, b, chars)) for a, b in zip(run, run[1:])]
    if not any(bands):
        return None
    rules = [r.top for r in run]
    lines = [len(b) for b in bands]
    header = lines[0] if len(run) >= 3 and lines[0] <= 3 and sum(lines[1:]) >= 2 else 1
    region = StreamRegion(left=left, right=right, rules=rules, header_lines=header, ruled=True)
    if len(run) >= 3 and max(lines) <= 2:  # a rule under every row: the frame may be open
        _open_rows(region, bands, chars)
    elif len(run) == 2 and 0 < lines[0] <= 3 and _open_bottom(region, chars):
        region.header_lines = lines[0]  # top and header rules; the body runs on to a page break
    return region


def _open_bottom(region: StreamRegion, chars: list[Char]) -> bool:
    """Extend the region down over the table lines below its last rule (≥ 2 lines of ≥ 2 segments)."""
    width = region.right - region.left
    below = [c for c in chars if region.left - 1 <= c.cx <= region.right + 1 and c.cy > region.rules[-1]]
    last, end, rows = region.rules[-1], 0.0, 0
    for line in group_rows(below):
        segs = split_line(line, DETECT_GAP)
        if min(c.top for c in line) - last > MAX_LINE_GAP * max(c.size for c in line) \
                or any(s.x1 - s.x0 >= NARRATIVE_SHARE * width for s in segs):
            break
        last = max(c.bottom for c in line)
        if len(segs) >= 2:  # a single-segment line counts only inside the table (a wrap, a category)
            end, rows = last, rows + 1
    if rows >= 2:
        region.rules.append(end + 1.0)
    return rows >= 2


def _open_rows(region: StreamRegion, bands: list[list[list[Char]]], chars: list[Char]) -> None:
    """Add a text line just above the first / below the last rule when it reads like a row."""
    pitch = median(b - a for a, b in zip(region.rules, region.rules[1:]))
    cells = median(len(row_segments(line)) for band in bands for line in band)
    outside = [c for c in chars if region.left - 1 <= c.cx <= region.right + 1]
    lines = group_rows(outside)
    above = [ln for ln in lines if region.rules[0] - pitch < _cy(ln) < region.rules[0]]
    below = [ln for ln in lines if region.rules[-1] < _cy(ln) < region.rules[-1] + pitch]
    if len(above) == 1 and _row_like(above[0], cells):
        region.rules.insert(0, min(c.top for c in above[0]) - 1.0)
        region.header_lines = 1
    if len(below) == 1 and _row_like(below[0], cells):
        region.rules.append(max(c.bottom for c in below[0]) + 1.0)


def _cy(line: list[Char]) -> float:
    return sum(c.cy for c in line) / len(line)


def _row_like(line: list[Char], cells: float) -> bool:
    return len(row_segments(line)) >= max(2.0, cells / 2)


# ---------------------------------------------------------------- grids


def region_to_grid(region: StreamRegion, chars: list[Char], page: int, method: str,
                   confidence: float) -> Grid | None:
    """The grid of ``region`` from the characters inside it, or None when it is no table."""
    inside = [c for c in chars if _holds(region.bbox, c)]
    if not inside:
        return None
    layout = region_to_layout(inside, region.rules, region.left, region.right,
                              region.header_lines, strict=not region.ruled)
    if layout is None:
        return None
    cells = layout_to_cells(layout, page, confidence)
    refill_by_position(cells, chars, layout.xs, layout.ys, confidence)  # all: a run may overflow the box
    if not _table_like(cells) or (not region.ruled and _label_value_form(cells)):
        log.debug("page %d: region %s is not tabular", page, region.bbox)
        return None
    xs, ys = layout.xs, layout.ys
    return Grid(page=page, bbox=(xs[0], ys[0], xs[-1], ys[-1]), n_rows=len(ys) - 1, n_cols=len(xs) - 1,
                cells=cells, col_edges=list(xs), method=method,
                confidence=min((c.confidence for c in cells), default=confidence), pages=[page])


def refill_by_position(cells: list[Cell], chars: list[Char], xs: list[float], ys: list[float],
                       confidence: float) -> None:
    """Each cell's text from the chars whose centre lies in it, as lattice cells get theirs.

    The layout decides the rows and columns; placing text by position keeps
    every character in exactly one place: a cell of this grid, or (outside
    the grid's box) the page's free text. The box is closed, as for
    :func:`~extractors.grids.chars_outside`: a centre on its right or bottom
    edge lies in the last column or row.
    """
    held = chars_by_cell(cells, chars, xs, ys)
    for k, cell in enumerate(cells):
        mine = held.get(k, [])
        cell.text = cell_text(mine, cell.bbox) if mine else ""
        if mine:
            cell.confidence = min(c.confidence for c in mine)
        cell.confidence = min(cell.confidence, confidence)


def _table_like(cells: list[Cell]) -> bool:
    """Most rows with text hold at least two cells of text."""
    filled: dict[int, int] = {}
    for cell in cells:
        if cell.text:
            filled[cell.row] = filled.get(cell.row, 0) + 1
    return len(filled) >= 2 and sum(1 for n in filled.values() if n >= 2) * 2 >= len(filled)


def _label_value_form(cells: list[Cell]) -> bool:
    """``标签：值`` pairs laid out in columns (a form's free text, read by its labels)."""
    texts = [c.text for c in cells if c.text]
    return sum(1 for t in texts if t.rstrip().endswith(LABEL_ENDS)) * 4 >= len(texts)


def _holds(box: BBox, ch: Char) -> bool:
    return box[0] <= ch.cx <= box[2] and box[1] <= ch.cy <= box[3]


def _overlaps_any(box: BBox, boxes: list[BBox]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)

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
* no rules at all (:func:`aligned_text_regions`): at least three text lines
  sharing at least three aligned column gaps (digital pages only; a
  paragraph never qualifies).

The structure is inferred (:mod:`extractors.stream_cells`), so the grids
carry ``method`` ``pdfium-stream`` (``ocr-stream`` on scans) and a
confidence below 1.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from statistics import median

from extractors.grids import TableLines, merge_rulings, rulings_to_tables
from extractors.ir import BBox, Cell, Char, Grid, Page, Ruling
from extractors.stream_cells import Layout, Segment, region_to_layout, row_segments, split_line
from extractors.textlines import cell_text, group_rows

log = logging.getLogger(__name__)

MIN_RULE = 90.0  # a horizontal rule at least this long may bound a table
SAME_EXTENT = 0.1  # rules of one table start and end within this share of their length
NARRATIVE_SHARE = 0.6  # a text segment this wide (share of the rule) is prose, not a cell
MIN_OVERHANG = 4.0  # rules reaching this far past a lattice's outer lines may open a frame
DETECT_GAP = 1.0  # unruled tables: column gaps at least this many font sizes wide
MAX_LINE_GAP = 2.5  # unruled tables: lines at most this many sizes apart
MIN_ALIGNED_LINES = 3
MIN_ALIGNED_GAPS = 3
STREAM_CONFIDENCE = 0.9
TEXT_CONFIDENCE = 0.8
OPEN_FRAME_CONFIDENCE = 0.95


@dataclass(slots=True)
class StreamRegion:
    """Where a table without a full lattice lies.

    ``rules`` are the y positions of its horizontal boundaries, top to bottom
    (drawn rules, or the text's own top and bottom when ``ruled`` is false);
    ``header_lines`` text lines at the top may span columns.
    """

    left: float
    right: float
    rules: list[float]
    header_lines: int
    ruled: bool

    @property
    def bbox(self) -> BBox:
        return (self.left, self.rules[0], self.right, self.rules[-1])


def lines_to_stream_grids(page: Page, rulings: list[Ruling] | None = None,
                          lattice: list[TableLines] | None = None) -> list[Grid]:
    """Grids of the tables on ``page`` that ``lattice`` (the page's lattice tables) misses."""
    rulings = merge_rulings(page.rulings) if rulings is None else rulings
    lattice = rulings_to_tables(rulings) if lattice is None else lattice
    boxes = [t.bbox for t in lattice]
    free = _outside(page.chars, boxes)
    prefix = "ocr" if page.kind == "scanned" else "pdfium"
    grids = _grids(rulings_to_partial_tables(rulings, lattice, free), free, page.number,
                   f"{prefix}-stream", STREAM_CONFIDENCE)
    if page.kind == "digital":
        rest = _outside(free, [g.bbox for g in grids])
        regions = [r for r in aligned_text_regions(rest) if not _overlaps_any(r.bbox, boxes)]
        grids += _grids(regions, rest, page.number, f"{prefix}-stream", TEXT_CONFIDENCE)
    return grids


def _outside(chars: list[Char], boxes: list[BBox]) -> list[Char]:
    return [c for c in chars if not any(_holds(b, c) for b in boxes)] if boxes else chars


def _grids(regions: list[StreamRegion], chars: list[Char], page: int, method: str,
           confidence: float) -> list[Grid]:
    grids = [region_to_grid(r, chars, page, method, confidence) for r in regions]
    return [g for g in grids if g is not None]


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
    region = StreamRegion(left=left, right=right, rules=rules, header_lines=max(header, 0), ruled=True)
    if len(run) >= 3 and max(lines) <= 2:  # a rule under every row: the frame may be open
        _open_rows(region, bands, chars)
    return region


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


# ---------------------------------------------------------------- no rules


def aligned_text_regions(chars: list[Char]) -> list[StreamRegion]:
    """Blocks of ≥ 3 lines of ≥ 4 text segments sharing ≥ 3 column gaps (plus header lines above)."""
    lines = group_rows(chars)
    segs = [split_line(line, DETECT_GAP) for line in lines]
    regions: list[StreamRegion] = []
    k = 0
    while k < len(lines):
        end = _grow_block(lines, segs, k)
        if sum(1 for s in segs[k:end] if len(s) > MIN_ALIGNED_GAPS) >= MIN_ALIGNED_LINES:
            start = _header_start(lines, segs, k, end)
            regions.append(_text_region(lines[start:end], k - start))
            k = end
        else:
            k += 1
    return regions


def _grow_block(lines: list[list[Char]], segs: list[list[Segment]], k: int) -> int:
    """End (exclusive) of the block of lines from ``k`` keeping ≥ 3 common column gaps."""
    if len(segs[k]) <= MIN_ALIGNED_GAPS:
        return k
    size = median(c.size for c in lines[k])
    gaps = [(a.x1, b.x0) for a, b in zip(segs[k], segs[k][1:])]
    end = k + 1
    while end < len(lines) and _close(lines[end - 1], lines[end], size):
        narrowed = _subtract(gaps, segs[end], DETECT_GAP * size)
        if narrowed is None:
            break
        gaps, end = narrowed, end + 1
    return end


def _close(upper: list[Char], lower: list[Char], size: float) -> bool:
    return min(c.top for c in lower) - max(c.bottom for c in upper) <= MAX_LINE_GAP * size


def _subtract(gaps: list[tuple[float, float]], segs: list[Segment],
              min_width: float) -> list[tuple[float, float]] | None:
    """The parts of ``gaps`` no segment covers (≥ ``min_width``); None when a gap is closed."""
    out: list[tuple[float, float]] = []
    for a, b in gaps:
        pieces = [(a, b)]
        for seg in segs:
            pieces = [p for lo, hi in pieces for p in ((lo, min(hi, seg.x0)), (max(lo, seg.x1), hi))]
        kept = [(lo, hi) for lo, hi in pieces if hi - lo >= min_width]
        if not kept:
            return None
        out += kept
    return out


def _header_start(lines: list[list[Char]], segs: list[list[Segment]], k: int, end: int) -> int:
    """Up to two lines above the block that look like its (column-spanning) header."""
    left = min(s.x0 for row in segs[k:end] for s in row)
    right = max(s.x1 for row in segs[k:end] for s in row)
    start = k
    while start > 0 and k - start < 2:
        prev, row = lines[start - 1], segs[start - 1]
        size = median(c.size for c in prev)
        inside = row[0].x0 >= left - size and row[-1].x1 <= right + size
        if len(row) < 2 or not inside or not _close(prev, lines[start], size):
            break
        start -= 1
    return start


def _text_region(lines: list[list[Char]], header: int) -> StreamRegion:
    chars = [c for line in lines for c in line]
    top, bottom = min(c.top for c in chars) - 1.0, max(c.bottom for c in chars) + 1.0
    left, right = min(c.x0 for c in chars) - 1.0, max(c.x1 for c in chars) + 1.0
    return StreamRegion(left=left, right=right, rules=[top, bottom], header_lines=header, ruled=False)


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
    if not _table_like(cells):
        log.debug("page %d: region %s is not tabular", page, region.bbox)
        return None
    xs, ys = layout.xs, layout.ys
    return Grid(page=page, bbox=(xs[0], ys[0], xs[-1], ys[-1]), n_rows=len(ys) - 1, n_cols=len(xs) - 1,
                cells=cells, col_edges=list(xs), method=method,
                confidence=min((c.confidence for c in cells), default=confidence), pages=[page])


def layout_to_cells(layout: Layout, page: int, confidence: float) -> list[Cell]:
    """One Cell per merged text cell (overlapping claims merge) plus empty cells for free slots."""
    n_cols = len(layout.xs) - 1
    n_rows = len(layout.ys) - 1
    owner = list(range(n_rows * n_cols))
    chars: dict[int, list[Char]] = {}
    for cell in layout.cells:
        slots = [r * n_cols + c for r in range(cell.row, min(cell.row + cell.rowspan, n_rows))
                 for c in range(cell.c0, cell.c1 + 1)]
        for s in slots[1:]:
            _union(owner, slots[0], s)
        chars.setdefault(slots[0], []).extend(cell.chars)
    groups = _rectangles(owner, n_rows, n_cols)
    text_of: dict[int, list[Char]] = {}
    for slot, cs in chars.items():
        text_of.setdefault(_find(owner, slot), []).extend(cs)
    return sorted((_cell(layout, members, text_of.get(root, []), n_cols, page, confidence)
                   for root, members in groups.items()), key=lambda c: (c.row, c.col))


def _rectangles(owner: list[int], n_rows: int, n_cols: int) -> dict[int, list[int]]:
    """Union slot groups until each one fills its bounding rectangle."""
    while True:
        groups: dict[int, list[int]] = {}
        for k in range(n_rows * n_cols):
            groups.setdefault(_find(owner, k), []).append(k)
        changed = False
        for root, members in groups.items():
            rows = [m // n_cols for m in members]
            cols = [m % n_cols for m in members]
            box = [r * n_cols + c for r in range(min(rows), max(rows) + 1) for c in range(min(cols), max(cols) + 1)]
            if len(box) != len(members):
                for s in box:
                    _union(owner, root, s)
                changed = True
        if not changed:
            return groups


def _cell(layout: Layout, members: list[int], chars: list[Char], n_cols: int, page: int,
          confidence: float) -> Cell:
    rows = [m // n_cols for m in members]
    cols = [m % n_cols for m in members]
    r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
    bbox = (layout.xs[c0], layout.ys[r0], layout.xs[c1 + 1], layout.ys[r1 + 1])
    conf = min([confidence] + [c.confidence for c in chars])
    return Cell(row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1,
                text=cell_text(chars, bbox) if chars else "", bbox=bbox, page=page, confidence=conf)


def _table_like(cells: list[Cell]) -> bool:
    """Most rows with text hold at least two cells of text."""
    filled: dict[int, int] = {}
    for cell in cells:
        if cell.text:
            filled[cell.row] = filled.get(cell.row, 0) + 1
    return len(filled) >= 2 and sum(1 for n in filled.values() if n >= 2) * 2 >= len(filled)


def _find(parent: list[int], k: int) -> int:
    while parent[k] != k:
        parent[k] = parent[parent[k]]
        k = parent[k]
    return k


def _union(parent: list[int], a: int, b: int) -> None:
    parent[_find(parent, a)] = _find(parent, b)


def _holds(box: BBox, ch: Char) -> bool:
    return box[0] <= ch.cx <= box[2] and box[1] <= ch.cy <= box[3]


def _overlaps_any(box: BBox, boxes: list[BBox]) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)

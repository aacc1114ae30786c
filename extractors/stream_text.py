"""Tables drawn without any rules, found from the alignment of their text alone.

:func:`aligned_text_regions` keeps a block only when at least three text
lines, each of four or more segments, share at least three column gaps, the
block growing while each next line leaves every gap open (a paragraph line
closes them). Up to two lines just above, inside the block's width and of
two or more segments, are its header. Conservative by design: prose, lists
and tables of contents never qualify.
"""

from __future__ import annotations

from statistics import median

from extractors.ir import Char
from extractors.stream_cells import Segment, StreamRegion, split_line
from extractors.textlines import group_rows

DETECT_GAP = 1.0  # column gaps at least this many font sizes wide
MAX_LINE_GAP = 2.5  # lines at most this many sizes apart
MIN_ALIGNED_LINES = 3
MIN_ALIGNED_GAPS = 3


def aligned_text_regions(chars: list[Char]) -> list[StreamRegion]:
    """Blocks of ≥ 3 lines of ≥ 4 text segments sharing ≥ 3 column gaps (plus header lines above)."""
    lines = group_rows(chars)
    if sum(1 for line in lines if _wide_gaps(line) >= MIN_ALIGNED_GAPS) < MIN_ALIGNED_LINES:
        return []  # the common case, decided cheaply
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


def _wide_gaps(line: list[Char]) -> int:
    """Gaps wider than ``DETECT_GAP`` sizes between neighbours (at least the segment splits)."""
    return sum(1 for a, b in zip(line, line[1:]) if b.x0 - a.x1 > DETECT_GAP * max(b.size, 1.0))


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

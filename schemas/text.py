"""Text normalisation: the one rule for whitespace and character folding.

The ground truth stores text "as printed with line-wrap whitespace
removed". Derived from the seed text dumps against the ground-truth JSONs:

* **Whitespace** (spaces, tabs, newlines, U+3000, NBSP) is removed, except
  that a run of whitespace between two Latin "word" characters becomes one
  space. Precisely, a run is kept (as ``" "``) only when the character
  before it is an ASCII letter or digit or one of ``.,;:!?)]}%'"`` and the
  character after it is an ASCII letter or digit or one of ``([{'"``, and
  a digit does not follow a digit, ``.`` or ``,`` (a number broken by a
  wrap). So ``GIS 天眼`` → ``GIS天眼``, ``到 2020 年``
  → ``到2020年``, ``≥ 99.99%`` → ``≥99.99%``, ``90%—10 0%`` → ``90%—100%``
  (a number broken by a wrap), ``评价要点: ①`` → ``评价要点:①``, but
  ``Hello world`` stays ``Hello world``. Neighbours are classified after
  :func:`fold`, so ``Ａ`` counts as a Latin letter; Chinese brackets,
  quotes and commas (``（``, ``，``), ``①`` and ``¹`` do not.
* **Characters** are kept as printed (Chinese full-width brackets, commas,
  colons, quotes, circled numbers ①, superscripts ¹) except that
  :func:`normalize` folds full-width letters, digits and operator
  punctuation (``＞`` → ``>``, ``％`` → ``%``, ``１`` → ``1``, ``＋`` →
  ``+``), Kangxi radicals and CJK compatibility ideographs (mis-mapped
  glyphs of some PDF fonts) to their NFKC form, and drops zero-width
  characters. :func:`clean` applies only the whitespace rule and so
  reproduces the ground-truth text exactly (e.g. ``＞90%`` stays); the two
  agree under NFKC comparison.
* Paragraph breaks are not line wraps: callers join wrapped lines of one
  paragraph with :func:`join_lines` and paragraphs with
  :func:`join_paragraphs` (``\\n``), as the ground truth does.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_LEFT_KEEP = frozenset(".,;:!?)]}%'\"")
_RIGHT_KEEP = frozenset("([{'\"")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_ZERO_WIDTH_TABLE = {ord(ch): None for ch in _ZERO_WIDTH}
# Full-width forms printed as Chinese punctuation: kept as printed.
_KEEP_WIDE = frozenset("（）［］｛｝，：；！？＂＇")
_WS_RUN = re.compile(r"\s+")

# (first, last) code points whose NFKC form replaces them in normalize().
_FOLD_RANGES = (
    (0xFF01, 0xFF5E),  # full-width ASCII (minus _KEEP_WIDE)
    (0x2E80, 0x2EFF),  # CJK radicals supplement
    (0x2F00, 0x2FDF),  # Kangxi radicals
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
)

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # kana
    (0x3100, 0x31BF),  # bopomofo
    (0x31C0, 0x31EF),  # strokes
    (0x3200, 0x33FF),  # enclosed CJK, compatibility
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xAC00, 0xD7AF),  # hangul
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
    (0x20000, 0x3FFFF),  # extensions B..
)


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph, CJK punctuation/symbol or full-width form."""
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _keeps_space(left: str, right: str) -> bool:
    """Whether a whitespace run between ``left`` and ``right`` is kept."""
    lnf = _fold_char(left)[-1:]
    rnf = _fold_char(right)[:1]
    if rnf.isdigit() and (lnf.isdigit() or lnf in ".,"):
        return False
    left_ok = _is_ascii_alnum(lnf) or lnf in _LEFT_KEEP
    right_ok = _is_ascii_alnum(rnf) or rnf in _RIGHT_KEEP
    return left_ok and right_ok


def _squeeze(s: str) -> str:
    """Apply the whitespace rule to ``s`` (already free of zero-width chars)."""
    s = s.strip()
    parts: list[str] = []
    pos = 0
    for m in _WS_RUN.finditer(s):
        parts.append(s[pos:m.start()])
        if _keeps_space(s[m.start() - 1], s[m.end()]):
            parts.append(" ")
        pos = m.end()
    parts.append(s[pos:])
    return "".join(parts)


def _drop_zero_width(s: str) -> str:
    return s.translate(_ZERO_WIDTH_TABLE)


def clean(s: str | None) -> str | None:
    """Remove line-wrap whitespace only; every other character as printed."""
    if s is None:
        return None
    return _squeeze(_drop_zero_width(s))


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if ch in _KEEP_WIDE:
        return ch
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _FOLD_RANGES) or ch.isspace():
        return unicodedata.normalize("NFKC", ch)
    return ch


def fold(s: str) -> str:
    """Fold full-width letters/digits/operators and radicals to NFKC."""
    s = _drop_zero_width(s)
    return s if s.isascii() and s.isprintable() else "".join(map(_fold_char, s))


def normalize(s: str | None) -> str | None:
    """Folded (:func:`fold`) text with line-wrap whitespace removed.

    ``None`` stays ``None``; whitespace-only text becomes ``""``. Newlines
    count as line wraps: keep paragraph breaks with :func:`join_paragraphs`.
    """
    if s is None:
        return None
    return _squeeze(fold(s))


def compact(s: str | None) -> str:
    """NFKC text without any whitespace: the form labels are matched in."""
    if not s:
        return ""
    return _compact(s)


@functools.lru_cache(maxsize=65536)
def _compact(s: str) -> str:
    text = unicodedata.normalize("NFKC", _drop_zero_width(s))
    return _WS_RUN.sub("", text)


def join_lines(lines: list[str]) -> str:
    """Join the wrapped lines of one paragraph or table cell.

    No separator between CJK text, one space between Latin words
    (``['GIS', '天眼']`` → ``GIS天眼``; ``['word', 'word']`` → ``word word``).
    Characters stay as printed (see :func:`clean`).
    """
    return _squeeze(_drop_zero_width("\n".join(lines)))


def join_paragraphs(paragraphs: list[str]) -> str:
    """Join paragraphs with ``\\n``, dropping empty ones."""
    kept = (p.strip() for p in paragraphs)
    return "\n".join(p for p in kept if p)


def normalize_paragraphs(s: str | None) -> str | None:
    """:func:`normalize` each ``\\n``-separated paragraph, keeping the breaks."""
    if s is None:
        return None
    paras = (normalize(p) or "" for p in s.split("\n"))
    return join_paragraphs(list(paras))

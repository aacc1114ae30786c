"""Check marks: which printed option a ☑ (or a Wingdings ``R``) selects.

Forms print choices as ``是☑ 部分实现□ 否□`` (mark after its option, as in
the seeds) or ``☑是 □否`` (mark before). Text extraction of a Wingdings
check box gives a Latin letter (``是R 否£``); such a letter counts as a mark
only when no other Latin letter touches it.
"""

from __future__ import annotations

import re

from schemas.text import normalize

CHECKED_MARKS = frozenset("☑✓✔√☒■▣✅⊠")
UNCHECKED_MARKS = frozenset("□☐▢口£¨")
# Check-box glyphs of the Wingdings fonts extracted as the letters they sit on:
# Wingdings 2 R = ☑, £ = ☐; Wingdings þ = ☑, ý = ☒, ¨ / o = ☐. Only a lone letter counts.
WINGDINGS_CHECKED = frozenset("Rþý")
WINGDINGS_UNCHECKED = frozenset("£¨o")


def _mark_kind(text: str, i: int) -> str | None:
    """``'x'`` checked, ``'o'`` unchecked, None for option text."""
    ch = text[i]
    if ch in CHECKED_MARKS:
        return "x"
    if ch in UNCHECKED_MARKS and (ch != "口" or _lone(text, i, cjk=True)):
        return "o"
    if ch in WINGDINGS_CHECKED and _lone(text, i):
        return "x"
    if ch in WINGDINGS_UNCHECKED and _lone(text, i):
        return "o"
    return None


def _lone(text: str, i: int, cjk: bool = False) -> bool:
    """No letter (or, with ``cjk``, no ideograph on both sides) next to ``text[i]``."""
    around = [text[j] for j in (i - 1, i + 1) if 0 <= j < len(text)]
    if cjk:
        return len(around) < 2 or not all("\u4e00" <= c <= "\u9fff" for c in around)
    return not any(c.isascii() and c.isalpha() for c in around)


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split into ('x'|'o', mark) and ('t', option text) tokens."""
    tokens: list[tuple[str, str]] = []
    for i, ch in enumerate(text):
        kind = _mark_kind(text, i) or "t"
        if kind == "t" and tokens and tokens[-1][0] == "t":
            tokens[-1] = ("t", tokens[-1][1] + ch)
        else:
            tokens.append((kind, ch))
    return [(k, v.strip(" \t\n:：")) for k, v in tokens if k != "t" or v.strip()]


def _option_text(text: str) -> str | None:
    option = re.split(r"[:：]", text)[-1]
    return normalize(option) or None


def checked_option(text: str) -> str | None:
    """The option a check mark selects: ``是☑ 部分实现□ 否□`` → ``是``.

    Marks follow their option when the text starts with option text (the
    seeds' layout) and precede it when the text starts with a mark
    (``☑是 □否``). None when nothing, or more than one option, is checked.
    """
    tokens = _tokens(text or "")
    if not tokens:
        return None
    marks_first = tokens[0][0] != "t"
    chosen: list[str] = []
    for i, (kind, _) in enumerate(tokens):
        j = i + 1 if marks_first else i - 1
        if kind == "x" and 0 <= j < len(tokens) and tokens[j][0] == "t":
            chosen.append(tokens[j][1])
    if len(chosen) != 1:
        return None
    return _option_text(chosen[0])

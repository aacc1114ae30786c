"""Parsing printed values: numbers, amounts, targets, dates, weights, marks.

Every parser first folds its input with NFKC (so ``＞９０％`` and ``>90%``
parse alike) and removes whitespace; none of them raises on bad text, they
return ``None`` (or an empty :class:`ParsedValue`) instead. Amounts are
exact :class:`~decimal.Decimal`; indicator values are floats, as the
record types want them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from schemas.marks import CHECKED_MARKS, UNCHECKED_MARKS, checked_option
from schemas.text import compact, normalize, normalize_paragraphs

__all__ = [
    "CHECKED_MARKS", "NUM", "UNCHECKED_MARKS", "UNIT",
    "ParsedValue", "amount_unit_exp", "checked_option", "parse_amount_wan", "parse_date",
    "parse_fact_value", "parse_number", "parse_target", "split_weight",
]

log = logging.getLogger(__name__)

NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# A unit after a number: symbols, Latin letters or up to five ideographs
# (``个``, ``次/秒``, ``人次``, ``个工作日``); never digits or punctuation.
UNIT = r"(?:%|‰|℃|°C|[A-Za-z²³]{1,6}(?:/[A-Za-z²³]{1,6})?|[\u4e00-\u9fff]{1,5}(?:/[\u4e00-\u9fff]{1,3})?)"
MULT = r"(?:万|亿)"
_QTY = re.compile(rf"({NUM})({MULT})?({UNIT})?")
_NULL_TOKENS = frozenset({"", "-", "--", "—", "——", "/", "无", "空", "N/A", "n/a"})
_MULT_EXP = {"万": 4, "亿": 8}
_LEADING_ZERO = re.compile(r"[+-]?0\d")  # 0762: an identifier, not a quantity
# Units naming a time or a state rather than a measure: not quantities.
_NOT_UNIT_PARTS = ("前", "后", "底", "末", "初", "内", "起", "止", "完", "以", "左右", "达", "及")

# Amount units → power of ten that turns them into 万元.
AMOUNT_UNIT_EXP: dict[str, int] = {
    "元": -4, "千元": -1, "万元": 0, "十万元": 1, "百万元": 2, "千万元": 3, "亿元": 4,
    "万": 0, "亿": 4,
}

PREFIX_OPS: tuple[tuple[str, str], ...] = (
    (">=", ">="), ("<=", "<="), ("大于等于", ">="), ("大于或等于", ">="),
    ("小于等于", "<="), ("小于或等于", "<="), ("不小于", ">="), ("不少于", ">="),
    ("不低于", ">="), ("不少", ">="), ("至少", ">="), ("最少", ">="), ("最低", ">="),
    ("不大于", "<="), ("不多于", "<="), ("不高于", "<="), ("不超过", "<="),
    ("至多", "<="), ("最多", "<="), ("最高", "<="),
    ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"),
    ("小于", "<"), ("低于", "<"), ("少于", "<"),
    (">", ">"), ("<", "<"), ("=", "="), ("≈", "≈"), ("约为", "≈"), ("大约", "≈"),
    ("约", "≈"),
)
# Prefixes that only count when a quantity follows (else ordinary words).
_QTY_ONLY_PREFIXES = frozenset({"约", "大约", "约为", "最低", "最高", "最少", "最多"})
SUFFIX_OPS: tuple[tuple[str, str], ...] = (
    ("及以上", ">="), ("以上", ">="), ("及以下", "<="), ("以下", "<="),
    ("以内", "<="), ("之内", "<="), ("左右", "≈"),
)
_RANGE_SEP = r"(?:[-~—–]{1,2}|至|到)"
_RANGE = re.compile(rf"({NUM})({MULT})?({UNIT})?{_RANGE_SEP}({NUM})({MULT})?({UNIT})?")
_BETWEEN = re.compile(
    rf"({NUM})({MULT})?({UNIT})?(<=|<|>=|>)[A-Za-z\u4e00-\u9fff]{{1,6}}(<=|<|>=|>)({NUM})({MULT})?({UNIT})?"
)
_PAREN_QTY = re.compile(rf"\(({NUM})({MULT})?({UNIT})?\)$")
_OP_MAP = (("≦", "<="), ("≤", "<="), ("⩽", "<="), ("≧", ">="), ("≥", ">="), ("⩾", ">="),
           ("=<", "<="), ("=>", ">="), ("−", "-"), ("〜", "~"), ("～", "~"))


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """A target or actual value: operator, value (low end), high end, unit."""

    op: str | None = None
    value: float | None = None
    high: float | None = None
    unit: str | None = None


_EMPTY = ParsedValue()


def _prep(s: str | None) -> str:
    """NFKC, no whitespace, operators spelled in ASCII."""
    if not s:
        return ""
    t = compact(s)
    for old, new in _OP_MAP:
        t = t.replace(old, new)
    return t


def _decimal(num: str) -> Decimal | None:
    try:
        return Decimal(num.replace(",", ""))
    except InvalidOperation:
        return None


def _shift(value: Decimal, exp: int) -> Decimal:
    """``value × 10^exp`` exactly, without exponent notation for integers."""
    return value * 10**exp if exp >= 0 else value / 10**-exp


def parse_number(s: str | None) -> Decimal | None:
    """A printed number (``1,265.41``, ``100%``) as an exact Decimal, else None."""
    t = _prep(s)
    if t in _NULL_TOKENS:
        return None
    m = re.fullmatch(rf"({NUM})[%‰]?", t)
    return _decimal(m.group(1)) if m else None


def amount_unit_exp(unit: str | None) -> int | None:
    """Power of ten from ``unit`` (``元``, ``万元``, ``单位：万元``) to 万元."""
    u = re.sub(r"[()\[\]]", "", compact(unit))
    for name in sorted(AMOUNT_UNIT_EXP, key=len, reverse=True):
        if u.endswith(name):
            return AMOUNT_UNIT_EXP[name]
    return None


def parse_amount_wan(s: str | None, unit: str | None = "万元") -> Decimal | None:
    """An amount in 万元, exact, whatever unit is printed in the cell or given.

    ``unit`` is the table's amount unit (``None`` means 万元); a unit written
    in the cell (``12000元``, ``340.8万元``) takes precedence.
    """
    t = _prep(s)
    m = re.fullmatch(rf"({NUM})(千万元|百万元|十万元|千元|万元|亿元|元|万|亿)?", t)
    if t in _NULL_TOKENS or not m:
        return None
    exp = amount_unit_exp(m.group(2) or unit or "万元")
    if exp is None:
        log.warning("unknown amount unit %r for %r", unit, s)
        return None
    value = _decimal(m.group(1))
    return _shift(value, exp) if value is not None else None


def _norm_unit(unit: str | None) -> str | None:
    """``次每秒`` / ``次/每秒`` → ``次/秒``; empty → None."""
    if not unit:
        return None
    return re.sub(r"^(.+?)/?每(.+)$", r"\1/\2", unit)


def _to_qty(num: str, mult: str | None, unit: str | None) -> tuple[Decimal, str | None] | None:
    """Number, multiplier and unit → (value, unit); None for a non-unit tail."""
    value = _decimal(num)
    if value is None or _LEADING_ZERO.match(num) or (unit and any(p in unit for p in _NOT_UNIT_PARTS)):
        return None
    if mult and unit and unit.startswith("元"):
        return value, mult + unit
    if mult:
        value = _shift(value, _MULT_EXP[mult])
    return value, _norm_unit(unit)


def _quantity(t: str) -> tuple[Decimal, str | None] | None:
    m = _QTY.fullmatch(t)
    return _to_qty(*m.groups()) if m else None


def _pv(op: str | None, low: Decimal | None, high: Decimal | None = None,
        unit: str | None = None) -> ParsedValue:
    return ParsedValue(op, None if low is None else float(low),
                       None if high is None else float(high), unit)


def _pair(g: tuple[str | None, ...]) -> tuple[tuple[Decimal, str | None], tuple[Decimal, str | None]] | None:
    """Both ends of a range; the high end's multiplier/unit apply to a bare low end."""
    n1, m1, u1, n2, m2, u2 = g
    bare = not m1 and not u1
    low = _to_qty(n1 or "", m2, u2) if bare else _to_qty(n1 or "", m1, u1)
    high = _to_qty(n2 or "", m2, u2)
    if low is None or high is None:
        return None
    if low[1] and high[1] and low[1] != high[1]:
        return None
    return low, high


def _range_value(pair: tuple[tuple[Decimal, str | None], tuple[Decimal, str | None]]) -> ParsedValue:
    (lo, lu), (hi, hu) = pair
    lo, hi = min(lo, hi), max(lo, hi)
    return _pv("range", lo, hi, hu or lu)


def _parse_between(t: str) -> ParsedValue | None:
    """``90%≤n≤100%`` (or ``100%≥n≥90%``) → range."""
    m = _BETWEEN.fullmatch(t)
    if not m or m.group(4)[0] != m.group(5)[0]:
        return None
    pair = _pair(m.group(1, 2, 3, 6, 7, 8))
    return _range_value(pair) if pair else None


def _parse_range(t: str) -> ParsedValue | None:
    """``90%-100%``, ``5~10天``, ``3至5人`` → range."""
    m = _RANGE.fullmatch(t)
    pair = _pair(m.groups()) if m else None
    return _range_value(pair) if pair else None


def _strip_suffix_op(rest: str) -> str:
    for suffix, _ in SUFFIX_OPS:
        if rest.endswith(suffix):
            return rest[: -len(suffix)]
    return rest


def _parse_prefixed(t: str) -> ParsedValue | None:
    """``≥99.99%``, ``不少于50次每秒``, ``≤财政预算拨款``, ``≦本年度预算（948万元）``."""
    for word, op in PREFIX_OPS:
        if not t.startswith(word):
            continue
        rest = _strip_suffix_op(t[len(word):])
        qty = _quantity(rest)
        if qty is None and (m := _PAREN_QTY.search(rest)) and not rest[:1].isdigit():
            qty = _to_qty(*m.groups())
        if qty is not None:
            return _pv(op, qty[0], None, qty[1])
        if word in _QTY_ONLY_PREFIXES or not rest or rest[:1].isdigit():
            return None
        return ParsedValue(op)
    return None


def _parse_suffixed(t: str) -> ParsedValue | None:
    """``90%以上`` → >=, ``3秒以内`` → <=, ``20人左右`` → ≈."""
    for suffix, op in SUFFIX_OPS:
        if t.endswith(suffix) and (qty := _quantity(t[: -len(suffix)])):
            return _pv(op, qty[0], None, qty[1])
    return None


def _parse_plain(t: str) -> ParsedValue | None:
    qty = _quantity(t)
    return _pv("=", qty[0], None, qty[1]) if qty else None


_TARGET_PARSERS = (_parse_between, _parse_range, _parse_prefixed, _parse_suffixed, _parse_plain)


def parse_target(s: str | None) -> ParsedValue:
    """Operator, value, high end and unit of a target/actual text (SCHEMA.md).

    Qualitative text (``较好``, ``2021年12月前``, ``开展区级培训2次``) gives an
    empty :class:`ParsedValue`; an operator before words (``≤财政预算拨款``)
    gives the operator alone.
    """
    t = _prep(s).rstrip("。.;,、")
    if t in _NULL_TOKENS:
        return _EMPTY
    for parser in _TARGET_PARSERS:
        result = parser(t)
        if result is not None:
            return result
    return _EMPTY


_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}


def _cn_small(s: str) -> str:
    """Chinese numerals up to 99 (``二十五`` → ``25``); ``""`` if malformed."""
    if "十" in s:
        tens, _, units = s.partition("十")
        n = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10
        n += _CN_DIGITS.get(units, -100) if units else 0
        return str(n) if n >= 0 else ""
    return str(_CN_DIGITS[s]) if s in _CN_DIGITS else ""


def _cn_date(t: str) -> str:
    """``二〇二〇年九月二十五日`` → ``2020年9月25日`` (other text unchanged)."""
    m = re.fullmatch(r"([〇零○O一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})[日号]", t)
    if not m:
        return t
    year = "".join(str(_CN_DIGITS[c]) for c in m.group(1))
    return f"{year}年{_cn_small(m.group(2))}月{_cn_small(m.group(3))}日"


_DATE_PATTERNS = (
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(s: str | None) -> str | None:
    """A complete date as ISO ``YYYY-MM-DD`` (``2020年9月25日``, ``2020/8/20``)."""
    t = _cn_date(_prep(s).rstrip("。."))
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(t)
        if m:
            year, month, day = (int(g) for g in m.groups() if g.isdigit())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return None
    return None


_WEIGHT = re.compile(
    rf"(.*?)[(（](?:分值|权重|满分|标准分|权重分)?[:：]?({NUM})(?:分|%)?(?:[,，;；、].*)?[)）]"
)


def split_weight(label: str) -> tuple[str, float | None]:
    """``绩效目标 (20)`` → (``绩效目标``, 20.0); ``项目论证 (1分)`` → (``项目论证``, 1.0).

    Also ``数量指标(分值10分,得分7分)`` → (``数量指标``, 10.0). The label is
    :func:`~schemas.text.normalize`-d (brackets inside it stay as printed).
    """
    text = normalize(label) or ""
    m = _WEIGHT.fullmatch(text)
    if not m:
        return text, None
    weight = _decimal(m.group(2))
    return m.group(1), None if weight is None else float(weight)


# Fact keys whose digits are identifiers, not quantities.
IDENTIFIER_KEYS = ("电话", "手机", "传真", "邮编", "邮政编码", "邮箱", "编号", "编码", "代码",
                   "文号", "账号", "帐号", "号码", "身份证", "联系人", "联系方式")
_FACT_QTY = re.compile(rf"({NUM})(万元|亿元|{UNIT})?")


def parse_fact_value(value: str, key: str | None = None,
                     unit: str | None = None) -> tuple[str, Decimal | None, str | None]:
    """(value text, value_num, unit) of a facts row.

    The text is :func:`~schemas.text.normalize`-d per paragraph and a
    complete date becomes ISO. A value that is a number with an optional
    printed unit (``2020年``, ``99.31%``, ``1,265.41万元``) gets value_num and
    that unit; ``unit`` is the unit implied by context (the table's amount
    unit for an amount) for a bare number. Identifiers (keys naming a phone,
    post code, document number...; numbers with a leading zero) and text get
    no number.
    """
    text = normalize_paragraphs(value) or ""
    iso = parse_date(text)
    if iso:
        return iso, None, None
    if key and any(word in compact(key) for word in IDENTIFIER_KEYS):
        return text, None, None
    m = _FACT_QTY.fullmatch(_prep(text))
    if not m or _LEADING_ZERO.match(m.group(1)):
        return text, None, None
    printed = m.group(2)
    if printed and any(p in printed for p in _NOT_UNIT_PARTS):
        return text, None, None
    return text, _decimal(m.group(1)), _norm_unit(printed) or unit

"""Read-only SQL for ``jixiao query``, and formatting of result cells.

A statement is refused unless it is one SELECT / WITH / EXPLAIN / read-only
PRAGMA statement without data-changing keywords (checked on the SQL with
string literals, quoted names and comments blanked out). The database
enforces it as well: SQLite runs the query with ``PRAGMA query_only=ON``,
PostgreSQL inside ``SET TRANSACTION READ ONLY``.

The cell helpers (display width of CJK text, CSV-safe text) are shared with
:mod:`pipeline.export`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import Connection, Engine

from schemas.db import decimal_text

log = logging.getLogger(__name__)

REFUSED = "only read-only SELECT queries are allowed; refused: "
FIRST_WORDS = {"SELECT", "WITH", "EXPLAIN", "PRAGMA"}
WRITE_WORDS = {
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "DROP", "CREATE", "ALTER",
    "ATTACH", "DETACH", "INTO", "EXECUTE", "TRUNCATE", "GRANT", "REVOKE", "COPY",
    "VACUUM", "REINDEX",
}
READ_PRAGMAS_WITH_ARG = {
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
}
ACTING_PRAGMAS = {"optimize", "wal_checkpoint", "incremental_vacuum", "shrink_memory"}

_QUOTED = re.compile(
    r"""'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?"""
    r"|--[^\n]*|/\*.*?(?:\*/|\Z)|\$(\w*)\$.*?(?:\$\1\$|\Z)",
    re.S,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PRAGMA = re.compile(r"PRAGMA\s+(?:\w+\s*\.\s*)?(\w+)\s*([(=])?", re.I)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


class QueryError(Exception):
    """A query the database could not run."""


class QueryRefused(QueryError):
    """A query that is not read-only."""


# --------------------------------------------------------------------------
# Checking


def skeleton(sql: str) -> str:
    """``sql`` with string literals, quoted names and comments blanked out."""
    return _QUOTED.sub(lambda m: " " if m.group(0).startswith(("-", "/")) else " _ ", sql)


def check_read_only(sql: str) -> None:
    """Raise QueryRefused unless ``sql`` is one read-only statement."""
    statements = [s for s in skeleton(sql).split(";") if s.strip()]
    if not statements:
        raise QueryRefused(REFUSED + "empty query")
    if len(statements) > 1:
        raise QueryRefused(REFUSED + "more than one statement")
    words = [w.upper() for w in _WORD.findall(statements[0])]
    if not words or words[0] not in FIRST_WORDS:
        raise QueryRefused(REFUSED + (words[0] if words else statements[0].strip()[:20]))
    if words[0] == "PRAGMA":
        _check_pragma(statements[0])
    for word in words[1:]:
        if word in WRITE_WORDS:
            raise QueryRefused(REFUSED + word)


def _check_pragma(statement: str) -> None:
    match = _PRAGMA.search(statement)
    if match is None:
        raise QueryRefused(REFUSED + "PRAGMA without a name")
    name, arg = match.group(1).lower(), match.group(2)
    if arg == "=" or name in ACTING_PRAGMAS:
        raise QueryRefused(REFUSED + f"PRAGMA {name} (changes settings)")
    if arg == "(" and name not in READ_PRAGMAS_WITH_ARG:
        raise QueryRefused(REFUSED + f"PRAGMA {name}(...) (changes settings)")


# --------------------------------------------------------------------------
# Running


def run_query(engine: Engine, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; returns column names and rows."""
    check_read_only(sql)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA query_only=ON" if sqlite else "SET TRANSACTION READ ONLY")
        try:
            return _fetch(conn.connection.dbapi_connection, sql, engine.dialect.loaded_dbapi)
        finally:
            conn.rollback()
            if sqlite:
                _writable_again(conn)


def _writable_again(conn: Connection) -> None:
    """Turn query_only off before the connection goes back to the pool (or drop it)."""
    try:
        conn.exec_driver_sql("PRAGMA query_only=OFF")
        conn.commit()
    except Exception:
        conn.invalidate()
        raise


def _fetch(dbapi_conn: Any, sql: str, dbapi: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(sql)
        if cursor.description is None:
            return [], []
        columns = [str(d[0]) for d in cursor.description]
        return columns, [tuple(row) for row in cursor.fetchall()]
    except dbapi.Error as exc:
        message = str(exc).strip()
        if re.search(r"read-?only|query_only", message, re.I):
            raise QueryRefused(REFUSED + message) from exc
        raise QueryError(message) from exc
    finally:
        cursor.close()


# --------------------------------------------------------------------------
# Cells and output


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide/full-width (CJK) characters count 2."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def cell_text(value: Any) -> str:
    """A value as plain text: '' for NULL, exact decimals, no '.0' on whole floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) \
            else value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (OWASP CSV injection).

    Plain numbers (``-12.5``, ``+3``, ``-1,234.5``, ``-5%``) are left alone.
    """
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An aligned text table; CJK characters take two columns; numbers align right."""
    texts = [[cell_text(v).replace("\r", "").replace("\n", "\\n") for v in row] for row in rows]
    widths = [display_width(c) for c in columns]
    for row in texts:
        widths = [max(w, display_width(t)) for w, t in zip(widths, row)]
    right = [any(_is_number(row[i]) for row in rows) for i in range(len(columns))]
    lines = [" | ".join(_pad(c, w, False) for c, w in zip(columns, widths))]
    lines.append("-+-".join("-" * w for w in widths))
    for row in texts:
        lines.append(" | ".join(_pad(t, w, r) for t, w, r in zip(row, widths, right)))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def format_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, safe: bool = True) -> str:
    """CSV text (``\\n`` line ends); with ``safe``, formula-like text is neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v, safe=safe) for v in row])
    return out.getvalue()


def csv_cell(value: Any, *, safe: bool = True) -> str:
    """One CSV field: :func:`cell_text`, neutralised if it is text."""
    text = cell_text(value)
    return neutralise(text) if safe and isinstance(value, str) else text

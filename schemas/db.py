"""Database tables of the data contract (docs/schema.md), SQLAlchemy 2 models.

Portable between SQLite (the default) and PostgreSQL: no dialect-specific
SQL in the models. Money is exact: ``funds.amount_wan`` holds the exact
decimal as text (source of truth) and ``funds.amount_e6`` the same amount as
an integer count of 0.000001 万元 (= 1 分), which sums exactly in SQL.
``facts.value_num`` is likewise exact text, with ``facts.value_real`` as a
float copy for comparisons and ordering.
"""

from __future__ import annotations

import hashlib

import logging
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

DEFAULT_DB_URL = "sqlite:///data/out/jixiao.db"
AMOUNT_SCALE = 6  # amount_e6 = amount_wan * 10**6 (1 unit = 1 分)

# SQL views, created (dropped and re-created, in this order) by create_schema.
# Each entry is one portable ``CREATE VIEW name AS SELECT ...`` statement.
VIEW_DDL: list[str] = []

_VIEW_NAME = re.compile(r"^\s*CREATE\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w\"]+)", re.I)


# --------------------------------------------------------------------------
# Exact decimals


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """``value`` as a finite Decimal; floats go through their shortest repr."""
    if isinstance(value, float):
        value = repr(value)
    try:
        dec = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc
    if not dec.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return dec


def decimal_text(value: Decimal | int | float | str) -> str:
    """Canonical exact text of a number: no exponent, no trailing zeros.

    ``Decimal('2868.57390')`` → ``'2868.5739'``, ``Decimal('1E+3')`` → ``'1000'``.
    """
    text = format(to_decimal(value).normalize(), "f")
    return "0" if text == "-0" else text


def to_e6(value: Decimal | int | float | str) -> int | None:
    """The amount in 0.000001 units, or None when that would not be exact."""
    scaled = to_decimal(value).scaleb(AMOUNT_SCALE)
    if scaled != scaled.to_integral_value():
        log.warning("amount %s has more than %d decimals; amount_e6 left empty",
                    value, AMOUNT_SCALE)
        return None
    return int(scaled)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal stored as canonical text; reads back as Decimal."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else decimal_text(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


# --------------------------------------------------------------------------
# Models


class Base(DeclarativeBase):
    type_annotation_map = {str: Text, float: Float, int: Integer, datetime: DateTime(timezone=True)}

    # ids are never reused on SQLite either (deleted documents, replaced reports)
    __table_args__: Any = {"sqlite_autoincrement": True}


def _report_fk(nullable: bool = False) -> Mapped[int]:
    return mapped_column(
        ForeignKey("reports.report_id", ondelete="CASCADE"),
        index=True, nullable=nullable, sort_order=-2,
    )


def _project_fk() -> Mapped[int | None]:
    return mapped_column(
        ForeignKey("projects.project_id", ondelete="SET NULL"), index=True, sort_order=-1
    )


class LocatedMixin:
    """Where a value was read: report, 1-based page, box ``x0,y0,x1,y1``, OCR confidence."""

    @declared_attr
    def report_id(cls) -> Mapped[int]:
        return _report_fk()

    page: Mapped[int | None] = mapped_column(sort_order=1)
    bbox: Mapped[str | None] = mapped_column(sort_order=1)
    confidence: Mapped[float] = mapped_column(default=1.0, sort_order=1)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("status IN ('ok', 'partial', 'failed')", name="ck_documents_status"),
        CheckConstraint("kind IN ('digital', 'scanned', 'mixed')", name="ck_documents_kind"),
        Base.__table_args__,
    )

    document_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    file_name: Mapped[str]
    path: Mapped[str | None]
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    pages: Mapped[int | None]
    kind: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="ok")
    error: Mapped[str | None]
    error_code: Mapped[str | None]
    ingested_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(timezone.utc))
    pipeline_version: Mapped[str | None]
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    seconds: Mapped[float | None]


class Report(Base):
    __tablename__ = "reports"

    report_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.document_id", ondelete="CASCADE"), index=True
    )
    report_type: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str | None]
    region: Mapped[str | None]
    fiscal_year: Mapped[int | None]
    department: Mapped[str | None]
    unit: Mapped[str | None]
    project_name: Mapped[str | None]
    amount_unit: Mapped[str | None]
    total_score: Mapped[float | None]
    grade: Mapped[str | None]
    page_start: Mapped[int | None]
    page_end: Mapped[int | None]
    text: Mapped[str | None]


class ReportText(Base):
    """Full text of a report, one row per page (for full-text search)."""

    __tablename__ = "report_text"

    text_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    report_id: Mapped[int] = _report_fk()
    page: Mapped[int | None]
    text: Mapped[str]


class TableParsed(Base):
    """Which method produced each table of a report, and how well."""

    __tablename__ = "tables_parsed"

    table_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    report_id: Mapped[int] = _report_fk()
    page: Mapped[int | None]
    method: Mapped[str | None]
    n_rows: Mapped[int | None]
    n_cols: Mapped[int | None]
    bbox: Mapped[str | None]
    confidence: Mapped[float | None]


class Project(LocatedMixin, Base):
    __tablename__ = "projects"

    project_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    name: Mapped[str]
    unit: Mapped[str | None]
    content: Mapped[str | None]
    goal: Mapped[str | None]


class Fund(LocatedMixin, Base):
    __tablename__ = "funds"

    fund_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    project_id: Mapped[int | None] = _project_fk()
    measure: Mapped[str]
    source: Mapped[str | None]
    category: Mapped[str | None]
    level: Mapped[str | None]
    amount_wan: Mapped[Decimal | None] = mapped_column(DecimalText)
    amount_e6: Mapped[int | None] = mapped_column(BigInteger)
    raw: Mapped[str | None]


class Indicator(LocatedMixin, Base):
    __tablename__ = "indicators"

    indicator_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    project_id: Mapped[int | None] = _project_fk()
    level1: Mapped[str | None]
    level2: Mapped[str | None]
    name: Mapped[str]
    target: Mapped[str | None]
    target_op: Mapped[str | None] = mapped_column(String(8))
    target_value: Mapped[float | None]
    target_high: Mapped[float | None]
    target_unit: Mapped[str | None]
    actual: Mapped[str | None]
    actual_value: Mapped[float | None]
    actual_unit: Mapped[str | None]
    period: Mapped[str | None]
    deviation: Mapped[str | None]
    weight: Mapped[float | None]
    score: Mapped[float | None]


class Score(LocatedMixin, Base):
    __tablename__ = "scores"

    score_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    project_id: Mapped[int | None] = _project_fk()
    level1: Mapped[str | None]
    level1_weight: Mapped[float | None]
    level2: Mapped[str | None]
    level2_weight: Mapped[float | None]
    name: Mapped[str]
    weight: Mapped[float | None]
    score: Mapped[float | None]
    target: Mapped[str | None]
    actual: Mapped[str | None]
    criteria: Mapped[str | None]
    note: Mapped[str | None]


class Finding(LocatedMixin, Base):
    __tablename__ = "findings"

    finding_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    project_id: Mapped[int | None] = _project_fk()
    seq: Mapped[int | None]
    problem: Mapped[str | None]
    measure: Mapped[str | None]


class Fact(LocatedMixin, Base):
    __tablename__ = "facts"

    fact_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    project_id: Mapped[int | None] = _project_fk()
    key: Mapped[str]
    value: Mapped[str | None]
    value_num: Mapped[Decimal | None] = mapped_column(DecimalText)
    value_real: Mapped[float | None]
    unit: Mapped[str | None]


class Check(Base):
    """Consistency findings of ``jixiao check``."""

    __tablename__ = "checks"
    __table_args__ = (
        CheckConstraint("severity IN ('error', 'warning')", name="ck_checks_severity"),
        Base.__table_args__,
    )

    check_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    report_id: Mapped[int | None] = _report_fk(nullable=True)
    project_id: Mapped[int | None] = _project_fk()
    rule: Mapped[str]
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None]
    expected: Mapped[str | None]
    actual: Mapped[str | None]
    page: Mapped[int | None]


# Tables whose rows belong to one report, in insertion order (export order too).
REPORT_TABLES: tuple[type[Base], ...] = (
    Report, ReportText, TableParsed, Project, Fund, Indicator, Score, Finding, Fact, Check,
)
ALL_TABLES: tuple[type[Base], ...] = (Document, *REPORT_TABLES)


# --------------------------------------------------------------------------
# Engine and schema


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; far fewer fsyncs
    finally:
        cursor.close()


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str = DEFAULT_DB_URL) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a 30 s busy timeout."""
    if not make_url(url).get_backend_name() == "sqlite":
        return create_engine(url, pool_pre_ping=True)
    db_file = _sqlite_file(url)
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def view_name(ddl: str) -> str:
    """The view name of a ``CREATE VIEW name AS ...`` statement."""
    match = _VIEW_NAME.match(ddl)
    if match is None:
        raise ValueError(f"not a CREATE VIEW statement: {ddl[:60]!r}")
    return match.group(1)


def _create_views(conn: Any, views: list[str]) -> None:
    """(Re)create the views whose definition changed; views already defined so are left alone."""
    current = _view_definitions(conn)
    if all(current.get(view_name(ddl)) == _view_key(ddl) for ddl in views):
        return
    cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
    for ddl in reversed(views):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {view_name(ddl)}{cascade}")
    for ddl in views:
        conn.exec_driver_sql(ddl)
        _remember_view(conn, ddl)


def _view_key(ddl: str) -> str:
    return hashlib.sha256(" ".join(ddl.split()).encode()).hexdigest()[:16]


def _lock_schema(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
    else:  # take SQLite's write lock now: DDL would otherwise run outside the transaction
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS schema_views (name TEXT PRIMARY KEY, key TEXT)")
        conn.exec_driver_sql("UPDATE schema_views SET key = key WHERE 0")


def _view_definitions(conn: Any) -> dict[str, str]:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS schema_views (name TEXT PRIMARY KEY, key TEXT)")
        names = {r[0] for r in conn.exec_driver_sql("SELECT viewname FROM pg_views WHERE schemaname = current_schema()")}
    else:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'view'")}
    keys = dict(conn.exec_driver_sql("SELECT name, key FROM schema_views").all())
    return {name: key for name, key in keys.items() if name in names}


def _remember_view(conn: Any, ddl: str) -> None:
    name = view_name(ddl)
    conn.exec_driver_sql("DELETE FROM schema_views WHERE name = %s" if conn.dialect.name == "postgresql"
                         else "DELETE FROM schema_views WHERE name = ?", (name,))
    conn.exec_driver_sql("INSERT INTO schema_views (name, key) VALUES (%s, %s)" if conn.dialect.name == "postgresql"
                         else "INSERT INTO schema_views (name, key) VALUES (?, ?)", (name, _view_key(ddl)))


def create_schema(engine: Engine, views: list[str] | None = None) -> None:
    """Create every table and view that is missing or changed (idempotent).

    Every process calls this on start (ingest workers too), so the work is
    serialised: a PostgreSQL advisory lock, or SQLite's write lock taken
    before any DDL (which pysqlite would otherwise run outside a transaction).
    """
    with engine.begin() as conn:
        _lock_schema(conn)
        Base.metadata.create_all(conn)
        _create_views(conn, VIEW_DDL if views is None else views)
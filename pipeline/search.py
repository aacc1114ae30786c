"""Chinese full-text search over report text and records (``jixiao search``).

Text is normalised (line-wrap whitespace removed), segmented by jieba in
search mode with the domain dictionary ``schemas/dictionary.txt`` (so both
``视频监控系统`` and its parts ``视频``, ``监控`` are indexed) and stored
as space-separated words in ``search_index``:

* SQLite: an FTS5 virtual table, ranked by ``bm25``; the row id is
  ``report_id << 20 | n`` so one report's rows are replaced by a range.
* PostgreSQL: a table with a generated ``tsvector`` ('simple' config over
  the same words), a GIN index, ranked by ``ts_rank``.

Rows of deleted reports (a document replaced with ``--force``) are never
returned: hits are joined with ``reports``.

A query is segmented the same way and reduced to its finest words (a word
whose characters its own sub-words cover is replaced by them), all of which
must occur. The snippet is cut from the normalised original text with the
hits marked 【…】 (the indexed column repeats sub-words and would read badly).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import Connection, Engine, select, text

from schemas.db import Fact, Finding, Indicator, Project, Report, ReportText, Score
from schemas.text import normalize

log = logging.getLogger(__name__)

DICTIONARY = Path(__file__).resolve().parents[1] / "schemas" / "dictionary.txt"
ROW_BITS = 20  # SQLite rowid = report_id << ROW_BITS | n
SNIPPET_BEFORE, SNIPPET_WIDTH = 16, 60
MARK_OPEN, MARK_CLOSE, ELLIPSIS = "【", "】", "…"

# (source table, id column, text columns) of the records indexed beside the page text.
RECORD_SOURCES: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (Report, "report_id", ("title", "department", "unit", "project_name")),
    (Project, "project_id", ("name", "unit", "content", "goal")),
    (Indicator, "indicator_id", ("level1", "level2", "name", "target", "actual", "deviation")),
    (Score, "score_id", ("level1", "level2", "name", "target", "actual", "criteria", "note")),
    (Finding, "finding_id", ("problem", "measure")),
    (Fact, "fact_id", ("key", "value")),
)

SQLITE_DDL = ("CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5("
              "body, content UNINDEXED, report_id UNINDEXED, page UNINDEXED, source UNINDEXED, "
              "record_id UNINDEXED, tokenize = 'unicode61')",)
POSTGRES_DDL = (
    "CREATE TABLE IF NOT EXISTS search_index (entry_id BIGSERIAL PRIMARY KEY, "
    "report_id INTEGER NOT NULL, page INTEGER, "
    "source TEXT, record_id INTEGER, body TEXT NOT NULL, content TEXT NOT NULL, "
    "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)",
    "CREATE INDEX IF NOT EXISTS ix_search_index_tsv ON search_index USING GIN (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_index_report ON search_index (report_id)",
)


@dataclass(slots=True, frozen=True)
class Hit:
    """One search result: where it is and the text around the hit."""

    file_name: str
    report_id: int
    page: int | None
    table: str
    snippet: str
    rank: float
    record_id: int | None = None


@dataclass(slots=True, frozen=True)
class Entry:
    """One indexed text: a report page or a record."""

    report_id: int
    page: int | None
    source: str
    record_id: int | None
    content: str


# --------------------------------------------------------------------------
# Segmentation


@functools.cache
def tokenizer() -> Any:
    """A jieba tokenizer with the domain dictionary loaded (built once per process)."""
    import jieba  # sets its logger to DEBUG on import: follow ours instead

    logging.getLogger("jieba").setLevel(max(logging.INFO, log.getEffectiveLevel()))
    tok = jieba.Tokenizer()
    tok.load_userdict(str(DICTIONARY))
    return tok


def _is_word(word: str) -> bool:
    return any(ch.isalnum() for ch in word)


class Segmenter:
    """jieba's search-mode words, remembered per block.

    jieba cuts a text into blocks of Han characters, letters and digits and
    segments each block on its own, so a block's words never depend on its
    neighbours. Report texts repeat their blocks (a record's fields are cells
    of its page), so remembering the words of the last ``capacity`` blocks
    gives the same words as segmenting every text afresh, about 3x faster.
    """

    def __init__(self, capacity: int = 1 << 16) -> None:
        import jieba

        self._tok = tokenizer()
        self._block = jieba.re_han_default
        self._words = functools.lru_cache(maxsize=capacity)(self._block_words)

    def _block_words(self, block: str) -> tuple[str, ...]:
        return tuple(w for w, _, _ in self._tok.tokenize(block, mode="search") if _is_word(w))

    def words(self, content: str) -> list[str]:
        """Search-mode words of ``content``: long words and their dictionary parts."""
        out: list[str] = []
        for block in self._block.split(content):
            if self._block.fullmatch(block):
                out.extend(self._words(block))
            else:  # jieba yields what lies between blocks one character at a time
                out.extend(ch for ch in block if _is_word(ch))
        return out


@functools.cache
def segmenter() -> Segmenter:
    """The process's segmenter (its tokenizer and block memory are built once)."""
    return Segmenter()


def segment(content: str) -> list[str]:
    """Search-mode words of ``content``: long words and their dictionary parts."""
    return segmenter().words(content)


def query_words(query: str) -> list[str]:
    """The finest words of a query: a word covered by its own sub-words gives way to them."""
    content = normalize(query) or ""
    spans = [(w, s, e) for w, s, e in tokenizer().tokenize(content, mode="search") if _is_word(w)]
    words: list[str] = []
    for word, start, end in spans:
        inner = [(s, e) for _, s, e in spans if start <= s and e <= end and (s, e) != (start, end)]
        covered = {i for s, e in inner for i in range(s, e)}
        if covered != set(range(start, end)) and word.lower() not in words:
            words.append(word.lower())
    return words


def index_text(content: str) -> str:
    """The indexed form of a text: its search-mode words separated by spaces."""
    return " ".join(segment(content))


# --------------------------------------------------------------------------
# Index


def ensure_index(engine: Engine) -> None:
    """Create ``search_index`` if it does not exist yet."""
    ddl = POSTGRES_DDL if engine.dialect.name == "postgresql" else SQLITE_DDL
    with engine.begin() as conn:
        for statement in ddl:
            conn.exec_driver_sql(statement)


def _join(values: Iterable[Any]) -> str:
    return "；".join(str(v) for v in values if v not in (None, ""))


def report_entries(conn: Connection, report_id: int) -> Iterator[Entry]:
    """Every text of one stored report: its pages, then its records."""
    pages = conn.execute(select(ReportText.page, ReportText.text_id, ReportText.text)
                         .where(ReportText.report_id == report_id).order_by(ReportText.text_id))
    for page, text_id, body in pages:
        yield Entry(report_id, page, "report_text", text_id, body)
    for model, id_column, columns in RECORD_SOURCES:
        page_col = model.page if hasattr(model, "page") else model.page_start
        query = select(getattr(model, id_column), page_col, *(getattr(model, c) for c in columns))
        for record_id, page, *values in conn.execute(query.where(model.report_id == report_id)):
            yield Entry(report_id, page, model.__tablename__, record_id, _join(values))


def _rows(entries: Iterable[Entry]) -> Iterator[dict[str, Any]]:
    for entry in entries:
        content = normalize(entry.content) or ""
        body = index_text(content)
        if body:
            yield {"report_id": entry.report_id, "page": entry.page, "source": entry.source,
                   "record_id": entry.record_id, "body": body, "content": content}


def index_reports(engine: Engine, report_ids: Iterable[int]) -> int:
    """(Re)index the given reports; returns the number of index rows written."""
    ensure_index(engine)
    written = 0
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for report_id in report_ids:
            rows = list(_rows(report_entries(conn, report_id)))
            _delete(conn, report_id, postgres)
            if rows:
                _insert(conn, report_id, rows, postgres)
            written += len(rows)
    return written


def _delete(conn: Connection, report_id: int, postgres: bool) -> None:
    if postgres:
        conn.execute(text("DELETE FROM search_index WHERE report_id = :r"), {"r": report_id})
    else:
        low = report_id << ROW_BITS
        conn.execute(text("DELETE FROM search_index WHERE rowid BETWEEN :a AND :b"),
                     {"a": low, "b": low + (1 << ROW_BITS) - 1})


def _insert(conn: Connection, report_id: int, rows: list[dict[str, Any]], postgres: bool) -> None:
    if postgres:
        conn.execute(text("INSERT INTO search_index (report_id, page, source, record_id, body, content) "
                          "VALUES (:report_id, :page, :source, :record_id, :body, :content)"), rows)
        return
    for n, row in enumerate(rows[: 1 << ROW_BITS]):
        row["rowid"] = (report_id << ROW_BITS) | n
    conn.execute(text("INSERT INTO search_index (rowid, report_id, page, source, record_id, body, content) "
                      "VALUES (:rowid, :report_id, :page, :source, :record_id, :body, :content)"), rows)


def index_document(engine: Engine, document_id: int | None) -> None:
    """Index the reports of one stored document; a failure is logged, never raised
    (the index is derived data: ``search`` indexes missing reports again)."""
    if document_id is None:
        return
    try:
        with engine.connect() as conn:
            ids = list(conn.scalars(select(Report.report_id).where(Report.document_id == document_id)))
        index_reports(engine, ids)
    except Exception:  # noqa: BLE001 - the stored records matter more than their index
        log.warning("search index not updated for document %s", document_id, exc_info=True)


def unindexed_reports(engine: Engine) -> list[int]:
    """Reports stored but not (yet) in the index."""
    indexed = ("SELECT DISTINCT report_id FROM search_index" if engine.dialect.name == "postgresql"
               else f"SELECT DISTINCT rowid >> {ROW_BITS} FROM search_index")
    with engine.connect() as conn:
        done = set(conn.exec_driver_sql(indexed).scalars())
        return [r for r in conn.scalars(select(Report.report_id).order_by(Report.report_id)) if r not in done]


# --------------------------------------------------------------------------
# Searching


def search(engine: Engine, words: str, limit: int = 20) -> list[Hit]:
    """Rows containing every word of ``words``, best first (indexes missing reports first)."""
    ensure_index(engine)
    missing = unindexed_reports(engine)
    if missing:
        log.info("indexing %d reports for search", len(missing))
        index_reports(engine, missing)
    terms = query_words(words)
    if not terms:
        return []
    postgres = engine.dialect.name == "postgresql"
    sql = _POSTGRES_QUERY if postgres else _SQLITE_QUERY
    query = " ".join(terms) if postgres else " ".join('"' + t.replace('"', '""') + '"' for t in terms)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"q": query, "limit": limit}).all()
    return [Hit(file_name=r.file_name, report_id=r.report_id, page=r.page, table=r.source,
                snippet=make_snippet(r.content, terms), rank=float(r.rank), record_id=r.record_id)
            for r in rows]


_SQLITE_QUERY = (
    "SELECT search_index.content, search_index.report_id, search_index.page, search_index.source, "
    "search_index.record_id, -bm25(search_index) AS rank, d.file_name "
    "FROM search_index JOIN reports r ON r.report_id = search_index.report_id "
    "JOIN documents d ON d.document_id = r.document_id "
    "WHERE search_index MATCH :q ORDER BY bm25(search_index), search_index.rowid LIMIT :limit"
)
_POSTGRES_QUERY = (
    "SELECT s.content, s.report_id, s.page, s.source, s.record_id, ts_rank(s.tsv, q) AS rank, d.file_name "
    "FROM search_index s CROSS JOIN plainto_tsquery('simple', :q) AS q "
    "JOIN reports r ON r.report_id = s.report_id JOIN documents d ON d.document_id = r.document_id "
    "WHERE s.tsv @@ q ORDER BY rank DESC, s.entry_id LIMIT :limit"
)


def make_snippet(content: str, terms: list[str], before: int = SNIPPET_BEFORE,
                 width: int = SNIPPET_WIDTH) -> str:
    """Text around the first hit with every hit in the window marked 【…】."""
    spans = sorted(m.span() for t in terms for m in re.finditer(re.escape(t), content, re.I))
    if not spans:
        return content[:width] + (ELLIPSIS if len(content) > width else "")
    start = max(0, spans[0][0] - before)
    end = min(len(content), start + width)
    out, pos = [], start
    for s, e in _merge(spans):
        if s < pos or e > end:
            continue
        out += [content[pos:s], MARK_OPEN, content[s:e], MARK_CLOSE]
        pos = e
    out.append(content[pos:end])
    return (ELLIPSIS if start else "") + "".join(out) + (ELLIPSIS if end < len(content) else "")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged

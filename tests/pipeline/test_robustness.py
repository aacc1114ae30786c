"""Archive-grade robustness: bad inputs beside good ones, SIGKILL mid-run, concurrent ingests."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.ingest import IngestOptions, engine_for, ingest
from schemas.db import Document, Report
from reportlab.platypus import PageBreak

from tests.fixtures.pdfgen import build_pdf, heading, ruled_table
from tests import shared

ROOT = Path(__file__).resolve().parents[2]
BADINPUTS = shared.BADINPUTS


def _good_pdfs(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        rows = [["项目", "金额"], [f"第{i}号项目", f"{100 + i}.5"]]
        out.append(build_pdf(folder / f"good{i:03d}.pdf", [heading(f"会议纪要{i}"), ruled_table(rows, [200, 80])]))
    return out


def _slow_pdfs(folder: Path, n: int, pages: int) -> list[Path]:
    """Documents of many table pages, so that a batch of them runs for seconds, not milliseconds."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        story: list = []
        for page in range(pages):
            rows = [["项目", "金额"]] + [[f"第{i}-{page}-{r}号项目", f"{100 + r}.5"] for r in range(20)]
            story += [heading(f"会议纪要{i}（{page + 1}）"), ruled_table(rows, [200, 80]), PageBreak()]
        out.append(build_pdf(folder / f"slow{i:03d}.pdf", story))
    return out


def _jixiao(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _docs(url: str) -> list[tuple[str, str]]:
    with Session(engine_for(url)) as session:
        return sorted(tuple(row) for row in session.execute(select(Document.file_name, Document.status)))


@pytest.mark.skipif(not BADINPUTS.is_dir(), reason=f"bad-input corpus not found at {BADINPUTS}")
def test_bad_inputs_beside_good_files(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(BADINPUTS, folder)
    good = _good_pdfs(folder, 3)
    url = f"sqlite:///{tmp_path / 'j.db'}"
    proc = _jixiao("ingest", str(folder), "--db", url, "--workers", "2", "--timeout", "120", "--no-check")
    out, err = proc.communicate(timeout=1800)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    inputs = sorted(p.name for p in folder.iterdir() if p.suffix == ".pdf")
    rows = dict(_docs(url))
    zero_bytes = [p.name for p in folder.iterdir() if p.stat().st_size == 0]
    assert set(rows) | set(zero_bytes) == set(inputs)  # identical files share one sha256 row
    assert {rows[p.name] for p in good} == {"ok"}
    with Session(engine_for(url)) as session:
        failed = session.scalars(select(Document).where(Document.status == "failed")).all()
        assert failed and all(d.error and "\n" not in d.error for d in failed)
        assert rows["gen__encrypted-aes256-userpw.pdf"] == "failed"


def test_sigkill_midway_then_rerun_finishes_without_duplicates(tmp_path: Path) -> None:
    files = _slow_pdfs(tmp_path / "in", 8, 30)
    url = f"sqlite:///{tmp_path / 'j.db'}"
    proc = _jixiao("ingest", str(tmp_path / "in"), "--db", url, "--no-check")
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and _count_documents(tmp_path / "j.db") < 2:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    partial = _stored(url)
    assert 0 < len(partial) < len(files)
    rerun = _jixiao("ingest", str(tmp_path / "in"), "--db", url, "--no-check")
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert sorted(name for name, _ in _docs(url)) == sorted(p.name for p in files)
    with Session(engine_for(url)) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == len(files)


def _count_documents(db: Path) -> int:
    """Rows in `documents`, read with the bare sqlite3 module: cheap enough to poll every 10 ms."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)) as con:
            return con.execute("select count(*) from documents").fetchone()[0]
    except sqlite3.Error:  # not created yet, or locked for a moment
        return 0


def _stored(url: str) -> list[tuple[str, str]]:
    try:
        return _docs(url)
    except Exception:  # the database may not exist yet
        return []


def test_two_concurrent_ingests_and_a_query_meanwhile(tmp_path: Path) -> None:
    files = _good_pdfs(tmp_path / "in", 20)
    url = f"sqlite:///{tmp_path / 'j.db'}"
    engine_for(url)
    first = _jixiao("ingest", str(tmp_path / "in"), "--db", url, "--no-check")
    second = _jixiao("ingest", str(tmp_path / "in"), "--db", url, "--no-check")
    query = _jixiao("query", "select count(*) as n from documents", "--db", url, "--csv")
    q_out, q_err = query.communicate(timeout=300)
    assert query.returncode == 0, q_err
    assert q_out.splitlines()[0] == "n"
    for proc in (first, second):
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert sorted(name for name, _ in _docs(url)) == sorted(p.name for p in files)
    with Session(engine_for(url)) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == len(files)
        assert session.execute(select(func.count()).select_from(Document).where(Document.status != "ok")).scalar() == 0


def test_inline_ingest_records_every_file(tmp_path: Path) -> None:
    good = _good_pdfs(tmp_path / "in", 2)
    (tmp_path / "in" / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<<")
    url = f"sqlite:///{tmp_path / 'j.db'}"
    summary = ingest([tmp_path / "in"], IngestOptions(db_url=url, isolate=False))
    assert summary.exit_code == 1
    assert dict(_docs(url)) == {"broken.pdf": "failed", good[0].name: "ok", good[1].name: "ok"}

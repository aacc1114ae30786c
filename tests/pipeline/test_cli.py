"""The command line: help for every command, exit codes, read-only query, export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.fixtures.pdfgen import build_pdf, heading, ruled_table

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["ingest", "export", "query", "check", "search", "review", "summary"]


def jixiao(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = jixiao(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "--db" in result.stdout


def test_usage_error_exits_2() -> None:
    assert jixiao("ingest", "--no-such-option").returncode == 2
    assert jixiao("export", "--format", "pdf", "--db", "sqlite:///:memory:").returncode == 2


@pytest.fixture()
def small_db(tmp_path: Path) -> str:
    (tmp_path / "in").mkdir()
    table = ruled_table([["事项", "金额"], ["=cmd|' /C calc'!A0", "12.5"]], [200, 80])
    pdf = build_pdf(tmp_path / "in" / "memo.pdf", [heading("会议纪要"), table])
    bad = tmp_path / "in" / "broken.pdf"
    bad.write_bytes(b"oops\n")
    url = f"sqlite:///{tmp_path / 'j.db'}"
    result = jixiao("ingest", str(tmp_path / "in"), "--db", url)
    assert result.returncode == 1, result.stderr
    assert f"FAILED {bad}: not a PDF" in result.stderr
    assert "Traceback" not in result.stderr
    assert pdf.exists()
    return url


def test_failed_file_is_recorded_and_others_stored(small_db: str) -> None:
    result = jixiao("query", "select file_name, status, error_code from documents order by file_name", "--db", small_db, "--csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["file_name,status,error_code", "broken.pdf,failed,not_a_pdf", "memo.pdf,ok,"]


def test_query_refuses_writes(small_db: str) -> None:
    result = jixiao("query", "delete from reports", "--db", small_db)
    assert result.returncode == 2
    assert "read-only" in result.stderr
    count = jixiao("query", "select count(*) as n from reports", "--db", small_db, "--csv")
    assert count.stdout.splitlines() == ["n", "1"]


def test_export_csv_reads_back_equal(small_db: str, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = jixiao("export", "--db", small_db, "--out", str(out), "--format", "csv")
    assert result.returncode == 0, result.stderr
    reports = pd.read_csv(out / "reports.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(reports["report_type"]) == ["unknown"]
    assert (out / "reports.csv").read_bytes().startswith(b"\xef\xbb\xbf")

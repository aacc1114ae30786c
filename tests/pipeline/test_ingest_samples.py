"""End to end: ingest the samples of ../shared/samples and compare every stored record with ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.evaluate import format_score, load_truth, score_document
from pipeline.ingest import IngestOptions, engine_for, file_sha256, ingest
from pipeline.load import load_reports
from schemas.db import ALL_TABLES
from tests import shared

SAMPLES = shared.SAMPLES
DIGITAL = sorted(p for p in SAMPLES.glob("*.pdf") if "_scan" not in p.name) if SAMPLES.is_dir() else []

pytestmark = pytest.mark.skipif(not DIGITAL, reason=f"ground-truth samples not found at {SAMPLES}")


def _counts(url: str) -> dict[str, int]:
    with Session(engine_for(url)) as session:
        return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in ALL_TABLES}


@pytest.mark.parametrize("pdf", DIGITAL, ids=lambda p: p.stem)
def test_stored_records_equal_ground_truth(tmp_path: Path, pdf: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    summary = ingest([pdf], IngestOptions(db_url=url))
    assert summary.exit_code == 0, summary.outcomes
    reports = load_reports(engine_for(url), file_sha256(pdf))
    score = score_document(reports, load_truth(pdf.with_suffix(".json")))
    assert score.overall_f1 == 1.0, format_score(score, mismatches=30)
    for table, result in score.tables.items():
        assert result.f1 == 1.0, table


def test_ingesting_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    pdf = next(p for p in DIGITAL if p.name.startswith("002_"))
    first = ingest([pdf], IngestOptions(db_url=url))
    before = _counts(url)
    second = ingest([pdf], IngestOptions(db_url=url))
    assert [o.status for o in first.outcomes] == ["stored"]
    assert [o.status for o in second.outcomes] == ["present"]
    assert _counts(url) == before
    assert before["reports"] == 4


def test_force_replaces_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    pdf = next(p for p in DIGITAL if p.name.startswith("002_"))
    ingest([pdf], IngestOptions(db_url=url))
    before = _counts(url)
    again = ingest([pdf], IngestOptions(db_url=url, force=True))
    assert [o.status for o in again.outcomes] == ["replaced"]
    after = _counts(url)
    assert {k: v for k, v in after.items() if k != "checks"} == {k: v for k, v in before.items() if k != "checks"}

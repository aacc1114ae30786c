"""Many processes creating the schema of one fresh database at once (ingest workers do)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from schemas.db import create_schema, make_engine
from schemas.views import all_views

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "import sys; from pipeline.ingest import engine_for; engine_for(sys.argv[1]); print('ok')"


def test_concurrent_schema_creation_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    for round_ in range(2):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, url], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        results = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, [err for _, err in results]
        engine = make_engine(url)
        with engine.connect() as conn:
            views = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='view'"))}
        assert {v.split()[2] for v in all_views()} <= views


def test_schema_creation_is_a_no_op_the_second_time(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'j.db'}")
    create_schema(engine, views=all_views())
    with engine.connect() as conn:
        before = conn.execute(text("SELECT name, sql FROM sqlite_master ORDER BY name")).all()
    create_schema(engine, views=all_views())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, sql FROM sqlite_master ORDER BY name")).all() == before

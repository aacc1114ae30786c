"""Where the project's shared folder lies: ``../shared`` beside the clone (as in CI),
else ``$JIXIAO_SHARED``. Tests that need it skip when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    beside = ROOT.parent / "shared"
    configured = os.environ.get("JIXIAO_SHARED")
    if not beside.is_dir() and configured:
        return Path(configured)
    return beside


SHARED = _shared()
SAMPLES = SHARED / "samples"
BADINPUTS = SHARED / "badinputs"
SEEDS = SHARED / "seeds"

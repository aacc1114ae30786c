"""Developer tool: extract one file and score it against its ground-truth JSON.

    python scripts/dev_extract.py FILE.pdf [TRUTH.json] [--grids] [--json] [--mismatches N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.evaluate import format_score, load_truth, reports_to_json, score_document  # noqa: E402
from pipeline.extract import extract_pdf  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("truth", type=Path, nargs="?")
    ap.add_argument("--grids", action="store_true", help="print every grid")
    ap.add_argument("--json", action="store_true", help="print extracted records as JSON")
    ap.add_argument("--mismatches", type=int, default=40)
    args = ap.parse_args()
    result = extract_pdf(args.file)
    if args.grids:
        for grid in result.document.grids():
            print(f"GRID pages={grid.pages} {grid.n_rows}x{grid.n_cols} {grid.method}")
            for row in grid.rows():
                print("   ", [(c.row, c.col, c.rowspan, c.colspan, c.text[:30]) for c in row])
    if args.json:
        print(json.dumps(reports_to_json(result.reports), ensure_ascii=False, indent=1))
    print("warnings:", result.warnings, "timings:", {k: round(v, 3) for k, v in result.timings.items()})
    truth_path = args.truth or args.file.with_suffix(".json")
    if truth_path.exists():
        score = score_document(result.reports, load_truth(truth_path))
        print(format_score(score, mismatches=args.mismatches))


if __name__ == "__main__":
    main()

"""Smoke tests of the benchmark's parts on one or two tiny inputs (no timing is asserted)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import bench_accuracy as acc_mod
from pipeline import bench_report as report
from pipeline import bench_speed as speed
from pipeline import corpus
from pipeline.bench import BenchConfig, BenchResult, KindResult, parse_args, run_order
from pipeline.evaluate import Truth, score_document, truth_to_reports
from pipeline.ingest import FileOutcome


@dataclass(frozen=True)
class _Case:
    name: str
    year: int
    department: str
    font_size: float = 9.0
    width: float = 500.0


# ---------------------------------------------------------------- corpus


def test_vary_keeps_case_zero_and_changes_year_size_width() -> None:
    case = _Case("a", 2023, "某局")
    assert corpus.vary(case, 0) is case
    assert corpus.vary(case, 1) == _Case("a", 2024, "某局", 9.0, 500.0)
    assert corpus.vary(case, 3) == _Case("a", 2025, "某局", 9.5, 475.0)


def test_with_serial_numbers_the_first_text_field() -> None:
    assert corpus.with_serial(_Case("a", 2023, "某局"), 7).department == "某局（第7号）"


def test_missing_generator_is_reported_not_raised() -> None:
    found, missing = corpus.load_generators(("no_such_layout",))
    assert found == {}
    assert missing["no_such_layout"].startswith("ModuleNotFoundError")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> corpus.BenchDoc:
    """The shortest project_targets case, drawn once for the module."""
    gen = corpus.load_generator("project_targets")
    docs = corpus.build_digital(gen, len(gen.cases), tmp_path_factory.mktemp("gen"))
    return min(docs, key=lambda d: d.pages)


def test_generated_documents_are_distinct_and_reproducible(tmp_path: Path) -> None:
    gen = corpus.load_generator("project_targets")
    first = corpus.build_digital(gen, 2, tmp_path / "a")
    again = corpus.build_digital(gen, 2, tmp_path / "b")
    digests = [hashlib.sha256(d.path.read_bytes()).hexdigest() for d in first]
    assert len(set(digests)) == 2
    assert digests == [hashlib.sha256(d.path.read_bytes()).hexdigest() for d in again]
    assert [d.truth.layout for d in first] == ["project_targets", "project_targets"]
    assert first[0].truth.reports[0]["report_type"] == "project_targets"


def test_first_page_copy_has_one_page(tiny: corpus.BenchDoc, tmp_path: Path) -> None:
    assert corpus.page_count(speed.first_page_copy(tiny.path, tmp_path / "one.pdf")) == 1


@pytest.mark.skipif(corpus.scan_unavailable() is not None, reason="generated scans not available")
def test_scan_pdf_is_image_only(tiny: corpus.BenchDoc, tmp_path: Path) -> None:
    scanned = corpus.scan_pdf(tiny.path, tmp_path / "scan.pdf", seed=1)
    assert corpus.page_count(scanned) == tiny.pages
    assert speed.pdfium_text(scanned)[1] == 0


# ---------------------------------------------------------------- end to end


def test_ingest_run_stores_and_scores(tiny: corpus.BenchDoc, tmp_path: Path) -> None:
    run = speed.ingest_run([tiny.path], {str(tiny.path): tiny.pages}, 1, tmp_path / "w1.db")
    assert [o.status for o in run.outcomes] == ["stored"]
    assert run.total_pages == tiny.pages and len(run.done_at) == 1
    [result] = acc_mod.score_stored([tiny], run.db_url, acc_mod.statuses_of(run.outcomes))
    reports = result.score.tables["reports"]
    assert result.status == "stored"
    assert reports.tp + reports.fn == 1  # one true report, found or missed


def test_baselines_run_on_a_tiny_pdf(tiny: corpus.BenchDoc) -> None:
    pages, chars = speed.pdfium_text(tiny.path)
    assert pages == tiny.pages and chars > 0
    assert speed.pdfplumber_tables(tiny.path)[0] == tiny.pages


def test_failing_baseline_is_unavailable(tiny: corpus.BenchDoc) -> None:
    def boom(_path: Path) -> tuple[int, int]:
        raise ValueError("boom")

    result = speed.run_baseline("x", boom, [tiny.path])
    assert result.unavailable == "ValueError: boom"
    assert result.ms_per_page is None


# ---------------------------------------------------------------- arithmetic


def test_tally_precision_recall_f1() -> None:
    t = acc_mod.Tally(tp=3, fp=1, fn=2, fields_ok=9, fields_total=12)
    assert (t.precision, t.recall, t.field_accuracy) == (0.75, 0.6, 0.75)
    assert t.f1 == pytest.approx(2 / 3)


def _doc(layout: str = "dept_targets") -> corpus.BenchDoc:
    truth = Truth(file="t.pdf", layout=layout, kind="digital", pages=1, reports=[
        {"report_type": layout, "title": "标题", "funds": [{"project": None, "measure": "预算", "amount_wan": 1.5}]}])
    return corpus.BenchDoc(Path("t.pdf"), layout, "digital", "generated", 1, truth)


def test_aggregate_sums_per_layout_and_all() -> None:
    doc = _doc()
    perfect = score_document(truth_to_reports(doc.truth), doc.truth)
    nothing = score_document([], doc.truth)
    acc = acc_mod.aggregate([acc_mod.DocResult(doc, perfect, "stored"), acc_mod.DocResult(doc, nothing, "failed")])
    funds = acc.groups[("generated", "digital", "dept_targets", "funds")]
    assert (funds.docs, funds.tp, funds.fp, funds.fn) == (2, 1, 0, 1)
    total = acc_mod.overall(acc, "generated", "digital")
    assert (total.docs, total.tp, total.fn) == (2, 2, 2)
    lines = acc_mod.format_accuracy(acc, "generated", "digital")
    assert lines[-1].startswith("overall records: P 1.000  R 0.500  F1 0.667")


def _run(workers: int, seconds: list[float], done_at: list[float], rss: float = 100.0) -> speed.RunResult:
    paths = [f"f{i}.pdf" for i in range(len(seconds))]
    run = speed.RunResult(workers, "sqlite://", {p: 2 for p in paths}, wall_s=done_at[-1], done_at=done_at)
    run.outcomes = [FileOutcome(path=p, status="stored", seconds=s, peak_rss_mb=rss) for p, s in zip(paths, seconds)]
    return run


def test_run_result_steady_excludes_first_document_per_worker() -> None:
    run = _run(1, [3.0, 1.0, 1.0], [3.0, 4.0, 5.0])
    assert run.pages_per_s() == 6 / 5.0
    assert run.steady_pages_per_s() == 4 / 2.0
    assert run.steady_doc_s() == 1.0
    assert run.warmup_s == 3.0


def test_growth_ratio_uses_steady_time() -> None:
    points = [speed.ScalePoint(10, 5.0, 0.5, 0.1, 0), speed.ScalePoint(100, 20.0, 0.2, 0.2, 0)]
    assert speed.growth_ratio(points) == 2.0


def _result(ours_doc_s: float, plumber_ms: float, scan_rss: float) -> BenchResult:
    result = BenchResult(BenchConfig(quick=True), {"packages": {}})
    digital = KindResult("digital", [])
    digital.runs[1] = _run(1, [1.0, ours_doc_s, ours_doc_s], [1.0, 1.0 + ours_doc_s, 1.0 + 2 * ours_doc_s])
    digital.profile = speed.Profile(files=1, pages=2, seconds={"text": 0.01, "extract": 0.03})
    scanned = KindResult("scanned", [])
    scanned.runs[2] = _run(2, [10.0, 10.0, 4.0], [10.0, 10.0, 14.0], rss=scan_rss)
    scanned.profile = speed.Profile(files=1, pages=1, seconds={"ocr": 5.0, "tables": 0.1})
    result.kinds = {"digital": digital, "scanned": scanned}
    result.baselines = [speed.Baseline("pdfplumber extract_tables()", pages=10, seconds=plumber_ms / 100)]
    return result


def test_targets_pass_and_miss_with_margin() -> None:
    fast = report.targets(_result(ours_doc_s=0.05, plumber_ms=100.0, scan_rss=900.0))
    assert [t.passed for t in fast[:3]] == [True, False, True]
    assert fast[0].measured.startswith("4.00x (25 vs 100 ms/page")
    assert fast[1].measured.startswith("0.500 page/s (warm-up excluded")
    assert "costliest stage" in fast[1].detail
    slow = report.targets(_result(ours_doc_s=0.1, plumber_ms=100.0, scan_rss=1100.0))
    assert slow[0].passed is False and slow[0].detail.startswith("missed by 1.50x: 17 ms/page too slow")
    assert "extract (75% of in-process time" in slow[0].detail
    assert slow[2].passed is False
    assert slow[2].detail == "over by 76 MB in the scanned/2w run; documents over: f0.pdf 1100 MB, f1.pdf 1100 MB, f2.pdf 1100 MB"


def test_report_text_and_json() -> None:
    result = _result(ours_doc_s=0.05, plumber_ms=100.0, scan_rss=900.0)
    result.machine = report.machine_info()
    text = report.format_report(result)
    assert "TARGETS" in text and "BASELINES" in text
    data = json.loads(json.dumps(report.to_json(result), default=str))
    assert data["ours_ms_per_page"] == pytest.approx(25.0)
    assert [t["passed"] for t in data["targets"]] == [True, False, True, None]


def test_run_order_short_warm_ups_then_longest_first() -> None:
    docs = [dataclasses.replace(_doc(), path=Path(f"{n}.pdf"), pages=n) for n in (3, 1, 12, 2, 5)]
    assert [d.pages for d in run_order(docs, workers=2)] == [1, 2, 12, 5, 3]


def test_parse_args() -> None:
    config, path = parse_args(["--quick", "--no-scan", "--seed", "5", "--json", "x.json"])
    assert dataclasses.astuple(config)[:3] == (True, False, 5)
    assert path == Path("x.json")
    assert config.scaling_sizes == (10, 50)

"""``python -m pipeline.bench`` (``make bench``): accuracy, speed, baselines and targets.

Inputs are the ground-truth samples and a corpus generated from the test generators
(``pipeline.corpus``); every document is ingested into a fresh SQLite database by
``pipeline.ingest`` with 1 and with 2 workers, read back and scored
(``pipeline.bench_accuracy``); stages are profiled in-process and compared with
hand-rolled baselines on the same pages (``pipeline.bench_speed``). The report goes
to stdout as plain-text tables and to ``data/out/bench.json``; progress to stderr.

Options: ``--quick`` (small corpus, scaling 10/50), ``--no-scan`` (digital only),
``--seed``, ``--samples DIR``, ``--json PATH``, ``--keep`` (keep the temporary inputs).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import bench_accuracy as acc_mod
from pipeline import bench_report as report
from pipeline import bench_speed as speed
from pipeline import corpus
from pipeline.corpus import BenchDoc

log = logging.getLogger("pipeline.bench")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = REPO.parent / "shared" / "samples"
DEFAULT_JSON = Path("data/out/bench.json")
DEFAULT_SEED = 20240601


@dataclass(frozen=True, slots=True)
class BenchConfig:
    quick: bool = False
    scan: bool = True
    seed: int = DEFAULT_SEED
    samples: Path = DEFAULT_SAMPLES
    keep: bool = False

    @property
    def per_layout(self) -> int:
        """Generated digital documents per layout."""
        return 2 if self.quick else 8

    @property
    def max_scan_pages(self) -> int:
        """Longest generated document that is also scanned (one per layout)."""
        return 1 if self.quick else 6

    @property
    def max_sample_scan_pages(self) -> int | None:
        return 3 if self.quick else None

    @property
    def profile_scan_pages(self) -> int:
        """Pages of scanned input profiled stage by stage in-process (OCR is slow)."""
        return 3 if self.quick else 6

    @property
    def scaling_sizes(self) -> tuple[int, ...]:
        return (10, 50) if self.quick else (10, 100, 1000)


@dataclass(slots=True)
class KindResult:
    """Everything measured on one kind of input (digital or scanned)."""

    kind: str
    docs: list[BenchDoc]
    runs: dict[int, speed.RunResult] = field(default_factory=dict)
    profile: speed.Profile | None = None
    accuracy: list[acc_mod.DocResult] = field(default_factory=list)
    f1_by_workers: dict[int, float] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.docs)


@dataclass(slots=True)
class BenchResult:
    config: BenchConfig
    machine: dict[str, object]
    notes: list[str] = field(default_factory=list)
    generators: dict[str, str] = field(default_factory=dict)  # layout -> origin or "not available: ..."
    kinds: dict[str, KindResult] = field(default_factory=dict)
    baselines: list[speed.Baseline] = field(default_factory=list)
    scaling: list[speed.ScalePoint] = field(default_factory=list)
    scaling_template: str = ""
    seconds: float = 0.0


# ---------------------------------------------------------------- inputs


def build_inputs(config: BenchConfig, work: Path, result: BenchResult) -> dict[str, list[BenchDoc]]:
    gens, missing = corpus.load_generators()
    result.generators = {**{k: g.origin for k, g in gens.items()},
                         **{k: f"not available: {why}" for k, why in missing.items()}}
    kinds = ("digital", "scanned") if config.scan else ("digital",)
    samples = corpus.sample_docs(config.samples, kinds, config.max_sample_scan_pages)
    if not samples:
        result.notes.append(f"no ground-truth samples found in {config.samples}")
    if config.scan and config.max_sample_scan_pages is not None:
        result.notes.append(f"sample scans over {config.max_sample_scan_pages} pages skipped (--quick)")
    generated: list[BenchDoc] = []
    for gen in gens.values():
        generated += corpus.build_digital(gen, config.per_layout, work / "generated")
    docs = {"digital": [d for d in samples if d.kind == "digital"] + generated}
    if config.scan:
        docs["scanned"] = [d for d in samples if d.kind == "scanned"] + _scans(config, work, gens, result)
    return docs


def _scans(config: BenchConfig, work: Path, gens: dict[str, corpus.Generator],
           result: BenchResult) -> list[BenchDoc]:
    reason = corpus.scan_unavailable()
    if reason is not None:
        result.notes.append(f"generated scans not available: {reason}")
        return []
    docs, skipped = corpus.build_scanned(gens, work / "scanned", config.seed, config.max_scan_pages)
    result.notes += [f"no generated scan of {layout}: {why}" for layout, why in skipped.items()]
    return docs


def run_order(docs: list[BenchDoc], workers: int = 2) -> list[BenchDoc]:
    """The ``workers`` shortest documents first (each worker warms up on a short one), then the
    longest first so the workers finish together; the same order for every run."""
    shortest = sorted(docs, key=lambda d: (d.pages, d.path.name))[:workers]
    first = {id(d) for d in shortest}
    rest = sorted((d for d in docs if id(d) not in first), key=lambda d: (-d.pages, d.path.name))
    return shortest + rest


# ---------------------------------------------------------------- measuring


def measure_kind(kind: str, docs: list[BenchDoc], config: BenchConfig, work: Path) -> KindResult:
    """Ingest with 1 and 2 workers into fresh databases, score the stored records, profile stages."""
    out = KindResult(kind, run_order(docs))
    files = [d.path for d in out.docs]
    pages = {str(d.path): d.pages for d in out.docs}
    for workers in (1, 2):
        log.info("%s: ingest %d files (%d pages) with %d worker(s)", kind, len(files), out.pages, workers)
        run = speed.ingest_run(files, pages, workers, work / f"{kind}_w{workers}.db")
        out.runs[workers] = run
        scored = acc_mod.score_stored(out.docs, run.db_url, acc_mod.statuses_of(run.outcomes))
        out.f1_by_workers[workers] = acc_mod.overall(acc_mod.aggregate(scored)).f1
        if workers == 1:
            out.accuracy = scored
    subset = _profile_subset(out.docs, config.profile_scan_pages if kind == "scanned" else None)
    log.info("%s: stage profile of %d files in-process", kind, len(subset))
    out.profile = speed.profile_stages([d.path for d in subset], pages, work / f"{kind}_profile.db")
    return out


def _profile_subset(docs: list[BenchDoc], max_pages: int | None) -> list[BenchDoc]:
    if max_pages is None:
        return docs
    chosen, pages = [], 0
    for doc in sorted(docs, key=lambda d: d.pages):
        if pages + doc.pages <= max_pages or not chosen:
            chosen.append(doc)
            pages += doc.pages
    return chosen


def measure_baselines(docs: list[BenchDoc]) -> list[speed.Baseline]:
    files = [d.path for d in docs]
    log.info("baselines on %d digital files", len(files))
    out = [speed.run_baseline("pypdfium2 text (floor)", speed.pdfium_text, files, "chars"),
           speed.run_baseline("pdfplumber extract_tables()", speed.pdfplumber_tables, files, "tables")]
    backend = speed.camelot_backend()
    camelot = speed.run_baseline(f"camelot lattice (backend {backend})", speed.camelot_lattice, files, "tables")
    if camelot.unavailable:
        camelot.unavailable = f"unavailable: {camelot.unavailable}"
    out.append(camelot)
    return out


def measure_scaling(config: BenchConfig, work: Path, result: BenchResult) -> None:
    gens, _ = corpus.load_generators(corpus.SCALING_PREFERENCE)
    gen = corpus.scaling_generator(gens)
    if gen is None:
        result.notes.append("scaling not measured: no digital generator available")
        return
    start = time.perf_counter()
    files = corpus.build_scaling(gen, max(config.scaling_sizes), work / "scaling")
    pages = corpus.page_count(files[0]) if files else 0
    result.scaling_template = f"{gen.layout} ({pages} pages each), drawn in {time.perf_counter() - start:.1f} s"
    for n in config.scaling_sizes:
        log.info("scaling: %d documents, 1 worker", n)
        result.scaling.append(speed.scaling_point(files[:n], work / f"scale_{n}.db"))


def run_bench(config: BenchConfig) -> BenchResult:
    start = time.perf_counter()
    result = BenchResult(config, report.machine_info())
    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    try:
        log.info("building inputs in %s", work)
        inputs = build_inputs(config, work, result)
        if not config.scan:
            result.notes.append("scanned input skipped (--no-scan)")
        for kind, docs in inputs.items():
            if docs:
                result.kinds[kind] = measure_kind(kind, docs, config, work)
        result.baselines = measure_baselines(inputs["digital"])
        measure_scaling(config, work, result)
    finally:
        if config.keep:
            log.info("inputs kept in %s", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    result.machine["load_average_end"] = report.load_average()
    result.seconds = time.perf_counter() - start
    return result


# ---------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None) -> tuple[BenchConfig, Path]:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus, scaling 10/50 documents")
    parser.add_argument("--no-scan", action="store_true", help="digital input only")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated variations and scans")
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES, help="ground-truth samples folder")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the JSON report")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs and databases")
    args = parser.parse_args(argv)
    config = BenchConfig(quick=args.quick, scan=not args.no_scan, seed=args.seed, samples=args.samples,
                         keep=args.keep)
    return config, args.json


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="[bench %(relativeCreated)7.0f ms] %(message)s",
                        stream=sys.stderr)
    log.setLevel(logging.INFO)
    for noisy in ("pipeline.isolate", "RapidOCR", "rapidocr", "pdfminer", "camelot", "jieba", "extractors"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    config, json_path = parse_args(argv)
    result = run_bench(config)
    sys.stdout.write(report.format_report(result) + "\n")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report.to_json(result), ensure_ascii=False, indent=1, default=str),
                         encoding="utf-8")
    log.info("JSON report written to %s", json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

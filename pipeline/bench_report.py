"""The benchmark's report: machine header, accuracy and speed tables, baselines, targets, JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import bench_accuracy as acc_mod
from pipeline.bench_speed import STAGES, Baseline, Profile, RunResult, growth_ratio

if TYPE_CHECKING:
    from pipeline.bench import BenchResult, KindResult

PACKAGES = ("pypdfium2", "pdfplumber", "pdfminer.six", "camelot-py", "rapidocr", "onnxruntime",
            "opencv-python-headless", "numpy", "pillow", "reportlab", "sqlalchemy")
PLUMBER = "pdfplumber"
SPEEDUP_TARGET = 3.0
SCAN_TARGET_PPS = 1.0
RSS_TARGET_MB = 1024.0
LINEAR_LIMIT = 1.5
RULE = "=" * 100


# ---------------------------------------------------------------- machine


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "cpu_count": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)), "cpu_model": _proc_value("/proc/cpuinfo", "model name"),
            "memory": _proc_value("/proc/meminfo", "MemTotal"), "python": platform.python_version(),
            "platform": platform.platform(), "packages": _versions(), "git": _git_head(),
            "load_average_start": load_average()}


def _proc_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _git_head() -> str | None:
    repo = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{' (uncommitted changes)' if dirty else ''}"


# ---------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    passed: bool | None  # None: not measured
    measured: str
    detail: str = ""

    def line(self) -> str:
        verdict = "n/a " if self.passed is None else ("PASS" if self.passed else "MISS")
        return f"{verdict}  {self.name:<58}{self.measured}" + (f"\n      {self.detail}" if self.detail else "")


def ours_ms_per_page(result: BenchResult) -> tuple[float | None, str]:
    """Our digital ms/page with one worker, PDF to stored records: steady if measurable, else wall."""
    kind = result.kinds.get("digital")
    run = kind.runs.get(1) if kind else None
    if run is None or not run.wall_s:
        return None, "not measured"
    steady = run.steady_pages_per_s()
    if steady:
        return 1000 / steady, "1 worker, warm-up excluded"
    return 1000 / run.pages_per_s(), "1 worker, wall clock incl. warm-up"


def _stage_note(profile: Profile | None) -> str:
    if profile is None:
        return ""
    stage, share = profile.costliest()
    ms = profile.ms_per_page().get(stage, 0.0)
    return f"costliest stage: {stage} ({share:.0%} of in-process time, {ms:.0f} ms/page)"


def speed_target(result: BenchResult) -> Target:
    name = f"digital, 1 worker >= {SPEEDUP_TARGET:g}x faster than pdfplumber tables"
    ours, basis = ours_ms_per_page(result)
    plumber = next((b for b in result.baselines if b.name.startswith(PLUMBER)), None)
    if ours is None or plumber is None or plumber.ms_per_page is None:
        return Target(name, None, "not measured")
    ratio = plumber.ms_per_page / ours
    measured = f"{ratio:.2f}x ({ours:.0f} vs {plumber.ms_per_page:.0f} ms/page; {basis})"
    if ratio >= SPEEDUP_TARGET:
        return Target(name, True, measured, f"margin: {ratio / SPEEDUP_TARGET:.2f}x the target")
    need = ours - plumber.ms_per_page / SPEEDUP_TARGET
    detail = (f"missed by {SPEEDUP_TARGET / ratio:.2f}x: {need:.0f} ms/page too slow; "
              + _stage_note(result.kinds["digital"].profile))
    return Target(name, False, measured, detail)


def scan_target(result: BenchResult) -> Target:
    name = f"scanned, 2 workers >= {SCAN_TARGET_PPS:g} page/s"
    kind = result.kinds.get("scanned")
    run = kind.runs.get(2) if kind else None
    if run is None or not run.wall_s:
        return Target(name, None, "not measured (--no-scan or no scanned input)")
    steady = run.steady_pages_per_s()
    pps, basis = (steady, "warm-up excluded") if steady else (run.pages_per_s(), "wall clock incl. warm-up")
    measured = f"{pps:.3f} page/s ({basis}; wall {run.pages_per_s():.3f})"
    if pps >= SCAN_TARGET_PPS:
        return Target(name, True, measured, f"margin: {pps / SCAN_TARGET_PPS:.2f}x the target")
    detail = f"missed by {SCAN_TARGET_PPS / pps:.1f}x; " + _stage_note(kind.profile) if pps else "no page done"
    return Target(name, False, measured, detail)


def rss_target(result: BenchResult) -> Target:
    name = f"peak RSS per worker < {RSS_TARGET_MB:.0f} MB"
    peaks = {f"{k}/{w}w": run.peak_rss_mb for k, kr in result.kinds.items() for w, run in kr.runs.items()}
    if not peaks:
        return Target(name, None, "not measured")
    where, peak = max(peaks.items(), key=lambda kv: kv[1])
    measured = f"{peak:.0f} MB (max, in {where})"
    if peak < RSS_TARGET_MB:
        return Target(name, True, measured, f"margin: {RSS_TARGET_MB - peak:.0f} MB to spare")
    over = [f"{Path(o.path).name} {o.peak_rss_mb:.0f} MB" for kr in result.kinds.values()
            for run in kr.runs.values() for o in run.outcomes if o.peak_rss_mb >= RSS_TARGET_MB]
    return Target(name, False, measured, f"over by {peak - RSS_TARGET_MB:.0f} MB in the {where} run; "
                  f"documents over: {', '.join(sorted(set(over)))}")


def linear_target(result: BenchResult) -> Target:
    sizes = [p.docs for p in result.scaling]
    name = f"time grows linearly {sizes[0] if sizes else '-'} -> {sizes[-1] if sizes else '-'} documents"
    ratio = growth_ratio(result.scaling)
    if ratio is None:
        return Target(name, None, "not measured")
    measured = f"per-document time x{ratio:.2f} (flag above x{LINEAR_LIMIT:g})"
    return Target(name, ratio <= LINEAR_LIMIT, measured, "" if ratio <= LINEAR_LIMIT else "NOT LINEAR")


def targets(result: BenchResult) -> list[Target]:
    return [speed_target(result), scan_target(result), rss_target(result), linear_target(result)]


# ---------------------------------------------------------------- text


def format_report(result: BenchResult) -> str:
    parts = [_header(result), _accuracy(result), _speed(result), _baselines(result), _scaling(result),
             _targets(result)]
    return "\n\n".join(p for p in parts if p)


def _header(result: BenchResult) -> str:
    m, c = result.machine, result.config
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    lines = [RULE, f"JIXIAO BENCHMARK ({'quick' if c.quick else 'full'}{', no scan' if not c.scan else ''})"
             f"  {m['date']}  total {result.seconds:.0f} s", RULE,
             f"machine: {m['cpu_count']} CPUs ({m['cpus_usable']} usable), {m['cpu_model']}, {m['memory']} memory",
             f"load average at start {m['load_average_start']}, at end {m.get('load_average_end')}"
             " (other processes share this machine: timings are pessimistic when it is loaded)",
             f"python {m['python']} on {m['platform']}; git {m['git']}", f"packages: {pk}",
             f"seed {c.seed}; samples {c.samples}; warm-up excluded from steady figures, reported apart"]
    lines += [f"generator {k}: {v}" for k, v in sorted(result.generators.items())]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)


def _accuracy(result: BenchResult) -> str:
    scored = [d for kr in result.kinds.values() for d in kr.accuracy]
    acc = acc_mod.aggregate(scored)
    blocks = ["ACCURACY  (end to end: ingest, 1 worker -> SQLite -> load_reports -> score_document)"]
    for source in ("samples", "generated"):
        for kind in ("digital", "scanned"):
            if any(d.doc.source == source and d.doc.kind == kind for d in scored):
                blocks.append(f"-- {source}, {kind}")
                blocks += acc_mod.format_docs(scored, source, kind)
                blocks += acc_mod.format_accuracy(acc, source, kind)
    return "\n".join(blocks)


def _run_row(run: RunResult) -> str:
    steady = run.steady_pages_per_s()
    return (f"{run.workers} worker{'s' if run.workers > 1 else ' '}{run.wall_s:>10.1f}{run.pages_per_s():>10.2f}"
            f"{_num(steady, '.2f'):>12}{1000 / run.pages_per_s() if run.pages_per_s() else 0:>10.0f}"
            f"{run.warmup_s:>11.1f}{run.peak_rss_mb:>13.0f}{len(run.failed):>8}")


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _profile_lines(profile: Profile) -> list[str]:
    ms = profile.ms_per_page()
    head = "".join(f"{s:>9}" for s in STAGES) + f"{'total':>9}"
    vals = "".join(f"{ms.get(s, 0.0):>9.1f}" for s in STAGES) + f"{1000 * profile.total_s / profile.pages:>9.1f}"
    return [f"stage split, in-process, {profile.files} files / {profile.pages} pages "
            f"(warm-up {profile.warmup_s:.1f} s excluded), ms per page:", head, vals]


def _speed(result: BenchResult) -> str:
    blocks = ["SPEED  (pipeline.ingest into a fresh SQLite database per run; pages/s over all pages;",
              "        1st doc s: until the first document was stored = worker start, imports, models, one short",
              "        document; steady p/s: after each worker's first document)"]
    for kind, kr in result.kinds.items():
        blocks.append(f"-- {kind}: {len(kr.docs)} files, {kr.pages} pages")
        blocks.append(f"{'run':<10}{'wall s':>9}{'pages/s':>10}{'steady p/s':>12}{'ms/page':>10}"
                      f"{'1st doc s':>11}{'peak RSS MB':>13}{'failed':>8}")
        blocks += [_run_row(run) for run in kr.runs.values()]
        blocks += [f"  failed with {run.workers} worker(s): {Path(o.path).name}: {(o.error or '')[:110]}"
                   for run in kr.runs.values() for o in run.failed]
        f1s = ", ".join(f"{w} worker(s) {f:.3f}" for w, f in kr.f1_by_workers.items())
        blocks.append(f"record F1 of the stored data: {f1s}")
        if kr.profile and kr.profile.pages:
            blocks += _profile_lines(kr.profile)
    return "\n".join(blocks)


def _baselines(result: BenchResult) -> str:
    if not result.baselines:
        return ""
    ours, basis = ours_ms_per_page(result)
    pages = result.baselines[0].pages
    lines = [f"BASELINES  (same digital pages: {pages} pages, one process, warm-up excluded)",
             f"{'method':<44}{'ms/page':>9}{'found':>16}{'ours faster by':>16}"]
    for b in result.baselines:
        lines.append(_baseline_row(b, ours))
    lines.append(f"{'ours: PDF -> stored records':<44}{_num(ours, '.1f'):>9}  ({basis})")
    return "\n".join(lines)


def _baseline_row(b: Baseline, ours: float | None) -> str:
    if b.unavailable:
        return f"{b.name:<44}{b.unavailable}"
    ratio = b.ms_per_page / ours if ours and b.ms_per_page else None
    found = f"{b.found} {b.unit}"
    return f"{b.name:<44}{_num(b.ms_per_page, '.1f'):>9}{found:>16}{_num(ratio, '.2f') + 'x':>16}"


def _scaling(result: BenchResult) -> str:
    if not result.scaling:
        return ""
    lines = [f"SCALING  (distinct generated digital documents: {result.scaling_template}; fresh DB, 1 worker)",
             f"{'docs':>6}{'wall s':>10}{'s/doc wall':>12}{'s/doc steady':>14}{'vs first':>10}{'failed':>8}"]
    first = result.scaling[0]
    base = first.steady_doc_s or first.doc_s
    for p in result.scaling:
        ratio = (p.steady_doc_s or p.doc_s) / base if base else 0.0
        lines.append(f"{p.docs:>6}{p.wall_s:>10.1f}{p.doc_s:>12.3f}{_num(p.steady_doc_s, '.3f'):>14}"
                     f"{ratio:>9.2f}x{p.failed:>8}")
    return "\n".join(lines)


def _targets(result: BenchResult) -> str:
    return "\n".join(["TARGETS"] + [t.line() for t in targets(result)])


# ---------------------------------------------------------------- JSON


def to_json(result: BenchResult) -> dict[str, Any]:
    scored = [d for kr in result.kinds.values() for d in kr.accuracy]
    return {"config": {**dataclasses.asdict(result.config), "samples": str(result.config.samples)},
            "machine": result.machine, "notes": result.notes, "generators": result.generators,
            "seconds": result.seconds, "accuracy": acc_mod.accuracy_json(acc_mod.aggregate(scored)),
            "speed": {k: _kind_json(kr) for k, kr in result.kinds.items()},
            "baselines": [{**dataclasses.asdict(b), "ms_per_page": b.ms_per_page} for b in result.baselines],
            "ours_ms_per_page": ours_ms_per_page(result)[0],
            "scaling": {"template": result.scaling_template,
                        "points": [dataclasses.asdict(p) for p in result.scaling],
                        "growth_ratio": growth_ratio(result.scaling)},
            "targets": [dataclasses.asdict(t) for t in targets(result)]}


def _kind_json(kr: KindResult) -> dict[str, Any]:
    profile = kr.profile
    return {"files": len(kr.docs), "pages": kr.pages,
            "runs": {str(w): run.summary() for w, run in kr.runs.items()},
            "record_f1_by_workers": kr.f1_by_workers,
            "profile": None if profile is None else {"files": profile.files, "pages": profile.pages,
                                                     "warmup_s": profile.warmup_s, "seconds": profile.seconds,
                                                     "ms_per_page": profile.ms_per_page()}}

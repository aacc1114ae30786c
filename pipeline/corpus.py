"""Benchmark inputs: the ground-truth samples and a generated corpus with exact truth.

The generated corpus comes from the test generators ``tests/fixtures/render_<layout>.py``
(reportlab drawings of each layout that return the PDF and the exact records it must
give). Each generator's cases are varied deterministically (fiscal year, font size,
table width) so documents differ; scanned copies go through ``tests/fixtures/scans.py``
``make_scan`` (render, rotate, blur, noise, JPEG) into image-only PDFs. A generator
or the scan helper that is missing or broken is reported as unavailable, never fatal.

This module needs the repository checkout (``tests`` importable): it is a developer tool.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import inspect
import logging
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from pipeline.evaluate import Truth, load_truth, reports_to_json
from schemas.records import ReportRec

log = logging.getLogger(__name__)

LAYOUTS: tuple[str, ...] = ("self_eval_form", "dept_targets", "self_eval_report", "project_targets",
                            "evaluation_report")
SCALING_PREFERENCE: tuple[str, ...] = ("project_targets", "dept_targets", "self_eval_form",
                                       "self_eval_report", "evaluation_report")
YEAR_FIELDS = ("year", "report_year", "fund_year")
SIZE_FIELDS = ("font_size", "size", "table_size")
SERIAL_FIELDS = ("goal", "content", "department", "project")
YEAR_SHIFTS = (0, 1, -1, 2)
SIZE_SHIFTS = (0.0, 0.5, -0.5)
WIDTH_SCALES = (1.0, 0.95, 0.9)
MAX_TRIES = 12  # variants tried per document before giving up (render errors, duplicates)


@dataclass(frozen=True, slots=True)
class BenchDoc:
    """One benchmark input with its exact expected reports."""

    path: Path
    layout: str
    kind: str  # digital | scanned
    source: str  # samples | generated
    pages: int
    truth: Truth


@dataclass(frozen=True, slots=True)
class Generator:
    """A layout's renderer and the cases it can draw."""

    layout: str
    render: Callable[..., Any]
    cases: tuple[Any, ...]
    origin: str  # where the cases were found
    takes_list: bool  # render(cases: list, path) rather than render(case, out_dir)


# ---------------------------------------------------------------- generators


def load_generators(layouts: tuple[str, ...] = LAYOUTS) -> tuple[dict[str, Generator], dict[str, str]]:
    """Available generators by layout, and the reason each missing one is not available."""
    found: dict[str, Generator] = {}
    missing: dict[str, str] = {}
    for layout in layouts:
        try:
            found[layout] = load_generator(layout)
        except Exception as exc:  # noqa: BLE001 - a generator being written must not stop the bench
            missing[layout] = f"{type(exc).__name__}: {exc}"
            log.info("generator for %s not available: %s", layout, missing[layout])
    return found, missing


def load_generator(layout: str) -> Generator:
    module = importlib.import_module(f"tests.fixtures.render_{layout}")
    render = getattr(module, "render")
    cases, origin = _find_cases(layout, module)
    if not cases:
        raise LookupError(f"no cases found for {layout}")
    takes_list = next(iter(inspect.signature(render).parameters)) == "cases"
    return Generator(layout, render, cases, origin, takes_list)


def _find_cases(layout: str, module: Any) -> tuple[tuple[Any, ...], str]:
    cases = getattr(module, "CASES", None)
    if cases:
        return tuple(cases), f"tests.fixtures.render_{layout}.CASES"
    tests = importlib.import_module(f"tests.extractors.test_{layout}")
    if getattr(tests, "CASES", None):
        return tuple(tests.CASES), f"tests.extractors.test_{layout}.CASES"
    return _module_cases(tests, module), f"tests.extractors.test_{layout} (module-level cases)"


def _module_cases(tests: Any, module: Any) -> tuple[Any, ...]:
    """Module-level instances of the generator's ``*Case`` dataclasses, once each."""
    kinds = tuple(v for n, v in vars(module).items() if n.endswith("Case") and dataclasses.is_dataclass(v))
    seen: dict[int, Any] = {}
    for value in vars(tests).values():
        if kinds and isinstance(value, kinds):
            seen.setdefault(id(value), value)
    return tuple(seen.values())


# ---------------------------------------------------------------- variants


def vary(case: Any, k: int) -> Any:
    """Variant ``k`` of a case (0 = the case itself): year, font size and width changed."""
    if k == 0:
        return case
    names = {f.name for f in dataclasses.fields(case)}
    changes: dict[str, Any] = {}
    shift = YEAR_SHIFTS[k % len(YEAR_SHIFTS)]
    for name in YEAR_FIELDS:
        if name in names and isinstance(getattr(case, name), int):
            changes[name] = getattr(case, name) + shift
    for name in SIZE_FIELDS:
        if name in names and isinstance(getattr(case, name), (int, float)):
            changes[name] = getattr(case, name) + SIZE_SHIFTS[(k // 2) % len(SIZE_SHIFTS)]
    if "width" in names and isinstance(case.width, (int, float)):
        changes["width"] = round(case.width * WIDTH_SCALES[(k // 3) % len(WIDTH_SCALES)], 1)
    return dataclasses.replace(case, **changes)


def with_serial(case: Any, serial: int) -> Any:
    """The case with a serial number appended to its first free-text field (distinct content)."""
    for name in SERIAL_FIELDS:
        value = getattr(case, name, None)
        if isinstance(value, str) and value:
            return dataclasses.replace(case, **{name: f"{value}（第{serial}号）"})
    raise LookupError(f"{type(case).__name__} has no text field to number")


@contextlib.contextmanager
def invariant_pdfs() -> Iterator[None]:
    """reportlab writes no timestamps or random ids inside: the same case gives the same bytes."""
    from reportlab import rl_config

    before = rl_config.invariant
    rl_config.invariant = 1
    try:
        yield
    finally:
        rl_config.invariant = before


def render_case(gen: Generator, case: Any, path: Path) -> list[ReportRec]:
    """Draw ``case`` to exactly ``path``; the expected reports."""
    if gen.takes_list:
        _, expected = gen.render([case], path)
        return list(expected)
    scratch = path.with_suffix(".d")
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        drawn, expected = gen.render(case, scratch)
        shutil.move(str(drawn), path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [expected] if isinstance(expected, ReportRec) else list(expected)


def _distinct_render(gen: Generator, base: Any, path: Path, seen: set[str],
                     make: Callable[[Any, int], Any], start: int) -> list[ReportRec] | None:
    """Render variants ``start, start+1, ...`` of ``base`` until one draws and is new."""
    for k in range(start, start + MAX_TRIES):
        try:
            expected = render_case(gen, make(base, k), path)
        except Exception as exc:  # noqa: BLE001 - e.g. reportlab LayoutError for a variant
            log.info("%s variant %d not drawn: %s", gen.layout, k, exc)
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            return expected
    return None


def build_digital(gen: Generator, n: int, out_dir: Path) -> list[BenchDoc]:
    """``n`` distinct digital documents of one layout: cases in turn, then their variants."""
    out_dir.mkdir(parents=True, exist_ok=True)
    docs: list[BenchDoc] = []
    seen: set[str] = set()
    with invariant_pdfs():
        for i in range(n):
            base, round_ = gen.cases[i % len(gen.cases)], i // len(gen.cases)
            path = out_dir / f"{gen.layout}_{i:03d}.pdf"
            expected = _distinct_render(gen, base, path, seen, vary, round_ * MAX_TRIES)
            if expected is None:
                log.warning("could not draw a distinct %s document %d", gen.layout, i)
                continue
            docs.append(_generated_doc(path, gen.layout, "digital", expected))
    return docs


def build_scaling(gen: Generator, n: int, out_dir: Path) -> list[Path]:
    """``n`` distinct digital documents of one case, numbered in a text field (timing only)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = min(gen.cases, key=lambda c: len(repr(c)))
    paths: list[Path] = []
    seen: set[str] = set()
    with invariant_pdfs():
        for i in range(n):
            path = out_dir / f"scale_{i:05d}.pdf"
            if _distinct_render(gen, base, path, seen, with_serial, i * MAX_TRIES) is not None:
                paths.append(path)
    return paths


def scaling_generator(gens: dict[str, Generator]) -> Generator | None:
    return next((gens[name] for name in SCALING_PREFERENCE if name in gens), None)


def _generated_doc(path: Path, layout: str, kind: str, expected: list[ReportRec]) -> BenchDoc:
    pages = page_count(path)
    truth = Truth(file=path.name, layout=layout, kind=kind, pages=pages,
                  reports=reports_to_json(expected)["reports"])
    return BenchDoc(path, layout, kind, "generated", pages, truth)


# ---------------------------------------------------------------- scans


def scan_unavailable() -> str | None:
    """Why generated scans cannot be made here (None when they can)."""
    try:
        scans = importlib.import_module("tests.fixtures.scans")
        getattr(scans, "make_scan")
    except Exception as exc:  # noqa: BLE001
        return f"tests.fixtures.scans.make_scan: {type(exc).__name__}: {exc}"
    available = getattr(scans, "cjk_font_available", lambda: True)
    if not available():
        return "no CJK font to render pages (make fonts installs fonts-wqy-microhei)"
    return None


def scan_params(seed: int) -> dict[str, float | int]:
    rng = random.Random(seed)
    return {"angle": round(rng.uniform(-1.5, 1.5), 2), "blur": round(rng.uniform(0.6, 1.2), 2),
            "noise": round(rng.uniform(4, 10), 1), "jpeg_quality": rng.randrange(55, 80)}


def scan_pdf(pdf: Path, out: Path, seed: int) -> Path:
    """An image-only PDF of every page of ``pdf`` through ``make_scan`` (200 dpi)."""
    from tests.fixtures.scans import make_scan

    images = [make_scan(pdf, i, seed=seed + i, dpi=200, **scan_params(seed + i)) for i in range(page_count(pdf))]
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200.0)
    return out


def build_scanned(gens: dict[str, Generator], out_dir: Path, seed: int,
                  max_pages: int) -> tuple[list[BenchDoc], dict[str, str]]:
    """One scanned document per layout (its shortest case of at most ``max_pages``), and
    the reason for each layout left out."""
    docs: list[BenchDoc] = []
    skipped: dict[str, str] = {}
    for i, gen in enumerate(gens.values()):
        source = _shortest_case(gen, out_dir / "source" / gen.layout)
        if source is None or source.pages > max_pages:
            skipped[gen.layout] = f"no case of at most {max_pages} page(s)"
            continue
        path = scan_pdf(source.path, out_dir / f"{source.path.stem}_scan.pdf", seed + 100 * i)
        truth = dataclasses.replace(source.truth, file=path.name, kind="scanned")
        docs.append(BenchDoc(path, gen.layout, "scanned", "generated", source.pages, truth))
    return docs, skipped


def _shortest_case(gen: Generator, out_dir: Path) -> BenchDoc | None:
    drawn = build_digital(gen, len(gen.cases), out_dir)
    return min(drawn, key=lambda d: d.pages, default=None)


# ---------------------------------------------------------------- samples


def sample_docs(samples_dir: Path, kinds: tuple[str, ...] = ("digital", "scanned"),
                max_scan_pages: int | None = None) -> list[BenchDoc]:
    """Sample inputs that have a ground-truth JSON beside them, filtered by kind."""
    docs = []
    for truth_path in sorted(Path(samples_dir).glob("*.json")):
        inputs = [p for p in truth_path.parent.glob(truth_path.stem + ".*") if p.suffix != ".json"]
        if not inputs:
            continue
        truth = load_truth(truth_path)
        kind = truth.kind or "digital"
        pages = truth.pages or page_count(inputs[0])
        if kind in kinds and not (kind == "scanned" and max_scan_pages is not None and pages > max_scan_pages):
            docs.append(BenchDoc(inputs[0], truth.layout, kind, "samples", pages, truth))
    return docs


def page_count(path: Path) -> int:
    if path.suffix.lower() != ".pdf":
        return 1
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()

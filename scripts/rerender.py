"""Developer tool: the generated corpus re-rendered by LibreOffice, as Word and Excel would.

    python scripts/rerender.py OUT_DIR [--variants N] [--score]

Each generator case of ``tests/fixtures/render_<layout>.py`` (and ``N`` variants of it,
see :func:`pipeline.corpus.vary`) is drawn once by reportlab to capture its story; the
story is then written as HTML (paragraphs with their font size and alignment, ruled
tables with rowspan/colspan) and as an xlsx sheet (ruled cells, merges, wrapped text,
row heights fitted to the text, one page wide), and LibreOffice (``soffice``, needed on
PATH) turns them into ``OUT_DIR/writer/*.pdf`` and ``OUT_DIR/calc/*.pdf``, each with
the ground-truth JSON beside it. ``--score`` extracts every PDF and prints its F1.

What the re-renders change: fonts (LibreOffice's CJK and Latin fallbacks, other box
heights for digits), Writer's rows broken across pages, Calc's titles in body cells,
page breaks, spacing. Content and expected records stay the generator's.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Alignment, Border, Font, Side  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.worksheet.pagebreak import Break  # noqa: E402
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table  # noqa: E402

from pipeline import corpus  # noqa: E402
from pipeline.evaluate import reports_to_json  # noqa: E402

FONT = "Noto Sans CJK SC"
ALIGN = {0: "left", 1: "center", 2: "right", 4: "justify"}
Spans = dict[tuple[int, int], tuple[int, int]]


class StoryRecorder:
    """Records the story of every reportlab document built while it is active."""

    def __init__(self) -> None:
        self.stories: list[list[Any]] = []
        self._build = SimpleDocTemplate.build

    def __enter__(self) -> StoryRecorder:
        original, stories = self._build, self.stories

        def build(doc: SimpleDocTemplate, story: list[Any], *args: Any, **kwargs: Any) -> Any:
            stories.append(list(story))
            return original(doc, story, *args, **kwargs)

        SimpleDocTemplate.build = build
        return self

    def __exit__(self, *exc: object) -> None:
        SimpleDocTemplate.build = self._build


# ---------------------------------------------------------------- flowables


def plain_text(value: Any) -> str:
    """A cell's or paragraph's text, line breaks and no-break spaces kept, markup dropped."""
    if isinstance(value, (list, tuple)):
        return "\n".join(plain_text(v) for v in value)
    if isinstance(value, Paragraph):
        text = re.sub(r"<br\s*/?>", "\n", value.text)
        return html.unescape(re.sub(r"<[^>]+>", "", text)).strip(" \n")
    return str(value) if isinstance(value, (str, int, float)) else ""


def font_size(value: Any, default: float = 9.0) -> float:
    first = value[0] if isinstance(value, (list, tuple)) and value else value
    return float(first.style.fontSize) if isinstance(first, Paragraph) else default


def table_spans(table: Table) -> tuple[Spans, set[tuple[int, int]]]:
    """Merged cells (first cell -> last cell, rows and columns) and the cells they cover;
    a span overlapping an earlier one (a generator's page-break clipping) is left out."""
    rows, cols = len(table._cellvalues), len(table._cellvalues[0])
    spans: Spans = {}
    covered: set[tuple[int, int]] = set()
    for _, (c0, r0), (c1, r1), *_ in table._spanCmds:
        c0, c1, r0, r1 = c0 % cols, c1 % cols, r0 % rows, r1 % rows
        cells = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if cells & (covered | set(spans)):
            continue
        spans[(r0, c0)] = (r1, c1)
        covered |= cells - {(r0, c0)}
    return spans, covered


# ---------------------------------------------------------------- HTML (Writer)


def story_to_html(story: list[Any]) -> str:
    parts = ['<html><head><meta charset="utf-8"></head><body>']
    for item in story:
        if isinstance(item, Paragraph):
            style = f"font-size:{item.style.fontSize}pt; text-align:{ALIGN.get(item.style.alignment, 'left')}"
            parts.append(f'<p style="{style}">{html.escape(plain_text(item)).replace(chr(10), "<br/>")}</p>')
        elif isinstance(item, PageBreak):
            parts.append('<p style="page-break-before:always; margin:0"></p>')
        elif isinstance(item, Table):
            parts.append(table_to_html(item))
    return "\n".join(parts + ["</body></html>"])


def table_to_html(table: Table) -> str:
    spans, covered = table_spans(table)
    cols = "".join(f'<col width="{(w or 60) * 96 / 72:.0f}">' for w in table._colWidths)  # px
    width = sum(float(w or 60) for w in table._colWidths)  # points, as the generator drew it
    out = [f'<table border="1" cellspacing="0" cellpadding="2" style="border-collapse:collapse" width="{width * 96 / 72:.0f}">'
           f'<colgroup>{cols}</colgroup>']
    for r, row in enumerate(table._cellvalues):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            r1, c1 = spans.get((r, c), (r, c))
            text = html.escape(plain_text(value)).replace("\n", "<br/>")
            cells.append(f'<td rowspan="{r1 - r + 1}" colspan="{c1 - c + 1}" '
                         f'style="border:1px solid black; font-size:{font_size(value)}pt">{text}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out + ["</table>"])


# ---------------------------------------------------------------- xlsx (Calc)


def sheet_text(value: Any) -> str:
    return plain_text(value).replace("\xa0", " ").strip()


def story_to_xlsx(story: list[Any], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    tables = [t for t in story if isinstance(t, Table)]
    widest = max(tables, key=lambda t: len(t._colWidths)) if tables else None
    widths = [float(w or 60) for w in widest._colWidths] if widest else [120.0] * 4
    for k, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(k + 1)].width = max(4.0, width / 5.5)
    row = 1
    for item in story:
        if isinstance(item, Paragraph):
            row = _xlsx_paragraph(sheet, item, row, len(widths), sum(widths))
        elif isinstance(item, PageBreak):
            sheet.row_breaks.append(Break(id=row - 1))
        elif isinstance(item, Table):
            row = _xlsx_table(sheet, item, row, widths)
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    book.save(path)


def _xlsx_paragraph(sheet: Any, item: Paragraph, row: int, n_cols: int, width: float) -> int:
    size = float(item.style.fontSize)
    cell = sheet.cell(row=row, column=1, value=sheet_text(item))
    cell.font = Font(name=FONT, size=size)
    cell.alignment = Alignment(horizontal=ALIGN.get(item.style.alignment, "left"), vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n_cols)
    sheet.row_dimensions[row].height = _text_height(plain_text(item), size, width)
    return row + 1


def _xlsx_table(sheet: Any, table: Table, row: int, widths: list[float]) -> int:
    spans, covered = table_spans(table)
    box = Border(*(Side(style="thin", color="000000"),) * 4)
    heights: dict[int, float] = {}
    for r, values in enumerate(table._cellvalues):
        for c, value in enumerate(values):
            cell = sheet.cell(row=row + r, column=c + 1)
            cell.border = box
            if (r, c) in covered:
                continue
            cell.value = sheet_text(value)
            cell.font = Font(name=FONT, size=font_size(value))
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            r1, c1 = spans.get((r, c), (r, c))
            need = _text_height(plain_text(value), font_size(value), sum(widths[c:c1 + 1])) / (r1 - r + 1)
            for k in range(r, r1 + 1):
                heights[k] = max(heights.get(k, 12.0), need)
    for (r, c), (r1, c1) in spans.items():
        if (r, c) != (r1, c1):
            sheet.merge_cells(start_row=row + r, start_column=c + 1, end_row=row + r1, end_column=c1 + 1)
    for r, height in heights.items():
        sheet.row_dimensions[row + r].height = height
    return row + len(table._cellvalues)


def _text_height(text: str, size: float, width: float) -> float:
    """Points a wrapped text needs in a column ``width`` points wide (CJK glyphs 1 em)."""
    usable = max(width * 0.95 - 4, size)
    lines = sum(max(1, math.ceil(len(part) * size / usable)) for part in text.split("\n")) if text else 1
    return lines * size * 1.35 + 4


# ---------------------------------------------------------------- driver


def render_sources(out: Path, variants: int) -> list[str]:
    """HTML and xlsx of every case and variant, truth JSON beside them; their names."""
    gens, missing = corpus.load_generators()
    for layout, reason in missing.items():
        print(f"{layout}: generator not available ({reason})", file=sys.stderr)
    names: list[str] = []
    scratch = Path(tempfile.mkdtemp())
    for layout, gen in gens.items():
        for i, base in enumerate(gen.cases):
            for k in range(variants + 1):
                name = f"{layout}_{i:02d}_{k}"
                with StoryRecorder() as recorder, corpus.invariant_pdfs():
                    try:
                        expected = corpus.render_case(gen, corpus.vary(base, k), scratch / f"{name}.pdf")
                    except Exception as exc:  # noqa: BLE001 - a variant reportlab cannot lay out
                        print(f"{name}: not drawn ({exc})", file=sys.stderr)
                        continue
                story = recorder.stories[-1]
                (out / f"{name}.html").write_text(story_to_html(story), encoding="utf-8")
                story_to_xlsx(story, out / f"{name}.xlsx")
                (out / f"{name}.json").write_text(json.dumps(reports_to_json(expected), ensure_ascii=False, default=str),
                                                  encoding="utf-8")
                names.append(name)
    shutil.rmtree(scratch, ignore_errors=True)
    return names


def convert(out: Path, names: list[str]) -> None:
    """LibreOffice: HTML through Writer, xlsx through Calc, to PDF; truth copied beside."""
    jobs = (("writer", ".html", ["--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export"]),
            ("calc", ".xlsx", ["--convert-to", "pdf"]))
    for folder, suffix, args in jobs:
        (out / folder).mkdir(exist_ok=True)
        sources = [str(out / f"{n}{suffix}") for n in names]
        subprocess.run(["soffice", "--headless", *args, "--outdir", str(out / folder), *sources],
                       check=True, stdin=subprocess.DEVNULL, capture_output=True)
        for name in names:
            shutil.copy(out / f"{name}.json", out / folder / f"{name}.json")


def score(out: Path) -> None:
    from pipeline.evaluate import load_truth, score_document
    from pipeline.extract import extract_pdf

    for folder in ("writer", "calc"):
        f1s = []
        for pdf in sorted((out / folder).glob("*.pdf")):
            result = score_document(extract_pdf(pdf).reports, load_truth(pdf.with_suffix(".json")))
            f1s.append(result.overall_f1)
            print(f"{folder}/{pdf.name}\t{result.overall_f1:.3f}")
        if f1s:
            print(f"{folder}: {len(f1s)} documents, mean F1 {sum(f1s) / len(f1s):.3f}, "
                  f"{sum(1 for f in f1s if f == 1.0)} at 1.000")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--variants", type=int, default=0, help="variants of each case besides the case itself")
    ap.add_argument("--score", action="store_true", help="extract each PDF and print its F1")
    args = ap.parse_args()
    if shutil.which("soffice") is None:
        sys.exit("rerender: LibreOffice (soffice) is not on PATH")
    args.out.mkdir(parents=True, exist_ok=True)
    convert(args.out, render_sources(args.out, args.variants))
    if args.score:
        score(args.out)


if __name__ == "__main__":
    main()

"""Render report workbooks the way they print: LibreOffice headless -> PDF, pdftoppm -> one PNG per page.

    python bench/render_reports.py [REPORT.xlsx ...] [--out bench/out/render] [--dpi 60]

Without arguments it writes and renders the demo report (S1 weikang_100) and an S14
gubang_group_rank report built from the scheme file's worked example, so a person can look at
every printed page (summary, report, statements, ...). Prints each PDF's page count.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(xlsx: Path, outdir: Path, timeout: int = 300) -> Path:
    """LibreOffice prints the workbook (every sheet, its own print setup) to ``outdir/<stem>.pdf``."""
    if SOFFICE is None:
        raise SystemExit("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)],
                              capture_output=True, text=True, timeout=timeout)
    pdf = outdir / f"{xlsx.stem}.pdf"
    if done.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"LibreOffice could not print {xlsx}: {done.stdout} {done.stderr}")
    return pdf


def page_count(pdf: Path) -> int:
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in done.stdout.splitlines() if line.startswith("Pages:")))


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext), to tell which sheet a page belongs to."""
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout.split("\f")[:page_count(pdf)]


def to_png(pdf: Path, dpi: int = 60) -> list[Path]:
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    return sorted(pdf.parent.glob(f"{prefix.name}-*.png"))


def example_book(path: Path, scheme_id: str, index: int = 0) -> Path:
    """A workbook holding one of the scheme file's worked examples (the template builder fills it)."""
    from kpixl.core.periods import parse_period
    from kpixl.core.scheme import load_scheme
    from kpixl.workbook.template import build_workbook

    scheme = load_scheme(scheme_id)
    example = json.loads(Path(scheme.path).read_text(encoding="utf-8"))["examples"][index]
    data = {k: example[k] for k in ("employees", "events", "metrics", "ratings", "history", "parameters")
            if k in example}
    build_workbook(scheme, path, parse_period(example["period"]), data)
    return path


def demo_reports(outdir: Path) -> list[Path]:
    from kpixl.core.engine import score
    from kpixl.workbook.read import read_workbook
    from kpixl.workbook.report import write_report

    outdir.mkdir(parents=True, exist_ok=True)
    books = [ROOT / "workbook_templates" / "demo" / "weikang_100_demo.xlsx",
             example_book(outdir / "gubang_example.xlsx", "gubang_group_rank")]
    reports = []
    for book in books:
        report = outdir / f"{book.stem}.report.xlsx"
        write_report(score(*read_workbook(book)), report, book)
        reports.append(report)
    return reports


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=HERE / "out" / "render")
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args()
    reports = args.reports or demo_reports(args.out)
    for report in reports:
        pdf = to_pdf(report, args.out)
        pngs = to_png(pdf, args.dpi)
        print(f"{report.name}: {page_count(pdf)} pages -> {pdf} ({len(pngs)} PNGs: {pngs[0].name} ...)")


if __name__ == "__main__":
    main()

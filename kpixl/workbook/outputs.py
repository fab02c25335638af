"""Where a command may write: never onto one of its inputs, and never, without ``--force``,
onto another kpixl input workbook (a clerk's month).

The same file is recognised through symbolic links, ``..`` parts, hard links and a
case-insensitive file system (``os.path.samefile``).
"""

from __future__ import annotations

import os
from pathlib import Path

from kpixl.core.errors import WorkbookError, problem

from .atomic import check_regular


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        if pa.resolve() == pb.resolve():
            return True
        return pa.exists() and pb.exists() and os.path.samefile(pa, pb)
    except (OSError, RuntimeError):  # a symlink loop, an unreadable folder
        return False


def is_input_workbook(path: str | os.PathLike) -> bool:
    """Is ``path`` a workbook kpixl reads as input: one with a 参数 Parameters sheet naming a SCHEME?"""
    from .engines import open_book
    from .read import _parameters

    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    try:
        book = open_book(p, background=False)  # only its Parameters sheet is read
    except Exception:  # not a readable workbook: not a kpixl input either
        return False
    try:
        params, _, _ = _parameters(book, book.sheet_names())
        scheme = params.get("SCHEME")
        return scheme is not None and bool(scheme.value)
    except Exception:
        return False
    finally:
        book.close()


def check_output(out: str | os.PathLike, inputs: list[str | os.PathLike], force: bool = False,
                 suffix: str | None = None, appended: bool = False) -> None:
    """Raise WorkbookError if writing ``out`` would replace an input, a FIFO or a device (atomic.py;
    not for an ``appended`` log, which replaces nothing), or (unless ``force``) a kpixl workbook, or
    (``suffix``) if its name does not end as the file written does (an .xlsx named .csv)."""
    out = Path(out)
    for item in inputs:
        if same_file(out, item):
            raise WorkbookError([problem(
                "overwrite_input", str(out), f"输出文件 {out} 就是输入文件 {item}，不能覆盖输入。",
                f"The output {out} is the input {item}: it must not overwrite the input.",
                "用 -o 指定另一个文件名。", "Choose another file name with -o.")])
    if not appended:
        check_regular(out)
    if out.is_dir():
        raise WorkbookError([problem(
            "output_is_folder", str(out), f"{out} 是一个文件夹。", f"{out} is a folder.",
            "用 -o 指定文件名，如 报表.xlsx。", "Give a file name with -o, e.g. report.xlsx.")])
    if suffix is not None and out.suffix.lower() != suffix:
        raise WorkbookError([problem(
            "output_suffix", str(out), f"输出文件 {out.name} 应以 {suffix} 结尾（写出的是 Excel 工作簿）。",
            f"The output {out.name} must end in {suffix} (an Excel workbook is written).",
            f"用 -o 指定 {suffix} 文件名，如 报表{suffix}。", f"Give a {suffix} file name with -o, e.g. report{suffix}.")])
    if not force and is_input_workbook(out):
        raise WorkbookError([problem(
            "overwrite_workbook", str(out), f"{out} 是一个 kpixl 输入工作簿（参数表有 SCHEME），未覆盖。",
            f"{out} is a kpixl input workbook (its Parameters sheet names a SCHEME); not overwritten.",
            "用 -o 指定另一个文件名；确实要替换它时加 --force。",
            "Choose another file name with -o, or add --force if you really mean to replace it.")])

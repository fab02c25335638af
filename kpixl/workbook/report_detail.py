"""明细 Detail: every contribution and money line, in the workbook or, above DETAIL_MAX lines, in a
companion Parquet file next to the report.

Excel holds 1,048,576 rows per sheet, and a sheet of a million rows takes most of a report's
writing time, so the 明细 sheet holds every line up to DETAIL_MAX (200,000: a 5,000 x 100,000
department, ~100k-150k lines, stays whole in the workbook). Above it the whole detail goes to
``<report name>.detail.parquet`` beside the report (written atomically with it), and the 明细
sheet, 总览 and 信息 say where the lines are and how to get one employee's: ``kpixl detail
COMPANION --employee ID`` (``-o lines.xlsx`` writes them as a workbook) or ``kpixl explain BOOK
ID``. Parquet keeps points and yuan exact (decimal128), opens in pandas, DuckDB or Power BI, is
a third of the xlsx size (1M lines: 10 MB) and is written in under a second; a CSV would open in Excel,
but Excel cuts it at the same 1,048,576 rows and would run text such as ``=1+2`` as a formula.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from kpixl.core.errors import WorkbookError, problem
from kpixl.core.numbers import plain
from kpixl.core.result import Result

from .atomic import named_error
from .report_data import direction_label
from .xlsx_out import OutSheet

DETAIL_MAX = 200_000
COMPANION_SUFFIX = ".detail.parquet"
# key, sheet header, kind, width
COLUMNS = [("employee", "工号 / Employee ID", "text", 12), ("rule", "规则代码 / Rule", "text", 24),
           ("category", "类别 / Category", "text", 15), ("source", "来源 / Source", "text", 20),
           ("date", "日期 / Date", "date", 11), ("qty", "数量 / Qty", "number", 7),
           ("value", "取值 / Value", "number", 7), ("points", "分值 / Points", "points", 9),
           ("counted", "计入(封顶后) / Counted", "points", 10), ("yuan", "金额(元) / Yuan", "money", 10),
           ("note", "说明 / Note", "text", 45)]


def companion_path(report: str | os.PathLike) -> Path:
    """``月报.xlsx`` -> ``月报.detail.parquet`` beside it."""
    report = Path(report)
    return report.with_name(report.stem + COMPANION_SUFFIX)


def remove_companion(report: str | os.PathLike) -> None:
    """Remove the companion of an earlier report of this name (the new report has its detail inside,
    or failed): only a kpixl detail file, never a link or another file that happens to have its name."""
    path = companion_path(report)
    if path.is_symlink() or not path.is_file():
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        ours = (pq.read_schema(str(path)).metadata or {}).get(b"kpixl", b"").startswith(b"detail/")
    except (pa.ArrowException, OSError):
        return
    if ours:
        with suppress(FileNotFoundError):
            path.unlink()


def detail_count(result: Result) -> int:
    return len(result.ledger) + len(result.money)


def goes_apart(result: Result) -> bool:
    """Does the detail go to the companion file (more than DETAIL_MAX lines)?"""
    return detail_count(result) > DETAIL_MAX


def detail_columns(result: Result, exact: bool = False) -> dict[str, np.ndarray]:
    """The detail lines as columns (ledger lines, then money lines). Points and yuan are floats
    (their shortest text is the decimal: exact multiples of 1e-8 and 0.01) or, with ``exact``,
    int64 of 1e-8 points and of cents."""
    cols = _ledger_columns(result.ledger, exact)
    if not len(result.money):
        return cols
    mcols = _money_columns(result.money, exact)
    return {k: np.concatenate([cols[k], mcols[k]]) for k in cols}


def _ledger_columns(led: pd.DataFrame, exact: bool) -> dict[str, np.ndarray]:
    n = len(led)
    points, counted = led["points_e8"].to_numpy(dtype="int64"), led["counted_e8"].to_numpy(dtype="int64")
    return {
        "employee": led["employee"].to_numpy(dtype=object), "rule": led["rule"].to_numpy(dtype=object),
        "category": led["category"].to_numpy(dtype=object),
        # exact (the companion): the cells as they are, Arrow text handed to Arrow without Python strings
        "source": led["where"] if exact else led["where"].to_numpy(dtype=object),
        "date": led["date"].to_numpy(dtype="datetime64[ns]"), "qty": led["qty"].to_numpy(dtype="float64"),
        "value": led["value"].to_numpy(dtype="float64"),
        "points": points if exact else np.round(points / 1e8, 8),
        "counted": counted if exact else np.round(counted / 1e8, 8),
        "yuan": np.zeros(n, dtype="int64") if exact else np.full(n, np.nan),
        "note": led["text_zh"].fillna("").to_numpy(dtype=object),
    }


def _money_columns(money: pd.DataFrame, exact: bool) -> dict[str, np.ndarray]:
    m = len(money)
    cents = np.array([int(Decimal(a).scaleb(2).to_integral_value(ROUND_HALF_UP)) for a in money["amount"]], dtype="int64")
    return {
        "employee": money["employee"].to_numpy(dtype=object), "rule": money["rule"].to_numpy(dtype=object),
        "category": money["direction"].map(direction_label).to_numpy(dtype=object),  # 扣款 / 奖励: amounts unsigned
        "source": money["where"].to_numpy(dtype=object),
        "date": pd.to_datetime(money["date"]).to_numpy(dtype="datetime64[ns]"),
        "qty": money["qty"].to_numpy(dtype="float64"),
        "value": pd.to_numeric(money["value"], errors="coerce").to_numpy(dtype="float64"),
        "points": np.zeros(m, dtype="int64") if exact else np.full(m, np.nan),
        "counted": np.zeros(m, dtype="int64") if exact else np.full(m, np.nan),
        "yuan": cents if exact else cents / 100, "note": money["text_zh"].fillna("").to_numpy(dtype=object),
    }


def sheet_of(columns: dict, name: str) -> OutSheet:
    """The detail columns (float form) as the 明细 sheet's table."""
    sheet = OutSheet(name)
    for key, header, kind, width in COLUMNS:
        sheet.add(header, columns[key], kind, width=width)
    return sheet


def detail_sheet(result: Result, name: str = "明细") -> OutSheet:
    """Every contribution: employee, rule, category, source cell, date, qty, value, points before
    and after the category cap; then every money line. Names are on the 报表 and 规则 sheets."""
    return sheet_of(detail_columns(result), name)


def where_text(companion: Path, n: int) -> tuple[str, str]:
    """(zh, en): where the detail lines are and how to get one employee's."""
    name = companion.name
    return (f"明细共 {n:,} 行，超过工作簿明细上限 {DETAIL_MAX:,} 行，全部写在报表旁的 {name}。"
            f"查看某位员工：kpixl detail {name} --employee 工号（加 -o 文件.xlsx 存为工作簿），或 kpixl explain 工作簿 工号。",
            f"The detail has {n:,} lines, more than the workbook's limit of {DETAIL_MAX:,}: all of them are in "
            f"{name} beside the report. One employee's lines: kpixl detail {name} --employee ID "
            "(add -o lines.xlsx for a workbook), or kpixl explain BOOK ID.")


def notice_sheet(companion: Path, n: int, name: str = "明细") -> OutSheet:
    """The 明细 sheet when the lines are in the companion: where they are, how to get one employee's,
    the file's columns; short lines (a printed row does not wrap)."""
    f = companion.name
    lines = [f"明细共 {n:,} 行，超过工作簿明细上限 {DETAIL_MAX:,} 行，全部写在报表旁的文件 {f}。",
             f"查看某位员工的明细：kpixl detail {f} --employee 工号",
             "存为工作簿：加 -o 文件.xlsx；或用 kpixl explain 工作簿 工号。", "",
             f"The detail has {n:,} lines, more than the workbook's limit of {DETAIL_MAX:,}: all of them are in {f} "
             "beside the report.",
             f"One employee's lines: kpixl detail {f} --employee ID", "As a workbook: add -o lines.xlsx; or kpixl explain BOOK ID.",
             "", "文件的列 / The file's columns:"]
    lines += [f"  {k}: {h}" for k, h, _, _ in COLUMNS]
    return OutSheet(name).add("明细在报表旁的文件中 / The detail is in a file beside the report", lines, width=120)


def _decimal(values: np.ndarray, scale: int, valid: np.ndarray):
    """int64 of 10**-scale units as an exact Arrow decimal128 (whose cells are the unscaled 128-bit
    integers: the int64 and its sign extension), null where not ``valid``."""
    import pyarrow as pa

    v = np.ascontiguousarray(values, dtype="int64")
    words = np.empty(2 * len(v), dtype="int64")
    words[0::2], words[1::2] = v, np.where(v < 0, -1, 0)
    mask = pa.array(np.asarray(valid, dtype=bool)).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(19, scale), len(v), [mask, pa.py_buffer(words)])


BATCH_ROWS = 128 * 1024  # lines per Parquet row group: the companion is built and written batch by batch


def companion_batches(result: Result):
    """The detail lines as Arrow record batches of at most BATCH_ROWS lines (ledger lines, then
    money lines): points exact to 1e-8 and yuan to the cent (decimal128), empty cells null. Built
    one batch at a time, so writing a 1M-line companion holds one batch, not a second copy of the
    whole detail."""
    led = result.ledger
    for start in range(0, len(led), BATCH_ROWS):
        yield _batch(_ledger_columns(led.iloc[start:start + BATCH_ROWS], exact=True), money=False)
    if len(result.money):
        yield _batch(_money_columns(result.money, exact=True), money=True)


def companion_metadata(result: Result) -> dict[bytes, bytes]:
    """The file's metadata: what it is, the scheme and period, the sheet headers."""
    meta = {"kpixl": "detail/1", "scheme": f"{result.scheme.id} v{result.scheme.version}",
            "period": result.period.label, "source": str(result.source),
            "headers": " | ".join(h for _, h, _, _ in COLUMNS)}
    return {k.encode("utf-8"): v.encode("utf-8") for k, v in meta.items()}


def companion_table(result: Result):
    """The whole companion as one Arrow table (tests, benchmarks); the report streams the batches."""
    import pyarrow as pa

    return pa.Table.from_batches(list(companion_batches(result))).replace_schema_metadata(companion_metadata(result))


def _batch(cols: dict[str, np.ndarray], money: bool):
    import pyarrow as pa

    valid = np.full(len(cols["employee"]), True)
    arrays = []
    for key, _, kind, _ in COLUMNS:
        v = cols.pop(key)  # each column's objects are let go as soon as it is converted
        if key in ("points", "counted"):
            arrays.append(_decimal(v, 8, ~valid if money else valid))
        elif key == "yuan":
            arrays.append(_decimal(v, 2, valid if money else ~valid))
        elif kind == "date":
            arrays.append(pa.array(v.astype("datetime64[D]"), type=pa.date32(), from_pandas=True))
        elif kind == "number":
            arrays.append(pa.array(v, type=pa.float64(), from_pandas=True))
        else:
            try:
                text = pa.array(v, type=pa.string(), from_pandas=True)
                arrays.append(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)  # (Arrow text)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # a non-text cell: its text
                arrays.append(pa.array(pd.Series(v, dtype=object).map(lambda x: "" if x is None else str(x)),
                                       type=pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=[k for k, _, _, _ in COLUMNS])


def write_companion(result: Result, path: str | os.PathLike) -> None:
    """Write the companion to ``path`` batch by batch (one row group each, zstd)."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for batch in companion_batches(result):
            if writer is None:
                schema = batch.schema.with_metadata(companion_metadata(result))
                writer = pq.ParquetWriter(str(path), schema, compression="zstd")
            writer.write_batch(batch, row_group_size=BATCH_ROWS)
    finally:
        if writer is not None:
            writer.close()


@contextmanager
def companion_alongside(result: Result, path: str | os.PathLike, target: str | os.PathLike) -> Iterator[None]:
    """Write the companion to ``path`` (the temporary file of ``target``) in a second thread while
    the caller's block writes the workbook: Parquet's encoding and compression release the GIL, so
    on two cores they run beside the workbook's XML. Both are finished when the block is left; an
    error of the companion is raised then (an error of the block first), a file error naming
    ``target``."""
    failed: list[BaseException] = []

    def work() -> None:
        try:
            write_companion(result, path)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread below
            failed.append(exc)
    thread = threading.Thread(target=work, name="kpixl-companion", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if failed:
        exc = failed[0]
        if isinstance(exc, OSError):
            raise named_error(exc, target) from exc
        raise exc


def read_lines(path: str | os.PathLike, employee: str | None = None) -> pd.DataFrame:
    """The companion's lines (one employee's with ``employee``), columns as in COLUMNS.
    A missing file raises OSError; a file that is not a kpixl detail file a WorkbookError."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    try:
        pf = pq.ParquetFile(str(path))
        meta = pf.schema_arrow.metadata or {}
        if meta.get(b"kpixl", b"").split(b"/")[0] != b"detail":
            raise ValueError("no kpixl detail metadata")
        filters = [("employee", "==", employee)] if employee is not None else None
        table = pq.read_table(str(path), filters=filters, columns=[k for k, _, _, _ in COLUMNS])
    except (pa.ArrowException, ValueError, KeyError) as exc:
        raise WorkbookError([problem(
            "not_a_detail_file", str(path), f"{path.name} 不是 kpixl 明细文件（{type(exc).__name__}）。",
            f"{path.name} is not a kpixl detail file ({type(exc).__name__}).",
            "给出报表旁的 .detail.parquet 文件（kpixl report 在明细超过上限时写出）。",
            "Give the .detail.parquet file beside the report (kpixl report writes it when the detail is over the limit).")]) \
            from None
    return table.to_pandas()


def line_texts(frame: pd.DataFrame) -> list[str]:
    """The lines for a terminal: source, date, rule, qty, points, counted or yuan, note."""
    out = [f"{'来源 Source':<16} {'日期 Date':<10} {'规则 Rule':<24} {'数量 Qty':>8} {'分值 Points':>11} "
           f"{'计入 Counted':>12} {'金额 Yuan':>10}  说明 Note"]

    def num(v) -> str:
        return "" if v is None or v != v else plain(Decimal(str(v)))

    for r in frame.itertuples(index=False):
        date = "" if r.date is None or r.date != r.date else str(r.date)[:10]
        out.append(f"{r.source or '':<16} {date:<10} {r.rule or '':<24} {num(r.qty):>8} {num(r.points):>11} "
                   f"{num(r.counted):>12} {num(r.yuan):>10}  {r.note or ''}".rstrip())
    return out


def lines_sheet(frame: pd.DataFrame, name: str = "明细") -> OutSheet:
    """Lines read back from a companion as a 明细 table (exact decimals as numbers; empty as blank)."""
    cols = {}
    for key, _, kind, _ in COLUMNS:
        s = frame[key]
        if kind == "date":
            cols[key] = pd.to_datetime(s).to_numpy(dtype="datetime64[ns]")
        elif key in ("points", "counted", "yuan", "qty", "value"):
            cols[key] = pd.to_numeric(s.astype(object), errors="coerce").to_numpy(dtype="float64")
        else:
            cols[key] = s.fillna("").astype(str).to_numpy(dtype=object)
    return sheet_of(cols, name)

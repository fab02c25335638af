"""Bulky tables of a close (explanation lines, input sheets) as compressed Parquet (pyarrow).

A 100,000-row ledger of contributions is ~1 MB and written in a fraction of a second, where
one SQL row per line would cost seconds (bench/bench_ledger.py). ``kpixl ledger export``
decodes them back to JSON lines. A column whose cells mix kinds (a Metrics ``value`` holding
numbers and text) is kept as exact tagged JSON text (codec.dumps), never coerced.
"""

from __future__ import annotations

import io

import pandas as pd

from . import codec


def to_blob(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object:
            try:
                pa.array(col, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError, TypeError):
                col = col.map(codec.dumps).rename(f"{name}$json")
        columns[col.name] = col.reset_index(drop=True)
    table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def from_blob(blob: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    frame = pq.read_table(io.BytesIO(bytes(blob))).to_pandas()
    for name in list(frame.columns):
        if name.endswith("$json"):
            frame[name[:-5]] = frame.pop(name).map(codec.loads)
    return frame

"""Metric figures per employee and period bucket: day, week, month, quarter (R-G-3, R-G-19).

A *bucket* is one calendar day, one Monday-Sunday week credited to the month of its Sunday
(days of the neighbouring month included), the calendar month or the calendar quarter.
A figure of a bucket comes from the Metrics rows, vectorised with pandas:

- day: the row with that ``date``;
- week: the row with that ``week_start`` if given, else the sum of the week's daily rows
  (never for a percent metric: a rate is not a sum);
- month / quarter: the period's row (no date, no week) or the sum of the daily rows,
  as the caller asks (``from``: ``rows``, ``days`` or ``auto`` = rows if given, else days).

Values are held as float64 of exact scaled integers (``UNITS`` = 1e4 per unit), so sums and
comparisons are exact for every figure with up to 4 decimals.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .periods import Period, weeks_credited

UNITS = 10**4
BUCKETS = ("day", "week", "month", "quarter")


def to_units(values: pd.Series) -> np.ndarray:
    """float64 scaled units of metric values (Decimal, int, float); NaN for text, booleans, empty."""
    arr = values.to_numpy(dtype=object)
    try:
        if any(isinstance(v, (bool, str)) for v in arr[: min(len(arr), 64)]):
            raise TypeError
        out = arr.astype("float64")
    except (TypeError, ValueError, ArithmeticError):
        out = np.array([_one(v) for v in arr], dtype="float64")
    return np.round(out * UNITS)


def _one(v) -> float:
    if v is None or isinstance(v, (bool, str)):
        return np.nan
    try:
        return float(v)
    except (TypeError, ValueError, ArithmeticError):
        return np.nan


def to_bools(values: pd.Series) -> np.ndarray:
    """1.0 / 0.0 for yes/no values, NaN for anything else."""
    return np.array([float(v) if isinstance(v, bool) else np.nan for v in values.to_numpy(dtype=object)])


def day_span(period: Period, bucket: str) -> tuple[dt.date, dt.date]:
    """The first and last day whose daily rows a bucket of ``period`` may read."""
    if bucket == "week":
        mondays = [m for p in period.month_periods() for m in weeks_credited(p)]
        if not mondays:
            return period.start, period.start - dt.timedelta(days=1)
        return mondays[0], mondays[-1] + dt.timedelta(days=6)
    if bucket == "quarter":
        return period.quarter.start, period.quarter.end
    return period.start, period.end


def credited_mondays(period: Period) -> list[dt.date]:
    return [m for p in period.month_periods() for m in weeks_credited(p)]


class Rows:
    """The valid Metrics rows of some codes, typed once per run (cached on the context)."""

    def __init__(self, ctx, code: str):
        cache = ctx.extras.setdefault("series.rows", {})
        hit = cache.get(code)
        if hit is None:
            frame = ctx.metric_rows(code)
            mdef = ctx.scheme.metrics.get(code)
            boolean = mdef is not None and mdef.type == "boolean"
            who = frame["employee"] if not frame.empty else pd.Series(dtype=object)
            if not frame.empty and "team" in frame:
                who = who.where(who != "", frame["team"])
            units = to_bools(frame["value"]) if boolean else (to_units(frame["value"]) if not frame.empty
                                                               else np.array([], dtype="float64"))
            hit = pd.DataFrame({
                "employee": who.to_numpy(dtype=object),
                "date": frame["date"].to_numpy() if not frame.empty else np.array([], dtype="datetime64[ns]"),
                "week": frame["week_start"].to_numpy() if not frame.empty else np.array([], dtype="datetime64[ns]"),
                "period": frame["period"].to_numpy(dtype=object) if not frame.empty else np.array([], dtype=object),
                "units": units,
                "row": frame["xl_row"].to_numpy(dtype="int64") if not frame.empty else np.array([], dtype="int64"),
            })
            cache[code] = hit
        self.frame = hit
        self.code = code

    def days(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        f = self.frame
        d = f["date"]
        mask = d.notna() & (d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))
        return f.loc[mask, ["employee", "date", "units", "row"]].drop_duplicates(["employee", "date"])

    def weeks(self, mondays: list[dt.date]) -> pd.DataFrame:
        f = self.frame
        mask = f["week"].notna() & f["week"].isin(pd.to_datetime(mondays))
        return f.loc[mask, ["employee", "week", "units", "row"]].drop_duplicates(["employee", "week"])

    def plain(self, label: str, current: bool = True) -> pd.DataFrame:
        f = self.frame
        mask = f["date"].isna() & f["week"].isna()
        mask &= (f["period"] == label) | ((f["period"] == "") if current else False)
        return f.loc[mask, ["employee", "units", "row"]].drop_duplicates(["employee"])


def bucket_of(dates: pd.Series, bucket: str, period: Period) -> pd.Series:
    """The bucket key (a Timestamp: the day, the week's Monday, the month's or quarter's first day)."""
    if bucket == "day":
        return dates
    if bucket == "week":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    start = period.quarter.start if bucket == "quarter" else period.start
    return pd.Series(pd.Timestamp(start), index=dates.index)


def bucket_end(key: pd.Timestamp, bucket: str, period: Period) -> pd.Timestamp:
    if bucket == "day":
        return key
    if bucket == "week":
        return key + pd.Timedelta(days=6)
    return pd.Timestamp(period.quarter.end if bucket == "quarter" else period.end)


def bucket_label(key: pd.Timestamp, bucket: str) -> str:
    if bucket == "day":
        return str(key.date())
    if bucket == "week":
        return f"{key.date()}..{(key + pd.Timedelta(days=6)).date()}"
    if bucket == "quarter":
        return f"{key.year}-Q{(key.month - 1) // 3 + 1}"
    return f"{key.year:04d}-{key.month:02d}"


def figures(ctx, code: str, bucket: str, source: str = "auto") -> pd.DataFrame:
    """One code's figure per (employee, bucket): columns employee, bucket, units, row, n.

    ``row`` is the Excel row of the figure (the first daily row of a sum) and ``n`` the number of
    rows behind it, for the explanation's source cells.
    """
    period = ctx.period
    rows = Rows(ctx, code)
    mdef = ctx.scheme.metrics.get(code)
    is_rate = mdef is not None and mdef.type == "percent"
    start, end = day_span(period, bucket)
    parts = []
    if bucket == "day":
        d = rows.days(start, end)
        return pd.DataFrame({"employee": d["employee"], "bucket": d["date"], "units": d["units"],
                             "row": d["row"], "n": 1})
    given = pd.DataFrame(columns=["employee", "bucket", "units", "row", "n"])
    if bucket == "week":
        w = rows.weeks(credited_mondays(period))
        given = pd.DataFrame({"employee": w["employee"], "bucket": w["week"], "units": w["units"], "row": w["row"], "n": 1})
    elif source in ("rows", "auto"):
        labels = [p.label for p in (period.month_periods() if bucket == "quarter" else [period])]
        frames = [rows.plain(lb, current=(lb == period.label)) for lb in labels]
        p = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["employee", "units", "row"])
        if bucket == "quarter" and not p.empty:
            p = p.groupby("employee", sort=False).agg(units=("units", "sum"), row=("row", "min"),
                                                      n=("row", "size")).reset_index()
        else:
            p = p.assign(n=1)
        key = pd.Timestamp(period.quarter.start if bucket == "quarter" else period.start)
        given = pd.DataFrame({"employee": p["employee"], "bucket": key, "units": p["units"], "row": p["row"],
                              "n": p["n"]})
    parts.append(given)
    if not is_rate and (bucket == "week" or source in ("days", "auto")):
        d = rows.days(start, end)
        if not d.empty:
            d = d.assign(bucket=bucket_of(d["date"], bucket, period))
            summed = d.groupby(["employee", "bucket"], sort=False).agg(
                units=("units", "sum"), row=("row", "min"), n=("row", "size")).reset_index()
            if bucket == "week":
                summed = summed[summed["bucket"].isin(pd.to_datetime(credited_mondays(period)))]
            if source == "days":
                parts = [summed]
            else:
                parts.append(summed)
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(not p.empty for p in parts) else given
    out = out.drop_duplicates(["employee", "bucket"], keep="first")  # a given row wins over a sum
    out["bucket"] = pd.to_datetime(out["bucket"])
    return out.reset_index(drop=True)


def implied_denominators(ctx, rate_code: str, num_code: str, den_code: str, bucket: str) -> pd.DataFrame:
    """Per (employee, bucket) the sum of each day's denominator: the given one (attempts), else
    the one the day's rate implies (successes x 100 / rate). A day whose denominator cannot be
    known (rate 0) makes the bucket's unknown. Columns employee, bucket, units (float)."""
    period = ctx.period
    start, end = day_span(period, bucket)
    num = Rows(ctx, num_code).days(start, end)[["employee", "date", "units"]]
    den = Rows(ctx, den_code).days(start, end)[["employee", "date", "units"]].rename(columns={"units": "den"})
    rate = Rows(ctx, rate_code).days(start, end)[["employee", "date", "units"]].rename(columns={"units": "rate"})
    m = num.merge(den, how="left", on=["employee", "date"]).merge(rate, how="left", on=["employee", "date"])
    if m.empty:
        return pd.DataFrame(columns=["employee", "bucket", "units"])
    r = m["rate"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(r > 0, m["units"].to_numpy(dtype="float64") * 1e6 / r, np.nan)
    m["d"] = np.where(m["den"].notna(), m["den"].to_numpy(dtype="float64"), implied)
    m["bucket"] = bucket_of(m["date"], bucket, period)
    out = m.groupby(["employee", "bucket"], sort=False)["d"].sum(min_count=1).reset_index()
    unknown = m[m["d"].isna()][["employee", "bucket"]].drop_duplicates()
    if not unknown.empty:
        out = out.merge(unknown.assign(_u=True), how="left", on=["employee", "bucket"])
        out.loc[out["_u"].notna(), "d"] = np.nan
        out = out.drop(columns="_u")
    return out.rename(columns={"d": "units"})

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
from decimal import Decimal

import numpy as np
import pandas as pd

from .periods import Period, weeks_credited

UNITS = 10**4
BUCKETS = ("day", "week", "month", "quarter")


def to_units(values: pd.Series) -> np.ndarray:
    """float64 scaled units of metric values (Decimal, int, float); NaN for text, booleans, empty."""
    arr = values.to_numpy(dtype=object)
    numeric = np.fromiter((type(v) in _NUMERIC for v in arr), dtype=bool, count=len(arr))
    out = np.full(len(arr), np.nan)
    if numeric.all():
        out = arr.astype("float64")
    elif numeric.any():
        out[numeric] = arr[numeric].astype("float64")
    return np.round(out * UNITS)


_NUMERIC = {Decimal, int, float, np.float64, np.int64}


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


class Codes:
    """Integer codes for employee (and team) ids, so grouping, merging and sorting never touch strings."""

    def __init__(self, ctx):
        hit = ctx.extras.get("series.codes")
        if hit is None:
            hit = ctx.extras["series.codes"] = ({e: i for i, e in enumerate(ctx.ids)}, list(ctx.ids))
        self.index, self.names = hit

    def of(self, who: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(who.to_numpy(dtype=object))
        table = np.empty(len(uniques) + 1, dtype="int64")
        for j, u in enumerate(uniques):
            code = self.index.get(u)
            if code is None:
                code = self.index[u] = len(self.names)
                self.names.append(u)
            table[j] = code
        return table[codes] if len(codes) else np.array([], dtype="int64")

    def array(self) -> np.ndarray:
        return np.array(self.names, dtype=object)


def typed_rows(ctx) -> dict[str, pd.DataFrame]:
    """Every valid Metrics row typed once per run, split by code: eid, date, week, period, units, row."""
    cache = ctx.extras.get("series.typed")
    if cache is not None:
        return cache
    frame = ctx.inputs.metrics.frame
    cache = ctx.extras["series.typed"] = {}
    if frame.empty:
        return cache
    frame = frame[~frame["xl_bad"].to_numpy(dtype=bool)]
    who = frame["employee"]
    if "team" in frame:
        who = who.where(who != "", frame["team"])
    values = frame["value"]
    booleans = {c for c, m in ctx.scheme.metrics.items() if m.type == "boolean"}
    typed = pd.DataFrame({
        "eid": Codes(ctx).of(who), "date": frame["date"].to_numpy(), "week": frame["week_start"].to_numpy(),
        "period": frame["period"].to_numpy(dtype=object), "units": to_units(values),
        "row": frame["xl_row"].to_numpy(dtype="int64")})
    for code, idx in frame.groupby("metric", sort=False).indices.items():
        part = typed.iloc[idx].reset_index(drop=True)
        if code in booleans:
            part["units"] = to_bools(values.iloc[idx])
        cache[code] = part
    return cache


class Rows:
    """The valid Metrics rows of one code, typed once per run (see :func:`typed_rows`)."""

    def __init__(self, ctx, code: str):
        self.frame = typed_rows(ctx).get(code)
        if self.frame is None:
            self.frame = pd.DataFrame({"eid": pd.Series(dtype="int64"), "date": pd.Series(dtype="datetime64[ns]"),
                                       "week": pd.Series(dtype="datetime64[ns]"), "period": pd.Series(dtype=object),
                                       "units": pd.Series(dtype="float64"), "row": pd.Series(dtype="int64")})
        self.code = code

    def days(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        f = self.frame
        d = f["date"]
        mask = d.notna() & (d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))
        return f.loc[mask, ["eid", "date", "units", "row"]].drop_duplicates(["eid", "date"])

    def weeks(self, mondays: list[dt.date]) -> pd.DataFrame:
        f = self.frame
        mask = f["week"].notna() & f["week"].isin(pd.to_datetime(mondays))
        return f.loc[mask, ["eid", "week", "units", "row"]].drop_duplicates(["eid", "week"])

    def plain(self, label: str, current: bool = True) -> pd.DataFrame:
        f = self.frame
        mask = f["date"].isna() & f["week"].isna()
        mask &= (f["period"] == label) | ((f["period"] == "") if current else False)
        return f.loc[mask, ["eid", "units", "row"]].drop_duplicates(["eid"])


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
    """One code's figure per (employee code, bucket): columns eid, bucket, units, row, n.

    ``row`` is the Excel row of the figure (the first daily row of a sum) and ``n`` the number of
    rows behind it, for the explanation's source cells.
    """
    period = ctx.period
    rows = Rows(ctx, code)
    mdef = ctx.scheme.metrics.get(code)
    is_rate = mdef is not None and mdef.type == "percent"
    start, end = day_span(period, bucket)
    cols = ["eid", "bucket", "units", "row", "n"]
    if bucket == "day":
        d = rows.days(start, end)
        return pd.DataFrame({"eid": d["eid"].to_numpy(), "bucket": d["date"].to_numpy(), "units": d["units"].to_numpy(),
                             "row": d["row"].to_numpy(), "n": 1})
    parts = []
    if bucket == "week":
        w = rows.weeks(credited_mondays(period))
        parts.append(pd.DataFrame({"eid": w["eid"].to_numpy(), "bucket": w["week"].to_numpy(),
                                   "units": w["units"].to_numpy(), "row": w["row"].to_numpy(), "n": 1}))
    elif source in ("rows", "auto"):
        labels = [p.label for p in (period.month_periods() if bucket == "quarter" else [period])]
        p = pd.concat([rows.plain(lb, current=(lb == period.label)) for lb in labels], ignore_index=True)
        if bucket == "quarter" and not p.empty:
            p = p.groupby("eid", sort=False).agg(units=("units", "sum"), row=("row", "min"), n=("row", "size")).reset_index()
        else:
            p = p.assign(n=1)
        key = pd.Timestamp(period.quarter.start if bucket == "quarter" else period.start)
        parts.append(pd.DataFrame({"eid": p["eid"].to_numpy(), "bucket": key, "units": p["units"].to_numpy(),
                                   "row": p["row"].to_numpy(), "n": p["n"].to_numpy()}))
    if not is_rate and (bucket == "week" or source in ("days", "auto")):
        d = rows.days(start, end)
        if not d.empty:
            d = d.assign(bucket=bucket_of(d["date"], bucket, period))
            summed = d.groupby(["eid", "bucket"], sort=False).agg(
                units=("units", "sum"), row=("row", "min"), n=("row", "size")).reset_index()
            if bucket == "week":
                summed = summed[summed["bucket"].isin(pd.to_datetime(credited_mondays(period)))]
            parts = [summed] if source == "days" else parts + [summed]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "bucket" else "float64") for c in cols})
    out = pd.concat(parts, ignore_index=True).drop_duplicates(["eid", "bucket"], keep="first")  # given rows win
    out["bucket"] = pd.to_datetime(out["bucket"])
    return out.reset_index(drop=True)


def implied_denominators(ctx, rate_code: str, num_code: str, den_code: str, bucket: str) -> pd.DataFrame:
    """Per (employee code, bucket) the sum of each day's denominator: the given one (attempts), else
    the one the day's rate implies. A rate typed to k decimals stands for every rate that rounds to
    it, so a day's attempts are the whole numbers whose rate rounds to the typed one (3 successes
    at 10.71 % are 28 attempts, not 28.01): ``units`` sums the one such number where there is one
    (else successes x 100 / rate), ``lo`` and ``hi`` the fewest and most. A day whose attempts
    cannot be told at all (rate 0) makes the bucket's unknown. Columns eid, bucket, units, lo, hi
    (float units)."""
    period = ctx.period
    start, end = day_span(period, bucket)
    num = Rows(ctx, num_code).days(start, end)[["eid", "date", "units"]]
    den = Rows(ctx, den_code).days(start, end)[["eid", "date", "units"]].rename(columns={"units": "den"})
    rate = Rows(ctx, rate_code).days(start, end)[["eid", "date", "units"]].rename(columns={"units": "rate"})
    m = num.merge(den, how="left", on=["eid", "date"]).merge(rate, how="left", on=["eid", "date"])
    if m.empty:
        return pd.DataFrame({"eid": pd.Series(dtype="int64"), "bucket": pd.Series(dtype="datetime64[ns]"),
                             **{c: pd.Series(dtype="float64") for c in ("units", "lo", "hi")}})
    given = m["den"].notna().to_numpy()
    implied, lo, hi = whole_attempts(m["units"].to_numpy(dtype="float64"), m["rate"].to_numpy(dtype="float64"))
    for name, values in (("d", implied), ("lo", lo), ("hi", hi)):
        m[name] = np.where(given, m["den"].to_numpy(dtype="float64"), values)
    m["bucket"] = bucket_of(m["date"], bucket, period)
    out = m.groupby(["eid", "bucket"], sort=False)[["d", "lo", "hi"]].sum(min_count=1).reset_index()
    unknown = m[m["d"].isna()][["eid", "bucket"]].drop_duplicates()
    if not unknown.empty:
        out = out.merge(unknown.assign(_u=True), how="left", on=["eid", "bucket"])
        out.loc[out["_u"].notna(), ["d", "lo", "hi"]] = np.nan
        out = out.drop(columns="_u")
    return out.rename(columns={"d": "units"})


def whole_attempts(successes: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each day's successes and rate (units: 1e4 per order, per percent point), the attempts in
    units: (the one whole number whose rate rounds to the typed rate, else successes x 100 / rate;
    the fewest; the most). 0 for a day of no successes at a positive rate (no attempts: no rate, as
    before), NaN where the rate is 0 or missing."""
    rate = np.round(rate)  # (units are whole: 1e4 per percent point)
    s, p = np.round(successes) / 1e4, rate / 1e4
    decimals = np.select([rate % 10000 == 0, rate % 1000 == 0, rate % 100 == 0, rate % 10 == 0], [0, 1, 2, 3], 4)
    half = 0.5 * 10.0 ** -decimals
    ok = (p > 0) & (s > 0) & ~np.isnan(p) & ~np.isnan(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(ok, 100 * s / p, np.nan)
        # rate = 100 s / A rounds to p: p - half <= 100 s / A < p + half
        fewest = np.floor(100 * s / (p + half) * (1 + 1e-12)) + 1
        most = np.where(p > half, np.floor(100 * s / (p - half) * (1 + 1e-12)), np.inf)
    fewest = np.maximum(fewest, np.ceil(s - 1e-9))  # never fewer attempts than successes
    none = fewest > most  # no whole number gives the typed rate (a rate cut, not rounded): around s / p
    fewest = np.where(none, np.floor(exact), fewest)
    most = np.where(none, np.ceil(exact), most)
    one = ok & (fewest == most)
    units = np.where(one, fewest, exact) * 1e4
    lo, hi = np.where(ok, fewest * 1e4, np.nan), np.where(ok, most * 1e4, np.nan)
    none_made = (s == 0) & (p > 0)  # no successes at a positive rate: no attempts that day (no rate)
    return (np.where(none_made, 0.0, units), np.where(none_made, 0.0, lo), np.where(none_made, 0.0, hi))

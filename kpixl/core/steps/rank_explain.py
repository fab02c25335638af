"""Explanations of the ``rank`` step: ledger rows with their source cells, and gate notes.

Built column-wise, because a month of daily rankings for thousands of employees produces tens
of thousands of placements. ``self`` is the :class:`~kpixl.core.steps.rank.RankStep`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..numbers import plain, to_decimal
from ..series import UNITS, bucket_end, bucket_label

_BUCKET_ZH = {"day": "日", "week": "周", "month": "月", "quarter": "季度"}


def _text(units: float) -> str:
    from decimal import Decimal

    return plain(Decimal(int(units)).scaleb(-4))


def book(self, ctx, frame, emp, ranks, points, lasts, total, others, srcs) -> None:
    """Ledger rows for placement and participation points, built column-wise (many rows)."""
    ref = _ref_format(ctx.inputs.metrics)
    labels = _labels(frame["bucket"], self.bucket)
    placed = np.flatnonzero(total > 0)
    if len(placed):
        rule = self.scheme.rules[self.rule_def.code]
        parts_zh, parts_en, parts_src = [], [], []
        for i, r in enumerate(self.rankings):
            got = (points[placed, i] > 0).tolist()
            rk = np.nan_to_num(ranks[placed, i]).astype("int64").tolist()
            val = _texts(frame[f"v{i}"].to_numpy()[placed]).tolist()
            pts = _texts(points[placed, i]).tolist()
            code = r["code"]
            parts_zh.append([f"{code} 第{k}名（{v}）{p}分" if g else "" for g, k, v, p in zip(got, rk, val, pts, strict=True)])
            parts_en.append([f"{code} rank {k} ({v}) {p} points" if g else "" for g, k, v, p in zip(got, rk, val, pts, strict=True)])
            rows = frame[f"v{i}_row"].to_numpy()[placed].tolist()
            nn = frame[f"v{i}_n"].to_numpy()[placed].tolist()
            parts_src.append([ref(w) + (f" (+{m - 1})" if m > 1 else "") if g and w > 0 else ""
                              for g, w, m in zip(got, rows, nn, strict=True)])
        k = (points[placed] > 0).sum(axis=1).tolist()
        mx, tot = _texts(points[placed].max(axis=1)).tolist(), _texts(total[placed]).tolist()
        both = self.combine == "max_plus_one"
        parts_zh.append([f"多项均获名次：最高 {a} + 1 = {t} 分（R-DC-1）" if both and c >= 2 else ""
                         for a, t, c in zip(mx, tot, k, strict=True)])
        parts_en.append([f"placed in {c} rankings: max {a} + 1 = {t} (R-DC-1)" if both and c >= 2 else ""
                         for a, t, c in zip(mx, tot, k, strict=True)])
        lab = labels[placed].tolist()
        zh = [f"{lb} {rule.zh}：" + "；".join(p for p in ps if p) for lb, *ps in zip(lab, *parts_zh, strict=True)]
        en = [f"{lb} {rule.en}: " + "; ".join(p for p in ps if p) for lb, *ps in zip(lab, *parts_en, strict=True)]
        where = [", ".join(p for p in ps if p) or "排名 / ranking" for ps in zip(*parts_src, strict=True)]
        ctx.add_ledger(ledger_rows(self, ctx, frame, placed, emp, rule, total[placed], where, zh, en))
    given = np.flatnonzero(others > 0)
    if len(given):  # one row per employee: the qualifying buckets are listed (qty = their number)
        rule = self.scheme.rules[self.others["rule"]]
        pts = _text(others[given[0]])
        col = "g" if self.gate else "v0"
        days: dict[str, list[str]] = {}
        first: dict[str, int] = {}
        for e, lb, w in zip(emp[given].tolist(), labels[given].tolist(), frame[f"{col}_row"].to_numpy()[given].tolist(),
                            strict=True):
            days.setdefault(e, []).append(lb)
            first.setdefault(e, w)
        who = list(days)
        n = [len(days[e]) for e in who]
        total_pts = [int(others[given[0]]) * k for k in n]
        where = [(ref(first[e]) if first[e] > 0 else "排名 / ranking") + (f", {srcs[e]}" if srcs.get(e) else "") for e in who]
        zh = [f"{rule.code} {rule.zh}：有资格、未获名次的{_BUCKET_ZH[self.bucket]} {k} 个，每个 +{pts} 分：" + "、".join(days[e])
              for e, k in zip(who, n, strict=True)]
        en = [f"{rule.code} {rule.en}: {k} eligible {self.bucket}(s) without a placement, +{pts} each: " + ", ".join(days[e])
              for e, k in zip(who, n, strict=True)]
        rows = pd.DataFrame({
            "employee": _obj(who), "rule": _obj([rule.code] * len(who)), "category": _obj([rule.category or ""] * len(who)),
            "points_e8": np.array(total_pts, dtype="int64") * 10**4, "counted_e8": np.array(total_pts, dtype="int64") * 10**4,
            "where": _obj(where), "row": np.full(len(who), -1, dtype="int64"),
            "date": np.full(len(who), np.datetime64(pd.Timestamp(ctx.period.end), "ns")),
            "qty": np.array(n, dtype="float64"), "value": np.nan, "step": _obj([self.kind] * len(who)),
            "text_zh": _obj(zh), "text_en": _obj(en)})
        ctx.add_ledger(rows)
    for j in np.flatnonzero(lasts.any(axis=1)):
        for i, r in enumerate(self.rankings):
            if lasts[j, i] and not np.isnan(ranks[j, i]):
                ctx.note(emp[j], self.kind, r["code"], 0,
                         f"{labels[j]} {r['code']} 第{int(ranks[j, i])}名，但为最后一名，不积分（R-CY-3）。",
                         f"{labels[j]} {r['code']} rank {int(ranks[j, i])}, but last place: 0 points (R-CY-3).")
    if self.bucket in ("day", "week"):
        tables = ctx.extras.setdefault("ranks", {})
        for i, r in enumerate(self.rankings):
            ok = ~np.isnan(ranks[:, i])
            tables.setdefault(r["code"], {})[self.bucket] = pd.DataFrame({
                "employee": _obj(emp[ok]), "bucket": frame["bucket"].to_numpy()[ok],
                "rank": ranks[ok, i].astype("int64"), "value": frame[f"v{i}"].to_numpy()[ok] / UNITS})

def ledger_rows(self, ctx, frame, idx, emp, rule, units, where, zh, en) -> pd.DataFrame:
    e8 = np.asarray(units, dtype="int64") * 10**4
    b = frame["bucket"].to_numpy()[idx]
    if self.bucket == "week":
        ends = b + np.timedelta64(6, "D")
    elif self.bucket == "day":
        ends = b
    else:
        ends = np.full(len(idx), np.datetime64(bucket_end(pd.Timestamp(b[0]), self.bucket, ctx.period), "ns"))
    n = len(idx)
    return pd.DataFrame({
        "employee": _obj(emp[idx]), "rule": _obj([rule.code] * n), "category": _obj([rule.category or ""] * n),
        "points_e8": e8, "counted_e8": e8, "where": _obj(where),
        "row": np.full(n, -1, dtype="int64"), "date": ends, "qty": 1.0, "value": np.nan,
        "step": _obj([self.kind] * n), "text_zh": _obj(zh), "text_en": _obj(en)})

def gate_notes(self, ctx, frame, emp) -> None:
    if not self.gate or frame.empty:
        return
    rule = self.scheme.rules[self.gate["rule"]]
    out = np.flatnonzero(~frame["eligible"].to_numpy(dtype=bool))
    if not len(out):
        return
    mn = plain(to_decimal(self.gate["min"]))
    labels = _labels(frame["bucket"].iloc[out], self.bucket).tolist()
    no_rate = frame["no_rate"].to_numpy(dtype=bool)[out].tolist() if "no_rate" in frame else [False] * len(out)
    shown = _texts(frame["g"].to_numpy()[out]).tolist()
    zh: dict[str, list[str]] = {}
    en: dict[str, list[str]] = {}
    for e, lb, z, g in zip(emp[out].tolist(), labels, no_rate, shown, strict=True):
        zh.setdefault(e, []).append(f"{lb} 无数据（尝试为 0）" if z else f"{lb} {g}%")
        en.setdefault(e, []).append(f"{lb} no attempts" if z else f"{lb} {g}%")
    for e, items in zh.items():
        ctx.note(e, self.kind, rule.code, None,
                 f"{rule.code} {rule.zh}：低于 {mn}%，不参加排名、不积正分：" + "、".join(items),
                 f"{rule.code} {rule.en}: below {mn}%, not ranked and no positive points: " + ", ".join(en[e]))


def rank_notes(self, ctx, frame, emp, ranks) -> None:
    """Month/quarter rankings: each participant's rank, its value and the number ranked (R-G-2);
    a participant whose computed value is empty (``"empty": "not_ranked"``) is noted as not ranked."""
    if frame.empty:
        return
    labels = _labels(frame["bucket"], self.bucket).tolist()
    for i, r in enumerate(self.rankings):
        rk = ranks[:, i]
        ok = ~np.isnan(rk)
        keys = frame[["pool", "bucket"]].assign(_r=np.nan_to_num(rk, nan=-1))
        ranked = pd.Series(ok).groupby([keys["pool"], keys["bucket"]]).transform("sum").to_numpy()
        tied = keys.groupby(["pool", "bucket", "_r"])["_r"].transform("size").to_numpy()
        shown = _texts(frame[f"v{i}"].to_numpy()).tolist()
        name = r["value"].get("value") or r["value"].get("metric")
        up = r.get("order", "descending") == "ascending"
        empty = frame[f"v{i}_empty"].to_numpy(dtype=bool) if f"v{i}_empty" in frame else np.zeros(len(frame), dtype=bool)
        for j, e in enumerate(emp.tolist()):
            code, lb = r["code"], labels[j]
            if ok[j]:
                k, n, t = int(rk[j]), int(ranked[j]), int(tied[j])
                tie_zh = f"，与 {t - 1} 人并列" if t > 1 else ""
                tie_en = f", tied with {t - 1}" if t > 1 else ""
                ctx.note(e, self.kind, r["rank_as"], k,
                         f"{lb} {code}：{name} {shown[j]}，{n} 人中{'倒数' if up else ''}第 {k} 名{tie_zh}（R-G-2）。",
                         f"{lb} {code}: {name} {shown[j]}, rank {k}{' from the bottom' if up else ''} of {n}{tie_en} (R-G-2).",
                         list(frame[f"v{i}_src"].iloc[j]) if f"v{i}_src" in frame else None)
            elif empty[j]:
                ctx.note(e, self.kind, r["rank_as"], None, f"{lb} {code}：{name} 为空，不参加排名。",
                         f"{lb} {code}: {name} is empty, not ranked.", list(frame[f"v{i}_src"].iloc[j]))


def _texts(units: np.ndarray) -> np.ndarray:
    """Plain text of many unit values (each distinct value formatted once); an object array."""
    arr = np.asarray(units, dtype="float64")
    codes, uniques = pd.factorize(arr)
    table = np.array([_text(u) if not np.isnan(u) else "" for u in uniques] + [""], dtype=object)
    return table[codes]


def _labels(buckets: pd.Series, bucket: str) -> np.ndarray:
    """Bucket labels (2026-10-06, 2026-10-05..2026-10-11, 2026-10) for many rows (each distinct one once)."""
    codes, uniques = pd.factorize(pd.to_datetime(pd.Series(buckets)).to_numpy())
    table = np.array([bucket_label(pd.Timestamp(u), bucket) for u in uniques] + [""], dtype=object)
    return table[codes]


def _ref_format(table):
    """A function row -> ``指标!D14 / Metrics!D14`` (the value cell), cheap for many rows."""
    letter = table.letters.get("value", "D")
    if table.name == table.en:
        return lambda row: f"{table.name}!{letter}{row}"
    return lambda row: f"{table.name}!{letter}{row} / {table.en}!{letter}{row}"


def _obj(values) -> pd.Series:
    """An object column (no conversion to Arrow strings for many explanation texts)."""
    return pd.Series(np.asarray(values, dtype=object), dtype=object)

"""Closing a month: record results, explanation lines, inputs and carries in ONE transaction.

A closed month is locked: closing it again needs a reason and records a new version (the old
one is kept, R-G-12). Two closes of the same month at once: the unique key (book, period,
version) lets one win; the other gets :class:`LedgerConflict`. Two closes of one chain at once
(February and March): the write transaction holds the chain's lock (SQLite ``BEGIN IMMEDIATE``,
a PostgreSQL advisory lock on the chain's key) and checks again, under it, that the months the
close read are still as it read them; a month closed or closed again meanwhile refuses the
close (:class:`LedgerConflict`), which is then run again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpixl import __version__
from kpixl.core.errors import problem
from kpixl.core.inputs import Inputs
from kpixl.core.result import Result
from kpixl.core.scheme import Scheme

from . import codec
from .carry import carry_rows
from .chain import changed_meanwhile, closed_before, closed_early, normal, stale_reads
from .frames import to_blob
from .store import LedgerConflict, Store

TEST_SLEEP_ENV = "KPIXL_TEST_CLOSE_SLEEP"  # test hook: seconds to sleep inside the close transaction


@dataclass
class CloseRequest:
    book_key: str
    by: str
    workbook: str = ""  # path of the input workbook (hashed), "" for records
    partial: bool = False
    reason: str = ""
    appeal: str = ""
    appeal_filed: dt.date | None = None
    read_ids: list[int] = field(default_factory=list)  # closes whose carries this run read
    previous: list[tuple] = field(default_factory=list)  # the carried rows this run read (carry.Loaded.rows)
    drop: list[str] = field(default_factory=list)  # a re-close: who of the version replaced may be missing
    seen: dict[str, int] | None = None  # month -> close id of the ledger the run read (carry.Loaded.seen); None: not checked


@dataclass
class Closed:
    id: int
    period: str
    version: int
    employees: int
    left_out: list[dict]
    appeal_due: str
    affected: list[tuple[str, int]]  # later closes (period, version) that read a superseded version or came before this one
    dropped: list[str] = field(default_factory=list)  # in the version replaced, not in this one (req.drop)


def fingerprint(scheme: Scheme) -> str:
    """sha256 of a canonical JSON of the effective scheme (the rule table as edited on the Rules sheet)."""
    doc = {k: v for k, v in scheme.document.items() if k not in ("rules", "examples")}
    rules = {code: dataclasses.asdict(rule) for code, rule in sorted(scheme.rules.items())}
    text = json.dumps({"scheme": doc, "rules": rules}, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str) -> str:
    if not path:
        return "-"
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def close_month(store: Store, scheme: Scheme, inputs: Inputs, result: Result, req: CloseRequest) -> Closed:
    """Record ``result`` (scored with ``scheme``, the effective scheme) as the next version of its month."""
    period = result.period.label
    left_out = closable(result, req.partial, inputs.source)
    if req.reason == "" and req.appeal:
        req.reason = f"申诉 appeal {req.appeal}"
    due = ""
    if req.appeal:
        due = appeal_due(inputs, req.appeal_filed or dt.date.today()).isoformat()
    lines = line_rows(result)
    results = result_rows(result)
    input_rows = inputs_rows(inputs)
    carries = carry_rows(scheme, inputs, result, req.previous)
    sha = file_sha256(req.workbook)
    fp = fingerprint(scheme)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with store.transaction():
            if store.dialect == "postgresql":  # one chain's closes one at a time (SQLite: BEGIN IMMEDIATE)
                store.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"kpixl chain|{normal(req.book_key)}",))
            prior = locked(store, req.book_key, period, req.reason)
            unchanged(store, scheme, result, req)
            version = (prior[-1][1] + 1) if prior else 1
            gone = dropped(store, prior[-1] if prior else None, period, results, req.drop)
            reason = req.reason + (f" · 移除 dropped (v{version - 1}): {', '.join(gone)}" if gone else "")
            close_id = store.execute(
                "INSERT INTO kpixl_close (book_key, period, version, scheme_id, scheme_version, scheme_fingerprint, workbook, "
                "workbook_sha256, kpixl_version, closed_by, closed_at, reason, appeal, appeal_filed, appeal_due, partial, "
                "left_out, employees) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (req.book_key, period, version, scheme.id, scheme.version, fp, Path(req.workbook).name if req.workbook else
                 inputs.source, sha, __version__, req.by, now, reason, req.appeal,
                 req.appeal_filed.isoformat() if (req.appeal and req.appeal_filed) else "", due, int(bool(left_out)),
                 json.dumps(left_out, ensure_ascii=False), len(results)))[0][0]
            store.executemany("INSERT INTO kpixl_result (close_id, employee, name, team, department, status, vals, problems) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(close_id, *r) for r in results])
            store.executemany("INSERT INTO kpixl_line (close_id, kind, data) VALUES (?, ?, ?)",
                              [(close_id, *r) for r in lines])
            _sleep_for_test()
            store.executemany("INSERT INTO kpixl_input (close_id, sheet, cells, data) VALUES (?, ?, ?, ?)",
                              [(close_id, *r) for r in input_rows])
            store.executemany("INSERT INTO kpixl_carry (close_id, target, owner, team, item, period, value, source) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(close_id, *r) for r in carries])
            store.executemany("INSERT INTO kpixl_read (close_id, read_close_id) VALUES (?, ?)",
                              [(close_id, rid) for rid in sorted(set(req.read_ids))])
    except LedgerConflict:
        raise
    except Exception as exc:
        if store.is_unique_violation(exc):
            raise LedgerConflict([problem(
                "close_race", f"账本 {period} / ledger {period}", f"{period} 刚被另一个关账操作抢先记录。",
                f"Another close of {period} was recorded at the same moment and won.",
                "用 kpixl ledger show 查看结果；如需更正，加 --reason 重新关账。",
                "See it with kpixl ledger show; to correct it, close again with --reason.")]) from None
        raise
    old = [p[0] for p in prior]
    early = closed_before(store, scheme, req.book_key, period)
    later = {(r[0], int(r[1])) for r in _period_versions(store, early)}
    return Closed(close_id, period, version, len(results), left_out, due,
                  sorted(set(affected(store, old + early)) | later), gone)


def unchanged(store: Store, scheme: Scheme, result: Result, req: CloseRequest) -> None:
    """Under the chain's lock: the months this close read (``req.seen``, ``req.read_ids``) are still the
    ledger's; a month it reads, or would read, closed or closed again by another close since it read
    the ledger (or a month read through them superseded, or closed late, meanwhile) is a LedgerConflict."""
    if req.seen is None:
        return
    period = result.period.label
    months = changed_meanwhile(store, scheme, req.book_key, result.period, req.seen, req.read_ids)
    later = stale_reads(store, req.read_ids) + closed_early(store, scheme, req.read_ids)
    if not months and not later:
        return
    shown = ", ".join(months)
    raise LedgerConflict([problem(
        "close_read_changed", f"账本 {period} / ledger {period}",
        f"本次关账运行期间，另一个关账更改了{shown or '它读取的月份'}（在本次读取账本之后关账或重新关账）；{period} 的数字没有包含"
        f"这一更改，未关账。",
        f"Another close changed {shown or 'the months it read'} while this one ran (closed or closed again after this "
        f"close read the ledger); {period}'s figures lack that change, so {period} was not closed.",
        "再运行一次关账（kpixl close 同一个工作簿），它会读取账本现在的数字。",
        "Run the close again (kpixl close on the same workbook); it then reads the ledger as it is now.")] + later)


def dropped(store: Store, last: tuple | None, period: str, results: list[tuple], drop: list[str]) -> list[str]:
    """Who of the version replaced (``last``: id, version, ...) this close leaves out of the month.
    Each must be named with --drop (``drop``), else LedgerConflict; naming anyone else is a usage error."""
    from kpixl.core.errors import UsageError

    before = [r[0] for r in store.execute("SELECT employee FROM kpixl_result WHERE close_id = ? ORDER BY employee",
                                          (last[0],))] if last else []
    now = {r[0] for r in results}
    gone = [e for e in before if e not in now]
    stray = [e for e in dict.fromkeys(drop) if e not in gone]
    if stray:
        where = f"--drop {', '.join(stray[:20])}"
        raise UsageError([problem(
            "drop_not_dropped", where,
            f"--drop 只用于上一版本（{period} v{last[1]}）中有、本工作簿中没有的员工；{', '.join(stray[:20])} 不是。"
            if last else f"{period} 还没有关账，--drop 不适用。",
            f"--drop names employees of the version replaced ({period} v{last[1]}) who are not in this workbook; "
            f"{', '.join(stray[:20])} are not." if last else f"{period} has not been closed; --drop does not apply.",
            "去掉这些 --drop。", "Leave out these --drop options.")])
    missing = [e for e in gone if e not in drop]
    if missing:
        shown = ", ".join(missing[:20]) + (f" … (+{len(missing) - 20})" if len(missing) > 20 else "")
        raise LedgerConflict([problem(
            "month_dropped", f"账本 {period} v{last[1]} / ledger {period} v{last[1]}",
            f"重新关账会把 {len(missing)} 名员工从 {period} 中移除：{shown}。他们在 v{last[1]} 中，但不在本工作簿的员工表中；"
            f"未关账。",
            f"Closing again would remove {len(missing)} employee(s) from {period}: {shown}. They are in v{last[1]} but "
            "not on this workbook's Employees sheet; nothing was closed.",
            "如果漏了，把他们加回员工表；如果确实不属于本月，每人加一个 --drop 工号 后重新关账（会记录在原因中）。",
            "If they were left off by mistake, put them back on the Employees sheet; if they really are not in the month, "
            "close again with --drop ID for each (recorded with the reason).")])
    return gone


def locked(store: Store, key: str, period: str, reason: str) -> list[tuple]:
    """The month's earlier versions (id, version, by, at); LedgerConflict when it is closed and no reason is given."""
    prior = store.execute("SELECT id, version, closed_by, closed_at FROM kpixl_close WHERE book_key = ? AND period = ? "
                          "ORDER BY version", (key, period))
    if prior and not reason.strip():
        last = prior[-1]
        raise LedgerConflict([problem(
            "month_locked", f"账本 {period} v{last[1]} / ledger {period} v{last[1]}",
            f"{period} 已于 {last[3]} 由 {last[2]} 关账（v{last[1]}），已锁定。",
            f"{period} was closed by {last[2]} at {last[3]} (v{last[1]}) and is locked.",
            "更正需要说明原因：kpixl close BOOK --reason \"...\"（会记录新版本，旧版本保留）。",
            "A correction needs a reason: kpixl close BOOK --reason \"...\" (a new version is recorded; the old one is kept).")])
    return prior


def closable(result: Result, partial: bool, source: str) -> list[dict]:
    """Who is left out (and why); raise LedgerConflict when the month may not be closed."""
    period = result.period.label
    left_out = [{"employee": e.id, "where": e.problems[0].where if e.problems else "", "reason_zh": e.problems[0].zh
                 if e.problems else "", "reason_en": e.problems[0].en if e.problems else ""}
                for e in result.employees if not e.ok]
    if left_out and (not partial or len(left_out) == len(result.employees)):
        nobody = len(left_out) == len(result.employees)
        raise LedgerConflict(result.errors[:20] + [problem(
            "close_blocked", source, f"{len(left_out)} 名员工有错误，未关账 {period}。",
            f"{len(left_out)} employee(s) have errors; {period} was not closed.",
            "修正错误后再关账。" if nobody else "修正错误后再关账，或用 --partial 关账其余员工（记录未关账的人和原因）。",
            "Fix the errors and close again." if nobody else
            "Fix the errors and close again, or pass --partial to close the others (who was left out, and why, is recorded).")])
    return left_out


def affected(store: Store, superseded: list[int]) -> list[tuple[str, int]]:
    """Later closes that read any of the ``superseded`` closes, or read such a close in turn (May read
    April, which read March, which read the corrected February): listed, never recomputed."""
    seen: dict[int, tuple[str, int]] = {}
    frontier = list(superseded)
    while frontier:
        marks = ", ".join("?" for _ in frontier)
        rows = store.execute(f"SELECT DISTINCT c.id, c.period, c.version FROM kpixl_read r JOIN kpixl_close c "
                             f"ON c.id = r.close_id WHERE r.read_close_id IN ({marks})", frontier)
        frontier = [int(cid) for cid, _p, _v in rows if int(cid) not in seen]
        seen.update({int(cid): (per, int(ver)) for cid, per, ver in rows})
    return sorted(set(seen.values()))


def _period_versions(store: Store, ids: list[int]) -> list[tuple]:
    if not ids:
        return []
    return store.execute(f"SELECT period, version FROM kpixl_close WHERE id IN ({', '.join('?' * len(ids))})", ids)


def appeal_due(inputs: Inputs, filed: dt.date) -> dt.date:
    """R-GB-11: the end of the 5th working day after the filing day (Mon-Fri minus HOLIDAYS, R-GB-9)."""
    from kpixl.core.periods import add_working_days, parse_dates

    param = inputs.parameters.get("HOLIDAYS")
    try:
        holidays = frozenset(parse_dates(param.value)) if param is not None else frozenset()
    except ValueError:
        holidays = frozenset()
    return add_working_days(filed, 5, holidays)


def _sleep_for_test() -> None:
    seconds = os.environ.get(TEST_SLEEP_ENV)
    if seconds:
        time.sleep(float(seconds))


# ------------------------------------------------------------------------------- rows


def result_rows(result: Result) -> list[tuple]:
    return [(e.id, e.name, e.team, e.department, e.status, codec.dumps(e.values),
             json.dumps([p.as_dict() for p in e.problems], ensure_ascii=False)) for e in result.employees]


def line_rows(result: Result) -> list[tuple[str, bytes]]:
    """Every explanation line as data, one Parquet table per kind: ``points`` (each contribution with its
    source cell, rule and points in 1e-8 units), ``money`` lines, ``flags`` and computed ``values`` (their text; the exact values are in kpixl_result)."""
    ok = {e.id for e in result.employees if e.ok}
    out: list[tuple[str, bytes]] = []
    for kind, frame in (("points", result.ledger), ("money", result.money)):
        if not frame.empty:
            out.append((kind, to_blob(frame[frame["employee"].isin(ok)])))
    flags = [{**f, "params": codec.dumps(f["params"]), "sources": ", ".join(f["sources"])} for f in result.flags
             if f["employee"] in ok]
    if flags:
        out.append(("flags", to_blob(pd.DataFrame(flags))))
    values = [(emp, n["step"], n["code"], str(n["value"]), n["text_zh"], n["text_en"], ", ".join(n["sources"]))
              for emp in result.notes if emp in ok for n in result.notes[emp]]
    if values:
        out.append(("values", to_blob(pd.DataFrame(values, columns=["employee", "step", "code", "value", "text_zh",
                                                                    "text_en", "sources"]))))
    return out


def inputs_rows(inputs: Inputs) -> list[tuple]:
    """The month's input rows, one record per sheet: (sheet, its name and column letters, its rows with
    their Excel row ``xl_row``), so every figure can be traced back to its cell."""
    out: list[tuple] = []
    for sheet, table in (("employees", inputs.employees), ("events", inputs.events), ("metrics", inputs.metrics),
                         ("ratings", inputs.ratings), ("history", inputs.history), ("rules", inputs.rules)):
        if table is None or table.frame.empty:
            continue
        out.append((sheet, json.dumps({"sheet": table.label, "letters": table.letters}, ensure_ascii=False),
                    to_blob(table.frame)))
    params = pd.DataFrame([{"code": code, "value": codec.dumps(p.value), "where": p.where}
                           for code, p in sorted(inputs.parameters.items())], columns=["code", "value", "where"])
    out.append(("parameters", json.dumps({"sheet": inputs.parameters_label}, ensure_ascii=False), to_blob(params)))
    return out

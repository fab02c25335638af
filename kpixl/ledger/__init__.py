"""The ledger: kpixl remembers every closed month (SQLite by default, PostgreSQL for a shared one).

Front ends call :func:`ledger_url` to decide whether a ledger is in use, :func:`with_history`
after ``read_workbook`` to merge what the rules need from earlier months into the ``Inputs``,
and :func:`close` to record a month. The scoring core never imports this package.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .chain import normal

ENV = "KPIXL_LEDGER"
DEFAULT_NAME = "kpixl.db"


def ledger_url(book: str | os.PathLike | None, explicit: str | None = None, create: bool = False) -> str | None:
    """The ledger a run uses: ``--ledger``, else ``KPIXL_LEDGER``, else ``kpixl.db`` beside the workbook
    if it exists (or ``create``: a close makes it). None: no ledger (kpixl behaves as without one)."""
    if explicit:
        return explicit
    if os.environ.get(ENV):
        return os.environ[ENV]
    if book is None or not (create or Path(book).is_file()):
        return DEFAULT_NAME if (create and book is None) else None
    beside = Path(book).resolve().parent / DEFAULT_NAME
    return str(beside) if (create or beside.is_file()) else None


def book_key(scheme, inputs) -> str:
    """Which department's chain of months a workbook belongs to: ``scheme/department(s)``."""
    frame = inputs.employees.frame
    deps = sorted({normal(d) for d in frame["department"]} - {""}) if "department" in frame else []
    return f"{scheme.id}/{'+'.join(deps) if deps else '-'}"


def open_ledger(url: str, create: bool = True):
    from .store import open_store

    return open_store(url, create=create)


def load(store, scheme, key: str, period, inputs=None, explicit: bool = False):
    """The carried rows a run of ``period`` reads: the newest version of every earlier closed month;
    ``latest`` items from the newest close only (a close keeps the latest state of every owner).
    With ``inputs`` (the workbook's own), the chain is checked too (chain.py): a changed key (unless
    ``explicit``), an ID typed differently, employees left out of a month read, months read that were
    closed from a superseded version; each becomes a problem on ``Loaded.problems``."""
    from kpixl.core.periods import add_months

    from . import chain
    from .carry import carries, needed, row_source, typed_months, window_start

    end = period.month_periods()[-1].label
    keys = chain.stored_keys(store, key) or [key]
    closes = store.execute(f"SELECT id, period, version, left_out FROM kpixl_close WHERE book_key IN "
                           f"({', '.join('?' * len(keys))}) ORDER BY period, version", keys)
    newest: dict[str, tuple[int, int]] = {}
    left_text: dict[str, str] = {}
    for cid, per, ver, lo in closes:
        if (per < period.label or (period.kind == "quarter" and per <= end)) and chain.is_month(per):
            newest[per] = (int(cid), int(ver))
            left_text[per] = lo
    if not newest:
        loaded = needed(scheme, period, {}, [])
        if inputs is not None and not explicit:
            upto = add_months(period.month_periods()[-1], 1).label
            found = chain.other_chains(store, scheme.id, keys, upto, [i for i in inputs.employees.frame["id"] if i])
            if found:
                loaded.problems.append(chain.wrong_chain(key, found, inputs.employees.label))
        return loaded
    by_id = {cid: (per, ver) for per, (cid, ver) in newest.items()}
    windowed = [c for c in carries(scheme) if c.window != "latest"]
    starts = [window_start(c.window, period) for c in windowed]
    reach = None if None in starts else min(starts, default=end)
    last = max(newest)
    older = [cid for per, (cid, _v) in newest.items() if per != last and (reach is None or per >= reach)]
    rows = []
    select = "SELECT close_id, target, owner, team, item, period, value, source FROM kpixl_carry WHERE close_id "
    parts = [(select + "= ?", [newest[last][0]])]
    items = sorted({c.item for c in windowed})
    for i in range(0, len(older), 400):
        if items:
            chunk = older[i:i + 400]
            parts.append((select + f"IN ({', '.join('?' * len(chunk))}) AND item IN ({', '.join('?' * len(items))})",
                          chunk + items))
    for sql, params in parts:
        for cid, target, owner, team, item, per, value, source in store.execute(sql, params):
            cper, cver = by_id[int(cid)]
            rows.append((target, owner, team, item, per, value, row_source(source, cper, cver), cper))
    loaded = needed(scheme, period, newest, rows)
    loaded.seen = {per: cid for per, (cid, _v) in newest.items()}
    if inputs is not None:
        loaded.problems += chain.stale_reads(store, loaded.read_ids)
        loaded.problems += chain.closed_early(store, scheme, loaded.read_ids)
        owners = _owners(store, [cid for cid, _v in newest.values()])
        loaded.problems += chain.id_variants(inputs, owners)
        if carries(scheme):
            loaded.problems += chain.renamed(inputs, _names(store, by_id, owners & set(inputs.employees.frame["id"])))
            loaded.problems += chain.moved_in(store, scheme.id, keys, add_months(period.month_periods()[-1], 1).label,
                                              inputs, owners, {emp for emp, _m in typed_months(inputs)})
        loaded.problems += chain.quarter_absentees(inputs, period, loaded.rows)
        read = [per for per in newest if (per == last and len(windowed) < len(carries(scheme)))
                or any(s is None or per >= s for s in starts)]
        loaded.left_out = chain.left_out([(newest[p][0], p, newest[p][1], left_text[p]) for p in read])
        loaded.left_out += chain.dropped_from(store, keys, {p: newest[p][1] for p in read})
        if any(c.kind == "events" for c in windowed):
            loaded.members = _members(store, {p: v for p, v in newest.items() if reach is None or p >= reach})
    return loaded


def _members(store, months: dict[str, tuple[int, int]]) -> dict[str, tuple[int, set[str]]]:
    """Month -> (version, employees scored ok) of the given closes (month -> (id, version))."""
    by_id = {cid: per for per, (cid, _v) in months.items()}
    out = {per: (ver, set()) for per, (_cid, ver) in months.items()}
    ids = sorted(by_id)
    for i in range(0, len(ids), 400):
        chunk = ids[i:i + 400]
        for cid, emp in store.execute(f"SELECT close_id, employee FROM kpixl_result WHERE status = 'ok' AND close_id IN "
                                      f"({', '.join('?' * len(chunk))})", chunk):
            out[by_id[int(cid)]][1].add(emp)
    return out


def _owners(store, close_ids: list[int]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(close_ids), 400):
        chunk = close_ids[i:i + 400]
        out |= {r[0] for r in store.execute(
            f"SELECT DISTINCT employee FROM kpixl_result WHERE close_id IN ({', '.join('?' * len(chunk))})", chunk)}
    return out


def _names(store, by_id: dict[int, tuple[str, int]], ids: set[str]) -> dict[str, tuple[str, str]]:
    """Employee (of ``ids``) -> (the newest of the closes ``by_id`` holding them, their name there):
    the newest close first (it holds nearly everyone), the older ones only for those it lacks."""
    out: dict[str, tuple[str, str]] = {}
    for cid, (per, _v) in sorted(by_id.items(), key=lambda kv: kv[1][0], reverse=True):
        wanted = sorted(ids - set(out))
        if not wanted:
            break
        if len(wanted) > 400:  # (most of the department: one read of the close, not many)
            rows = store.execute("SELECT employee, name FROM kpixl_result WHERE close_id = ?", [cid])
        else:
            rows = store.execute(f"SELECT employee, name FROM kpixl_result WHERE close_id = ? AND employee IN "
                                 f"({', '.join('?' * len(wanted))})", [cid, *wanted])
        for emp, name in rows:
            if emp in ids and emp not in out:
                out[emp] = (per, name or "")
    return out


def with_history(scheme, inputs, book=None, explicit: str | None = None, key: str | None = None):
    """``(inputs, read_ids)``: the inputs with the ledger's history merged in (unchanged without a ledger)."""
    url = ledger_url(book, explicit)
    if url is None or inputs.period is None:
        return inputs, []
    from .carry import carries, merge
    from .store import guard, sqlite_path

    if not url.startswith(("postgresql://", "postgres://")) and not sqlite_path(url).exists():
        if explicit:  # --ledger names a file that is not there (a typo would read no month at all)
            with guard(url):
                open_ledger(url, create=False)
        if not carries(scheme):
            return inputs, []
        return dataclasses.replace(inputs, problems=[*inputs.problems, _no_ledger_yet(url)]), []
    if not carries(scheme):
        return inputs, []
    with guard(url):
        store = open_ledger(url, create=False)
        try:
            loaded = load(store, scheme, key or book_key(scheme, inputs), inputs.period, inputs, explicit=bool(key))
        finally:
            store.close()
    return merge(scheme, inputs, loaded), loaded.read_ids


def _no_ledger_yet(url: str):
    from kpixl.core.errors import problem

    from .store import redact

    shown = redact(url)
    return problem(
        "ledger_not_found", f"账本 {shown} / ledger {shown}",
        f"KPIXL_LEDGER 指向的账本 {shown} 还不存在：本次没有读取任何已关账的月份（结转、累计、以前月份的次数按没有记录计算）。",
        f"The ledger {shown} named by KPIXL_LEDGER does not exist yet: no closed month is read (carry-overs, "
        "cumulative figures and earlier occurrences count as having no record).",
        "如果已经关账过，检查 KPIXL_LEDGER 的路径；如果这是第一个月，关账后就会建立账本（kpixl close）。",
        "If months were closed before, check the KPIXL_LEDGER path; in the first month the ledger is created by "
        "kpixl close.", severity="warning")


def score_month(store, scheme, raw, key: str | None = None, explicit: bool = False):
    """``(result, merged inputs, loaded)``: score ``raw`` inputs with the ledger's history merged in
    (``explicit``: the key was given with ``--key``, so a chain with no earlier month is not questioned)."""
    from kpixl.core.engine import score

    from .carry import merge

    loaded = load(store, scheme, key or book_key(scheme, raw), raw.period, raw, explicit=explicit)
    inputs = merge(scheme, raw, loaded)
    return score(scheme, inputs), inputs, loaded


def close_book(store, scheme, raw, by: str, key: str | None = None, scored=None, explicit: bool = False, **request):
    """Score ``raw`` (the workbook's own inputs) with the ledger's history and record it: ``(Closed, Result)``.
    ``scored``: the ``score_month`` triple when the caller has already scored (not scored twice). The month
    is recorded under the chain's stored key when one is the same once normalised (chain.resolve_key)."""
    from kpixl.core.engine import effective_scheme

    from .chain import resolve_key
    from .close import CloseRequest, close_month

    key = resolve_key(store, key or book_key(scheme, raw))
    result, inputs, loaded = scored or score_month(store, scheme, raw, key, explicit)
    effective, _ = effective_scheme(scheme, inputs)
    req = CloseRequest(book_key=key, by=by, read_ids=loaded.read_ids, previous=loaded.rows, seen=loaded.seen, **request)
    return close_month(store, effective, raw, result, req), result

"""Whether a run reads the right chain of months, and whether what it reads can be trusted.

A workbook's months are chained by ``scheme/department`` (``book_key``). Department names are
compared after NFKC (full-width letters, digits and brackets become ASCII) with spaces removed,
so ``ＣＳ招生部`` and ``CS招生部 `` are one chain; a ledger written before that normalisation is
still read (its stored keys are compared the same way). Problems found here withhold results:

- the chain has no month before this one but the same scheme has months under another key that
  hold this workbook's employees (a new hire from another department, a renamed department):
  nobody is scored until ``--key`` names the chain or the 部门 column is corrected;
- an employee absent from the chain whose ID matches a chain employee but for case or full-width
  characters (``rpx`` for ``RPX``): that employee is withheld;
- an employee left out of a month that is read (``close --partial``), or dropped from it by a
  re-close (``close --drop``) but on this workbook's Employees sheet: that employee is withheld
  until the month is re-closed or their figures of that month are typed on the History sheet;
- a closed month that is read, directly or through the months it read, was closed from a version
  since superseded: nobody is scored until that month is re-closed;
- a closed month that is read, directly or through the months it read, was closed before an
  earlier month it would have read was closed at all (months closed out of order): nobody is
  scored until that month is re-closed;
- a quarter run whose Employees sheet lacks someone the ledger has for all three months (the
  quarter's ranking would leave them out): nobody is scored until they are listed.
"""

from __future__ import annotations

import json
import re
import unicodedata

from kpixl.core.errors import Problem, problem
from kpixl.core.scheme import spelling

_MONTH = re.compile(r"\d{4}-\d{2}")


def is_month(label: str) -> bool:
    """Whether a close's period is a month (``2026-10``), not a quarter (``2026-Q4``, a record of the
    quarterly award that no later month reads)."""
    return _MONTH.fullmatch(label) is not None


def normal(text) -> str:
    """A department name or key as chains compare it: NFKC, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


def normal_id(text) -> str:
    return spelling(str(text))


def stored_keys(store, key: str) -> list[str]:
    """The keys in the ledger that are ``key`` once normalised (the exact one first)."""
    found = {r[0] for r in store.execute("SELECT DISTINCT book_key FROM kpixl_close")}
    same = sorted(k for k in found if k != key and normal(k) == normal(key))
    return ([key] if key in found else []) + same


def resolve_key(store, key: str) -> str:
    """The key a close of ``key`` is recorded under: an existing chain that is the same once normalised."""
    keys = stored_keys(store, key)
    return keys[0] if keys else key


def _chunks(values: list, size: int = 400):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _chains_of(store, scheme_id: str, keys: list[str], period: str, wanted: set[str]) -> dict[str, set[str]]:
    """Normalised ID -> the other keys of the scheme with months before ``period`` that hold it."""
    rows = store.execute("SELECT id, book_key FROM kpixl_close WHERE scheme_id = ? AND period < ?", (scheme_id, period))
    others: dict[int, str] = {int(cid): k for cid, k in rows if k not in keys}
    found: dict[str, set[str]] = {}
    if not others or not wanted:
        return found
    for chunk in _chunks(sorted(others)):
        sql = f"SELECT DISTINCT close_id, employee FROM kpixl_result WHERE close_id IN ({', '.join('?' * len(chunk))})"
        for cid, emp in store.execute(sql, chunk):
            if normal_id(emp) in wanted:
                found.setdefault(normal_id(emp), set()).add(others[int(cid)])
    return found


def other_chains(store, scheme_id: str, keys: list[str], period: str, ids: list[str]) -> list[str]:
    """Other keys of the scheme with months before ``period`` that hold any of ``ids`` (normalised)."""
    found = _chains_of(store, scheme_id, keys, period, {normal_id(i) for i in ids})
    return sorted(set().union(*found.values())) if found else []


def moved_in(store, scheme_id: str, keys: list[str], period: str, inputs, owners: set[str], typed: set[str]) -> list[Problem]:
    """Employees of this workbook absent from its chain who have closed months of the scheme under
    another key (moved from another department): their history there (S4's occurrences of the year,
    S7's carry-over, S15's level) would not be read, so each is withheld, unless the workbook types
    History rows of theirs (``typed``)."""
    table = inputs.employees
    known = {normal_id(o) for o in owners}
    newcomers = {normal_id(e): (e, int(row)) for e, row in zip(table.frame["id"], table.frame["xl_row"], strict=True)
                 if e and e not in owners and e not in typed and normal_id(e) not in known}
    if not newcomers:
        return []
    found = _chains_of(store, scheme_id, keys, period, set(newcomers))
    out = []
    for n, chains in sorted(found.items()):
        emp, row = newcomers[n]
        where = ", ".join(sorted(chains))
        out.append(problem(
            "ledger_moved_in", table.ref("id", row),
            f"员工 {emp} 在本链（本部门）没有以前的关账记录，但在 {where} 下有；调动前的数据（如本年违规次数、结转积分、级别）"
            "不会被读取，该员工的结果暂不计算。",
            f"Employee {emp} has no closed month in this chain (department), but has some under {where}; the "
            "history from before the move (occurrences of the year, carried points, level) would not be read, so "
            "their result is withheld.",
            "把该员工调动前各月的数据填在历史表（项目、月份、数值），kpixl 就从那里读取。",
            "Type their figures of the months before the move on the History sheet (item, month, value); kpixl reads them there.",
            employee=emp))
    return out


def wrong_chain(key: str, found: list[str], where: str) -> Problem:
    keys = "、".join(found)
    keys_en = ", ".join(found)
    return problem(
        "ledger_key_changed", where,
        f"账本中没有链 {key} 在本月之前的关账记录，但本工作簿的员工在 {keys} 下有关账记录；"
        f"以前月份的数据不会被读取，所有结果暂不计算。",
        f"The ledger has no month before this one under {key}, but this workbook's employees have closed months "
        f"under {keys_en}; earlier months would not be read, so no result is given.",
        f"如果是同一个部门：改正员工表的部门列，或加 --key {found[0]}。如果确实是新的一条链：加 --key {key}。",
        f"If it is the same department: correct the 部门 column of the Employees sheet, or pass --key {found[0]}. "
        f"If it really is a new chain: pass --key {key}.")


def id_variants(inputs, owners: set[str]) -> list[Problem]:
    """Employees not in the chain whose ID is a chain owner's but for case or full-width characters."""
    if not owners:
        return []
    by_normal: dict[str, str] = {}
    for o in sorted(owners):
        by_normal.setdefault(normal_id(o), o)
    table = inputs.employees
    out = []
    for emp, row in zip(table.frame["id"], table.frame["xl_row"], strict=True):
        if not emp or emp in owners:
            continue
        theirs = by_normal.get(normal_id(emp))
        if theirs is not None:
            out.append(problem(
                "ledger_id_variant", table.ref("id", int(row)),
                f"工号 {emp} 不在账本中，但账本有工号 {theirs}（只差大小写或全角/半角）；该员工以前月份的数据不会被读取。",
                f"Employee ID {emp} is not in the ledger, but the ledger has {theirs} (differing only in case or "
                f"full-width characters); this employee's earlier months would not be read.",
                f"如果是同一人，把工号改为 {theirs}（其他表中的工号也一并改正）。",
                f"If it is the same person, change the ID to {theirs} (and on the other sheets too).", employee=emp))
    return out


def renamed(inputs, names: dict[str, tuple[str, str]]) -> list[Problem]:
    """Employees whose name differs from the ledger's for their ID (more than case, width or spaces):
    an ID given to a new person would inherit the last holder's carried figures (level, the year's
    occurrences). A warning at the name: a corrected name is right, another person is not."""
    table = inputs.employees
    if "name" not in table.frame:
        return []
    out = []
    for emp, name, row in zip(table.frame["id"], table.frame["name"], table.frame["xl_row"], strict=True):
        had = names.get(emp)
        mine = "" if name is None or name != name else str(name).strip()
        if had is None or not mine or not had[1] or spelling(mine) == spelling(had[1]):
            continue
        per, theirs = had
        out.append(problem(
            "ledger_name_differs", table.ref("name", int(row)),
            f"工号 {emp} 在账本中（{per} 关账）是 “{theirs}”，本工作簿是 “{mine}”；以前月份的结转数据（级别、本年次数等）"
            f"按同一人读取。",
            f"Employee ID {emp} is '{theirs}' in the ledger (closed {per}) and '{mine}' in this workbook; the "
            "earlier months' carried figures (level, occurrences of the year, ...) are read as the same person's.",
            "如果是同一人（姓名已更正），无需处理。如果工号给了新员工：给新员工一个新工号，或在历史表填写其起始数据。",
            "If it is the same person (the name was corrected), nothing to do. If the ID was given to a new person: "
            "give them a new ID, or type their starting figures on the History sheet.",
            employee=emp, severity="warning"))
    return out


def left_out(closes: list[tuple]) -> list[tuple[str, int, dict]]:
    """(period, version, record) of every employee left out of the given closes (id, period, version, left_out)."""
    out = []
    for _cid, per, ver, text in closes:
        for rec in json.loads(text or "[]"):
            out.append((per, int(ver), rec))
    return out


def dropped_from(store, keys: list[str], read: dict[str, int]) -> list[tuple[str, int, dict]]:
    """(period, version, record) of every employee of an earlier version of a month read (``read``: period ->
    its newest version) who is not in the newest one (re-closed with ``--drop``): the month read has no
    figures of theirs, as for an employee left out by ``--partial``. ``version`` is the version that dropped
    them; the record says ``dropped`` and carries that version's reason."""
    out: list[tuple[str, int, dict]] = []
    periods = sorted(p for p, ver in read.items() if ver > 1)
    for chunk in _chunks(periods):
        rows = store.execute(
            "SELECT c.period, c.version, c.reason, r.employee FROM kpixl_close c LEFT JOIN kpixl_result r ON r.close_id = c.id "
            f"WHERE c.book_key IN ({', '.join('?' * len(keys))}) AND c.period IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY c.period, c.version", [*keys, *chunk])
        versions: dict[str, dict[int, str]] = {per: {} for per in chunk}
        present: dict[str, dict[str, int]] = {per: {} for per in chunk}  # employee -> the last version that has them
        for p, ver, reason, emp in rows:  # (one pass: the rows are every version's employees)
            versions[p][int(ver)] = reason
            if emp is not None:
                present[p][emp] = max(present[p].get(emp, 0), int(ver))
        for per in chunk:
            for emp, last in sorted(present[per].items()):
                if last < read[per]:
                    gone = min(v for v in versions[per] if v > last)
                    out.append((per, gone, {"employee": emp, "dropped": True, "reason": versions[per][gone]}))
    return out


def left_out_problem(per: str, ver: int, rec: dict) -> Problem:
    emp = rec["employee"]
    if rec.get("dropped"):
        return dropped_problem(per, ver, rec)
    why_zh = f"（原因：{rec.get('where', '')} {rec.get('reason_zh', '')}）" if rec.get("reason_zh") else ""
    why_en = f" (why: {rec.get('where', '')} {rec.get('reason_en', '')})" if rec.get("reason_en") else ""
    return problem(
        "ledger_left_out", f"账本 {per} v{ver} / ledger {per} v{ver}",
        f"员工 {emp} 在 {per} 关账时被排除（--partial）{why_zh}，账本中没有该员工 {per} 的数据；其结果暂不计算。",
        f"Employee {emp} was left out of the close of {per} (--partial){why_en}; the ledger has no figures of "
        f"{per} for them, so their result is withheld.",
        f"更正该员工 {per} 的行后重新关账 {per}：kpixl close {per} 的工作簿 --reason \"...\"；或在历史表填写该员工 {per} 的数据。",
        f"Correct the employee's row and close {per} again: kpixl close <the {per} workbook> --reason \"...\"; "
        f"or type the employee's figures of {per} on the History sheet.", employee=emp)


def dropped_problem(per: str, ver: int, rec: dict) -> Problem:
    emp = rec["employee"]
    why = f"（原因：{rec['reason']}）" if rec.get("reason") else ""
    why_en = f" (why: {rec['reason']})" if rec.get("reason") else ""
    return problem(
        "ledger_dropped", f"账本 {per} v{ver} / ledger {per} v{ver}",
        f"员工 {emp} 在 {per} v{ver} 重新关账时被移除（--drop）{why}，账本中没有该员工 {per} 的数据，"
        f"但该员工在本工作簿的员工表中；其结果暂不计算。",
        f"Employee {emp} was dropped from {per} when it was closed again as v{ver} (--drop){why_en}; the ledger has no "
        f"figures of {per} for them, but they are on this workbook's Employees sheet, so their result is withheld.",
        f"如果该员工 {per} 在岗：把该员工加回 {per} 的工作簿后重新关账（kpixl close {per} 的工作簿 --reason \"...\"）；"
        f"或在历史表填写该员工 {per} 的数据。",
        f"If the employee worked in {per}: put them back on the {per} workbook and close {per} again (kpixl close "
        f"<the {per} workbook> --reason \"...\"); or type the employee's figures of {per} on the History sheet.",
        employee=emp)


def _read_through(store, read_ids: list[int]) -> list[int]:
    """``read_ids`` and the current closes they read, and those they read in turn: a close read through
    a chain of closes was read too (a superseded close is not walked into; reading it is the problem)."""
    seen = set(read_ids)
    frontier = sorted(seen)
    while frontier:
        found: list[int] = []
        for chunk in _chunks(frontier):
            marks = ", ".join("?" * len(chunk))
            found += [int(r[0]) for r in store.execute(
                "SELECT DISTINCT r.read_close_id FROM kpixl_read r JOIN kpixl_close s ON s.id = r.read_close_id "
                f"WHERE r.close_id IN ({marks}) AND NOT EXISTS (SELECT 1 FROM kpixl_close n WHERE n.book_key = s.book_key "
                "AND n.period = s.period AND n.version > s.version)", chunk)]
        frontier = sorted(set(found) - seen)
        seen |= set(frontier)
    return sorted(seen)


def stale_reads(store, read_ids: list[int]) -> list[Problem]:
    """Closes this run reads, directly or through the closes they read, that were closed from a version
    superseded since (listed, never recomputed)."""
    out = []
    for chunk in _chunks(_read_through(store, read_ids)):
        marks = ", ".join("?" * len(chunk))
        rows = store.execute(
            "SELECT DISTINCT c.period, c.version, s.period, s.version FROM kpixl_read r "
            "JOIN kpixl_close c ON c.id = r.close_id JOIN kpixl_close s ON s.id = r.read_close_id "
            f"WHERE r.close_id IN ({marks}) AND EXISTS (SELECT 1 FROM kpixl_close n WHERE n.book_key = s.book_key "
            "AND n.period = s.period AND n.version > s.version) ORDER BY c.period, s.period", chunk)
        for per, ver, sper, sver in rows:
            out.append(problem(
                "ledger_stale_month", f"账本 {per} v{ver} / ledger {per} v{ver}",
                f"{per} v{ver} 关账时读取了 {sper} v{sver}，而 {sper} 已重新关账（新版本）；{per} 的结果可能已过时，"
                f"本月的结果暂不计算。",
                f"{per} v{ver} was closed from {sper} v{sver}, which has been superseded by a re-close; {per}'s "
                f"figures may be stale, so no result of this month is given.",
                f"先重新关账 {per}：kpixl close {per} 的工作簿 --reason \"{sper} 已更正\"，再计算本月。",
                f"Close {per} again first: kpixl close <the {per} workbook> --reason \"{sper} corrected\"; "
                f"then score this month."))
    return out


def missed(store, scheme, cid: int, key: str, per: str) -> list[str]:
    """Earlier months of chain ``key`` first closed after close ``cid`` (of month ``per``) was, that it
    would have read: inside a carry's window, or (a ``latest`` carry) newer than every month closed
    before it. Closed out of order, ``cid`` lacks them."""
    from kpixl.core.periods import parse_period

    from .carry import carries, month_carries, window_start

    cs = month_carries(scheme, carries(scheme))
    rows = [(p, int(first)) for p, first in store.execute(
        "SELECT period, MIN(id) FROM kpixl_close WHERE book_key = ? AND period < ? GROUP BY period", (key, per))
        if is_month(p)]
    late = [p for p, first in rows if first > cid]
    if not late or not cs or not is_month(per):
        return []
    starts = [window_start(c.window, parse_period(per)) for c in cs if c.window != "latest"]
    newest_before = max((p for p, first in rows if first < cid), default="")
    latest = any(c.window == "latest" for c in cs)
    return [p for p in late if any(s is None or p >= s for s in starts) or (latest and p > newest_before)]


def changed_meanwhile(store, scheme, key: str, period, seen: dict[str, int], read_ids: list[int]) -> list[str]:
    """Months a close of ``period`` reads, or would read, whose newest close is no longer the one its run
    found (``seen``: month -> close id, carry.Loaded.seen): closed, or closed again, by another close since.
    Read under the close's lock: a month inside a carry's window, the newest month (a ``latest`` carry),
    or a month whose close the run read."""
    from .carry import carries, month_carries, window_start

    cs = carries(scheme) if period.kind == "quarter" else month_carries(scheme, carries(scheme))
    if not cs:
        return []
    end = period.month_periods()[-1].label
    keys = stored_keys(store, key) or [key]
    now: dict[str, int] = {}
    for cid, per in store.execute(f"SELECT id, period FROM kpixl_close WHERE book_key IN ({', '.join('?' * len(keys))}) "
                                  "ORDER BY period, version", keys):
        if (per < period.label or (period.kind == "quarter" and per <= end)) and is_month(per):
            now[per] = int(cid)
    changed = sorted(p for p in set(now) | set(seen) if now.get(p) != seen.get(p))
    if not changed:
        return []
    starts = [window_start(c.window, period) for c in cs if c.window != "latest"]
    newest = {max(now, default=""), max(seen, default="")} if any(c.window == "latest" for c in cs) else set()
    read = set(read_ids)
    return [p for p in changed if seen.get(p) in read or p in newest or any(s is None or p >= s for s in starts)]


def closed_early(store, scheme, read_ids: list[int]) -> list[Problem]:
    """Closes this run reads, directly or through the closes they read, that were closed before an
    earlier month they would have read was closed (listed, never recomputed)."""
    out = []
    for chunk in _chunks(_read_through(store, read_ids)):
        marks = ", ".join("?" * len(chunk))
        for cid, key, per, ver in store.execute(
                f"SELECT id, book_key, period, version FROM kpixl_close WHERE id IN ({marks}) ORDER BY period", chunk):
            late = missed(store, scheme, int(cid), key, per)
            if late:
                out.append(early_problem(per, int(ver), late))
    return out


def early_problem(per: str, ver: int, late: list[str]) -> Problem:
    months = ", ".join(late)
    return problem(
        "ledger_closed_out_of_order", f"账本 {per} v{ver} / ledger {per} v{ver}",
        f"{per} v{ver} 关账时 {months} 还没有关账（之后才补关账）；{per} 的结果不含 {months}，可能有误，本月的结果暂不计算。",
        f"{per} v{ver} was closed before {months} was (months closed out of order); {per}'s figures lack {months} "
        "and may be wrong, so no result of this month is given.",
        f"按月份顺序重新关账 {per}：kpixl close {per} 的工作簿 --reason \"补关账 {months}\"，再计算本月。",
        f"Close {per} again, in month order: kpixl close <the {per} workbook> --reason \"{months} closed late\"; "
        "then score this month.")


def closed_before(store, scheme, key: str, per: str) -> list[int]:
    """Current closes of later months of chain ``key`` that ``per`` (just closed) came too late for."""
    rows = store.execute("SELECT id, period FROM kpixl_close c WHERE book_key = ? AND period > ? AND NOT EXISTS "
                         "(SELECT 1 FROM kpixl_close n WHERE n.book_key = c.book_key AND n.period = c.period "
                         "AND n.version > c.version)", (key, per))
    return [int(cid) for cid, p in rows if is_month(p) and per in missed(store, scheme, int(cid), key, p)]


def quarter_absentees(inputs, period, rows: list[tuple]) -> list[Problem]:
    """A quarter run: an employee whose closed months cover the whole quarter (one item in every month,
    as S3/S5 rank them, R-BR-11) but who is not on the Employees sheet would silently drop out of the
    quarter's ranking and move everyone else's rank: nobody is scored until they are listed."""
    if period is None or period.kind != "quarter":
        return []
    months = {m.label for m in period.month_periods()}
    here = {i for i in inputs.employees.frame["id"] if i}
    seen: dict[tuple[str, str], set[str]] = {}
    for _target, owner, _team, item, per, *_rest in rows:
        if owner and owner not in here and per in months:
            seen.setdefault((owner, item), set()).add(per)
    missing = sorted({owner for (owner, _item), pers in seen.items() if pers == months})
    return [problem(
        "ledger_quarter_absent", inputs.employees.label,
        f"账本中员工 {emp} 在 {period.label} 的三个月都有关账记录，但不在员工表中；季度排名会漏掉此人、改变其他人的名次，"
        "所以所有结果暂不计算。",
        f"The ledger has closed months of employee {emp} for all of {period.label}, but {emp} is not on the Employees "
        "sheet; the quarter's ranking would leave them out and move everyone else's rank, so no result is given.",
        f"把 {emp} 加到员工表（季度内离职的也要列出）；如果工号写法不同，改成账本中的写法。",
        f"Add {emp} to the Employees sheet (also if they left during the quarter); if the ID is spelled differently, "
        "use the ledger's spelling.") for emp in missing]

"""Reading the ledger for people: closed periods, one employee's versions, a diff, an export."""

from __future__ import annotations

import json
from typing import TextIO

from . import codec
from .frames import from_blob
from .schema import TABLES

CLOSE_COLUMNS = ("id", "book_key", "period", "version", "scheme_id", "scheme_version", "scheme_fingerprint", "workbook",
                 "workbook_sha256", "kpixl_version", "closed_by", "closed_at", "reason", "appeal", "appeal_filed",
                 "appeal_due", "partial", "left_out", "employees")


_TEXT_FIELDS = ("book_key", "closed_by", "reason", "appeal", "appeal_due")
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def escaped(text) -> str:
    """A stored text on one line: control characters (a line break, an escape sequence, a
    bidirectional override) shown as escapes (``\\n``), never acted on. kpixl close refuses them;
    a row written otherwise (another tool, by hand) still prints as one line."""
    import unicodedata

    text = "" if text is None else str(text)
    if all(c.isprintable() and c not in _BIDI for c in text):
        return text
    return "".join(repr(c)[1:-1] if (unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI) else c for c in text)


def _closes(store, key: str | None, period: str | None = None) -> list[dict]:
    sql = f"SELECT {', '.join(CLOSE_COLUMNS)} FROM kpixl_close"
    where, params = [], []
    if key:
        where.append("book_key = ?")
        params.append(key)
    if period:
        where.append("period = ?")
        params.append(period)
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = store.execute(sql + " ORDER BY book_key, period, version", params)
    closes = [dict(zip(CLOSE_COLUMNS, r, strict=True)) for r in rows]
    for c in closes:
        c.update({k: escaped(c[k]) for k in _TEXT_FIELDS})
    return closes


def stale_reads(store) -> dict[int, list[str]]:
    """Close id -> the superseded closes it read ('2026-09 v1'), directly or through the current closes
    it read in turn ('2026-09 v1 (经由 through 2026-10 v1)'), as a re-close lists them as affected and as
    scoring withholds a month built on them (chain._read_through): results to review after a correction."""
    newest: dict[tuple[str, str], int] = {}
    info: dict[int, tuple[str, str, int]] = {}
    for cid, key, per, ver in store.execute("SELECT id, book_key, period, version FROM kpixl_close"):
        info[int(cid)] = (key, per, int(ver))
        newest[(key, per)] = max(newest.get((key, per), 0), int(ver))
    reads: dict[int, set[int]] = {}
    for cid, rid in store.execute("SELECT close_id, read_close_id FROM kpixl_read"):
        reads.setdefault(int(cid), set()).add(int(rid))

    def label(cid: int) -> str:
        return f"{info[cid][1]} v{info[cid][2]}"

    def superseded(cid: int) -> bool:
        key, per, ver = info[cid]
        return ver < newest[(key, per)]

    out: dict[int, list[str]] = {}
    for cid in sorted(reads):
        found: dict[int, set[int]] = {}  # superseded close -> the current closes it was read through
        for first in sorted(reads[cid]):
            if superseded(first):
                found.setdefault(first, set())
                continue
            seen, frontier = {first}, [first]
            while frontier:  # a superseded close is not walked into (reading it is the problem)
                nxt = []
                for c in frontier:
                    for r in reads.get(c, ()):
                        if superseded(r):
                            found.setdefault(r, set()).add(first)
                        elif r not in seen:
                            seen.add(r)
                            nxt.append(r)
                frontier = nxt
        if found:
            out[cid] = [label(s) + (f" (经由 through {', '.join(label(v) for v in sorted(via))})" if via and s not in
                                    reads[cid] else "") for s, via in sorted(found.items(), key=lambda x: info[x[0]][1:])]
    return out


def periods(store, key: str | None = None) -> list[str]:
    stale = stale_reads(store)
    lines = []
    for c in _closes(store, key):
        text = f"{c['book_key']}  {c['period']} v{c['version']}  {c['closed_at']}  {c['closed_by']}  {c['employees']} 名员工 employees"
        if c["partial"]:
            text += f"  部分 partial ({len(json.loads(c['left_out']))} 未关账 left out)"
        if c["reason"]:
            text += f"  原因 reason: {c['reason']}"
        if c["appeal"]:
            text += f"  申诉 appeal {c['appeal']} 答复期限 due {c['appeal_due']}"
        if c["id"] in stale:
            text += f"  受影响 affected: 读取了被取代的 read superseded {', '.join(stale[c['id']])}"
        lines.append(text)
    return lines


def show(store, employee: str, period: str | None = None, key: str | None = None) -> list[str]:
    """Every version holding ``employee``, in the order closed, and every later version of the same
    month without them (a re-close with --drop): the last one shown is the ledger's current state."""
    closes = {c["id"]: c for c in _closes(store, key, period)}
    if not closes:
        return []
    rows = {int(r[0]): r[1:] for r in store.execute(
        "SELECT close_id, name, status, vals FROM kpixl_result WHERE employee = ?", (employee,))}
    lines = []
    named: dict[tuple[str, str], str] = {}  # (key, month) -> the employee's name in its versions so far
    for cid in sorted(closes):
        c = closes[cid]
        month = (c["book_key"], c["period"])
        if cid not in rows and month not in named:
            continue
        name, status, vals = rows.get(cid, (named.get(month), None, None))
        named[month] = name
        head = f"{c['period']} v{c['version']}  {c['closed_at']}  关账人 by {c['closed_by']}"
        head += f"  原因 why: {c['reason']}" if c["reason"] else "  (首次关账 first close)"
        if c["appeal"]:
            head += f"  申诉 appeal {c['appeal']} 答复期限 due {c['appeal_due']}"
        lines.append(f"{escaped(employee)} {escaped(name)} · {c['book_key']} · {head}")
        if cid not in rows:
            lines.append(f"    不在本版本：已从 {c['period']} 移除（--drop），之前版本的数字已被取代 / not in this version: "
                         f"dropped from {c['period']} (--drop); the figures of the earlier versions are superseded")
            continue
        if status != "ok":
            lines.append("    未关账 left out (errors)")
            continue
        values = codec.loads(vals)
        for k in sorted(values):
            lines.append(f"    {k} = {codec.shown(values[k])}")
    return lines


def _values(store, close_id: int) -> dict[str, dict]:
    rows = store.execute("SELECT employee, status, vals FROM kpixl_result WHERE close_id = ?", (close_id,))
    return {emp: (codec.loads(vals) if status == "ok" else {"status": "error"}) for emp, status, vals in rows}


def diff(store, period: str, v1: int | None, v2: int | None, key: str | None = None) -> list[str]:
    closes = _closes(store, key, period)
    if not closes:
        return [f"账本中没有 {period} / {period} is not in the ledger"]
    keys = sorted({c["book_key"] for c in closes})
    out: list[str] = []
    for k in keys:
        mine = {c["version"]: c for c in closes if c["book_key"] == k}
        b = v2 or max(mine)
        a = v1 or (b - 1 if b > 1 else b)
        if a not in mine or b not in mine:
            out.append(f"{k} {period}: 没有版本 no version {a if a not in mine else b} (有 has: {sorted(mine)})")
            continue
        ca, cb = mine[a], mine[b]
        out.append(f"{k} {period} v{a} → v{b} · {cb['closed_at']} · {cb['closed_by']} · 原因 reason: {cb['reason'] or '-'}")
        old, new = _values(store, ca["id"]), _values(store, cb["id"])
        changes = 0
        for emp in sorted(set(old) | set(new)):
            if emp not in old or emp not in new:
                out.append(f"  {emp}: {'新增 added' if emp not in old else '移除 removed'}")
                changes += 1
                continue
            for name in sorted(set(old[emp]) | set(new[emp])):
                x, y = old[emp].get(name), new[emp].get(name)
                if x != y:
                    out.append(f"  {emp} {name}: {codec.shown(x)} → {codec.shown(y)}")
                    changes += 1
        if not changes:
            out.append("  没有变化 no changes")
    return out


def export(store, fh: TextIO) -> int:
    """Every row of every ledger table as JSON lines ``{"table": ..., "row": {...}}``; returns the count."""
    n = 0
    for table in TABLES:
        cur = store.conn.cursor()
        cur.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        while True:
            chunk = cur.fetchmany(5000)
            if not chunk:
                break
            for row in chunk:
                rec = dict(zip(names, row, strict=True))
                if "data" in rec:  # a Parquet table (frames.py): written out as its rows
                    rec["data"] = json.loads(from_blob(rec["data"]).to_json(orient="records", date_format="iso",
                                                                          default_handler=str, force_ascii=False))
                fh.write(json.dumps({"table": table, "row": rec}, ensure_ascii=False, default=str) + "\n")
                n += 1
        cur.close()
    return n

"""Results and explanations.

A :class:`Result` holds every employee's values, the points ledger (one row per
contribution, with its source cell), money lines, flags, notes and problems. Explanations
are data: :meth:`Result.explanation` turns them into lines a clerk can show an agent who
appeals; :meth:`Result.to_json` is the stable machine format documented in docs/json.md.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem
from .numbers import ZERO, from_e8, json_number, plain
from .periods import Period
from .scheme import Scheme

JSON_FORMAT = "kpixl.score/1"
NOT_ASSESSED = "not_assessed"  # the problem code (a warning) of a rule that had nothing to assess
STATUS_TEXT = {"ok": "ok", NOT_ASSESSED: "未评估 not assessed", "error": "错误 error"}


@dataclass
class EmployeeResult:
    id: str
    name: str
    role: str
    department: str
    team: str
    status: str  # "ok", "not_assessed" (scored, but a rule found nothing to assess) or "error"
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)  # the errors that withhold the result
    warnings: list[Problem] = field(default_factory=list)  # reported, the result stands (e.g. R-QA-4)
    scheme_role: str = ""  # the role the scheme's rules see (方案岗位, else the title)

    @property
    def ok(self) -> bool:
        """The employee has a result (``ok`` or ``not_assessed``); ``error`` withholds it."""
        return self.status != "error"

    @property
    def status_text(self) -> str:
        """The status for people: ``ok``, ``未评估 not assessed`` or ``错误 error``."""
        return STATUS_TEXT[self.status]


@dataclass
class Result:
    scheme: Scheme
    period: Period
    source: str
    employees: list[EmployeeResult]
    problems: list[Problem]
    _ledger: Any  # the ledger frame, or the function that builds it on first use (see ``ledger``)
    money: pd.DataFrame
    flags: list[dict]
    notes: Mapping[str, list[dict]]
    _by_id: dict[str, EmployeeResult] = field(default_factory=dict, repr=False)
    _ledger_index: dict | None = field(default=None, repr=False)
    _money_index: dict | None = field(default=None, repr=False)
    _flag_index: dict | None = field(default=None, repr=False)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # team-level values (S14 groups)
    extras: dict[str, Any] = field(default_factory=dict, repr=False)  # e.g. daily/weekly rank tables
    _ledger_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def ledger(self) -> pd.DataFrame:
        """Every scored line, in date then row order (withheld employees have none). Built on first
        read, once (a report reads it in two threads): a run that only shows scores never builds it."""
        if callable(self._ledger):
            with self._ledger_lock:
                if callable(self._ledger):
                    self._ledger = self._ledger()
        return self._ledger

    @classmethod
    def from_context(cls, ctx) -> Result:
        emps = []
        frame = ctx.employees
        names = ("name", "role", "department", "team", "scheme_role")
        cols = {c: (frame[c].tolist() if c in frame else [""] * len(frame)) for c in names}
        warnings: dict[str, list[Problem]] = {}
        unassessed: set[str] = set()
        for p in ctx.problems:
            if not p.is_error and p.employee is not None:
                warnings.setdefault(p.employee, []).append(p)
                if p.code == NOT_ASSESSED:
                    unassessed.add(p.employee)
        for i, emp in enumerate(ctx.ids):
            blocked = ctx.blocked.get(emp, [])
            mine = warnings.get(emp, [])
            status = "error" if blocked else (NOT_ASSESSED if emp in unassessed else "ok")
            emps.append(EmployeeResult(
                id=emp, name=str(cols["name"][i] or ""), role=str(cols["role"][i] or ""),
                department=str(cols["department"][i] or ""), team=str(cols["team"][i] or ""),
                status=status, values={} if blocked else ctx.values[emp], problems=list(blocked), warnings=mine,
                scheme_role=str(cols["scheme_role"][i] or "")))
        money = pd.DataFrame(ctx.money_lines) if ctx.money_lines else pd.DataFrame(
            columns=["employee", "rule", "amount", "direction", "where", "row", "date", "qty", "value", "text_zh", "text_en"])
        take = ctx.detach_ledger()
        flags = ctx.flags
        withheld = [e.id for e in emps if e.status == "error"]

        def ledger() -> pd.DataFrame:  # date, then row order
            lines = take()
            if withheld and not lines.empty:
                lines = lines[~lines["employee"].isin(withheld)].reset_index(drop=True)
            return lines

        if withheld:  # a withheld employee has no lines, cash or flags anywhere (report, counts, close)
            if not money.empty:
                money = money[~money["employee"].isin(withheld)].reset_index(drop=True)
            gone = set(withheld)
            flags = [f for f in flags if f["employee"] not in gone]
        result = cls(ctx.scheme, ctx.period, ctx.inputs.source, emps, ctx.problems, ledger, money, flags,
                     NotesView(ctx.notes))
        result._by_id = {e.id: e for e in emps}
        result.groups = {team: dict(values) for team, values in getattr(ctx, "groups", {}).items()}
        result.extras = {k: v for k, v in getattr(ctx, "extras", {}).items() if not k.startswith("series.")}
        return result

    def rank_on(self, emp: str, code: str, day) -> int | None:
        """The employee's rank in a daily or weekly ranking on the bucket containing ``day`` (None: not ranked)."""
        tables = self.extras.get("ranks", {}).get(code, {})
        ts = pd.Timestamp(day)
        for bucket in ("day", "week"):
            t = tables.get(bucket)
            if t is None or t.empty:
                continue
            key = ts if bucket == "day" else ts - pd.Timedelta(days=ts.day_of_week)
            hit = t[(t["employee"] == emp) & (t["bucket"] == key)]
            if not hit.empty:
                return int(hit["rank"].iloc[0])
        return None

    # ----------------------------------------------------------------- access

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def employee(self, emp: str) -> EmployeeResult:
        return self._by_id[emp]

    def value(self, emp: str, name: str) -> Any:
        return self._by_id[emp].values.get(name)

    def main_value(self, emp: str) -> Any:
        return self.value(emp, self.scheme.main_output.value)

    def _index(self, frame: pd.DataFrame) -> dict:
        if frame.empty:
            return {}
        return frame.groupby("employee", sort=False).indices

    def ledger_of(self, emp: str) -> pd.DataFrame:
        if self._ledger_index is None:
            self._ledger_index = self._index(self.ledger)
        idx = self._ledger_index.get(emp)
        return self.ledger.iloc[idx] if idx is not None else self.ledger.iloc[0:0]

    def money_of(self, emp: str) -> pd.DataFrame:
        if self._money_index is None:
            self._money_index = self._index(self.money)
        idx = self._money_index.get(emp)
        return self.money.iloc[idx] if idx is not None else self.money.iloc[0:0]

    def flags_of(self, emp: str) -> list[dict]:
        if self._flag_index is None:
            self._flag_index = {}
            for f in self.flags:
                self._flag_index.setdefault(f["employee"], []).append(f)
        return self._flag_index.get(emp, [])

    def money_total(self, emp: str, direction: str | None = None) -> Decimal:
        lines = self.money_of(emp)
        if direction:
            lines = lines[lines["direction"] == direction]
        return sum(lines["amount"].tolist(), ZERO) if not lines.empty else Decimal("0.00")

    # ----------------------------------------------------------------- explanation

    def explanation(self, emp: str) -> list[dict]:
        """Every contribution, money line, flag and computed value of one employee, as data."""
        rules = self.scheme.rules
        lines: list[dict] = []
        for r in self.ledger_of(emp).itertuples(index=False):
            rule = rules.get(r.rule)
            points, counted = from_e8(r.points_e8), from_e8(r.counted_e8)
            if r.step == "events":
                qty = _num_text(r.qty)
                val = "" if pd.isna(r.value) else f" 取值 {_num_text(r.value)}"
                val_en = "" if pd.isna(r.value) else f" value {_num_text(r.value)}"
                zh = f"{r.rule} {rule.zh if rule else ''} ×{qty}{val}：{plain(points)} 分"
                en = f"{r.rule} {rule.en if rule else ''} x{qty}{val_en}: {plain(points)} points"
                if isinstance(r.text_zh, str) and r.text_zh:  # e.g. 加倍 ×2 (an aggravated row)
                    zh, en = f"{zh}（{r.text_zh}）", f"{en} ({r.text_en})"
                if counted != points:
                    cat = self.scheme.categories.get(r.category)
                    zh += f"（{cat.zh if cat else r.category}已达上限，计 {plain(counted)}）"
                    en += f" ({cat.en if cat else r.category} cap reached, {plain(counted)} counted)"
            else:
                zh, en = r.text_zh, r.text_en
            lines.append({"kind": "points", "rule": r.rule, "category": r.category or None, "source": r.where,
                          "date": _date_text(r.date), "points": json_number(points), "counted": json_number(counted),
                          "text_zh": zh, "text_en": en})
        for r in self.money_of(emp).itertuples(index=False):
            lines.append({"kind": "money", "rule": r.rule, "source": r.where, "date": _date_text(r.date),
                          "amount": json_number(r.amount), "direction": r.direction, "text_zh": r.text_zh,
                          "text_en": r.text_en})
        for f in self.flags_of(emp):
            lines.append({"kind": "flag", "rule": f["code"], "source": ", ".join(f["sources"]),
                          "text_zh": f"标记 {f['code']}：{f['label_zh']}", "text_en": f"Flag {f['code']}: {f['label_en']}",
                          "params": _jsonable(f["params"])})
        for n in self.notes.get(emp, []):
            lines.append({"kind": "value", "rule": n["code"], "source": ", ".join(n["sources"]),
                          "value": _jsonable(n["value"]), "text_zh": n["text_zh"], "text_en": n["text_en"]})
        return lines

    def explain_text(self, emp: str, lang: str = "zh") -> str:
        key = "text_zh" if lang == "zh" else "text_en"
        out = []
        for line in self.explanation(emp):
            src = f" [{line['source']}]" if line.get("source") else ""
            out.append(f"{line[key]}{src}")
        return "\n".join(out)

    # ----------------------------------------------------------------- JSON

    def employee_record(self, e: EmployeeResult, explain: bool = True) -> dict:
        scheme = self.scheme
        rec: dict[str, Any] = {
            "format": JSON_FORMAT,
            "scheme": scheme.id,
            "scheme_version": scheme.version,
            "period": self.period.label,
            "employee_id": e.id,
            "name": e.name,
            "role": e.role,
            "scheme_role": e.scheme_role,
            "department": e.department,
            "team": e.team,
            "status": e.status,
        }
        main = scheme.main_output.value
        rec["score"] = _jsonable(e.values.get(main)) if e.ok else None
        outputs = {}
        for o in scheme.outputs:
            outputs[o.value] = _jsonable(e.values.get(o.value)) if e.ok else None
        rec["outputs"] = outputs
        for key, value in outputs.items():
            if "." not in key and key not in rec:
                rec[key] = value
        cats = {}
        for code, c in scheme.categories.items():
            if not e.ok:
                break
            item = {"name_zh": c.zh, "name_en": c.en, "cap": _jsonable(c.cap),
                    "raw": _jsonable(e.values.get(f"{code}.raw")),
                    "deduction": _jsonable(e.values.get(f"{code}.deduction")),
                    "points": _jsonable(e.values.get(f"{code}.points"))}
            if c.cap is not None:
                item["left"] = _jsonable(e.values.get(f"{code}.left"))
            cats[code] = item
        rec["categories"] = cats
        money_lines = self.money_of(e.id)
        rec["money"] = {
            "deductions": json_number(self.money_total(e.id, "deduction")) if e.ok else None,
            "awards": json_number(self.money_total(e.id, "award")) if e.ok else None,
            "lines": [{"rule": r.rule, "amount": json_number(r.amount), "direction": r.direction, "source": r.where,
                       "text_zh": r.text_zh, "text_en": r.text_en} for r in money_lines.itertuples(index=False)] if e.ok else [],
        }
        rec["flags"] = [{"code": f["code"], "label_zh": f["label_zh"], "label_en": f["label_en"],
                         "params": _jsonable(f["params"]), "sources": f["sources"]} for f in self.flags_of(e.id)] if e.ok else []
        rec["values"] = {k: _jsonable(v) for k, v in e.values.items()} if e.ok else {}
        rec["explanation"] = self.explanation(e.id) if (explain and e.ok) else []
        rec["errors"] = [p.as_dict() for p in e.problems]
        rec["warnings"] = [p.as_dict() for p in e.warnings]
        return rec

    def to_json(self, explain: bool = True) -> list[dict]:
        return [self.employee_record(e, explain) for e in self.employees]


class NotesView(Mapping):
    """Explanation notes per employee as dicts, built on first read (a run keeps compact tuples)."""

    def __init__(self, raw: dict[str, list[tuple]]):
        self._raw = raw
        self._done: dict[str, list[dict]] = {}

    def __getitem__(self, emp: str) -> list[dict]:
        if emp not in self._done:
            if emp not in self._raw:
                raise KeyError(emp)
            out = []
            for item in self._raw[emp]:
                step, code, value, zh, en, sources = item if type(item) is tuple else item.line(emp)
                out.append({"step": step, "code": code, "value": value, "text_zh": zh() if callable(zh) else zh,
                            "text_en": en() if callable(en) else en,
                            "sources": list(dict.fromkeys(sources() if callable(sources) else sources))})
            self._done[emp] = out
        return self._done[emp]

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _num_text(x) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _date_text(d) -> str | None:
    if d is None or (isinstance(d, float) and np.isnan(d)) or pd.isna(d):
        return None
    return str(pd.Timestamp(d).date())


def _jsonable(v):
    if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
        return v
    if isinstance(v, Decimal):
        try:
            return json_number(v)
        except ValueError:  # an unrounded intermediate (an attainment ratio, a computed rate)
            return float(v)
    if isinstance(v, float):
        return None if np.isnan(v) else v
    if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
        return str(v)[:10]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return str(v)

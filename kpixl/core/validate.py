"""Validate input records against a scheme; every problem names its cell and the fix.

Validation collects every problem, never just the first. Each problem names the employee
whose result it blocks; a problem no single employee owns (an unknown employee id on an
event row, a missing parameter) blocks everyone, because the row could belong to anyone
and "one bad row never silently changes a score".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pandas as pd

from .bounds import fmt_number as _fmt
from .bounds import too_large
from .errors import Problem, problem
from .event_checks import duplicate_problems, earlier_rows, period_problems
from .frames import object_text, text_codes
from .inputs import Inputs, Table, ledger_rows
from .numbers import QTY_LIMIT, SCALE, VALUE_LIMIT, round_half_up
from .periods import Period
from .roles import restricted_texts, roles_held, scheme_roles
from .scheme import Scheme, spelling

_KIND_ZH = {"deduct": "扣分", "bonus": "加分", "money": "扣款", "flag": "标记", "info": "记录", "derived": "自动计算"}


def employees_frame(inputs: Inputs, scheme: Scheme) -> tuple[pd.DataFrame, list[Problem]]:
    """Employees indexed by id (first row of each id) and the problems of the Employees sheet."""
    table = inputs.employees
    frame = table.frame
    problems: list[Problem] = []
    ids = frame["id"]
    dup = ids.duplicated(keep="first") & (ids != "")
    for _, r in frame[dup].iterrows():
        first_row = int(frame.loc[(ids == r["id"]) & ~dup, "xl_row"].iloc[0])
        problems.append(problem(
            "duplicate_employee", table.ref("id", int(r["xl_row"])),
            f"工号 {r['id']} 重复（第一次出现在第 {first_row} 行）。",
            f"Employee ID {r['id']} appears twice (first on row {first_row}).",
            "每人只保留一行，或改正工号。", "Keep one row per person or correct the ID.", employee=r["id"]))
    problems += _ids_alike(table, ids[~dup & (ids != "")], frame["xl_row"][~dup & (ids != "")])
    for _, r in frame[ids == ""].iterrows():
        problems.append(problem(
            "employee_without_id", table.ref("id", int(r["xl_row"])), "这一行员工没有工号，无法计分。",
            "This employee row has no ID and cannot be scored.", "填写工号，或删除整行。",
            "Fill in the ID or delete the row."))
    emps = frame[(ids != "") & ~dup].set_index("id", drop=False)
    bad = emps["xl_bad"].to_numpy(dtype=bool)
    # the parser's problems of a bad row's cells, each given to the row's employee (its errors name the cell)
    named, given = _owned_cell_problems(inputs.problems, table, emps["xl_row"].to_numpy(dtype="int64"),
                                        emps.index.to_numpy(dtype=object), bad)
    problems += named
    bad_cells = {p.where for p in named}
    for emp, r in emps[bad & ~given].iterrows():
        problems.append(problem("bad_employee_row", table.ref("id", int(r["xl_row"])), f"员工 {emp} 的行有无法读取的单元格。",
                                f"The row of employee {emp} has unreadable cells.", "修正该行中标出的单元格。",
                                "Fix the cells reported for that row.", employee=emp))
    emps, role_problems = scheme_roles(emps, scheme, table)
    problems += role_problems
    for f in scheme.attributes:
        if f.code not in emps or not (f.required or f.required_for_roles):
            continue
        col = emps[f.code]
        empty = col.isna() | (col.astype(object) == "")
        needed = pd.Series(f.required, index=emps.index) | emps["scheme_role"].isin(f.required_for_roles)
        who = f"（{'、'.join(f.required_for_roles)}必填）" if f.required_for_roles else ""
        for emp, r in emps[empty & needed].iterrows():
            if table.ref(f.code, int(r["xl_row"])) in bad_cells:
                continue  # not empty: unreadable, and reported as such
            problems.append(problem(
                "missing_attribute", table.ref(f.code, int(r["xl_row"])), f"员工 {emp} 缺少 “{f.zh}”{who}。",
                f"Employee {emp} has no {f.en}" + (f" (required for {', '.join(f.required_for_roles)})." if f.required_for_roles else "."),
                f"填写{f.zh}。", f"Fill in the {f.en}.", employee=emp))
    problems += _group_cells(scheme, table, emps)
    # A row that failed parsing but has no id is reported by the parser already (missing id).
    return emps, problems


def _ids_alike(table, ids: pd.Series, rows: pd.Series) -> list[Problem]:
    """Two IDs that differ only in case, width or spaces (``KF002``, ``kf002``, ``ＫＦ００２``) are one
    person listed twice, whose events and figures would be split between two people: an error at
    each of them (events typed ``kf002`` are refused as unknown in the same way)."""
    keys = [spelling(i) for i in ids.tolist()]
    first: dict[str, tuple[str, int]] = {}
    out: list[Problem] = []
    for emp, key, row in zip(ids.tolist(), keys, rows.tolist(), strict=True):
        seen = first.setdefault(key, (emp, int(row)))
        if seen[0] == emp:
            continue
        other, other_row = seen
        for who, at, twin, twin_row in ((emp, int(row), other, other_row), (other, other_row, emp, int(row))):
            out.append(problem(
                "employee_ids_alike", table.ref("id", at),
                f"工号 {who} 与第 {twin_row} 行的 {twin} 只差大小写、全半角或空格，像是同一个人填了两行。",
                f"Employee ID {who} differs from {twin} (row {twin_row}) only in case, width or spaces: the same "
                "person on two rows?",
                "每人只保留一行；若确是两个人，请用明显不同的工号。",
                "Keep one row per person; if they really are two people, give them clearly different IDs.",
                employee=who))
    return out


_GROUP_WIDE = {"department": "dept_count", "team": "team_count"}


def _group_cells(scheme: Scheme, table: Table, emps: pd.DataFrame) -> list[Problem]:
    """部门/小组 cells a group-wide rule (S1's department-clean bonus) or the ledger's chain would read
    wrongly: one group spelled two ways (``CS Dept`` / ``CS dept``, full-width, spaces) splits it, and a
    blank cell beside filled ones makes a group of one. Each is an error on its employee; where the
    scheme ranks within the group (S8 ``pool: team``), a person's group decides everyone's places
    there, so a spelling error withholds every member of that group too (R-G-2: places are known
    only when the pool is)."""

    out: list[Problem] = []
    for attr, zh, en in (("department", "部门", "department"), ("team", "小组", "team")):
        if attr not in emps or emps.empty:
            continue
        col = emps[attr].astype(object).where(emps[attr].notna(), "").map(lambda v: str(v).strip())
        ranked = any(getattr(st, "pool", None) == attr for st in scheme.steps)  # S7/S8: rankings within a group
        keys = {v: spelling(v) for v in col.unique() if v}  # one spelling() per distinct text, not per row
        spelled: dict[str, str] = {}
        members: dict[str, list[str]] = {}
        odd: dict[str, tuple[str, str, int]] = {}  # key -> the first other spelling: (employee, text, row)
        for emp, v, row in zip(emps.index, col, emps["xl_row"], strict=True):
            if not v:
                continue
            key = keys[v]
            first = spelled.setdefault(key, v)
            if ranked:
                members.setdefault(key, []).append(emp)
            if first == v:
                continue
            odd.setdefault(key, (emp, v, int(row)))
            why_zh = f"；本方案按{zh}排名，该{zh}每个人的名次因此无法确定，所以该{zh}所有人暂不计分" if ranked else ""
            why_en = (f"; this scheme ranks within each {en}, so nobody in that {en} can be placed and none of "
                      f"them is scored") if ranked else ""
            out.append(problem(
                f"{attr}_spelling", table.ref(attr, int(row)),
                f"员工 {emp} 的{zh} “{v}” 与 “{first}” 只差大小写、全角或空格，会被当成两个{zh}{why_zh}。",
                f"Employee {emp}'s {en} '{v}' differs from '{first}' only in case, width or spaces, and would be "
                f"taken for another {en}{why_en}.", f"统一写成 “{first}”。", f"Spell it '{first}' like the others.",
                employee=emp))
        if ranked:  # the members spelled like the first are withheld too, at the cell to fix
            for key, (who, v, row) in odd.items():
                first = spelled[key]
                for emp in members[key]:
                    if col[emp] != first:
                        continue
                    out.append(problem(
                        f"{attr}_spelling", table.ref(attr, row),
                        f"员工 {emp} 暂不计分：同{zh}的员工 {who} 的{zh}写成 “{v}”（与 “{first}” 只差大小写、全角或空格），"
                        f"本方案按{zh}排名，该{zh}每个人的名次因此无法确定。",
                        f"Employee {emp} is not scored: {who} in the same {en} has it spelled '{v}' (differs from "
                        f"'{first}' only in case, width or spaces), and this scheme ranks within each {en}, so "
                        f"nobody in it can be placed.", f"把 {who} 的{zh}统一写成 “{first}”。",
                        f"Spell {who}'s {en} '{first}' like the others.", employee=emp))
        blank = (col == "").to_numpy()
        if blank.any() and not blank.all():
            if _GROUP_WIDE[attr] not in scheme.functions and not ranked:
                continue
            # (ranked: which pool the person belongs to decides everyone's places there, so nobody is scored)
            what_zh = (f"按{zh}排名（空白会自成一组，改变其所属{zh}每个人的名次），所以所有人暂不计分" if ranked
                       else f"按{zh}判断的条件（如整个{zh}没有差错的加分）")
            what_en = (f"rankings within each {en} (a blank one would be ranked alone and change the places of "
                       f"everyone in their real {en}), so nobody is scored" if ranked else
                       f"{en}-wide conditions (such as a bonus when the whole {en} had no error)")
            for emp, row in zip(emps.index[blank], emps["xl_row"][blank], strict=True):
                out.append(problem(
                    f"{attr}_missing", table.ref(attr, int(row)),
                    f"员工 {emp} 的{zh}为空，而本方案有{what_zh}。",
                    f"Employee {emp} has no {en}, and this scheme has {what_en}.", f"填写{zh}（与同{zh}的员工写法一致）。",
                    f"Fill in the {en} (spelled like the others in it).", employee=None if ranked else emp))
    return out


def rules_frame(scheme: Scheme) -> pd.DataFrame:
    rows = []
    for r in scheme.rules.values():
        rows.append({
            "rule": r.code, "kind": r.kind, "category": r.category or "", "r_points": r.points,
            "r_min": float(r.min) if r.min is not None else np.nan,
            "r_max": float(r.max) if r.max is not None else np.nan,
            "is_range": r.is_range, "value_decimals": r.value_decimals, "qty_type": r.qty,
            "roles": r.roles, "book": r.book, "requires": r.requires, "rule_zh": r.zh, "rule_en": r.en,
            "qty_rounding": r.qty_rounding,
            "aggravation": float(r.aggravation) if r.aggravation is not None else np.nan,
            "entered": r.entered, "value_percent": r.unit.startswith("%"),
            "qty_max": float(r.qty_max) if r.qty_max is not None else np.nan,
        })
    if not rows:  # a scheme without event rules (every event row is then an unknown rule)
        return pd.DataFrame(columns=["rule", "kind", "category", "r_points", "r_min", "r_max", "is_range",
                                     "value_decimals", "qty_type", "roles", "book", "requires", "rule_zh",
                                     "rule_en", "qty_rounding", "aggravation", "entered", "value_percent", "qty_max"])
    return object_text(pd.DataFrame(rows))


def zeros_lost(ids) -> Callable[[object], tuple[str, str]]:
    """For an unknown ID, a hint when it is an Employees sheet ID whose leading zeros Excel dropped
    (``123`` for ``00123``, a number cell) or spelled in another case or width (``kf002`` for
    ``KF002``): (zh, en) to add to the fix, else ("", "")."""
    padded = {}
    for i in ids:
        t = str(i)
        if len(t) > 1 and t[0] == "0" and t.isdigit() and t.lstrip("0"):
            padded.setdefault(t.lstrip("0"), t)

    alike: dict[str, str] = {}  # spelling -> ID, built on the first unknown ID that is not a lost-zeros one

    def hint(emp) -> tuple[str, str]:
        full = padded.get(str(emp).strip()) if padded else None
        if full is None:
            if not alike:
                for i in ids:
                    alike.setdefault(spelling(str(i)), str(i))
            same = alike.get(spelling(str(emp)))
            if same is None or same == str(emp):
                return "", ""
            return (f"员工表中有工号 {same}，与这里只差大小写、全半角或空格：改填 {same}。",
                    f"The Employees sheet has {same}, which differs from this only in case, width or spaces: type {same}.")
        return (f"员工表中有工号 {full}：这里的前导 0 被 Excel 去掉了（单元格是数字格式）。把这一列设为文本格式后重新填写 {full}。",
                f"The Employees sheet has {full}: Excel dropped the leading zeros here (a number cell). Format the "
                f"column as Text and type {full} again.")
    return hint


def prepare_events(scheme: Scheme, inputs: Inputs, period: Period, employees: pd.DataFrame
                   ) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every event row; return the valid rows of the period (rule joined, exact units) and problems."""
    table: Table = inputs.events
    ev = table.frame.reset_index(drop=True)  # copy-on-write: the input's frame is never changed
    problems: list[Problem] = []
    if ev.empty:  # (a workbook of daily figures only can still be another month's)
        none = np.zeros(0, dtype=bool)
        return _empty_events(), period_problems(inputs, ev, period, none, none, np.zeros(0, dtype=object))
    # employee and rule as integer codes of their distinct texts: the checks below ask each distinct
    # text once (50k ids, 35 codes), not each of 1M rows
    emp_coded = _Coded(ev["employee"])
    rule_coded = _Coded(ev["rule"])
    emp_pos = emp_coded.rows(employees.index.get_indexer(emp_coded.uniques))  # -1: not on the Employees sheet
    known_emp = emp_pos >= 0
    owners = np.where(known_emp, ev["employee"].to_numpy(dtype=object), None)
    ev["qty"] = ev["qty"].fillna(1.0)
    rules = rules_frame(scheme)
    at = rule_coded.rows(pd.Index(rules["rule"]).get_indexer(rule_coded.uniques))
    ev = _join_rules(ev, rules[["rule", *STEP_FIELDS]], at)  # the checks read the other fields by position

    def per_rule(name: str, fill, dtype=object, present: bool = False) -> np.ndarray:
        """A rule field for every row, read from the rule table (``fill``: empty field or unknown
        rule); ``present``: whether the row's rule has the field."""
        col = rules[name]
        col = col.notna() if present else col.where(col.notna(), fill)
        return _by_position(col.to_numpy(dtype=dtype), at, np.array([fill], dtype=dtype))
    ev["rule_known"] = per_rule("kind", False, bool, present=True)
    in_period = (ev["date"] >= pd.Timestamp(period.start)) & (ev["date"] <= pd.Timestamp(period.end))
    row_problem = np.zeros(len(ev), dtype=bool)

    rows = _Rows(ev, rules, at)

    def add(mask: np.ndarray, code: str, field: str, zh, en, fzh, fen, owner: bool = True) -> None:
        """One located error per masked row (linear: cells read from column arrays, no per-row pandas objects)."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        row_problem[idx] = True
        xl_rows = ev["xl_row"].to_numpy(dtype="int64")
        for i in idx:
            r = rows.at(i)
            problems.append(problem(code, table.ref(field, int(xl_rows[i])), zh(r), en(r), fzh(r), fen(r),
                                    employee=owners[i] if owner else None))

    bad_parse = ev["xl_bad"].to_numpy(dtype=bool)
    # Rows with unparsable cells were reported by the parser; here they block their employee with
    # those cells' own problems (so the employee's errors name the bad cell), else with the row's
    named, given = _owned_cell_problems(inputs.problems, table, ev["xl_row"].to_numpy(dtype="int64"), owners, bad_parse)
    problems += named
    row_problem |= given
    add(bad_parse & ~given, "bad_event_row", "rule",
        lambda r: f"第 {int(r['xl_row'])} 行有无法读取的单元格，本行不计分。",
        lambda r: f"Row {int(r['xl_row'])} has unreadable cells, so it cannot be scored.",
        lambda r: "修正本行中标出的单元格。", lambda r: "Fix the cells reported for this row.")
    ok = ~bad_parse
    # a row with an unreadable cell still has its readable employee and rule cells checked: an unknown
    # id or rule code beside a bad qty is its own problem at its own cell, never hidden by the other
    said = {p.where for p in inputs.problems if p.is_error} if bad_parse.any() else set()
    xl_rows = ev["xl_row"].to_numpy(dtype="int64")

    def readable(field: str) -> np.ndarray:
        out = ok.copy()
        for i in np.flatnonzero(bad_parse):
            out[i] = table.ref(field, int(xl_rows[i])) not in said
        return out
    lost = zeros_lost(employees.index)
    add(readable("employee") & emp_coded.rows(emp_coded.uniques != "") & ~known_emp, "unknown_employee", "employee",
        lambda r: f"工号 “{r['employee']}” 不在员工表中。", lambda r: f"Employee ID '{r['employee']}' is not on the Employees sheet.",
        lambda r: lost(r["employee"])[0] or "从下拉列表选择工号，或先在员工表添加此人。",
        lambda r: lost(r["employee"])[1] or "Pick an ID from the dropdown, or add the person to the Employees sheet first.",
        owner=False)
    rule_present = rule_coded.rows(rule_coded.uniques != "")
    known = ev["rule_known"].to_numpy(dtype=bool)
    add(readable("rule") & rule_present & ~known, "unknown_rule", "rule",
        lambda r: f"未知的规则代码 “{r['rule']}”。", lambda r: f"Unknown rule code '{r['rule']}'.",
        lambda r: "从下拉列表选择规则代码（规则表 A 列）。", lambda r: "Pick a code from the dropdown (column A of the Rules sheet).")
    k = ok & known
    # the checks of a qty or value that need no rule run on a row with an unknown rule code too
    kq = k | (ok & rule_present & ~known)
    kind = ev["kind"].to_numpy(dtype=object)
    add(k & (kind == "derived"), "derived_rule_recorded", "rule",
        lambda r: f"{r['rule']}（{r['rule_zh']}）由系统自动计算，不能手工录入。",
        lambda r: f"{r['rule']} ({r['rule_en']}) is computed by kpixl and must not be recorded.",
        lambda r: "删除本行；满足条件时系统会自动加分。", lambda r: "Delete this row; kpixl awards it when the condition holds.")
    qty = ev["qty"].to_numpy(dtype="float64")
    # bounds first (issue 7): a pasted phone number or 1e308 would overflow the scaled sums
    huge = kq & ~(np.abs(qty) <= QTY_LIMIT)
    add(huge, "qty_too_large", "qty",
        lambda r: f"数量 {_fmt(r['qty'])} 大得不合理（每行最多 {QTY_LIMIT:,}），像是粘贴了电话号码或别的数字。",
        lambda r: f"Qty {_fmt(r['qty'])} is implausibly large (at most {QTY_LIMIT:,} per row): a pasted phone number or another figure?",
        lambda r: "改正数量，或把事件拆成多行。", lambda r: "Correct the qty, or split the event into several rows.")
    qty_max = per_rule("qty_max", np.nan, "float64")
    add(k & ~huge & (qty > qty_max), "qty_above_max", "qty",
        lambda r: f"{r['rule']}（{r['rule_zh']}）每行数量最多 {_fmt(r['qty_max'])}，本行为 {_fmt(r['qty'])}。",
        lambda r: f"{r['rule']} ({r['rule_en']}) allows at most {_fmt(r['qty_max'])} per row; this row has {_fmt(r['qty'])}.",
        lambda r: "拆成多行（如按天），或改正数量。", lambda r: "Split the row (e.g. one per day) or correct the qty.")
    qty = np.where(huge, 1.0, qty)  # reported above; keeps the checks below free of overflow
    add(kq & (qty <= 0), "bad_qty", "qty",
        lambda r: f"数量 {_fmt(r['qty'])} 必须大于 0。", lambda r: f"Qty {_fmt(r['qty'])} must be greater than 0.",
        lambda r: "填写正数，或留空表示 1。", lambda r: "Enter a positive number, or leave it blank for 1.")
    whole = _near_whole(qty, 1e-9)
    add(k & (qty > 0) & ~whole & (per_rule("qty_type", "") == "count"), "qty_not_whole", "qty",
        lambda r: f"{r['rule']} 的数量按次数计，必须是整数（现为 {_fmt(r['qty'])}）。",
        lambda r: f"Qty of {r['rule']} counts occurrences and must be a whole number (is {_fmt(r['qty'])}).",
        lambda r: "填写整数。", lambda r: "Enter a whole number.")
    scaled = qty * SCALE
    add(kq & ~_near_whole(scaled, 1e-6), "qty_decimals", "qty",
        lambda r: "数量最多 4 位小数。", lambda r: "Qty may have at most 4 decimals.",
        lambda r: "四舍五入到 4 位小数。", lambda r: "Round it to 4 decimals.")
    value = ev["value"].to_numpy(dtype="float64")
    vhuge = kq & ~np.isnan(value) & ~(np.abs(value) <= VALUE_LIMIT)
    add(vhuge, "value_too_large", "value",
        lambda r: f"取值 {_fmt(r['value'])} 大得不合理（绝对值最多 {VALUE_LIMIT:,}）。",
        lambda r: f"Value {_fmt(r['value'])} is implausibly large (|value| at most {VALUE_LIMIT:,}).",
        lambda r: "改正取值（是否多打了几位或粘贴了别的数字？）。", lambda r: "Correct the value (extra digits or a pasted number?).")
    value = np.where(vhuge, np.nan, value)  # reported above
    has_value = ~np.isnan(value)
    is_range = per_rule("is_range", False, bool)
    add(k & is_range & ~has_value & ~vhuge, "value_missing", "value",
        lambda r: f"{r['rule']}（{r['rule_zh']}）需要在“取值”列填写 {_fmt(r['r_min'])}–{_fmt(r['r_max'])} 之间的数值。",
        lambda r: f"{r['rule']} ({r['rule_en']}) needs a value between {_fmt(r['r_min'])} and {_fmt(r['r_max'])} in the Value column.",
        lambda r: "填写考核人选定的数值（正数）。", lambda r: "Enter the evaluator's chosen amount (a positive number).")
    lo, hi = per_rule("r_min", np.nan, "float64"), per_rule("r_max", np.nan, "float64")
    outside = has_value & is_range & ((value < lo - 1e-9) | (value > hi + 1e-9))
    add(k & outside, "value_out_of_range", "value",
        lambda r: f"取值 {_fmt(r['value'])} 超出 {r['rule']} 的范围 {_fmt(r['r_min'])}–{_fmt(r['r_max'])}（含两端）。",
        lambda r: f"Value {_fmt(r['value'])} is outside the range {_fmt(r['r_min'])}..{_fmt(r['r_max'])} of {r['rule']} (both ends included).",
        lambda r: f"填写 {_fmt(r['r_min'])} 到 {_fmt(r['r_max'])} 之间的数。",
        lambda r: f"Enter a number from {_fmt(r['r_min'])} to {_fmt(r['r_max'])}.")
    decimals = per_rule("value_decimals", 0, "float64")
    vscaled = np.where(has_value, value, 0) * np.power(10.0, decimals)
    add(k & is_range & has_value & ~outside & ~_near_whole(vscaled, 1e-6),
        "value_not_whole", "value",
        lambda r: f"{r['rule']} 的取值必须是整数分或整数百分比（现为 {_fmt(r['value'])}）。" if not r["value_decimals"]
        else f"{r['rule']} 的取值最多 {int(r['value_decimals'])} 位小数。",
        lambda r: f"The value of {r['rule']} must be whole points or a whole percent (is {_fmt(r['value'])})." if not r["value_decimals"]
        else f"The value of {r['rule']} may have at most {int(r['value_decimals'])} decimals.",
        lambda r: "填写整数（R-G-6）。", lambda r: "Enter a whole number (R-G-6).")
    typed_percent = ev["xl_row"].isin(inputs.events.percent_rows).to_numpy() if inputs.events.percent_rows else False
    add(k & has_value & typed_percent & ~per_rule("value_percent", False, bool), "percent_not_allowed", "value",
        lambda r: f"{r['rule']} 的取值是分值，不是百分数（现为 {_fmt(r['value'])}%）。",
        lambda r: f"The value of {r['rule']} is points, not a percent (is {_fmt(r['value'])}%).",
        lambda r: "填写分值本身，不带 %；如果单元格设为百分比格式，请改为常规或数值格式。",
        lambda r: "Enter the points without %; if the cell has a percent format, make it General or Number.")
    entered = per_rule("entered", False, bool)
    add(k & ~is_range & has_value & (kind != "money") & ~entered, "value_not_allowed", "value",
        lambda r: f"{r['rule']} 的分值固定，不应填写“取值”。", lambda r: f"{r['rule']} has fixed points; the Value cell must be empty.",
        lambda r: "清空“取值”单元格；次数写在“数量”列。", lambda r: "Clear the Value cell; put counts in the Qty column.")
    fixed_money = k & ~is_range & has_value & (kind == "money") & per_rule("r_points", False, bool, present=True)
    add(fixed_money, "value_not_allowed", "value",
        lambda r: f"{r['rule']} 的金额固定，不应填写“取值”。", lambda r: f"{r['rule']} has a fixed amount; the Value cell must be empty.",
        lambda r: "清空“取值”单元格。", lambda r: "Clear the Value cell.")
    # an amount HR enters (R-RP-6, R-KF-10) is a positive magnitude (R-G-16): a minus would turn a
    # deduction into a payment, or an award into a charge
    add(k & ~is_range & has_value & ~fixed_money & ((kind == "money") | entered) & (value < 0), "value_negative", "value",
        lambda r: f"{r['rule']}（{r['rule_zh']}）的取值是金额的大小，不能为负数（现为 {_fmt(r['value'])}）。",
        lambda r: f"The value of {r['rule']} ({r['rule_en']}) is the size of the amount and cannot be negative (is {_fmt(r['value'])}).",
        lambda r: "填写正数（不带负号）；扣款或奖励由规则本身决定。",
        lambda r: "Enter a positive number (no minus sign); the rule itself decides whether it is a deduction or an award.")
    # role restrictions (R-WK-17): only rows whose rule names roles are looked at
    role_bad = np.zeros(len(ev), dtype=bool)
    restricted = {r.code: set(r.roles) for r in scheme.rules.values() if r.roles}
    if restricted and "role" in employees:
        idx = np.flatnonzero(rule_coded.rows(pd.Index(rule_coded.uniques, dtype=object).isin(list(restricted))))
        # decided once per (employee, rule) pair that occurs, not once per row
        pairs, pair_of = np.unique(emp_coded.codes[idx].astype("int64") * len(rule_coded.uniques)
                                   + rule_coded.codes[idx], return_inverse=True)
        who = emp_coded.uniques[pairs // len(rule_coded.uniques)]
        what = rule_coded.uniques[pairs % len(rule_coded.uniques)]
        held = roles_held(employees.loc[pd.Index(pd.unique(who), dtype=object).intersection(employees.index)], scheme.roles)
        bad = np.array([not held.get(e, set()) & restricted[r] for e, r in zip(who.tolist(), what.tolist(), strict=True)],
                       dtype=bool)
        role_bad[idx] = bad[pair_of.ravel()]
    add(k & known_emp & role_bad, "role_restricted", "rule", *restricted_texts(scheme, employees))
    # booking month (R-WK-21): quarter-end rules dated in the first or second month of a quarter
    month = ev["date"].dt.month.to_numpy(dtype="float64")
    book_bad = (per_rule("book", "any") == "quarter_end") & in_period.to_numpy() & (month % 3 != 0)
    add(k & book_bad, "not_quarter_end", "date",
        lambda r: f"{r['rule']} 按季度考核，只能记在季度最后一个月（3、6、9、12 月）。",
        lambda r: f"{r['rule']} is checked quarterly and must be dated in the last month of the quarter (Mar, Jun, Sep, Dec).",
        lambda r: "把日期改到该季度最后一个月（通常为最后一天）。", lambda r: "Date the row in the quarter's last month (normally its last day).")
    # required extra fields (e.g. evidence for media praise)
    for code, rule in scheme.rules.items():
        for fld in rule.requires:
            if fld not in ev:
                continue
            said_no = ev[fld].map(lambda v: v is False).to_numpy(dtype=bool)
            missing = ev[fld].map(lambda v: v is None or v == "" or (isinstance(v, float) and np.isnan(v)))
            label = next((f for f in scheme.event_fields if f.code == fld), None)
            of_rule = k & rule_coded.rows(rule_coded.uniques == code)
            add(of_rule & missing.to_numpy(dtype=bool), "field_required", fld,
                lambda r, label=label, fld=fld: f"{r['rule']} 必须填写 “{label.zh if label else fld}”。",
                lambda r, label=label, fld=fld: f"{r['rule']} requires {label.en if label else fld}.",
                lambda r: "填写该列，或改用其他规则。", lambda r: "Fill in that column or use another rule.")
            add(of_rule & said_no, "field_required", fld, *_said_no_texts(label, fld))

    # aggravation (加倍, R-SN-2): the `aggravated` flag only on rules that have an aggravation factor
    factor = np.ones(len(ev), dtype="int64")
    if "aggravated" in ev:
        aggravated = ev["aggravated"].map(lambda v: v is True).to_numpy(dtype=bool)
        allowed = per_rule("aggravation", False, bool, present=True)
        add(k & aggravated & ~allowed, "aggravation_not_allowed", "aggravated",
            lambda r: f"{r['rule']}（{r['rule_zh']}）不能加倍扣罚；只有注明加倍的规则可以勾选“加倍”。",
            lambda r: f"{r['rule']} ({r['rule_en']}) cannot be aggravated; only rules that say so accept the flag.",
            lambda r: "清空“加倍”单元格，或改用正确的规则代码。", lambda r: "Clear the aggravated cell, or use the right rule code.")
        factor = np.where(aggravated & allowed, per_rule("aggravation", 1.0, "float64"), 1).astype("int64")
    ev["factor"] = factor
    # each row's employee (in ``employees``) and rule (in the scheme's rules) by position: the steps
    # count and score by them instead of hashing 1M texts again (Context.event_positions)
    ev["emp_pos"] = emp_pos.astype("int64", copy=False)
    ev["rule_pos"] = at.astype("int64")
    valid = ~row_problem & known & known_emp & in_period.to_numpy()
    read, log = earlier_rows(scheme, ev, period)
    dated = ~row_problem & known & ev["date"].notna().to_numpy()
    problems += period_problems(inputs, ev, period, dated & ~in_period.to_numpy() & ~read, dated & ~log, owners)
    problems += duplicate_problems(inputs, ev, valid, owners, {"employee": emp_coded.codes, "rule": rule_coded.codes})
    # the rule's texts and limits were for the checks above: the steps read neither
    out = (ev if valid.all() else ev[valid]).drop(columns=["rule_known"])
    out["qty_units"] = np.round(out["qty"].to_numpy(dtype="float64") * SCALE).astype("int64")
    out["value_units"] = np.round(out["value"].fillna(0).to_numpy(dtype="float64") * SCALE).astype("int64")
    return out.reset_index(drop=True), problems


def _said_no_texts(label, fld: str) -> tuple:
    """The texts of a yes/no field a rule requires to be 是 that says 否: the row is not one the rule
    counts (S13 R-QA-6: a finding inside the sample is already in the QA_FATAL metric), so the fix is
    to delete it, not to type 是."""
    zh, en = (label.zh, label.en) if label else (fld, fld)
    hint_zh = f"（{label.hint_zh}）" if label and label.hint_zh else ""
    hint_en = f" ({label.hint_en})" if label and label.hint_en else ""
    return (lambda r: f"{r['rule']} 只记 “{zh}” 为 是 的情况{hint_zh}；本行填的是 否，不属于该规则。",
            lambda r: f"{r['rule']} counts only rows whose {en} is 是 (yes){hint_en}; this row says 否 (no), so it is "
                      "not one of them.",
            lambda r: "如果本行不是这种情况，删除本行（已在别处记录的，例如指标表，不要重复记）；只有确实是时才改为 是。",
            lambda r: f"If the row is not such a case, delete it (a finding recorded elsewhere, e.g. on the Metrics "
                      f"sheet, must not be counted twice); change {en} to 是 only if it truly is one.")


_ROW_OF = re.compile(r"^[^!]*![A-Z]+(\d+)")


def _owned_cell_problems(found: list[Problem], table: Table, xl_rows: np.ndarray, owners: np.ndarray,
                         bad: np.ndarray) -> tuple[list[Problem], np.ndarray]:
    """The parser's problems of the bad rows' cells (on ``table``), each given to its row's employee,
    and the rows that got one."""
    prefix = f"{table.name}!"
    by_row: dict[int, list[Problem]] = {}
    for p in found:
        if p.scope == "row" and p.is_error and p.where.startswith(prefix) and (m := _ROW_OF.search(p.where)):
            by_row.setdefault(int(m.group(1)), []).append(p)
    given = np.zeros(len(bad), dtype=bool)
    out: list[Problem] = []
    if not by_row:
        return out, given
    for i in np.flatnonzero(bad):
        mine = by_row.get(int(xl_rows[i]))
        if mine and owners[i] is not None:
            out += [replace(p, employee=owners[i], scope=None) for p in mine]
            given[i] = True
    return out, given


# the rule fields the steps read from each event row; the checks read the others (limits, texts)
# from the rule table by position, for the rows they report
STEP_FIELDS = ["kind", "category", "is_range", "qty_rounding"]


class _Coded:
    """A text column as integer codes of its distinct values (a missing cell is one of them)."""

    def __init__(self, column: pd.Series):
        self.codes, self.uniques = text_codes(column)

    def rows(self, per_unique) -> np.ndarray:
        """Something decided per distinct value (an array aligned with ``uniques``), for every row."""
        return np.asarray(per_unique)[self.codes]


def _near_whole(x: np.ndarray, atol: float) -> np.ndarray:
    """``np.isclose(x, round(x), rtol=0, atol=atol)`` for finite numbers (NaN: False), without
    isclose's handling of infinities, which at 1M rows costs more than the test. An infinity is
    False here (isclose: True); every caller masks such a row out as too large or unreadable."""
    with np.errstate(invalid="ignore"):
        return np.abs(x - np.round(x)) <= atol


def _by_position(values: np.ndarray, at: np.ndarray, missing) -> np.ndarray:
    """``values[at]`` for every row, ``missing`` where ``at`` is -1 (a code the rule table lacks)."""
    values = np.append(values, missing)
    return values[np.where(at < 0, len(values) - 1, at)]


def _join_rules(ev: pd.DataFrame, rules: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """``ev`` with each row's rule columns (a left join on the code, in row order; ``at``: each row's
    position in ``rules``, -1 for an unknown code), without copying the event columns: an unknown
    code gets NaN, as ``merge(how="left")`` gives."""
    unknown = at < 0
    columns = {}
    for name in rules.columns:
        if name == "rule":
            continue
        col = rules[name].to_numpy()
        if unknown.any():
            col = col.astype(object) if col.dtype.kind in "biuOSU" else col
            if rules[name].dtype.kind in "iu":  # merge turns integers into floats beside NaN
                col = col.astype("float64")
            taken = _by_position(col, at, [np.nan])
        else:
            taken = col[at]
        # object stays object: pandas would otherwise infer (and convert) a str column per rule field
        columns[name] = pd.Series(taken, index=ev.index, dtype=object) if taken.dtype == object else taken
    return ev.assign(**columns)


class _Rows:
    """Cells of a frame by row position and column name, from column arrays made once on first use;
    a rule field the frame lacks is the row's rule's (``rules`` by the position ``at``, NaN for an
    unknown code, as the left join gives)."""

    def __init__(self, frame: pd.DataFrame, rules: pd.DataFrame, at: np.ndarray):
        self.frame, self.rules, self.positions = frame, rules, at
        self.columns: dict[str, np.ndarray] = {}

    def column(self, name: str) -> np.ndarray:
        col = self.columns.get(name)
        if col is None:
            if name in self.frame or name not in self.rules:
                col = self.frame[name].to_numpy(dtype=object)
            else:
                col = _by_position(self.rules[name].to_numpy(dtype=object), self.positions, np.array([np.nan], dtype=object))
            self.columns[name] = col
        return col

    def at(self, i: int) -> _Row:
        return _Row(self, i)


class _Row:
    __slots__ = ("rows", "i")

    def __init__(self, rows: _Rows, i: int):
        self.rows, self.i = rows, i

    def __getitem__(self, name: str):
        return self.rows.column(name)[self.i]


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series(dtype="datetime64[ns]"), "employee": pd.Series(dtype=object),
        "rule": pd.Series(dtype=object), "qty": pd.Series(dtype="float64"), "value": pd.Series(dtype="float64"),
        "xl_row": pd.Series(dtype="int64"), "kind": pd.Series(dtype=object), "category": pd.Series(dtype=object),
        "qty_units": pd.Series(dtype="int64"), "value_units": pd.Series(dtype="int64"),
        "factor": pd.Series(dtype="int64"),
    })


def _metric_when(frame: pd.DataFrame, i: int, lang: str) -> str:
    """Which day, week or month a Metrics row is of, as a duplicate's message names it ('' for the period's own)."""
    for col, zh, en in (("date", "日期", "of"), ("week_start", "周一日期", "of the week of"), ("period", "所属月份", "of")):
        v = frame[col].iat[i] if col in frame else None
        if v is not None and not (isinstance(v, float) or v is pd.NaT) and str(v).strip():
            shown = pd.Timestamp(v).date() if col != "period" else getattr(v, "label", v)
            return f"（{zh} {shown}）" if lang == "zh" else f" {en} {shown}"
    return ""


def check_metrics(scheme: Scheme, inputs: Inputs, employees: pd.DataFrame) -> list[Problem]:
    """Metric rows: known codes and employees, no duplicates, sane dates, typed values in range.

    Vectorised: daily metrics of a large department can run to hundreds of thousands of rows.
    """
    table = inputs.metrics
    frame = table.frame
    problems: list[Problem] = []
    if frame.empty:
        return problems
    codes = scheme.metrics
    emp_col = frame["employee"]
    team_col = frame["team"] if "team" in frame else pd.Series("", index=frame.index)
    owner = emp_col.where(emp_col.isin(employees.index), None)
    bad = frame["xl_bad"].to_numpy(dtype=bool)
    scope = frame["metric"].map({c: m.scope for c, m in codes.items()})
    known = scope.notna().to_numpy()
    emp_scope = (scope == "employee").to_numpy()
    no_emp = emp_scope & (emp_col == "").to_numpy()
    unknown_emp = emp_scope & (emp_col != "").to_numpy() & owner.isna().to_numpy()
    key_cols = [c for c in ("employee", "team", "metric", "date", "week_start", "period") if c in frame]
    dup = frame.duplicated(subset=key_cols, keep="first").to_numpy()
    both = (frame["date"].notna() & frame["week_start"].notna()).to_numpy()
    not_monday = (frame["week_start"].notna() & (frame["week_start"].dt.day_of_week != 0)).to_numpy()

    def emit(mask, make):
        for i in np.flatnonzero(mask):
            problems.append(make(i, int(frame["xl_row"].iat[i]), owner.iat[i]))

    # a bad row blocks its employee with its cells' own problems ("数值 不能为空", "#N/A"), as on Events
    named, given = _owned_cell_problems(inputs.problems, table, frame["xl_row"].to_numpy(dtype="int64"),
                                        owner.to_numpy(dtype=object), bad)
    problems += named
    emit(bad & ~given, lambda i, row, o: problem(
        "bad_metric_row", table.ref("value", row), f"第 {row} 行指标有空白或无法读取的单元格，不能使用。",
        f"Metric row {row} has an empty or unreadable cell and cannot be used.", "修正本行中标出的单元格。",
        "Fix the cells reported for this row.", employee=o))
    shown = ", ".join(codes) or "-"
    emit(~bad & ~known, lambda i, row, o: problem(
        "unknown_metric", table.ref("metric", row), f"未知的指标代码 “{frame['metric'].iat[i]}”。",
        f"Unknown metric code '{frame['metric'].iat[i]}'.", f"使用：{shown}", f"Use one of: {shown}", employee=o))
    ok = ~bad & known
    emit(ok & no_emp, lambda i, row, o: problem(
        "missing_value", table.ref("employee", row), "员工指标必须填写工号。", "An employee metric needs an employee ID.",
        "填写工号。", "Fill in the employee ID."))
    lost = zeros_lost(employees.index)
    emit(ok & unknown_emp, lambda i, row, o: problem(
        "unknown_employee", table.ref("employee", row), f"工号 “{emp_col.iat[i]}” 不在员工表中。",
        f"Employee ID '{emp_col.iat[i]}' is not on the Employees sheet.",
        lost(emp_col.iat[i])[0] or "改正工号，或先在员工表添加此人。",
        lost(emp_col.iat[i])[1] or "Correct it or add the person to the Employees sheet."))
    ok &= ~no_emp & ~unknown_emp
    groups = _group_names(scheme, frame, team_col, employees)
    unread = ok & _unread_group_rows(table, frame, emp_col, team_col, scope, set(groups))
    shown_groups = "、".join(groups[:SHOWN_GROUPS]) + ("……" if len(groups) > SHOWN_GROUPS else "") or "（无 / none）"
    shown_groups_en = ", ".join(groups[:SHOWN_GROUPS]) + (", ..." if len(groups) > SHOWN_GROUPS else "") or "(none)"
    emit(unread & (emp_col == "").to_numpy(), lambda i, row, o: problem(
        "unknown_group", table.ref("team", row),
        f"小组/部门 “{team_col.iat[i]}” 在员工表中没有任何员工，本行的 {frame['metric'].iat[i]} 不会用于任何人。"
        f"员工表中的小组/部门：{shown_groups}。无法判断它是哪个小组/部门的笔误，所以所有人暂不计分。",
        f"No employee on the Employees sheet is in team/department '{team_col.iat[i]}', so this "
        f"{frame['metric'].iat[i]} row is used for nobody. Teams/departments on the Employees sheet: {shown_groups_en}. "
        "Which group it was meant for cannot be told, so nobody is scored until it is resolved.",
        f"把名称改成员工表中的写法（如 {groups[0] if groups else '员工表的部门'}），或在员工表改正该组员工的小组/部门；"
        "如果这个小组/部门不在本工作簿中，删除本行。",
        f"Spell it as on the Employees sheet (e.g. {groups[0] if groups else 'the department there'}), or correct "
        "the members' team/department there; if that group is not in this workbook, delete the row."))
    emit(unread & (emp_col != "").to_numpy(), lambda i, row, o: problem(
        "group_metric_by_employee", table.ref("employee", row),
        f"{frame['metric'].iat[i]} 是小组/部门的指标，按“小组/部门”列查找；本行填的是工号 “{emp_col.iat[i]}”，"
        "不会用于任何人，所以所有人暂不计分。",
        f"{frame['metric'].iat[i]} is a team/department figure, looked up by the Team column; this row gives employee "
        f"ID '{emp_col.iat[i]}' instead, so it is used for nobody, and nobody is scored until it is resolved.",
        f"清空工号，在“小组/部门”列填写小组/部门名称（员工表中的：{shown_groups}）。",
        f"Clear the employee ID and put the team/department in the Team column (on the Employees sheet: {shown_groups_en})."))
    ok &= ~unread
    if dup.any():
        first = frame.groupby(key_cols, dropna=False, sort=False)["xl_row"].transform("first").to_numpy()
    emit(ok & dup, lambda i, row, o: problem(
        "duplicate_metric", table.ref("metric", row),
        f"{emp_col.iat[i] or team_col.iat[i]} 的 {frame['metric'].iat[i]}{_metric_when(frame, i, 'zh')}已在第 {first[i]} 行录入"
        f"（{table.ref('value', int(first[i]))}），这里又录入一次。",
        f"{frame['metric'].iat[i]}{_metric_when(frame, i, 'en')} for {emp_col.iat[i] or team_col.iat[i]} is already on row "
        f"{first[i]} ({table.ref('value', int(first[i]))}) and is entered again here.",
        "只保留正确的一行，删除另一行。", "Keep the right row and delete the other.", employee=o))
    ok &= ~dup
    emit(ok & both, lambda i, row, o: problem(
        "metric_date_and_week", table.ref("week_start", row), "日期和周一日期只能填一个。",
        "Give either a date or a week start, not both.", "清空其中一个。", "Clear one of them.", employee=o))
    emit(ok & not_monday, lambda i, row, o: problem(
        "week_start_not_monday", table.ref("week_start", row),
        f"周一日期 {pd.Timestamp(frame['week_start'].iat[i]).date()} 不是星期一。",
        f"Week start {pd.Timestamp(frame['week_start'].iat[i]).date()} is not a Monday.",
        "填写该周的星期一。", "Enter that week's Monday.", employee=o))
    problems += _weekly_rows(scheme, inputs.period, table, owner, ok & ~both & ~not_monday)
    values = frame["value"].to_numpy(dtype=object)
    metric = frame["metric"].to_numpy(dtype=object)
    typed_percent = frame["xl_row"].isin(table.percent_rows).to_numpy() if table.percent_rows else np.zeros(len(frame), bool)
    for code, mdef in codes.items():
        idx = np.flatnonzero(ok & (metric == code))
        if not len(idx):
            continue
        sub = values[idx]
        percent = typed_percent[idx]
        if mdef.type in ("number", "integer", "percent", "money"):
            typed = np.fromiter((isinstance(v, Decimal) for v in sub), dtype=bool, count=len(sub))
            nums = np.array([float(v) if t else np.nan for v, t in zip(sub, typed, strict=True)])
            wrong = ~typed.copy()
            if mdef.type != "percent":
                wrong |= typed & percent
            if mdef.min is not None:
                wrong |= typed & (nums < float(mdef.min))
            if mdef.max is not None:
                wrong |= typed & (nums > float(mdef.max))
            if mdef.type == "integer":
                wrong |= typed & (nums != np.floor(nums))
            wrong |= typed & ~(np.abs(nums) <= VALUE_LIMIT)
        elif mdef.type == "boolean":
            wrong = ~np.fromiter((isinstance(v, bool) for v in sub), dtype=bool, count=len(sub))
        elif mdef.choices:  # the parser read each text as the choice it spells; any other text is refused
            wrong = np.array([v is None or mdef.choice(v) != v for v in sub], dtype=bool)
        else:
            wrong = np.array([v is None for v in sub], dtype=bool)
        for i in idx[wrong]:
            pr = check_value(mdef, values[i], table.ref("value", int(frame["xl_row"].iat[i])), owner.iat[i],
                             bool(typed_percent[i]))
            if pr:
                problems.append(pr)
        if mdef.type == "percent" and not mdef.small:  # (a cell typed as a percent says what it means)
            for i in idx[typed & ~wrong & ~percent & (nums > 0) & (nums <= 1)]:
                problems.append(percent_fraction(mdef, values[i], table.ref("value", int(frame["xl_row"].iat[i])),
                                                 owner.iat[i]))
        if mdef.type == "number" and mdef.max == 100 and mdef.unit == "分" and not mdef.small:  # a score out of 100
            for i in idx[typed & ~wrong & (nums > 0) & (nums <= 1)]:
                problems.append(score_fraction(mdef, values[i], table.ref("value", int(frame["xl_row"].iat[i])),
                                               owner.iat[i]))
        if mdef.type == "percent" and mdef.max is None:  # (a bound of its own decides above)
            for i in idx[typed & ~wrong & (nums >= PERCENT_IMPLAUSIBLE)]:
                problems.append(percent_implausible(mdef, values[i], table.ref("value", int(frame["xl_row"].iat[i])),
                                                    owner.iat[i], bool(typed_percent[i])))
    return problems


PERCENT_IMPLAUSIBLE = 1000  # a percent figure of 1000% or more (95 typed into a percent cell shows 9500%)


def percent_implausible(mdef, value, where: str, owner: str | None, typed_percent: bool) -> Problem:
    """A percent figure of ten times the whole or more: a figure typed into a cell formatted as a
    percent after the typing (95 shows as 9500%), or a count typed for a rate."""
    meant = _fmt(value / 100)
    how_zh = f"单元格显示 {_fmt(value)}%（百分比格式的单元格里的 {meant} 就是 {_fmt(value)}%）" if typed_percent else f"{_fmt(value)} 表示 {_fmt(value)}%"
    how_en = (f"the cell shows {_fmt(value)}% ({meant} in a percent-formatted cell is {_fmt(value)}%)" if typed_percent
              else f"{_fmt(value)} means {_fmt(value)}%")
    return problem(
        "percent_implausible", where,
        f"{mdef.zh} 的值大得不合理：{how_zh}。",
        f"{mdef.en} is implausibly large: {how_en}.",
        f"如果指的是 {meant}%，在单元格中输入 {meant}%（或在常规格式的单元格中填 {meant}）；确实如此请核对来源数据。",
        f"If {meant}% is meant, type {meant}% in the cell (or {meant} in a General cell); if it really is, check the source.",
        employee=owner)


SHOWN_GROUPS = 10


def _weekly_rows(scheme: Scheme, period: Period | None, table: Table, owner: pd.Series, ok: np.ndarray) -> list[Problem]:
    """Rows of a metric the scheme reads week by week (S6 回访率, R-RP-3): one without a week start is
    used for nothing, so it is an error at its cell (its owner is withheld); a week credited to another
    month (the month of its Sunday, R-G-3) is not this period's, and says so."""
    weekly = {st.each_week["metric"] for st in scheme.steps if getattr(st, "each_week", None)}
    frame = table.frame
    if not weekly or period is None:
        return []
    from .series import credited_mondays

    mine = ok & frame["metric"].isin(weekly).to_numpy()
    week = frame["week_start"]
    out = []
    for i in np.flatnonzero(mine & week.isna().to_numpy()):
        row, code = int(frame["xl_row"].iat[i]), frame["metric"].iat[i]
        mdef = scheme.metrics[code]
        dated = pd.notna(frame["date"].iat[i])
        out.append(problem(
            "week_start_missing", table.ref("week_start", row),
            f"{code}（{mdef.zh}）是每周的数字，本行没有周一日期" + ("（日期填在了“日期”列）" if dated else "") + "，不能使用。",
            f"{code} ({mdef.en}) is a weekly figure and this row has no week start"
            + (" (the date is in the Date column)" if dated else "") + ", so it cannot be used.",
            "在“周一日期”列填写该周的星期一" + ("，并清空“日期”" if dated else "") + "（R-G-3）。",
            "Enter that week's Monday in the Week start column" + (" and clear the Date" if dated else "") + " (R-G-3).",
            employee=owner.iat[i]))
    credited = pd.DatetimeIndex([pd.Timestamp(m) for m in credited_mondays(period)])
    for i in np.flatnonzero(mine & week.notna().to_numpy() & ~week.isin(credited).to_numpy()):
        row, monday = int(frame["xl_row"].iat[i]), pd.Timestamp(week.iat[i]).date()
        sunday = monday + pd.Timedelta(days=6)
        out.append(problem(
            "week_of_another_month", table.ref("week_start", row),
            f"{monday} 开始的一周在 {sunday:%Y-%m} 结束（周日 {sunday}），计入 {sunday:%Y-%m}，不计入 {period.label}（R-G-3）。",
            f"The week starting {monday} ends on Sunday {sunday} and is credited to {sunday:%Y-%m}, not to {period.label} (R-G-3).",
            "无需处理；该周在其所属月份的工作簿中填写。", "Nothing to do; enter that week in its own month's workbook.",
            employee=owner.iat[i], severity="warning"))
    return out


def _row_groups(scheme: Scheme, frame: pd.DataFrame, team_col: pd.Series) -> set[str]:
    """Groups a step takes from the Metrics rows themselves, members or not: S14's ``item_points`` ranks
    every team with rows of its item codes (a group whose members are in no workbook still ranks)."""
    prefixes = tuple(st.spec["prefix"] for st in scheme.steps if st.kind == "item_points" and st.spec.get("prefix"))
    if not prefixes:
        return set()
    on_rows = frame["metric"].astype(str).str.startswith(prefixes) & (team_col != "")
    return set(team_col[on_rows].astype(str))


def _group_names(scheme: Scheme, frame: pd.DataFrame, team_col: pd.Series, employees: pd.DataFrame) -> list[str]:
    """Every team and department a team/department metric row can name and be read for (sorted)."""
    names: set[str] = set()
    for col in ("team", "department"):
        if col in employees:
            names |= {str(v) for v in employees[col].tolist() if v is not None and v == v and str(v) != ""}
    return sorted(names | _row_groups(scheme, frame, team_col))


def _unread_group_rows(table: Table, frame: pd.DataFrame, emp_col: pd.Series, team_col: pd.Series,
                       scope: pd.Series, known: set[str]) -> np.ndarray:
    """Rows of a team/department metric that no lookup reads (Context.group_keys: the employee's team,
    department, or a row naming neither): a group no employee is in, or an employee ID in place of
    the group. The ledger's rows are exempt (a group whose members have all left is simply not read)."""
    group_scope = (scope.notna() & (scope != "employee")).to_numpy()
    if not group_scope.any():
        return np.zeros(len(frame), dtype=bool)
    by_employee = (emp_col != "").to_numpy()
    unknown_group = (team_col != "").to_numpy() & ~team_col.astype(str).isin(known).to_numpy()
    ledger = frame["xl_row"].isin(ledger_rows(table)).to_numpy()
    return group_scope & (by_employee | unknown_group) & ~ledger


def percent_fraction(mdef, value, where: str, owner: str | None) -> Problem:
    """A plain 0.62 for a percent figure reads as 0.62 %: likely Excel's 62 % typed as a fraction."""
    shown = _fmt(value * 100)
    return problem(
        "percent_as_fraction", where,
        f"{mdef.zh} 的值 {_fmt(value)} 按 {_fmt(value)}% 计算；如果指的是 {shown}%，请填写 {shown}。",
        f"{mdef.en} value {_fmt(value)} is taken as {_fmt(value)}%; if {shown}% is meant, enter {shown}.",
        f"百分比按百分数填写（96.5 表示 96.5%），或把单元格设为百分比格式；如确为 {_fmt(value)}%，可忽略本警告。",
        f"Enter percentages in percent units (96.5 means 96.5%) or format the cell as a percentage; "
        f"if it really is {_fmt(value)}%, ignore this warning.", employee=owner, severity="warning")


def score_fraction(mdef, value, where: str, owner: str | None) -> Problem:
    """0.95 for a score out of 100 (S10's QC averages): likely 95 typed as Excel's 95 %."""
    shown = _fmt(value * 100)
    shown = shown.rstrip("0").rstrip(".") if "." in shown else shown  # 95, not 95.00
    return problem(
        "score_as_fraction", where,
        f"{mdef.zh} 的值 {_fmt(value)} 按 {_fmt(value)} 分（满分 100）计算；如果指的是 {shown} 分，请填写 {shown}。",
        f"{mdef.en} value {_fmt(value)} is taken as {_fmt(value)} points of 100; if {shown} is meant, enter {shown}.",
        f"按分数填写（95 表示 95 分）；如确为 {_fmt(value)} 分，可忽略本警告。",
        f"Enter the score in points (95 means 95 points); if it really is {_fmt(value)}, ignore this warning.",
        employee=owner, severity="warning")


def percent_not_allowed(mdef, value, where: str, owner: str | None) -> Problem:
    """A figure that is not in percent units typed as a percent: 1% in a cell of a decimal-fraction
    rate (0.02 = 2%) would be read as 1, a whole 100%; a count or an amount is never a percent."""
    fraction = mdef.max is not None and mdef.max <= 1
    shown = f"{_fmt(value)}%"
    as_fraction = _fmt(value / 100)
    return problem(
        "percent_not_allowed", where,
        f"{mdef.zh} 的值 “{shown}” 是百分数，而{mdef.zh}不按百分数填写。",
        f"{mdef.en} value '{shown}' is a percent, but {mdef.en} is not entered in percent.",
        (f"按小数填写：{shown} 填 {as_fraction}（单元格用常规或数值格式）。" if fraction else
         "填写数值本身，不带 %；如果单元格设为百分比格式，请改为常规或数值格式。"),
        (f"Enter it as a decimal fraction: {shown} is {as_fraction} (a General or Number cell)." if fraction else
         "Enter the figure itself without %; if the cell has a percent format, make it General or Number."),
        employee=owner)


def check_value(mdef, value, where: str, owner: str | None, percent: bool = False) -> Problem | None:
    """Type and range of one metric, parameter or History value; ``percent``: its cell was typed as
    a percent (``1%`` or a 0% cell: that many percent), which only a percent figure may be."""
    from decimal import Decimal

    if value is None:
        return problem("missing_value", where, f"{mdef.zh} 没有数值。", f"{mdef.en} has no value.", "填写数值。",
                       "Enter the value.", employee=owner)
    if mdef.type in ("number", "integer", "percent", "money"):
        if not isinstance(value, Decimal):
            text = {True: "TRUE", False: "FALSE"}.get(value, value) if isinstance(value, bool) else value
            return problem("not_a_number", where, f"{mdef.zh} 的值 “{text}” 不是数字。", f"{mdef.en} value '{text}' is not a number.",
                           "只填数字" + ("（百分比填 96.5 表示 96.5%）" if mdef.type == "percent" else "") + "。",
                           "Enter a plain number" + (" (96.5 means 96.5%)" if mdef.type == "percent" else "") + ".", employee=owner)
        if not (value.is_finite() and abs(value) <= VALUE_LIMIT):
            return too_large(where, mdef.zh, mdef.en, value, owner)
        if percent and mdef.type != "percent":
            return percent_not_allowed(mdef, value, where, owner)
        if mdef.type == "integer" and value != value.to_integral_value():
            return problem("not_whole", where, f"{mdef.zh} 必须是整数，这里填写的是 {_fmt(value)}。",
                           f"{mdef.en} must be a whole number; {_fmt(value)} is entered here.",
                           "填写整数（个数、名次、天数没有小数）。", "Enter a whole number (counts, ranks and days have no fractions).",
                           employee=owner)
        if mdef.decimals is not None and value != round_half_up(value, mdef.decimals):
            shown = round_half_up(value, mdef.decimals)
            return problem("too_many_decimals", where, f"{mdef.zh} 的值 {_fmt(value)} 超过 {mdef.decimals} 位小数。",
                           f"{mdef.en} value {_fmt(value)} has more than {mdef.decimals} decimals.",
                           f"按方案的舍入填写（四舍五入为 {shown}）。",
                           f"Enter it as the scheme rounds it (half-up: {shown}).", employee=owner)
        if (mdef.min is not None and value < mdef.min) or (mdef.max is not None and value > mdef.max):
            lo = "" if mdef.min is None else str(mdef.min)
            hi = "" if mdef.max is None else str(mdef.max)
            if not hi:  # a lower bound only
                return problem("out_of_range", where, f"{mdef.zh} 的值 {value} 小于下限 {lo}。",
                               f"{mdef.en} value {value} is below its minimum {lo}.", f"填写不小于 {lo} 的数。",
                               f"Enter a number of at least {lo}.", employee=owner)
            if not lo:
                return problem("out_of_range", where, f"{mdef.zh} 的值 {value} 大于上限 {hi}。",
                               f"{mdef.en} value {value} is above its maximum {hi}.", f"填写不大于 {hi} 的数。",
                               f"Enter a number of at most {hi}.", employee=owner)
            return problem("out_of_range", where, f"{mdef.zh} 的值 {value} 超出范围 {lo}–{hi}。",
                           f"{mdef.en} value {value} is outside {lo}..{hi}.", f"填写 {lo}–{hi} 之间的数。",
                           f"Enter a number within {lo}..{hi}.", employee=owner)
    elif mdef.choices and mdef.choice(value) != value:
        text = {True: "TRUE", False: "FALSE"}.get(value, value) if isinstance(value, bool) else value
        shown = "、".join(c for c, _ in mdef.choices)
        if getattr(mdef, "others", "error") == "warning":  # another text has a meaning (S6: no award): said, then read
            return problem("not_a_known_choice", where,
                           f"{mdef.zh} 的值 “{text}” 不是已知的评定（{shown}），按“其他”处理。",
                           f"{mdef.en} value '{text}' is none of the known ones ({', '.join(c for c, _ in mdef.choices)}), "
                           f"so it counts as any other text. {mdef.ruling}",
                           f"如果是其中之一，改为该写法：{shown}。", f"If it is one of them, spell it so: {shown}.",
                           employee=owner, severity="warning")
        forms_zh = "；".join(f"{c}（也可写 {'、'.join(a)}）" if a else c for c, a in mdef.choices)
        forms_en = "; ".join(f"{c} (or {', '.join(a)})" if a else c for c, a in mdef.choices)
        return problem("not_a_choice", where, f"{mdef.zh} 的值 “{text}” 不是可选值（{shown}）。",
                       f"{mdef.en} value '{text}' is not one of {', '.join(c for c, _ in mdef.choices)}.",
                       f"填写其中之一：{forms_zh}。大小写、全角半角和空格不计。",
                       f"Enter one of: {forms_en}. Case, full-width letters and spaces do not matter.", employee=owner)
    elif mdef.type == "boolean":
        if not isinstance(value, bool):
            return problem("not_boolean", where, f"{mdef.zh} 应为 是/否。", f"{mdef.en} must be yes/no.", "填 是 或 否。",
                           "Enter 是 or 否 (yes/no).", employee=owner)
    elif mdef.type == "date":
        import datetime as dt

        if not isinstance(value, dt.date):
            return problem("not_a_date", where, f"{mdef.zh} 的值 “{value}” 不是日期。", f"{mdef.en} value '{value}' is not a date.",
                           "写成 2026-11-03 这样的日期，或把单元格设为日期格式。",
                           "Type a date like 2026-11-03 or format the cell as a date.", employee=owner)
    return None


def check_parameters(scheme: Scheme, inputs: Inputs) -> list[Problem]:
    from .scheme import InputDef

    problems: list[Problem] = []
    reserved = {"SCHEME", "PERIOD"}
    for code, p in inputs.parameters.items():
        if code in reserved:
            continue
        pdef: InputDef | None = scheme.parameters.get(code)
        if pdef is None:
            shown = ", ".join(scheme.parameters) or "-"
            problems.append(problem("unknown_parameter", p.where, f"未知参数 “{code}”。", f"Unknown parameter '{code}'.",
                                    f"检查拼写；本方案的参数：{shown}", f"Check the spelling; this scheme's parameters: {shown}"))
            continue
        if p.value is None:
            continue  # an empty template row; a step that needs it reports it as missing
        pr = check_value(pdef, p.value, p.where, None, p.percent)
        if pr:
            problems.append(pr)
        elif pdef.type == "percent" and not pdef.small and not p.percent and isinstance(p.value, Decimal) and 0 < p.value <= 1:
            problems.append(percent_fraction(pdef, p.value, p.where, None))
    return problems


def check_ratings(inputs: Inputs, employees: pd.DataFrame) -> list[Problem]:
    """Rater roles and 0-100 scores on the Ratings sheet (S3/S5 360 ratings)."""
    from .errors import problem as _p

    table = inputs.ratings
    frame = table.frame
    problems: list[Problem] = []
    roles = ("RATER_SELF", "RATER_SUPERIOR", "RATER_GROUP")
    lost = zeros_lost(employees.index)
    for _, r in frame.iterrows():
        row = int(r["xl_row"])
        emp = r["employee"]
        owner = emp if emp in employees.index else None
        if r["xl_bad"]:
            problems.append(_p("bad_rating_row", table.ref("score", row), f"第 {row} 行评分无法读取。",
                               f"Rating row {row} has unreadable cells.", "修正本行。", "Fix this row.", employee=owner))
            continue
        if owner is None:
            zh, en = lost(emp)
            problems.append(_p("unknown_employee", table.ref("employee", row), f"工号 “{emp}” 不在员工表中。",
                               f"Employee ID '{emp}' is not on the Employees sheet.", zh or "改正工号。", en or "Correct the ID."))
            continue
        if r["rater"] not in roles and "rater" in table.letters:  # (a missing column is reported once, as such)
            problems.append(_p("unknown_rater", table.ref("rater", row), f"评分人类型 “{r['rater']}” 无效。",
                               f"Rater role '{r['rater']}' is not valid.", "选择 RATER_SELF、RATER_SUPERIOR 或 RATER_GROUP。",
                               "Use RATER_SELF, RATER_SUPERIOR or RATER_GROUP.", employee=owner))
        score = r["score"]
        if "score" not in table.letters:
            continue
        if pd.isna(score):
            problems.append(_p("missing_value", table.ref("score", row), "评分为空。", "The rating is empty.",
                               "填写 0 到 100 之间的分数，或删除本行。", "Enter a score from 0 to 100, or delete the row.",
                               employee=owner))
        elif not (0 <= score <= 100):
            problems.append(_p("rating_out_of_range", table.ref("score", row), f"评分 {score:g} 超出 0–100。",
                               f"Rating {score:g} is outside 0..100.", "填写 0 到 100 之间的分数。",
                               "Enter a score from 0 to 100.", employee=owner))
    return problems


def check_history(scheme: Scheme, inputs: Inputs, period: Period | None = None) -> list[Problem]:
    """Known items and employees and typed values on the History sheet.

    A typed row whose employee ID is not on the Employees sheet is used for nobody, and whether it
    is a typo of a current employee's ID (whose count or sum it should change) or a leaver's row
    cannot be told: an error no employee owns, one per ID at its first row, as an unknown ID on
    Events or Metrics. Rows the ledger supplies are exempt: they are kpixl's own record, keyed by
    IDs that were right when their month closed, and a leaver's rows there are simply not read.
    """
    from .errors import problem as _p

    table = inputs.history
    if table is None or table.frame.empty:
        return []
    problems: list[Problem | None] = []
    from .periods import parse_period

    f = table.frame
    known_ids = _employee_ids(inputs)
    from_ledger = ledger_rows(table)
    unknown: dict[str, tuple[int, list[int]]] = {}  # id -> (its slot in ``problems``, its rows)
    months: dict[object, Period | None] = {}  # each distinct period text parsed once (12 months x 5,000 people)
    # History is of earlier months: a month run reads none of its own month (but a start state a
    # ledger files under the next month, S15), a quarter run its quarter's months and no later
    start_state = {c.get("history") for c in scheme.document.get("carry", []) if c.get("month") == "next"}
    scored = period.month_periods() if period is not None else []
    if len(scored) == 1:  # a quarter-only item (S3/S5 COMPOSITE) of this quarter is for the quarter run
        from .quarters import quarter_only_items

        for_quarter = quarter_only_items(scheme)
        quarter = {(p.year, p.month) for p in period.quarter.month_periods()} if for_quarter else set()
    else:
        for_quarter, quarter = set(), set()
    for row, bad, item, emp, team, per, value in zip(
            f["xl_row"].tolist(), f["xl_bad"].tolist(), f["item"].tolist(), f["employee"].tolist(),
            f["team"].tolist(), f["period"].tolist(), f["value"].tolist(), strict=True):
        row = int(row)
        if bad:
            problems.append(_p("bad_history_row", table.ref("item", row), f"历史表第 {row} 行无法读取。",
                               f"History row {row} has unreadable cells.", "修正本行。", "Fix this row."))
            continue
        hdef = scheme.history.get(item)
        if hdef is None:
            shown = ", ".join(scheme.history) or "-"
            problems.append(_p("unknown_history_item", table.ref("item", row), f"未知的历史项目 “{item}”。",
                               f"Unknown history item '{item}'.", f"使用：{shown}", f"Use one of: {shown}"))
            continue
        if not emp and not team:
            problems.append(_p("history_without_owner", table.ref("employee", row), "历史行需要工号或小组。",
                               "A history row needs an employee ID or a team.", "填写工号或小组。",
                               "Fill in the employee ID or the team."))
            continue
        if emp and emp not in known_ids and row not in from_ledger:
            if emp not in unknown:
                unknown[emp] = (len(problems), [])
                problems.append(None)  # filled below, when all of its rows are known
            unknown[emp][1].append(row)
            continue
        key = (type(per), per)
        if key not in months:
            try:
                months[key] = parse_period(per)
            except ValueError:
                months[key] = None
        if months[key] is None:
            problems.append(_p("bad_period", table.ref("period", row), f"月份 “{per}” 格式不正确。",
                               f"Period '{per}' is not a month.", "写成 2026-09 这样的年月。",
                               "Write it as YYYY-MM, e.g. 2026-09."))
            continue
        pr = check_value(hdef, value, table.ref("value", row), None, row in table.percent_rows)
        if pr:
            problems.append(pr)
        elif (scored and row not in from_ledger and _not_earlier(months[key], scored, item in start_state)
              and not (item in for_quarter and (months[key].year, months[key].month) in quarter)):
            problems.append(_p(
                "history_not_earlier", table.ref("period", row),
                f"历史表这一行是 {months[key].label} 的，不早于考核期 {period.label}，不会被读取（历史表只记以前月份）。",
                f"This History row is of {months[key].label}, not earlier than the period {period.label}, so it is "
                "not read (History holds earlier months).",
                f"如果是上个月的数据，把月份改为上个月；本期的 {item} 由本期数据计算，删除本行即可。",
                f"If it is last month's figure, correct the month; this period's {item} comes from this period's "
                "data: delete the row.", employee=emp if emp in known_ids else None, severity="warning"))
    # the same item twice for one owner and month: which one counts would be a silent choice
    frame = table.frame[~table.frame["xl_bad"]]
    keys = ["employee", "team", "period", "item"]
    dup = frame.duplicated(subset=keys, keep="first")
    if dup.any():
        first = frame.groupby(keys, dropna=False, sort=False)["xl_row"].transform("first")
    for i, r in frame[dup].iterrows():
        was = table.ref("value", int(first[i]))
        problems.append(_p("duplicate_history", table.ref("item", int(r["xl_row"])),
                           f"{r['employee'] or r['team']} 在 {r['period']} 的 {r['item']} 已在 {was} 录入，这里又录入一次。",
                           f"{r['item']} of {r['period']} for {r['employee'] or r['team']} is already at {was} and is "
                           "entered again here.",
                           "只保留正确的一行，删除另一行。", "Keep the right row and delete the other."))
    problems += _typed_on_both_sheets(inputs, frame[~frame["xl_row"].isin(list(from_ledger))], known_ids)
    for emp, (slot, rows) in unknown.items():
        problems[slot] = _unknown_history_employee(table, emp, rows)
    return [p for p in problems if p is not None]


def _typed_on_both_sheets(inputs: Inputs, history: pd.DataFrame, known_ids) -> list[Problem]:
    """One month's figure typed both as a Metrics row with a period and on History: which one counts
    would be a silent choice (two different exam scores of September), so it is an error at both cells."""
    metrics = inputs.metrics.frame
    if history.empty or metrics.empty or "period" not in metrics:
        return []
    dated = metrics[(metrics["period"] != "") & ~metrics["xl_bad"] & ~metrics["xl_row"].isin(list(ledger_rows(inputs.metrics)))]
    if dated.empty:
        return []
    keys = ["employee", "team", "code", "period"]
    left = dated.rename(columns={"metric": "code"}).reindex(columns=keys + ["xl_row", "value"], fill_value="")
    right = history.rename(columns={"item": "code"}).reindex(columns=keys + ["xl_row", "value"], fill_value="")
    both = left.merge(right, on=keys, suffixes=("_m", "_h"))
    out = []
    for r in both.itertuples(index=False):
        if r.value_m == r.value_h:  # the same figure twice: nothing to choose
            continue
        at_m = inputs.metrics.ref("value", int(r.xl_row_m))
        at_h = inputs.history.ref("value", int(r.xl_row_h))
        who = r.employee or r.team
        out.append(problem(
            "typed_twice", at_h,
            f"{who} 在 {r.period} 的 {r.code} 既在指标表（{at_m}）又在历史表（{at_h}）录入，无法确定用哪一个。",
            f"{r.code} of {r.period} for {who} is on the Metrics sheet ({at_m}) and on the History sheet ({at_h}); "
            "which one counts cannot be told.",
            "只保留正确的一行，删除另一行。", "Keep the right row and delete the other.",
            employee=r.employee if r.employee in known_ids else None))
    return out


def _not_earlier(month: Period, scored: list[Period], start_state: bool) -> bool:
    """Whether a History row's month is one the run does not read: after the scored months, or (a
    month run) the scored month itself, unless the item is a start state filed under it."""
    key, first, last = (month.year, month.month), (scored[0].year, scored[0].month), (scored[-1].year, scored[-1].month)
    if key > last:
        return True
    return len(scored) == 1 and key == first and not start_state


def _employee_ids(inputs: Inputs) -> set[str]:
    """Every ID on the Employees sheet (a duplicated or faulty row's too: those are reported there)."""
    frame = inputs.employees.frame
    if frame.empty or "id" not in frame:
        return set()
    return {i for i in frame["id"].tolist() if i}


SHOWN_CELLS = 10


def _unknown_history_employee(table: Table, emp: str, rows: list[int]) -> Problem:
    """One error for every History row of an ID that is not on the Employees sheet, at its first row."""
    letter = table.letters.get("employee", "")
    cells = [f"{letter}{r}" if letter else str(r) for r in rows[:SHOWN_CELLS]]
    more = len(rows) - len(cells)
    shown = "、".join(cells) + (f" 等 {len(rows)} 行" if more else "")
    shown_en = ", ".join(cells) + (f" and {more:,} more" if more else "")
    n_zh = f"这 {len(rows)} 行" if len(rows) > 1 else "本行"
    n_en = f"its {len(rows):,} History rows ({shown_en}) are" if len(rows) > 1 else "this History row is"
    return problem(
        "unknown_employee", table.ref("employee", rows[0]),
        f"工号 “{emp}” 不在员工表中，{n_zh}历史数据（{shown}）不会用于任何人。无法判断它是在职员工工号的笔误"
        "（那样此人的结果就漏算了这些数据）还是离职人员的记录，所以所有人暂不计分。",
        f"Employee ID '{emp}' is not on the Employees sheet, so {n_en} used for nobody. Whether it is a "
        "mistyped ID of a current employee (whose result would then miss these figures) or a "
        "leaver's row cannot be told, so nobody is scored until it is resolved.",
        f"如果是输错，改成员工表中的工号；如果此人已离职，删除{n_zh}（离职人员的历史不影响在职人员的结果）。",
        "If the ID is mistyped, correct it to the one on the Employees sheet; if the person has left, delete "
        + ("these rows" if len(rows) > 1 else "the row") + " (a leaver's history changes no one else's result).")

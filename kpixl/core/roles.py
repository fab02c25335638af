"""Job titles and scheme roles (R-G-16, R-G-19; S1 R-WK-15, R-WK-17).

The Employees sheet's 岗位 / Role is the clerk's own job title, free text: it blocks nobody.
Only rules that name roles (S1 ``BIZ_COORD`` for 组长, the 客服顾问 money rules) and attributes
required for a role (S1 base_salary for 客服顾问) read it. For those, an employee holds the
role of the optional column 方案岗位 / Scheme role when it is filled, else the title; a rule's
role list (editable on the 规则 sheet) may also name a title directly.
"""

from __future__ import annotations

import pandas as pd

from .errors import Problem, problem
from .inputs import Table
from .scheme import Scheme


def scheme_roles(emps: pd.DataFrame, scheme: Scheme, table: Table) -> tuple[pd.DataFrame, list[Problem]]:
    """The role each employee holds for the scheme's rules (R-G-16: the job title is a free attribute).

    A job title (岗位) blocks nobody. Where a rule depends on the role (S1 BIZ_COORD for 组长,
    R-WK-17; 客服顾问 money rules, R-WK-15) the title is compared with the rule's roles, unless
    the optional column 方案岗位 / Scheme role maps the person to one of the scheme's roles.
    A mapping that names no role of the scheme is an error (the clerk's mapping is in doubt).
    """
    emps = emps.copy()
    title = emps["role"] if "role" in emps else pd.Series("", index=emps.index, dtype=object)
    mapped = emps["scheme_role"] if "scheme_role" in emps else pd.Series("", index=emps.index, dtype=object)
    mapped = mapped.fillna("").astype(str).str.strip()
    emps["scheme_role"] = mapped.where(mapped != "", title.fillna("").astype(str))
    problems: list[Problem] = []
    if scheme.roles:
        shown = "、".join(scheme.roles)
        for emp, r in emps[(mapped != "") & ~mapped.isin(scheme.roles)].iterrows():
            problems.append(problem(
                "unknown_scheme_role", table.ref("scheme_role", int(r["xl_row"])),
                f"方案岗位 “{r['scheme_role']}” 不是本方案的岗位（{shown}）。",
                f"Scheme role '{r['scheme_role']}' is not one of the scheme's roles ({', '.join(scheme.roles)}).",
                f"从下拉列表选择：{shown}；岗位名称写在“岗位”列即可，不必填写本列。",
                f"Pick one from the dropdown: {', '.join(scheme.roles)}; your own title goes in the Role column "
                "and this column may stay empty.", employee=emp))
    return emps, problems


def roles_held(employees: pd.DataFrame, roles: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """Per employee, the names a rule's role list may match: the scheme role, and the job title as a
    title written into a rule's 适用岗位. A filled 方案岗位 decides the scheme role: a title that is
    itself another of the scheme's ``roles`` (客服顾问 mapped to 组长) is not held besides it."""
    title = employees["role"] if "role" in employees else pd.Series("", index=employees.index, dtype=object)
    mapped = employees["scheme_role"] if "scheme_role" in employees else title
    return {emp: {x for x in (t, m) if x and not (x == t and t != m and t in roles)}
            for emp, t, m in zip(employees.index, title.tolist(), mapped.tolist(), strict=True)}


def restricted_texts(scheme: Scheme, employees: pd.DataFrame):
    """Texts of a role-restricted rule recorded for someone else: the rule, its ruling, the mapping fix."""
    def title(r) -> str:
        return str(employees.at[r["employee"], "role"] or "")

    def ruling(r) -> str:
        rule = scheme.rules.get(r["rule"])
        return f"（{rule.ruling}）" if rule is not None and rule.ruling else ""

    def roles(r, sep: str) -> str:
        return sep.join(r["roles"])

    def mapped_zh(r) -> str:
        m = str(employees.at[r["employee"], "scheme_role"] or "")
        return f"方案岗位是 “{m}”" if m != title(r) else "没有填写方案岗位"

    def mapped_en(r) -> str:
        m = str(employees.at[r["employee"], "scheme_role"] or "")
        return f"the scheme role '{m}'" if m != title(r) else "no scheme role"

    return (
        lambda r: f"{r['rule']} 只适用于岗位 {roles(r, '、')}{ruling(r)}；员工 {r['employee']} 的岗位是 “{title(r)}”，"
                  f"{mapped_zh(r)}。",
        lambda r: f"{r['rule']} applies only to role(s) {roles(r, ', ')}{ruling(r).replace('（', ' (').replace('）', ')')}; "
                  f"employee {r['employee']} has the title '{title(r)}' and {mapped_en(r)}.",
        lambda r: f"若此人担任{roles(r, '或')}，在员工表“方案岗位 / Scheme role”列选择 {roles(r, '或')}；"
                  "否则改用适用的规则或删除该行。",
        lambda r: f"If this person is a {' or '.join(r['roles'])}, choose it in the Employees sheet's Scheme role "
                  "column (方案岗位); otherwise use a rule that applies or delete the row.")

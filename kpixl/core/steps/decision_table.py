"""``decision_table``: ordered rows, first match wins (building blocks 21 and 23; R-SQ-3, R-GB-3).

Each row has a ``when`` condition (only the last row has none: it is the fallback,
"otherwise", e.g. 差) and gives the output either as a ``derived`` rule (``"rule"``: its code
and labels come from the rule table, so the rows appear on the 规则 / Rules sheet; a rule with
a ``flag`` label raises that flag, R-G-11/R-G-18, e.g. S10 ``NEW_HIRE_AFTER_10``) or as a plain
``"value"`` (a grade such as ``"A"``). Rows may ``set`` further values (expressions, evaluated
in order, so a later one may read an earlier one); table-level ``set`` gives defaults. The
step publishes ``OUTPUT``, ``OUTPUT.label`` (the rule's Chinese label, or the value) and every
name the rows set.

``"scope": "team"`` decides once per group over the group's values (``group.total``,
``group.rank``), team metrics and parameters, keeps the result per group (``ctx.groups``, the
report's 小组 sheet) and gives it to every member (S14 group grade, R-GB-3).

The explanation shows the matched row, its condition and the rows before it that did not
match; the template's 说明 / Guide sheet lists every row. Inputs are read only where a
condition needs them (``and``/``or`` short-circuit); a missing one is a located error (R-G-9).
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import MissingInput
from ..expr import Expression
from .base import Step, value_text
from .grades import TeamEnv, team_members


class DecisionTableStep(Step):
    kind = "decision_table"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.scope = spec.get("scope", "employee")
        self.defaults = [(k, Expression(str(v), f"{where}.set.{k}")) for k, v in spec.get("set", {}).items()]
        self.rows = []
        n = len(spec["rows"])
        for i, r in enumerate(spec["rows"]):
            at = f".rows[{i}]"
            if ("rule" in r) == ("value" in r):
                raise self.error("每行给出 rule 或 value 之一。", "Each row gives either a 'rule' or a 'value'.",
                                 "保留其中一个。", "Keep one of them.", at)
            if "rule" in r:
                rule = self.rule(r["rule"], f"rows[{i}].rule")
                if rule.kind != "derived":
                    raise self.error(f"{rule.code} 的类型应为 derived（自动计算）。",
                                     f"{rule.code} must have kind 'derived' to be a decision-table row.",
                                     "把该规则的 kind 改为 derived。", "Set the rule's kind to derived.", f"{at}.rule")
            if ("when" in r) == (i == n - 1):
                raise self.error("只有最后一行没有 when（其余情况）。", "Only the last row has no 'when' (the fallback).",
                                 "给前面各行写 when，删除最后一行的 when。",
                                 "Give every earlier row a when and remove the last row's.", at)
            when = Expression(r["when"], f"{where}{at}.when") if "when" in r else None
            sets = [(k, Expression(str(v), f"{where}{at}.set.{k}")) for k, v in r.get("set", {}).items()]
            self.rows.append((r, r.get("rule") or str(r["value"]), when, sets))
        names = {k for k, _ in self.defaults}
        for i, (_, code, _, sets) in enumerate(self.rows):
            missing = sorted({k for _, _, _, s in self.rows for k, _ in s} - names - {k for k, _ in sets})
            if missing:
                raise self.error(f"第 {i + 1} 行（{code}）没有设定 {missing}。", f"Row {i + 1} ({code}) does not set {missing}.",
                                 "在该行或表级 set 中给出这些值。", "Set them on the row or in the table-level set.",
                                 f".rows[{i}].set")

    def outputs(self) -> list[str]:
        names = [k for k, _ in self.defaults]
        for _, _, _, sets in self.rows:
            names += [k for k, _ in sets if k not in names]
        return [self.output, f"{self.output}.label"] + names

    def rule_codes(self) -> list[str]:
        return [code for r, code, _, _ in self.rows if "rule" in r]

    def _labels(self, r, code) -> tuple[str, str]:
        if "rule" in r:
            rule = self.scheme.rules[code]
            return rule.zh, rule.en
        return code, code

    def guide_rows(self) -> list[tuple[str, str]]:
        out = [(self.output, f"{self.spec.get('zh', self.output)} / {self.spec.get('en', self.output)}"
                             "：按顺序逐行判断，第一条成立的行生效 / rows are tried in order, the first match wins")]
        for i, (r, code, when, sets) in enumerate(self.rows, start=1):
            label_zh, label_en = self._labels(r, code)
            cond = (r.get("explain") or {}).get("zh") or (when.text if when else "其余情况 / otherwise")
            cond_en = (r.get("explain") or {}).get("en") or (when.text if when else "otherwise")
            out.append((f"{i}. {code}", f"{label_zh} / {label_en}：{cond} / {cond_en}"))
            if when is not None and r.get("explain"):
                out.append(("", f"   when: {when.text}"))
            if sets:
                out.append(("", "   " + "; ".join(f"{k} = {e.text}" for k, e in sets)))
        return out

    def run(self, ctx) -> None:
        if self.scope == "team":
            members = team_members(ctx)
            for team in sorted(set(ctx.groups) | set(members)):
                env = TeamEnv(ctx, team)
                group = ctx.groups[team]
                try:
                    decided = self._decide(ctx, None, env, group.__setitem__)
                except MissingInput as exc:
                    for emp in members.get(team, []):
                        ctx.block_missing(emp, replace(exc.problem, employee=emp))
                    continue
                names, code, zh, en, flag = decided
                for emp in members.get(team, []):
                    for k in names:
                        ctx.set(emp, k, group[k], env.read)
                    ctx.note(emp, self.kind, self.output, code, f"小组 {team} {zh}", f"Group {team} {en}", env.read)
                    if flag:
                        ctx.add_flag(emp, code, flag["zh"], flag["en"], env.read or ["条件 / condition"])
            return
        for emp in ctx.ids:
            env = ctx.env(emp)
            decided = self._decide(ctx, emp, env, lambda k, v, emp=emp, env=env: ctx.set(emp, k, v, env.read))
            if decided is None:
                continue
            _, code, zh, en, flag = decided
            ctx.note(emp, self.kind, self.output, code, zh, en, env.read)
            if flag:
                ctx.add_flag(emp, code, flag["zh"], flag["en"], env.read or ["条件 / condition"])

    def _decide(self, ctx, emp, env, publish):
        """Find the first matching row and publish its values in order (so a later ``set`` reads an
        earlier one). Returns (names, code, explanation zh, en, flag), or None when an input is missing
        (the employee is then blocked). For a group (``emp`` None) a missing input raises."""
        zh, en = self.spec.get("zh", self.output), self.spec.get("en", self.output)

        def value_of(expr):
            if emp is None:
                return True, expr.evaluate(env)
            return self.evaluate(ctx, emp, expr, env)

        failed: list[str] = []
        matched = None
        for i, (r, code, when, sets) in enumerate(self.rows, start=1):
            if when is None:
                matched = (i, r, code, when, sets)
                break
            ok, holds = value_of(when)
            if not ok:
                return None
            if holds:
                matched = (i, r, code, when, sets)
                break
            failed.append(f"{i}. {code}")
        i, r, code, when, sets = matched
        label_zh, label_en = self._labels(r, code)
        publish(self.output, code)
        publish(f"{self.output}.label", label_zh)
        names = [self.output, f"{self.output}.label"]
        given = {k for k, _ in sets}
        shown = []
        for k, expr in [d for d in self.defaults if d[0] not in given] + sets:
            ok, v = value_of(expr)
            if not ok:
                return None
            publish(k, v)
            names.append(k)
            shown.append(f"{k} = {value_text(v)}")
        cond = r.get("explain") or {}
        cond_zh = cond.get("zh") or (when.text if when else "其余情况")
        cond_en = cond.get("en") or (when.text if when else "otherwise")
        skipped_zh = f"（未成立：{'、'.join(failed)}）" if failed else ""
        skipped_en = f" (not matched: {', '.join(failed)})" if failed else ""
        tail_zh = f" → {'；'.join(shown)}" if shown else ""
        tail_en = f" -> {'; '.join(shown)}" if shown else ""
        flag = self.scheme.rules[code].flag if "rule" in r else None
        return (names, code,
                f"{zh}：第 {i} 行 {code} {label_zh} 成立：{cond_zh}{skipped_zh}{tail_zh}",
                f"{en}: row {i} {code} {label_en} matched: {cond_en}{skipped_en}{tail_en}", flag)

"""``decision_table``: ordered rows, first match wins (building blocks 21 and 23; R-SQ-3).

Each row names a ``derived`` rule (its code and labels come from the rule table, so the rows
appear on the 规则 / Rules sheet), a ``when`` condition and the values it ``set``s
(expressions, evaluated in order, so a later one may read an earlier one). Only the last
row has no ``when``: it is the fallback ("otherwise", e.g. 差). The step publishes
``OUTPUT`` (the matched row's code), ``OUTPUT.label`` (its Chinese label) and every name the
rows set; table-level ``set`` gives defaults for names a row does not set. A row whose rule
has a ``flag`` label raises that flag (R-G-11, R-G-18), e.g. S10 ``NEW_HIRE_AFTER_10``.

The explanation shows the matched row, its condition and the rows before it that did not
match; the template's 说明 / Guide sheet lists every row. Inputs are read only where a
condition needs them (``and``/``or`` short-circuit); a missing one is a located error (R-G-9).
"""

from __future__ import annotations

from ..expr import Expression
from .base import Step, value_text


class DecisionTableStep(Step):
    kind = "decision_table"

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.defaults = [(k, Expression(str(v), f"{where}.set.{k}")) for k, v in spec.get("set", {}).items()]
        self.rows = []
        n = len(spec["rows"])
        for i, r in enumerate(spec["rows"]):
            at = f".rows[{i}]"
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
            self.rows.append((r, rule.code, when, sets))
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
        return [code for _, code, _, _ in self.rows]

    def guide_rows(self) -> list[tuple[str, str]]:
        rules = self.scheme.rules
        out = [(self.output, f"{self.spec.get('zh', self.output)} / {self.spec.get('en', self.output)}"
                             "：按顺序逐行判断，第一条成立的行生效 / rows are tried in order, the first match wins")]
        for i, (r, code, when, sets) in enumerate(self.rows, start=1):
            rule = rules[code]
            cond = (r.get("explain") or {}).get("zh") or (when.text if when else "其余情况 / otherwise")
            cond_en = (r.get("explain") or {}).get("en") or (when.text if when else "otherwise")
            out.append((f"{i}. {code}", f"{rule.zh} / {rule.en}：{cond} / {cond_en}"))
            if when is not None and r.get("explain"):
                out.append(("", f"   when: {when.text}"))
            if sets:
                out.append(("", "   " + "; ".join(f"{k} = {e.text}" for k, e in sets)))
        return out

    def run(self, ctx) -> None:
        rules = self.scheme.rules
        zh, en = self.spec.get("zh", self.output), self.spec.get("en", self.output)
        for emp in ctx.ids:
            env = ctx.env(emp)
            failed: list[str] = []
            matched = None
            for i, (r, code, when, sets) in enumerate(self.rows, start=1):
                if when is None:
                    matched = (i, r, code, when, sets)
                    break
                ok, holds = self.evaluate(ctx, emp, when, env)
                if not ok:
                    break
                if holds:
                    matched = (i, r, code, when, sets)
                    break
                failed.append(f"{i}. {code}")
            if matched is None:
                continue
            i, r, code, when, sets = matched
            rule = rules[code]
            ctx.set(emp, self.output, code, env.read)
            ctx.set(emp, f"{self.output}.label", rule.zh, env.read)
            given = {k for k, _ in sets}
            shown = []
            ok = True
            for k, expr in [d for d in self.defaults if d[0] not in given] + sets:
                ok, v = self.evaluate(ctx, emp, expr, env)
                if not ok:
                    break
                ctx.set(emp, k, v, env.read)
                shown.append(f"{k} = {value_text(v)}")
            if not ok:
                continue
            cond = (r.get("explain") or {})
            cond_zh = cond.get("zh") or (when.text if when else "其余情况")
            cond_en = cond.get("en") or (when.text if when else "otherwise")
            skipped_zh = f"（未成立：{'、'.join(failed)}）" if failed else ""
            skipped_en = f" (not matched: {', '.join(failed)})" if failed else ""
            ctx.note(emp, self.kind, self.output, code,
                     f"{zh}：第 {i} 行 {code} {rule.zh} 成立：{cond_zh}{skipped_zh} → {'；'.join(shown)}",
                     f"{en}: row {i} {code} {rule.en} matched: {cond_en}{skipped_en} -> {'; '.join(shown)}",
                     list(dict.fromkeys(env.read)))
            if rule.flag:
                ctx.add_flag(emp, code, rule.flag["zh"], rule.flag["en"],
                             list(dict.fromkeys(env.read)) or ["条件 / condition"])

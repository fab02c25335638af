"""``raters``: a 360-degree composite of rater roles (building block 14; R-BR-10, R-BR-14).

``components`` are weighted parts of the composite. A rater component reads the Ratings
sheet: ``count: "one"`` takes exactly one rating of that role as entered (S3/S5 self), and
``count: "many"`` takes the mean of one or more ratings, rounded half-up to 2 decimals
(R-BR-14: the group mean as shown on the report). A value component is an expression, such
as the scorecard total that stands for the superior's rating (R-BR-10). The composite is
sum(weight x component) rounded once to 2 decimals; the weights must add up to 1.

A missing component is a located error, never 0 (R-BR-10, R-G-9); so are two self ratings
and a rating of a role the scheme does not take from the Ratings sheet. Publishes
``OUTPUT`` and ``OUTPUT.<key>`` for every component.
"""

from __future__ import annotations

from collections import defaultdict

from ..errors import problem
from ..expr import Expression
from ..numbers import ONE, ZERO, plain, round2, round_half_up, to_decimal
from .base import Step

ROLE_ZH = {"RATER_SELF": "自评", "RATER_SUPERIOR": "上级评分", "RATER_GROUP": "小组评分"}


class RatersStep(Step):
    kind = "raters"
    uses_ratings = True

    def __init__(self, spec, scheme, where):
        super().__init__(spec, scheme, where)
        self.output = spec["output"]
        self.round = spec.get("round", 2)
        self.components = []
        for i, c in enumerate(spec["components"]):
            at = f".components[{i}]"
            if ("rater" in c) == ("value" in c):
                raise self.error("每个组成部分需要 rater 或 value 之一。", "Each component needs either rater or value.",
                                 "填写 rater（评分表的评分人类型）或 value（表达式）。",
                                 "Give rater (a Ratings sheet role) or value (an expression).", at)
            expr = Expression(c["value"], f"{where}{at}.value") if "value" in c else None
            self.components.append((c, expr, to_decimal(c["weight"])))
        total = sum((w for _, _, w in self.components), ZERO)
        if total != ONE:
            raise self.error(f"权重之和为 {plain(total)}，应为 1。", f"The weights add up to {plain(total)}, not 1.",
                             "例如 0.15、0.60、0.25。", "For example 0.15, 0.60 and 0.25.", ".components")
        self.roles = {c["rater"] for c, _, _ in self.components if "rater" in c}

    def outputs(self) -> list[str]:
        return [self.output] + [f"{self.output}.{c['key']}" for c, _, _ in self.components]

    def run(self, ctx) -> None:
        table = ctx.inputs.ratings
        frame = table.frame
        by_emp: dict[str, list] = defaultdict(list)
        if not frame.empty:
            ok = frame[~frame["xl_bad"]]
            for emp, rater, score, row in zip(ok["employee"], ok["rater"], ok["score"], ok["xl_row"], strict=True):
                by_emp[emp].append((rater, score, int(row)))
        for emp in ctx.ids:
            rows = by_emp.get(emp, [])
            blocked = False
            for rater, _, row in rows:
                if rater not in self.roles and rater in ROLE_ZH:
                    blocked = True
                    ctx.block(emp, problem(
                        "rating_not_used", table.ref("rater", row),
                        f"本方案不从评分表读取 {rater}（{ROLE_ZH[rater]}），员工 {emp} 的这一行不会被使用。",
                        f"This scheme does not take {rater} from the Ratings sheet, so this row of employee {emp} cannot be used.",
                        "删除该行（上级部分由方案计算）。", "Delete the row (the scheme computes that component).", employee=emp))
            parts, terms, sources = {}, [], []
            for c, expr, w in self.components:
                key = c["key"]
                if expr is not None:
                    env = ctx.env(emp)
                    ok, v = self.evaluate(ctx, emp, expr, env)
                    if not ok:
                        blocked = True
                        break
                    v = to_decimal(v)
                    sources += env.read
                else:
                    mine = [(s, r) for rr, s, r in rows if rr == c["rater"]]
                    v = self._rated(ctx, emp, c, mine)
                    if v is None:
                        blocked = True
                        continue
                    sources += [table.ref("score", r) for _, r in mine]
                parts[key] = v
                terms.append((key, w, v))
            if blocked:
                continue
            value = sum((w * v for _, w, v in terms), ZERO)
            value = round_half_up(value, int(self.round)) if self.round is not None else value
            for key, v in parts.items():
                ctx.set(emp, f"{self.output}.{key}", v)
            ctx.set(emp, self.output, value, sources)
            formula = " + ".join(f"{plain(w)}×{plain(v)}" for _, w, v in terms)
            zh, en = self.spec.get("zh", self.output), self.spec.get("en", self.output)
            ctx.note(emp, self.kind, self.output, value, f"{zh} = {formula} = {plain(value)}",
                     f"{en} = {formula} = {plain(value)}", sources)

    def _rated(self, ctx, emp: str, c: dict, mine: list):
        table = ctx.inputs.ratings
        role = c["rater"]
        role_zh = ROLE_ZH.get(role, role)
        if not mine:
            ctx.block(emp, problem(
                "missing_rating", table.label, f"员工 {emp} 缺少 {role}（{role_zh}）评分。",
                f"Employee {emp} has no {role} rating.",
                f"在评分表加一行：工号 {emp}，评分人类型 {role}，分数 0–100。",
                f"Add a row to the Ratings sheet: employee {emp}, rater {role}, a score from 0 to 100.", employee=emp))
            return None
        scores = [to_decimal(float(s)) for s, _ in mine]
        if c.get("count", "many") == "one":
            if len(mine) > 1:
                ctx.block(emp, problem(
                    "duplicate_rating", ", ".join(table.ref("rater", r) for _, r in mine),
                    f"员工 {emp} 有 {len(mine)} 条 {role}（{role_zh}）评分，只能有一条。",
                    f"Employee {emp} has {len(mine)} {role} ratings; exactly one is allowed.",
                    "只保留一行。", "Keep one row.", employee=emp))
                return None
            v = scores[0]
            ctx.note(emp, self.kind, f"{self.output}.{c['key']}", v, f"{role_zh} {role} = {plain(v)}",
                     f"{role} = {plain(v)}", [table.ref("score", mine[0][1])])
            return v
        v = round2(sum(scores, ZERO) / len(scores))
        mean = f"({' + '.join(plain(s) for s in scores)}) / {len(scores)} = " if len(scores) > 1 else ""
        ctx.note(emp, self.kind, f"{self.output}.{c['key']}", v, f"{role_zh} {role} = {mean}{plain(v)}（R-BR-14）",
                 f"{role} = {mean}{plain(v)} (R-BR-14)", [table.ref("score", r) for _, r in mine])
        return v

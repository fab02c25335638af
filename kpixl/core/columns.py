"""Expressions evaluated over every employee at once (issue 8: 50,000 people, three conditions).

:func:`evaluate_columns` runs an :class:`~kpixl.core.expr.Expression` over whole columns: one
column per name (computed values, metrics, attributes, parameters), per event count, and
element-wise operators that are exactly the per-employee ones (``expr._BINOPS``/``_CMPOPS``).
It *decides* an employee only when every input the per-employee evaluation would read (``and``/
``or`` short-circuit included) is present without a default; everyone else is left to the
per-employee path, which reports missing inputs, defaults and errors exactly as before. So the
values are identical by construction, and the column path has no side effects at all.

Only the common nodes are supported (names, numbers, tuples, ``has``, comparisons, ``and``/``or``/``not``,
``+ - * /``, ``min``/``max``/``abs``, ``count``/``qty``/``dept_count``/``team_count``); an
expression with anything else, or one where an element-wise operation raises, returns None
and is evaluated per employee.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from .expr import _BINOPS, _CMPOPS, ENV_FUNCTIONS, FUNCTIONS, Expression, _dotted, _num
from .numbers import to_decimal

_MISSING = object()
Column = tuple[np.ndarray, np.ndarray]  # (values as objects, resolved without a missing input or default)
_FUNCS: dict[str, Callable[..., Any]] = {k: FUNCTIONS[k] for k in ("min", "max", "abs")}  # the evaluator's own


class Unsupported(Exception):
    """The expression has a node the column evaluator does not handle."""


def _objects(values: list) -> np.ndarray:
    """A list as a 1-d object array (tuples stay single items)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _const(value, n: int) -> Column:
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out, np.ones(n, dtype=bool)


def _truth(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values), dtype=bool)
    if ok.any():
        out[ok] = [bool(v) for v in values[ok]]
    return out


def _apply(fn, columns: list[Column]) -> Column:
    """``fn`` on the rows where every argument is resolved (others stay unresolved)."""
    ok = np.logical_and.reduce([c[1] for c in columns])
    out = np.empty(len(ok), dtype=object)
    if ok.any():
        args = [c[0][ok] for c in columns]
        out[ok] = [fn(*a) for a in zip(*args, strict=True)]
    return out, ok


class ColumnEnv:
    """Columns of the names an expression reads, over ``ctx.ids``, built without side effects."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.ids = ctx.ids
        self.n = len(ctx.ids)
        self.values = ctx.value_dicts

    def name(self, name: str) -> Column:
        ctx, ids = self.ctx, self.ids
        vals = list(map(dict.get, self.values, repeat(name), repeat(_MISSING)))
        ok = np.fromiter(map(operator.is_not, vals, repeat(_MISSING)), dtype=bool, count=self.n)
        if ok.all():
            return _objects(vals), ok
        rest = np.flatnonzero(~ok)
        if name in ctx.scheme.metrics:
            for i in rest:
                hit = ctx._metric_hit(ids[i], name)
                if hit is not None:  # a default or a missing metric: per employee (it is reported there)
                    vals[i], ok[i] = hit[0], True
        elif name in ctx.employees.columns and not name.startswith("xl_"):
            col = ctx.employees[name].reindex(ids).tolist()
            for i in rest:
                v = col[i]
                if v is None or v is pd.NaT or (isinstance(v, float) and v != v) or (isinstance(v, str) and v == ""):
                    continue
                vals[i], ok[i] = (v.date() if isinstance(v, pd.Timestamp) else v), True
        elif name in ctx.scheme.parameters or name in ctx.inputs.parameters:
            p = ctx.inputs.parameters.get(name)
            if p is not None and p.value is not None:
                for i in rest:
                    vals[i], ok[i] = p.value, True
        else:
            from .context import PERIOD_NAMES, period_value

            if name in PERIOD_NAMES:
                value = period_value(ctx.period, name)
                for i in rest:
                    vals[i], ok[i] = value, True
        return _objects([v if k else None for v, k in zip(vals, ok, strict=True)]), ok

    def count(self, patterns: tuple[str, ...], scope: str, measure: str) -> Column:
        ctx, ids = self.ctx, self.ids
        if scope == "employee":
            return ctx.count_column(patterns, measure), np.ones(self.n, dtype=bool)
        vals = ctx.group_count_column(scope, patterns, measure)
        ok = np.ones(self.n, dtype=bool)
        if ctx.events_uncertain:  # a group with an unscorable member other than oneself: per employee
            unsure: dict[Any, int] = {}
            for m in ctx.events_uncertain:
                g = ctx.group_of(scope, m)
                unsure[g] = unsure.get(g, 0) + 1
            for i, e in enumerate(ids):
                k = unsure.get(ctx.group_of(scope, e), 0)
                if k - (e in ctx.events_uncertain) > 0:
                    ok[i] = False
        return vals, ok


def _compile(node: ast.AST) -> Callable[[ColumnEnv], Column]:  # noqa: C901 - a dispatcher, like expr._compile
    name = _dotted(node)
    if name is not None:
        if name in ("True", "False", "None"):
            value = {"True": True, "False": False, "None": None}[name]
            return lambda c: _const(value, c.n)
        return lambda c: c.name(name)
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            d = to_decimal(v)
            return lambda c: _const(d, c.n)
        if isinstance(v, (bool, str)) or v is None:
            return lambda c: _const(v, c.n)
        raise Unsupported
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v) for v in node.values]
        want = isinstance(node.op, ast.Or)  # or: stop at the first true part; and: at the first false one
        return lambda c: _short_circuit(c, parts, want)
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand)
        op = {ast.Not: lambda x: not x, ast.USub: lambda x: -_num(x), ast.UAdd: _num}.get(type(node.op))
        if op is None:
            raise Unsupported
        return lambda c: _apply(op, [inner(c)])
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left, right = _compile(node.left), _compile(node.right)
        return lambda c: _apply(op, [left(c), right(c)])
    if isinstance(node, ast.Compare):
        if any(type(o) not in _CMPOPS for o in node.ops):
            raise Unsupported
        items = [_compile(node.left)] + [_compile(x) for x in node.comparators]
        ops = [_CMPOPS[type(o)] for o in node.ops]
        return lambda c: _chain(c, items, ops)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_compile(e) for e in node.elts]
        return lambda c: _apply(lambda *a: tuple(a), [i(c) for i in items]) if items else _const((), c.n)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fname = node.func.id
        if fname == "has" and node.args and all(_dotted(a) for a in node.args):
            targets = [_dotted(a) for a in node.args]
            # present everywhere it resolves; elsewhere (missing, or a default) per employee
            return lambda c: _apply(lambda *a: True, [c.name(t) for t in targets])
        if fname in ENV_FUNCTIONS and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
            scope, measure = ENV_FUNCTIONS[fname]
            patterns = tuple(a.value for a in node.args)
            return lambda c: c.count(patterns, scope, measure)
        if fname in _FUNCS:
            fn = _FUNCS[fname]
            args = [_compile(a) for a in node.args]
            return lambda c: _apply(fn, [a(c) for a in args])
    raise Unsupported


def _short_circuit(c: ColumnEnv, parts, stop_on: bool) -> Column:
    """``and``/``or`` as Python evaluates them per row: the value of the part where it stops, and a
    row is resolved only if every part it reached is."""
    values = np.empty(c.n, dtype=object)
    ok = np.ones(c.n, dtype=bool)
    going = np.ones(c.n, dtype=bool)  # rows still evaluating the next part
    for part in parts:
        v, pok = part(c)
        ok &= ~(going & ~pok)
        values[going] = v[going]
        t = _truth(v, pok & going)
        going &= pok & (t != stop_on)
    return values, ok


def _chain(c: ColumnEnv, items, ops) -> Column:
    """``a < b <= c``: pairwise comparisons, stopping at the first false one (as Python does)."""
    left, lok = items[0](c)
    result = np.ones(c.n, dtype=bool)
    ok = lok.copy()
    going = lok.copy()
    for op, item in zip(ops, items[1:], strict=True):
        right, rok = item(c)
        ok &= ~(going & ~rok)
        going &= rok
        if going.any():
            idx = np.flatnonzero(going)
            res = np.array([bool(op(a, b)) for a, b in zip(left[idx], right[idx], strict=True)], dtype=bool)
            result[idx] = res
            going[idx[~res]] = False
        left = right
    out = np.empty(c.n, dtype=object)
    out[:] = result.tolist()
    return out, ok


def evaluate_columns(expr: Expression, ctx) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, decided) over ``ctx.ids``, or None: evaluate this expression per employee."""
    fn = expr.__dict__.get("_column_fn", _MISSING)
    if fn is _MISSING:
        try:
            fn = _compile(ast.parse(expr.text.strip(), mode="eval").body)
        except Unsupported:
            fn = None
        expr._column_fn = fn
    if fn is None or not ctx.ids:
        return None
    try:
        return fn(ColumnEnv(ctx))
    except (ArithmeticError, TypeError, ValueError, AttributeError):
        return None  # per employee: it reports the error where it happens

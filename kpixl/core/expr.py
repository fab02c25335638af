"""A small, safe expression language for conditions and formulas in scheme files.

Examples::

    count('ATT_*') == 0 and LEAVE_DAYS == 0
    dept_count('BIZ_SOP_ERROR', 'DIS_COMPLAINT') == 0
    I_FRAUD == 0 and (I_AVG + M_AVG) / 2 >= 95

Names are input codes (metrics, parameters, employee attributes) and values computed by
earlier steps (``ATT.points``). Numbers are Decimal (``0.1`` is exact). ``and``/``or``
short-circuit, so an input that is only needed on one branch is only required there
(R-WK-19). Only the nodes and functions listed here are accepted; anything else is a scheme
error located by its JSON path. See docs/expressions.md.
"""

from __future__ import annotations

import ast
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Protocol

from .errors import SchemeError, problem
from .numbers import ceil_int, floor_int, round2, to_decimal


class Env(Protocol):
    def get(self, name: str) -> Any: ...
    def has(self, name: str) -> bool: ...
    def count(self, patterns: tuple[str, ...], scope: str, measure: str) -> Decimal: ...
    def latest(self, name: str) -> Any: ...
    def prior(self, code: str, months: Any, default: Any = ...) -> Any: ...
    def quarter_prior(self, code: str) -> tuple: ...
    def prior_sum(self, code: str) -> Decimal: ...
    def period_values(self, code: str) -> tuple: ...


def _num(x):
    if isinstance(x, Decimal) or isinstance(x, bool):
        return x
    if isinstance(x, (int, float, str)):
        return to_decimal(x)
    return x


def _day_of_month(d):
    if d is None:
        return None
    if isinstance(d, dt.datetime):
        d = d.date()
    return Decimal(d.day)


def _workdays_after(d, n, holidays=None):
    """The n-th working day after ``d`` (Mon-Fri minus ``holidays``; ``d`` itself does not count)."""
    from .periods import add_working_days, parse_dates

    if d is None:
        return None
    if isinstance(d, dt.datetime):
        d = d.date()
    return add_working_days(d, int(_num(n)), frozenset(parse_dates(holidays)))


def _add_days(d, n):
    """``d`` + n calendar days (R-BR-16: the bulletin date + 4 days); a non-date is a TypeError."""
    if d is None:
        return None
    if isinstance(d, dt.datetime):
        d = d.date()
    if not isinstance(d, dt.date):
        raise TypeError(f"not a date: {d!r}")
    return d + dt.timedelta(days=int(_num(n)))


def _sum(*args):
    """Sum of numbers or of one list of numbers (``sum(period_values('COMPOSITE'))``); an empty
    item is a TypeError, reported as a located error."""
    items = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
    total = Decimal(0)
    for x in items:
        if x is None or isinstance(x, bool):
            raise TypeError("sum() of an empty value")
        total += _num(x)
    return total


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": lambda *a: min(_num(x) for x in a),
    "max": lambda *a: max(_num(x) for x in a),
    "abs": lambda a: abs(_num(a)),
    "floor": lambda a: floor_int(_num(a)),
    "ceil": lambda a: ceil_int(_num(a)),
    "round2": lambda a: round2(_num(a)),
    "day_of_month": _day_of_month,
    "workdays_after": _workdays_after,
    "add_days": _add_days,
    "sum": _sum,
}

# Functions over other months of one input code (Metrics rows with ``period``, else History rows):
# prior('CODE', k[, default]), quarter_prior('CODE'), prior_sum('CODE'), period_values('CODE').
PRIOR_FUNCTIONS = ("prior", "quarter_prior", "prior_sum", "period_values")

# Functions that need the environment (counts over events, presence checks).
ENV_FUNCTIONS = {
    "count": ("employee", "rows"),
    "qty": ("employee", "qty"),
    "dept_count": ("department", "rows"),
    "team_count": ("team", "rows"),
}

_BINOPS = {
    ast.Add: lambda a, b: _num(a) + _num(b),
    ast.Sub: lambda a, b: _num(a) - _num(b),
    ast.Mult: lambda a, b: _num(a) * _num(b),
    ast.Div: lambda a, b: _num(a) / _num(b),
}
_CMPOPS = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


# An expression nested deeper than this (``1+1+...`` with thousands of terms, hundreds of
# brackets) is refused when the scheme is loaded: evaluating it would exhaust Python's stack.
MAX_DEPTH = 100

_COLLECTING: contextvars.ContextVar[list | None] = contextvars.ContextVar("kpixl_expressions", default=None)


@contextmanager
def collecting() -> Iterator[list]:
    """Every Expression compiled inside the block is appended to the list yielded (the scheme's
    load-time checks of names and count() patterns, kpixl.core.scheme.build_scheme)."""
    found: list = []
    token = _COLLECTING.set(found)
    try:
        yield found
    finally:
        _COLLECTING.reset(token)


def _depth(tree: ast.AST) -> int:
    """The nesting depth of an AST, walked without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class Expression:
    """A compiled expression; ``names`` lists the values it may read."""

    def __init__(self, text: str, where: str):
        self.text = text
        self.where = where
        self.names: set[str] = set()
        self.functions: set[str] = set()
        self.patterns: set[str] = set()  # rule codes and patterns of count(), qty(), dept_count(), team_count()
        self.presence: set[str] = set()  # the names has() asks about
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise self._error(f"语法错误：{exc.msg}", f"syntax error: {exc.msg}") from None
        except (RecursionError, MemoryError):
            tree = None
        if tree is None or _depth(tree) > MAX_DEPTH:
            raise SchemeError([problem(
                "expression_too_deep", self.where,
                f"表达式嵌套超过 {MAX_DEPTH} 层（长度 {len(text):,} 个字符），无法安全计算。",
                f"The expression nests more than {MAX_DEPTH} levels deep ({len(text):,} characters); it cannot be evaluated safely.",
                "拆成几个步骤的值（formula 步骤），或用 sum()、count('PREFIX_*') 代替长串的 + 和括号。",
                "Split it into values of earlier steps (a formula step), or use sum() / count('PREFIX_*') instead of long chains of + and brackets.")])
        self._fn = self._compile(tree.body)
        found = _COLLECTING.get()
        if found is not None:
            found.append(self)

    def _error(self, zh: str, en: str) -> SchemeError:
        return SchemeError([problem(
            "expression", self.where, f"表达式 “{self.text}” {zh}。", f"Expression '{self.text}': {en}.",
            "见 docs/expressions.md 中允许的写法。", "See docs/expressions.md for what is allowed.")])

    def _compile(self, node: ast.AST) -> Callable[[Env], Any]:  # noqa: C901 - a dispatcher
        name = _dotted(node)
        if name is not None:
            if name in ("True", "False", "None"):
                value = {"True": True, "False": False, "None": None}[name]
                return lambda env: value
            self.names.add(name)
            return lambda env: env.get(name)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or v is None or isinstance(v, str):
                return lambda env: v
            if isinstance(v, (int, float)):
                d = to_decimal(v)
                return lambda env: d
            raise self._error(f"不支持常量 {v!r}", f"constant {v!r} is not supported")
        if isinstance(node, ast.BoolOp):
            parts = [self._compile(v) for v in node.values]
            if isinstance(node.op, ast.And):
                def _and(env):
                    result = True
                    for p in parts:
                        result = p(env)
                        if not result:
                            return result
                    return result
                return _and

            def _or(env):
                result = False
                for p in parts:
                    result = p(env)
                    if result:
                        return result
                return result
            return _or
        if isinstance(node, ast.UnaryOp):
            inner = self._compile(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda env: not inner(env)
            if isinstance(node.op, ast.USub):
                return lambda env: -_num(inner(env))
            if isinstance(node.op, ast.UAdd):
                return lambda env: _num(inner(env))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op = _BINOPS[type(node.op)]
            left, right = self._compile(node.left), self._compile(node.right)
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.Compare):
            first = self._compile(node.left)
            ops = []
            for op, comp in zip(node.ops, node.comparators, strict=True):
                if type(op) not in _CMPOPS:
                    raise self._error("使用了不支持的比较", "unsupported comparison")
                ops.append((_CMPOPS[type(op)], self._compile(comp)))

            def _cmp(env):
                left = first(env)
                for fn, right_fn in ops:
                    right = right_fn(env)
                    if not fn(left, right):
                        return False
                    left = right
                return True
            return _cmp
        if isinstance(node, ast.IfExp):
            test, body, orelse = self._compile(node.test), self._compile(node.body), self._compile(node.orelse)
            return lambda env: body(env) if test(env) else orelse(env)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._compile(e) for e in node.elts]
            return lambda env: tuple(i(env) for i in items)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fname = node.func.id
            self.functions.add(fname)
            if fname in ENV_FUNCTIONS:
                scope, measure = ENV_FUNCTIONS[fname]
                pats = []
                for a in node.args:
                    if not (isinstance(a, ast.Constant) and isinstance(a.value, str)):
                        raise self._error(f"{fname}() 只接受规则代码字符串", f"{fname}() takes rule-code strings")
                    pats.append(a.value)
                patterns = tuple(pats)
                self.patterns.update(patterns)
                return lambda env: env.count(patterns, scope, measure)
            if fname in PRIOR_FUNCTIONS:
                if not node.args or not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    raise self._error(f"{fname}() 的第一个参数是代码字符串", f"{fname}() takes a code string first")
                code = node.args[0].value
                rest = [self._compile(a) for a in node.args[1:]]
                if fname == "prior" and not 1 <= len(rest) <= 2:
                    raise self._error("prior('CODE', 月数[, 缺省值])", "use prior('CODE', months[, default])")
                if fname != "prior" and rest:
                    raise self._error(f"{fname}() 只有一个参数", f"{fname}() takes one argument")
                self.names.add(code)
                method = fname
                return lambda env: getattr(env, method)(code, *(a(env) for a in rest))
            if fname == "has":
                targets = [_dotted(a) for a in node.args]
                if not targets or None in targets:
                    raise self._error("has() 需要名称", "has() takes one or more names")
                self.presence.update(targets)
                return lambda env: all(env.has(t) for t in targets)
            if fname == "latest":
                if len(node.args) != 1 or _dotted(node.args[0]) is None:
                    raise self._error("latest() 需要一个指标名称", "latest() takes one metric name")
                target = _dotted(node.args[0])
                self.names.add(target)
                return lambda env: env.latest(target)
            if fname in FUNCTIONS:
                fn = FUNCTIONS[fname]
                args = [self._compile(a) for a in node.args]
                return lambda env: fn(*(a(env) for a in args))
            raise self._error(f"未知函数 {fname}()", f"unknown function {fname}()")
        raise self._error(f"不支持 {type(node).__name__}", f"{type(node).__name__} is not allowed")

    def evaluate(self, env: Env) -> Any:
        return self._fn(env)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

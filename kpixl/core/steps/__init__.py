"""Scoring primitives ("steps"). One module per primitive, each documented in docs/steps.md.

A scheme's ``steps`` list is run in order over a shared :class:`~kpixl.core.context.Context`.
Every module in this package that defines :class:`Step` subclasses with a ``kind`` is
registered automatically, so adding a primitive means adding a module (plus its JSON
Schema ``$defs`` entry), never editing a central switch.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from ..errors import SchemeError, problem
from .base import Step


@lru_cache(maxsize=1)
def step_kinds() -> dict[str, type[Step]]:
    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")
    kinds: dict[str, type[Step]] = {}
    stack = list(Step.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if getattr(cls, "kind", None):
            kinds[cls.kind] = cls
    return kinds


def make_step(spec: dict, scheme, where: str) -> Step:
    kinds = step_kinds()
    cls = kinds.get(spec.get("step"))
    if cls is None:
        known = ", ".join(sorted(kinds))
        raise SchemeError([problem(
            "step_unknown", where, f"未知步骤类型 “{spec.get('step')}”。", f"Unknown step kind '{spec.get('step')}'.",
            f"使用：{known}", f"Use one of: {known}")])
    return cls(spec, scheme, where)


__all__ = ["Step", "make_step", "step_kinds"]

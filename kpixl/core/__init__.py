"""The pure scoring core: schemes, input records, validation, scoring, explanations.

Imports only the standard library, pandas and jsonschema (tests/test_purity.py checks it).
The names below load their module on first use (PEP 562): importing a light submodule such
as ``kpixl.core.errors`` does not import pandas.
"""

from importlib import import_module

_HOMES = {
    "score": "engine", "validate": "engine",
    "InputError": "errors", "KpixlError": "errors", "Problem": "errors", "SchemeError": "errors",
    "WorkbookError": "errors",
    "Inputs": "inputs", "Param": "inputs", "Table": "inputs",
    "Period": "periods", "parse_period": "periods",
    "EmployeeResult": "result", "Result": "result",
    "Scheme": "scheme", "list_schemes": "scheme", "load_scheme": "scheme",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kpixl.core' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

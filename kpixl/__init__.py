"""kpixl: the KPI tool customer-service departments run their month on, inside Excel.

``import kpixl`` loads nothing heavy: the public names below come from the pure core
(``kpixl.core``, which needs pandas) on first use (PEP 562), so ``kpixl --version``,
``--help`` and ``schemes`` start without pandas, numpy, pyarrow or jsonschema. The workbook
layer (``kpixl.workbook``), UDFs (``kpixl.xl``), batch job (``kpixl.batch``) and CLI
(``kpixl.cli``) import their Excel libraries lazily too.
"""

__version__ = "0.1.0"

__all__ = [
    "InputError", "KpixlError", "Period", "Problem", "Result", "SchemeError", "WorkbookError", "__version__",
    "list_schemes", "load_scheme", "parse_period", "score",
]


def __getattr__(name: str):
    if name in __all__:
        from . import core

        value = getattr(core, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kpixl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""kpixl: the KPI tool customer-service departments run their month on, inside Excel.

``import kpixl`` loads only the pure core (no openpyxl, no xlwings). The workbook layer
(``kpixl.workbook``), UDFs (``kpixl.xl``), batch job (``kpixl.batch``) and CLI
(``kpixl.cli``) import their Excel libraries lazily.
"""

__version__ = "0.1.0"

from .core import (  # noqa: E402
    InputError,
    KpixlError,
    Period,
    Problem,
    Result,
    SchemeError,
    WorkbookError,
    list_schemes,
    load_scheme,
    parse_period,
    score,
)

__all__ = [
    "InputError", "KpixlError", "Period", "Problem", "Result", "SchemeError", "WorkbookError", "__version__",
    "list_schemes", "load_scheme", "parse_period", "score",
]

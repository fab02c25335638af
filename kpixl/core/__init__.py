"""The pure scoring core: schemes, input records, validation, scoring, explanations.

Imports only the standard library, pandas and jsonschema (tests/test_purity.py checks it).
"""

from .engine import score, validate
from .errors import InputError, KpixlError, Problem, SchemeError, WorkbookError
from .inputs import Inputs, Param, Table
from .periods import Period, parse_period
from .result import EmployeeResult, Result
from .scheme import Scheme, list_schemes, load_scheme

__all__ = [
    "EmployeeResult", "InputError", "Inputs", "KpixlError", "Param", "Period", "Problem", "Result", "Scheme",
    "SchemeError", "Table", "WorkbookError", "list_schemes", "load_scheme", "parse_period", "score", "validate",
]

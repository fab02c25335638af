"""Cyclic garbage collection paused while a department is read, scored or written (issue 8).

Scoring and writing make millions of objects that live until the end of the step (values,
explanation notes, ledger cells); every collection walks all of them, so at 5,000 people it
cost 20% of scoring and at 1M ledger rows ~30% of writing. Nothing built there forms cycles
that must be freed early; reference counting frees the rest as usual, and collection resumes
(as it was) when the block ends, also on error.

Between two paused blocks, the first collection walks every object the block made: at 1M events
reading, scoring and writing one after another cost several seconds of such walks. So a whole
job runs paused: the one-shot ``kpixl`` process (``cli.run``, which leaves with ``os._exit``)
turns collection off for its life, and a nightly worker runs each workbook in :func:`one_job`,
which collects once when the workbook is done (its cycles are freed before the next one).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused_gc():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def one_job():
    """A whole job (read, score, write one workbook) with collection paused, then one collection."""
    try:
        with paused_gc():
            yield
    finally:
        if gc.isenabled():
            gc.collect()

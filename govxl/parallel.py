"""Worker processes that behave the same on Windows and Linux.

Windows starts workers only by ``spawn`` (a fresh interpreter that imports the worker function);
Linux forks by default. Setting the environment variable ``GOVXL_START_METHOD`` (``spawn``,
``forkserver`` or ``fork``) chooses the start method everywhere, so the tests run the Windows way
on Linux. Whatever is sent to a worker must therefore be picklable and importable by name.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

START_METHOD_VARIABLE = "GOVXL_START_METHOD"


def start_method() -> str | None:
    """The start method asked for in the environment, or None for the platform's default."""
    return os.environ.get(START_METHOD_VARIABLE, "").strip() or None


def process_pool(workers: int, **kwargs) -> ProcessPoolExecutor:
    """A process pool started by :func:`start_method`."""
    method = start_method()
    context = multiprocessing.get_context(method) if method else None
    return ProcessPoolExecutor(workers, mp_context=context, **kwargs)

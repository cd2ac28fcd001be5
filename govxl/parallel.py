"""Worker processes that behave the same on Windows and Linux.

Windows starts workers only by ``spawn`` (a fresh interpreter that imports the worker function);
Linux forks by default. Setting the environment variable ``GOVXL_START_METHOD`` (``spawn``,
``forkserver`` or ``fork``) chooses the start method everywhere, so the tests run the Windows way
on Linux. Whatever is sent to a worker must therefore be picklable and importable by name.

A worker ends when the process that started it ends, however that one ended (killed from the Task
Manager, SIGKILL): otherwise idle workers would wait for work forever.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

START_METHOD_VARIABLE = "GOVXL_START_METHOD"


def start_method() -> str | None:
    """The start method asked for in the environment, or None for the platform's default."""
    return os.environ.get(START_METHOD_VARIABLE, "").strip() or None


def process_pool(workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A process pool started by :func:`start_method` whose workers end with their parent."""
    method = start_method()
    context = multiprocessing.get_context(method) if method else None
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(initializer, initargs))


def _start_worker(initializer: Callable | None, initargs: tuple) -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _end_with(parent) -> None:
    parent.join()  # returns when the parent process is gone (its sentinel, on Windows and Linux)
    os._exit(1)

"""Worker processes whose death costs one task, never the run.

Each worker is a process of its own that takes one task at a time through a pipe. The caller's
process watches every busy worker: a worker that dies (a signal, a native abort in a reader), runs
out of memory or overruns its time limit is ended and replaced, and its task gets an
:class:`Outcome` that says so; every other task goes on. Results come back in the order of the
tasks. Works with every start method (``spawn`` on Windows); :mod:`govxl.parallel` says which.

On POSIX systems each worker's address space is capped (``memory_limit``), so a reader that asks
for gigabytes fails in its worker instead of taking the machine's memory.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from govxl.parallel import start_method

OK, CRASHED, TIMEOUT, OUT_OF_MEMORY, FAILED = "ok", "crashed", "timeout", "out_of_memory", "failed"


@dataclass(frozen=True)
class Done:
    """A task whose outcome is already known: it keeps its place in the order, no worker runs it."""

    value: Any


@dataclass
class Outcome:
    status: str  # ok | crashed | timeout | out_of_memory | failed
    value: Any = None  # the task's result when ok
    detail: str = ""  # exit code or exception name otherwise


def _limit_memory(limit: int | None) -> None:
    if not limit:
        return
    try:
        import resource
    except ImportError:  # Windows
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        pass


def _end_with_the_parent() -> None:
    """A worker ends as soon as the process that started it is gone (killed with -9, say), even in
    the middle of a task: no worker is ever left behind."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        wait([parent.sentinel])
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _worker_main(conn, fn, initializer, initargs, memory_limit) -> None:
    """The loop of one worker process: one task in, one result out, until told to stop."""
    _end_with_the_parent()
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the caller's to handle
    except (ValueError, OSError):
        pass
    _limit_memory(memory_limit)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the caller is gone
            return
        if task is None:
            return
        try:
            out = (OK, fn(task), "")
        except MemoryError:
            out = (OUT_OF_MEMORY, None, "MemoryError")
        except Exception as e:  # fn is expected to catch what its input provokes; say what escaped
            out = (FAILED, None, type(e).__name__)
        try:
            conn.send(out)
        except MemoryError:
            out = (OUT_OF_MEMORY, None, "MemoryError")
            conn.send(out)
        except (BrokenPipeError, EOFError, OSError):
            return
        if out[0] == OUT_OF_MEMORY:
            return  # a process that ran out of memory is not trusted with more work


class _Worker:
    def __init__(self, context, fn, initializer, initargs, memory_limit):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, fn, initializer, initargs, memory_limit),
                                       daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0

    def give(self, seq: int, payload) -> None:
        self.task, self.started = seq, time.monotonic()
        self.conn.send(payload)

    def stop(self, grace: float = 1.0) -> None:
        try:
            if self.process.is_alive() and self.task is None:
                self.conn.send(None)
                self.process.join(grace)
        except (OSError, ValueError):
            pass
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def isolated_map(fn: Callable, tasks: Iterable, *, workers: int, initializer: Callable | None = None,
                 initargs: tuple = (), timeout: float | None = None, memory_limit: int | None = None
                 ) -> Iterator[Outcome]:
    """``fn(task)`` for every task, each in a worker process, as :class:`Outcome` in task order.
    A :class:`Done` task is passed through without a worker. ``fn`` and ``initializer`` must be
    importable by name (the ``spawn`` start method re-imports them)."""
    method = start_method()
    context = multiprocessing.get_context(method) if method else multiprocessing.get_context()
    workers = max(1, workers)
    window = workers * 2 + 2  # tasks taken (and their input held) ahead of the first unfinished one
    tasks = iter(tasks)
    exhausted = False
    queue: deque = deque()
    results: dict[int, Outcome] = {}
    pool: list[_Worker] = []
    taken = emitted = 0
    try:
        while True:
            while not exhausted and taken - emitted < window:
                try:
                    task = next(tasks)
                except StopIteration:
                    exhausted = True
                    break
                if isinstance(task, Done):
                    results[taken] = Outcome(OK, task.value)
                else:
                    queue.append((taken, task))
                taken += 1
            while emitted in results:
                yield results.pop(emitted)
                emitted += 1
            if exhausted and emitted == taken:
                return
            for w in [w for w in pool if w.task is None] + [None] * (workers - len(pool)):
                if not queue:
                    break
                if w is None:
                    w = _Worker(context, fn, initializer, initargs, memory_limit)
                    pool.append(w)
                seq, payload = queue.popleft()
                try:
                    w.give(seq, payload)
                except (OSError, ValueError):  # the worker died while idle
                    results[seq] = Outcome(CRASHED, detail=str(w.process.exitcode))
                    w.task = None
                    w.stop(0)
                    pool.remove(w)
            busy = [w for w in pool if w.task is not None]
            if not busy:
                continue
            wait_for = None
            if timeout is not None:
                now = time.monotonic()
                wait_for = max(0.0, min(w.started + timeout - now for w in busy))
            ready = wait([x for w in busy for x in (w.conn, w.process.sentinel)], wait_for)
            for w in busy:
                outcome = None
                if w.conn in ready or w.process.sentinel in ready:
                    try:
                        if w.conn.poll():
                            status, value, detail = w.conn.recv()
                            outcome = Outcome(status, value, detail)
                    except (EOFError, OSError):
                        pass
                    if outcome is None:
                        w.process.join(5)
                        outcome = Outcome(CRASHED, detail=str(w.process.exitcode))
                elif timeout is not None and time.monotonic() - w.started >= timeout:
                    outcome = Outcome(TIMEOUT, detail=f"{timeout:g}")
                if outcome is None:
                    continue
                results[w.task] = outcome
                w.task = None
                if outcome.status != OK or not w.process.is_alive():
                    w.stop(0)
                    pool.remove(w)
    finally:
        for w in pool:
            w.stop()

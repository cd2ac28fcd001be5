"""Long work in the background: collecting 500 files, generating or composing 500 workbooks or
reports. A job runs in a worker thread (collect and generate spread their work over processes
themselves), reports its progress, and keeps its result and output files until it is among the
oldest of :data:`MAX_JOBS`; the page polls it and stays responsive meanwhile."""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

MAX_JOBS = 30
SCRATCH_LIFE = 600  # seconds
WORKERS = 2


@dataclass
class Job:
    id: str
    kind: str  # collect | generate | compose | import
    title: str
    year: int
    folder: Path
    state: str = "waiting"  # waiting | running | done | failed
    done: int = 0
    total: int = 0
    result: object = None
    error: str | None = None
    outputs: list[tuple[str, Path]] = field(default_factory=list)  # (name shown, file)
    info: dict = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def output(self, name: str, path: Path) -> None:
        self.outputs.append((name, Path(path)))

    @property
    def when(self) -> str:
        return time.strftime("%m月%d日 %H:%M", time.localtime(self.started))

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "title": self.title, "state": self.state, "done": self.done,
                "total": self.total, "percent": self.percent, "error": self.error}


class Jobs:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="govxl-job")

    def new(self, kind: str, title: str, year: int) -> Job:
        """A job with its own folder (for uploads and outputs), not yet started."""
        job_id = secrets.token_urlsafe(9)
        folder = self.root / job_id
        folder.mkdir(parents=True)
        job = Job(job_id, kind, title, year, folder)
        with self._lock:
            self._jobs[job_id] = job
            while len(self._jobs) > MAX_JOBS:
                _, old = self._jobs.popitem(last=False)
                shutil.rmtree(old.folder, ignore_errors=True)
        return job

    def start(self, job: Job, work: Callable[[Job], object], describe: Callable[[BaseException], str]) -> Job:
        """Run ``work(job)`` in the background; its return value becomes ``job.result``. An error
        becomes ``job.error`` through ``describe`` (a Chinese sentence)."""
        def run():
            job.state = "running"
            try:
                job.result = work(job)
                job.state = "done"
            except BaseException as e:  # noqa: BLE001 - whatever happens, the job says so
                job.error = describe(e)
                job.state = "failed"
                if not isinstance(e, Exception):
                    raise
            finally:
                job.finished = time.time()

        self._pool.submit(run)
        return job

    def scratch(self) -> Path:
        """A new folder for a file made to be downloaded at once; such folders live ten minutes."""
        downloads = self.root / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in downloads.iterdir():
            try:
                if now - old.stat().st_mtime > SCRATCH_LIFE:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass
        folder = downloads / secrets.token_urlsafe(9)
        folder.mkdir()
        return folder

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, kind: str | None = None, year: int | None = None) -> list[Job]:
        with self._lock:
            jobs = list(self._jobs.values())
        return [j for j in reversed(jobs) if (kind is None or j.kind == kind) and (year is None or j.year == year)]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


CHECK_LIFE = 3600  # seconds a checked file waits for its agency to submit it
MAX_CHECKS = 200


@dataclass
class Checked:
    """Files an agency uploaded through its link and saw checked, not yet submitted: the very
    bytes checked wait in ``folder`` until the same link submits them (or they expire)."""

    id: str
    token: str  # the link that uploaded them: only it can see or submit them
    agency: str
    folder: Path  # uploads in folder / "上传", 退回修改表 in folder / "反馈"
    report: object = None  # govxl.collection.collect.CollectReport of the check
    created: float = field(default_factory=time.monotonic)
    claimed: bool = False  # being submitted now

    @property
    def uploads(self) -> Path:
        return self.folder / "上传"


class Checks:
    """The checked files waiting to be submitted, each under an unguessable id tied to its link."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._items: OrderedDict[str, Checked] = OrderedDict()
        self._lock = threading.Lock()

    def new(self, token: str, agency: str) -> Checked:
        item = Checked(secrets.token_urlsafe(18), token, agency, self.root / secrets.token_urlsafe(9))
        item.folder.mkdir(parents=True)
        with self._lock:
            self._expire()
            self._items[item.id] = item
            while len(self._items) > MAX_CHECKS:
                _, old = self._items.popitem(last=False)
                shutil.rmtree(old.folder, ignore_errors=True)
        return item

    def get(self, check_id: str, token: str, agency: str) -> Checked | None:
        """The checked files of ``check_id`` if the same link uploaded them and they are still
        waiting; None otherwise (another link's id, expired, submitted)."""
        with self._lock:
            self._expire()
            item = self._items.get(check_id)
        if item is None or item.claimed or item.agency != agency or not _same(item.token, token):
            return None
        return item

    def claim(self, check_id: str, token: str, agency: str) -> Checked | None:
        """As :meth:`get`, and taken for submitting: a second submit of the same files finds nothing."""
        with self._lock:
            self._expire()
            item = self._items.get(check_id)
            if item is None or item.claimed or item.agency != agency or not _same(item.token, token):
                return None
            item.claimed = True
            return item

    def release(self, item: Checked, *, done: bool) -> None:
        """After submitting: ``done`` forgets the files (the store has them now); otherwise they
        wait again for another try."""
        with self._lock:
            if done:
                self._items.pop(item.id, None)
            else:
                item.claimed = False
        if done:
            shutil.rmtree(item.folder, ignore_errors=True)

    def discard(self, item: Checked) -> None:
        self.release(item, done=True)

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if now - v.created > CHECK_LIFE and not v.claimed]:
            shutil.rmtree(self._items.pop(key).folder, ignore_errors=True)


def _same(a: str, b: str) -> bool:
    import hmac

    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())

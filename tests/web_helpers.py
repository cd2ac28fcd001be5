"""A real workbench for the tests: uvicorn serving govxl's app on 127.0.0.1 (a free port), in a
thread of the test process, and an HTTP client that keeps its session and CSRF token."""

from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from govxl.web.app import WebConfig
from govxl.web.routes import build

TOKEN = "test-api-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def workbench(db: Path, year: int, **options):
    """Serve the workbench on 127.0.0.1; yields its config (``config.base_url``)."""
    port = free_port()
    options.setdefault("api_token", TOKEN)
    config = WebConfig(db=Path(db), year=year, host="127.0.0.1", port=port, **options)
    if config.share and not config.share_url:
        config.share_url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(build(config), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, http="h11", ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the workbench did not start"
        time.sleep(0.05)
    try:
        yield config
    finally:
        server.should_exit = True
        thread.join(20)


def client(config: WebConfig) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{config.port}", timeout=120, follow_redirects=True)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def wait_job(http: httpx.Client, page_url: str, timeout: float = 300) -> str:
    """Follow a background job (its page's URL) until it is finished; returns the final page."""
    job_id = page_url.rstrip("/").rsplit("/", 1)[-1]
    deadline = time.monotonic() + timeout
    while True:
        state = http.get(f"/api/jobs/{job_id}").json()
        if state["state"] in ("done", "failed"):
            return http.get(f"/jobs/{job_id}").text
        assert time.monotonic() < deadline, state
        time.sleep(0.3)

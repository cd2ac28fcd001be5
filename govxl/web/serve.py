"""``govxl serve``: start the workbench on this computer and open the browser on it."""

from __future__ import annotations

import secrets
import socket
import threading
import webbrowser
from pathlib import Path

from govxl import messages as msg
from govxl.errors import InvalidArgument
from govxl.web.app import WebConfig
from govxl.web.routes import build
from govxl.web.security import is_loopback


def check(config: WebConfig) -> None:
    """Refuse what must not run: another host than this computer's loopback without a password."""
    if not is_loopback(config.host) and not config.password:
        raise InvalidArgument(msg.WEB_PUBLIC_NEEDS_PASSWORD.format(host=config.host))


def local_address() -> str:
    """This computer's address as others on the intranet see it (its name resolved; no traffic)."""
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
    return address


def configure(db: Path, year: int, *, host: str = "127.0.0.1", port: int = 8765, password: str | None = None,
              share: bool = False, share_url: str | None = None) -> WebConfig:
    config = WebConfig(db=Path(db), year=year, password=password or None, host=host, port=port, share=share,
                       api_token=secrets.token_urlsafe(24))
    check(config)
    if share and not share_url:
        shown = local_address() if host in ("0.0.0.0", "::") else host
        config.share_url = f"http://{shown if ':' not in shown else '[' + shown + ']'}:{port}"
    elif share_url:
        config.share_url = share_url if share_url.startswith(("http://", "https://")) else "http://" + share_url
    return config


def page_url(config: WebConfig) -> str:
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::") else config.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{config.port}/"


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def run(config: WebConfig, *, open_browser: bool = True, say=print) -> None:
    """Serve until Ctrl+C. ``say`` prints a line for the person who started it."""
    import uvicorn

    url = page_url(config)
    if not port_free(config.host, config.port):
        raise InvalidArgument(msg.WEB_PORT_BUSY.format(port=config.port, url=url))
    app = build(config)
    server = uvicorn.Server(uvicorn.Config(
        app, host=config.host, port=config.port, log_level="warning", access_log=False, http="h11", ws="none",
        lifespan="on", limit_concurrency=200, timeout_keep_alive=5, server_header=False))
    say(msg.WEB_STARTED.format(url=url))
    if not is_loopback(config.host):
        say(msg.WEB_PLAIN_HTTP_WARNING)
    if config.share and config.share_url:
        say(msg.WEB_SHARE_URL.format(url=config.share_url))
    say(msg.WEB_API_TOKEN.format(token=config.api_token))
    if open_browser:
        def opener():
            for _ in range(100):
                if server.started:
                    webbrowser.open(url)
                    return
                threading.Event().wait(0.1)

        threading.Thread(target=opener, daemon=True).start()
    server.run()

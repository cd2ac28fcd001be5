"""The workbench's routes. Each page calls one function of :mod:`govxl.api` (the one the command
line calls) and renders its result with a template of ``templates/web/``; each JSON route returns
that result's ``as_dict()``, which is what ``govxl … --json`` prints."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import tempfile
import threading
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartParser
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from govxl import api
from govxl import messages as msg
from govxl.collection.uploads import display_name, size_text
from govxl.errors import GovxlError
from govxl.findings import SEVERITY_LABELS, STATUS_LABELS
from govxl.resources import templates_dir
from govxl.roster import RosterError
from govxl.version import __version__
from govxl.web import security as sec
from govxl.web.jobs import Checks, Job, Jobs

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
# Upload parts at most this large stay in memory while a request is read; larger ones go to disk.
MultiPartParser.spool_max_size = 64 * 1024
FORM_OVERHEAD = 1024 * 1024  # multipart boundaries and fields beside the files
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class WebConfig:
    """How the workbench runs (``govxl serve`` options)."""

    db: Path
    year: int
    password: str | None = None
    host: str = "127.0.0.1"
    port: int = 8765
    share: bool = False  # agencies' self-check links are served
    share_url: str | None = None  # the address the agencies reach the workbench at
    limits: api.UploadLimits = field(default_factory=api.UploadLimits)
    agency_limits: api.UploadLimits = field(default_factory=lambda: api.UploadLimits(count=5, total=50 * 1024 * 1024))
    api_token: str = ""
    work_dir: Path | None = None
    allowed_hosts: tuple[str, ...] = ()

    @property
    def base_url(self) -> str:
        if self.share_url:
            return self.share_url.rstrip("/")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"


def default_year(today: dt.date | None = None) -> int:
    """The year whose reports are being collected: last year until November, then this year."""
    today = today or dt.date.today()
    return today.year if today.month >= 11 else today.year - 1


def describe(e: BaseException) -> str:
    """An error as the sentence a clerk reads."""
    if isinstance(e, RosterError):
        return "\n".join(e.problems)
    if isinstance(e, GovxlError):
        return str(e)
    if isinstance(e, OSError):
        return msg.CANNOT_WRITE.format(path=e.filename or "", error=msg.os_error(e))
    return msg.INTERNAL_ERROR.format(error=type(e).__name__)


class Workbench:
    """The application: configuration, per-thread store connections, sessions, jobs, templates."""

    def __init__(self, config: WebConfig):
        self.config = config
        self._local = threading.local()
        self.sessions = sec.Sessions()
        self.login_limit = sec.RateLimiter(10, 300)
        self.link_limit = sec.RateLimiter(20, 600)  # unknown tokens per address
        self.upload_limit = sec.RateLimiter(30, 600)  # uploads per agency link
        if config.work_dir:
            Path(config.work_dir).mkdir(parents=True, exist_ok=True)
        self._tmp = tempfile.TemporaryDirectory(prefix="govxl-web-", dir=config.work_dir)
        self.jobs = Jobs(Path(self._tmp.name) / "jobs")
        self.checks = Checks(Path(self._tmp.name) / "checks")
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates_dir() / "web")),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(STATUS_LABELS=STATUS_LABELS, SEVERITY_LABELS=SEVERITY_LABELS,
                                VERSION_REASONS=msg.VERSION_REASONS, version=__version__)
        self.env.filters["when"] = _local_time
        self.env.filters["percent"] = lambda r: f"{r:.0%}"
        self.env.filters["qs"] = lambda d: urllib.parse.urlencode(d)
        self.env.filters["zip"] = zip
        from govxl.reporting.compose import html_table

        self.env.filters["html_table"] = html_table
        self.env.filters["number"] = lambda v: "" if v is None else _number(v)

    # --- the store: one connection per thread (SQLite connections are not shared) ------------------

    @property
    def store(self):
        s = getattr(self._local, "store", None)
        if s is None:
            s = api.open_store(self.config.db)
            self._local.store = s
        return s

    def close(self) -> None:
        self.jobs.close()
        self._tmp.cleanup()

    # --- rendering ---------------------------------------------------------------------------------

    def page(self, request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
        session: sec.Session | None = request.scope.get("govxl.session")
        year = context.pop("year", None) or self.config.year
        html = self.env.get_template(template).render(
            request=request, csrf=session.csrf if session else "", year=year, config=self.config,
            today=dt.date.today(), office=bool(session and session.office), path=request.url.path,
            needs_login=bool(self.config.password), **context)
        return HTMLResponse(html, status_code, headers={"cache-control": "no-store"})

    def message(self, request: Request, title: str, text: str, status_code: int = 400, back: str | None = None):
        return self.page(request, "message.html", status_code, title=title, text=text, back=back)

    def new_job(self, kind: str, title: str, year: int) -> Job:
        return self.jobs.new(kind, title, year)


def _local_time(text: str | None) -> str:
    """A stored ISO time as this computer's local time, to the minute."""
    if not text:
        return ""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text[:16].replace("T", " ")
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _number(v) -> str:
    from govxl.form.rules import format_number

    return format_number(v)


def download(path: Path, name: str, media_type: str | None = None) -> FileResponse:
    media_type = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers=_attachment(name))


def download_bytes(data: bytes, name: str, media_type: str | None = None) -> Response:
    media_type = media_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(data, media_type=media_type, headers=_attachment(name))


def _attachment(name: str) -> dict:
    ascii_name = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name) or "file"
    return {"content-disposition": f"attachment; filename=\"{ascii_name}\"; "
                                   f"filename*=UTF-8''{urllib.parse.quote(name)}",
            "cache-control": "no-store"}


# --- request plumbing ------------------------------------------------------------------------------


class Refused(Exception):
    """A request refused before any work: (status, Chinese message)."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status, self.text = status, text


async def read_form(request: Request, *, limits: api.UploadLimits | None = None) -> FormData:
    """The form of a state-changing request, its CSRF token checked. With ``limits``, the declared
    size is checked before the body is read and the body is bounded while it is."""
    total = (limits.total if limits else 0) + FORM_OVERHEAD
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > total:
        raise Refused(413, msg.UPLOAD_TOO_LARGE.format(size=_size(int(declared)), limit=_size(total - FORM_OVERHEAD)))
    request._receive = sec.limit_body(request.receive, total)
    try:
        form = await request.form(max_files=(limits.count if limits else 0) + 1, max_fields=200,
                                  max_part_size=64 * 1024)
    except sec.BodyTooLarge:
        raise Refused(413, msg.UPLOAD_TOO_LARGE.format(size=f"> {_size(total)}", limit=_size(total - FORM_OVERHEAD))) \
            from None
    except Exception as e:  # starlette's MultiPartException: too many files or fields, a bad body
        if "Too many files" in str(e) and limits:
            raise Refused(413, msg.UPLOAD_TOO_MANY.format(n=f"{limits.count}+", limit=limits.count)) from None
        raise Refused(400, msg.WEB_BAD_REQUEST) from None
    session: sec.Session | None = request.scope.get("govxl.session")
    token = form.get(sec.CSRF_FIELD) or request.headers.get(sec.CSRF_HEADER)
    if session is None or not sec.same(str(token or ""), session.csrf):
        await form.close()
        raise Refused(403, msg.WEB_CSRF_FAILED)
    return form


def _size(n: int) -> str:
    return size_text(n)


def uploads(form: FormData, field_name: str = "files") -> list[UploadFile]:
    return [f for f in form.getlist(field_name) if isinstance(f, UploadFile) and (f.filename or f.size)]


def take_uploads(files: list[UploadFile], folder: Path, limits: api.UploadLimits) -> api.Intake:
    """Save the uploaded files into ``folder``: every limit checked before anything is saved,
    archives unpacked under the zip-bomb limits. Raises UploadRefused."""
    intake = api.Intake(folder, limits)
    if not files:
        raise api.UploadRefused(msg.UPLOAD_NOTHING)
    intake.check_declared(len(files), sum(f.size or 0 for f in files))
    for f in files:
        if f.size is not None and f.size > limits.file and not (f.filename or "").lower().endswith(".zip"):
            raise api.UploadRefused(msg.UPLOAD_FILE_TOO_LARGE.format(
                name=display_name(f.filename or "_"), size=_size(f.size), limit=_size(limits.file)))
    for f in files:
        f.file.seek(0)
        intake.add(f.filename or "_", f.file, None if (f.filename or "").lower().endswith(".zip") else f.size)
    return intake


Handler = Callable[..., Awaitable[Response]]


# --- the guard in front of every request ----------------------------------------------------------

PUBLIC_PREFIXES = ("/static/", "/login", "/api/health", "/a/", "/favicon.ico")


class Guard:
    """Before any route: the Host header (no DNS rebinding), the session cookie, the office's
    login (or the API's bearer token), and the security headers on every response."""

    def __init__(self, app: Starlette, wb: Workbench):
        self.app, self.wb = app, wb
        self.state = app.state
        hosts = {"127.0.0.1", "localhost", "[::1]", config_host(wb.config.host), *wb.config.allowed_hosts}
        if wb.config.share_url:
            hosts.add(urllib.parse.urlsplit(wb.config.share_url).hostname or "")
        self.open_hosts = not sec.is_loopback(wb.config.host) and wb.config.host in ("0.0.0.0", "::")
        self.hosts = {h.lower() for h in hosts if h}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        path = scope["path"]
        csp = sec.PREVIEW_CSP if "/preview/" in path else sec.PAGE_CSP

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += sec.SECURITY_HEADERS + [(b"content-security-policy", csp.encode())]
                if new_cookie:
                    headers.append((b"set-cookie", new_cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        new_cookie = None
        if not self.open_hosts and host_of(request.headers.get("host", "")) not in self.hosts:
            return await _plain(send_with_headers, 400, msg.WEB_BAD_HOST)
        session = self.wb.sessions.get(request.cookies.get(sec.SESSION_COOKIE))
        if session is None:
            session = self.wb.sessions.new()
            session.office = not self.wb.config.password
            new_cookie = session_cookie(session, secure=request.url.scheme == "https")
        scope["govxl.session"] = session
        scope["govxl.new_cookie"] = lambda s: session_cookie(s, secure=request.url.scheme == "https")
        bearer = request.headers.get("authorization", "")
        by_token = bearer.startswith("Bearer ") and sec.same(bearer[7:].strip(), self.wb.config.api_token)
        scope["govxl.bearer"] = by_token
        if not path.startswith(PUBLIC_PREFIXES) and not session.office and not by_token:
            if path.startswith("/api/"):
                return await _json(send_with_headers, 401, {"ok": False, "error": msg.WEB_LOGIN_NEEDED})
            target = "/login?" + urllib.parse.urlencode({"next": path})
            return await send_with_headers_redirect(send_with_headers, target)
        if path.startswith("/a/") and not self.wb.config.share:
            return await _plain(send_with_headers, 404, msg.WEB_NOT_FOUND)
        await self.app(scope, receive, send_with_headers)


def host_of(header: str) -> str:
    """The host of a Host header, without the port ([::1]:8765 -> [::1])."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0]


def config_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def session_cookie(session: sec.Session, secure: bool = False) -> str:
    return (f"{sec.SESSION_COOKIE}={session.id}; Path=/; HttpOnly; SameSite=Strict"
            + ("; Secure" if secure else ""))


async def _plain(send, status: int, text: str):
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _json(send, status: int, data: dict):
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def send_with_headers_redirect(send, target: str):
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", target.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


__all__ = ["WebConfig", "Workbench", "Guard", "default_year", "run_in_threadpool", "RedirectResponse",
           "JSONResponse", "STATIC", "STATIC_FILES", "XLSX"]

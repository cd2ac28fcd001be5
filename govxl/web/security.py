"""What keeps the workbench safe when files come from outside and the page may be reachable on
the intranet: the host check (no DNS rebinding), sessions (a cookie, never basic auth), the CSRF
token of every state-changing request, rate limits, the request-size bound and the security
headers of every response (a Content-Security-Policy without inline script, no framing, no
referrer: an agency's link never leaks)."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

SESSION_COOKIE = "govxl_session"
SESSION_MAX = 2000  # sessions kept; the oldest are forgotten
SESSION_IDLE = 12 * 3600  # seconds
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'; frame-src 'self'")
# A composed report previewed inside the page: its own stylesheet is inline; no script at all.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'"

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: only this computer can connect."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


@dataclass
class Session:
    id: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    office: bool = False  # logged in as the office (or no password is needed)
    seen: float = field(default_factory=time.monotonic)


class Sessions:
    """Sessions in memory: a restart logs everyone out, which is what a local tool wants."""

    def __init__(self):
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._sessions.get(sid)
            if s is None or time.monotonic() - s.seen > SESSION_IDLE:
                self._sessions.pop(sid, None)
                return None
            s.seen = time.monotonic()
            self._sessions.move_to_end(sid)
            return s

    def new(self) -> Session:
        s = Session(secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[s.id] = s
            while len(self._sessions) > SESSION_MAX:
                self._sessions.popitem(last=False)
        return s

    def renew(self, old: Session) -> Session:
        """A fresh session id at login (no session fixation)."""
        with self._lock:
            self._sessions.pop(old.id, None)
        return self.new()

    def drop(self, s: Session) -> None:
        with self._lock:
            self._sessions.pop(s.id, None)


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key (an address); memory bounded."""

    def __init__(self, limit: int, window: float, max_keys: int = 10000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._events: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque:
        now = time.monotonic()
        events = self._events.setdefault(key, deque())
        self._events.move_to_end(key)
        while events and now - events[0] > self.window:
            events.popleft()
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        return events

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(time.monotonic())


class BodyTooLarge(Exception):
    """The request body went past the workbench's bound while it was read."""


def limit_body(receive, limit: int):
    """An ASGI receive that raises :class:`BodyTooLarge` once more than ``limit`` bytes came in
    (a request that announced no length, or a wrong one)."""
    seen = 0

    async def bounded():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return bounded

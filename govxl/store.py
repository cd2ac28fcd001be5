"""The store: one SQLite file holding the roster, every received file and every submission.

- ``blobs``: each distinct file received, by sha256, with its bytes. Never deleted or changed.
- ``receipts``: each time a distinct file arrived: original name, where it was, when, and what
  the examination found (status, agency, year, findings) — also for files that were refused.
- ``submissions``: the values read from a file of a known agency and year (or imported from a
  published report, or consolidated by merge). Versions are numbered per agency and year in the
  order they were stored (numbers never change once given).
- ``pins``: the version the office chose to use for an agency's year, overriding the rule.

Which version of an agency's year is in use is decided by one rule (:data:`RANKED`), computed from
what is stored, never from the order in which runs happened: the pinned version; else the most
recently *saved* accepted version — by the time the workbook says it was saved (never later than
when it was received), then the time received, then the sha256 — a workbook the agency submitted
ahead of a report imported from the web.

Each received file is stored in one transaction (WAL mode), so a run killed at any moment
leaves the store consistent, and two runs at once lose nothing.

A govxl store is marked (``PRAGMA application_id``) when it is created, and the mark is checked
from the file's header before anything is written: a SQLite file of another program is refused
and left as it was. Commands that only read open the store read-only (a read-only file or folder
is fine). SQLite's errors become :class:`StoreError`, a Chinese sentence naming the file and what
to do (a damaged store: restore the backup made by :func:`backup`; a full disk: make room — what
was stored before stays).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from govxl import messages as msg
from govxl.errors import GovxlError
from govxl.findings import Finding
from govxl.roster import Agency

DEFAULT_DB = "govxl.db"
SCHEMA_VERSION = 2
APPLICATION_ID = 0x67787331  # "gxs1": PRAGMA application_id of every govxl store
SQLITE_MAGIC = b"SQLite format 3\x00"
GOVXL_TABLES = {"meta", "agencies", "blobs", "receipts", "submissions"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agencies (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    grp TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    original_name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    received_at TEXT NOT NULL,
    run_id TEXT NOT NULL,
    status TEXT NOT NULL,
    agency TEXT,
    year INTEGER,
    findings TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS receipts_sha ON receipts(sha256);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    agency TEXT NOT NULL,
    year INTEGER NOT NULL,
    source TEXT NOT NULL,            -- workbook | import | merge
    status TEXT NOT NULL,            -- accepted | accepted_with_warnings | rejected
    sha256 TEXT,                     -- the file it came from
    received_at TEXT NOT NULL,
    run_id TEXT NOT NULL,
    file_time TEXT,                  -- when the file says it was saved
    form_id TEXT,
    form_version TEXT,
    agency_name TEXT,
    "values" TEXT NOT NULL,          -- {cell key: int | "decimal string" | null}
    narrative TEXT NOT NULL,
    findings TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '{}'  -- anything else a source records (edition, consolidated agencies)
);
CREATE INDEX IF NOT EXISTS submissions_agency_year ON submissions(agency, year);
CREATE TABLE IF NOT EXISTS agency_links (  -- an agency's self-check link: the secret in its address
    agency TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pins (
    agency TEXT NOT NULL,
    year INTEGER NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    pinned_at TEXT NOT NULL,
    PRIMARY KEY (agency, year)
);
"""

# The one rule (README: 数据安全). When a version was saved: the time the workbook gives
# (docProps/core.xml, else the file's modification time), never later than when it was received.
SAVED_AT = "MIN(COALESCE(julianday(s.file_time), julianday(s.received_at)), julianday(s.received_at))"
NEWEST_FIRST = (f"(s.source = 'workbook') DESC, {SAVED_AT} DESC, julianday(s.received_at) DESC, "
                "COALESCE(s.sha256, '') DESC, s.id DESC")
USABLE = "(s.status != 'rejected' AND s.source IN ('workbook', 'import'))"
RANKED = f"""
SELECT s.*,
    ROW_NUMBER() OVER (PARTITION BY s.agency, s.year ORDER BY s.id) AS version,
    ROW_NUMBER() OVER (PARTITION BY s.agency, s.year, s.source IN ('workbook', 'import')
                       ORDER BY {NEWEST_FIRST}) AS recency,
    CASE WHEN {USABLE} THEN ROW_NUMBER() OVER (
        PARTITION BY s.agency, s.year, {USABLE} ORDER BY COALESCE(s.id = p.submission_id, 0) DESC, {NEWEST_FIRST})
    END AS use_rank,
    p.submission_id AS pinned_id
FROM submissions s LEFT JOIN pins p ON p.agency = s.agency AND p.year = s.year
WHERE s.year = ?
"""
"""Every submission of one year (the ``?``) with ``version`` (1, 2, … in the order stored),
``recency`` (1: the newest by the rule, whatever its status) and ``use_rank`` (1: the version in
use; NULL for a version that cannot be used)."""

# What a lean listing of versions reads of each (Store.submissions and newest with lean=True):
# which version is which and its findings, not the values, texts and info it holds.
LEAN_COLUMNS = ("v.id, v.agency, v.year, v.version, v.source, v.status, v.sha256, v.received_at, v.file_time, "
                "v.agency_name, v.findings, v.recency, v.use_rank, v.pinned_id")

# Why a version is in use, for status (messages.VERSION_REASONS has the words).
PINNED, NEWEST, NEWEST_ACCEPTED, IMPORTED = "pinned", "newest", "newest_accepted", "imported"


class PinError(GovxlError):
    """A version cannot be pinned (it does not exist, or was not accepted). Chinese message."""


def default_db_path() -> Path:
    return Path(os.environ.get("GOVXL_DB") or DEFAULT_DB)


def new_run_id() -> str:
    """Sorts by start time; unique across processes."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%f") + f"-{os.getpid()}"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def encode_values(values: dict) -> str:
    """Counts as JSON integers; amounts as exact decimal strings (a float is taken at its shortest
    decimal form, so 35.28 stays "35.28")."""
    def encode(v):
        if isinstance(v, float):
            v = Decimal(repr(v))
        return format(v, "f") if isinstance(v, Decimal) else v

    return json.dumps({k: encode(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True)


def decode_values(text: str, form=None) -> dict:
    """Cell values back from JSON: amounts (given as strings) become Decimal."""
    out = {}
    for k, v in json.loads(text).items():
        out[k] = Decimal(v) if isinstance(v, str) else v
    return out


def encode_findings(findings: list[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False)


def decode_findings(text: str) -> list[Finding]:
    return [Finding.from_dict(d) for d in json.loads(text)]


@dataclass
class Submission:
    id: int
    agency: str
    year: int
    version: int
    source: str
    status: str
    sha256: str | None
    received_at: str
    file_time: str | None
    agency_name: str | None
    values: dict
    narrative: dict
    findings: list[Finding]
    info: dict
    original_name: str | None = None
    in_use: bool = False  # the version used downstream (merge, reports, next year's carry-over)
    newest: bool = False  # the newest version by the rule, whatever its status
    pinned: bool = False  # the office chose this version
    reason: str | None = None  # why it is in use (PINNED, NEWEST, NEWEST_ACCEPTED, IMPORTED)

    @property
    def saved_at(self) -> dt.datetime | None:
        """When the version was saved, as the rule takes it (never later than when it was received)."""
        received = _moment(self.received_at)
        saved = _moment(self.file_time)
        if saved is None or (received is not None and saved > received):
            return received
        return saved

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Submission:
        keys = row.keys()
        in_use = "use_rank" in keys and row["use_rank"] == 1
        pinned = "pinned_id" in keys and row["pinned_id"] == row["id"]
        return cls(
            id=row["id"], agency=row["agency"], year=row["year"], version=row["version"],
            source=row["source"], status=row["status"], sha256=row["sha256"],
            received_at=row["received_at"], file_time=row["file_time"], agency_name=row["agency_name"],
            values=decode_values(row["values"]) if "values" in keys else {},
            narrative=json.loads(row["narrative"]) if "narrative" in keys else {},
            findings=decode_findings(row["findings"]) if "findings" in keys else [],
            info=json.loads(row["info"]) if "info" in keys else {},
            original_name=row["original_name"] if "original_name" in keys else None,
            in_use=in_use, newest="recency" in keys and row["recency"] == 1, pinned=pinned,
            reason=_reason(row) if in_use else None,
        )


def _moment(text: str | None) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


def _reason(row: sqlite3.Row) -> str:
    if row["pinned_id"] == row["id"]:
        return PINNED
    if row["source"] == "import":
        return IMPORTED
    return NEWEST if row["recency"] == 1 else NEWEST_ACCEPTED


class StoreError(GovxlError):
    """The store cannot be used or written; ``kind`` says why (damaged, full, readonly, busy,
    foreign, other) and the message, in Chinese, names the file and what to do."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


# SQLite result codes (primary) -> kind of StoreError.
_SQLITE_KINDS = {11: "damaged", 26: "damaged", 13: "full", 8: "readonly", 3: "readonly", 23: "readonly",
                 14: "readonly", 5: "busy", 6: "busy", 10: "io"}


def store_error(error: BaseException, path: Path) -> StoreError:
    """A SQLite (or operating-system) error met on the store ``path``, in Chinese."""
    code = getattr(error, "sqlite_errorcode", None)
    kind = _SQLITE_KINDS.get(code & 0xFF if isinstance(code, int) else -1)
    errno = getattr(error, "errno", None)
    if kind is None and isinstance(error, OSError):
        kind = {28: "full", 30: "readonly", 13: "readonly"}.get(errno or 0, "io")
    text = str(error).lower()
    if kind is None:  # older SQLite bindings without error codes
        kind = ("damaged" if "malformed" in text or "not a database" in text else
                "full" if "disk is full" in text or "database or disk is full" in text else
                "readonly" if "readonly" in text or "unable to open" in text else
                "busy" if "locked" in text or "busy" in text else "other")
    template = msg.STORE_ERRORS.get(kind, msg.STORE_ERRORS["other"])
    detail = getattr(error, "sqlite_errorname", None) or (msg.os_error(error) if isinstance(error, OSError) else "")
    return StoreError(template.format(path=path, detail=detail), kind)


class _Cursor:
    """A cursor whose errors are :class:`StoreError`."""

    def __init__(self, cursor: sqlite3.Cursor, path: Path):
        self._cursor, self._path = cursor, path

    def _guard(self, method, *args):
        try:
            return method(*args)
        except sqlite3.Error as e:
            raise store_error(e, self._path) from e

    def fetchone(self):
        return self._guard(self._cursor.fetchone)

    def fetchall(self):
        return self._guard(self._cursor.fetchall)

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self):
        return self._cursor.lastrowid


class _Connection:
    """The SQLite connection of a store; every error is a :class:`StoreError` naming the file."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._connection, self._path = connection, path

    def execute(self, sql: str, params=()) -> _Cursor:
        try:
            return _Cursor(self._connection.execute(sql, params), self._path)
        except sqlite3.Error as e:
            raise store_error(e, self._path) from e

    def __getattr__(self, name):
        return getattr(self._connection, name)


def _header(path: Path) -> bytes | None:
    """The first 100 bytes of the file (the SQLite header), b'' for an empty file, None if absent."""
    try:
        with open(path, "rb") as f:
            return f.read(100)
    except FileNotFoundError:
        return None


def _connect(path: Path, readonly: bool, immutable: bool = False) -> sqlite3.Connection:
    if readonly:
        uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
        connection = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
    else:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection


def _tables(path: Path) -> set[str] | None:
    """The tables of a SQLite file, read as immutable: no lock, no -wal or -shm file made, nothing
    changed; None when it cannot be read."""
    try:
        connection = _connect(path, readonly=True, immutable=True)
        try:
            return {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def _check_mark(path: Path) -> str:
    """What the file at ``path`` is, from its header, without writing: 'new' (absent or empty),
    'govxl' (marked), 'legacy' (a govxl store made before stores were marked). Raises
    :class:`StoreError` for anything else, which is left untouched."""
    header = _header(path)
    if not header:
        return "new"
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(msg.STORE_ERRORS["foreign_file"].format(path=path), "foreign")
    if len(header) < 100:
        raise StoreError(msg.STORE_ERRORS["damaged"].format(path=path, detail="header"), "damaged")
    mark = int.from_bytes(header[68:72], "big")
    if mark == APPLICATION_ID:
        return "govxl"
    if mark == 0:
        tables = _tables(path)
        if tables is not None and GOVXL_TABLES <= tables:
            return "legacy"
        if tables is None:
            raise StoreError(msg.STORE_ERRORS["damaged"].format(path=path, detail="schema"), "damaged")
    raise StoreError(msg.STORE_ERRORS["foreign"].format(path=path), "foreign")


def _create_empty(path: Path) -> None:
    """An empty file with the permissions the umask allows (SQLite would make it 0644)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        pass


class Store:
    """A connection to the store. Use as a context manager, or call :meth:`close`.

    ``readonly``: open for reading only (status, merge, export, compose, backup): nothing is
    written, and a store on a read-only file or folder can be read."""

    def __init__(self, path: str | Path | None = None, *, readonly: bool = False):
        self.path = Path(path) if path else default_db_path()
        self.readonly = readonly
        kind = _check_mark(self.path)
        if readonly:
            if kind == "new":
                raise StoreError(msg.NO_DB.format(path=self.path), "missing")
            self.db = _Connection(self._open_readonly(), self.path)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "new":
                _create_empty(self.path)
            connection = _connect(self.path, readonly=False)
        except (OSError, sqlite3.Error) as e:
            raise store_error(e, self.path) from e
        self.db = _Connection(connection, self.path)
        try:
            if kind == "new":  # marked before anything else, in the main file (not yet WAL)
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute("PRAGMA busy_timeout=60000")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            with self.transaction():
                if kind == "legacy":
                    self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for statement in _statements(SCHEMA):
                    self.db.execute(statement)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version' AND CAST(value AS INTEGER) < ?",
                                (str(SCHEMA_VERSION), SCHEMA_VERSION))
        except StoreError:
            connection.close()
            raise

    def _open_readonly(self) -> sqlite3.Connection:
        """Read-only; a WAL store on a read-only folder (no -shm can be made) is read as immutable."""
        last: sqlite3.Error | None = None
        for immutable in (False, True):
            try:
                connection = _connect(self.path, readonly=True, immutable=immutable)
                tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.Error as e:
                last = e
                continue
            if "pins" not in tables:  # a store from before pins: none are pinned
                connection.execute("CREATE TEMP TABLE pins (agency TEXT, year INTEGER, submission_id INTEGER,"
                                   " pinned_at TEXT)")
            return connection
        raise store_error(last, self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def transaction(self):
        if self.readonly:
            raise StoreError(msg.STORE_ERRORS["readonly_open"].format(path=self.path), "readonly")
        return _Transaction(self.db)

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the store at ``target`` (written atomically), made while the store
        may be in use (SQLite's online backup: one snapshot). Returns ``target``."""
        from govxl.atomic import atomic_path

        target = Path(target)
        try:
            with atomic_path(target) as tmp:  # an empty file: SQLite writes the copy into it
                copy = sqlite3.connect(tmp)
                try:
                    self.db._connection.backup(copy)
                    copy.execute("PRAGMA journal_mode=DELETE")
                    if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                        raise StoreError(msg.STORE_ERRORS["damaged"].format(path=self.path, detail="backup"), "damaged")
                finally:
                    copy.close()
        except sqlite3.Error as e:
            raise store_error(e, self.path) from e
        except OSError as e:
            from govxl.errors import OutputError

            raise OutputError(msg.CANNOT_WRITE.format(path=target, error=msg.os_error(e))) from None
        return target

    # --- roster ---------------------------------------------------------------------------------

    def set_roster(self, agencies: list[Agency]) -> None:
        """Replace the active roster; agencies no longer listed stay on file, inactive."""
        with self.transaction():
            self.db.execute("UPDATE agencies SET active = 0")
            for i, a in enumerate(agencies):
                self.db.execute(
                    "INSERT INTO agencies (code, name, grp, extra, active, position) VALUES (?, ?, ?, ?, 1, ?) "
                    "ON CONFLICT(code) DO UPDATE SET name=excluded.name, grp=excluded.grp, "
                    "extra=excluded.extra, active=1, position=excluded.position",
                    (a.code, a.name, a.group, json.dumps(a.extra, ensure_ascii=False), i))

    def agency_code(self, code: str) -> str:
        """The roster's spelling of an agency code given in any case or width ('wd004' -> 'WD004');
        the code as given when the roster does not have it."""
        from govxl.roster import code_key

        key = code_key(code)
        for row in self.db.execute("SELECT code FROM agencies"):
            if code_key(row["code"]) == key:
                return row["code"]
        return code.strip()

    def roster(self) -> list[Agency]:
        rows = self.db.execute("SELECT * FROM agencies WHERE active = 1 ORDER BY position, code").fetchall()
        return [Agency(r["code"], r["name"], r["grp"], tuple(tuple(p) for p in json.loads(r["extra"])))
                for r in rows]

    # --- files and submissions -----------------------------------------------------------------

    def receipt(self, sha256: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM receipts WHERE sha256 = ?", (sha256,)).fetchone()

    def record_file(self, *, sha256: str, content: bytes, original_name: str, source_path: str,
                    run_id: str, status: str, agency: str | None, year: int | None,
                    findings: list[Finding], submission: dict | None) -> bool:
        """Store a received file, what was found in it and, for a readable file, its submission,
        in one transaction. Returns False (and changes nothing) if the file was already stored."""
        with self.transaction():
            if self.receipt(sha256) is not None:
                return False
            received = now()
            self.db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", (sha256, len(content), content))
            self.db.execute(
                "INSERT INTO receipts (sha256, original_name, source_path, received_at, run_id, status, agency,"
                " year, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, original_name, source_path, received, run_id, status, agency, year,
                 encode_findings(findings)))
            if submission is not None:
                self._insert_submission(sha256=sha256, received_at=received, run_id=run_id, **submission)
        return True

    def add_submission(self, **fields) -> int:
        """Store a submission that did not come from a received workbook (import, merge)."""
        fields.setdefault("run_id", new_run_id())
        with self.transaction():
            return self._insert_submission(received_at=now(), **fields)

    def _insert_submission(self, *, agency: str, year: int, source: str, status: str, values: dict,
                           narrative: dict, findings: list[Finding], received_at: str, run_id: str = "",
                           sha256: str | None = None, file_time: str | None = None, form_id: str | None = None,
                           form_version: str | None = None, agency_name: str | None = None,
                           info: dict | None = None) -> int:
        cur = self.db.execute(
            'INSERT INTO submissions (agency, year, source, status, sha256, received_at, run_id, file_time,'
            ' form_id, form_version, agency_name, "values", narrative, findings, info)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (agency, year, source, status, sha256, received_at, run_id, file_time, form_id, form_version,
             agency_name, encode_values(values), json.dumps(narrative, ensure_ascii=False),
             encode_findings(findings), json.dumps(info or {}, ensure_ascii=False)))
        return cur.lastrowid

    def _ranked(self, year: int, where: str = "1", args: tuple = (), columns: str = "v.*") -> list[sqlite3.Row]:
        sql = (f"SELECT {columns}, r.original_name FROM ({RANKED}) v LEFT JOIN receipts r ON r.sha256 = v.sha256"
               f" WHERE {where} ORDER BY v.agency, v.version")
        return self.db.execute(sql, (year, *args)).fetchall()

    def submissions(self, year: int, agency: str | None = None, *, lean: bool = False) -> list[Submission]:
        """Every version, oldest first, each saying whether it is the one in use and why.
        ``lean``: without their values, texts and info (left empty), for a caller that needs only
        which version is which and its findings: memory then stays small however many agencies a
        year has."""
        columns = LEAN_COLUMNS if lean else "v.*"
        if agency is None:
            return [Submission.from_row(r) for r in self._ranked(year, columns=columns)]
        return [Submission.from_row(r) for r in self._ranked(year, "v.agency = ?", (agency,), columns=columns)]

    def versions(self, year: int) -> dict[str, int]:
        """sha256 of the file -> version number, for the workbook submissions of a year."""
        return {r["sha256"]: r["version"] for r in self._ranked(year, "v.sha256 IS NOT NULL")}

    def submission_of(self, sha256: str, year: int) -> Submission | None:
        """The submission read from the file ``sha256`` for ``year``, if any."""
        rows = self._ranked(year, "v.sha256 = ?", (sha256,))
        return Submission.from_row(rows[0]) if rows else None

    def in_use(self, year: int) -> dict[str, Submission]:
        """The version in use of each agency for a year, by the one rule (see :data:`RANKED`)."""
        return {r["agency"]: Submission.from_row(r) for r in self._ranked(year, "v.use_rank = 1")}

    def newest(self, year: int, *, lean: bool = False) -> dict[str, Submission]:
        """The newest version of each agency by the same rule, whatever its status; ``lean`` as
        for :meth:`submissions`."""
        columns = LEAN_COLUMNS if lean else "v.*"
        return {r["agency"]: Submission.from_row(r)
                for r in self._ranked(year, "v.recency = 1 AND v.source IN ('workbook', 'import')", columns=columns)}

    def latest(self, year: int, accepted_only: bool = True) -> dict[str, Submission]:
        """The version in use of each agency (:meth:`in_use`); with ``accepted_only=False`` the
        newest version whatever its status (:meth:`newest`). Both by the one rule."""
        return self.in_use(year) if accepted_only else self.newest(year)

    def latest_accepted_rows(self, year: int) -> list[sqlite3.Row]:
        """The version in use of each agency, lean: what a merge needs and nothing more."""
        sql = f"""
            SELECT v.id, v.agency, v.year, v.status, v.source, v.sha256, v.received_at, v."values", v.findings,
                   v.run_id, v.file_time, v.version, r.original_name
            FROM ({RANKED}) v LEFT JOIN receipts r ON r.sha256 = v.sha256 WHERE v.use_rank = 1"""
        return self.db.execute(sql, (year,)).fetchall()

    def pin(self, agency: str, year: int, version: int) -> Submission:
        """Use ``version`` of ``agency``'s ``year`` whatever the rule says, until :meth:`unpin`."""
        with self.transaction():
            chosen = [r for r in self._ranked(year, "v.agency = ? AND v.source IN ('workbook', 'import')",
                                              (agency,)) if r["version"] == version]
            if not chosen:
                raise PinError(msg.PIN_NO_VERSION.format(agency=agency, year=year, version=version))
            if chosen[0]["status"] == "rejected":
                raise PinError(msg.PIN_REJECTED.format(agency=agency, year=year, version=version))
            self.db.execute("INSERT INTO pins (agency, year, submission_id, pinned_at) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT(agency, year) DO UPDATE SET submission_id = excluded.submission_id, "
                            "pinned_at = excluded.pinned_at", (agency, year, chosen[0]["id"], now()))
        return next(s for s in self.submissions(year, agency) if s.version == version)

    def unpin(self, agency: str, year: int) -> bool:
        """Let the rule decide again; False when nothing was pinned."""
        with self.transaction():
            return self.db.execute("DELETE FROM pins WHERE agency = ? AND year = ?", (agency, year)).rowcount > 0

    def agencies_with_submissions(self, year: int) -> set[str]:
        rows = self.db.execute("SELECT DISTINCT agency FROM submissions WHERE year = ? AND source != 'merge'", (year,))
        return {r[0] for r in rows}

    def counts(self) -> dict[str, int]:
        """How much the store holds: files received, submissions (versions), agencies on the roster."""
        return {"files": self.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0],
                "submissions": self.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0],
                "agencies": self.db.execute("SELECT COUNT(*) FROM agencies WHERE active = 1").fetchone()[0]}

    def receipts(self, run_id: str | None = None) -> list[sqlite3.Row]:
        sql = "SELECT * FROM receipts"
        if run_id:
            return self.db.execute(sql + " WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
        return self.db.execute(sql + " ORDER BY id").fetchall()

    # --- agencies' self-check links and settings ---------------------------------------------------

    def links(self) -> dict[str, str]:
        """agency code -> the token of its link."""
        return {r["agency"]: r["token"] for r in self.db.execute("SELECT agency, token FROM agency_links")}

    def set_link(self, agency: str, token: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO agency_links VALUES (?, ?, ?) ON CONFLICT(agency) DO UPDATE SET "
                            "token = excluded.token, created_at = excluded.created_at", (agency, token, now()))

    def drop_link(self, agency: str) -> bool:
        with self.transaction():
            return self.db.execute("DELETE FROM agency_links WHERE agency = ?", (agency,)).rowcount > 0

    def link_agency(self, token: str) -> str | None:
        row = self.db.execute("SELECT agency FROM agency_links WHERE token = ?", (token,)).fetchone()
        return row["agency"] if row else None

    def setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (key, value))

    def blob(self, sha256: str) -> bytes:
        row = self.db.execute("SELECT content FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise KeyError(sha256)
        return bytes(row["content"])


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT: takes the write lock at once, so concurrent runs queue up. A
    COMMIT that fails (a full disk) leaves nothing half-done: the transaction is rolled back."""

    def __init__(self, db: _Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
            except StoreError:
                self._rollback()
                raise
        else:
            self._rollback()
        return False

    def _rollback(self) -> None:
        try:
            self.db.execute("ROLLBACK")
        except StoreError:
            pass  # already rolled back by SQLite


def backup(db: str | Path, out: str | Path) -> Path:
    """Copy the store ``db`` to ``out`` consistently, even while another run writes to it."""
    with Store(db, readonly=True) as store:
        return store.backup(out)

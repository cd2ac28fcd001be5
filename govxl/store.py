"""The store: one SQLite file holding the roster, every received file and every submission.

- ``blobs``: each distinct file received, by sha256, with its bytes. Never deleted or changed.
- ``receipts``: each time a distinct file arrived: original name, where it was, when, and what
  the examination found (status, agency, year, findings) — also for files that were refused.
- ``submissions``: the values read from a file of a known agency and year (or imported from a
  published report, or consolidated by merge). Versions are numbered per agency and year in the
  order they were received; the latest accepted version is the one used downstream.

Each received file is stored in one transaction (WAL mode), so a run killed at any moment
leaves the store consistent, and two runs at once lose nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from govxl.findings import Finding
from govxl.roster import Agency

DEFAULT_DB = "govxl.db"
SCHEMA_VERSION = 1

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
"""

# Versions in the order received: by run (run ids sort by start time), then, within a run, by the
# time the file says it was last saved.
VERSIONED = """
SELECT s.*, ROW_NUMBER() OVER (
    PARTITION BY agency, year ORDER BY run_id, COALESCE(file_time, ''), id) AS version
FROM submissions s
"""


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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Submission:
        keys = row.keys()
        return cls(
            id=row["id"], agency=row["agency"], year=row["year"], version=row["version"],
            source=row["source"], status=row["status"], sha256=row["sha256"],
            received_at=row["received_at"], file_time=row["file_time"], agency_name=row["agency_name"],
            values=decode_values(row["values"]), narrative=json.loads(row["narrative"]),
            findings=decode_findings(row["findings"]), info=json.loads(row["info"]),
            original_name=row["original_name"] if "original_name" in keys else None,
        )


class Store:
    """A connection to the store. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=60000")
        with self.transaction():
            for statement in _statements(SCHEMA):
                self.db.execute(statement)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def transaction(self):
        return _Transaction(self.db)

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

    def submissions(self, year: int, agency: str | None = None) -> list[Submission]:
        """Every version, oldest first."""
        sql = (f"SELECT v.*, r.original_name FROM ({VERSIONED}) v LEFT JOIN receipts r ON r.sha256 = v.sha256"
               " WHERE v.year = ?")
        args: list = [year]
        if agency is not None:
            sql += " AND v.agency = ?"
            args.append(agency)
        return [Submission.from_row(r) for r in self.db.execute(sql + " ORDER BY v.agency, v.version", args)]

    def versions(self, year: int) -> dict[str, int]:
        """sha256 of the file -> version number, for the workbook submissions of a year."""
        rows = self.db.execute(f"SELECT sha256, version FROM ({VERSIONED}) WHERE year = ? AND sha256 IS NOT NULL",
                               (year,))
        return {r["sha256"]: r["version"] for r in rows}

    def latest(self, year: int, accepted_only: bool = True, sources: tuple[str, ...] = ("workbook", "import")
               ) -> dict[str, Submission]:
        """The latest (accepted) version of each agency for a year; a submitted workbook is preferred
        to an imported report of the same year."""
        out: dict[str, Submission] = {}
        for s in self.submissions(year):
            if s.source not in sources:
                continue
            if accepted_only and s.status == "rejected":
                continue
            current = out.get(s.agency)
            if current is not None and current.source == "workbook" and s.source != "workbook":
                continue  # what the agency itself submitted wins over a report imported from the web
            out[s.agency] = s  # oldest first, so the last one wins
        return out

    def latest_accepted_rows(self, year: int, sources: tuple[str, ...] = ("workbook", "import")) -> list[sqlite3.Row]:
        """The latest accepted version of each agency, lean: what a merge needs and nothing more."""
        marks = ",".join("?" * len(sources))
        sql = f"""
            WITH v AS (
                SELECT id, agency, year, status, source, sha256, received_at, "values", findings, run_id,
                       file_time, ROW_NUMBER() OVER (PARTITION BY agency
                           ORDER BY run_id, COALESCE(file_time, ''), id) AS version
                FROM submissions WHERE year = ? AND source IN ({marks})),
            ranked AS (
                SELECT v.*, ROW_NUMBER() OVER (
                    PARTITION BY agency ORDER BY source = 'workbook' DESC, version DESC) AS newest
                FROM v WHERE status != 'rejected')
            SELECT ranked.*, r.original_name FROM ranked LEFT JOIN receipts r ON r.sha256 = ranked.sha256
            WHERE newest = 1"""
        return self.db.execute(sql, (year, *sources)).fetchall()

    def agencies_with_submissions(self, year: int) -> set[str]:
        rows = self.db.execute("SELECT DISTINCT agency FROM submissions WHERE year = ? AND source != 'merge'", (year,))
        return {r[0] for r in rows}

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
    """BEGIN IMMEDIATE … COMMIT: takes the write lock at once, so concurrent runs queue up."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False

"""Write outputs atomically: a file appears whole under its name, or not at all.

The temporary file is created with the permissions the umask allows (as any program's output
would be: on a shared drive the colleagues can open it), not the private 0600 of ``mkstemp``. A
failure while writing, whatever library reports it (XlsxWriter wraps the system's error in its
own exception), comes out as an ``OSError`` naming the file the caller asked for.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def _system_error(error: BaseException) -> OSError | None:
    """The operating-system error behind ``error`` (itself, its first argument, or its cause)."""
    for candidate in (error, *(error.args[:1] if error.args else ()), error.__cause__, error.__context__):
        if isinstance(candidate, OSError):
            return candidate
    return None


def _named(error: OSError, target: Path) -> OSError:
    return OSError(error.errno, error.strerror, str(target))


def _create_temporary(target: Path) -> Path:
    for _ in range(100):
        tmp = target.parent / f".~{target.stem[:40]}{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(17, "File exists", str(target))


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = _create_temporary(target)
    except OSError as e:  # name the file the user asked for, not our temporary one
        raise _named(e, target) from e
    try:
        try:
            yield tmp_path
        except Exception as e:
            system = _system_error(e)
            if system is None:
                raise
            raise _named(system, target) from e
        try:
            os.replace(tmp_path, target)
        except OSError as e:
            raise _named(e, target) from e
    finally:
        try:
            tmp_path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass  # a disk failing even that: the hidden temporary file stays, the target is untouched

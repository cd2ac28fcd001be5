"""Write outputs atomically: a file appears whole under its name, or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".~" + target.stem[:40], suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as e:  # name the file the user asked for, not our temporary one
        raise OSError(e.errno, e.strerror, str(target)) from e
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, target)
        except OSError as e:
            raise OSError(e.errno, e.strerror, str(target)) from e
    finally:
        if tmp_path.exists():
            tmp_path.unlink()

"""Which files a collect run reads, and reading each within bounds, before any parser sees it.

Nothing is opened before it is known to be a regular file of bounded size. Folders are listed
with ``os.scandir`` and every entry is ``lstat``-ed: named pipes, devices and sockets are reported
and never opened (opening a pipe would wait forever, a device never ends); a link that leads out
of the folders being collected is reported and not followed; a folder that cannot be listed is
reported, never skipped in silence. A file is then opened without blocking, checked again on its
descriptor (it may have been swapped meanwhile) and read only up to the size limit.

File names that are not valid UTF-8 (a GBK name from an archive unpacked on Linux) are kept as
they are for opening, and shown as GBK when they decode so, with escapes otherwise.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from govxl import messages as msg
from govxl.errors import InvalidArgument
from govxl.findings import Finding
from govxl.workbook.reader import MAX_FILE, size_text

IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
READ_CHUNK = 1024 * 1024


class CollectError(InvalidArgument):
    """The collection cannot start (no roster, a path that does not exist). Chinese message."""


@dataclass(frozen=True)
class Entry:
    """One thing found under the paths to collect: a file to read (``path``), or a finding about
    something that is not read (``finding``). ``shown`` is the path as people see it."""

    shown: str
    path: Path | None = None
    finding: Finding | None = None


def readable(text: str) -> str:
    """A path as text that can be printed, stored and written to JSON: unchanged when it is valid
    Unicode; each name that is not (undecodable bytes kept by the file system as surrogate
    escapes) decoded as GBK when it is GBK, else shown with \\x escapes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    parts = []
    for part in text.split(os.sep):
        try:
            part.encode("utf-8")
            parts.append(part)
            continue
        except UnicodeEncodeError:
            pass
        try:
            raw = part.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # lone surrogates of a Windows name
            parts.append(part.encode("utf-8", "backslashreplace").decode("ascii"))
            continue
        try:
            parts.append(raw.decode("gbk"))
        except UnicodeDecodeError:
            parts.append(raw.decode("utf-8", "backslashreplace"))
    return os.sep.join(parts)


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return msg.SPECIAL_FILE_KINDS["fifo"]
    if stat.S_ISSOCK(mode):
        return msg.SPECIAL_FILE_KINDS["socket"]
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return msg.SPECIAL_FILE_KINDS["device"]
    return msg.SPECIAL_FILE_KINDS["other"]


def _special(shown: str, mode: int) -> Entry:
    return Entry(shown, finding=Finding.of("file.special", kind=_special_kind(mode)))


def _unreadable(shown: str, error: OSError) -> Entry:
    return Entry(shown, finding=Finding.of("file.unreadable", error=msg.os_error(error)))


def _ignored(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower() in IGNORED_NAMES


def iter_entries(paths: Iterable[str | Path]) -> Iterator[Entry]:
    """Every file under the given files and folders (recursively, files of a folder before its
    sub-folders, each in name order), leaving out hidden files, Office lock files (~$…) and
    system files; and an entry with a finding for each thing that is not read. Raises
    :class:`CollectError` for a given path that does not exist."""
    for p in paths:
        p = Path(p)
        shown = readable(str(p))
        try:
            st = os.stat(p)  # a path given by name is followed, even when it is a link
        except FileNotFoundError:
            raise CollectError(msg.COLLECT_NO_PATH.format(path=shown)) from None
        except OSError as e:
            yield _unreadable(shown, e)
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p, os.path.realpath(p))
        elif stat.S_ISREG(st.st_mode):
            yield Entry(shown, p)
        else:
            yield _special(shown, st.st_mode)


def _inside(target: str, root: str) -> bool:
    try:
        return os.path.commonpath([target, root]) == root
    except ValueError:  # another drive on Windows
        return False


def _walk(top: Path, root: str) -> Iterator[Entry]:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                found = sorted(it, key=lambda e: e.name)
        except OSError as e:
            yield Entry(readable(str(folder)),
                        finding=Finding.of("file.folder_unreadable", error=msg.os_error(e)))
            continue
        subfolders = []
        for entry in found:
            if _ignored(entry.name):
                continue
            path = Path(entry.path)
            shown = readable(entry.path)
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    target = os.path.realpath(entry.path)
                    if not _inside(target, root):
                        yield Entry(shown, finding=Finding.of("file.link_outside", target=readable(target)))
                        continue
                    st = os.stat(entry.path)
                    if stat.S_ISDIR(st.st_mode):
                        continue  # a folder of the tree, walked where it is
            except OSError as e:
                yield _unreadable(shown, e)
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders.append(path)
            elif stat.S_ISREG(st.st_mode):
                yield Entry(shown, path)
            else:
                yield _special(shown, st.st_mode)
        stack.extend(reversed(subfolders))


_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_BINARY", 0))


def read_bounded(entry: Entry, limit: int = MAX_FILE) -> tuple[bytes, float] | Finding:
    """The bytes and modification time of a regular file of at most ``limit`` bytes, or the
    finding that says why it is not read. The size is checked before reading; a pipe swapped in
    after the listing is found on the open descriptor (opened without blocking) and never read."""
    try:
        fd = os.open(entry.path, _OPEN_FLAGS)
    except OSError as e:
        return Finding.of("file.unreadable", error=msg.os_error(e))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return Finding.of("file.special", kind=_special_kind(st.st_mode))
        if st.st_size > limit:
            return Finding.of("file.too_large", size=size_text(st.st_size), limit=size_text(limit))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # it grew after the check
            return Finding.of("file.too_large", size=size_text(total), limit=size_text(limit))
        return b"".join(chunks), st.st_mtime
    except OSError as e:
        return Finding.of("file.unreadable", error=msg.os_error(e))
    finally:
        os.close(fd)

"""Files handed over as uploads (the workbench's 收集 page, an agency's self-check link), saved into
a folder that :func:`govxl.collection.collect.collect` then reads.

Every limit that bounds the work is checked before the work: the number of files, the bytes of
one file and of the whole upload, and for a .zip archive the office received, its directory
(member count, sizes, compression ratio: the reader's zip-bomb limits) before anything is
inflated, and the bytes actually inflated while they are. A name that came with an upload is
never used as a path: only its last part, made safe for Windows, names the saved file.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from govxl import messages as msg
from govxl.errors import GovxlError
from govxl.names import safe_filename_part
from govxl.workbook import reader

CHUNK = 1024 * 1024
ZIP_UTF8_FLAG = 0x800
SKIPPED_PARTS = ("__MACOSX",)
MAX_FOLDERS = 4  # levels of an archive's folders kept when it is unpacked (deeper ones are left out of the path)


class UploadRefused(GovxlError):
    """The upload breaks a limit or holds a damaged archive: nothing of it is collected. The
    message is a Chinese sentence for the person who uploaded it."""


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may hold. ``file``: bytes of one file, inside an archive too (the reader's
    limit for a workbook); ``count``: files, archives' members included; ``total``: bytes of the
    upload as received and, separately, of everything unpacked from its archives; ``ratio``: how
    much a member of an archive may inflate (the reader's zip-bomb limit)."""

    file: int = reader.MAX_FILE
    count: int = 1000
    total: int = 500 * 1024 * 1024
    ratio: int = reader.MAX_RATIO


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n, 1) / 1024:.0f} KB"


class Intake:
    """A folder that receives the files of one upload. :meth:`add` saves one uploaded file (an
    archive is unpacked into a subfolder named after it) and raises :class:`UploadRefused` when a
    limit is broken; :attr:`paths` are the files saved so far."""

    def __init__(self, folder: str | Path, limits: UploadLimits | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.limits = limits or UploadLimits()
        self.paths: list[Path] = []
        self.received = 0  # bytes as uploaded
        self.unpacked = 0  # bytes inflated from archives

    def check_declared(self, count: int, total: int | None) -> None:
        """Refuse at once an upload whose announced size or count is over the limits."""
        if count > self.limits.count:
            raise UploadRefused(msg.UPLOAD_TOO_MANY.format(n=count, limit=self.limits.count))
        if total is not None and total > self.limits.total:
            raise UploadRefused(msg.UPLOAD_TOO_LARGE.format(size=size_text(total), limit=size_text(self.limits.total)))

    def add(self, name: str, stream: BinaryIO, size: int | None = None) -> list[Path]:
        """Save one uploaded file, read from ``stream``; ``size`` as the upload announced it."""
        shown = display_name(name)
        if size is not None:
            self._check_file(shown, size)
        self._count(1)
        if shown.lower().endswith(".zip"):
            return self._unpack(shown, stream)
        target = self._target(self.folder, shown)
        self._copy(stream, target, shown, self.limits.file, counts_received=True)
        self.paths.append(target)
        return [target]

    # --- helpers ---------------------------------------------------------------------------------

    def _check_file(self, name: str, size: int) -> None:
        if size > self.limits.file:
            raise UploadRefused(msg.UPLOAD_FILE_TOO_LARGE.format(name=name, size=size_text(size),
                                                                 limit=size_text(self.limits.file)))
        if self.received + size > self.limits.total:
            raise UploadRefused(msg.UPLOAD_TOO_LARGE.format(size=size_text(self.received + size),
                                                            limit=size_text(self.limits.total)))

    def _count(self, n: int) -> None:
        if len(self.paths) + n > self.limits.count:
            raise UploadRefused(msg.UPLOAD_TOO_MANY.format(n=len(self.paths) + n, limit=self.limits.count))

    def _target(self, folder: Path, name: str) -> Path:
        safe = safe_filename_part(name, max_chars=80)
        target = folder / safe
        stem, dot, ext = safe.rpartition(".")
        if not dot:
            stem, ext = safe, ""
        n = 2
        while target.exists():
            target = folder / (f"{stem} ({n}).{ext}" if ext else f"{safe} ({n})")
            n += 1
        return target

    def _member_target(self, folder: Path, name: str) -> Path:
        """Where a member of an archive is saved: under its folders in the archive (第一批/财政局.xlsx
        stays apart from 第二批/财政局.xlsx and shows where it came from), each folder's name made
        safe, no deeper than :data:`MAX_FOLDERS`; the archive's own root never left."""
        parts = [display_name(p) for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("/", "", ".", "..")]
        parts = parts or ["_"]
        for part in parts[:-1][:MAX_FOLDERS]:
            folder = folder / safe_filename_part(part, max_chars=40)
            folder.mkdir(exist_ok=True)
        return self._target(folder, parts[-1])

    def _copy(self, stream: BinaryIO, target: Path, name: str, limit: int, *, counts_received: bool) -> int:
        written = 0
        with open(target, "wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    out.close()
                    target.unlink()
                    raise UploadRefused(msg.UPLOAD_FILE_TOO_LARGE.format(name=name, size=f"> {size_text(limit)}",
                                                                         limit=size_text(limit)))
                if counts_received:
                    self.received += len(chunk)
                    if self.received > self.limits.total:
                        out.close()
                        target.unlink()
                        raise UploadRefused(msg.UPLOAD_TOO_LARGE.format(size=f"> {size_text(self.limits.total)}",
                                                                        limit=size_text(self.limits.total)))
                else:
                    self.unpacked += len(chunk)
                out.write(chunk)
        return written

    def _unpack(self, name: str, stream: BinaryIO) -> list[Path]:
        folder = self._target(self.folder, name)
        folder.mkdir()
        archive_path = folder.with_name(folder.name + ".upload")
        try:
            self._copy(stream, archive_path, name, self.limits.total, counts_received=True)
            try:
                archive = zipfile.ZipFile(archive_path)
                members = [i for i in archive.infolist() if _wanted(i)]
            except (zipfile.BadZipFile, OSError, ValueError):
                raise UploadRefused(msg.UPLOAD_BAD_ZIP.format(name=name)) from None
            with archive:
                self._check_members(name, members)
                saved = []
                for info in members:
                    target = self._member_target(folder, member_name(info))
                    try:
                        with archive.open(info) as source:
                            self._copy(source, target, name, min(self.limits.file, info.file_size), counts_received=False)
                    except UploadRefused:
                        raise UploadRefused(msg.UPLOAD_ZIP_BOMB.format(name=name)) from None
                    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError):
                        raise UploadRefused(msg.UPLOAD_BAD_ZIP.format(name=name)) from None
                    except Exception:  # zlib.error and other damage found while inflating
                        raise UploadRefused(msg.UPLOAD_BAD_ZIP.format(name=name)) from None
                    saved.append(target)
        except UploadRefused:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            archive_path.unlink(missing_ok=True)
        self.paths.extend(saved)
        self._count(0)
        return saved

    def _check_members(self, name: str, members: list[zipfile.ZipInfo]) -> None:
        self._count(len(members))
        if any(i.flag_bits & 0x1 for i in members):
            raise UploadRefused(msg.UPLOAD_ZIP_ENCRYPTED.format(name=name))
        inflated = sum(i.file_size for i in members)
        worst = max((i.file_size / max(i.compress_size, 1) for i in members), default=0)
        too_big = [i for i in members if i.file_size > self.limits.file]
        if too_big:
            i = too_big[0]
            raise UploadRefused(msg.UPLOAD_FILE_TOO_LARGE.format(
                name=f"{name}/{display_name(member_name(i))}", size=size_text(i.file_size),
                limit=size_text(self.limits.file)))
        if worst > self.limits.ratio or self.unpacked + inflated > self.limits.total:
            raise UploadRefused(msg.UPLOAD_ZIP_BOMB.format(name=name))


def _wanted(info: zipfile.ZipInfo) -> bool:
    if info.is_dir():
        return False
    parts = PurePosixPath(member_name(info).replace("\\", "/")).parts
    # hidden files (.DS_Store, ._x) are no one's report; a name climbing out (../x.xlsx) is kept, inside
    return bool(parts) and not any(p in SKIPPED_PARTS or (p.startswith(".") and p not in (".", "..")) for p in parts) \
        and not parts[-1].startswith("~$")


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its sender saw it: archives made on Chinese Windows store names in GBK
    without saying so (no UTF-8 flag); Python then decoded them as cp437."""
    if info.flag_bits & ZIP_UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def display_name(name: str) -> str:
    """The last part of an uploaded name (browsers send a folder's files as a/b/c.xlsx, old ones the
    whole Windows path), never a path; '' becomes _."""
    last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return last.strip() or "_"

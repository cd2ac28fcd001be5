"""A .zip of files for download (the workbooks of all agencies): names in UTF-8 with the zip's
UTF-8 flag set, so that Chinese names show correctly in Windows Explorer and everywhere else."""

from __future__ import annotations

import zipfile
from pathlib import Path

from govxl.atomic import atomic_path


def write_zip(paths: list[Path], target: str | Path, *, folder: str = "") -> Path:
    """Write ``paths`` (by their names, inside ``folder`` if given) into the archive ``target``,
    atomically. Workbooks are already compressed: they are stored with light compression."""
    target = Path(target)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in paths:
            name = f"{folder}/{Path(path).name}" if folder else Path(path).name
            info = zipfile.ZipInfo.from_file(path, name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 names, ASCII ones too
            with open(path, "rb") as source, archive.open(info, "w") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
    return target

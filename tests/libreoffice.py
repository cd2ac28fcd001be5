"""Recalculate workbooks in LibreOffice, headless, as a real spreadsheet program would.

LibreOffice keeps the cached formula values of an .xlsx unless told to recalculate: the profile
written here sets OOXMLRecalcMode to 0 ("always recalculate"). One ``--convert-to`` call silently
stops after about 247 files, so files are converted in chunks and every output is checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHUNK = 100
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        raise RuntimeError("LibreOffice is not installed: run tools/ensure-test-tools")
    return path


def recalculate(paths: list[Path], out_dir: Path, profile_dir: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate every formula, save as .xlsx in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    user = profile_dir / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
    env = {**os.environ, "HOME": str(profile_dir)}
    for i in range(0, len(paths), CHUNK):
        chunk = paths[i : i + CHUNK]
        subprocess.run(
            [soffice(), f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--norestore",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), *map(str, chunk)],
            check=True, capture_output=True, timeout=600, env=env,
        )
    outputs = [out_dir / p.name for p in paths]
    missing = [p.name for p in outputs if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not convert {len(missing)} files, e.g. {missing[:3]}")
    return outputs

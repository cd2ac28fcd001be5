"""Where the shipped data files (``templates/``) are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    # In a wheel, templates/ is packaged as govxl/templates (see pyproject.toml); in a source
    # checkout or an editable install it sits beside the package.
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"

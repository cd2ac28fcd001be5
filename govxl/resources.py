"""Where the shipped data files are, installed or in a source checkout: ``templates/`` (the form
specs and texts) and ``samples/`` (the sample district of ``govxl demo``)."""

from __future__ import annotations

from pathlib import Path


def _shipped(name: str) -> Path:
    # In a wheel, templates/ and samples/ are packaged as govxl/templates and govxl/samples (see
    # pyproject.toml); in a source checkout or an editable install they sit beside the package.
    packaged = Path(__file__).parent / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def templates_dir() -> Path:
    return _shipped("templates")


def samples_dir() -> Path:
    return _shipped("samples")

"""govxl: the yearly 政府信息公开工作年度报告 cycle of a district government office.

The public API is importable from here (``govxl.collect(store, 2025, ["收回文件"])``); it lives
in :mod:`govxl.api` and is loaded on first use, so that ``govxl --version`` and other quick
commands do not pay for importing the whole library. See docs/api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from govxl.version import __version__

# name -> module that defines it
_EXPORTS = {
    **dict.fromkeys(("open_store", "set_roster", "generate", "carry_over_values", "collect", "status", "merge",
                     "export", "compose", "import_reports", "GenerateResult", "ExportResult", "ComposeResult",
                     "ImportBatch", "ImportedFile", "DEFAULT_FORM", "update_agency", "remove_agency",
                     "roster_csv", "deadline", "zip_files", "agency_history", "original_file", "feedback",
                     "issue_list", "agency_links", "reissue_link", "revoke_link", "agency_for_token", "Intake",
                     "UploadLimits", "UploadRefused", "reminders", "district_view", "pin", "unpin", "check", "ANNEXES", "DEFAULT_ANNEXES"), "govxl.api"),
    **dict.fromkeys(("GovxlError", "InvalidArgument", "OutputError", "SpecError"), "govxl.errors"),
    **dict.fromkeys(("Agency", "RosterError", "read_roster"), "govxl.roster"),
    **dict.fromkeys(("Store",), "govxl.store"),
    **dict.fromkeys(("Finding",), "govxl.findings"),
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from govxl.api import (
        ANNEXES,
        DEFAULT_ANNEXES,
        DEFAULT_FORM,
        ComposeResult,
        ExportResult,
        GenerateResult,
        ImportBatch,
        ImportedFile,
        Intake,
        UploadLimits,
        UploadRefused,
        agency_for_token,
        agency_history,
        agency_links,
        carry_over_values,
        check,
        collect,
        compose,
        deadline,
        district_view,
        export,
        feedback,
        generate,
        import_reports,
        issue_list,
        merge,
        open_store,
        original_file,
        pin,
        reissue_link,
        reminders,
        remove_agency,
        revoke_link,
        roster_csv,
        set_roster,
        status,
        unpin,
        update_agency,
        zip_files,
    )
    from govxl.errors import GovxlError, InvalidArgument, OutputError, SpecError
    from govxl.findings import Finding
    from govxl.roster import Agency, RosterError, read_roster
    from govxl.store import Store


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'govxl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

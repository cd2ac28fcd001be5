"""The exceptions govxl raises to its callers. Every one is a :class:`GovxlError` whose message
is a sentence in Chinese that can be shown to a clerk as it is; a caller that only wants to show
what went wrong catches ``GovxlError``."""

from __future__ import annotations


class GovxlError(Exception):
    """Base of every error govxl raises on purpose. ``str(e)`` is a Chinese message."""


class SpecError(GovxlError, ValueError):
    """A form spec (``templates/forms/*.toml``) is not valid."""


class InvalidArgument(GovxlError, ValueError):
    """A call made with arguments that cannot work (a year out of range, an unknown format, two
    options that exclude each other). The command line exits with 2 for it."""


class OutputError(GovxlError, OSError):
    """A file could not be written (disk full, no permission, a file open in another program).
    Nothing already stored is lost."""

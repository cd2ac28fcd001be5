"""The exceptions govxl raises to its callers. Every one is a :class:`GovxlError` whose message
is a sentence in Chinese that can be shown to a clerk as it is; a caller that only wants to show
what went wrong catches ``GovxlError``."""

from __future__ import annotations


class GovxlError(Exception):
    """Base of every error govxl raises on purpose. ``str(e)`` is a Chinese message."""


class SpecError(GovxlError, ValueError):
    """A form spec (``templates/forms/*.toml``) is not valid."""

"""The version of govxl, in a module of its own so that any module can import it without
importing the public API (``govxl/__init__.py``)."""

__version__ = "0.1.0"

"""govxl: the yearly 政府信息公开工作年度报告 cycle of a district government office."""

from govxl.version import __version__

__all__ = ["__version__"]

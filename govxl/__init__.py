"""govxl: the yearly 政府信息公开工作年度报告 cycle of a district government office."""

__version__ = "0.1.0"

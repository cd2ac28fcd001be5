"""The national format and its rules: the form spec (``templates/forms/*.toml``), the expression
language of its rules, the rules evaluated in Python, where every cell sits in the workbook, and
the same rules compiled into Excel formulas. The lowest stage: it imports no other stage."""

# The form spec used unless another is named (templates/forms/annual-2021.toml).
DEFAULT_FORM = "annual-2021"

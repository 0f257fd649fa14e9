"""Formulas as text, checked against a whitelist and never evaluated by Python.

:func:`parse_formula` parses the text with :mod:`ast` and accepts only numbers, variable names,
``+ - * / **`` (the exponent a constant number), unary minus and plus, parentheses and the engine's
functions. :meth:`Formula.build` then builds the graph with chainrule's own operators, so no text is
ever handed to ``eval`` or ``exec``. :func:`parse_values` reads ``NAME=NUMBER`` assignments.

>>> formula = parse_formula("tanh(w*x + b)")
>>> formula.variables
('w', 'x', 'b')
>>> root, leaves = formula.build(parse_values(["x=2", "w=-3", "b=6.88"]))
>>> root.backward()
>>> round(root.data, 4), round(leaves["x"].grad, 4)
(0.7064, -1.5029)
>>> parse_formula("x.__class__")
Traceback (most recent call last):
...
chainrule.formula.errors.FormulaError: column 1: attribute access is not allowed in a formula: 'x.__class__'
"""

from chainrule.formula.build import Formula
from chainrule.formula.errors import FormulaError
from chainrule.formula.language import FUNCTIONS, MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH
from chainrule.formula.parse import parse_formula
from chainrule.formula.values import parse_values

__all__ = [
    "FUNCTIONS", "MAX_DEPTH", "MAX_EXPONENT", "MAX_LENGTH", "Formula", "FormulaError",
    "parse_formula", "parse_values",
]

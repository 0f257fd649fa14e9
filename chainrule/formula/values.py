"""``NAME=NUMBER`` assignments, as typed after a formula on the command line."""

from __future__ import annotations

import keyword
import unicodedata
from collections.abc import Iterable

from chainrule.formula.errors import FormulaError, finite
from chainrule.formula.language import CONSTANTS, FUNCTIONS


def parse_values(assignments: Iterable[str]) -> dict[str, float]:
    """Read ``NAME=NUMBER`` assignments into a dict, in the order given.

    Refuses a missing ``=``, a name that is not an identifier or is a function name, a name given
    twice, and a value that is not a finite number. Blanks around the parts are allowed.

    >>> parse_values(["x=2", "w = -3", "b=6.88"])
    {'x': 2.0, 'w': -3.0, 'b': 6.88}
    >>> parse_values(["x=abc"])
    Traceback (most recent call last):
    ...
    chainrule.formula.errors.FormulaError: x=abc: 'abc' is not a number
    """
    values: dict[str, float] = {}
    for item in assignments:
        name, equals, number = (part.strip() for part in item.partition("="))
        name = unicodedata.normalize("NFKC", name)  # as Python (and the formula parser) read names: ﬁ is fi
        if not equals:
            raise FormulaError(f"expected NAME=NUMBER, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise FormulaError(f"{item}: {name!r} is not a variable name")
        if name in FUNCTIONS:
            raise FormulaError(f"{item}: {name} is a function, not a variable")
        if name in CONSTANTS:
            raise FormulaError(f"{item}: {name} is the constant {CONSTANTS[name]!r}, not a variable")
        if name in values:
            raise FormulaError(f"{name} is given twice")
        try:
            value = float(number)
        except ValueError:
            raise FormulaError(f"{item}: {number!r} is not a number") from None
        values[name] = finite(value, name)
    return values

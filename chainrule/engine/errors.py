"""The engine's exceptions: each names the op and the value that caused it."""


class DomainError(ArithmeticError, ValueError):
    """An op was asked for a value outside its domain, e.g. ``log(-1.0)``.

    >>> from chainrule import Value
    >>> Value(-1.0).log()
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.DomainError: log: input must be > 0, got -1.0
    """


class AnomalyError(FloatingPointError):
    """Raised in anomaly mode at the first op whose value or gradient is NaN or inf.

    >>> from chainrule import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(float("nan"), label="n") * 2
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: forward of mul produced nan (inputs: n=nan, 2.0)
    """


class LocalGradsError(TypeError, ValueError):
    """An op's ``local_grads`` rule gave the wrong number of partials (or not a tuple of them).

    >>> from chainrule import Op, Value
    >>> bad = Op("bad", "bad", lambda a, b: a * b, lambda m, out, a, b: (b,), arity=2)
    >>> bad(Value(2.0, label="u"), 3.0).backward()
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.LocalGradsError: local_grads of op 'bad' ... gave 1 partial(s), expected 2 ...
    """

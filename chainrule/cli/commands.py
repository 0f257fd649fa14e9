"""The four subcommands. Each takes the parsed arguments and returns the exit status.

Refusals raise :class:`~chainrule.formula.FormulaError` (exit 2), math errors propagate as
``ArithmeticError`` (exit 1), and other expected failures raise :class:`CommandError`;
:func:`chainrule.cli.main` turns each into a one-line message. Files are written atomically (by
``viz.save`` and ``save_html``), after every check has passed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chainrule.cli.outputs import UnusableOutput, fresh_file, writable_file, writable_folder
from chainrule.engine import AnomalyError, Value, detect_anomaly
from chainrule.formula import Formula, FormulaError, parse_formula, parse_values


class CommandError(Exception):
    """A failure reported as one line with its exit status (1 failed, 2 refused).

    >>> CommandError("cannot write g.svg: Permission denied", 1).status
    1
    """

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def build(args: argparse.Namespace, *,
          needs_variables: bool = False) -> tuple[Formula, Value, dict[str, Value]]:
    """Parse the formula and the NAME=NUMBER values, then build the graph (nothing else runs first).

    >>> from argparse import Namespace
    >>> formula, root, leaves = build(Namespace(formula="x * y", values=["x=2", "y=3"]))
    >>> root.data, list(leaves)
    (6.0, ['x', 'y'])
    """
    formula = parse_formula(args.formula)
    if needs_variables and not formula.variables:
        raise FormulaError("the formula has no variables: there is no gradient to check")
    values = parse_values(args.values)
    root, leaves = formula.build(values)
    return formula, root, leaves


def draw(args: argparse.Namespace) -> int:
    """``chainrule draw``: the graph after backward, as a picture (or SVG on stdout).

    >>> import tempfile, pathlib
    >>> from argparse import Namespace
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "graph.dot"
    >>> draw(Namespace(formula="a * a", values=["a=3"], output=str(target)))
    0
    >>> "grad 6" in target.read_text()
    True
    """
    from chainrule import viz

    _, root, _ = build(args)
    output = args.output
    if output is None:  # SVG on a pipe; on a terminal, a file (XML is no use there)
        output = str(fresh_file(DEFAULT_PICTURE)) if sys.stdout.isatty() else "-"
    if output != "-":
        _usable_picture(output)
    root.backward()
    if output == "-":
        sys.stdout.write(viz.to_svg(root))
        return 0
    with _writing(output):
        viz.save(root, output)
    note = "" if args.output else " (standard output is a terminal; -o - writes the SVG there)"
    print(f"wrote {output}{note}", file=sys.stderr)
    return 0


DEFAULT_PICTURE = "graph.svg"  # draw's file when no -o is given and standard output is a terminal


def _usable_picture(path: str) -> None:
    """Refuse (exit 2) an -o the picture cannot go to: unknown extension, PNG/PDF without dot, no folder."""
    from chainrule.viz import supported_formats
    from chainrule.viz.draw import SAVE_FORMATS

    format = Path(path).suffix.lower().lstrip(".")
    if format not in SAVE_FORMATS:
        raise UnusableOutput(f"-o {path}: use one of the extensions .svg, .png, .pdf, .dot, .gv")
    if format in ("png", "pdf") and format not in supported_formats():
        raise UnusableOutput(f"-o {path}: .{format} needs Graphviz's dot program, which is not on PATH"
                             " (install Graphviz, or write .svg)")
    writable_file(path, "-o")


def steps(args: argparse.Namespace) -> int:
    """``chainrule steps``: every chain-rule application as a table; --html the stepper page;
    ``--forward --wrt x``: forward mode's steps instead.

    Intermediate nodes are named by their sub-formula when short (``a*b``), the root by the formula.
    ``--by neuron``/``layer`` and ``--focus SCOPE`` step by the scopes a model records; a formula
    records none, so they are refused (exit 2) before anything is evaluated, pointing to the Python API.

    >>> from argparse import Namespace
    >>> steps(Namespace(formula="a * a", values=["a=3"], html=None))  # doctest: +ELLIPSIS
    backward pass of a * a: 2 chain-rule steps ...
    0
    """
    from chainrule.viz.steps import record_backward

    _no_scopes_in_a_formula(args)
    formula = parse_formula(args.formula)
    root, leaves = formula.build_named(parse_values(args.values))
    if root.is_leaf:
        raise CommandError(f"{formula.text!r} is a single value: there is no chain rule to step through", 2)
    if args.html:
        writable_file(args.html, "--html")  # before the table is printed
    if getattr(args, "forward", False):
        from chainrule.cli.paths import forward_steps

        return forward_steps(args, formula, root, leaves)
    if getattr(args, "wrt", None) is not None:
        raise FormulaError("--wrt is for --forward: the backward pass reaches every variable at once")
    try:
        by, focus = getattr(args, "by", None) or "node", getattr(args, "focus", None)
        trace = record_backward(root, by=by, focus=focus)
    except (ValueError, TypeError) as error:
        raise CommandError(str(error), 2) from None
    title = f"Backward pass of {formula.text}"
    if args.html == "-":  # as `draw -o -`: the page is standard output, the table goes to stderr
        print(trace.table(), file=sys.stderr)
        sys.stdout.write(trace.to_html(title=title))
        return 0
    print(trace.table())
    if args.html:
        with _writing(args.html):
            trace.save_html(args.html, title=title)
        print(f"wrote {args.html}", file=sys.stderr)
    return 0


def _no_scopes_in_a_formula(args: argparse.Namespace) -> None:
    """Refuse ``--by neuron|layer`` and ``--focus``: they group steps by recorded scopes (a Neuron's,
    a Layer's), and a formula has none; grouping anyway would print per-op steps under a false title."""
    by, focus = getattr(args, "by", None), getattr(args, "focus", None)
    if by not in (None, "node") or focus:
        option = f"--by {by}" if by not in (None, "node") else f"--focus {focus}"
        raise FormulaError(f"{option}: a formula has no neurons, layers or other scopes to step by; --by and"
                           " --focus are for models, from Python: chainrule.step_through(loss, by='neuron')"
                           " or focus='layers.1'")


def check(args: argparse.Namespace) -> int:
    """``chainrule check``: gradcheck report and per-node audit; 0 when all pass, 1 when a gradient
    is wrong or suspicious, 3 when none is but some row could not be judged ("undefined").

    >>> from argparse import Namespace
    >>> check(Namespace(formula="x * x", values=["x=3"], json=False))  # doctest: +ELLIPSIS
    x * x = 9
    <BLANKLINE>
    gradcheck: 1 input(s), eps=0.001: OK
    ...
    0
    """
    from chainrule.check.audit import audit
    from chainrule.check.gradcheck import gradcheck

    try:
        with detect_anomaly():  # an output of inf or nan has no gradient to check: say where it came from
            formula, root, leaves = build(args, needs_variables=True)
    except AnomalyError as error:
        raise ArithmeticError(f"{error}: the formula overflows here, so there is no gradient to check"
                              ) from None
    root.backward()
    report = gradcheck(formula, [leaves[name] for name in formula.variables])
    node_report = audit(root)
    ok = report.ok and node_report.ok
    # only "undefined" rows left: the numbers could not judge them, which is not a wrong gradient
    unchecked = not ok and all(r.ok or r.could_not_check for r in (report, node_report))
    if args.json:
        print(json.dumps(_check_json(formula, root, leaves, report, node_report, ok, unchecked), indent=2))
    else:
        print(f"{formula.text} = {root.data:.10g}\n\n{report}\n\n{node_report}")
    return 0 if ok else COULD_NOT_CHECK if unchecked else 1


COULD_NOT_CHECK = 3  # check's exit status when no gradient is wrong but some could not be judged


def demo(args: argparse.Namespace) -> int:
    """``chainrule demo``: train an MLP on two moons and write its pictures.

    >>> import tempfile
    >>> from argparse import Namespace
    >>> demo(Namespace(out=tempfile.mkdtemp(), steps=1, samples=4, seed=None, quiet=True))
    0
    """
    from chainrule.cli.demo import run_demo

    if args.out is not None:
        writable_folder(args.out, "--out")
    given = {name: getattr(args, name) for name in ("steps", "samples", "seed")}
    with _writing(args.out or "the demo folder"):
        run_demo(args.out, quiet=args.quiet, compile=not getattr(args, "no_compile", False),
                 **{k: v for k, v in given.items() if v is not None})
    return 0


def gpt(args: argparse.Namespace) -> int:
    """``chainrule gpt``: train microgpt's GPT on first names, sample ten, write one head's pictures.

    >>> import tempfile
    >>> from argparse import Namespace
    >>> gpt(Namespace(out=tempfile.mkdtemp(), steps=1, seed=None, corpus=None, quiet=True))
    0
    """
    from chainrule.cli.gpt import run_gpt
    from chainrule.nn.text import load_names

    try:
        load_names(args.corpus)  # refused before anything is trained or written
    except (OSError, ValueError, ModuleNotFoundError) as error:
        raise CommandError(f"cannot read the corpus: {error}", 2) from None
    given = {name: getattr(args, name) for name in ("steps", "seed", "corpus")}
    with _writing(args.out or "the gpt folder"):
        run_gpt(args.out, quiet=args.quiet, compile=not getattr(args, "no_compile", False),
                **{k: v for k, v in given.items() if v is not None})
    return 0


@contextmanager
def _writing(path: str) -> Iterator[None]:
    """Report a failed write with the user's path (the atomic writers name their temporary file)."""
    try:
        yield
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}", 1) from None


def _check_json(formula: Formula, root: Value, leaves: dict[str, Value], report: Any,
                node_report: Any, ok: bool, unchecked: bool = False) -> dict[str, Any]:
    """Everything ``check`` found, as strict JSON data (inf and nan become the strings "inf", "nan")."""
    rows = [{"name": row.name, "value": row.value, "analytic": row.analytic, "numeric": row.numeric,
             "abs_error": row.abs_error, "rel_error": row.rel_error, "band": row.band, "note": row.note}
            for row in report]
    return _json_safe({
        "formula": formula.text,
        "values": {name: leaf.data for name, leaf in leaves.items()},
        "output": root.data,
        "gradients": {name: float(leaf.grad) for name, leaf in leaves.items()},
        "ok": ok,
        "could_not_check": unchecked,
        "gradcheck": {"ok": report.ok, "rows": rows},
        "audit": {"ok": node_report.ok, "nodes": [_node_json(check) for check in node_report.nodes]},
    })


def _node_json(check: Any) -> dict[str, Any]:
    return {"index": check.index, "op": check.op, "label": check.label, "inputs": list(check.inputs),
            "analytic": list(check.analytic), "numeric": list(check.numeric),
            "rel_errors": list(check.rel_errors), "band": check.band, "note": check.note}


def _json_safe(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _json_safe(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_json_safe(value) for value in data]
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    return data

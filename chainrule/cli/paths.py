"""``chainrule paths`` (a gradient as a sum over paths) and ``chainrule steps --forward`` (forward mode).

Both need one variable to differentiate with respect to: ``--wrt NAME`` (optional when the formula
has a single variable).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chainrule.cli.commands import CommandError, _usable_picture
from chainrule.cli.commands import _writing as writing
from chainrule.cli.outputs import UnusableOutput, writable_file
from chainrule.engine import Value
from chainrule.formula import Formula, FormulaError, parse_formula, parse_values


def wrt_leaf(formula: Formula, leaves: dict[str, Value], wrt: str | None) -> Value:
    """The leaf named by ``--wrt`` (the only variable when there is one and ``--wrt`` is not given).

    >>> formula = parse_formula("x * y")
    >>> root, leaves = formula.build({"x": 2, "y": 3})
    >>> wrt_leaf(formula, leaves, "y").data
    3.0
    >>> wrt_leaf(formula, leaves, None)
    Traceback (most recent call last):
    ...
    chainrule.formula.errors.FormulaError: --wrt is needed: the formula has the variables x, y
    """
    names = list(formula.variables)
    if wrt is None:
        if len(names) == 1:
            return leaves[names[0]]
        have = f"the variables {', '.join(names)}" if names else "no variables"
        raise FormulaError(f"--wrt is needed: the formula has {have}")
    if wrt not in leaves:
        have = ", ".join(names) if names else "none"
        raise FormulaError(f"--wrt {wrt!r} is not a variable of the formula (its variables: {have})")
    return leaves[wrt]


def paths(args: argparse.Namespace) -> int:
    """``chainrule paths``: d formula / d wrt as a sum over paths; --html the page, -o a picture of --path.

    >>> from argparse import Namespace
    >>> paths(Namespace(formula="x * x + x", values=["x=3"], wrt="x", max_paths=20, html=None,
    ...                 output=None, path=None))
    d(x * x + x)/dx as a sum over 3 paths (largest first): 3 + 3 + 1 = 7
    #  path                   local derivatives  product
    1  x → x * x → x * x + x  3 × 1              3
    2  x → x * x → x * x + x  3 × 1              3
    3  x → x * x + x          1                  1
    sum over all 3 paths = 7 = x.grad ✓
    0
    """
    from chainrule.check.paths import paths as explain

    number = _usable_outputs(args)  # refused before the formula is evaluated
    formula = parse_formula(args.formula)
    root, leaves = formula.build_named(parse_values(args.values))  # short sub-formulas name the nodes
    leaf = wrt_leaf(formula, leaves, args.wrt)
    root.backward()
    report = explain(root, leaf, max_paths=args.max_paths)
    _usable_for(report, args, number)  # known only now, still before any printing
    print(report, file=sys.stderr if args.html == "-" else sys.stdout)  # `--html -`: stdout is the page
    if args.output:
        _save_path_picture(report, args.output, number)
    if args.html:
        from chainrule.viz import save_paths_html

        title = f"d/d{args.wrt or leaf.label} of {formula.text}: its paths"
        if args.html == "-":
            from chainrule.viz.paths import paths_page

            sys.stdout.write(paths_page(report, title))
        else:
            with writing(args.html):
                save_paths_html(report, args.html, title=title)
            print(f"wrote {args.html}", file=sys.stderr)
    return 0 if report.agrees is not False else 1


def _usable_outputs(args: argparse.Namespace) -> int:
    """Refuse (exit 2) -o, --html and --path that cannot be used, as ``steps``/``draw`` do; the
    path number -o lights."""
    number = getattr(args, "path", None)
    if number is not None and not args.output:
        raise UnusableOutput(f"--path {number}: --path chooses the path -o draws; give -o FILE too")
    if args.output:
        _usable_picture(args.output)
    if args.html and args.html != "-":
        writable_file(args.html, "--html")
    return 1 if number is None else number


def _usable_for(report: Any, args: argparse.Namespace, number: int) -> None:
    """Refuse (exit 2, before anything is printed) a page or picture of paths when no path leads
    from the variable to the output (the answer, gradient 0, is the report without them), and a
    --path past the paths listed."""
    if not len(report) and (args.html or args.output):
        option = "--html" if args.html else "-o"
        raise UnusableOutput(f"{option}: {report.summary()}: there is no path to walk or draw"
                             f" (without {option}, the report says so)")
    if args.output and not 1 <= number <= len(report):
        raise UnusableOutput(f"--path {number}: the report lists {len(report)} path(s), numbered from 1")


def _save_path_picture(report: Any, output: str, number: int) -> None:
    from chainrule import viz

    options = {**report.highlight(number - 1), "caption": viz.path_caption(report, number - 1),
               "names": report.names}
    with writing(output):
        try:
            viz.save(report.output, output, max_nodes=None, **options)
        except viz.RenderError as error:
            raise CommandError(str(error), 1) from None
        except ValueError as error:  # an extension save does not know
            raise CommandError(str(error), 2) from None
    print(f"wrote {output}", file=sys.stderr)


def forward_steps(args: argparse.Namespace, formula: Formula, root: Value, leaves: dict[str, Value]) -> int:
    """``chainrule steps --forward``: forward mode's products as a table; --html its stepper page.

    >>> from argparse import Namespace
    >>> args = Namespace(formula="x * y", values=["x=2", "y=3"], wrt="x", html=None)
    >>> formula = parse_formula(args.formula)
    >>> forward_steps(args, formula, *formula.build_named({"x": 2, "y": 3}))  # doctest: +ELLIPSIS
    forward mode d/dx of x * y: 1 chain-rule step ...; d(x * y)/dx = 3
    ...
    0
    """
    from chainrule.viz.steps import record_tangents

    if getattr(args, "by", "node") not in (None, "node") or getattr(args, "focus", None):
        raise FormulaError("--by and --focus group backward steps: forward mode steps node by node")
    leaf = wrt_leaf(formula, leaves, args.wrt)
    trace = record_tangents(root, leaf)
    print(trace.table(), file=sys.stderr if args.html == "-" else sys.stdout)  # `--html -`: stdout: the page
    if args.html:
        if not len(trace):
            raise CommandError(f"no page to write: {trace.summary()}", 1)
        title = f"Forward mode d/d{trace.wrt_name} of {formula.text}"
        if args.html == "-":
            sys.stdout.write(trace.to_html(title=title))
        else:
            with writing(args.html):
                trace.save_html(args.html, title=title)
            print(f"wrote {args.html}", file=sys.stderr)
    return 0

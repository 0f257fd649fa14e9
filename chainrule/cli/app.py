"""``main``: parse the command line, run one subcommand, and turn every expected failure into a
one-line message and an exit status (never a traceback)."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence

from chainrule.cli import commands, paths
from chainrule.cli.commands import CommandError
from chainrule.cli.outputs import UnusableOutput
from chainrule.cli.parser import build_parser, options_first
from chainrule.formula import FormulaError
from chainrule.viz import RendererChoiceError, RenderError

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "draw": commands.draw, "steps": commands.steps, "check": commands.check, "demo": commands.demo,
    "paths": paths.paths, "gpt": commands.gpt,
}

FAILED, REFUSED = 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chainrule`` with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0: done; 1: a math error (overflow included), a write that failed, no renderer for a picture, or
    (``check``) a wrong gradient; 2: refused input (formula, values, options, an output that cannot be
    used, renderer choice), reported before anything is printed or written; 3: (``check``) no
    gradient is wrong but some could not be checked (an "undefined" row).
    argparse's own usage errors exit 2 through ``SystemExit`` as usual.

    >>> main(["steps", "log(x)", "x=-1"])
    1
    """
    parser = build_parser(COMMANDS)
    args = parser.parse_args(options_first(sys.argv[1:] if argv is None else argv))
    where = f"{parser.prog} {args.command}"
    try:
        with warnings.catch_warnings():  # e.g. a picture summarised past max_nodes: one plain line
            warnings.showwarning = lambda message, *_: print(f"{where}: note: {message}", file=sys.stderr)
            return args.run(args)
    except (FormulaError, UnusableOutput) as error:
        return _fail(where, str(error), REFUSED)
    except ArithmeticError as error:  # chainrule.DomainError, ZeroDivisionError, OverflowError
        return _fail(where, f"math error: {error}", FAILED)
    except RendererChoiceError as error:  # a bad $CHAINRULE_RENDERER
        return _fail(where, str(error), REFUSED)
    except RenderError as error:  # no Graphviz renderer, or it failed
        return _fail(where, str(error), FAILED)
    except CommandError as error:
        return _fail(where, str(error), error.status)
    except BrokenPipeError:  # e.g. `chainrule draw ... -o - | head`: stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILED
    except KeyboardInterrupt:
        return _fail(where, "interrupted", 130)
    except MemoryError:  # e.g. `demo --samples 300000000` under a memory limit
        return _fail(where, "out of memory (ask for fewer samples, steps or a smaller formula)", FAILED)


def _fail(where: str, message: str, status: int) -> int:
    print(f"{where}: error: {message}", file=sys.stderr)
    return status

"""The argparse wiring of the ``chainrule`` command: one sub-parser per subcommand, each with examples."""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Sequence

import chainrule
from chainrule.formula import FUNCTIONS
from chainrule.formula.language import CONSTANTS

_RAW = argparse.RawDescriptionHelpFormatter

def _two_argument_functions() -> str:
    names = [name for name, (_, arity) in FUNCTIONS.items() if arity == 2]
    return f"{' and '.join(names)} take{'s' * (len(names) == 1)} two arguments"


FORMULAS = f"""\
formulas use Python syntax: numbers, the constants {" and ".join(CONSTANTS)}, variable names,
+ - * / ** (x ** 2, x ** -0.5, or a positive number to a variable power: 2 ** x), unary minus,
parentheses and the functions
  {" ".join(FUNCTIONS)}      ({_two_argument_functions()})
Quote the formula, and give every variable a value as NAME=NUMBER.
Options may come before or after the formula and its values."""

EXIT_STATUS = """\
exit status: 0 done; 1 math error (log of a negative, division by zero, overflow), no
Graphviz renderer, a write that failed{};
2 refused formula, values or options (an output that cannot be used: a missing or
read-only folder, .png without Graphviz's dot), reported before anything is printed or written"""

TOP = f"""\
examples:
  chainrule draw "tanh(w*x + b)" x=2 w=-3 b=6.88 -o graph.svg
  chainrule steps "x*y + x" x=2 y=3
  chainrule check "log(1 + exp(a*b))" a=0.5 b=-1.5
  chainrule paths "x*y + x" x=2 y=3 --wrt x
  chainrule demo --out demo --steps 100
  chainrule gpt --steps 1000 --out gpt

{FORMULAS}

{EXIT_STATUS.format(", or (check) a wrong gradient; 3 (check) a gradient it could not check")}"""

DRAW = f"""\
Build the formula's graph, run backward, and write the picture: every value node shows its
label, data and grad. The format follows the extension of -o: .svg, .dot or .gv (the DOT text),
.png or .pdf (these need Graphviz's dot program); "-o -" writes SVG to standard output. With no
-o, SVG goes to standard output when it is a pipe or a file, and to graph.svg (graph-2.svg, ...
if taken) when it is a terminal.

examples:
  chainrule draw "tanh(w*x + b)" x=2 w=-3 b=6.88 -o graph.svg
  chainrule draw "x*x + sin(x)" x=0.5 -o - > graph.svg

{FORMULAS}

{EXIT_STATUS.format("")}"""

STEPS = f"""\
Print every chain-rule application of the backward pass as a table (node, upstream gradient,
local gradient, contribution, the input's gradient before and after); --html writes a page
with previous/next buttons that works in any browser.

With --forward --wrt NAME, print forward mode instead: the tangent d node / d NAME pushed from
NAME to the output, one step per product (tangent in × local = contribution).

examples:
  chainrule steps "x*y + x" x=2 y=3
  chainrule steps "tanh(w*x + b)" x=2 w=-3 b=6.88 --html steps.html
  chainrule steps "x*y + x" x=2 y=3 --forward --wrt x

{FORMULAS}

{EXIT_STATUS.format("")}"""

CHECK = f"""\
Compare each variable's gradient with a centered finite difference (the gradcheck report),
then check every op's local gradients numerically (the per-node audit). Variables are passed
to the gradient check in order of first appearance in the formula.

examples:
  chainrule check "log(1 + exp(a*b))" a=0.5 b=-1.5
  chainrule check "relu(x) * y" x=0 y=2          # flags the kink of relu at 0
  chainrule check "x**3 / y" x=2 y=4 --json      # machine-readable

At the edge of a domain (x**1.5 at 0) where x - h (or x + h) is outside for every step, the
numeric estimate is one-sided, and the row's note says so. A row the numbers cannot judge (no
finite estimate, or one too uncertain, e.g. sqrt(x) at 0 where the gradient is inf) is
"undefined": the check could not confirm that gradient, which is not evidence it is wrong.

exit status: 0 when every gradient passes; 1 when any is wrong or suspicious, or on a math error
(an output that overflows to inf has no gradient to check); 2 refused formula, values or options;
3 could not check: no gradient is wrong or suspicious, but some row is undefined

{FORMULAS}"""

PATHS = f"""\
Explain one gradient: d formula / d NAME is the sum, over every path from NAME to the output, of
the product of the local derivatives along it. Lists the largest paths first (at most
--max-paths), counts and sums all of them, and compares the sum with the gradient from backward.
--html writes a page that walks path by path; -o a picture with path --path lit. An output that
cannot be used (unknown -o extension, a folder that does not exist, --path past the paths listed,
--path without -o, a page or picture when no path leads from NAME to the output) is refused before
anything is printed or written, exit 2. Exit 1 when the sum over all paths differs from the
gradient (both nan counts as equal: the same inf × 0 computed twice).

examples:
  chainrule paths "x*y + x" x=2 y=3 --wrt x
  chainrule paths "sin(x) * cos(x) * x" x=0.5 --max-paths 2 --html paths.html
  chainrule paths "x*x + x" x=3 -o path.svg --path 2

{FORMULAS}

{EXIT_STATUS.format(" or a sum that differs from the gradient")}"""

DEMO = """\
Train an MLP (2-16-16-1, as in micrograd's demo) on the two-moons data set, print its training
accuracy, and write its pictures to a folder: decision-boundary.png and neuron.svg (one neuron's
graph with values and gradients).

examples:
  chainrule demo
  chainrule demo --out demo --steps 200 --samples 200 --seed 1 --quiet"""


GPT = """\
Train Karpathy's microgpt model (a GPT with 1 layer, 4 heads, 16 dimensions, at scalar level) on
the US Census first names, one name per step with Adam, print the loss and ten sampled names, and
write to a folder attention-head.svg (one head of the model at one position of a real name, with
its values and gradients) and softmax-backward.html (that head's softmax, backward, step by step).

examples:
  chainrule gpt
  chainrule gpt --steps 300 --out gpt --seed 1
  chainrule gpt --corpus my-names.txt --quiet"""


def build_parser(commands: dict[str, Callable[[argparse.Namespace], int]]) -> argparse.ArgumentParser:
    """The parser for ``chainrule``; ``commands`` maps each subcommand name to the function that runs it.

    >>> parser = build_parser({"check": lambda args: 0})
    >>> args = parser.parse_args(["check", "x*x", "x=3", "--json"])
    >>> args.formula, args.values, args.json
    ('x*x', ['x=3'], True)
    """
    parser = argparse.ArgumentParser(
        prog="chainrule", formatter_class=_RAW, epilog=TOP,
        description="See, step through and check the gradients of a formula (reverse-mode autodiff).",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {chainrule.__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, add in _SUBCOMMANDS.items():
        if name in commands:
            add(subparsers).set_defaults(run=commands[name], command=name)
    return parser


def _formula_parser(subparsers: argparse._SubParsersAction, name: str, summary: str,
                    epilog: str) -> argparse.ArgumentParser:
    sub = subparsers.add_parser(name, help=summary, description=epilog.split("\n\n")[0],
                                epilog=epilog.split("\n\n", 1)[1], formatter_class=_RAW,
                                allow_abbrev=False)  # options_first must know every option by name
    sub.add_argument("formula", help='the formula, quoted, e.g. "tanh(w*x + b)"')
    sub.add_argument("values", nargs="*", metavar="NAME=NUMBER", help="a value for each variable")
    return sub


def _draw(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = _formula_parser(subparsers, "draw", "draw the graph with values and gradients", DRAW)
    sub.add_argument("-o", "--output", metavar="FILE",
                     help='the picture to write (.svg, .dot, .png, .pdf); "-" for SVG on stdout '
                          "(default: stdout, or graph.svg on a terminal)")
    return sub


def _steps(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = _formula_parser(subparsers, "steps", "print the backward pass step by step", STEPS)
    sub.add_argument("--html", metavar="FILE", help="also write a standalone stepper page (- for stdout)")
    sub.add_argument("--forward", action="store_true", help="step through forward mode (needs --wrt)")
    sub.add_argument("--wrt", metavar="NAME", help="with --forward: the variable the tangents are taken by")
    sub.add_argument("--by", choices=("node", "neuron", "layer"), default="node",
                     help="one step per chain-rule application (node, the default); neuron / layer need a"
                          " model's scopes, which a formula does not have (refused; use"
                          " chainrule.step_through(loss, by=...) from Python)")
    sub.add_argument("--focus", metavar="SCOPE",
                     help="the steps inside a model's recorded scope (refused for a formula, which has none)")
    return sub


def _paths(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = _formula_parser(subparsers, "paths", "explain a gradient as a sum over paths", PATHS)
    sub.add_argument("--wrt", metavar="NAME", help="the variable (optional if the formula has one)")
    sub.add_argument("--max-paths", type=_positive, default=20, metavar="N",
                     help="list at most N paths, the largest first (default: 20)")
    sub.add_argument("--html", metavar="FILE", help="also write a page that walks path by path")
    sub.add_argument("-o", "--output", metavar="FILE",
                     help="also write a picture with one path lit (.svg, .dot, ...)")
    sub.add_argument("--path", type=_positive, metavar="K", help="with -o: the path it lights (default: 1)")
    return sub


def _check(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = _formula_parser(subparsers, "check", "check gradients numerically; exit 1 if any is wrong", CHECK)
    sub.add_argument("--json", action="store_true", help="print one JSON object instead of the reports")
    return sub


def _demo(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = subparsers.add_parser("demo", help="train an MLP on two moons and write its pictures",
                                description=DEMO.split("\n\n")[0], epilog=DEMO.split("\n\n", 1)[1],
                                formatter_class=_RAW)
    # None: run_demo's own default (a test keeps these help texts in step with its signature)
    sub.add_argument("--out", metavar="DIR",
                     help="folder for the pictures (default: a new chainrule-demo, -2, -3, ... folder)")
    sub.add_argument("--steps", type=_positive, help="training steps (default: 100)")
    sub.add_argument("--samples", type=_positive, help="moons points (default: 100)")
    sub.add_argument("--seed", type=int, help="seed of the data and the initial weights (default: 1)")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sub.add_argument("--no-compile", action="store_true",
                     help="rebuild the graph every step instead of replaying a compiled step "
                          "from the third on (the same numbers, slower; runs under 9 steps "
                          "are rebuilt anyway)")
    return sub


def _gpt(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    sub = subparsers.add_parser("gpt", help="train a GPT on first names, sample names, picture one head",
                                description=GPT.split("\n\n")[0], epilog=GPT.split("\n\n", 1)[1],
                                formatter_class=_RAW)
    # None: run_gpt's own default (a test keeps these help texts in step with its signature)
    sub.add_argument("--out", metavar="DIR",
                     help="folder for the pictures (default: a new chainrule-gpt, -2, -3, ... folder)")
    sub.add_argument("--steps", type=_positive,
                     help="training steps, one name each (default: 300); microgpt's run is 1000")
    sub.add_argument("--seed", type=int,
                     help="seed of the weights, the name order and the samples (default: 0)")
    sub.add_argument("--corpus", metavar="FILE",
                     help="a text file of documents, one per line (default: the US Census first names)")
    sub.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sub.add_argument("--no-compile", action="store_true",
                     help="rebuild the graph every step, as microgpt does, instead of replaying compiled "
                          "graphs (the same numbers up to rounding, slower)")
    return sub


def _positive(text: str) -> int:
    number = int(text)  # argparse turns the ValueError into "invalid _positive value"
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


_positive.__name__ = "integer"  # argparse names the type in its message

_SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], argparse.ArgumentParser]] = {
    "draw": _draw, "steps": _steps, "check": _check, "paths": _paths, "demo": _demo, "gpt": _gpt,
}


FORMULA_COMMANDS = ("draw", "steps", "check", "paths")
# the formula commands' options that take a value
_TAKES_A_VALUE = {"-o", "--output", "--html", "--by", "--focus", "--wrt", "--max-paths", "--path"}
_SHORT_OPTIONS = {"-o", "-h"}  # matched exactly: "-omega*x" is a formula, not "-o mega*x"


def options_first(argv: Sequence[str]) -> list[str]:
    """Put a formula command's options first and its formula and values after ``--``.

    So a formula may start with "-" (``chainrule draw -x*y x=1 y=2``) and values may follow options.
    Options are the tokens starting with "--" and exactly -o and -h; any other token starting with
    one "-" is the formula (or, after it, a value, which the values parser then names).

    >>> options_first(["draw", "-x*y", "-o", "g.svg", "x=1", "--", "y=2"])
    ['draw', '-o', 'g.svg', '--', '-x*y', 'x=1', 'y=2']
    >>> options_first(["draw", "-omega*x", "omega=2", "--output=g.svg"])
    ['draw', '--output=g.svg', '--', '-omega*x', 'omega=2']
    """
    if not argv or argv[0] not in FORMULA_COMMANDS:
        return list(argv)
    options: list[str] = []
    positionals: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token == "--":
            positionals.extend(tokens)
        elif token.startswith("--") or token in _SHORT_OPTIONS:  # unknown --x too: argparse names it
            options.append(token)
            if token in _TAKES_A_VALUE:
                options.extend(itertools.islice(tokens, 1))
        else:
            positionals.append(token)
    return [argv[0], *options, "--", *positionals]


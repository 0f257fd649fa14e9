"""Bad input through the command: refused with one line and exit 2, or a math error with exit 1;
never a traceback, never a side effect, never a touched output file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Result = Any  # tests/cli/conftest.py: status, out, err

ORIGINAL = b"<svg>the picture from last time</svg>\n"

HOSTILE_FORMULAS = [
    "__import__('os').system('touch pwned')",
    "__import__('os')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__dict__",
    "open('pwned', 'w')",
    "exec('open(\"pwned\", \"w\")')",
    "9**9**9",
    "x ** 9999999",
    "x ** y",
    "(" * 10_000 + "x" + ")" * 10_000,
    "(" * 500 + "x" + ")" * 500,
    "-" * 1500 + "x",
    "lambda: open('pwned', 'w')",
    "[open('pwned', 'w') for _ in 'a']",
    "'pwned'",
    "exp(x=1)",
    "(pwned := 1)",
    "f'{open(1)}'",
    "exp(*x)",
    "x < 1",
    "x or open('pwned', 'w')",
    "x if x else x",
    "x[0]",
    "breakpoint()",
    "x\nimport os",
]


def _refused(result: Result, command: str) -> None:
    assert result.status == 2, result
    assert "Traceback" not in result.err and result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith(f"chainrule {command}: error: ")


def _untouched(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["graph.svg"]
    assert (folder / "graph.svg").read_bytes() == ORIGINAL


@pytest.mark.parametrize("formula", HOSTILE_FORMULAS, ids=lambda t: repr(t[:30]))
def test_hostile_formulas_are_refused_without_side_effects(
    formula: str, cli: Callable[..., Result], tmp_path: Path,
) -> None:
    (tmp_path / "graph.svg").write_bytes(ORIGINAL)
    for command, options in (("draw", ["-o", "graph.svg"]), ("steps", ["--html", "graph.svg"]),
                             ("check", ["--json"])):
        _refused(cli(command, *options, "--", formula, "x=1"), command)
    _untouched(tmp_path)


@pytest.mark.parametrize("formula", [
    "__import__('os').system('touch pwned')", "9**9**9", "(" * 10_000 + "x" + ")" * 10_000,
])
def test_hostile_formulas_through_the_console_script(
    formula: str, run: Callable[..., Result], tmp_path: Path,
) -> None:
    (tmp_path / "graph.svg").write_bytes(ORIGINAL)
    result = run("draw", "-o", "graph.svg", formula, "x=1")
    _refused(result, "draw")
    assert "column" in result.err
    _untouched(tmp_path)


@pytest.mark.parametrize(("values", "message"), [
    (["x=abc"], "'abc' is not a number"),
    (["x=__import__('os').system('touch pwned')"], "is not a number"),
    (["x"], "expected NAME=NUMBER"),
    (["x=1", "x=2"], "x is given twice"),
    (["x=1", "exp=2"], "exp is a function"),
    ([], "no value given for x"),
    (["x=1", "y=2"], "y is given a value but the formula does not use it"),
    (["x=nan"], "finite"),
])
def test_bad_values_are_refused(values: list[str], message: str, cli: Callable[..., Result],
                                tmp_path: Path) -> None:
    (tmp_path / "graph.svg").write_bytes(ORIGINAL)
    result = cli("draw", "exp(x)", *values, "-o", "graph.svg")
    _refused(result, "draw")
    assert message in result.err
    _untouched(tmp_path)


@pytest.mark.parametrize(("formula", "value", "message"), [
    ("log(x)", "x=-1", "log: input must be > 0, got -1.0"),
    ("1 / x", "x=0", "div: division by zero"),
    ("x ** -2", "x=0", "pow: zero to a negative power"),
    ("x ** 0.5", "x=-4", "pow: negative base to a fractional power"),
])
def test_math_errors_exit_1_with_a_message(formula: str, value: str, message: str,
                                           cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "graph.svg").write_bytes(ORIGINAL)
    for command, options in (("draw", ["-o", "graph.svg"]), ("steps", ["--html", "graph.svg"]),
                             ("check", [])):
        result = cli(command, formula, value, *options)
        assert result.status == 1 and result.out == ""
        assert result.err.startswith(f"chainrule {command}: error: math error: {message}")
        assert result.err.count("\n") == 1
    _untouched(tmp_path)


def test_a_math_error_through_the_console_script(run: Callable[..., Result]) -> None:
    result = run("check", "log(x) * y", "x=-2", "y=1")
    assert (result.status, result.out) == (1, "")
    assert result.err == "chainrule check: error: math error: log: input must be > 0, got -2.0\n"


def test_a_formula_with_no_variables_has_nothing_to_check(cli: Callable[..., Result]) -> None:
    result = cli("check", "2 + 3")
    _refused(result, "check")
    assert "no variables" in result.err


def test_usage_errors_exit_2(cli: Callable[..., Result]) -> None:
    for args in (["draw"], ["nope"], ["draw", "x", "x=1", "--bogus"],
                 ["demo", "--steps", "0"], ["demo", "--steps", "many"], []):
        result = cli(*args)
        assert result.status == 2 and "Traceback" not in result.err and "usage:" in result.err, args


def test_an_unwritable_output_is_reported_not_raised(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("draw", "x * 2", "x=1", "-o", str(tmp_path / "no" / "such" / "folder" / "g.svg"))
    assert result.status == 2  # an output that cannot be used is a usage error
    assert result.err.startswith("chainrule draw: error: -o ") and "g.svg" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "no").exists()


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask for Graphviz's ``dot`` on a PATH that has none."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("CHAINRULE_RENDERER", "dot")


def _case_id(part: str | list[str]) -> str:
    return part if isinstance(part, str) else " ".join(part)


RENDERING_COMMANDS = [
    ("draw", ["x*x", "x=2", "-o", "-"]),
    ("draw", ["x*x", "x=2", "-o", "graph.svg"]),
    ("steps", ["x*x", "x=2", "--html", "graph.svg"]),
    ("demo", ["--out", "pictures", "--steps", "1", "--samples", "4", "--quiet"]),
]


@pytest.mark.parametrize(("command", "args"), RENDERING_COMMANDS, ids=_case_id)
def test_no_renderer_is_a_one_line_failure(command: str, args: list[str], no_dot: None,
                                           cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "graph.svg").write_bytes(ORIGINAL)
    result = cli(command, *args)
    assert result.status == 1, result
    assert result.err.startswith(f"chainrule {command}: error: ") and result.err.count("\n") == 1
    assert "no `dot` program" in result.err and "Traceback" not in result.err
    assert (tmp_path / "graph.svg").read_bytes() == ORIGINAL


@pytest.mark.parametrize(("command", "args"), RENDERING_COMMANDS, ids=_case_id)
def test_a_bad_renderer_choice_is_refused(command: str, args: list[str], monkeypatch: pytest.MonkeyPatch,
                                          cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "graph.svg").write_bytes(ORIGINAL)
    monkeypatch.setenv("CHAINRULE_RENDERER", "cairo")
    result = cli(command, *args)
    assert result.status == 2, result
    assert result.err.startswith(f"chainrule {command}: error: ") and result.err.count("\n") == 1
    assert "'cairo'" in result.err and "CHAINRULE_RENDERER" in result.err
    assert (tmp_path / "graph.svg").read_bytes() == ORIGINAL


def test_no_renderer_through_the_console_script(no_dot: None, run: Callable[..., Result]) -> None:
    result = run("draw", "x*x", "x=2", "-o", "-")
    assert (result.status, result.out) == (1, "")
    assert result.err.startswith("chainrule draw: error: renderer 'dot' was asked for, but there is no `dot`")
    assert result.err.count("\n") == 1

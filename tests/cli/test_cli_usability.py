"""The command line as a new user meets it, through the installed console script: constants and
b ** x in formulas, hints in the user's own names, draw on a terminal, exit codes as --help says."""

from __future__ import annotations

import json
import math
import os
import pty
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Result, command


def test_pi_and_e_are_constants(run: Callable[..., Result]) -> None:
    result = run("check", "pi * r**2 + e", "r=2", "--json")
    report = json.loads(result.out)
    assert result.status == 0 and report["output"] == pytest.approx(4 * math.pi + math.e, rel=1e-15)
    assert report["gradients"] == {"r": pytest.approx(4 * math.pi, rel=1e-15)}  # pi and e are no variables
    refused = run("check", "e * x", "x=1", "e=3")
    assert refused.status == 2 and "e is the constant 2.718281828459045, not a variable" in refused.err


def test_a_positive_number_to_a_variable_power(run: Callable[..., Result]) -> None:
    result = run("check", "2**x", "x=3", "--json")
    report = json.loads(result.out)
    assert result.status == 0 and report["output"] == 8.0
    assert report["gradients"]["x"] == pytest.approx(8 * math.log(2), rel=1e-15) and report["ok"]
    for formula, where in [("(-2)**x", "'-2'"), ("0**x", "'0'")]:
        refused = run("check", formula, "x=1")
        assert refused.status == 2 and "base of a variable power must be a number > 0" in refused.err
        assert refused.err.rstrip().endswith(where)


@pytest.mark.parametrize(("formula", "hint"), [
    ("a ** b", "exp(b * log(a))"), ("(u + 1) ** (w - 1)", "exp((w - 1) * log(u + 1))"),
])
def test_a_value_exponent_hint_uses_the_users_names(formula: str, hint: str,
                                                    run: Callable[..., Result]) -> None:
    result = run("check", formula, "a=2", "b=3")
    assert result.status == 2 and f"write {hint})" in result.err and result.out == ""


def test_every_missing_name_is_listed(run: Callable[..., Result]) -> None:
    result = run("check", "x*y + z", "y=1")
    assert result.status == 2
    assert result.err == "chainrule check: error: no value given for x, z (add x=NUMBER z=NUMBER)\n"


@pytest.mark.parametrize(("formula", "suggestion"), [
    ("x^2", "for a power write x ** 2"), ("(x + 1)^3", "for a power write (x + 1) ** 3"),
    ("2x + 1", "write 2*x to multiply"), ("3 * 0.5y", "write 0.5*y to multiply"),
])
def test_common_slips_get_a_suggestion(formula: str, suggestion: str, run: Callable[..., Result]) -> None:
    result = run("steps", formula, "x=1", "y=1")
    assert result.status == 2 and suggestion in result.err and result.err.count("\n") == 1


def test_an_overflow_is_a_math_error_not_a_failed_gradient(run: Callable[..., Result]) -> None:
    result = run("check", "exp(x)", "x=1000")
    assert (result.status, result.out) == (1, "")  # no "= inf", no FAILED report
    assert result.err.count("\n") == 1 and result.err.startswith("chainrule check: error: math error: ")
    assert "exp produced inf" in result.err and "x=1000" in result.err and "overflows" in result.err


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the console script with a pseudo-terminal as standard output."""
    leader, follower = pty.openpty()
    done = subprocess.run([*command(), *args], cwd=cwd, stdout=follower, stderr=subprocess.PIPE,
                          text=True, timeout=120, check=False)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed: everything was read
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return done.returncode, out.decode(), done.stderr


def test_draw_without_o_on_a_terminal_writes_graph_svg(tmp_path: Path, run: Callable[..., Result]) -> None:
    status, out, err = _on_a_terminal(["draw", "x*x", "x=2"], tmp_path)
    assert status == 0 and "<svg" not in out and "<?xml" not in out
    assert err.startswith("wrote graph.svg (standard output is a terminal")
    assert "grad 4" in (tmp_path / "graph.svg").read_text()
    status, _, err = _on_a_terminal(["draw", "x*x", "x=3"], tmp_path)  # never overwrites: the next name
    assert status == 0 and err.startswith("wrote graph-2.svg")
    assert "grad 6" in (tmp_path / "graph-2.svg").read_text()
    piped = run("draw", "x*x", "x=2")  # a pipe still gets SVG
    assert piped.status == 0 and piped.out.startswith("<?xml") and "grad 4" in piped.out


def _no_dot_path(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


def test_unusable_outputs_are_usage_errors_before_anything_is_printed(tmp_path: Path,
                                                                      run: Callable[..., Result]) -> None:
    (tmp_path / "a-file").write_text("kept")
    cases = [
        (["steps", "x*x", "x=2", "--html", "missing/steps.html"], "--html missing/steps.html: the folder"),
        (["draw", "x*x", "x=2", "-o", "missing/g.svg"], "-o missing/g.svg: the folder missing does not"),
        (["draw", "x*x", "x=2", "-o", "g.bmp"], "-o g.bmp: use one of the extensions"),
        (["demo", "--out", "a-file/pictures", "--steps", "1", "--samples", "4"], "a-file is a file"),
    ]
    for args, message in cases:
        result = run(*args)
        assert (result.status, result.out) == (2, ""), (args, result)
        assert result.err.count("\n") == 1 and message in result.err, (args, result.err)
    png = subprocess.run([*command(), "draw", "x*x", "x=2", "-o", "g.png"], cwd=tmp_path, capture_output=True,
                         text=True, env=_no_dot_path(tmp_path), timeout=120, check=False)
    assert (png.returncode, png.stdout) == (2, "")
    assert ".png needs Graphviz's dot program" in png.stderr and not (tmp_path / "g.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "empty-bin"]


def test_help_states_the_exit_codes_the_commands_use(run: Callable[..., Result]) -> None:
    text = " ".join(run("--help").out.split())
    assert "1 math error (log of a negative, division by zero, overflow)" in text
    assert "2 refused formula, values or options (an output that cannot be used" in text
    assert ".png without Graphviz's dot), reported before anything is printed or written" in text


def test_the_demo_progress_bar_ends_on_the_model_the_summary_describes(tmp_path: Path,
                                                                       run: Callable[..., Result]) -> None:
    result = run("demo", "--steps", "2", "--samples", "10", "--seed", "7", "--out", "d")
    assert result.status == 0
    bar = re.findall(r"acc=([\d.]+)%, loss=([\d.]+)", result.err)[-1]
    summary = re.search(r"training accuracy ([\d.]+)% \(loss ([\d.]+)\)", result.out).groups()
    assert bar == summary, (result.err, result.out)


def test_sqrt_and_min_gradients_through_the_console_script(run: Callable[..., Result]) -> None:
    report = json.loads(run("check", "sqrt(x) + min(x, y) * pi", "x=4", "y=1", "--json").out)
    assert report["ok"] and report["output"] == pytest.approx(2 + math.pi, rel=1e-15)
    assert report["gradients"] == {"x": pytest.approx(0.25, rel=1e-15),
                                   "y": pytest.approx(math.pi, rel=1e-15)}
    refused = run("check", "sqrt(x)", "x=-1")
    assert (refused.status, refused.out) == (1, "") and "sqrt" in refused.err and "math error" in refused.err

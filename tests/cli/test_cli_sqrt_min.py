"""sqrt and min on the command line, through the installed console script."""

from __future__ import annotations


def test_the_command_knows_sqrt_and_min(run) -> None:  # type: ignore[no-untyped-def]
    done = run("check", "sqrt(x) * min(x, y)", "x=4", "y=1")
    assert done.status == 0, done.err
    assert done.out.startswith("sqrt(x) * min(x, y) = 2\n")
    assert "1  sqrt " in done.out and "3  min " in done.out  # audit rows of both ops
    steps = run("steps", "sqrt(x) * min(x, y)", "x=4", "y=1").out
    assert "min routes: y = 1 is the smaller input" in steps and "√: local = 1 / (2√x)" in steps
    help_text = run("--help").out
    assert " sqrt " in help_text and " min" in help_text and "max and min take two arguments" in help_text

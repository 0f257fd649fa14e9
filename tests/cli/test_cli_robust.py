"""Command-line edge cases from issue 14 (items 5, 13-16)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from chainrule import DomainError, Value
from chainrule.formula import parse_formula, parse_values
from tests.cli.conftest import Result, command


def test_check_at_the_edge_of_a_domain_reports_an_undefined_row_not_a_math_error(
        cli: Callable[..., Result]) -> None:
    # x**1.5 at 0 is now checked one-sided (review finding 11); no finite side at all stays undefined
    result = cli("check", "x**1.5 + (-x)**1.5", "x=0")
    assert result.status == 3 and "math error" not in result.out + result.err
    assert "undefined" in result.out and "not finite at x or x ± h" in result.out
    assert "COULD NOT CHECK" in result.out and "FAILED" not in result.out


# --- item 13: `--html -` is standard output, as `draw -o -` -------------------------------------


def test_steps_html_dash_writes_the_page_to_stdout_not_a_file_named_dash(cli: Callable[..., Result],
                                                                         tmp_path: Path) -> None:
    result = cli("steps", "a * b", "a=2", "b=3", "--html", "-")
    assert result.status == 0 and not (tmp_path / "-").exists()
    page = result.out.strip()
    assert page.lower().startswith("<!doctype html") and page.endswith("</html>")
    assert "chain-rule steps" in result.err  # the table moved to stderr


def test_paths_and_forward_steps_html_dash_write_to_stdout_too(cli: Callable[..., Result],
                                                               tmp_path: Path) -> None:
    for args in (["paths", "x * x", "x=3", "--html", "-"],
                 ["steps", "x * x", "x=3", "--forward", "--wrt", "x", "--html", "-"]):
        result = cli(*args)
        assert result.status == 0 and not (tmp_path / "-").exists(), args
        assert result.out.rstrip().endswith("</html>"), args


# --- item 14: NAME=NUMBER names are normalised like the formula's (NFKC) ------------------------


def test_a_compatibility_character_in_a_name_matches_the_formula(cli: Callable[..., Result]) -> None:
    result = cli("check", "\ufb01*2", "\ufb01=1", "--json")  # ﬁ, the ligature, reads as fi
    assert result.status == 0, result.err
    assert json.loads(result.out)["gradients"] == {"fi": 2.0}
    assert parse_values(["\ufb01=1"]) == {"fi": 1.0}


# --- item 15: running out of memory is one line, never a traceback ------------------------------


def test_out_of_memory_is_a_one_line_error(cli: Callable[..., Result],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import chainrule.cli.demo as demo

    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(demo, "make_moons", no_memory)
    result = cli("demo", "--samples", "300000000", "--quiet")
    assert result.status == 1 and "Traceback" not in result.err
    assert result.err.strip().splitlines() == [result.err.strip()] and "out of memory" in result.err


@pytest.mark.slow
def test_demo_with_too_many_samples_under_a_memory_limit_fails_in_one_line(tmp_path: Path) -> None:
    import resource
    import subprocess

    limit = 1 << 30  # 1 GiB of address space: far less than 300 million points need

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run([*command(), "demo", "--samples", "300000000", "--quiet"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False, preexec_fn=limited)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-500:]
    assert "out of memory" in done.stderr


# --- item 16: a formula on plain numbers has the semantics of Values ----------------------------


@pytest.mark.parametrize(("text", "x", "expected"), [
    ("x**0.5", -1.0, DomainError), ("x**1000", 10.0, math.inf), ("x/0", 1.0, DomainError),
    ("log(x)", 0.0, DomainError), ("exp(x)", 1000.0, math.inf),
])
def test_evaluate_on_numbers_is_evaluate_on_values(text: str, x: float, expected: object) -> None:
    formula = parse_formula(text)
    outcomes = []
    for given in (x, Value(x)):
        try:
            outcomes.append(formula.evaluate({"x": given}).data)
        except DomainError:
            outcomes.append(DomainError)
    assert outcomes == [expected, expected]

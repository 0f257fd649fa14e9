"""Command-line edge cases from issue 14 (items 5, 13-16)."""

from __future__ import annotations

from collections.abc import Callable

from tests.cli.conftest import Result


def test_check_at_the_edge_of_a_domain_reports_an_undefined_row_not_a_math_error(
        cli: Callable[..., Result]) -> None:
    result = cli("check", "x**1.5", "x=0")
    assert result.status == 1 and "math error" not in result.out + result.err
    assert "undefined" in result.out and "not finite at x or x ± h" in result.out

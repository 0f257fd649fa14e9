"""``chainrule steps --by neuron|layer`` and ``--focus`` on a formula (review finding 6): a formula
records no scopes, so they are refused (exit 2) before anything is evaluated or printed, rather than
printing a per-op grouping under the title "by neuron"."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("option", [("--by", "neuron"), ("--by", "layer"), ("--focus", "layers.0")])
def test_console_script_refuses_scopes_on_a_formula(run, option) -> None:
    result = run("steps", "x*y + x", "x=2", "y=3", *option)
    assert result.status == 2 and result.out == ""
    assert f"{' '.join(option)}: a formula has no neurons, layers or other scopes" in result.err
    assert "chainrule.step_through(loss, by='neuron')" in result.err


def test_refused_before_the_formula_is_evaluated(cli) -> None:
    result = cli("steps", "log(x)", "x=-1", "--by", "layer")  # evaluating would be a math error, exit 1
    assert result.status == 2 and "a formula has no neurons" in result.err and result.out == ""


def test_by_node_is_still_the_default_and_accepted(cli) -> None:
    assert cli("steps", "x*y", "x=2", "y=3", "--by", "node").status == 0

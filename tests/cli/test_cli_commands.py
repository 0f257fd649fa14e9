"""Each subcommand end to end through the installed console script, plus in-process details."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

import chainrule
from chainrule import OPS

Result = Any  # tests/cli/conftest.py: status, out, err
SVG = "{http://www.w3.org/2000/svg}svg"


def _svg_text(svg: str) -> str:
    root = ElementTree.fromstring(svg)  # raises unless well-formed
    assert root.tag == SVG
    return " ".join(t for t in root.itertext() if t.strip())


def test_draw_writes_an_svg_with_names_values_and_gradients(run: Callable[..., Result],
                                                            tmp_path: Path) -> None:
    result = run("draw", "tanh(w*x + b)", "x=2", "w=-3", "b=6.88", "-o", "graph.svg")
    assert (result.status, result.out) == (0, "")
    text = _svg_text((tmp_path / "graph.svg").read_text())
    for name in ("x", "w", "b", "tanh"):
        assert name in text
    assert "0.7064" in text  # tanh(0.88), the output's data
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temporary file left behind


def test_draw_to_stdout(run: Callable[..., Result]) -> None:
    result = run("draw", "x*x + sin(x)", "x=0.5", "-o", "-")
    assert result.status == 0 and result.err == ""
    assert "x" in _svg_text(result.out)


def test_draw_replaces_an_existing_file(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "g.svg").write_text("old")
    assert cli("draw", "x * 2", "x=1", "-o", "g.svg").status == 0
    _svg_text((tmp_path / "g.svg").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


def test_draw_writes_dot_text(cli: Callable[..., Result], tmp_path: Path) -> None:
    assert cli("draw", "a * a", "a=3", "-o", "g.dot").status == 0
    text = (tmp_path / "g.dot").read_text()
    assert text.startswith("digraph") and "grad 6" in text  # d(a*a)/da = 2a, both edges drawn


def test_draw_refuses_an_unknown_format_and_leaves_the_file(cli: Callable[..., Result],
                                                           tmp_path: Path) -> None:
    (tmp_path / "g.gif").write_text("old")
    result = cli("draw", "x * 2", "x=1", "-o", "g.gif")
    assert result.status == 2 and "gif" in result.err and result.err.count("\n") == 1
    assert (tmp_path / "g.gif").read_text() == "old" and len(list(tmp_path.iterdir())) == 1


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_steps_prints_the_table_and_writes_the_page(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("steps", "x*y + x", "x=2", "y=3", "--html", "steps.html")
    assert result.status == 0
    lines = result.out.splitlines()
    assert sum(line.lstrip()[:1].isdigit() for line in lines) == 4  # a + a*b: four chain-rule steps
    page = (tmp_path / "steps.html").read_text()
    parser = _Page()
    parser.feed(page)
    assert {"html", "svg", "button", "script"} <= set(parser.tags)
    assert "x*y + x" in page and "http://" not in page.replace("http://www.w3.org", "")


def test_steps_agrees_with_backward(cli: Callable[..., Result]) -> None:
    result = cli("steps", "a*a", "a=3")
    assert result.status == 0
    assert result.out.count("\n") >= 3 and "6" in result.out.splitlines()[-1]


def test_check_passes_and_exits_0(run: Callable[..., Result]) -> None:
    result = run("check", "log(1 + exp(a*b))", "a=0.5", "b=-1.5")
    assert result.status == 0, result
    assert "gradcheck" in result.out and "audit" in result.out and "good" in result.out


def test_check_exits_3_when_the_numeric_gradient_cannot_confirm(run: Callable[..., Result]) -> None:
    result = run("check", "sin(1000000000000000*x)", "x=1")  # no float step is small enough for this
    assert result.status == 3 and "undefined" in result.out and "too uncertain" in result.out
    assert "COULD NOT CHECK" in result.out
    assert "wrong" not in result.out  # the analytic gradient is right: never a false alarm


def test_check_exits_1_and_names_the_op_with_a_wrong_rule(cli: Callable[..., Result],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OPS["sin"], "local_grads", lambda m, out, x: (m.sin(x),))  # should be cos
    result = cli("check", "sin(x) * y", "x=1", "y=2", "--json")
    report = json.loads(result.out)
    assert result.status == 1 and not report["ok"]
    assert [row["band"] for row in report["gradcheck"]["rows"]] == ["wrong", "good"]
    assert [node["op"] for node in report["audit"]["nodes"] if node["band"] == "wrong"] == ["sin"]


def test_check_a_kink_is_not_a_failure(cli: Callable[..., Result]) -> None:
    result = cli("check", "relu(x) * y", "x=0", "y=2", "--json")
    report = json.loads(result.out)
    assert result.status == 0 and report["gradcheck"]["rows"][0]["band"] == "kink"


def test_check_json_is_strict_json_with_inf_and_nan_as_strings(cli: Callable[..., Result]) -> None:
    result = cli("check", "x ** 0.5", "x=0", "--json")
    report = json.loads(result.out, parse_constant=lambda name: pytest.fail(f"non-standard {name}"))
    assert result.status == 3 and report["gradients"] == {"x": "inf"}
    assert report["gradcheck"]["rows"][0]["band"] == "undefined"
    assert report["could_not_check"] is True and report["ok"] is False


def test_help_has_examples_for_every_command(cli: Callable[..., Result]) -> None:
    for command in ([], ["draw"], ["steps"], ["check"], ["demo"]):
        result = cli(*command, "--help")
        assert result.status == 0 and "examples:" in result.out and "chainrule " in result.out


def test_version(run: Callable[..., Result]) -> None:
    result = run("--version")
    assert (result.status, result.out.strip()) == (0, f"chainrule {chainrule.__version__}")


@pytest.mark.slow
def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "chainrule", "check", "x*x", "x=3", "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["gradients"] == {"x": 6.0}


def test_options_and_values_in_any_order_and_a_leading_minus(cli: Callable[..., Result]) -> None:
    for args in (["-x*y", "x=2", "y=3", "--json"], ["--json", "-x*y", "y=3", "x=2"],
                 ["-x*y", "--json", "x=2", "y=3"], ["--json", "--", "-x*y", "x=2", "y=3"]):
        result = cli("check", *args)
        assert result.status == 0, args
        assert json.loads(result.out)["gradients"] == {"x": -3.0, "y": -2.0}


def test_demo_trains_and_writes_its_pictures(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("demo", "--out", "pictures", "--steps", "3", "--samples", "12", "--seed", "2")
    assert result.status == 0, result
    assert "training accuracy" in result.out and "12 moons points" in result.out
    folder = tmp_path / "pictures"
    assert (folder / "decision-boundary.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    _svg_text((folder / "neuron.svg").read_text())


def test_demo_quiet_prints_nothing(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("demo", "--out", "d", "--steps", "1", "--samples", "4", "--quiet")
    assert (result.status, result.out) == (0, "")
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["decision-boundary.png", "neuron.svg"]


def test_demo_into_a_file_is_an_error_not_a_traceback(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")
    result = cli("demo", "--out", "taken", "--steps", "1", "--samples", "4", "--quiet")
    assert result.status == 2 and result.err.startswith("chainrule demo: error: --out taken: ")
    assert (tmp_path / "taken").read_text() == "a file"


def test_demo_help_states_run_demos_defaults(cli: Callable[..., Result]) -> None:
    from chainrule.cli.demo import run_demo

    defaults = {name: p.default for name, p in inspect.signature(run_demo).parameters.items()}
    help_text = " ".join(cli("demo", "--help").out.split())
    for option in ("steps", "samples", "seed"):
        assert re.search(rf"--{option} \S+ .*?\(default: {defaults[option]}\)", help_text), option


def test_steps_refuses_a_formula_with_no_op_and_writes_nothing(cli: Callable[..., Result],
                                                               tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    result = cli("steps", "x", "x=2", "--html", str(page))
    assert result.status == 2 and "single value" in result.err and "Traceback" not in result.err
    assert not page.exists()


@pytest.mark.parametrize(("command", "options"), [
    ("draw", ["-o", "g.dot"]), ("draw", ["--output", "g.dot"]), ("draw", ["--output=g.dot"]),
    ("steps", ["--html", "g.html"]), ("steps", []), ("check", ["--json"]), ("check", []),
])
def test_a_formula_starting_with_minus_o_is_the_formula(command: str, options: list[str],
                                                        cli: Callable[..., Result], tmp_path: Path) -> None:
    for args in (["-omega*x", "omega=2", "x=1", *options], [*options, "-omega*x", "omega=2", "x=1"],
                 ["-oh*x", *options, "oh=2", "x=1"]):
        result = cli(command, *args)
        assert result.status == 0, (args, result)
        assert not (tmp_path / "mega*x").exists() and not (tmp_path / "h*x").exists()
        if command == "check" and "--json" in options:
            gradients = json.loads(result.out)["gradients"]
            assert gradients == {"omega": -1.0, "x": -2.0} or gradients == {"oh": -1.0, "x": -2.0}
    if command == "draw" and options:
        assert "grad -2" in (tmp_path / "g.dot").read_text()  # d(-omega*x)/d(omega) at x=1, omega=2


def test_a_value_that_looks_like_a_short_option_is_refused_by_name(cli: Callable[..., Result],
                                                                   tmp_path: Path) -> None:
    result = cli("draw", "x*y", "x=1", "y=2", "-omega")
    assert result.status == 2 and "expected NAME=NUMBER, got '-omega'" in result.err
    assert not (tmp_path / "mega").exists()


@pytest.mark.filterwarnings("ignore::chainrule.viz.GraphTooLargeWarning")  # draw shows 400 of 999 nodes
@pytest.mark.parametrize(("command", "options"),
                         [("draw", ["-o", "g.dot"]), ("steps", []), ("check", ["--json"])])
def test_a_long_flat_sum_runs_through_every_command(command: str, options: list[str],
                                                    cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli(command, "+".join(["x"] * 999), "x=1", *options)  # 998 additions, within MAX_LENGTH
    assert result.status == 0 and "Traceback" not in result.err, result.err[-300:]
    if command == "draw":
        assert "grad 999" in (tmp_path / "g.dot").read_text()
    elif command == "steps":
        assert "1996 chain-rule steps" in result.out
    else:
        assert json.loads(result.out)["gradients"] == {"x": 999.0}


def test_a_summarised_picture_is_noted_in_one_line_without_a_warning_trace(cli: Callable[..., Result],
                                                                          tmp_path: Path) -> None:
    formula = " + ".join(["x"] * 450)  # 450 leaves' worth of nodes: more than the picture's 400
    result = cli("draw", formula, "x=1", "-o", str(tmp_path / "big.dot"))  # DOT: no slow layout
    assert result.status == 0
    notes = [line for line in result.err.splitlines() if "note:" in line]
    assert len(notes) == 1 and "more than 400 nodes" in notes[0]
    assert "Warning" not in result.err and ".py:" not in result.err

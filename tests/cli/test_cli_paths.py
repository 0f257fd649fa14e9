"""``chainrule paths`` and ``chainrule steps --forward``: in-process, and as the installed console script."""

from __future__ import annotations

import pytest

from chainrule import Value


def test_paths_lists_each_path_and_agrees_with_backward(cli) -> None:
    result = cli("paths", "x*y + x", "x=2", "y=3", "--wrt", "x")
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "d(x*y + x)/dx as a sum over 2 paths (largest first): 3 + 1 = 4"
    assert "x → x*y → x*y + x  3 × 1" in result.out and lines[-1] == "sum over all 2 paths = 4 = x.grad ✓"


def test_paths_with_a_single_variable_needs_no_wrt_and_limits_the_listing(cli) -> None:
    result = cli("paths", "sin(x) * cos(x) * x", "x=0.5", "--max-paths", "2")
    assert result.status == 0, result.err
    x = Value(0.5)
    y = x.sin() * x.cos() * x
    y.backward()
    assert "as a sum over 3 paths" in result.out and "1 smaller paths left out (max_paths=2)" in result.out
    assert f"= {x.grad:.4g} = x.grad ✓" in result.out


def test_paths_writes_the_page_and_a_picture_of_one_path(cli, tmp_path) -> None:
    result = cli("paths", "x*x + x", "x=3", "--html", "walk.html", "-o", "path.dot", "--path", "3")
    assert result.status == 0, result.err
    page = (tmp_path / "walk.html").read_text(encoding="utf-8")
    assert page.count('<tr class="cr-path-row"') == 3 and "= x.grad ✓" in page
    dot = (tmp_path / "path.dot").read_text(encoding="utf-8")
    assert "path 3 of 3: x → x*x + x" in dot and 'id="n2_in1", color="#ea580c"' in dot
    assert "wrote walk.html" in result.err and "wrote path.dot" in result.err


def test_paths_refusals_exit_2_and_name_the_problem(cli, tmp_path) -> None:
    needs = cli("paths", "x*y", "x=1", "y=2")
    assert needs.status == 2 and needs.err.endswith("--wrt is needed: the formula has the variables x, y\n")
    bad = cli("paths", "x*y", "x=1", "y=2", "--wrt", "z")
    assert bad.status == 2 and "--wrt 'z' is not a variable of the formula (its variables: x, y)" in bad.err
    far = cli("paths", "x*x", "x=1", "-o", "p.svg", "--path", "5")
    assert far.status == 2 and "--path 5: the report lists 2 path(s)" in far.err
    assert not (tmp_path / "p.svg").exists()
    assert cli("paths", "x*x", "x=1", "--max-paths", "0").status == 2  # argparse: must be at least 1
    for option, target in (("-o", "graph.txt"), ("-o", "no/such/p.svg"), ("--html", "no/such/p.html")):
        refused = cli("paths", "x*x", "x=1", option, target)
        assert refused.status == 2 and refused.out == "" and option in refused.err, refused


def test_steps_forward_prints_the_tangent_steps(cli) -> None:
    result = cli("steps", "x*y + x", "x=2", "y=3", "--forward", "--wrt", "x")
    assert result.status == 0, result.err
    first, header, *rows = result.out.splitlines()
    assert first.startswith("forward mode d/dx of x*y + x: 3 chain-rule steps") and first.endswith("= 4")
    assert header.split()[:3] == ["#", "input", "tangent"] and len(rows) == 3
    assert "x's tangent passes into x*y + x's tangent unchanged" in rows[2]


def test_steps_forward_refusals(cli) -> None:
    assert cli("steps", "x*y", "x=2", "y=3", "--forward").status == 2
    wrt_alone = cli("steps", "x*y", "x=2", "y=3", "--wrt", "x")
    assert wrt_alone.status == 2 and "--wrt is for --forward" in wrt_alone.err


@pytest.mark.slow
def test_console_script_paths_and_forward_steps(run, tmp_path) -> None:
    done = run("paths", "tanh(w*x + b)", "x=2", "w=-3", "b=6.88", "--wrt", "w", "--html", "p.html")
    assert done.status == 0, done.err
    x, w, b = Value(2.0), Value(-3.0), Value(6.88)
    (w * x + b).tanh().backward()
    assert f"= {w.grad:.4g} = w.grad ✓" in done.out and (tmp_path / "p.html").exists()
    stepped = run("steps", "-x*y + x", "x=2", "y=3", "--forward", "--wrt=x", "--html", "f.html")
    assert stepped.status == 0, stepped.err
    assert stepped.out.splitlines()[0].endswith("= -2")
    assert "Forward mode d/dx" in (tmp_path / "f.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_console_script_refuses_unusable_paths_outputs_before_printing(run, tmp_path) -> None:
    # review finding 3: the table used to be printed first, then exit 2 (or 1 for --html), or --path ignored
    cases = {
        ("x*x", "x=2", "-o", "p.xyz"): "-o p.xyz: use one of the extensions",
        ("x*y+x", "x=2", "y=3", "--wrt", "x", "-o", "p.svg", "--path", "5"):
            "--path 5: the report lists 2 path(s), numbered from 1",
        ("x*x", "x=2", "--path", "3"): "--path 3: --path chooses the path -o draws; give -o FILE too",
        ("x*x", "x=2", "--html", str(tmp_path / "no" / "p.html")): "the folder",
        ("x*x", "x=2", "-o", str(tmp_path / "no" / "p.svg")): "the folder",
        ("x*x", "x=2", "--html", "-", "-o", "p.svg", "--path", "9"): "--path 9: the report lists 2 path(s)",
    }
    for args, message in cases.items():
        result = run("paths", *args)
        assert result.status == 2, (args, result)
        assert result.out == "" and message in result.err, (args, result)
        assert "sum over" not in result.err  # no table on stderr either
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_paths_refuses_options_before_evaluating_the_formula(cli) -> None:
    # the formula would be a math error if evaluated: the option refusal (exit 2) comes first
    result = cli("paths", "log(x)", "x=-1", "-o", "p.xyz")
    assert result.status == 2 and "-o p.xyz" in result.err and result.out == ""


def _no_path_report(monkeypatch) -> None:
    """Explain the gradient of a leaf the formula does not reach (a formula's variables always
    reach it and --max-paths is >= 1, so the console script cannot get here with a formula)."""
    import chainrule.check.paths as paths_module

    real = paths_module.paths
    unreached = Value(1.0, label="w")
    monkeypatch.setattr(paths_module, "paths", lambda output, leaf, **k: real(output, unreached, **k))


@pytest.mark.parametrize("option", [["--html", "walk.html"], ["-o", "path.svg"], ["-o", "path.svg",
                                                                                 "--path", "1"]])
def test_no_path_refuses_a_page_or_picture_before_printing_and_writes_nothing(cli, tmp_path, monkeypatch,
                                                                              option) -> None:
    _no_path_report(monkeypatch)
    result = cli("paths", "x*y", "x=1", "y=2", "--wrt", "x", *option)
    assert (result.status, result.out) == (2, "")
    assert result.err.endswith(f"error: {option[0]}: d(x*y)/dw: no path leads from w to x*y, so the gradient"
                               f" is 0: there is no path to walk or draw (without {option[0]}, the report"
                               " says so)\n")
    assert list(tmp_path.iterdir()) == []


def test_no_path_is_an_answer_in_text(cli, monkeypatch) -> None:
    _no_path_report(monkeypatch)
    result = cli("paths", "x*y", "x=1", "y=2", "--wrt", "x")
    assert result.status == 0
    assert result.out == "d(x*y)/dw: no path leads from w to x*y, so the gradient is 0\n"


@pytest.mark.slow
def test_console_script_nan_path_sum_and_gradient_agree_exit_0_and_write_the_page(run, tmp_path) -> None:
    result = run("paths", "0*sqrt(x)", "x=0", "--html", "walk.html")
    assert result.status == 0, result.err
    assert result.out.splitlines()[-1] == ("sum over the 1 path = nan = x.grad ✓ (both nan: an inf × 0 or"
                                           " inf − inf on the way)")
    assert "x.grad ✓" in (tmp_path / "walk.html").read_text(encoding="utf-8")

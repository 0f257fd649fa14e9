"""The README stays true: its Python tour runs, and its two commands are the ones CI uses."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_the_tour_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the tour writes its pictures here
    blocks = fenced("python")
    assert blocks, "README has no python block"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert capsys.readouterr().out == fenced("text")[0], "the tour's printed output drifted from the README"
    for block in blocks[1:]:
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "tanh.svg").read_text().startswith("<?xml")
    assert "<html" in (tmp_path / "steps.html").read_text().lower()


def test_two_one_line_commands_and_ci_runs_the_test_one():
    commands = [line for block in fenced("bash") for line in block.splitlines() if line.strip()]
    assert any(line.endswith("chainrule demo") for line in commands)
    test_command = next(line for line in commands if "pytest" in line)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_pictures_exist():
    for picture in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / picture).is_file(), picture


def test_standalone_snippets_run_in_a_fresh_interpreter(tmp_path):
    """```py blocks (e.g. the gc.freeze() advice) change process state, so each runs on its own."""
    snippets = fenced("py")
    assert any("gc.freeze()" in snippet for snippet in snippets)
    for snippet in snippets:
        subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, check=True, timeout=120)

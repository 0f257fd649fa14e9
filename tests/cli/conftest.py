"""Running the ``chainrule`` command: in-process through ``main(argv)`` (fast) or as the installed
console script in a subprocess (end to end)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainrule.cli import main


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str


def command() -> list[str]:
    """The console script of this interpreter's environment, else the one on PATH, else -m."""
    script = Path(sys.executable).with_name("chainrule")
    if script.exists():
        return [str(script)]
    found = shutil.which("chainrule")
    return [found] if found else [sys.executable, "-m", "chainrule"]


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Result]:
    """Run the console script in a fresh folder (tmp_path) and capture everything."""

    def run(*args: str, cwd: Path = tmp_path) -> Result:
        done = subprocess.run([*command(), *args], cwd=cwd, capture_output=True, text=True,
                              timeout=120, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``main(argv)`` in-process, in tmp_path; argparse's SystemExit becomes the status."""
    monkeypatch.chdir(tmp_path)

    def cli(*args: str) -> Result:
        capsys.readouterr()
        try:
            status = main(list(args))
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else 1
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return cli

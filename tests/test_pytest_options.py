"""The default pytest options: a skipped test is listed with its reason in the summary, so a
contributor sees what did not run (e.g. the browser tests where Chromium is missing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"


def test_skip_reasons_are_in_the_summary(tmp_path: Path) -> None:
    (tmp_path / "test_needs_a_browser.py").write_text(
        "import pytest\n\n\ndef test_page():\n    pytest.skip('no Chromium found at /usr/bin/chromium')\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-c", str(PYPROJECT), "--rootdir", str(tmp_path),
                           "-p", "no:cacheprovider", "-n", "0", "test_needs_a_browser.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED [1]")]
    assert summary and summary[0].endswith("no Chromium found at /usr/bin/chromium"), done.stdout

"""``chainrule gpt``: training, the printed summary and samples, the head picture and the stepper page."""

from __future__ import annotations

import inspect
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from chainrule.cli.gpt import run_gpt
from tests.viz.test_steps_browser import browser, open_page  # noqa: F401 (browser is a fixture)

from .conftest import Result

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gpt")
    return run_gpt(folder / "out", steps=3, seed=1, quiet=True)


def svg_texts(path: Path) -> list[str]:
    return [t.text or "" for t in ET.parse(path).getroot().iter(SVG + "text")]


def test_the_head_picture_shows_one_head_clustered_by_module(small_run):
    texts = svg_texts(small_run.head_svg)
    assert {"blocks.0", "attn", "heads.0", "scores", "softmax", "mix"} <= set(texts)  # cluster labels
    position = 2  # the third character of the pictured name: keys and values of positions 0, 1, 2
    assert {f"k{t}.{j}" for t in range(position + 1) for j in range(4)} <= set(texts)
    assert {f"v{t}.{j}" for t in range(position + 1) for j in range(4)} <= set(texts)
    assert {"q.0", "q.3"} <= set(texts) and "k3.0" not in texts
    assert sum(t.startswith("grad ") and t != "grad —" for t in texts) > 40  # real gradients, not "—"
    assert any(small_run.pictured in t for t in texts)  # the caption names the document


def test_the_stepper_page_steps_the_softmax_backward(small_run):
    page = small_run.softmax_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Softmax of blocks.0.attn.heads.0 at position 2" in page
    assert "score.0" in page and "dL/dw.2" in page and "exp" in page


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_stepper_page_plays_in_chromium(browser, small_run):  # noqa: F811 (the fixture)
    page, errors = open_page(browser, small_run.softmax_html)
    counter = page.inner_text("#cr-counter")
    total = int(counter.split("/")[1])
    assert counter.startswith("step 1 / ") and total > 10
    page.fill("#cr-slider", str(total - 1))
    assert page.inner_text("#cr-counter") == f"step {total} / {total}" and not errors
    page.close()


def test_summary_has_the_loss_samples_and_paths(small_run):
    text = small_run.summary()
    assert re.search(r"loss: \d\.\d{4} at step 1 \(ln 27 = 3\.2958\)", text)
    assert len(small_run.samples) == 10 and all(set(name) <= set("abcdefghijklmnopqrstuvwxyz")
                                                for name in small_run.samples)
    assert str(small_run.head_svg) in text and str(small_run.softmax_html) in text
    assert len(small_run.run.losses) == 3


def test_the_command_prints_the_summary_and_writes_two_files(cli: Callable[..., Result], tmp_path: Path):
    result = cli("gpt", "--steps", "2", "--out", "g", "--seed", "3")
    assert result.status == 0, result.err
    assert "corpus: 5163 documents, US Census 1990 first names" in result.out
    assert "sampled names: " in result.out and "2/2" in result.err  # the progress bar
    written = sorted(p.name for p in (tmp_path / "g").iterdir())
    assert written == ["attention-head.svg", "softmax-backward.html"]


def test_a_corpus_file_is_used_and_named(cli: Callable[..., Result], tmp_path: Path):
    (tmp_path / "pets.txt").write_text("rex\n\n  tom \nfelix\n", encoding="utf-8")
    result = cli("gpt", "--steps", "1", "--out", "g", "--corpus", "pets.txt")
    assert result.status == 0, result.err
    assert f"corpus: 3 documents, {tmp_path / 'pets.txt'} (3 documents, one per line)" in result.out
    assert "(ln 10 = " in result.out  # e f i l m o r t x and BOS


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the corpus: [Errno 2] No such file or directory"),
    ("\n  \n", "no documents"),
    (b"\xff\xfe", "not UTF-8 text"),
])
def test_a_bad_corpus_is_refused_before_anything_is_written(cli: Callable[..., Result], tmp_path: Path,
                                                           content, message):
    corpus = tmp_path / "names.txt"
    if isinstance(content, bytes):
        corpus.write_bytes(content)
    elif content is not None:
        corpus.write_text(content)
    result = cli("gpt", "--corpus", "names.txt", "--out", "g")
    assert result.status == 2 and message in result.err and "Traceback" not in result.err
    assert not (tmp_path / "g").exists()


def test_gpt_into_a_file_is_an_error_not_a_traceback(cli: Callable[..., Result], tmp_path: Path):
    (tmp_path / "taken").write_text("a file")
    result = cli("gpt", "--out", "taken", "--steps", "1", "--quiet")
    assert result.status == 1 and result.err.startswith("chainrule gpt: error: cannot write taken")
    assert (tmp_path / "taken").read_text() == "a file"


def test_gpt_help_states_run_gpts_defaults(cli: Callable[..., Result]):
    defaults = {name: p.default for name, p in inspect.signature(run_gpt).parameters.items()}
    help_text = " ".join(cli("gpt", "--help").out.split())
    assert "examples:" in help_text
    for option in ("steps", "seed"):
        assert re.search(rf"--{option} \S+ .*?\(default: {defaults[option]}\)", help_text), option


def test_the_console_script_runs_gpt(run: Callable[..., Result], tmp_path: Path):
    result = run("gpt", "--steps", "2", "--out", "pictures", "--quiet")
    assert (result.status, result.out) == (0, ""), result.err
    assert "heads.0" in svg_texts(tmp_path / "pictures" / "attention-head.svg")

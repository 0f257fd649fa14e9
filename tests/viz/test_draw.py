"""draw (a graphviz.Digraph for notebooks), to_svg, and save (atomic, format from the extension)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import graphviz
import pytest

from chainrule import Value
from chainrule import files as files_module
from chainrule.viz import RenderError, draw, save, to_dot, to_svg, write_atomic
from chainrule.viz.draw import fit_width

draw_module = importlib.import_module("chainrule.viz.draw")  # the package's `draw` is the function


def formula() -> Value:
    x = Value(2.0, label="x")
    y = (x * x + 1).tanh()
    y.backward()
    return y


def test_draw_returns_a_digraph_with_the_same_dot(wasm: None, svg_texts) -> None:
    y = formula()
    picture = draw(y, rankdir="TB", legend=True)
    assert isinstance(picture, graphviz.Digraph)
    assert picture.source == to_dot(y, rankdir="TB", legend=True)
    bundle = picture._repr_mimebundle_()  # what Jupyter calls: works with no `dot` installed
    assert "x" in svg_texts(bundle["image/svg+xml"])
    # the notebook's SVG is the file's, fitted to the cell's width (see test_draw_fit)
    assert fit_width(picture.pipe(format="svg", encoding="utf-8")) == bundle["image/svg+xml"]
    assert picture.pipe(format="svg").startswith(b"<?xml")
    assert picture.copy().source == picture.source


def test_to_svg_takes_the_dot_options(wasm: None, svg_texts) -> None:
    y = formula()
    svg = to_svg(y, highlight_nodes=[y], caption="tanh(x*x + 1)")
    texts = svg_texts(svg)
    assert "tanh(x*x + 1)" in texts and "grad 1" in texts
    assert 'stroke="#ea580c"' in svg


def test_save_svg_and_dot(tmp_path: Path, wasm: None, svg_texts) -> None:
    y = formula()
    svg_path = save(y, tmp_path / "graph.svg", collapse=None)
    assert svg_path == tmp_path / "graph.svg"
    assert "data 2" in svg_texts(svg_path.read_text(encoding="utf-8"))
    assert save(y, tmp_path / "graph.dot").read_text(encoding="utf-8") == to_dot(y)
    assert save(y, str(tmp_path / "graph.GV")).read_text(encoding="utf-8") == to_dot(y)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.GV", "graph.dot", "graph.svg"]


@pytest.mark.parametrize("name", ["graph.jpeg", "graph", "graph.svg.bak"])
def test_unknown_extension_is_refused_before_writing(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"cannot save a picture to .*: use one of .svg, .png, .pdf, .dot"):
        save(formula(), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_png_without_dot_fails_and_leaves_the_old_file(tmp_path: Path, wasm: None) -> None:
    old = tmp_path / "graph.png"
    old.write_bytes(b"old picture")
    with pytest.raises(RenderError, match="cannot make PNG, only SVG: install Graphviz"):
        save(formula(), old)
    assert old.read_bytes() == b"old picture"
    assert list(tmp_path.iterdir()) == [old]


def test_a_failed_render_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "graph.svg"
    old.write_text("old")

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RenderError("renderer crashed")

    monkeypatch.setattr(draw_module, "render", broken)
    with pytest.raises(RenderError, match="renderer crashed"):
        save(formula(), old)
    assert old.read_text() == "old" and list(tmp_path.iterdir()) == [old]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    old = tmp_path / "graph.dot"
    old.write_text("old")
    old.chmod(0o640)

    def no_replace(source: str, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files_module.os, "replace", no_replace)
    with pytest.raises(OSError, match="disk full"):
        save(formula(), old)
    assert old.read_text() == "old" and list(tmp_path.iterdir()) == [old]
    monkeypatch.undo()
    save(formula(), old)  # a successful write keeps the file's permissions
    assert old.read_text() == to_dot(formula()) and (old.stat().st_mode & 0o777) == 0o640


def test_write_atomic_makes_new_files_readable_and_wants_bytes(tmp_path: Path) -> None:
    path = write_atomic(tmp_path / "new.txt", b"hi")
    assert path.read_bytes() == b"hi" and (path.stat().st_mode & 0o777) == 0o644
    with pytest.raises(TypeError, match="needs bytes, got str"):
        write_atomic(tmp_path / "new.txt", "hi")  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == ["new.txt"]


def test_pipe_svg_honours_the_encoding(wasm: None) -> None:
    picture = draw(Value(2.0, label="café") * 3)
    data = picture.pipe(format="svg")
    assert "café".encode() in data
    as_latin_1 = picture.pipe(format="svg", encoding="latin-1")
    assert as_latin_1 == data.decode("latin-1") and "cafÃ©" in as_latin_1  # as graphviz's own pipe does
    assert picture.pipe(format="svg", encoding="utf-8") == data.decode("utf-8")
    assert picture.pipe(format="svg", encoding=None) == data

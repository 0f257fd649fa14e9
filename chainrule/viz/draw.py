"""Pictures of a graph: a ``graphviz.Digraph`` for notebooks, an SVG string, or a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from chainrule.files import write_atomic
from chainrule.viz.dot import GRAPH_NAME, to_dot
from chainrule.viz.options import DotOptions
from chainrule.viz.render import render, render_svg
from chainrule.viz.select import Outputs

SAVE_FORMATS = ("svg", "png", "pdf", "dot", "gv")


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose SVG comes from chainrule's renderer, so it shows inline in
    Jupyter even without Graphviz installed (``dot`` if present, else WebAssembly).

    graphviz's own ``render()`` / ``view()`` still need the ``dot`` program; to write a file without
    it, use :func:`chainrule.viz.save`.

    >>> picture = Drawing(name="g", body=["\\ta -> b\\n"])
    >>> picture.pipe(format="svg").startswith(b"<?xml")
    True
    """

    fit = True  # shown in a notebook: as wide as the cell at most (False: full size, scroll)

    def __repr__(self) -> str:  # graphviz's default shows id(), which differs on every run
        return f"<Drawing {self.name!r}: {self.source.count(' -> ')} edges>"

    def _repr_image_svg_xml(self) -> str:
        svg = render_svg(self.source)
        return fit_width(svg) if self.fit else svg

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(include, exclude, **kwargs)
        if self.fit or "image/svg+xml" not in bundle:
            return bundle
        return bundle, {"image/svg+xml": {"unconfined": True}}  # JupyterLab: no max-width either

    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:
        """As ``graphviz.Digraph.pipe``; plain SVG output uses chainrule's renderer.

        As graphviz does, the SVG (UTF-8 bytes) is decoded with ``encoding`` when one is given.

        >>> Drawing(body=["\\ta -> b\\n"]).pipe(format="svg", encoding="latin-1").startswith("<?xml")
        True
        """
        if (format or self.format) == "svg" and not args and set(kwargs) <= {"encoding"}:
            svg = render(self.source, "svg")
            encoding = kwargs.get("encoding")
            return svg.decode(encoding) if encoding else svg
        return super().pipe(format, *args, **kwargs)


def draw(root: Outputs, options: DotOptions | None = None, *, fit: bool = True, **changes: Any) -> Drawing:
    """The graph of ``root`` as a ``graphviz.Digraph`` (Jupyter shows it inline); ``root`` is one
    Value or a list of Values (several outputs, e.g. a layer's, in one picture).

    Takes the drawing options of :func:`chainrule.viz.to_dot` (:class:`~chainrule.viz.DotOptions`);
    ``.source`` is exactly that DOT text. In a notebook the picture is scaled down to the cell's
    width if it is wider; ``fit=False`` (or ``picture.fit = False``) shows it at full size.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x
    >>> picture = draw(y, rankdir="TB")
    >>> picture.source == to_dot(y, rankdir="TB"), "data 4" in picture._repr_image_svg_xml()
    (True, True)
    >>> draw([y, x + 1])  # two outputs sharing x
    <Drawing 'chainrule': 6 edges>
    """
    lines = to_dot(root, options, **changes).splitlines(keepends=True)
    picture = Drawing(name=GRAPH_NAME, body=lines[1:-1])
    picture.fit = fit
    return picture


def fit_width(svg: str) -> str:
    """The SVG scaled down, aspect kept, where its box is narrower than the picture (a notebook cell).

    >>> fit_width('<?xml version="1.0"?><svg width="900pt" height="90pt">')
    '<?xml version="1.0"?><svg style="max-width:100%;height:auto" width="900pt" height="90pt">'
    """
    return svg.replace("<svg", '<svg style="max-width:100%;height:auto"', 1)


def to_svg(root: Outputs, options: DotOptions | None = None, *, renderer: str | None = None,
           **changes: Any) -> str:
    """The graph of ``root`` (one Value, or a list of them) as an SVG document (takes the options of
    :func:`chainrule.viz.to_dot`).

    ``renderer`` forces ``"dot"`` or ``"wasm"`` (see :func:`chainrule.viz.renderer`).

    >>> from chainrule import Value
    >>> a = Value(3.0, label="a")
    >>> svg = to_svg(a * 2)
    >>> svg.startswith("<?xml") and "data 6" in svg
    True
    >>> svg = to_svg([a * 2, a - 1])
    >>> "data 6" in svg and "data 2" in svg
    True
    """
    return render_svg(to_dot(root, options, **changes), renderer=renderer)


def save(root: Outputs, path: str | os.PathLike[str], options: DotOptions | None = None, *,
         renderer: str | None = None, **changes: Any) -> Path:
    """Save the graph of ``root`` (one Value, or a list of them) to ``path``; the extension picks
    the format: ``.svg``, ``.png``, ``.pdf`` (these two need Graphviz's ``dot`` program), or
    ``.dot`` / ``.gv`` (the DOT text).

    The file is written atomically: if anything fails, an existing file is left as it was.
    Takes the options of :func:`chainrule.viz.to_dot`.

    >>> import tempfile, pathlib
    >>> from chainrule import Value
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "graph.svg"
    >>> save(Value(1.0) + 2, target).read_text().count("data 3")
    1
    """
    path = Path(path)
    format = path.suffix.lower().lstrip(".")
    if format not in SAVE_FORMATS:
        given = repr(path.suffix) if path.suffix else "no extension"
        raise ValueError(
            f"cannot save a picture to {str(path)!r} ({given}): use one of .svg, .png, .pdf, .dot, .gv"
        )
    text = to_dot(root, options, **changes)
    data = text.encode("utf-8") if format in ("dot", "gv") else render(text, format, renderer=renderer)
    return write_atomic(path, data)

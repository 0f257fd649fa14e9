"""Pictures of computation graphs: DOT text, SVG (no system Graphviz needed), files, notebooks.

>>> from chainrule import Value
>>> from chainrule.viz import to_dot, to_svg
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh()
>>> y.backward()
>>> "grad 1" in to_dot(y) and to_svg(y).startswith("<?xml")
True

``draw`` returns a ``graphviz.Digraph`` that Jupyter shows inline; ``save`` writes .svg (and .png /
.pdf with Graphviz's ``dot``). Colours and the legend are described in :mod:`chainrule.viz.style`.
"""

from chainrule.files import write_atomic
from chainrule.viz.dot import GraphTooLargeWarning, to_dot
from chainrule.viz.draw import Drawing, draw, save, to_svg
from chainrule.viz.ids import dot_ids, edge_id, op_id, value_id
from chainrule.viz.options import DotOptions
from chainrule.viz.paths import draw_path, path_caption, paths_page, save_paths_html
from chainrule.viz.render import RendererChoiceError, RenderError, render_svg, renderer, supported_formats
from chainrule.viz.style import format_number

__all__ = [
    "DotOptions", "Drawing", "GraphTooLargeWarning", "RenderError", "RendererChoiceError", "dot_ids", "draw",
    "draw_path", "edge_id", "format_number", "op_id", "path_caption", "paths_page", "render_svg", "renderer",
    "save", "save_paths_html", "supported_formats", "to_dot", "to_svg", "value_id", "write_atomic",
]

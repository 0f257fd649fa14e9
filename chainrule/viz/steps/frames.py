"""Frames: the graph picture at one step, drawn by :mod:`chainrule.viz` with that step highlighted."""

from __future__ import annotations

from typing import Any


def frame_dot(root: Any, options: dict[str, Any]) -> str:
    """The DOT text of ``root``'s graph drawn with ``options`` (highlights, gradients shown)."""
    from chainrule import viz  # viz may import this package, so bind late

    return viz.to_dot(root, **options)


def frame_svg(dot_text: str) -> str:
    """Render DOT to an ``<svg>`` element fit for inlining in HTML (no XML prolog, no DOCTYPE)."""
    from chainrule import viz

    svg = viz.render_svg(dot_text)
    return svg[svg.index("<svg"):]


def forward_options(node: Any) -> dict[str, Any]:
    """Drawing options for the forward step that evaluates ``node``: it and its input edges
    highlighted, no gradient computed yet."""
    edges = {(parent, node, index) for index, parent in enumerate(node.parents)}
    return {"highlight_nodes": {node}, "highlight_edges": edges, "grads": {}}

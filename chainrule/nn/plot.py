"""The decision-boundary picture of a 2-D classifier, drawn with matplotlib's Agg canvas (no display)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chainrule.nn._files import write_atomic
from chainrule.nn.train import argmax, predict


def plot_decision_boundary(model: Callable[[Any], Any], points: Sequence[Sequence[float]], labels: Sequence[int],
                           path: str | os.PathLike[str], *, title: str = "", resolution: int = 50) -> Path:
    """Save a PNG of the model's predicted class over the plane, with the data points on top.

    The model is evaluated under ``no_grad`` on a ``resolution`` x ``resolution`` grid that covers
    the points with a margin. One output per point means "class 1 when > 0" (labels 0/1 or -1/+1),
    shaded with a smooth edge where the score crosses 0; a list of class scores means the class with
    the largest score. Written atomically.

    >>> import tempfile, pathlib
    >>> from chainrule.nn import MLP, make_moons, plot_decision_boundary
    >>> points, labels = make_moons(20, seed=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "boundary.png"
    >>> plot_decision_boundary(MLP(2, [4, 1]), points, labels, path, resolution=10).read_bytes()[:4]
    b'\\x89PNG'
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    if len(points) != len(labels) or not points:
        raise ValueError(f"plot_decision_boundary needs as many labels as points, got {len(points)} and {len(labels)}")
    xs, ys = _axis(points, 0, resolution), _axis(points, 1, resolution)
    outputs = predict(model, [[x, y] for y in ys for x in xs])
    if hasattr(outputs[0], "__len__"):
        values = [argmax(out) for out in outputs]
        classes = [int(label) for label in labels]
        count = max(*values, *classes) + 1
        levels = [k - 0.5 for k in range(count + 1)]
    else:
        values = [float(out) for out in outputs]
        classes = [int(label > 0) for label in labels]
        count, levels = 2, [min(0.0, *values) - 1, 0.0, max(0.0, *values) + 1]
    grid = [values[i * resolution:(i + 1) * resolution] for i in range(resolution)]
    png = _draw(xs, ys, grid, levels, points, classes, count, title)
    return write_atomic(path, png)


def _draw(xs: list[float], ys: list[float], grid: list[list[float]], levels: list[float],
          points: Sequence[Sequence[float]], classes: list[int], count: int, title: str) -> bytes:
    from matplotlib import colormaps  # imported late: matplotlib is slow to load
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    colours = [colormaps["Spectral"](k / max(count - 1, 1)) for k in range(count)]
    figure = Figure(figsize=(5, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.contourf(xs, ys, grid, levels=levels, colors=colours, alpha=0.6)
    axes.scatter([p[0] for p in points], [p[1] for p in points], c=[colours[k] for k in classes], s=30,
                 edgecolors="black", linewidths=0.5)
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])
    axes.set_title(title, fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _axis(points: Sequence[Sequence[float]], column: int, resolution: int) -> list[float]:
    low = min(p[column] for p in points) - 0.5
    high = max(p[column] for p in points) + 0.5
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


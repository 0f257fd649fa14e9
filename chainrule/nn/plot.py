"""The decision-boundary picture of a 2-D classifier: a matplotlib Figure, optionally saved as a PNG."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chainrule.files import write_atomic
from chainrule.nn.train import one_score, predict

if TYPE_CHECKING:  # matplotlib is slow to load: imported when a picture is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_decision_boundary(
    model: Callable[[Any], Any], points: Sequence[Sequence[float]], labels: Sequence[int],
    path: str | os.PathLike[str] | None = None, *, title: str = "", resolution: int = 40,
    ax: Axes | None = None,
) -> Figure:
    """Draw the model's predicted class over the plane, with the data points on top; return the Figure.

    The model is evaluated under ``no_grad`` on a ``resolution`` x ``resolution`` grid that covers
    the points with a margin. One output per point (a Value, a number, or a one-element list) means
    "class 1 when > 0" (labels 0/1 or -1/+1); a list of class scores means the class with the largest
    score. Each class's region is where its
    score beats every other, so its edge is interpolated between grid points.

    With ``ax`` (say one panel of ``plt.subplots``) the picture is drawn into it, and the figure it
    belongs to is returned. Without, the picture gets a figure of its own, not managed by pyplot
    (the global backend is left alone): a notebook shows it once, as the cell's result. With
    ``path`` the whole figure is also written there as a PNG, atomically.

    >>> import tempfile, pathlib
    >>> from chainrule.nn import MLP, make_moons, plot_decision_boundary
    >>> points, labels = make_moons(20, seed=0)
    >>> figure = plot_decision_boundary(MLP(2, [4, 1]), points, labels, resolution=10, title="moons")
    >>> figure.axes[0].get_title(), figure.get_size_inches().tolist()
    ('moons', [5.0, 4.5])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "boundary.png"
    >>> _ = plot_decision_boundary(MLP(2, [4, 1]), points, labels, path, resolution=10)
    >>> path.read_bytes()[:4]
    b'\\x89PNG'
    """
    _check_arguments(points, labels, resolution, ax)
    xs, ys = _axis(points, 0, resolution), _axis(points, 1, resolution)
    grid = [[x, y] for y in ys for x in xs]
    outputs = [one_score(out) for out in predict(model, grid)]
    _check_outputs(grid, outputs)
    single = not hasattr(outputs[0], "__len__")
    classes = [int(label > 0) if single else int(label) for label in labels]
    margins = [_margins(out) for out in outputs]
    count = max(len(margins[0]), max(classes) + 1)
    grids = [[[m[k] for m in margins[i * resolution:(i + 1) * resolution]] for i in range(resolution)]
             for k in range(len(margins[0]))]
    axes = _own_axes() if ax is None else ax
    _draw(axes, xs, ys, grids, points, classes, count)
    axes.set_title(title, **({"fontsize": 10} if ax is None else {}))  # the caller's axes: the caller's style
    figure = axes.figure.figure  # the root figure, also when the axes sit in a subfigure
    if path is not None:
        write_atomic(path, _png(figure))
    return figure


def _check_arguments(points: Sequence[Sequence[float]], labels: Sequence[int], resolution: Any,
                     ax: Any) -> None:
    """Refuse bad input before anything is evaluated, drawn or written."""
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    if len(points) != len(labels) or not points:
        raise ValueError("plot_decision_boundary needs as many labels as points,"
                         f" got {len(points)} and {len(labels)}")
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise TypeError(f"plot_decision_boundary: ax must be a matplotlib Axes, got {type(ax).__name__}")


def _check_outputs(grid: list[list[float]], outputs: list[Any]) -> None:
    for point, out in zip(grid, outputs):
        if hasattr(out, "__len__") and len(out) == 0:
            raise ValueError(f"plot_decision_boundary: the model returned an empty list for {point}")


def _own_axes() -> Axes:
    """Axes on a new figure outside pyplot, which Jupyter displays as a PNG whatever the backend."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 4.5), dpi=100)
    figure._repr_png_ = _PngOf(figure)  # type: ignore[attr-defined]  # IPython asks the object itself
    return figure.add_subplot()


class _PngOf:
    """A figure's PNG bytes on call: a named class, so the figure still pickles and deep-copies."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure

    def __call__(self) -> bytes:
        return _png(self.figure)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi="figure")
    return buffer.getvalue()


def _margins(output: Any) -> list[float]:
    """Per class, its score minus the best other score: > 0 exactly where that class wins."""
    if not hasattr(output, "__len__"):
        return [-float(output), float(output)]  # one score: class 1 when > 0
    scores = [float(score) for score in output]
    return [s - max(scores[:k] + scores[k + 1:]) for k, s in enumerate(scores)]


def _draw(axes: Axes, xs: list[float], ys: list[float], grids: list[list[list[float]]],
          points: Sequence[Sequence[float]], classes: list[int], count: int) -> None:
    from matplotlib import colormaps

    colours = [colormaps["Spectral"]((k + 0.5) / count) for k in range(count)]
    for colour, grid in zip(colours, grids):
        top = max(map(max, grid))
        if top > 0:  # the region where this class wins, with an edge interpolated between grid points
            axes.contourf(xs, ys, grid, levels=[0.0, top + 1.0], colors=[colour], alpha=0.6)
    axes.scatter([p[0] for p in points], [p[1] for p in points], c=[colours[k] for k in classes], s=30,
                 edgecolors="black", linewidths=0.5)
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])


def _axis(points: Sequence[Sequence[float]], column: int, resolution: int) -> list[float]:
    low = min(p[column] for p in points) - 0.5
    high = max(p[column] for p in points) + 0.5
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


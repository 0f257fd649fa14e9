"""The demo: micrograd's moons classifier, trained by chainrule, with its pictures written to a folder.

The setting is micrograd's demo notebook: an MLP 2-16-16-1 (relu, last layer linear), SVM hinge loss
plus 1e-4 L2, full-batch SGD with the learning rate falling from 1.0 by 0.9 over the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chainrule.engine import Value, name_scope, no_grad
from chainrule.nn.data import make_moons
from chainrule.nn.layers import MLP
from chainrule.nn.losses import hinge_loss, l2_regularization
from chainrule.nn.optim import SGD
from chainrule.nn.plot import plot_decision_boundary
from chainrule.nn.train import History, evaluate, train
from chainrule.viz import save

DEFAULT_SEED = 1
DEFAULT_FOLDER = "chainrule-demo"
NOISE = 0.1
ALPHA = 1e-4


@dataclass
class DemoResult:
    """What :func:`run_demo` did: the training accuracy reached, where the pictures are, how long it took.

    >>> d = Path("out")
    >>> result = DemoResult(1.0, 0.01, 100, 100, d, d / "decision-boundary.png", d / "neuron.svg",
    ...                     8.0, 9.5, History())
    >>> print(result.summary())
    training accuracy 100.0% (loss 0.0100) on 100 moons points after 100 steps, trained in 8.00 s
    (every step rebuilt)
    decision boundary: out/decision-boundary.png
    one neuron's graph: out/neuron.svg
    """

    accuracy: float
    loss: float
    steps: int
    samples: int
    out_dir: Path
    boundary_png: Path
    neuron_svg: Path
    train_seconds: float
    total_seconds: float
    history: History

    def summary(self) -> str:
        """The lines the demo prints."""
        backend = self.history.replayed_by
        how = ("every step rebuilt" if backend is None else
               f"2 rebuilt steps, then replayed by chainrule.compile {backend!r}")
        return "\n".join([
            (f"training accuracy {self.accuracy:.1%} (loss {self.loss:.4f}) on {self.samples} moons points"
             f" after {self.steps} steps, trained in {self.train_seconds:.2f} s"),
            f"({how})",
            f"decision boundary: {self.boundary_png}",
            f"one neuron's graph: {self.neuron_svg}",
        ])


def run_demo(out_dir: str | os.PathLike[str] | None = None, *, steps: int = 100, samples: int = 100,
             seed: int = DEFAULT_SEED, quiet: bool = False, compile: bool = True) -> DemoResult:
    """Train an MLP on the moons, print its accuracy, write ``decision-boundary.png`` and ``neuron.svg``.

    ``out_dir`` is created if needed; None picks a new ``./chainrule-demo`` (``-2``, ``-3``, ... if
    taken). ``quiet`` hides the progress bar and the summary. The full-batch step is recorded and
    replayed (``chainrule.compile``) after two rebuilt steps when the run is long enough to repay
    that (from 9 steps: see :func:`~chainrule.nn.train`); ``compile=False`` rebuilds every step
    (the same numbers).

    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), steps=1, samples=6, quiet=True)
    >>> result.neuron_svg.name, result.boundary_png.name, 0 <= result.accuracy <= 1
    ('neuron.svg', 'decision-boundary.png', True)
    """
    start = time.perf_counter()
    folder = _prepare(out_dir)
    points, labels = make_moons(samples, noise=NOISE, seed=seed)
    signs = [2 * label - 1 for label in labels]
    model = MLP(2, [16, 16, 1], seed=seed)
    if not quiet:
        print(f"chainrule demo: {repr(model).splitlines()[0]} on {samples} moons points, {steps} SGD steps",
              flush=True)  # before the progress bar, which writes to stderr
    history, train_seconds = _train(model, points, signs, steps, quiet, compile)
    final = evaluate(model, points, signs, _loss_function(model))
    boundary = folder / "decision-boundary.png"
    plot_decision_boundary(
        model, points, labels, boundary,
        title=f"chainrule MLP 2-16-16-1 on moons: training accuracy {final.accuracy:.0%}",
    )
    neuron_name, neuron_output = _one_neuron(model, points[0])
    caption = f"{neuron_name} on the point {_point(points[0])}"
    neuron = save(neuron_output, folder / "neuron.svg", caption=caption)
    result = DemoResult(final.accuracy, final.loss, steps, samples, folder, boundary, neuron,
                        train_seconds, time.perf_counter() - start, history)
    if not quiet:
        print(result.summary())
    return result


def fresh_folder(base: str | os.PathLike[str] = DEFAULT_FOLDER) -> Path:
    """``base`` if it does not exist yet, else the first free ``base-2``, ``base-3``, ...

    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "out").mkdir()
    >>> fresh_folder(root / "out").name
    'out-2'
    """
    path, number = Path(base), 2
    while path.exists():
        path, number = Path(f"{base}-{number}"), number + 1
    return path


def _prepare(out_dir: str | os.PathLike[str] | None) -> Path:
    folder = fresh_folder() if out_dir is None else Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"demo output folder {str(folder)!r} is a file")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _loss_function(model: MLP) -> Callable[[list[Value], list[int]], Value]:
    parameters = model.parameters()
    return lambda scores, signs: hinge_loss(scores, signs) + l2_regularization(parameters, ALPHA)


def _train(model: MLP, points: list[list[float]], signs: list[int], steps: int,
           quiet: bool, compile: bool) -> tuple[History, float]:
    optimizer = SGD(model.parameters(), lr=1.0)
    start = time.perf_counter()
    history = train(model, points, signs, _loss_function(model), optimizer, epochs=steps,
                    lr_schedule=lambda step: 1.0 - 0.9 * step / steps, progress=not quiet, desc="moons",
                    compile=compile)
    return history, time.perf_counter() - start


def _one_neuron(model: MLP, point: list[float]) -> tuple[str, Value]:
    """The first neuron of the first layer that fires on ``point``, called there, after backward."""
    neurons = model.layers[0].neurons
    with no_grad():
        index = next((i for i, neuron in enumerate(neurons) if neuron(point).data > 0), 0)
    with name_scope("layers.0"), name_scope(f"neurons.{index}"):
        output = neurons[index](point)
    neurons[index].zero_grad()
    output.backward()
    return f"layers.0.neurons.{index}", output


def _point(point: list[float]) -> str:
    return "(" + ", ".join(f"{x:.2f}" for x in point) + ")"

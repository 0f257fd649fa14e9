"""Regenerate the step-through pages the README links to: ``python docs/make_steps.py``.

Writes docs/steps/tanh_neuron.html: the backward pass of one tanh neuron, o = tanh(w*x + b),
with x = 2, w = -3, b = 6.88, as a self-contained page (open it in any browser, no kernel needed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from chainrule import Parameter, Value
from chainrule.viz.steps import BackwardTrace, step_through

HERE = Path(__file__).resolve().parent


def tanh_neuron() -> Value:
    """o = tanh(w*x + b) with every node labelled, as in the classic backprop lesson.

    >>> round(tanh_neuron().data, 4)
    0.7064
    """
    x = Value(2.0, label="x")
    w, b = Parameter(-3.0, label="w"), Parameter(6.88, label="b")
    wx = w * x
    wx.label = "w*x"
    n = wx + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def tanh_neuron_trace() -> BackwardTrace:
    """The recorded backward pass of :func:`tanh_neuron`."""
    return step_through(tanh_neuron())


def main(out_dir: Path = HERE / "steps") -> list[Path]:
    """Write every page into ``out_dir`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    trace = tanh_neuron_trace()
    page = trace.save_html(out_dir / "tanh_neuron.html", title="Backprop through a tanh neuron, step by step")
    return [page]


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "steps"):
        print(path)

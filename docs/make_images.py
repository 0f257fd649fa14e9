"""Render the pictures the README shows into docs/images/ (re-run after changing chainrule.viz).

    python docs/make_images.py

Uses Graphviz's `dot` if it is on PATH, else the WebAssembly build that pip installs.
"""

from __future__ import annotations

from pathlib import Path

from chainrule import Parameter, Value, name_scope, tanh
from chainrule import sum as value_sum
from chainrule.viz import save

IMAGES = Path(__file__).resolve().parent / "images"


def expression() -> Value:
    """micrograd's first example, L = (a*b + c) * f, after L.backward()."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    loss.backward()
    return loss


def neuron() -> tuple[Value, list[Value]]:
    """One tanh neuron o = tanh(w1*x1 + w2*x2 + b), built under a name_scope, after o.backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    with name_scope("neuron"):
        w1, w2 = Parameter(-3.0, label="w1"), Parameter(1.0, label="w2")
        b = Parameter(6.8813735870195432, label="b")
        n = value_sum([x1 * w1, x2 * w2, b])
        n.label = "n"
        out = tanh(n)
    out.label = "o"
    out.backward()
    return out, [x1, x2]


def main(folder: Path = IMAGES) -> list[Path]:
    """Write expression.svg and neuron.svg into ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [save(expression(), folder / "expression.svg", caption="L = (a*b + c) * f, after L.backward()")]
    out, inputs = neuron()
    caption = "o = tanh(w1*x1 + w2*x2 + b), after o.backward()"
    written.append(save(out, folder / "neuron.svg", inputs=inputs, legend=True, caption=caption))
    return written


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path}")

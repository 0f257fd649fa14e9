"""A real chainrule.nn.MLP forward pass: clustered by layer and neuron, and readable."""

from __future__ import annotations

import re
import warnings

from chainrule.nn import MLP
from chainrule.viz import draw, to_dot, to_svg


def clusters(dot: str) -> list[tuple[int, str]]:
    """(nesting depth, label) of every scope cluster, in order."""
    found = re.findall(r'^(\t+)subgraph cluster_s\d+ \{\n\t+graph \[label="([^"]*)"', dot, re.MULTILINE)
    return [(len(tabs), label) for tabs, label in found]


def test_a_real_mlp_forward_pass_is_clustered_and_readable(wasm: None, svg_texts) -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one sample fits under the default max_nodes
        dot = to_dot(out)
    found = clusters(dot)
    assert [label for depth, label in found if depth == 1] == ["layers.2", "layers.1", "layers.0"]
    neurons = sorted(label for depth, label in found if depth == 2)
    assert neurons == ["neurons.0"] * 3 + ["neurons.1"] * 2 + ["neurons.2"] * 2 + ["neurons.3"] * 2
    top_level = re.findall(r'^\tn\d+ \[id="n\d+", label="\{([^|]*)\|', dot, re.MULTILINE)
    assert top_level == ["x.0", "x.1"]  # everything else sits inside its neuron's cluster
    texts = svg_texts(to_svg(out, collapse="neuron"))
    assert texts.count("layers.0") == 1 and texts.count("neurons.3") == 2
    assert draw(out, collapse="layer").source.count('"{layers.') == 3

"""Neuron, Layer and MLP: micrograd's model, with one n-ary sum per neuron and scoped nodes.

Scopes: a module tags the nodes made by its children with the child's attribute path, so inside a
call of ``model`` every node of neuron ``model.layers[1].neurons[3]`` (its products, its sum, its
activation) has ``scope == ('layers.1', 'neurons.3')``, the prefix of that neuron's parameter names
(``layers.1.neurons.3.w.0``). Parameters get the same scope when the model is built. Scopes nest
under any ``name_scope`` the caller opened, and a module called on its own adds none for itself.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from functools import lru_cache
from operator import mul

from chainrule.engine import Parameter, Value, name_scope
from chainrule.engine.functions import sum as value_sum
from chainrule.nn._rng import Seed, as_rng
from chainrule.nn.module import Module

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None,
}
"""Activation name -> the Value method applied to a neuron's sum (``None``: leave it linear)."""

Inputs = Sequence[Value | float] | Value | float


class Neuron(Module):
    """``activation(w · x + b)``: weights uniform in [-1, 1] from ``seed``, bias 0, as in micrograd.

    ``w · x + b`` is one n-ary sum node over the products and the bias. ``nonlin=False`` is
    micrograd's spelling of ``activation="linear"``.

    The weights come from ``seed`` alone (no global random state), so neurons built with the same
    seed are identical: micrograd-style ``[Neuron(2) for _ in range(3)]`` gives three copies of one
    unit, since every one uses the default ``seed=0``. For different units pass different seeds, or
    one shared ``random.Random`` that each neuron draws from in turn (as :class:`Layer` does).

    >>> from chainrule.nn import Neuron
    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> y = n([1.0, -2.0])
    >>> y.op.name, y.parents[0].op.name, len(y.parents[0].parents)
    ('tanh', 'sum', 3)
    >>> [name for name, _ in n.named_parameters()]
    ['w.0', 'w.1', 'b']

    Same seed, same weights; one shared generator, different units:

    >>> import random
    >>> Neuron(2).state_dict() == Neuron(2).state_dict()  # the same default seed: the same weights
    True
    >>> rng = random.Random(0)
    >>> a, b, c = (Neuron(2, seed=rng) for _ in range(3))
    >>> a.state_dict() != b.state_dict() != c.state_dict() != a.state_dict()
    True
    >>> a.state_dict() == Neuron(2, seed=0).state_dict()  # the first draws from rng are seed 0's
    True
    """

    def __init__(self, nin: int, activation: str = "relu", *, seed: Seed = 0,
                 nonlin: bool | None = None) -> None:
        _check_size(nin, "nin")
        self.activation = _activation(activation, nonlin)
        rng = as_rng(seed)
        self.w = [Parameter(rng.uniform(-1.0, 1.0), label=f"w.{i}") for i in range(nin)]
        self.b = Parameter(0.0, label="b")

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.w)

    def __call__(self, x: Inputs) -> Value:
        """The neuron's output for inputs ``x`` (numbers or Values, ``nin`` of them)."""
        return self.forward(as_inputs(x, self.nin, self))

    def forward(self, xs: list[Value]) -> Value:
        """The output for inputs already checked by :func:`as_inputs` (the hot path of a model)."""
        total = value_sum([*map(mul, self.w, xs), self.b])
        activate = ACTIVATIONS[self.activation]
        return total if activate is None else activate(total)

    def _repr_args(self) -> str:
        return f"nin={self.nin}, activation={self.activation!r}"


class Layer(Module):
    """``nout`` neurons over the same inputs; returns a list, or one Value when ``nout == 1``.

    The neurons draw their weights in turn from one generator made from ``seed``, so they differ
    from each other; two layers built with the same ``seed`` are identical (the default is 0). Pass
    different seeds, or one shared ``random.Random``, to get different layers.

    >>> from chainrule.nn import Layer
    >>> layer = Layer(3, 2, seed=0)
    >>> out = layer([1.0, 2.0, 3.0])
    >>> len(out), out[1].scope, len(layer.parameters())
    (2, ('neurons.1',), 8)
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", *, seed: Seed = 0,
                 nonlin: bool | None = None) -> None:
        _check_size(nout, "nout")
        rng = as_rng(seed)
        neurons = []
        for i in range(nout):
            with name_scope(f"neurons.{i}"):
                neurons.append(Neuron(nin, activation, seed=rng, nonlin=nonlin))
        self.neurons = neurons

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return self.neurons[0].nin

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The outputs for inputs ``x`` (micrograd's convention: a single output is not a list)."""
        out = self.forward(as_inputs(x, self.nin, self))
        return out[0] if len(out) == 1 else out

    def forward(self, xs: list[Value]) -> list[Value]:
        """The outputs, always a list, for inputs already checked by :func:`as_inputs`."""
        out = []
        for i, neuron in enumerate(self.neurons):
            with _scope("neurons", i):
                out.append(neuron.forward(xs))
        return out

    def _repr_args(self) -> str:
        return f"nin={self.nin}, nout={len(self.neurons)}, activation={self.neurons[0].activation!r}"

    def __repr__(self) -> str:  # one line: 16 identical neuron lines would say nothing more
        return f"Layer({self._repr_args()})"


class MLP(Module):
    """A multi-layer perceptron: ``sizes`` neurons per layer, the last layer linear by default.

    micrograd's ``MLP(2, [16, 16, 1])`` builds the same model (weights differ: they come from ``seed``).
    All layers draw from one generator made from ``seed``: every unit differs, yet two models built
    with the same ``seed`` (the default is 0) are identical, whatever ran before; pass another seed,
    or a shared ``random.Random``, for a different model.

    >>> from chainrule.nn import MLP
    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> model
    MLP(nin=2, sizes=[16, 16, 1], parameters=337)
      (layers.0): Layer(nin=2, nout=16, activation='relu')
      (layers.1): Layer(nin=16, nout=16, activation='relu')
      (layers.2): Layer(nin=16, nout=1, activation='linear')
    >>> y = model([0.5, -1.0])
    >>> type(y).__name__, y.parents[0].scope
    ('Value', ('layers.2', 'neurons.0'))
    """

    def __init__(self, nin: int, sizes: Sequence[int], activation: str = "relu", *,
                 last_activation: str = "linear", seed: Seed = 0) -> None:
        if isinstance(sizes, numbers.Integral) or not sizes:
            raise ValueError(f"MLP needs a non-empty list of layer sizes, got {sizes!r}")
        rng = as_rng(seed)
        widths = [nin, *sizes]
        layers = []
        for i in range(len(sizes)):
            kind = last_activation if i == len(sizes) - 1 else activation
            with name_scope(f"layers.{i}"):
                layers.append(Layer(widths[i], widths[i + 1], kind, seed=rng))
        self.layers = layers

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return self.layers[0].nin

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The output for inputs ``x``: one Value if the last layer has one neuron, else a list."""
        xs = as_inputs(x, self.nin, self)
        for i, layer in enumerate(self.layers):
            with _scope("layers", i):
                xs = layer.forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def _repr_args(self) -> str:
        sizes = [len(layer.neurons) for layer in self.layers]
        return f"nin={self.nin}, sizes={sizes}, parameters={len(self.parameters())}"


def as_inputs(x: Inputs, nin: int, module: Module) -> list[Value]:
    """Check a module's inputs and wrap numbers as input leaves labelled ``x.0``, ``x.1``, ...

    >>> from chainrule.nn.layers import Neuron, as_inputs
    >>> as_inputs([1, 2.5], 2, Neuron(2))
    [Value(data=1.0, label='x.0'), Value(data=2.5, label='x.1')]
    """
    if isinstance(x, (Value, numbers.Real)):
        x = [x]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{type(module).__name__} needs a list of {nin} numbers or Values, "
                        f"got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{type(module).__name__} with nin={nin} got {len(x)} inputs")
    return [xi if isinstance(xi, Value) else Value(xi, label=f"x.{i}") for i, xi in enumerate(x)]


def _check_size(size: int, what: str) -> None:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"{what} must be a positive int, got {size!r}")


def _activation(activation: str, nonlin: bool | None) -> str:
    if nonlin is not None:
        activation = "relu" if nonlin else "linear"
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    return activation


@lru_cache(maxsize=4096)
def _scope(kind: str, i: int) -> AbstractContextManager[None]:
    """``name_scope(f"{kind}.{i}")``, made once: a scope switch holds no state, so one serves every
    forward pass (and every thread) instead of a new one per neuron per call."""
    return name_scope(f"{kind}.{i}")

"""The shape of the "python" backend's generated code that its speed depends on (no timings: what
CPython will do with it). Results are covered bit for bit by test_compile_bit_identical.py."""

from __future__ import annotations

import dis
import platform
import random

import pytest

import chainrule
from chainrule import Value
from chainrule.compile import compile


def mlp_step(samples: int = 6, width: int = 8):
    """A small moons-like step: an MLP 2-width-width-1 over a few samples, relu, hinge loss."""
    rng = random.Random(0)
    layers = [[([Value(rng.uniform(-1, 1)) for _ in range(n_in)], Value(0.0)) for _ in range(n_out)]
              for n_in, n_out in ((2, width), (width, width), (width, 1))]
    losses = []
    for s in range(samples):
        xs = [Value(rng.uniform(-1, 1)), Value(rng.uniform(-1, 1))]
        for depth, layer in enumerate(layers):
            xs = [chainrule.sum([*(w * x for w, x in zip(ws, xs)), b]) for ws, b in layer]
            xs = [x.relu() for x in xs] if depth < 2 else xs
        losses.append((1 + -(s % 2 * 2 - 1) * xs[0]).relu())
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    return chainrule.sum(losses) * (1.0 / samples), params


def chunks_of(step):
    cells = [cell.cell_contents for cell in step._runner.__closure__]
    return next(c for c in cells if isinstance(c, list) and c and callable(c[0]))


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="CPython specialises")
def test_the_first_call_already_runs_specialised_float_operations():
    """CPython 3.11 specialises a function only after 8 calls or loop turns; a chunk's warm-up loop
    makes its first call the one that specialises, instead of running 8 calls generically."""
    loss, params = mlp_step()
    step = compile(loss, "python", wrt=params)
    (chunk,) = chunks_of(step)
    step()
    names = {instruction.opname for instruction in dis.get_instructions(chunk, adaptive=True)}
    assert "BINARY_OP_MULTIPLY_FLOAT" in names and "BINARY_OP_ADD_FLOAT" in names


def test_a_chunk_keeps_far_fewer_locals_than_it_has_variables(monkeypatch):
    """Variables are reused as registers once a chunk has more than 255 (each local past the 255th
    costs one more instruction per use): a step's values live briefly, its weights the whole call."""
    from chainrule.compile import codegen

    loss, params = mlp_step(samples=20, width=8)
    (registers,) = chunks_of(compile(loss, "python", wrt=params))
    monkeypatch.setattr(codegen, "REGISTERS_ABOVE", 10 ** 9)
    (variables,) = chunks_of(compile(loss, "python", wrt=params))
    assert variables.__code__.co_nlocals > 1000
    assert registers.__code__.co_nlocals < variables.__code__.co_nlocals / 2

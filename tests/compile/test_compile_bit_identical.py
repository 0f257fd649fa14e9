"""Replay is bit for bit a rebuild: random programs over every op of the table, custom ops, kinks,
poles, ±0, inf and NaN; errors and NaN semantics exactly the plain engine's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule import Value, detect_anomaly, nan_on_domain_error
from chainrule.compile import codegen, compile, objects
from tests.compile.programs import bits, build, data, outcome, programs

# "registers": every chunk reuses its variables, and leaf gradients are added one term at a time
BACKENDS = ["objects", "objects, batches of 1", "python", "python, 2-statement chunks", "python, registers"]
MODES = {"plain": None, "nan": nan_on_domain_error, "anomaly": detect_anomaly}


def rebuilt(program, values, wrt_mask):
    """Build the program on ``values`` and back-propagate: the output and every wrt leaf's gradient."""
    leaves = [Value(x) for x in values]
    root = build(program, leaves)
    root.backward()
    return bits(root.data), [bits(leaf.grad) for leaf, wanted in zip(leaves, wrt_mask) if wanted]


def replayed(program, first, values, wrt_mask, backend):
    leaves = [Value(x) for x in first]
    root = build(program, leaves)
    step = compile(root, backend, wrt=[leaf for leaf, wanted in zip(leaves, wrt_mask) if wanted])

    def run():
        for leaf, x in zip(leaves, values):
            leaf.data = x
        result = step()
        return bits(result), [bits(leaf.grad) for leaf, wanted in zip(leaves, wrt_mask) if wanted]
    return run


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
@given(program=programs, values=st.lists(data, min_size=4, max_size=4), wrt_mask=st.lists(st.booleans(),
       min_size=4, max_size=4))
def test_replay_equals_rebuild(backend, mode, program, values, wrt_mask):
    count = program[0]
    first = [0.75, -1.25, 2.0, 0.3][:count]
    values = values[:count]
    wrt_mask = wrt_mask[:count]
    context = MODES[mode]
    chunk, min_batch = codegen.CHUNK_STATEMENTS, objects.MIN_BATCH
    codegen.CHUNK_STATEMENTS = 2 if "chunks" in backend else chunk
    objects.MIN_BATCH = 1 if "batches of 1" in backend else min_batch  # every loop runs, however short
    registers = codegen.REGISTERS_ABOVE, codegen.LEAF_TERMS
    if "registers" in backend:
        codegen.REGISTERS_ABOVE, codegen.LEAF_TERMS = 0, 1
    backend = backend.split(",")[0]
    with context() if context else _nothing(), _restore(chunk, min_batch, registers):
        recorded = outcome(lambda: replayed(program, first, values, wrt_mask, backend))
        if recorded[0] != "ok":  # the recording itself failed on the first data: nothing to replay
            return
        expected = outcome(lambda: rebuilt(program, values, wrt_mask))
        assert outcome(recorded[1]) == expected


class _restore:
    def __init__(self, chunk, min_batch, registers):
        self.chunk, self.min_batch, self.registers = chunk, min_batch, registers

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        codegen.CHUNK_STATEMENTS, objects.MIN_BATCH = self.chunk, self.min_batch
        codegen.REGISTERS_ABOVE, codegen.LEAF_TERMS = self.registers
        return False


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("backend", ["objects", "python"])
def test_an_index_selection_replays_the_option_the_new_index_picks(backend):
    """An embedding lookup: the op is fixed, the row it picks (and so its gradient) follows the data."""
    from chainrule import select

    token = Value(0.0)
    rows = [Value(10.0), Value(20.0), Value(30.0)]
    y = select(token, rows) * rows[1]
    step = compile(y, backend, wrt=rows)
    for index, expected, grads in [(2.0, 600.0, [0.0, 30.0, 20.0]), (1.0, 400.0, [0.0, 40.0, 0.0])]:
        token.data = index
        assert step() == expected and [r.grad for r in rows] == grads
    token.data = 7.0
    with pytest.raises(Exception, match="index 7.0 is not a position in 3 option"):
        step()

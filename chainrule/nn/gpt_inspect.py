"""One attention head of a real GPT graph as a small graph of its own, to draw and to step.

A GPT's loss graph has tens of thousands of nodes; one head at one position has a few dozen. These
functions copy that head (or its softmax) onto leaves holding the real data, under the real scopes,
and keep the real gradients beside it, so a picture or a stepper shows exactly what the model computed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from chainrule.engine import Constant, Value, name_scope
from chainrule.engine.functions import sum as value_sum
from chainrule.nn.gpt import HeadCall, attention_parts, softmax


@contextmanager
def scoped(path: Sequence[str]) -> Iterator[None]:
    """Open ``name_scope`` for each name of ``path``, outermost first.

    >>> from chainrule import Value
    >>> with scoped(("blocks.0", "attn")):
    ...     y = Value(1.0) * 2
    >>> y.scope
    ('blocks.0', 'attn')
    """
    with ExitStack() as stack:
        for name in path:
            stack.enter_context(name_scope(name))
        yield


def head_copy(call: HeadCall, scope: Sequence[str] = ()) -> tuple[list[Value], dict[Value, float | None]]:
    """The head's outputs recomputed from leaves ``q.j``, ``k<t>.j``, ``v<t>.j`` holding the real data,
    and each copied node's gradient in the real graph (None where backward never reached it).

    >>> from chainrule.nn import GPT
    >>> model = GPT(5, n_embd=4, n_head=2, block_size=4)
    >>> with model.blocks[0].attn.recording() as calls:
    ...     loss = model.loss([4, 1, 2, 4])
    >>> loss.backward()
    >>> out, grads = head_copy(calls[-1], ("blocks.0", "attn", "heads.1"))
    >>> [y.data for y in out] == [y.data for y in calls[-1].out], grads[out[0]] == calls[-1].out[0].grad
    (True, True)
    """
    q = [Value(x.data, label=f"q.{j}") for j, x in enumerate(call.q)]
    keys = [[Value(x.data, label=f"k{t}.{j}") for j, x in enumerate(k)] for t, k in enumerate(call.keys)]
    values = [[Value(x.data, label=f"v{t}.{j}") for j, x in enumerate(v)] for t, v in enumerate(call.values)]
    with scoped(scope):
        _, _, out = attention_parts(q, keys, values)
    return out, real_grads(out, call.out)


def softmax_copy(call: HeadCall, scope: Sequence[str] = ()) -> Value:
    """The head's softmax on leaves ``score.t`` (the real scores), ending in ``Σ_t w_t · g_t`` with
    ``g_t`` the real gradient of weight t (Constants): its backward is the softmax's backward in the
    model, so the scores receive their real gradients.

    >>> from chainrule.nn import GPT
    >>> model = GPT(5, n_embd=4, n_head=2, block_size=4)
    >>> with model.blocks[0].attn.recording() as calls:
    ...     loss = model.loss([4, 1, 2, 4])
    >>> loss.backward()
    >>> root = softmax_copy(calls[-1]); root.backward()
    >>> from chainrule import topological_order
    >>> scores = sorted((n for n in topological_order(root) if n.label.startswith("score.")),
    ...                 key=lambda n: n.label)
    >>> all(abs(s.grad - real.grad) < 1e-12 for s, real in zip(scores, calls[-1].scores))
    True
    """
    scores = [Value(s.data, label=f"score.{t}") for t, s in enumerate(call.scores)]
    with scoped(scope):
        with name_scope("softmax"):
            weights = softmax(scores)
        upstream = [Constant(float(w.grad), label=f"dL/dw.{t}") for t, w in enumerate(call.weights)]
        with name_scope("upstream"):
            root = value_sum([w * g for w, g in zip(weights, upstream)])
    root.label = "L (first order)"
    return root


def real_grads(copies: Sequence[Value], originals: Sequence[Value]) -> dict[Value, float | None]:
    """Walk two graphs of the same shape from their outputs; map each copied node to the original's
    gradient. The walk stops at the copy's leaves.

    >>> from chainrule import Value
    >>> x = Value(2.0); y = x * x; y.backward()
    >>> c = Value(2.0); grads = real_grads([c * c], [y])
    >>> grads[c]
    4.0
    """
    grads: dict[Value, float | None] = {}
    stack = list(zip(copies, originals))
    while stack:
        copy, original = stack.pop()
        if copy not in grads:
            grads[copy] = float(original.grad) if original.has_grad else None
            stack.extend(zip(copy.parents, original.parents))
    return grads

# %% [markdown]
# # 1. The chain rule on gates
#
# A formula is a graph of small operations, *gates*: each takes a few numbers and produces one.
# The **forward pass** computes every gate's output from its inputs. The **backward pass**
# computes how the final output changes with each number in the graph, its *gradient*, by the
# chain rule, one gate at a time:
#
# $$ \frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \cdot \frac{\partial q}{\partial x}
# \qquad \text{gradient at the input} = \text{gradient at the output (upstream)} \times \text{the gate's local gradient}. $$
#
# A gate needs to know only its own *local* gradient; the upstream gradient arrives from the gates
# after it. This notebook follows that, step by step, on the examples of CS231n's notes on
# backpropagation.

# %%

import chainrule
from chainrule import Value
from chainrule.nn import MLP
from chainrule.viz import draw, draw_path
from chainrule.viz.steps import record_forward, step_through

# %% [markdown]
# ## A first graph: $f = (x + y)\, z$
#
# With $x = -2$, $y = 5$, $z = -4$. We name the intermediate sum $q = x + y$, so
# $f = q z$. Before any backward pass the picture shows every gradient as "—", not computed.

# %%
x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
q = x + y
q.label = "q"
f = q * z
f.label = "f"
draw(f)

# %% [markdown]
# ## The forward pass, node by node
#
# `record_forward` evaluates the graph in topological order (every node after its inputs) and
# records each node's value, together with the local gradients its gate keeps for the backward
# pass: for $q = x + y$ they are $\partial q/\partial x = \partial q/\partial y = 1$; for
# $f = q z$ they are $\partial f/\partial q = z = -4$ and $\partial f/\partial z = q = 3$.

# %%
record_forward(f)

# %% [markdown]
# ## The backward pass, one chain-rule step at a time
#
# Backward starts with $\partial f / \partial f = 1$ and walks the graph from the output to the
# inputs. At each gate, each input receives *upstream × local*:
#
# $$ \frac{\partial f}{\partial q} = 1 \cdot z = -4, \quad \frac{\partial f}{\partial z} = 1 \cdot q = 3, \quad
# \frac{\partial f}{\partial x} = \frac{\partial f}{\partial q}\cdot\frac{\partial q}{\partial x} = -4 \cdot 1 = -4, \quad
# \frac{\partial f}{\partial y} = -4 \cdot 1 = -4. $$
#
# `step_through(f)` clears earlier gradients, runs `backward()` and records every one of those
# applications: the table has one row per (gate, input) pair.

# %%
trace = step_through(f)
trace

# %% [markdown]
# Each step can be drawn as a *frame*: the graph with the gradients known so far, the active gate
# and edge highlighted. Step 1, the multiply gate sending $1 \times (-4)$ to $q$:

# %%
trace.frame(0)

# %% [markdown]
# Step 3, the add gate passing $q$'s gradient unchanged to $x$:

# %%
trace.frame(2)

# %% [markdown]
# After the last step every gradient is filled in: the ordinary picture after `backward()`.

# %%
print(x.grad, y.grad, z.grad)
draw(f)

# %% [markdown]
# ## Three gate patterns
#
# Most gates fall into a few patterns, and knowing them makes backprop readable at a glance:
#
# - **add distributes**: $\partial (a + b)/\partial a = 1$, so an add gate hands its upstream
#   gradient unchanged to every input;
# - **multiply swaps**: $\partial (ab)/\partial a = b$, so each input gets the upstream gradient
#   times the *other* input;
# - **max routes**: $\partial \max(a, b)/\partial a$ is 1 if $a$ is the larger and 0 otherwise,
#   so the whole gradient goes to the winner and none to the loser.
#
# CS231n's example: $f = 2\,\big(xy + \max(z, w)\big)$ at $x = 3$, $y = -4$, $z = 2$, $w = -1$.
#
# The constant 2 is a leaf of the graph too, and the chain rule sends it a gradient like any other
# input, but nothing uses it. `constants=False` leaves the steps into constants out of the record
# (the backward pass still applies them, so every gradient is the same), and the table keeps to
# the gates' inputs.

# %%
x, y, z, w = (Value(v, label=name) for v, name in [(3.0, "x"), (-4.0, "y"), (2.0, "z"), (-1.0, "w")])
product, largest = x * y, chainrule.maximum(z, w)
product.label, largest.label = "xy", "max"
total = product + largest
total.label = "sum"
f = 2 * total
f.label = "f"
gates = step_through(f, constants=False)
gates

# %% [markdown]
# The table's `why` column names the pattern of each step; `step.rule` holds it as a word:

# %%
for step in gates:
    print(f"{step.node_name:>4} -> {step.parent_name:<4} {step.rule:<10} upstream {step.upstream:g} x local {step.local:g}"
          f" = {step.contribution:g}")

# %% [markdown]
# The max gate's step that sends nothing to the loser, $w$:

# %%
loser = next(i for i, step in enumerate(gates) if step.parent_name == "w")
print(gates.explain(loser))
gates.frame(loser)

# %% [markdown]
# ### When a value is used twice, its gradients add
#
# If $x$ feeds two gates, it receives a contribution from each, and they add up (the multivariate
# chain rule). In $f = xy + x$, $\partial f/\partial x = y + 1$. The table shows the second
# contribution landing on top of the first ("paths sum"):

# %%
x, y = Value(3.0, label="x"), Value(-4.0, label="y")
xy = x * y
xy.label = "xy"
f = xy + x
f.label = "f"
twice = step_through(f)
print(twice.table())
print("x.grad =", x.grad, "= y + 1")

# %% [markdown]
# ## A sigmoid neuron
#
# A neuron with two inputs and a sigmoid activation:
#
# $$ f(w, x) = \frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}} $$
#
# at $w = (2, -3, -3)$, $x = (-1, -2)$. Written with elementary gates it is a chain of multiply,
# add, negate, exp, add and divide gates. The weights are `Parameter`s (drawn green), and we
# label the intermediate nodes and leave out the steps into the two constants 1, so that the table
# reads like the formula.

# %%
w0, w1, w2 = (chainrule.Parameter(v, label=f"w{i}") for i, v in enumerate([2.0, -3.0, -3.0]))
x0, x1 = Value(-1.0, label="x0"), Value(-2.0, label="x1")
dot = w0 * x0 + w1 * x1 + w2
dot.label = "dot"
minus = -dot
e = chainrule.exp(minus)
denominator = 1 + e
neuron = 1 / denominator
minus.label, e.label, denominator.label, neuron.label = "-dot", "e", "1+e", "f"
steps = step_through(neuron, constants=False)
steps

# %% [markdown]
# Two frames: the exp gate (local gradient $e^{u}$, its own output), and the last step, where the
# multiply gate of $w_0 x_0$ swaps and sends $x_0$ the upstream gradient times $w_0$.

# %%
exp_step = next(i for i, step in enumerate(steps) if step.op == "exp")
print(steps.explain(exp_step))
steps.frame(exp_step)

# %%
print(steps.explain(len(steps) - 1))
steps.frame(len(steps) - 1)

# %% [markdown]
# The gradient reaching `dot` is $0.1966$. That is no accident: the sigmoid
# $\sigma(u) = 1/(1 + e^{-u})$ has the local gradient $\sigma(u)\,(1 - \sigma(u))$, and with
# $\sigma = 0.7311$ that is $0.7311 \times 0.2689 = 0.1966$. So the five gates after `dot` can be
# replaced by **one sigmoid gate** with that local gradient: the same gradients, in far fewer steps.

# %%
one_gate = chainrule.sigmoid(dot)
one_gate.label = "f"
short = step_through(one_gate)
print(f"{len(steps)} steps with elementary gates, {len(short)} with a sigmoid gate")
print("gradients:", [round(v.grad, 4) for v in (w0, x0, w1, x1, w2)])
short

# %%
draw(one_gate)

# %% [markdown]
# ## Playing the steps
#
# In a live notebook `steps.widget()` is a player: a slider and previous/next buttons over the
# frames, with each step's row of the table and its explanation. Outside a running kernel (before
# the cell is run here, or on a code host) it shows as a picture of its first step: run the cell to play.

# %%
steps.widget()

# %% [markdown]
# For a page that plays without Python at all, `steps.save_html("neuron.html")` writes one
# self-contained HTML file, every frame inlined, with buttons, a slider and arrow keys.
# (`steps.to_html()` returns the same page as a string.)

# %%
page = steps.to_html(title="A sigmoid neuron, step by step")
print(f"{len(page) / 1000:.0f} kB of HTML for {len(steps)} steps")

# %% [markdown]
# **Summary.** Every gate multiplies the gradient arriving from above by its own local gradient:
# add gates distribute, multiply gates swap, max gates route, and a value used twice adds up its
# contributions. A whole network's backward pass is nothing more than this, repeated gate by gate.

# %% [markdown]
# ## Why this gradient: the sum over paths
#
# Unroll the chain rule over a whole graph and it says: **a leaf's gradient is the sum, over every
# path from the leaf to the output, of the product of the local derivatives along the path.**
# A *diamond* shows it: $x$ feeds two gates, $a = 2x$ and $b = \sin x$, which meet again in
# $y = a\,b$. Two paths lead from $x$ to $y$, and `chainrule.paths` lists them with their products.

# %%
x = Value(3.0, label="x")
a, b = 2 * x, x.sin()
a.label, b.label = "a", "b"
y = a * b
y.label = "y"
y.backward()
report = chainrule.paths(y, x)
report

# %% [markdown]
# Each row is one path; its product multiplies the local derivative on each edge
# ($\partial a/\partial x = 2$, then $\partial y/\partial a = b$). The two products add up to
# `x.grad`, and the report says so. The picture lights one path (here the larger one, through $b$);
# `chainrule.draw(y, **report.highlight(0))` does the same with no caption, and
# `chainrule.viz.save_paths_html(report, "paths.html")` writes a page that walks path by path.

# %%
draw_path(report, 0)

# %% [markdown]
# Paths multiply: 30 stacked diamonds have $2^{30}$ of them, over a billion. The report still lists
# only the largest few (a best-first search) and adds up **all** of them by dynamic programming:
# each node's share is computed once and reused by every path through it, which is what backprop
# (and forward mode) do.

# %%
x = Value(0.3, label="x")
y = x
for _ in range(30):
    y = y.sin() * y.cos()
y.label = "y"
y.backward()
deep = chainrule.paths(y, x, max_paths=3)
print(deep.summary())
print(deep.verdict())
print(f"{deep.count:,} paths, {deep.left_out:,} left out; the search took {deep.result.work} steps")

# %% [markdown]
# ## Forward mode beside reverse mode
#
# The same local derivatives can be multiplied in the other order. **Forward mode** starts at one
# input $x$ with tangent $1$ and pushes $\partial\,\text{node}/\partial x$ towards the output:
# each node's tangent is the sum of (its input's tangent × local derivative). One forward pass gives
# the derivative of *every output* with respect to *one input*; one reverse pass (backward) gives
# the derivative of *one output* with respect to *every input*. Stepping through forward mode on the
# diamond: each step is *tangent in × local = contribution*.

# %%
x = Value(3.0, label="x")
a, b = 2 * x, x.sin()
a.label, b.label = "a", "b"
y = a * b
y.label = "y"
forward = step_through(y, mode="forward", wrt=x)
forward

# %%
y.backward()
print(f"forward mode: {chainrule.forward_grad(y, x):.12f}")
print(f"reverse mode: {x.grad:.12f}")

# %% [markdown]
# Which order is cheaper depends on the shape. A 2-4-1 MLP has 17 parameters and one output: its
# gradient takes **17 forward passes but one reverse pass**, which is why training uses reverse
# mode. Its first layer, 4 outputs of 2 inputs, goes the other way: 2 forward passes against 4
# reverse ones. `chainrule.jacobian` computes the matrix either way and reports the passes.

# %%
model = MLP(2, [4, 1], seed=1)
inputs = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
out = model(inputs)
params = model.parameters()
by_forward = chainrule.jacobian(out, params, mode="forward")
by_reverse = chainrule.jacobian(out, params, mode="reverse")
print(by_forward.summary())
print(by_reverse.summary())
print("largest difference between the two:", max(abs(f - r) for f, r in zip(by_forward[0], by_reverse[0])))

# %%
layer = chainrule.jacobian(model.layers[0](inputs), inputs, mode="forward")
layer

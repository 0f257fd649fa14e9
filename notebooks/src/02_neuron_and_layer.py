# %% [markdown]
# # 2. A neuron and a layer
#
# A neuron computes a weighted sum of its inputs and passes it through a nonlinear *activation*
# function:
#
# $$ a = \varphi(z), \qquad z = \sum_k w_k x_k + b. $$
#
# A layer is several neurons reading the same inputs. This notebook looks at the usual
# activations and their derivatives (checked numerically with chainrule), at what a layer of
# neurons computes over the plane, and at why the nonlinearity is essential: without it, any stack
# of layers collapses into a single linear map.

# %%
import matplotlib.pyplot as plt
import numpy as np

import chainrule
from chainrule import Value, gradcheck
from chainrule.nn import Layer, Neuron
from chainrule.viz import draw

# %% [markdown]
# ## The sigmoid and its derivative
#
# $$ \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
# \sigma'(z) = \frac{e^{-z}}{(1 + e^{-z})^2}
# = \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}
# = \sigma(z)\,\big(1 - \sigma(z)\big). $$
#
# The last form is why the sigmoid is cheap to differentiate: the derivative needs only the output.
# chainrule's sigmoid op uses exactly this as its local gradient. Let us check it, at 201 points,
# against the formula, using `backward()` on one scalar at a time:

# %%
zs = np.linspace(-6, 6, 201)


def derivative(activation, z):
    """d activation / dz at z, by backward() on a single Value."""
    x = Value(float(z))
    activation(x).backward()
    return x.grad


sigmoid = 1 / (1 + np.exp(-zs))
backward_slope = np.array([derivative(Value.sigmoid, z) for z in zs])
print("max |backward - sigma (1 - sigma)| =", np.abs(backward_slope - sigmoid * (1 - sigmoid)).max())

# %% [markdown]
# That compares the engine with the formula it was built from. An independent check needs no
# formula at all: `gradcheck` compares `backward()` with a centered difference
# $\frac{\sigma(z+h) - \sigma(z-h)}{2h}$. The sigmoid at a few points, including far out where it
# saturates:

# %%
gradcheck(lambda z0, z1, z2, z3: z0.sigmoid() + z1.sigmoid() + z2.sigmoid() + z3.sigmoid(),
          [-8.0, -1.0, 0.5, 12.0])

# %% [markdown]
# ## Three activations side by side
#
# $$ \tanh'(z) = 1 - \tanh^2(z), \qquad
# \mathrm{relu}(z) = \max(0, z), \quad \mathrm{relu}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases} $$
#
# (relu has a kink at 0; chainrule uses 0 there.) All derivatives below come from `backward()`.

# %%
activations = {"sigmoid": Value.sigmoid, "tanh": Value.tanh, "relu": Value.relu}

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for name, activation in activations.items():
    left.plot(zs, [activation(Value(float(z))).data for z in zs], label=name)
    right.plot(zs, [derivative(activation, z) for z in zs], label=name)
left.set_title("activation  φ(z)")
right.set_title("derivative  φ'(z), from backward()")
for ax in (left, right):
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_xlabel("z")
    ax.legend()
plt.show()

# %% [markdown]
# Two things matter for training. The sigmoid's slope is at most $\tfrac14$ (at $z = 0$) and nearly
# 0 once $|z| > 5$: a *saturated* sigmoid passes almost no gradient back, and through several
# layers these factors multiply. relu's slope is exactly 1 for every positive input, so it does not
# shrink gradients, but it is exactly 0 for negative inputs.
#
# ## One neuron
#
# chainrule's `Neuron(nin, activation)` holds `nin` weights (uniform in $[-1, 1]$ from a seed) and
# a bias. Its weighted sum is a single n-ary sum node over the products and the bias, followed by
# the activation node.

# %%
neuron = Neuron(3, activation="sigmoid", seed=1)
inputs = [Value(v, label=f"x{k}") for k, v in enumerate([1.0, -2.0, 0.5])]
a = neuron(inputs)
a.backward()
draw(a, inputs=inputs)

# %% [markdown]
# Read the picture right to left: the output's grad is 1; the sigmoid multiplies it by
# $\sigma(1 - \sigma)$, giving the grad of $z$; the sum passes that same grad to each product
# and to the bias; each product sends it to its weight times the matching input, and to its input
# times the weight.
#
# ## One layer
#
# `Layer(nin, nout, activation)` is `nout` neurons over the same inputs; called on one input it
# returns the list of their activations:

# %%
layer = Layer(2, 4, activation="relu", seed=3)
layer([0.5, -1.0])

# %% [markdown]
# Each relu neuron is 0 on one side of the line $w \cdot x + b = 0$ and grows linearly on the other
# side. Evaluating the layer over a grid of the plane shows the four neurons as four such ramps,
# in different directions. (`chainrule.no_grad()` skips building the graph, since we only need
# values.)

# %%
grid = np.linspace(-2, 2, 41)
with chainrule.no_grad():
    outputs = np.array([[[a.data for a in layer([u, v])] for u in grid] for v in grid])

fig, axes = plt.subplots(1, 4, figsize=(12, 3))
for j, ax in enumerate(axes):
    image = ax.imshow(outputs[:, :, j], origin="lower", extent=(-2, 2, -2, 2), cmap="viridis")
    ax.set_title(f"neuron {j}: relu(w·x + b)")
    fig.colorbar(image, ax=ax, shrink=0.8)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Why the nonlinearity matters
#
# Take away the activation (`activation="linear"`, so $a = z$). A layer is then an affine map
# $x \mapsto W x + b$, and two of them compose into one:
#
# $$ W_2 (W_1 x + b_1) + b_2 = (W_2 W_1)\, x + (W_2 b_1 + b_2). $$
#
# So a deep stack of linear layers can compute nothing a single linear layer cannot. Let us check
# it numerically: build two linear layers, read their weights into NumPy, and compare the stack
# with the single map $W = W_2 W_1$, $b = W_2 b_1 + b_2$ on many random inputs.

# %%
first = Layer(2, 4, activation="linear", seed=4)
second = Layer(4, 3, activation="linear", seed=5)


def matrices(layer):
    w = np.array([[p.data for p in neuron.w] for neuron in layer.neurons])
    b = np.array([neuron.b.data for neuron in layer.neurons])
    return w, b


for neuron in first.neurons + second.neurons:  # biases start at 0: give them values, so b matters
    neuron.b.data = 0.3
(W1, b1), (W2, b2) = matrices(first), matrices(second)
W, b = W2 @ W1, W2 @ b1 + b2

rng = np.random.default_rng(0)
points = rng.uniform(-3, 3, size=(200, 2))
with chainrule.no_grad():
    stacked = np.array([[o.data for o in second(first(list(p)))] for p in points])
single = points @ W.T + b
print("max |two linear layers - one linear map| =", np.abs(stacked - single).max())

# %% [markdown]
# Equal up to rounding. Now put a relu between the same two layers and ask for the best single
# linear map, fitted by least squares. It cannot match:

# %%
def fit_error(outputs):
    """Largest error of the least-squares affine fit  outputs ≈ [points, 1] @ M."""
    design = np.hstack([points, np.ones((len(points), 1))])
    coefficients, *_ = np.linalg.lstsq(design, outputs, rcond=None)
    return np.abs(design @ coefficients - outputs).max()


with chainrule.no_grad():
    with_relu = np.array([[o.data for o in second([h.relu() for h in first(list(p))])] for p in points])
print(f"best affine fit: linear stack error {fit_error(stacked):.1e}, with relu error {fit_error(with_relu):.2f}")

# %% [markdown]
# The same fact seen through gradients: the derivative of an affine map is the same everywhere.
# `chainrule.grad(output, inputs)` gives the slope of the first output with respect to the two
# inputs at a few points; for the linear stack it never changes, with relu it jumps from region
# to region.

# %%
for p in [(-1.0, 0.5), (0.2, 0.2), (1.5, -1.0)]:
    x = [Value(p[0]), Value(p[1])]
    linear_slope = chainrule.grad(second(first(x))[0], x)
    relu_slope = chainrule.grad(second([h.relu() for h in first(x)])[0], x)
    print(f"at {p}: linear stack {np.round(linear_slope, 4)}, with relu {np.round(relu_slope, 4)}")

# %% [markdown]
# Finally, along a line through the input plane, $x(t) = t\,(1, 0.5)$: the linear stack is a
# straight line, the relu network is piecewise linear, bending where a hidden neuron switches on
# or off. Bends are what let a network fit curved decision boundaries. Where every hidden neuron
# is on (here near the origin) relu passes $z$ through unchanged and the network *is* the linear
# stack: the same values, and the same slope, as at the point (0.2, 0.2) above.

# %%
ts = np.linspace(-3, 3, 121)
with chainrule.no_grad():
    line_linear = [second(first([t, 0.5 * t]))[0].data for t in ts]
    line_relu = [second([h.relu() for h in first([t, 0.5 * t])])[0].data for t in ts]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ts, line_linear, label="two linear layers")
ax.plot(ts, line_relu, label="linear, relu, linear")
ax.set_xlabel("t")
ax.set_ylabel("first output")
ax.legend()
plt.show()

# %% [markdown]
# **Summary.** An activation's derivative is a local gradient like any other: $\sigma(1-\sigma)$
# for the sigmoid, $1 - \tanh^2$ for tanh, a step for relu, all confirmed numerically. A layer is
# neurons side by side. And the nonlinearity is what makes depth worth having: without it, layers
# multiply into one matrix.

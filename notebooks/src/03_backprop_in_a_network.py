# %% [markdown]
# # 3. Backpropagation in a network: four equations, checked against the engine
#
# chainrule differentiates one scalar at a time: every multiply, every sum, every sigmoid is its
# own node, and `backward()` applies the chain rule node by node. Textbooks (Nielsen's
# *Neural Networks and Deep Learning*, chapter 2) write the same computation with vectors and
# matrices, as **four equations**. This notebook computes those four equations with NumPy for a
# small sigmoid network and shows that they give exactly the gradients chainrule finds on the
# same weights.

# %%
import numpy as np

import chainrule
from chainrule.nn import MLP
from chainrule.viz import draw
from chainrule.viz.steps import step_through

# %% [markdown]
# ## The network
#
# Three inputs, two hidden layers of 4 and 3 sigmoid neurons, and 2 sigmoid outputs. Layer $l$
# has a weight matrix $w^l$ (row $j$ holds the weights of neuron $j$) and a bias vector $b^l$:
#
# $$z^l = w^l a^{l-1} + b^l, \qquad a^l = \sigma(z^l), \qquad a^0 = x.$$
#
# The cost of one example is the quadratic cost $C = \tfrac12 \lVert a^L - y \rVert^2$.
#
# `MLP` starts with biases at 0; we load random values into every parameter (weights and
# biases) so that nothing is accidentally zero.

# %%
model = MLP(3, [4, 3, 2], activation="sigmoid", last_activation="sigmoid")
rng = np.random.default_rng(0)
model.load_state_dict({name: float(rng.normal()) for name, _ in model.named_parameters()})
model

# %% [markdown]
# The parameters can be read back as NumPy matrices: neuron $j$ of a layer holds row $j$ of
# $w^l$ in `neuron.w` and $b^l_j$ in `neuron.b`.

# %%
def weights(layer):
    """(w, b) of a chainrule Layer as NumPy arrays."""
    w = np.array([[p.data for p in neuron.w] for neuron in layer.neurons])
    b = np.array([neuron.b.data for neuron in layer.neurons])
    return w, b


W = [None] + [weights(layer)[0] for layer in model.layers]  # W[l] is w^l, for l = 1 .. L
B = [None] + [weights(layer)[1] for layer in model.layers]
L = len(model.layers)
[w.shape for w in W[1:]]

# %% [markdown]
# ## The forward pass, with matrices
#
# One example: an input $x$ and a target $y$. We keep every $z^l$ and $a^l$, because the
# backward pass needs them.

# %%
x = np.array([0.5, -1.2, 2.0])
y = np.array([1.0, 0.0])


def sigma(z):
    return 1 / (1 + np.exp(-z))


def sigma_prime(z):
    return sigma(z) * (1 - sigma(z))


a, z = [x], [None]
for l in range(1, L + 1):
    z.append(W[l] @ a[l - 1] + B[l])
    a.append(sigma(z[l]))
cost = 0.5 * np.sum((a[L] - y) ** 2)
print("a^L =", a[L], " C =", cost)

# %% [markdown]
# ## The four equations
#
# Call $\delta^l_j = \partial C / \partial z^l_j$ the *error* of neuron $j$ in layer $l$. Then,
# with $\odot$ the elementwise product:
#
# $$
# \begin{aligned}
# \text{(BP1)}\quad & \delta^L = \nabla_a C \odot \sigma'(z^L), \qquad \nabla_a C = a^L - y \text{ for the quadratic cost} \\
# \text{(BP2)}\quad & \delta^l = \big((w^{l+1})^T \delta^{l+1}\big) \odot \sigma'(z^l) \\
# \text{(BP3)}\quad & \partial C / \partial b^l_j = \delta^l_j \\
# \text{(BP4)}\quad & \partial C / \partial w^l_{jk} = a^{l-1}_k \, \delta^l_j
# \quad\text{i.e.}\quad \partial C / \partial w^l = \delta^l \, (a^{l-1})^T
# \end{aligned}
# $$
#
# BP1 starts at the output, BP2 carries the error one layer back (the transpose sends each
# neuron's error back along the weights it used), and BP3, BP4 turn errors into gradients.

# %%
delta = [None] * (L + 1)
delta[L] = (a[L] - y) * sigma_prime(z[L])  # BP1
for l in range(L - 1, 0, -1):
    delta[l] = (W[l + 1].T @ delta[l + 1]) * sigma_prime(z[l])  # BP2

grad_b = [None] + [delta[l] for l in range(1, L + 1)]  # BP3
grad_w = [None] + [np.outer(delta[l], a[l - 1]) for l in range(1, L + 1)]  # BP4
for l in range(1, L + 1):
    print(f"delta^{l} =", delta[l])

# %% [markdown]
# ## The same gradients from chainrule
#
# Now the scalar engine: feed the same $x$ through the model, build the same cost out of `Value`s
# and call `backward()`. Nothing here knows about matrices or the four equations.

# %%
out = model(list(x))
C = 0.5 * chainrule.sum([(o - t) ** 2 for o, t in zip(out, y)])
model.zero_grad()
C.backward()
print("chainrule C =", C.data, " numpy C =", cost)

# %% [markdown]
# Each parameter's `.grad` now holds $\partial C / \partial p$. Read them into matrices of the
# same shape as $w^l$ and $b^l$ and compare, layer by layer:

# %%
def gradients(layer):
    """(dC/dw, dC/db) of a chainrule Layer as NumPy arrays."""
    gw = np.array([[p.grad for p in neuron.w] for neuron in layer.neurons])
    gb = np.array([neuron.b.grad for neuron in layer.neurons])
    return gw, gb


for l, layer in enumerate(model.layers, start=1):
    gw, gb = gradients(layer)
    difference = max(np.abs(gw - grad_w[l]).max(), np.abs(gb - grad_b[l]).max())
    print(f"layer {l}: weights equal {np.allclose(gw, grad_w[l])}, biases equal {np.allclose(gb, grad_b[l])},"
          f" max abs difference {difference:.1e}")

# %% [markdown]
# The differences are at the level of floating-point rounding (about $10^{-17}$): the two
# computations multiply the same numbers, only in a different order.
#
# ## $\delta$ is the gradient of a node
#
# The four equations are the chain rule applied to whole layers; chainrule applies it to single
# nodes. The link is that $\delta^l_j$ is exactly the `grad` of one node: the weighted sum
# $z^l_j$, which is the input of neuron $j$'s sigmoid. To reach those nodes we run the layers one
# at a time instead of calling the whole model.

# %%
activations = [[chainrule.Value(v, label=f"x{k}") for k, v in enumerate(x)]]
for layer in model.layers:
    activations.append(layer(activations[-1]))
C = 0.5 * chainrule.sum([(o - t) ** 2 for o, t in zip(activations[-1], y)])
C.backward()

for l in range(1, L + 1):
    z_nodes = [neuron_output.parents[0] for neuron_output in activations[l]]  # sigmoid(z): its input is z
    print(f"delta^{l}: numpy {np.round(delta[l], 6)}  chainrule {np.round([n.grad for n in z_nodes], 6)}")

# %% [markdown]
# ## A batch of examples
#
# For a training set the cost is the mean over examples,
# $C = \frac1n \sum_x C_x$, so every gradient is the mean of the per-example gradients. With
# matrices we run the four equations for each example and average; chainrule just builds the
# mean and calls `backward()` once.

# %%
X = rng.normal(size=(5, 3))
Y = rng.uniform(size=(5, 2))


def numpy_gradients(x, y):
    """dC/dw^l for one example, by the four equations."""
    a, z = [x], [None]
    for l in range(1, L + 1):
        z.append(W[l] @ a[l - 1] + B[l])
        a.append(sigma(z[l]))
    d = (a[L] - y) * sigma_prime(z[L])
    grads = [np.outer(d, a[L - 1])]
    for l in range(L - 1, 0, -1):
        d = (W[l + 1].T @ d) * sigma_prime(z[l])
        grads.insert(0, np.outer(d, a[l - 1]))
    return grads


mean_numpy = [np.mean(g, axis=0) for g in zip(*(numpy_gradients(xi, yi) for xi, yi in zip(X, Y)))]

costs = [0.5 * chainrule.sum([(o - t) ** 2 for o, t in zip(model(list(xi)), yi)]) for xi, yi in zip(X, Y)]
batch_cost = chainrule.sum(costs) / len(costs)
model.zero_grad()
batch_cost.backward()

for l, layer in enumerate(model.layers, start=1):
    gw, _ = gradients(layer)
    print(f"layer {l}: allclose {np.allclose(gw, mean_numpy[l - 1])},"
          f" max abs difference {np.abs(gw - mean_numpy[l - 1]).max():.1e}")

# %% [markdown]
# ## What the engine actually built
#
# For one example the scalar graph has a node for every product $w^l_{jk} a^{l-1}_k$, one sum
# node per neuron (that sum *is* $z^l_j$), and one sigmoid per neuron. Drawn with each neuron
# collapsed into a box, the picture is the familiar layered network; each box shows its output's
# data and grad.

# %%
inputs = [chainrule.Value(v, label=f"x{k}") for k, v in enumerate(x)]
C = 0.5 * chainrule.sum([(o - t) ** 2 for o, t in zip(model(inputs), y)])
model.zero_grad()
C.backward()
draw(C, collapse="neuron", inputs=inputs)

# %% [markdown]
# Opening one box shows the scalar work behind one neuron: three products, one sum (whose grad
# is $\delta^1_0$) and the sigmoid. Here is the first hidden neuron of the first layer, on its own:

# %%
neuron = model.layers[0].neurons[0]
inputs = [chainrule.Value(v, label=f"x{k}") for k, v in enumerate(x)]
activation = neuron(inputs)
model.zero_grad()
activation.backward()
draw(activation, inputs=inputs)

# %% [markdown]
# ## Stepping through the network: by layer, by neuron, then inside one neuron
#
# `step_through` records every chain-rule application of the backward pass. One example through
# this network takes a hundred-odd scalar steps, which is not how anyone reads a network's
# backward pass. `by="layer"` groups the steps of each layer into one step, drawn on the picture
# with each layer collapsed into a box: the upstream gradient arriving at the layer's outputs, and
# what its inputs receive. This is $\delta^l$ travelling backwards, one equation BP2 per step.

# %%
inputs = [chainrule.Value(v, label=f"x{k}") for k, v in enumerate(x)]
C = 0.5 * chainrule.sum([(o - t) ** 2 for o, t in zip(model(inputs), y)])
C.label = "C"
by_layer = step_through(C, by="layer")
print(by_layer.summary())
for step in by_layer:
    if step.name.startswith("layers."):
        print(f"{step.name}: upstream {[round(g, 4) for _, g in step.upstream]},"
              f" {len(step.steps)} scalar steps")

# %%
by_layer.frame(next(i for i, step in enumerate(by_layer) if step.name == "layers.1"))

# %% [markdown]
# The frame above is the step of the middle layer: its box is outlined in orange (the active
# part, and the edges the gradient flows along), and the box that receives the gradient, the
# first layer, in blue. `by="neuron"` goes one level finer: one step per neuron, drawn with each
# neuron collapsed. The step's row says what upstream gradient arrived at the neuron and what each
# of its inputs and parameters received (the parameters' gradients are BP3 and BP4).

# %%
by_neuron = step_through(C, by="neuron")
first = next(i for i, step in enumerate(by_neuron) if step.name == "layers.0.neurons.0")
print(by_neuron.explain(first))
by_neuron.frame(first)

# %% [markdown]
# Finally, `focus=` steps through the scalar chain rule inside one recorded scope only, drawing
# everything else collapsed: here the first neuron of the first layer. Its parameters are named
# relative to the focus (`w.0`, `b`), and every name in the table is a name in the picture.

# %%
inside = step_through(C, focus="layers.0.neurons.0")
print(inside.table())
inside.frame(len(inside) - 1)

# %% [markdown]
# Each of these traces also plays in the notebook (`trace.widget()`) and exports to a page that
# needs no kernel (`trace.save_html("steps.html")`); the command line takes the same choices:
# `chainrule steps ... --by neuron` and `--focus SCOPE`.

# %% [markdown]
# **Summary.** The four backpropagation equations are the chain rule, organised by layer:
# $\delta^l$ is the gradient of the weighted-sum nodes, BP2 is the chain rule through the
# sums and sigmoids of one layer, and BP3, BP4 are the local gradients of the sum ($1$ for the
# bias) and of each product ($a^{l-1}_k$ for the weight). A scalar engine finds the same numbers
# without ever forming a matrix.

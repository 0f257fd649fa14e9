# %% [markdown]
# # 5. Training a classifier
#
# Everything so far computed gradients. Training uses them: compute a loss that measures how wrong
# the model is, take its gradient with respect to every parameter, and move each parameter a little
# against its gradient. Repeat.
#
# This notebook trains small MLPs on two toy data sets: two interleaved moons (two classes, SVM
# hinge loss with L2 regularisation, as in micrograd's demo) and a three-armed spiral (three
# classes, softmax cross-entropy). Then it compares full-batch gradient descent with mini-batch SGD.

# %%
import matplotlib.pyplot as plt
import numpy as np

from chainrule.nn import (
    MLP,
    SGD,
    Adam,
    evaluate,
    hinge_loss,
    l2_regularization,
    make_moons,
    make_spiral,
    plot_decision_boundary,
    predict,
    softmax_cross_entropy,
    train,
)

# %% [markdown]
# ## The moons
#
# 100 points, two classes, generated from a seed (the same seed always gives the same points).

# %%
points, classes = make_moons(100, noise=0.1, seed=1)
X = np.array(points)

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(X[:, 0], X[:, 1], c=classes, cmap="coolwarm", edgecolors="black", linewidths=0.5)
ax.set_title("make_moons(100, noise=0.1, seed=1)")
plt.show()

# %% [markdown]
# ## Model and loss
#
# The model is an MLP with two hidden layers of 16 relu neurons and one linear output, a *score*
# $s(x)$: positive means class 1, negative class 0. With labels $y = \pm 1$ the **SVM hinge loss**
#
# $$ \frac1n \sum_i \max\big(0,\; 1 - y_i\, s(x_i)\big) $$
#
# is zero for a point classified correctly with a margin ($y s \ge 1$) and grows linearly
# otherwise. To it we add **L2 regularisation** $\alpha \sum_p p^2$ with $\alpha = 10^{-4}$, which
# keeps the weights small (its gradient, $2\alpha p$, pulls every parameter towards 0).

# %%
labels = [2 * c - 1 for c in classes]  # 0/1 -> -1/+1
model = MLP(2, [16, 16, 1], seed=1)
ALPHA = 1e-4


def moons_loss(scores, labels):
    return hinge_loss(scores, labels) + l2_regularization(model.parameters(), ALPHA)


print(model)
print("untrained:", evaluate(model, points, labels, moons_loss))

# %% [markdown]
# ## One step by hand
#
# A step of gradient descent with learning rate $\eta$ is $p \leftarrow p - \eta\, \partial L / \partial p$
# for every parameter $p$: build the loss, clear the old gradients, `backward()`, update.

# %%
learning_rate = 1.0
scores = [model(p) for p in points]
loss = moons_loss(scores, labels)
model.zero_grad()
loss.backward()
for p in model.parameters():
    p.data -= learning_rate * p.grad
print(f"loss before the step {loss.data:.4f}, after {evaluate(model, points, labels, moons_loss).loss:.4f}")

# %% [markdown]
# ## The training loop
#
# `train` repeats exactly that, with an optimiser doing the update. With no `batch_size` every step
# uses all 100 points (*full-batch* gradient descent). As in micrograd's demo the learning rate
# falls linearly from 1.0 towards 0.1 over the run, set before each step by `lr_schedule`.

# %%
STEPS = 30
optimizer = SGD(model.parameters(), lr=learning_rate)
history = train(model, points, labels, moons_loss, optimizer, epochs=STEPS,
                lr_schedule=lambda step: 1.0 - 0.9 * step / STEPS, progress=False)
print("trained:", evaluate(model, points, labels, moons_loss))

# %% [markdown]
# `history.loss` and `history.accuracy` hold one number per epoch (here an epoch is one step):

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
left.plot(history.loss)
left.set_title("loss")
right.plot(history.accuracy)
right.set_title("accuracy")
for ax in (left, right):
    ax.set_xlabel("step")
plt.show()

# %% [markdown]
# ## The decision boundary
#
# `plot_decision_boundary` evaluates the score over a grid covering the plane (under `no_grad`,
# through `predict`: no graph is kept) and shades the plane by the predicted class. Given an `ax`
# it draws into it, so more can go on top: here the boundary $s = 0$ (solid) and the lines
# $s = \pm 1$ (dashed), the margin that the hinge loss asks every point to clear, drawn from the
# scores on a grid over the same area (the points, with 0.5 to spare on every side).
# (Without `ax` it returns a figure of its own; given a path, it also writes the figure as a PNG.)

# %%
def grid_over(X, resolution=40):
    """A grid of points covering X with a margin: (xs, ys, list of [x, y])."""
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, resolution)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, resolution)
    return xs, ys, [[x, y] for y in ys for x in xs]


fig, ax = plt.subplots(figsize=(5.5, 4))
plot_decision_boundary(model, points, classes, ax=ax, title="moons: decision boundary and margins")
xs, ys, grid = grid_over(X)
score = np.array([s.data for s in predict(model, grid)]).reshape(len(ys), len(xs))
ax.contour(xs, ys, score, levels=[-1, 0, 1], colors="black", linestyles=["--", "-", "--"], linewidths=1)
plt.show()

# %% [markdown]
# ## Three classes: the spiral
#
# For $K$ classes the model outputs $K$ scores $z_1, \dots, z_K$, turned into probabilities by the
# softmax, and the loss is the negative log-probability of the true class $y$:
#
# $$ L = -\log \frac{e^{z_y}}{\sum_j e^{z_j}} = \log \sum_j e^{z_j} - z_y. $$
#
# `softmax_cross_entropy` computes it with the log-sum-exp trick (subtract the largest score
# first), so no exponential overflows. Its gradient with respect to $z_j$ is
# $\operatorname{softmax}(z)_j - [j = y]$: push the true class up, the others down, each in
# proportion to its probability.

# %%
spiral_points, spiral_classes = make_spiral(150, classes=3, seed=0)
S = np.array(spiral_points)

fig, ax = plt.subplots(figsize=(4.5, 4))
ax.scatter(S[:, 0], S[:, 1], c=spiral_classes, cmap="viridis", edgecolors="black", linewidths=0.5)
ax.set_title("make_spiral(150, classes=3, seed=0)")
plt.show()

# %% [markdown]
# An MLP with one hidden layer of 16 relu neurons and three outputs, trained with Adam (which scales each parameter's step by a running
# estimate of its gradient's size) on mini-batches of 15 points:

# %%
spiral_model = MLP(2, [16, 3], seed=0)
spiral_history = train(spiral_model, spiral_points, spiral_classes, softmax_cross_entropy,
                       Adam(spiral_model.parameters(), lr=0.05), epochs=30, batch_size=15, progress=False)
print("spiral:", evaluate(spiral_model, spiral_points, spiral_classes, softmax_cross_entropy))

# %% [markdown]
# With three scores, each region is where its class's score is the largest:

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(spiral_history.loss)
left.set_xlabel("epoch")
left.set_title("softmax cross-entropy")
plot_decision_boundary(spiral_model, spiral_points, spiral_classes, ax=right, title="spiral: predicted class")
plt.show()

# %% [markdown]
# ## Mini-batch SGD against full batch
#
# The full-batch gradient is the exact gradient of the training loss, but each step costs a pass
# over all the data. A mini-batch of $B$ points gives a noisy estimate of it for $B/n$ of the cost.
# With the same budget of passes over the data (*epochs*), mini-batches make $n/B$ times as many
# updates. Two identical fresh models (smaller ones, 2-8-8-1, to keep this quick), 10 epochs each,
# the same learning rate, hinge loss alone:

# %%
EPOCHS = 10
runs = {}
for name, batch_size in [("full batch (1 step per epoch)", None), ("mini-batches of 10 (10 steps per epoch)", 10)]:
    net = MLP(2, [8, 8, 1], seed=1)
    runs[name] = train(net, points, labels, hinge_loss, SGD(net.parameters(), lr=0.3),
                       epochs=EPOCHS, batch_size=batch_size, seed=0, progress=False)
    print(f"{name}: {len(runs[name].step_loss)} steps, accuracy {evaluate(net, points, labels).accuracy:.0%}")

# %% [markdown]
# Per epoch, mini-batches are far ahead (left). The right panel shows the loss of every single
# step, placed at the epoch where it was taken: the mini-batch loss is noisy, since each step sees
# a different 10 points, but it falls anyway: on average a mini-batch gradient points the same way
# as the full one.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
for name, run in runs.items():
    left.plot(range(1, EPOCHS + 1), run.loss, "o-", ms=3, label=name)
    steps_per_epoch = len(run.step_loss) / EPOCHS
    right.plot(np.arange(1, len(run.step_loss) + 1) / steps_per_epoch, run.step_loss, lw=1, label=name)
left.set_xlabel("epoch")
left.set_title("mean loss over each epoch")
right.set_xlabel("epoch")
right.set_title("loss of each step's batch")
left.legend(fontsize=8)
plt.show()

# %% [markdown]
# **Summary.** Training is the chain rule plus a loop: build the loss, `backward()`, step every
# parameter against its gradient. The loss decides what "wrong" means (a margin for the hinge,
# a log-probability for softmax cross-entropy), regularisation keeps weights small, and
# mini-batches trade exact gradients for many more updates per pass over the data.

# %% [markdown]
# # 4. Gradient checking: is this derivative right?
#
# `backward()` always returns *a* number. Whether it is the right number depends on every local
# derivative in the graph being right. A gradient check compares it with an estimate that needs no
# derivative at all: nudge the input a little, and watch how the output moves.
#
# This notebook covers the centered difference and its step size, the relative error and its
# verdict bands, kinks (where no check can work), and the per-node audit that finds a wrong
# derivative inside a custom op.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import chainrule
from chainrule import GradcheckError, Op, Parameter, Value, audit, gradcheck, gradcheck_parameters
from chainrule.nn import MLP
from chainrule.viz import draw

# %% [markdown]
# ## The centered difference
#
# The derivative is the limit of a slope. Two finite versions of it:
#
# $$
# \text{forward:}\quad \frac{f(x+h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + O(h^2),
# \qquad
# \text{centered:}\quad \frac{f(x+h) - f(x-h)}{2h} = f'(x) + \tfrac{h^2}{6} f'''(x) + O(h^4).
# $$
#
# The centered one's truncation error shrinks like $h^2$ instead of $h$. But $h$ cannot be made
# arbitrarily small: $f(x \pm h)$ are each rounded to about $10^{-16}\lvert f\rvert$, and dividing
# by $2h$ magnifies that rounding error to about $10^{-16}\lvert f\rvert / h$. Let us measure both
# effects on $f(x) = \tanh(x)\, e^{x}$, with the exact derivative from `backward()`.

# %%
def f(x):
    return x.tanh() * x.exp()


x = Value(0.7, label="x")
f(x).backward()
exact = x.grad


def at(v):
    return f(Value(v)).data


steps = np.logspace(-13, -1, 49)
forward_error = [abs((at(0.7 + h) - at(0.7)) / h - exact) for h in steps]
centered_error = [abs((at(0.7 + h) - at(0.7 - h)) / (2 * h) - exact) for h in steps]

fig, ax = plt.subplots(figsize=(6, 3.8))
ax.loglog(steps, forward_error, "o-", ms=3, label="forward difference")
ax.loglog(steps, centered_error, "o-", ms=3, label="centered difference")
ax.set_xlabel("step h")
ax.set_ylabel("|numeric - exact|")
ax.legend(fontsize=8, loc="lower left")
plt.show()

# %% [markdown]
# Read the plot from the right: truncation error falls as $h$ shrinks (slope 1 for forward, slope 2
# for centered), until rounding error takes over and grows like $1/h$. The centered difference
# is at its best, about $10^{-10}$ or below, for $h$ near $10^{-6}$ to $10^{-5}$; the forward
# difference never gets much better than $10^{-8}$. Where that best $h$ lies depends on the function
# (for $\cos$ at $x = 30000$, or $\sin(xy)$ at $x = y = 1000$, a step scaled to $|x|$ is far too
# large), so `gradcheck` does not bet on one step. It takes centered differences at
# $h = 10^{-3}\max(1, |x|)$, then $h/4$, $h/16$, ..., and combines them by Richardson extrapolation:
# the error of a centered difference is $c_1 h^2 + c_2 h^4 + \dots$, and each combination of two
# neighbouring steps cancels one more term. Every entry gets an error estimate (how much it still
# changes, plus rounding), the best one is kept, and the report shows that estimate next to the
# numeric gradient (the **± numeric** column).
#
# ## The relative error
#
# An absolute error of $10^{-6}$ is excellent for a gradient of size 1000 and terrible for one of
# size $10^{-5}$. So the check compares the analytic gradient $a$ with the numeric one $n$ by the
# *relative* error (CS231n's form):
#
# $$ r = \frac{\lvert a - n \rvert}{\max(\lvert a\rvert, \lvert n\rvert)}, \qquad r = 0 \text{ when } a = n = 0. $$
#
# and reads it in bands:
#
# | band | relative error | meaning |
# |---|---|---|
# | good | $r < 10^{-7}$ | the derivative is right |
# | acceptable | $r < 10^{-4}$ | fine, typical near kinks or with large values |
# | suspicious | $r < 10^{-2}$ | probably a bug |
# | wrong | $r \ge 10^{-2}$ | a bug |
#
# The band is judged against the numeric estimate's error: a disagreement has to exceed three error
# estimates before it counts against the gradient, and an estimate too uncertain to tell says so
# ("undefined") rather than raising a false alarm.
#
# `gradcheck(f, inputs)` calls `f` once, runs `backward()`, then re-evaluates the graph with each
# input moved by $\pm h$ for each step. It returns a report with one row per input (Jupyter shows it
# as a coloured table):

# %%
def g(x, y, z):
    return chainrule.log(1 + chainrule.exp(x * y)) + z.sin() * x


report = gradcheck(g, [0.8, -1.5, 2.0])
report

# %% [markdown]
# The rows are named after `g`'s parameters. The report is also a plain object: `report.ok`,
# `report.worst`, `report["y"]`, and `print(report)` gives a text table.

# %%
print(report.ok, report["y"].rel_error, report.worst.name)

# %% [markdown]
# ### The first step hardly matters
#
# The same correct gradients, checked with first steps `eps` from $10^{-1}$ to $10^{-13}$. Large
# first steps are corrected by extrapolation and by the smaller steps that follow; only a first step
# so tiny that rounding swamps every difference gives a weaker verdict, and then the error estimate
# says why (it is as large as the disagreement), instead of blaming the gradient.

# %%
for eps in [1e-1, 1e-3, 1e-6, 1e-9, 1e-13]:
    worst = gradcheck(g, [0.8, -1.5, 2.0], eps=eps).worst
    print(f"eps = {eps:.0e}: worst input {worst.name}, relative error {worst.rel_error:.1e}"
          f" (numeric ± {worst.numeric_error:.1e})  -> {worst.band}")

# %% [markdown]
# ## Kinks: where a numeric check means nothing
#
# $\mathrm{relu}(x) = \max(0, x)$ has no derivative at 0. chainrule uses 0 there, as is
# conventional. A centered difference across the kink sees a slope of
# $\frac{h - 0}{2h} = \tfrac12$. Neither number is "the" derivative, so the check would be
# meaningless. `gradcheck` notices that $x + h$ and $x - h$ fall on different sides of the kink
# and says **kink** instead of "wrong":

# %%
gradcheck(lambda x: x.relu(), [0.0])

# %% [markdown]
# Near the kink, but not at it, the smaller steps no longer straddle it, and the row is checked
# normally; only at the kink itself does every step straddle it:

# %%
for v in [0.0, 3e-7, 1e-3]:
    row = gradcheck(lambda x: x.relu(), [v])["x"]
    print(f"relu at x = {v:g}: analytic {row.analytic}, numeric {row.numeric:.6f}, band {row.band}")

# %% [markdown]
# The same holds for `abs` at 0 and for `maximum` when its two inputs tie. A kink row does not
# fail the check (`report.ok` stays True) but is listed in `report.kinks`:

# %%
tie = gradcheck(lambda a, b: chainrule.maximum(a, b) * a, [1.0, 1.0])
print(tie.ok, [row.name for row in tie.kinks])
tie

# %% [markdown]
# ## A custom op with a wrong derivative
#
# chainrule's primitives are listed in one table, and you can add your own with `chainrule.Op`: a
# name, a label for pictures, a `forward` on floats, and `local_grads(m, out, *xs)` returning the
# partial derivative of the output with respect to each input.
#
# Here is $\operatorname{logsq}(x) = \log(1 + x^2)$, a smooth penalty. Its derivative is
# $\frac{2x}{1 + x^2}$; we write it with a classic slip: the derivative of the outer $\log$, but
# not the inner $x^2$, i.e. we forget one factor of the chain rule.

# %%
logsq = Op(
    "logsq", "log(1+x²)",
    forward=lambda x: math.log(1 + x * x),
    local_grads=lambda m, out, x: (1 / (1 + x * x),),  # wrong: should be 2 * x / (1 + x * x)
)

# %% [markdown]
# Use it inside a small model: one neuron whose weighted sum goes through `logsq`, then a scaled
# output and a squared error. The four learnable numbers are `Parameter`s (a `Value` that pictures
# colour as a parameter).

# %%
w0, w1 = Parameter(0.9, label="w0"), Parameter(-0.4, label="w1")
b, v = Parameter(0.3, label="b"), Parameter(1.5, label="v")
x0, x1, target = 1.2, -0.7, 0.5


def loss(w0, w1, b, v):
    hidden = logsq(w0 * x0 + w1 * x1 + b)
    return (v * hidden - target) ** 2


out = loss(w0, w1, b, v)
out.backward()
print("loss", out.data, " grads", w0.grad, w1.grad, b.grad, v.grad)

# %% [markdown]
# Backward ran and produced numbers; nothing looks wrong. `gradcheck` disagrees:

# %%
gradcheck(loss, [w0, w1, b, v])

# %% [markdown]
# The gradient of `v` is right, the other three are wrong. That already says something: the
# wrong ones are exactly the inputs whose path to the loss goes *through* `logsq`. In a large
# graph, though, many ops sit on every path. The **audit** checks each op node on its own: it
# compares the node's local gradients (its op's `local_grads`) with a centered difference of its
# op's `forward` at that node's inputs. The first node that disagrees is the culprit.

# %%
found = audit(out)
found

# %%
culprit = found.first_failure
print(culprit.describe())

# %% [markdown]
# The picture with the culprit highlighted:

# %%
draw(out, highlight_nodes=[culprit.node])

# %% [markdown]
# ### The fix
#
# With the inner derivative restored, both checks pass. (Writing the rule with plain arithmetic on
# `x` and `out` also makes it work with `backward(create_graph=True)`, for second derivatives.)

# %%
logsq = Op(
    "logsq", "log(1+x²)",
    forward=lambda x: math.log(1 + x * x),
    local_grads=lambda m, out, x: (2 * x / (1 + x * x),),
)
print("gradcheck ok:", gradcheck(loss, [w0, w1, b, v]).ok, "  audit ok:", audit(loss(w0, w1, b, v)).ok)

# %% [markdown]
# ## Checking a whole model
#
# For a network, `gradcheck_parameters(loss_fn, parameters)` checks the loss gradient of every
# parameter, or a seeded random `sample` of them. Passing `model.named_parameters()` names each
# row by its path in the model.

# %%
model = MLP(2, [8, 8, 1], activation="tanh", seed=0)
points = [[0.5, -1.0], [1.5, 0.3], [-0.2, 0.8], [-1.1, -0.6]]
labels = [1.0, -1.0, 1.0, -1.0]


def model_loss():
    return chainrule.sum([(model(p) - y) ** 2 for p, y in zip(points, labels)]) / len(points)


gradcheck_parameters(model_loss, model.named_parameters(), sample=8, seed=1)

# %% [markdown]
# ## In a test
#
# With `raise_on_failure=True` either check raises `GradcheckError` (an `AssertionError`) whose
# message names the worst input, or the first wrong node, so a failing test says what is wrong:

# %%
broken = Op("cube", "x³", lambda x: x ** 3, lambda m, out, x: (2 * x * x,))  # should be 3x²

try:
    audit(broken(Value(2.0, label="x")) + 1, raise_on_failure=True)
except GradcheckError as error:
    print(error)

# %% [markdown]
# **Summary.** Check gradients with centered differences over several steps, extrapolated, each with
# an error estimate; judge them by relative error, against that estimate; ignore kinks; and when a
# check fails, let the audit name the node whose local derivative is wrong.

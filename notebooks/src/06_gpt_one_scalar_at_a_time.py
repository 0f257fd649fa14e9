# %% [markdown]
# # 6. A GPT, one scalar at a time
#
# In February 2026 Andrej Karpathy published **microgpt**: a GPT trained and sampled in about 200
# lines of pure Python, on a scalar autograd engine whose ops return their local gradients (the
# design of chainrule's op table), learning to make up first names. Each training step builds tens of
# thousands of scalar nodes, and in microgpt nobody can look at them.
#
# Here the same model is built from `chainrule.nn` parts, so every node carries a scope (pictures
# cluster by module), every gradient can be checked, and any backward pass can be stepped. This
# notebook follows one token through the embeddings, draws one attention head, steps its softmax
# backward, checks a head's gradients numerically, trains the model for a short while and samples.

# %%
import math
import random

import matplotlib.pyplot as plt

import chainrule
from chainrule import Value, draw, gradcheck_parameters, topological_order
from chainrule.nn import GPT, CharTokenizer, load_names
from chainrule.nn.gpt_inspect import head_copy, softmax_copy
from chainrule.nn.gpt_train import train_gpt
from chainrule.viz.steps import step_through

# %% [markdown]
# ## The names and the tokenizer
#
# The corpus is the US Census first-name lists, shipped by the `names` package (no download at run
# time). Each name is a document; the tokenizer gives each letter an id and adds a **BOS** token that
# starts and ends every document.

# %%
corpus = load_names()
tokenizer = CharTokenizer.from_documents(corpus.documents)
print(f"{len(corpus)} names from {corpus.source.split(' at ')[0]}")
print("first names:", ", ".join(corpus.documents[:8]))
print(tokenizer)
print("emma ->", tokenizer.encode("emma"))

# %% [markdown]
# ## The model
#
# microgpt's shape: token and position embeddings of 16 numbers, RMSNorm, one block of causal
# self-attention with 4 heads and an MLP with squared ReLU (each with a residual connection), and a
# linear head giving 27 next-token scores. Every matrix starts as $\mathcal N(0, 0.08^2)$.

# %%
model = GPT(tokenizer.vocab_size, n_embd=16, n_head=4, n_layer=1, block_size=16, seed=0)
model

# %% [markdown]
# ## One token through the embeddings
#
# The token id is **data, not structure**: the embedding picks its row with the `select` op, whose
# inputs are an *index leaf* and the 27 candidate numbers of one column. Its local gradient is 1
# for the chosen row and 0 for the others (and for the index), like relu's, it depends on the data.
# Here is the first of the 16 dimensions of the token `e` at position 0 (the position's row needs no
# lookup: in a graph of fixed length it is always the same row).

# %%
token = Value(float(tokenizer.encode("e")[1]), label="token")
with chainrule.name_scope("wte"):
    row = model.wte(token)
first = row[0] + model.wpe.weight[0][0]
first.label = "x.0"
first.backward()
draw(first, rankdir="LR")

# %% [markdown]
# Set the index leaf to another letter and re-run the same graph: another row comes out. This is
# what lets a recorded graph be replayed on another name.

# %%
for letter in "emz":
    token.data = float(tokenizer.encode(letter)[1])
    print(letter, round(first.recompute(), 4), "==", round(model.wte.weight[int(token.data)][0].data
                                                           + model.wpe.weight[0][0].data, 4))

# %% [markdown]
# ## The loss of one name
#
# `model.loss(tokens)` runs the model at each position of `[BOS] emma [BOS]` (up to `block_size`)
# and averages the next-token cross-entropy. Untrained, it is close to $\ln 27 \approx 3.30$: every
# letter about equally likely.

# %%
tokens = tokenizer.encode("emma")
with model.blocks[0].attn.recording() as calls:
    loss = model.loss(tokens)
model.zero_grad()
loss.backward()
print(f"loss {loss.data:.4f} (ln 27 = {math.log(27):.4f}), {len(topological_order(loss)):,} nodes,"
      f" {len(model.parameters()):,} parameters")

# %% [markdown]
# ## One attention head, drawn
#
# `attn.recording()` kept the nodes of every head call. Head 0 at position 2 (the query is the
# first `m`, after `BOS e`) attends over the keys of positions 0, 1 and 2. The picture is a copy of
# that head on leaves holding the real `q`, `k` and `v`, with the gradients from the real backward
# pass; it is clustered by module: scores, softmax, mix.

# %%
call = next(c for c in calls if (c.position, c.head) == (2, 0))
scope = ("blocks.0", "attn", "heads.0")
outputs, grads = head_copy(call, scope)
print("attention weights:", [round(w.data, 3) for w in call.weights])
draw(outputs, grads=grads, caption="blocks.0.attn.heads.0 at position 2 of 'emma'")

# %% [markdown]
# The same picture with the three parts collapsed to boxes (`collapse=4`: scopes four names deep),
# which is how a larger graph stays readable:

# %%
draw(outputs, grads=grads, collapse=4)

# %% [markdown]
# ## The softmax, backward, step by step
#
# The softmax turns the three scores into weights. Its backward pass receives the real gradient of
# the loss with respect to each weight ($g_t$, Constants here) and sends each score its share: for
# the scores $s$ and weights $w = \mathrm{softmax}(s)$,
#
# $$ \frac{\partial L}{\partial s_i} = w_i \Big(g_i - \sum_t w_t\, g_t\Big). $$
#
# The stepper shows every chain-rule application that adds up to it (the `max` node only shifts the
# scores for numerical safety; its gradient is 0 up to rounding).

# %%
root = softmax_copy(call, scope)
trace = step_through(root)
print(f"{len(trace)} chain-rule steps")
trace

# %% [markdown]
# The scores' gradients agree with the formula above and with the real graph:

# %%
scores = sorted((n for n in topological_order(root) if n.label.startswith("score.")), key=lambda n: n.label)
w = [x.data for x in call.weights]
g = [x.grad for x in call.weights]
formula = [w[i] * (g[i] - sum(a * b for a, b in zip(w, g))) for i in range(len(w))]
for copy, real, f in zip(scores, call.scores, formula):
    print(f"{copy.label}: stepped {copy.grad:+.6e}  real graph {real.grad:+.6e}  formula {f:+.6e}")

# %% [markdown]
# `trace.save_html("softmax.html")` writes the same steps as a page that plays without Python; the
# command `chainrule gpt` writes this head's picture and that page after training.
#
# ## Checking the head's gradients
#
# `gradcheck_parameters` perturbs each parameter both ways, re-runs the recorded graph and compares
# the centered difference with the analytic gradient. Here: the rows of the query, key and value
# projections that feed head 0 (4 rows each of 16 weights), a random sample of 36 of them, on the
# short name "al".

# %%
attn = model.blocks[0].attn
head_rows = {f"{name}.{i}.{j}": getattr(attn, name).w[i][j]
             for name in ("wq", "wk", "wv") for i in range(4) for j in range(16)}
report = gradcheck_parameters(lambda: model.loss(tokenizer.encode("al")), head_rows, sample=36, seed=0)
print(f"{len(report)} parameters checked, ok: {report.ok}, bands: {sorted({row.band for row in report})}")
print("largest relative error:", max(row.rel_error for row in report))

# %% [markdown]
# ## A short training run
#
# microgpt's recipe: one name per step, Adam with $\beta = (0.85, 0.99)$, learning rate 0.01
# decaying linearly to 0. Here 200 steps (`chainrule gpt` runs 300 by default, microgpt 1,000).

# %%
run = train_gpt(model, corpus.documents, tokenizer, steps=200, seed=0, progress=False)
print(f"first step {run.losses[0]:.3f}, mean of the last 50 steps {run.mean_last(50):.3f}")
window = 20
smooth = [sum(run.losses[i:i + window]) / window for i in range(len(run.losses) - window + 1)]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(run.losses, alpha=0.3, label="each step")
ax.plot(range(window - 1, len(run.losses)), smooth, label=f"mean of {window}")
ax.axhline(math.log(27), color="gray", linestyle="--", label="ln 27")
ax.set_xlabel("step")
ax.set_ylabel("loss (nats)")
ax.legend()
plt.show()

# %% [markdown]
# ## Samples
#
# To sample, start at BOS and draw each next letter from the softmax of the scores divided by a
# temperature (0.5: bolder than the model's own odds), until BOS comes out.

# %%
rng = random.Random(0)
print(" ".join(tokenizer.decode(model.sample(rng, temperature=0.5)) for _ in range(10)))

# %% [markdown]
# **Summary.** A GPT is scalar ops all the way down: lookups (`select`), sums of products, a
# normalisation, softmaxes, a squared ReLU, a log-sum-exp. chainrule keeps each of them a node with
# a scope, so one head can be drawn, one softmax stepped and any parameter's gradient checked, on
# the real model.

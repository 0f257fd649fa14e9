"""Neural networks on chainrule Values: modules, losses, optimisers, toy data, training.

micrograd's ``nn`` code runs unchanged:

>>> from chainrule.nn import MLP
>>> model = MLP(2, [16, 16, 1])
>>> loss = (model([2.0, 3.0]) - 1.0) ** 2
>>> model.zero_grad(); loss.backward()
>>> for p in model.parameters():
...     p.data -= 0.01 * p.grad
>>> len(model.parameters())
337
"""

from chainrule.nn.data import make_blobs, make_circles, make_moons, make_spiral
from chainrule.nn.gpt import (
    GPT,
    Block,
    CausalSelfAttention,
    Embedding,
    FeedForward,
    Linear,
    RMSNorm,
    attend,
    cross_entropy,
    softmax,
)
from chainrule.nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from chainrule.nn.losses import (
    binary_cross_entropy_with_logits,
    hinge_loss,
    l2_regularization,
    mse_loss,
    softmax_cross_entropy,
    softplus,
)
from chainrule.nn.module import Module
from chainrule.nn.optim import SGD, Adam, Optimizer
from chainrule.nn.plot import plot_decision_boundary
from chainrule.nn.text import CharTokenizer, Corpus, load_names
from chainrule.nn.train import Evaluation, History, accuracy, argmax, evaluate, predict, train

__all__ = [
    "GPT", "Block", "CausalSelfAttention", "CharTokenizer", "Corpus", "Embedding", "FeedForward", "Linear",
    "RMSNorm", "attend", "cross_entropy", "load_names", "softmax",
    "ACTIVATIONS", "MLP", "SGD", "Adam", "Evaluation", "History", "Layer", "Module", "Neuron",
    "Optimizer", "accuracy", "argmax", "binary_cross_entropy_with_logits", "evaluate",
    "hinge_loss", "l2_regularization", "make_blobs", "make_circles", "make_moons", "make_spiral",
    "mse_loss", "plot_decision_boundary", "predict", "softmax_cross_entropy", "softplus", "train",
]

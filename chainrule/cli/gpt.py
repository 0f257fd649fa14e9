"""``chainrule gpt``: microgpt's GPT trained on first names, with a look inside it written to a folder.

It trains with a progress bar, prints the loss curve's summary and ten sampled names, and writes
``attention-head.svg`` (one head of the first block at one position of a real name: its scores,
softmax and mix, clustered by module, with the values and gradients of the trained model) and
``softmax-backward.html`` (a stepper page of that head's softmax, backward, with the real upstream
gradients).
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

from chainrule.cli.demo import fresh_folder
from chainrule.nn.gpt import GPT, HeadCall
from chainrule.nn.gpt_inspect import head_copy, softmax_copy
from chainrule.nn.gpt_train import DEFAULT_STEPS, TrainingRun, train_gpt
from chainrule.nn.text import CharTokenizer, Corpus, load_names
from chainrule.viz import save
from chainrule.viz.steps import step_through

DEFAULT_FOLDER = "chainrule-gpt"
SAMPLES, TEMPERATURE = 10, 0.5  # microgpt samples at temperature 0.5
HEAD, POSITION = 0, 2  # the head and position pictured (the third character of a name)


@dataclass
class GPTResult:
    """What :func:`run_gpt` did: the training run, the sampled names, where the pictures are.

    >>> d = Path("out")
    >>> result = GPTResult(TrainingRun([3.3, 2.5], "rebuild", 1.0), 27, ["ann", "bo"], "names", d,
    ...                    d / "attention-head.svg", d / "softmax-backward.html", "emma")
    >>> print(result.summary())  # doctest: +ELLIPSIS
    loss: 3.3000 at step 1 (ln 27 = 3.2958), mean of the last 50 steps 2.9000 after 2 steps (rebuild, 1.00 s)
    ...
    sampled names: ann bo
    ...
    """

    run: TrainingRun
    vocab_size: int
    samples: list[str]
    source: str
    out_dir: Path
    head_svg: Path
    softmax_html: Path
    pictured: str

    def summary(self) -> str:
        """The lines ``chainrule gpt`` prints after training."""
        losses = self.run.losses
        tenth = max(1, len(losses) // 10)
        means = [sum(losses[i:i + tenth]) / len(losses[i:i + tenth]) for i in range(0, len(losses), tenth)]
        return "\n".join([
            (f"loss: {losses[0]:.4f} at step 1 (ln {self.vocab_size} = {math.log(self.vocab_size):.4f}),"
             f" mean of the last 50 steps {self.run.mean_last(50):.4f} after {len(losses)} steps"
             f" ({self.run.mode}, {self.run.seconds:.2f} s)"),
            "loss by tenths of the run: " + " ".join(f"{m:.3f}" for m in means),
            f"sampled names: {' '.join(name or '(empty)' for name in self.samples)}",
            f"one attention head ({self.pictured!r}): {self.head_svg}",
            f"its softmax, backward, step by step: {self.softmax_html}",
        ])


def run_gpt(out_dir: str | os.PathLike[str] | None = None, *, steps: int = DEFAULT_STEPS, seed: int = 0,
            corpus: str | os.PathLike[str] | None = None, quiet: bool = False,
            compile: bool = True) -> GPTResult:
    """Train microgpt's GPT on first names (or ``corpus``, a file of one document per line), print
    the loss and ten samples, write the head picture and the softmax stepper page to ``out_dir``.

    ``out_dir`` is created if needed; None picks a new ``./chainrule-gpt`` (``-2``, ... if taken).
    Training replays compiled graphs (``chainrule.compile``); ``compile=False`` rebuilds every step.

    >>> import tempfile
    >>> result = run_gpt(tempfile.mkdtemp(), steps=2, quiet=True)
    >>> result.head_svg.name, result.softmax_html.name, len(result.samples)
    ('attention-head.svg', 'softmax-backward.html', 10)
    """
    names = load_names(corpus)  # before the folder: a missing corpus file leaves nothing behind
    folder = _prepare(out_dir)
    tokenizer = CharTokenizer.from_documents(names.documents)
    model = GPT(tokenizer.vocab_size, seed=seed)
    if not quiet:
        print(f"chainrule gpt: {repr(model).splitlines()[0]}\n"
              f"corpus: {len(names)} documents, {names.source}\n"
              f"training: {steps} steps of Adam, one document per step", flush=True)
    mode = "compile" if compile else "rebuild"
    run = train_gpt(model, names.documents, tokenizer, steps=steps, seed=seed, mode=mode, progress=not quiet)
    rng = random.Random(seed)
    samples = [tokenizer.decode(model.sample(rng, TEMPERATURE)) for _ in range(SAMPLES)]
    name = _pictured(names)
    head_svg, softmax_html = _pictures(model, tokenizer, name, folder)
    result = GPTResult(run, tokenizer.vocab_size, samples, names.source, folder, head_svg, softmax_html, name)
    if not quiet:
        print(result.summary())
    return result


def _prepare(out_dir: str | os.PathLike[str] | None) -> Path:
    folder = fresh_folder(DEFAULT_FOLDER) if out_dir is None else Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"gpt output folder {str(folder)!r} is a file")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pictured(names: Corpus) -> str:
    """The first document long enough to have the pictured position."""
    return next((doc for doc in names.documents if len(doc) >= POSITION), names.documents[0])


def _pictures(model: GPT, tokenizer: CharTokenizer, name: str, folder: Path) -> tuple[Path, Path]:
    """The real graph of ``name``'s loss, backward, then one head at one position drawn and stepped."""
    tokens = tokenizer.encode(name)
    with model.blocks[0].attn.recording() as calls:
        loss = model.loss(tokens)
    model.zero_grad()
    loss.backward()
    position = min(POSITION, len(tokens) - 2)
    call = next(c for c in calls if c.position == position and c.head == HEAD)
    scope = ("blocks.0", "attn", f"heads.{HEAD}")
    # Copies of one call, not step_through(loss, focus=...) on the real graph: a focus is a scope,
    # and a head's scope holds every position's call (the softmax focus steps 110 steps of 5 positions
    # on a 7385 x 13434 pt picture of 1,691 edges, a 1 MB page, against 31 steps and 37 kB here).
    outputs, grads = head_copy(call, scope)
    caption = _caption(call, name, tokenizer)
    head_svg = save(outputs, folder / "attention-head.svg", grads=grads, caption=caption)
    trace = step_through(softmax_copy(call, scope))
    title = f"Softmax of {'.'.join(scope)} at position {position} of {name!r}, backward"
    softmax_html = trace.save_html(folder / "softmax-backward.html", title=title)
    return head_svg, softmax_html


def _caption(call: HeadCall, name: str, tokenizer: CharTokenizer) -> str:
    seen = tokenizer.decode(tokenizer.encode(name)[:call.position + 1]) or "BOS"
    return (f"blocks.0.attn.heads.{call.head} at position {call.position} of {name!r} (after {seen!r}):"
            " scores, softmax and mix, with the trained model's values and gradients")

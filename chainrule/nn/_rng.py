"""Where the randomness of nn comes from: a passed seed or ``random.Random``, never global state."""

from __future__ import annotations

import numbers
import random

Seed = int | random.Random


def as_rng(seed: Seed) -> random.Random:
    """The generator for ``seed``: a ``random.Random`` is used as is, an int seeds a new one."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return random.Random(int(seed))
    raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}: {seed!r:.60}")

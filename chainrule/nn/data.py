"""Deterministic 2-D toy data sets: moons, circles, spiral, blobs (no scikit-learn needed).

Each returns ``(points, labels)``: a list of ``[x, y]`` float pairs and a list of int class labels,
shuffled. The same ``seed`` (an int or a ``random.Random``) always gives the same points.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence

from chainrule.nn._rng import Seed, as_rng

Dataset = tuple[list[list[float]], list[int]]


def make_moons(n_samples: int = 100, *, noise: float = 0.1, seed: Seed = 0) -> Dataset:
    """Two interleaving half circles (labels 0 and 1), Gaussian ``noise`` added to each coordinate.

    >>> from chainrule.nn import make_moons
    >>> points, labels = make_moons(6, noise=0.0)
    >>> len(points), sorted(labels)
    (6, [0, 0, 0, 1, 1, 1])
    >>> make_moons(6, seed=1) == make_moons(6, seed=1)
    True
    """
    outer, inner = _split(n_samples, 2)
    points = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, outer)]
    points += [[1 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, inner)]
    return _finish(points, [0] * outer + [1] * inner, noise, as_rng(seed))


def make_circles(n_samples: int = 100, *, noise: float = 0.05, factor: float = 0.5,
                 seed: Seed = 0) -> Dataset:
    """A circle of radius 1 (label 0) around one of radius ``factor`` (label 1).

    >>> from chainrule.nn import make_circles
    >>> points, labels = make_circles(8, noise=0.0, seed=0)
    >>> sorted(round(math.hypot(*p), 6) for p in points)
    [0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0]
    """
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor!r}")
    outer, inner = _split(n_samples, 2)
    points = [_on_circle(i / outer, 1.0) for i in range(outer)]
    points += [_on_circle(i / inner, factor) for i in range(inner)]
    return _finish(points, [0] * outer + [1] * inner, noise, as_rng(seed))


def make_spiral(n_samples: int = 150, *, classes: int = 3, noise: float = 0.2, seed: Seed = 0) -> Dataset:
    """``classes`` interleaved spiral arms (CS231n's data set); ``noise`` perturbs each angle (radians).

    Unlike CS231n's, no arm has a point at the origin, where all arms would meet with different labels.

    >>> from chainrule.nn import make_spiral
    >>> points, labels = make_spiral(9, classes=3, seed=0)
    >>> sorted(labels)
    [0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    rng = as_rng(seed)
    _check_positive(classes, "make_spiral: classes")
    _check_noise(noise)
    points, labels = [], []
    for arm, count in enumerate(_split(n_samples, classes)):
        for radius in [(i + 1) / count for i in range(count)]:
            angle = 4.0 * (arm + radius) + rng.gauss(0.0, noise)
            points.append([radius * math.sin(angle), radius * math.cos(angle)])
            labels.append(arm)
    return _finish(points, labels, 0.0, rng)


def make_blobs(n_samples: int = 100, *, centers: int | Sequence[Sequence[float]] = 3, noise: float = 1.0,
               box: tuple[float, float] = (-10.0, 10.0), seed: Seed = 0) -> Dataset:
    """Gaussian blobs of standard deviation ``noise``, one per center (label = center index).

    ``centers`` is a non-empty list of ``(x, y)`` or a count of centers drawn uniformly in ``box``.

    >>> from chainrule.nn import make_blobs
    >>> points, labels = make_blobs(4, centers=[(0, 0), (5, 5)], noise=0.0)
    >>> sorted(map(tuple, points))
    [(0.0, 0.0), (0.0, 0.0), (5.0, 5.0), (5.0, 5.0)]
    """
    rng = as_rng(seed)
    if isinstance(centers, numbers.Integral):
        _check_positive(centers, "make_blobs: centers")
        low, high = _pair(box, "make_blobs: box must be a (low, high) pair of finite numbers")
        centers = [(rng.uniform(low, high), rng.uniform(low, high)) for _ in range(centers)]
    elif isinstance(centers, (str, bytes)) or not hasattr(centers, "__len__") or len(centers) == 0:
        raise ValueError("make_blobs: centers must be a positive int or a non-empty list of (x, y),"
                         f" got {centers!r:.60}")
    else:
        centers = [_pair(c, f"make_blobs: center {i} must be an (x, y) pair of finite numbers")
                   for i, c in enumerate(centers)]
    points, labels = [], []
    for label, (count, center) in enumerate(zip(_split(n_samples, len(centers)), centers)):
        points += [[float(center[0]), float(center[1])] for _ in range(count)]
        labels += [label] * count
    return _finish(points, labels, noise, rng)


def _finish(points: list[list[float]], labels: list[int], noise: float, rng: random.Random) -> Dataset:
    """Add Gaussian noise to every coordinate, then shuffle points and labels together."""
    _check_noise(noise)
    if noise:
        points = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y in points]
    order = list(range(len(points)))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def _split(n_samples: int, parts: int) -> list[int]:
    """``n_samples`` shared as evenly as possible among ``parts`` (the first parts get the extra)."""
    _check_positive(n_samples, "n_samples")
    return [n_samples // parts + (i < n_samples % parts) for i in range(parts)]


def _linspace(start: float, stop: float, count: int) -> list[float]:
    if count == 1:
        return [start]
    return [start + (stop - start) * i / (count - 1) for i in range(count)]


def _on_circle(turn: float, radius: float) -> list[float]:
    return [radius * math.cos(2 * math.pi * turn), radius * math.sin(2 * math.pi * turn)]


def _check_noise(noise: float) -> None:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0 <= noise < math.inf:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r:.60}")


def _pair(pair: Sequence[float], message: str) -> tuple[float, float]:
    """``pair`` as two finite floats, or ValueError(``message``, with the value)."""
    if (isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2
            or not all(_is_finite_number(c) for c in pair)):
        raise ValueError(f"{message}, got {pair!r:.60}")
    return float(pair[0]), float(pair[1])


def _is_finite_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _check_positive(n: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")

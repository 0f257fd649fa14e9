"""Toy data sets: deterministic for a seed, different across seeds, the right shapes and labels."""

import math
import random
from collections import Counter

import pytest

from chainrule.nn import make_blobs, make_circles, make_moons, make_spiral

GENERATORS = [
    lambda n, seed: make_moons(n, noise=0.1, seed=seed),
    lambda n, seed: make_circles(n, noise=0.05, seed=seed),
    lambda n, seed: make_spiral(n, classes=3, seed=seed),
    lambda n, seed: make_blobs(n, centers=4, seed=seed),
]
NAMES = ["moons", "circles", "spiral", "blobs"]


@pytest.mark.parametrize("make", GENERATORS, ids=NAMES)
def test_same_seed_same_points_different_seed_different_points(make):
    random.seed(0)
    first = make(60, 3)
    random.seed(1)  # the global generator plays no part
    assert make(60, 3) == first
    assert make(60, random.Random(3)) == first
    assert make(60, 4)[0] != first[0]


@pytest.mark.parametrize("make, classes", list(zip(GENERATORS, [2, 2, 3, 4])), ids=NAMES)
def test_shapes_and_balanced_labels(make, classes):
    points, labels = make(61, 0)
    assert len(points) == len(labels) == 61
    assert all(len(p) == 2 and all(isinstance(c, float) and math.isfinite(c) for c in p) for p in points)
    counts = Counter(labels)
    assert sorted(counts) == list(range(classes))
    assert max(counts.values()) - min(counts.values()) <= 1
    assert labels != sorted(labels)  # shuffled


def test_moons_without_noise_lie_on_their_half_circles():
    points, labels = make_moons(40, noise=0.0)
    for (x, y), label in zip(points, labels):
        if label == 0:
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:
            assert math.hypot(x - 1, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12


def test_circles_radii_and_factor():
    points, labels = make_circles(20, noise=0.0, factor=0.3)
    for p, label in zip(points, labels):
        assert math.hypot(*p) == pytest.approx(1.0 if label == 0 else 0.3)


def test_spiral_arms_reach_radius_one_and_never_share_a_point():
    points, _ = make_spiral(30, classes=3, noise=0.0)
    radii = sorted(math.hypot(*p) for p in points)
    assert radii[0] == pytest.approx(0.1) and radii[-1] == pytest.approx(1.0)
    assert len({(round(x, 9), round(y, 9)) for x, y in points}) == 30


def test_blobs_at_given_centers():
    points, labels = make_blobs(200, centers=[(5.0, 5.0), (-5.0, 0.0)], noise=0.5, seed=2)
    for label, center in enumerate([(5.0, 5.0), (-5.0, 0.0)]):
        mine = [p for p, y in zip(points, labels) if y == label]
        mean = [sum(c) / len(mine) for c in zip(*mine)]
        assert mean == pytest.approx(list(center), abs=0.2)


def test_noise_spreads_points():
    clean, _ = make_moons(100, noise=0.0, seed=1)
    noisy, _ = make_moons(100, noise=0.3, seed=1)
    offsets = [math.hypot(a[0] - b[0], a[1] - b[1]) for a, b in zip(sorted(clean), sorted(noisy))]
    assert max(offsets) > 0.1


@pytest.mark.parametrize("call, message", [
    (lambda: make_moons(0), "n_samples must be a positive int"),
    (lambda: make_moons(10, noise=-1), "noise must be a finite number >= 0"),
    (lambda: make_circles(10, factor=1.5), r"factor must be in \(0, 1\)"),
    (lambda: make_spiral(10, classes=0), "classes must be a positive int"),
    (lambda: make_blobs(10, seed="x"), "seed must be an int or a random.Random"),
    (lambda: make_blobs(10, centers=[]), "make_blobs: centers must be a positive int or a non-empty list"),
    (lambda: make_blobs(10, centers=0), "make_blobs: centers must be a positive int, got 0"),
    (lambda: make_blobs(10, centers=[(0, 0), (1,)]), r"make_blobs: center 1 must be an \(x, y\) pair"),
    (lambda: make_blobs(10, centers=["ab"]),
     r"make_blobs: center 0 must be an \(x, y\) pair of finite numbers, got 'ab'"),
    (lambda: make_blobs(10, centers=[(0, float("nan"))]), r"center 0 must be an \(x, y\) pair of finite"),
    (lambda: make_blobs(10, box=(0, float("inf"))), r"make_blobs: box must be a \(low, high\) pair"),
    (lambda: make_blobs(-3), "n_samples must be a positive int, got -3"),
    (lambda: make_circles(0), "n_samples must be a positive int, got 0"),
    (lambda: make_spiral(2.5), "n_samples must be a positive int, got 2.5"),
    (lambda: make_spiral(10, noise=-1), "noise must be a finite number >= 0, got -1"),
    (lambda: make_spiral(10, noise=float("nan")), "noise must be a finite number >= 0, got nan"),
    (lambda: make_moons(10, noise=float("inf")), "noise must be a finite number >= 0, got inf"),
    (lambda: make_circles(10, factor=float("nan")), r"factor must be in \(0, 1\)"),
])
def test_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()

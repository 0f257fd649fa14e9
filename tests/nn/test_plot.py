"""The decision-boundary PNG shades each class's region in that class's colour."""

import pytest
from matplotlib import colormaps
from matplotlib.image import imread

from chainrule import Value
from chainrule.nn import plot_decision_boundary

POINTS = [[0.0, 0.0], [1.0, 1.0]]  # axes span -0.5 .. 1.5 in both directions


def _pixel(path, x, y):
    """The RGB colour at data point (x, y): the axes fill 12.5%..90% of the width, 11%..88% of the height."""
    image = imread(path)
    height, width = image.shape[:2]
    col = int(width * (0.125 + 0.775 * (x + 0.5) / 2))
    row = int(height * (1 - (0.11 + 0.77 * (y + 0.5) / 2)))
    return list(image[row, col, :3])


def _shade(k, count):
    """A class colour at alpha 0.6 over the white background."""
    return [0.6 * c + 0.4 for c in colormaps["Spectral"]((k + 0.5) / count)[:3]]


def test_one_score_shades_class_one_where_it_is_positive(tmp_path):
    path = plot_decision_boundary(lambda x: Value(x[0] - 0.5), POINTS, [-1, 1], tmp_path / "b.png")
    assert _pixel(path, -0.3, 1.2) == pytest.approx(_shade(0, 2), abs=0.02)
    assert _pixel(path, 1.3, -0.2) == pytest.approx(_shade(1, 2), abs=0.02)


def test_class_scores_shade_the_winning_class(tmp_path):
    def model(x):
        return [Value(x[0] - 0.5), Value(0.5 - x[0]), Value(x[1] - 1.2)]

    path = plot_decision_boundary(model, POINTS, [0, 1], tmp_path / "c.png", resolution=30)
    assert _pixel(path, 1.3, 0.2) == pytest.approx(_shade(0, 3), abs=0.02)
    assert _pixel(path, -0.3, 0.2) == pytest.approx(_shade(1, 3), abs=0.02)
    assert _pixel(path, 0.5, 1.45) == pytest.approx(_shade(2, 3), abs=0.02)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="resolution must be an int >= 2"):
        plot_decision_boundary(lambda x: Value(0.0), POINTS, [0, 1], tmp_path / "x.png", resolution=1)
    with pytest.raises(ValueError, match="as many labels as points"):
        plot_decision_boundary(lambda x: Value(0.0), POINTS, [0], tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []

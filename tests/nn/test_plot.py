"""The decision-boundary picture shades each class's region in that class's colour; it is a Figure,
drawn into the caller's Axes if given, and written as a PNG only when a path is given."""

import io
import pickle

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib import colormaps
from matplotlib.figure import Figure
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
    path = tmp_path / "b.png"
    plot_decision_boundary(lambda x: Value(x[0] - 0.5), POINTS, [-1, 1], path)
    assert _pixel(path, -0.3, 1.2) == pytest.approx(_shade(0, 2), abs=0.02)
    assert _pixel(path, 1.3, -0.2) == pytest.approx(_shade(1, 2), abs=0.02)


def test_a_one_element_list_is_one_score(tmp_path):
    path = tmp_path / "b.png"
    plot_decision_boundary(lambda x: [Value(x[0] - 0.5)], POINTS, [0, 1], path)
    assert _pixel(path, -0.3, 1.2) == pytest.approx(_shade(0, 2), abs=0.02)
    assert _pixel(path, 1.3, -0.2) == pytest.approx(_shade(1, 2), abs=0.02)


def test_a_model_with_no_scores_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"the model returned an empty list for \[-0.5, -0.5\]"):
        plot_decision_boundary(lambda x: [], POINTS, [0, 1], tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_class_scores_shade_the_winning_class(tmp_path):
    def model(x):
        return [Value(x[0] - 0.5), Value(0.5 - x[0]), Value(x[1] - 1.2)]

    path = tmp_path / "c.png"
    plot_decision_boundary(model, POINTS, [0, 1], path, resolution=30)
    assert _pixel(path, 1.3, 0.2) == pytest.approx(_shade(0, 3), abs=0.02)
    assert _pixel(path, -0.3, 0.2) == pytest.approx(_shade(1, 3), abs=0.02)
    assert _pixel(path, 0.5, 1.45) == pytest.approx(_shade(2, 3), abs=0.02)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="resolution must be an int >= 2"):
        plot_decision_boundary(lambda x: Value(0.0), POINTS, [0, 1], tmp_path / "x.png", resolution=1)
    with pytest.raises(ValueError, match="as many labels as points"):
        plot_decision_boundary(lambda x: Value(0.0), POINTS, [0], tmp_path / "x.png")
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes, got Figure"):
        plot_decision_boundary(lambda x: Value(0.0), POINTS, [0, 1], tmp_path / "x.png", ax=Figure())
    assert list(tmp_path.iterdir()) == []


def _raw_backend():
    return dict.__getitem__(matplotlib.rcParams, "backend")  # without resolving an automatic choice


def test_old_call_style_returns_the_figure_it_wrote(tmp_path):
    path = tmp_path / "old.png"
    figure = plot_decision_boundary(lambda x: Value(x[0] - 0.5), POINTS, [0, 1], path, title="old",
                                    resolution=5)
    assert isinstance(figure, Figure) and figure.axes[0].get_title() == "old"
    assert imread(path).shape[:2] == (450, 500)  # 5 x 4.5 inches at 100 dpi, as before
    assert [p.name for p in tmp_path.iterdir()] == ["old.png"]  # the temp file was renamed into place


def test_without_a_path_nothing_is_written_and_pyplot_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figures, backend = plt.get_fignums(), _raw_backend()
    figure = plot_decision_boundary(lambda x: Value(x[0] - 0.5), POINTS, [0, 1], title="moons", resolution=5)
    assert isinstance(figure, Figure) and [ax.get_title() for ax in figure.axes] == ["moons"]
    assert figure.axes[0].title.get_fontsize() == 10
    assert list(tmp_path.iterdir()) == []
    assert plt.get_fignums() == figures and _raw_backend() == backend  # not a pyplot figure, backend kept
    png = figure._repr_png_()  # what Jupyter shows as the cell's result
    assert imread(io.BytesIO(png)).shape[:2] == (450, 500)
    assert pickle.loads(pickle.dumps(figure))._repr_png_().startswith(b"\x89PNG")


def test_draws_into_the_given_axes(tmp_path):
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3), dpi=50)
    try:
        returned = plot_decision_boundary(lambda x: Value(x[0] - 0.5), POINTS, [0, 1], ax=right,
                                          title="right")
        assert returned is figure and plt.get_fignums() == [figure.number]
        assert left.get_title() == "" and not left.collections
        assert right.get_title() == "right" and len(right.collections) == 3  # two regions and the points
        assert right.title.get_fontsize() == left.title.get_fontsize()  # the caller's title style
        assert right.get_xlim() == pytest.approx((-0.5, 1.5)) and list(tmp_path.iterdir()) == []
        plot_decision_boundary(lambda x: Value(0.5 - x[1]), POINTS, [0, 1], tmp_path / "both.png", ax=left)
        assert imread(tmp_path / "both.png").shape[:2] == (150, 400)  # the whole figure is written
    finally:
        plt.close(figure)


def test_axes_in_a_subfigure_return_the_whole_figure():
    figure = Figure()
    axes = figure.subfigures(1, 2)[1].add_subplot()
    assert plot_decision_boundary(lambda x: Value(x[0]), POINTS, [0, 1], ax=axes, resolution=4) is figure

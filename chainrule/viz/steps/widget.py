"""The notebook player: a slider and previous/next buttons over a trace's frames and table rows.

Frames are rendered only when shown, and cached in the trace, so a graph of a few hundred nodes
steps without re-rendering what was already seen.
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
        self.frame = widgets.HTML()
        self.row = widgets.HTML()
        controls = widgets.HBox([self.previous, self.slider, self.next, self.counter])
        self.box = widgets.VBox([controls, self.frame, self.row])
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

    def _show(self, i: int) -> None:
        self.frame.value = self.trace.frame_svg(i)
        explanation = html.escape(self.trace.explain(i))
        self.row.value = f"<p>{explanation}</p>{self.trace.row_html(i)}"
        self.counter.value = f"step {i + 1} / {len(self.trace)}"
        self.previous.disabled = i == 0
        self.next.disabled = i == len(self.trace) - 1

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)

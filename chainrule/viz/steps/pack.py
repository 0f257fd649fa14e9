"""Packing a page's frames: consecutive frames share most of their SVG lines, so each line is stored
once and a frame is a list of runs into that table (a 300-step trace of a 200-node graph shrinks
about fifteen-fold). The page's script unpacks a frame only when it is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any


def pack_frames(frames: Sequence[str]) -> dict[str, Any]:
    """``{"lines": [...], "runs": [[start, length, start, length, ...], ...]}``, one run list per frame.

    A line repeated inside one frame (``</g>``) gets one entry per repeat, so unchanged stretches
    of a frame stay one long run.

    >>> pack_frames(["a\\nb\\nc", "a\\nx\\nc"])
    {'lines': ['a', 'b', 'c', 'x'], 'runs': [[0, 3], [0, 1, 3, 1, 2, 1]]}
    """
    table: dict[tuple[str, int], int] = {}
    runs = []
    for frame in frames:
        repeats: Counter[str] = Counter()
        frame_runs: list[int] = []
        for line in frame.split("\n"):
            repeats[line] += 1
            index = table.setdefault((line, repeats[line]), len(table))
            if frame_runs and frame_runs[-2] + frame_runs[-1] == index:
                frame_runs[-1] += 1
            else:
                frame_runs += [index, 1]
        runs.append(frame_runs)
    return {"lines": [line for line, _ in table], "runs": runs}


def unpack_frame(pack: dict[str, Any], i: int) -> str:
    """Frame ``i`` back from :func:`pack_frames` (the page's script does the same in JavaScript).

    >>> unpack_frame(pack_frames(["a\\nb\\nc", "a\\nx\\nc"]), 1)
    'a\\nx\\nc'
    """
    runs, lines = pack["runs"][i], pack["lines"]
    return "\n".join(line for k in range(0, len(runs), 2) for line in lines[runs[k]: runs[k] + runs[k + 1]])


# The JavaScript twin of unpack_frame, pasted into the page.
UNPACK_JS = """
  function unpackFrame(pack, i) {
    var runs = pack.runs[i], out = [];
    for (var k = 0; k < runs.length; k += 2) {
      for (var j = runs[k]; j < runs[k] + runs[k + 1]; j++) { out.push(pack.lines[j]); }
    }
    return out.join("\\n");
  }
"""

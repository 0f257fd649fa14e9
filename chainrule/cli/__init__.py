"""The ``chainrule`` command: draw a formula's graph, print its backward steps, check its gradients.

``main(argv)`` runs the command in-process and returns the exit status, so it can be scripted and
tested without a subprocess:

>>> main(["check", "x*y + x", "x=2", "y=3", "--json"])  # doctest: +ELLIPSIS
{
  "formula": "x*y + x",
  ...
  "ok": true,
  ...
0
>>> main(["draw", "x.__class__", "x=1"])
2
"""

from chainrule.cli.app import main

__all__ = ["main"]

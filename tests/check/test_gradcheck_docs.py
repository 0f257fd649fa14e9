"""docs/custom_ops.md cannot rot: its python blocks run in order, and each ```text block that follows
a python block must equal what that block printed."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import chainrule
from chainrule.check.audit import audit
from chainrule.check.gradcheck import GradcheckError, gradcheck, gradcheck_parameters

DOC = Path(__file__).resolve().parents[2] / "docs" / "custom_ops.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)

# The names the doc imports from chainrule; the lead exports them from chainrule/__init__.py.
EXPORTS = {
    "gradcheck": gradcheck, "gradcheck_parameters": gradcheck_parameters,
    "GradcheckError": GradcheckError, "audit": audit,
}


def blocks() -> list[tuple[str, str]]:
    return [(match[1], match[2]) for match in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_doc_has_examples_with_outputs():
    kinds = [kind for kind, _ in blocks()]
    assert kinds.count("python") >= 6
    assert kinds.count("text") >= 4


def test_every_python_block_runs_and_prints_what_the_doc_shows(monkeypatch):
    for name, obj in EXPORTS.items():
        if not hasattr(chainrule, name):  # until the export lands in chainrule/__init__.py
            monkeypatch.setattr(chainrule, name, obj, raising=False)
    namespace: dict[str, object] = {"__name__": "custom_ops_doc"}
    printed = None
    for number, (kind, body) in enumerate(blocks()):
        if kind == "python":
            printed = _run(body, namespace, number)
        elif kind == "text":
            assert printed is not None, f"block {number}: an output block must follow a python block"
            assert printed.rstrip() == body.rstrip(), f"block {number}: the doc shows stale output"
            printed = None


def test_the_docs_wrong_rule_is_caught_by_both_checks():
    """The doc's point, checked directly: gradcheck flags the input, audit names the op."""
    wrong = chainrule.Op("smooth_abs", "s", lambda x: (x * x + 1) ** 0.5,
                         lambda m, out, x: (x / (x * x + 1),))
    assert gradcheck(lambda x: wrong(x) * 3, [2.0])["x"].band == "wrong"
    x = chainrule.Value(2.0)
    assert audit(wrong(x) * 3).first_failure.op == "smooth_abs"


def _run(code: str, namespace: dict[str, object], number: int) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # a failing block's traceback names "custom_ops.md:blockN"
        exec(compile(code, f"{DOC.name}:block{number}", "exec"), namespace)  # noqa: S102 - our own doc
    return out.getvalue()

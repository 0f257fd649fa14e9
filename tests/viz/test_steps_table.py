"""The step tables: aligned plain text for a terminal, escaped HTML for Jupyter."""

from __future__ import annotations

import pytest

from chainrule import Parameter, Value
from chainrule.viz.steps import record_backward, record_forward
from chainrule.viz.steps.table import text_table


def neuron():
    x, w, b = Value(2.0, label="x"), Parameter(-3.0, label="w"), Parameter(6.88, label="b")
    wx = w * x
    wx.label = "w*x"
    n = wx + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def test_backward_table_content():
    lines = record_backward(neuron()).table().splitlines()
    assert lines[0].startswith("backward pass of o: 5 chain-rule steps")
    assert lines[1].split() == ["#", "node", "op", "upstream", "local", "contribution", "input",
                                "before", "after", "why"]
    assert lines[2].split()[:9] == ["1", "o", "tanh", "1", "0.501", "0.501", "n", "0", "0.501"]
    assert lines[5].split()[:9] == ["4", "w*x", "*", "0.501", "2", "1.002", "w", "0", "1.002"]
    assert "tanh: local = 1 - tanh² = 1 - 0.7064² = 0.501" in lines[2]
    assert "* swaps its inputs" in lines[6] and len(lines) == 7


def column_end(header_line: str, name: str) -> int:
    return header_line.index(f" {name}") + 1 + len(name)


def test_numeric_columns_are_right_aligned_and_text_left_aligned():
    a = Value(123.456, label="a_long_name")
    lines = str(record_backward(a * a * -0.001)).splitlines()[1:]
    header = lines[0]
    for name in ("upstream", "local", "contribution", "before", "after"):
        end = column_end(header, name)
        for row in lines[1:]:
            assert row[end - 1] != " " and row[end] == " ", (name, row)
    start = header.index(" input") + 1
    for row in lines[1:]:
        assert row[start - 1] == " " and row[start] != " "


def test_paths_summing_show_in_the_why_column():
    a = Value(3.0, label="a")
    lines = record_backward(a + a).table().splitlines()
    assert lines[3].endswith("paths sum: 1 + 1") and "paths sum" not in lines[2]


def test_text_table_pads_all_but_the_last_column():
    text = text_table(["n", "why"], [["1", "short"], ["100", "x"]], [True, False])
    assert text.splitlines() == ["  n  why", "  1  short", "100  x"]


def test_forward_table():
    lines = record_forward(neuron()).table().splitlines()
    assert lines[0].startswith("forward pass of o: 6 nodes evaluated in topological order")
    assert lines[1].split() == ["#", "node", "op", "inputs", "data", "local", "grads", "how"]
    assert lines[4].split()[:7] == ["3", "w*x", "*", "w=-3,", "x=2", "-6", "2,"]
    assert lines[-1].endswith("o = tanh(n) = tanh(0.88) = 0.7064")


def test_html_table_escapes_user_labels():
    a = Value(2.0, label="<b>&a</b>")
    trace = record_backward(a * 3)
    text = trace._repr_html_()
    assert "<b>&a</b>" not in text and "&lt;b&gt;&amp;a&lt;/b&gt;" in text
    assert text.startswith('<table class="chainrule-steps"><caption>backward pass of mul#2')
    assert text.count("<tr data-step=") == 2
    assert '<td class="num">3</td>' in text
    row = trace.row_html(1)
    assert row.count("<tr data-step=") == 1 and '<tr data-step="1">' in row


def test_forward_html_table():
    text = record_forward(neuron())._repr_html_()
    assert text.count("<tr data-step=") == 6 and "<th>local grads</th>" in text


def test_ipython_shows_the_table():
    pretty = pytest.importorskip("IPython.lib.pretty").pretty
    trace = record_backward(neuron())
    assert pretty(trace) == trace.table() == str(trace)

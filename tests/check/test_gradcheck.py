"""gradcheck: rows, names, bands, kinks, restoring the graph, the raise option."""

from __future__ import annotations

import math

import pytest

from chainrule import NOT_COMPUTED, OPS, Op, Value, maximum, no_grad, relu
from chainrule.check.gradcheck import GradcheckError, gradcheck
from chainrule.check.gradcheck_inputs import step_size
from chainrule.check.gradcheck_report import band_of, judge, relative_error
from chainrule.check.numeric import derivative

# --- relative error and bands ----------------------------------------------------------------


@pytest.mark.parametrize(("a", "n", "expected"), [
    (0.0, 0.0, 0.0), (1.0, 1.0, 0.0), (-2.5, -2.5, 0.0), (2.0, 1.0, 0.5), (1.0, 2.0, 0.5),
    (-1.0, 1.0, 2.0), (0.0, 3.0, 1.0), (1e-300, 0.0, 1.0), (math.inf, math.inf, 0.0),
])
def test_relative_error_is_the_cs231n_formula(a, n, expected):
    assert relative_error(a, n) == expected


def test_relative_error_of_nan_is_nan_and_its_band_is_wrong():
    assert math.isnan(relative_error(math.nan, 1.0))
    assert band_of(relative_error(math.nan, 1.0)) == "wrong"
    assert band_of(relative_error(math.inf, 1.0)) == "wrong"


@pytest.mark.parametrize(("limit", "below", "at"), [
    (1e-7, "good", "acceptable"), (1e-4, "acceptable", "suspicious"), (1e-2, "suspicious", "wrong"),
])
def test_bands_switch_exactly_at_the_cs231n_thresholds(limit, below, at):
    assert band_of(math.nextafter(limit, 0.0)) == below
    assert band_of(limit) == at
    assert band_of(math.nextafter(limit, 1.0)) == at


def _rule_returning(slope: float) -> Op:
    """The identity op with a made-up derivative: at x = 0 its numeric slope is exactly 1.0."""
    return Op("identity", "id", lambda x: x, lambda m, out, x: (slope,))


def _straddling(limit: float) -> tuple[float, float]:
    """Adjacent floats a_lo < a_hi with relative_error(a_lo, 1) < limit <= relative_error(a_hi, 1)."""
    a = 1.0 / (1.0 - limit)
    while relative_error(a, 1.0) >= limit:
        a = math.nextafter(a, 0.0)
    while relative_error(math.nextafter(a, 2.0), 1.0) < limit:
        a = math.nextafter(a, 2.0)
    return a, math.nextafter(a, 2.0)


@pytest.mark.parametrize(("limit", "below", "at"), [
    (1e-7, "good", "acceptable"), (1e-4, "acceptable", "suspicious"), (1e-2, "suspicious", "wrong"),
])
def test_crafted_gradients_on_either_side_of_each_threshold(limit, below, at):
    # the identity's numeric slope at 0 is 1 up to rounding: its error estimate is far below each limit
    low_row = gradcheck(_rule_returning(1 + 0.9 * limit), [0.0], atol=0.0)["x0"]
    high_row = gradcheck(_rule_returning(1 + 1.1 * limit), [0.0], atol=0.0)["x0"]
    assert low_row.numeric == pytest.approx(1.0, abs=1e-12) and low_row.numeric_error < 1e-3 * limit
    assert (low_row.band, high_row.band) == (below, at)


def test_the_verdict_is_judged_against_the_numeric_uncertainty():
    # a disagreement inside 3 error estimates is never a failure ...
    assert judge(1.0, 1.5, 0.0, True, "", uncertainty=1e-5)[0] == "wrong"
    assert judge(1.0, 1.5, 0.0, True, "", uncertainty=0.2)[0] == "undefined"
    # ... a pass must hold for the worst error within them ...
    assert judge(1.0, 1.0 + 5e-8, 0.0, True, "", uncertainty=0.0)[0] == "good"
    assert judge(1.0, 1.0 + 5e-8, 0.0, True, "", uncertainty=2e-8)[0] == "acceptable"
    # ... and an estimate too uncertain to confirm even "acceptable" says so
    band, note = judge(1.0, 1.0 + 1e-9, 0.0, True, "", uncertainty=1e-4)
    assert band == "undefined" and "too uncertain" in note


@pytest.mark.parametrize(("slope", "band", "ok"), [
    (1.0, "good", True), (1 + 5e-6, "acceptable", True), (1 + 5e-3, "suspicious", False),
    (1.5, "wrong", False), (0.0, "wrong", False), (-1.0, "wrong", False),
])
def test_band_and_ok_for_crafted_rules(slope, band, ok):
    report = gradcheck(_rule_returning(slope), [0.0])
    assert (report["x0"].band, report.ok) == (band, ok)


def test_a_tiny_absolute_error_near_a_zero_gradient_is_good_with_a_note():
    band, note = judge(1e-12, 3e-11, atol=1e-8, defined=True, kink_at="")
    assert band == "good" and "atol" in note
    assert judge(1e-12, 3e-11, atol=0.0, defined=True, kink_at="")[0] == "wrong"
    # sin at pi/2 has a gradient of 6e-17; the numeric one is rounding noise around 0
    assert gradcheck(lambda x: x.sin(), [math.pi / 2]).ok


# --- results on real functions ---------------------------------------------------------------


def test_rows_hold_value_analytic_numeric_and_errors():
    report = gradcheck(lambda a, b: a * b + b.exp(), [2.0, 0.5])
    a, b = report
    assert (a.name, a.value, a.analytic) == ("a", 2.0, 0.5)
    assert (b.name, b.value, b.analytic) == ("b", 0.5, 2.0 + math.exp(0.5))
    for row in report:
        assert row.numeric == pytest.approx(row.analytic, rel=1e-8)
        assert row.abs_error == abs(row.analytic - row.numeric)
        assert row.rel_error == relative_error(row.analytic, row.numeric)
        assert row.band == "good" and row.ok
    assert report.ok and report.output == 1.0 + math.exp(0.5) and not report.failures


def test_the_numeric_gradient_matches_rebuilding_the_function_exactly():
    """Re-evaluating the built graph (only downstream nodes) gives bit-for-bit what f would give."""
    def f(a, b, c):
        shared = (a * b).tanh()
        return shared * c + (shared - c).sigmoid() * a + (b * b + 1).log()

    point, eps = [0.7, -1.3, 0.4], 1e-3
    report = gradcheck(f, point, eps=eps)
    for i, row in enumerate(report):
        def rebuilt(t: float, i: int = i) -> tuple[float, None]:
            return f(*[Value(t if j == i else x) for j, x in enumerate(point)]).data, None

        expected = derivative(rebuilt, point[i], step_size(point[i], eps))
        assert (row.numeric, row.numeric_error) == (expected.value, expected.error)


def test_f_is_called_once():
    calls = []

    def f(x, y):
        calls.append(1)
        return (x * y).tanh()

    gradcheck(f, [0.3, 0.9])
    assert len(calls) == 1


def test_an_input_the_output_ignores_has_zero_gradients_and_is_good():
    row = gradcheck(lambda x, unused: x * 2, [1.0, 5.0])["unused"]
    assert (row.analytic, row.numeric, row.band) == (0.0, 0.0, "good")


def test_an_input_used_twice_gets_the_sum_of_both_paths():
    row = gradcheck(lambda a: a * a, [3.0])["a"]
    assert row.analytic == 6.0 and row.band == "good"


def test_f_returning_an_input_itself():
    assert gradcheck(lambda x: x, [2.0])["x"].analytic == 1.0


def test_an_interior_value_as_input_is_checked_as_a_partial_derivative():
    x = Value(1.5, label="x")
    h = x * x
    h.label = "h"
    report = gradcheck(lambda x, h: h * x + x, [x, h])
    assert report.ok
    assert report["x"].analytic == pytest.approx(3 * 1.5**2 + 1)  # total: through h as well
    assert report["h"].analytic == 1.5  # partial: h's own parents held still
    assert h.data == 2.25


# --- names -----------------------------------------------------------------------------------


def test_rows_are_named_by_label_then_parameter_name_then_position():
    labelled = Value(1.0, label="w")
    report = gradcheck(lambda a, b, *rest: a * b * rest[0], [labelled, 2.0, 3.0])
    assert [row.name for row in report] == ["w", "b", "x2"]


def test_an_op_or_builtin_without_parameter_names_gives_x_names():
    assert [row.name for row in gradcheck(OPS["max"], [1.0, 2.0])] == ["x0", "x1"]
    assert [row.name for row in gradcheck(maximum, [1.0, 2.0])] == ["a", "b"]


def test_repeated_labels_are_made_distinct():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    assert [row.name for row in gradcheck(lambda p, q: p * q, [a, b])] == ["w", "w#1"]


def test_report_lookup_by_name_and_index():
    report = gradcheck(lambda x, y: x + y, [1.0, 2.0])
    assert report["y"] is report[1]
    with pytest.raises(KeyError, match="'z'"):
        report["z"]


# --- kinks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("f", "point", "op"), [
    (lambda x: x.relu(), [0.0], "relu"),
    (lambda x: x.abs(), [0.0], "abs"),
    (lambda a, b: maximum(a, b), [1.0, 1.0], "max"),
    (lambda x: relu(x * 2 - 1) * 3, [0.5], "relu"),
])
def test_a_kink_between_x_minus_h_and_x_plus_h_is_reported_not_failed(f, point, op):
    report = gradcheck(f, point)
    assert report.ok
    assert all(row.band == "kink" and op in row.note for row in report)
    assert len(report.kinks) == len(point)


def test_a_max_tie_flags_both_inputs_but_a_clear_winner_is_good():
    assert [row.band for row in gradcheck(maximum, [2.0, 2.0])] == ["kink", "kink"]
    assert [row.band for row in gradcheck(maximum, [2.0, 1.0])] == ["good", "good"]


def test_near_but_not_at_a_kink_is_checked_normally():
    report = gradcheck(lambda x: x.relu() + x.abs(), [1e-3])
    assert report["x"].band == "good" and not report.kinks


def test_a_kink_in_one_branch_of_the_graph_only_marks_inputs_that_reach_it():
    report = gradcheck(lambda x, y: x.relu() + y * 2, [0.0, 1.0])
    assert [row.band for row in report] == ["kink", "good"]


def test_kink_note_names_the_node_by_label():
    def f(x):
        h = x.relu()
        h.label = "hidden"
        return h * 2

    assert "relu 'hidden'" in gradcheck(f, [0.0])["x"].note


# --- undefined points ------------------------------------------------------------------------


def test_a_function_undefined_at_x_minus_h_for_every_step_gives_an_undefined_row_not_a_crash():
    report = gradcheck(lambda x: x ** 0.5, [0.0])
    assert report["x"].band == "undefined" and not report.ok


def test_near_the_edge_of_its_domain_a_function_is_checked_with_smaller_steps():
    row = gradcheck(lambda x: x.log(), [1e-7])["x"]  # x - 1e-3 < 0: smaller steps stay inside
    assert row.band == "good" and row.numeric == pytest.approx(1e7, rel=1e-9)


def test_an_infinite_output_is_undefined():
    assert gradcheck(lambda x: x.exp(), [1000.0])["x"].band == "undefined"


# --- the graph is left as it was -------------------------------------------------------------


def test_data_local_grads_and_grads_are_restored_everywhere():
    from chainrule import topological_order

    a, b = Value(0.4, label="a"), Value(-1.1, label="b")
    c = (a * b).tanh() + (a - b).relu() * a
    c.backward()
    order = topological_order(c)
    before = [(n.data, n.grad, n.local_grads) for n in order]
    gradcheck(lambda a, b: (a * b).tanh() + (a - b).relu() * a, [a, b])
    assert [(n.data, n.grad, n.local_grads) for n in order] == before


def test_grads_of_fresh_inputs_stay_uncomputed_and_the_checked_graph_is_restored():
    built = []

    def f(x):
        built.append(x * 3 + 1)
        return built[-1].tanh()

    x = Value(0.25)
    gradcheck(f, [x])
    assert x.grad is NOT_COMPUTED
    assert built[0].data == 1.75 and built[0].grad is NOT_COMPUTED


def test_the_graph_is_restored_when_re_evaluation_raises():
    def boom(x: float) -> float:
        if x != 1.0:
            raise RuntimeError("forward exploded")
        return x

    op = Op("fragile", "f", boom, lambda m, out, x: (1.0,))
    x = Value(1.0, label="x")
    y = op(x) * 2
    with pytest.raises(RuntimeError, match="forward exploded") as info:
        gradcheck(lambda x: op(x) * 2, [x])
    assert any("x = 1.001" in note for note in info.value.__notes__)
    assert (x.data, y.data) == (1.0, 2.0)


# --- the raise option ------------------------------------------------------------------------


def test_raise_on_failure_names_the_worst_input_with_both_gradients():
    wrong = Op("sq", "x²", lambda x: x * x, lambda m, out, x: (3 * x,))  # should be 2x
    slightly = Op("sq", "x²", lambda x: x * x, lambda m, out, x: (2.001 * x,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda fine, bad, less_bad: fine * 2 + wrong(bad) + slightly(less_bad),
                  [1.0, 2.0, 4.0], raise_on_failure=True)
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    numeric = info.value.report["bad"].numeric
    assert numeric == pytest.approx(4.0, rel=1e-8)
    assert "worst: bad = 2.0" in message and "analytic 6.0" in message and f"numeric {numeric!r}" in message
    assert "failed for 2 of 3 input(s)" in message
    assert info.value.report.worst.name == "bad"
    assert [row.band for row in info.value.report] == ["good", "wrong", "suspicious"]


def test_raise_on_failure_is_silent_when_the_check_passes_or_only_kinks():
    assert gradcheck(lambda x: x.relu(), [0.0], raise_on_failure=True).ok


# --- text and HTML -----------------------------------------------------------------------------


def test_the_text_table_has_a_summary_header_and_one_line_per_input():
    text = str(gradcheck(lambda x, y: x * y, [2.0, 3.0]))
    lines = text.splitlines()
    assert lines[0] == "gradcheck: 2 input(s), eps=0.001: OK"
    assert lines[1].split() == ["input", "value", "analytic", "numeric", "±", "numeric", "abs", "error",
                                "rel", "error", "band", "note"]
    assert lines[2].split()[:4] == ["x", "2", "3", "3"] and lines[3].split()[:4] == ["y", "3", "2", "2"]


def test_html_escapes_labels_and_colours_rows_by_band():
    x = Value(1.0, label='<b>"x"</b>')
    html = gradcheck(lambda x: x * x, [x])._repr_html_()
    assert "<b>" not in html and "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in html
    assert html.count("<tr style=") == 1 and "<table" in html


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.0, -1e-6, math.nan, math.inf])
def test_a_bad_eps_is_refused(eps):
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda x: x, [1.0], eps=eps)


def test_eps_and_atol_must_be_numbers():
    with pytest.raises(TypeError, match="eps must be a float, got str"):
        gradcheck(lambda x: x, [1.0], eps="1e-6")
    with pytest.raises(ValueError, match="atol"):
        gradcheck(lambda x: x, [1.0], atol=-1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_input_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=f"input y is {bad!r}"):
        gradcheck(lambda x, y: x * y, [1.0, bad])
    with pytest.raises(ValueError, match="input v is"):
        gradcheck(lambda x: x, [Value(bad, label="v")])


def test_inputs_must_be_a_list_of_numbers_or_values():
    with pytest.raises(TypeError, match="input x must be a number or a Value, got str"):
        gradcheck(lambda x: x, ["1.0"])
    with pytest.raises(TypeError, match="list of numbers or Values, got float"):
        gradcheck(lambda x: x, 1.0)
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0), [])


def test_f_must_return_one_value():
    with pytest.raises(TypeError, match="must return a Value built from its inputs, got float"):
        gradcheck(lambda x: 2.0, [1.0])
    with pytest.raises(TypeError, match="one scalar Value, got a list of 2"):
        gradcheck(lambda x: [x, x], [1.0])
    with pytest.raises(TypeError, match="needs a function, got int"):
        gradcheck(3, [1.0])


def test_an_exception_raised_by_f_comes_through_unchanged():
    def f(x):
        raise KeyError("missing weight")

    with pytest.raises(KeyError, match="missing weight"):
        gradcheck(f, [1.0])


def test_gradcheck_inside_no_grad_is_refused():
    with no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        gradcheck(lambda x: x * 2, [1.0])


def test_a_deep_chain_is_checked_without_recursion():
    x = Value(0.5, label="x")
    root = x
    for _ in range(20_000):  # far past Python's recursion limit
        root = root * 1.00001
    report = gradcheck(lambda x: root, [x])
    assert report.ok and report["x"].analytic == pytest.approx(1.00001**20_000)


def test_a_big_report_prints_only_the_rows_that_are_not_good():
    from chainrule.check.tables import MAX_ROWS_SHOWN

    count = MAX_ROWS_SHOWN + 5
    report = gradcheck(lambda *xs: sum(x * x for x in xs[:-1]) + xs[-1].relu(), [0.5] * (count - 1) + [0.0])
    lines = str(report).splitlines()
    assert f"{count} input(s)" in lines[0] and f"{count - 1} good row(s) not shown" in lines[0]
    assert len(lines) == 2 + 1 and lines[2].split()[0] == f"x{count - 1}" and "kink" in lines[2]
    assert report._repr_html_().count("<tr style=") == 1 and len(report) == count

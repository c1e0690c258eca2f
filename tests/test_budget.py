"""The step-budget summary on hand-made runs whose medians are known."""

import numpy as np
import pytest

from nnlandscape.budget import budget_summary


def run(losses):
    return {"loss": np.array(losses), "loss_trace": np.tile(np.array(losses)[:, None], (1, 3)),
            "trace_steps": np.array([0, 10, 100])}


def settled(losses, kinds):
    return {"loss": np.array(losses), "kind": np.array(kinds)}


def test_budget_summary_reads_first_and_last_budget():
    runs = {"gd": {10: run([0.3, 0.2, 0.1]), 100: run([0.2, 0.1, 0.05])}}
    low = {"gd": {10: settled([0.25, 0.15, 0.1], [3, 2, 0]), 100: settled([0.1, 0.1, 0.04], [0, 1, 0])}}
    arrays, numbers = budget_summary(runs, low, [100, 10])
    assert arrays["budgets"].tolist() == [10, 100]
    assert numbers["budget_first"] == 10 and numbers["budget_last"] == 100
    assert numbers["budget_gd_first_loss_median"] == pytest.approx(0.2)
    assert numbers["budget_gd_last_loss_median"] == pytest.approx(0.1)
    assert numbers["budget_gd_first_settled_median"] == pytest.approx(0.15)
    assert numbers["budget_gd_first_certified_share"] == pytest.approx(1 / 3)
    assert numbers["budget_gd_last_certified_share"] == pytest.approx(1.0)
    assert numbers["budget_gd_drop_first_to_last"] == pytest.approx(0.5)
    np.testing.assert_array_equal(arrays["gd_end_loss"][1], [0.2, 0.1, 0.05])
    np.testing.assert_array_equal(arrays["gd_trace"], runs["gd"][100]["loss_trace"])


def test_figure_step_budget_draws_the_medians_it_claims():
    from nnlandscape.figures.settle import figure_step_budget

    runs = {opt: {10: run([0.3, 0.2, 0.1]), 100: run([0.2, 0.1, 0.05])} for opt in ("gd", "adadelta")}
    low = {opt: {10: settled([0.25, 0.15, 0.1], [3, 2, 0]), 100: settled([0.1, 0.1, 0.04], [0, 1, 0])}
           for opt in ("gd", "adadelta")}
    arrays, _ = budget_summary(runs, low, [10, 100])
    fig = figure_step_budget(arrays)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["end points (median)"].get_ydata(), [0.2, 0.1])
    np.testing.assert_allclose(lines["settled from them (median)"].get_ydata(), [0.15, 0.1])
    np.testing.assert_allclose(lines["median training loss"].get_ydata(), [0.1, 0.1])  # trace at 10, 100
    np.testing.assert_array_equal(lines["median training loss"].get_xdata(), [10, 100])


def test_budget_summary_every_number_and_array_by_hand():
    runs = {"gd": {10: run([0.4, 0.2, 0.1, 0.0]), 50: run([9.0, 9.0, 9.0, 9.0]),
                   100: run([0.2, 0.1, 0.05, 0.0])},
            "adadelta": {10: run([1.0, 2.0, 3.0, 4.0]), 50: run([1.0, 1.0, 1.0, 1.0]),
                         100: run([0.5, 0.5, 0.5, 0.5])}}
    runs["gd"][100]["trace_steps"] = np.array([0, 50, 100])
    low = {"gd": {10: settled([0.3, 0.1, 0.05, 0.0], [0, 3, 3, 2]), 50: settled([1.0] * 4, [3] * 4),
                  100: settled([0.1, 0.08, 0.02, 0.0], [1, 1, 0, 2])},
           "adadelta": {b: settled([0.5] * 4, [0, 0, 0, 0]) for b in (10, 50, 100)}}
    arrays, numbers = budget_summary(runs, low, [50, 100, 10])
    assert numbers["budget_count"] == 4 and isinstance(numbers["budget_count"], int)
    assert (numbers["budget_first"], numbers["budget_last"]) == (10, 100)
    gd = {k[len("budget_gd_"):]: v for k, v in numbers.items() if k.startswith("budget_gd_")}
    assert gd == pytest.approx({"first_loss_median": 0.15, "first_loss_min": 0.0,
                                "first_settled_median": 0.075, "first_settled_min": 0.0,
                                "first_certified_share": 0.25, "last_loss_median": 0.075,
                                "last_loss_min": 0.0, "last_settled_median": 0.05,
                                "last_settled_min": 0.0, "last_certified_share": 0.75,
                                # drops 0.5, 0.5, 0.5 and 1 from a loss that was already 0
                                "drop_first_to_last": 0.5})
    # Adadelta drops 0.5, 0.75, 0.83, 0.875
    assert numbers["budget_adadelta_drop_first_to_last"] == pytest.approx((0.75 + 5 / 6) / 2)
    assert numbers["budget_adadelta_first_loss_min"] == 1.0
    assert numbers["budget_adadelta_last_certified_share"] == 1.0
    assert arrays["budgets"].tolist() == [10, 50, 100] and arrays["budgets"].dtype == np.int64
    np.testing.assert_array_equal(arrays["gd_end_loss"][:, 0], [0.4, 9.0, 0.2])
    np.testing.assert_array_equal(arrays["gd_settled_loss"][1], [1.0] * 4)
    np.testing.assert_array_equal(arrays["gd_certified"], [[1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]])
    assert arrays["gd_certified"].dtype == bool
    assert arrays["gd_trace_steps"].tolist() == [0, 50, 100] and arrays["gd_trace_steps"].dtype == np.int64
    np.testing.assert_array_equal(arrays["adadelta_trace"], runs["adadelta"][100]["loss_trace"])
    assert set(arrays) == {"budgets"} | {f"{o}_{a}" for o in ("gd", "adadelta") for a in (
        "end_loss", "settled_loss", "certified", "trace", "trace_steps")}


def test_budget_arrays_have_fixed_dtypes_whatever_the_files_hold():
    # integer losses and traces, float steps: the arrays are float losses and integer steps
    def int_run(losses):
        return {"loss": np.array(losses), "loss_trace": np.array([losses, losses]).T,
                "trace_steps": np.array([0.0, 5.0])}

    runs = {"gd": {5: int_run([3, 2]), 7: int_run([2, 1])}}
    low = {"gd": {5: settled([1, 1], [0, 0]), 7: settled([0, 1], [0, 3])}}
    arrays, numbers = budget_summary(runs, low, [np.float64(7), 5])
    assert arrays["budgets"].dtype == np.int64 and arrays["budgets"].tolist() == [5, 7]
    for name in ("gd_end_loss", "gd_settled_loss", "gd_trace"):
        assert arrays[name].dtype == np.float64, name
    assert arrays["gd_trace_steps"].dtype == np.int64
    assert numbers["budget_gd_drop_first_to_last"] == pytest.approx(5 / 12)  # 1 - 2/3 and 1 - 1/2
    assert type(numbers["budget_last"]) is int and numbers["budget_last"] == 7

"""Each claim statistic on synthetic input where the claim is known to hold and to fail."""

import numpy as np

from nnlandscape.claims import (
    Claim,
    distance_ratio,
    drop_arc,
    global_minimum_share,
    hessian_signs,
    lower_and_wider,
    median_ratio,
    sawtooth_coefficient,
    small_jitter_only,
)

rng = np.random.default_rng(0)


def test_claim_holds_logic():
    assert Claim("a", "c", "s", 0.0, 0.0, "<=").holds
    assert not Claim("a", "c", "s", 0.1, 0.0, "<=").holds
    assert not Claim("a", "c", "s", float("nan"), 0.0, "<=").holds
    assert Claim("a", "c", "s", 2.0, 1.0, ">").row()["holds"] is True


def test_global_minimum_share():
    assert global_minimum_share(np.array([0.2, 0.16, 0.18]), 1e-6) == 0.0  # holds: none reached
    assert global_minimum_share(np.array([1e-9, 0.16]), 1e-6) == 0.5  # fails


def test_sawtooth_coefficient():
    x = np.linspace(-1, 1, 401)
    spline = 0.3 * x
    saw = 0.7 * np.sin(16 * np.pi * x)
    assert abs(sawtooth_coefficient(spline, spline + saw, spline)) < 1e-12  # removed: holds
    assert np.isclose(sawtooth_coefficient(spline + saw, spline + saw, spline), 1.0)  # kept: fails


def test_lower_and_wider():
    gd = rng.normal(0.18, 0.002, 1000)
    ada = rng.normal(0.17, 0.01, 1000)
    diff, ratio = lower_and_wider(gd, ada)
    assert diff < 0 and ratio > 1  # holds
    diff, ratio = lower_and_wider(ada, gd)
    assert diff > 0 and ratio < 1  # fails


def test_distance_ratio():
    assert distance_ratio(np.full(10, 6.0), np.full(10, 10.0)) < 1  # holds
    assert distance_ratio(np.full(10, 12.0), np.full(10, 10.0)) > 1  # fails


def test_drop_arc():
    arc = np.linspace(0, 1, 21)
    sharp = np.where(arc < 0.1, 0.0, 0.16)  # flat then a drop near the global minimum
    assert drop_arc(arc, sharp) <= 0.1
    linear = 0.16 * arc  # a steady descent: the drop is spread along the path
    assert drop_arc(arc, linear) >= 0.5


def test_hessian_signs():
    good = np.concatenate([np.full(100, 1e-9), np.geomspace(1e-3, 1e3, 36)])
    rel_min, tiny = hessian_signs(good)
    assert rel_min >= -1e-6 and tiny > 0.5  # holds
    bad = np.concatenate([[-5.0], np.geomspace(1e-1, 1e3, 135)])
    rel_min, tiny = hessian_signs(bad)
    assert rel_min < -1e-3 and tiny < 0.5  # fails


def test_small_jitter_only():
    noise = np.linspace(0, 2, 400)
    loss = np.where(noise < 0.3, 1e-9, 0.16)
    small, large = small_jitter_only(noise, loss, 1e-6, 8)
    assert small >= 0.5 and large < 0.5  # holds
    small, large = small_jitter_only(noise, np.full(400, 0.16), 1e-6, 8)
    assert small < 0.5  # fails: never returns


def test_median_ratio():
    assert median_ratio(np.full(5, 0.16), np.full(5, 0.05)) < 1
    assert median_ratio(np.full(5, 0.16), np.full(5, 0.2)) > 1

"""Basin jitter: noise distribution, stability at the global minimum, determinism, the return statistic."""

import numpy as np
import pytest
from scipy import stats

from nnlandscape.basin import (
    BasinSpec,
    basin_numbers,
    distance_to_global,
    jitter,
    join_batches,
    return_radius,
    return_share_by_bin,
    returned,
    run_batch,
    trial_noise,
)
from nnlandscape.construction import Example, perfect_fit_arrays
from nnlandscape.train import OptimizerConfig

GD = OptimizerConfig("gd", 1e-3, momentum=0.9)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def pf():
    return perfect_fit_arrays(Example())


def spec(index=0, *, r_max=0.3, batch_size=4, trials=8, steps=30, opt=GD, seed=3):
    return BasinSpec(optimizer=opt, index=index, trials=trials, batch_size=batch_size, steps=steps,
                     r_max=r_max, seed=seed, trace_points=5)


def test_noise_norms_in_range_and_uniform():
    norms, params = jitter(np.zeros(136), range(3000), 0.7, seed=11)
    assert params.shape == (3000, 136)
    assert np.allclose(np.linalg.norm(params, axis=1), norms)
    assert norms.min() >= 0 and norms.max() <= 0.7
    assert stats.kstest(norms / 0.7, "uniform").pvalue > 1e-3


def test_noise_direction_is_uniform_on_the_sphere():
    """Unit directions: mean near 0 and second moment near I/d (isotropic), no favoured axis."""
    dim, count = 136, 4000
    u = np.stack([trial_noise(5, t, dim, 1.0)[1] for t in range(count)])
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    assert np.linalg.norm(u.mean(0)) < 4 / np.sqrt(count)
    second = u.T @ u / count
    assert np.abs(np.diag(second) * dim - 1).max() < 0.35
    assert np.abs(second - np.diag(np.diag(second))).max() * dim < 0.35
    # a uniform direction's first coordinate has E[u_1^2] = 1/d and is symmetric about 0
    assert abs(np.mean(u[:, 0] > 0) - 0.5) < 0.05


def test_trial_noise_depends_on_trial_and_seed_only():
    r1, v1 = trial_noise(3, 17, 136, 0.5)
    r2, v2 = trial_noise(3, 17, 136, 0.5)
    assert r1 == r2 and np.array_equal(v1, v2)
    assert not np.array_equal(trial_noise(4, 17, 136, 0.5)[1], v1)
    assert not np.array_equal(trial_noise(3, 18, 136, 0.5)[1], v1)


def test_zero_noise_gd_at_a_stable_lr_stays_at_the_minimum(pf):
    """lr 1e-3 is under the bound 2(1+m)/lambda_max (about 2.2e-3): GD stays; 4e-3 is over: it leaves."""
    x, y, g = pf["x_train"], pf["y_train"], pf["params_sym"]
    stay = run_batch(spec(r_max=0.0, steps=300), g, x, y, 5, 5, backend="reference")
    assert np.all(stay["noise_norm"] == 0)
    assert np.all(stay["loss"] < 1e-6)
    assert np.all(stay["dist_to_global"] < 1e-3)
    unstable = OptimizerConfig("gd", 4e-3, momentum=0.9)
    leave = run_batch(spec(r_max=0.0, steps=300, opt=unstable), g, x, y, 5, 5, backend="reference")
    assert np.all(leave["loss"] > 1e-6)


def test_small_noise_returns_large_noise_does_not(pf):
    x, y, g = pf["x_train"], pf["y_train"], pf["params_sym"]
    small = run_batch(spec(r_max=0.02, steps=1500, trials=4), g, x, y, 5, 5, backend="reference")
    assert np.all(small["loss"] < small["start_loss"])
    assert np.all(small["loss"] < 1e-6)
    big = run_batch(spec(r_max=3.0, steps=300, trials=4), g, x, y, 5, 5, backend="reference")
    assert np.median(big["loss"]) > 1e-3


def test_batch_is_deterministic_and_independent_of_batch_layout(pf):
    x, y, g = pf["x_train"], pf["y_train"], pf["params_sym"]
    a = run_batch(spec(1), g, x, y, 5, 5, backend="reference")
    b = run_batch(spec(1), g, x, y, 5, 5, backend="reference")
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert list(a["trial_index"]) == [4, 5, 6, 7]
    whole = run_batch(spec(0, batch_size=8), g, x, y, 5, 5, backend="reference")
    assert np.array_equal(whole["noise_norm"][4:], a["noise_norm"])
    assert np.allclose(whole["params"][4:], a["params"], rtol=1e-5, atol=1e-7)
    # the two optimizers retrain the same jittered networks (paired comparison)
    ada = run_batch(spec(1, opt=OptimizerConfig("adadelta", 1.0)), g, x, y, 5, 5, backend="reference")
    assert np.array_equal(ada["noise_norm"], a["noise_norm"])
    assert np.array_equal(ada["start_loss"], a["start_loss"])


def test_join_batches_checks_order(pf):
    x, y, g = pf["x_train"], pf["y_train"], pf["params_sym"]
    batches = [run_batch(spec(i, steps=2), g, x, y, 5, 5, backend="reference") for i in range(2)]
    joined = join_batches(batches)
    assert joined["params"].shape == (8, 136) and list(joined["trial_index"]) == list(range(8))
    with pytest.raises(ValueError, match="order"):
        join_batches(batches[::-1])


def test_return_radius_on_synthetic_trials():
    rng = np.random.default_rng(0)
    norms = rng.uniform(0, 1, 4000)
    # returns surely below 0.3, with probability 0.3 between 0.3 and 0.5, never above
    back = (norms < 0.3) | ((norms < 0.5) & (rng.random(4000) < 0.3))
    assert return_radius(norms, back, 1.0, 10) == pytest.approx(0.3)
    edges, count, share = return_share_by_bin(norms, back, 1.0, 10)
    assert count.sum() == 4000 and share[0] == 1.0 and share[-1] == 0.0
    assert return_radius(norms, np.zeros_like(back), 1.0, 10) == 0.0
    assert return_radius(norms, np.ones_like(back), 1.0, 10) == pytest.approx(1.0)
    # an empty bin does not count as returned; a later majority bin still does
    gap = np.array([0.05, 0.06, 0.75, 0.76])
    assert return_radius(gap, np.array([True, True, True, False]), 1.0, 10) == pytest.approx(0.8)
    assert list(returned(np.array([1e-7, 1e-5, np.nan, np.inf]), 1e-6)) == [True, False, False, False]


def test_basin_numbers(pf):
    g = pf["params_sym"]
    norms = np.linspace(0, 1, 101)
    trials = {"gd": {"noise_norm": norms, "loss": np.where(norms < 0.2, 1e-8, 1e-2),
                     "dist_to_global": norms},
              "adadelta": {"noise_norm": norms, "loss": np.full(101, 0.05), "dist_to_global": norms}}
    stability = {"gd_lr": 1e-3, "gd_lr_bound": 2.2e-3}
    out = basin_numbers(trials, g, 1.0, 10, 1e-6, 1e-4, stability)
    assert out["basin_gd_return_radius"] == pytest.approx(0.2)
    assert out["basin_gd_return_radius_relative"] == pytest.approx(0.2 / np.linalg.norm(g))
    assert out["basin_adadelta_return_radius"] == 0.0
    assert out["basin_adadelta_returned_fraction"] == 0.0
    assert out["basin_gd_returned"] == 20
    assert out["basin_gd_lr_stable"] is True
    assert out["basin_gd_smallest_failed_norm"] == pytest.approx(0.2)
    unstable = basin_numbers(trials, g, 1.0, 10, 1e-6, 1e-4, {"gd_lr": 3e-3, "gd_lr_bound": 2.2e-3})
    assert unstable["basin_gd_lr_stable"] is False


def test_distance_to_global_is_zero_for_rescaled_and_permuted_copies(pf):
    """Rescaled and permuted copies of the perfect fit are the same network: distance 0 after
    symmetrization, although they lie far from it in raw parameters; a real move is measured."""
    from nnlandscape.basin import distance_to_global
    from nnlandscape.symmetry import permute_nodes, rescale_nodes

    g = pf["params_sym"]
    rng = np.random.default_rng(8)
    scales = np.exp(rng.uniform(-1.5, 1.5, size=(3, 5, 5)))
    perms = np.argsort(rng.random(size=(3, 5, 5)), axis=-1)
    copies = permute_nodes(rescale_nodes(np.stack([pf["params"]] * 3), 5, 5, scales), 5, 5, perms)
    assert np.linalg.norm(copies - g, axis=-1).min() > 1.0
    np.testing.assert_allclose(distance_to_global(copies, g, 5, 5), 0.0, atol=1e-7)
    # a known move of the symmetrized point (a bias shift, which symmetrization keeps in place
    # up to its rebalancing) is measured as a positive distance of about its size
    moved = g.copy()
    moved[-1] += 0.25  # the output bias: no node scaling touches it
    d = distance_to_global(np.stack([moved, copies[0]]), g, 5, 5)
    assert d[0] == pytest.approx(0.25, rel=1e-9) and d[1] < 1e-7


def test_basin_numbers_every_key_by_hand():
    """Ten trials with known noise norms, losses and distances: every number computed by hand."""
    g = np.array([3.0, 4.0])  # norm 5
    norms = np.array([0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95])
    loss = np.array([1e-9, 1e-8, 5e-5, 1e-9, 1e-2, 5e-5, 1e-2, 1e-2, np.inf, 1e-2])  # inf: diverged
    dist = np.arange(10.0)
    trials = {"gd": {"noise_norm": norms, "loss": loss, "dist_to_global": dist}}
    out = basin_numbers(trials, g, 1.0, 5, 1e-6, 1e-4, {"gd_lr": 1e-3, "gd_lr_bound": 4e-3})
    assert out["basin_global_norm"] == 5.0 and out["basin_r_max"] == 1.0
    assert out["basin_r_max_relative"] == pytest.approx(0.2)
    assert out["basin_bins"] == 5 and out["basin_threshold"] == 1e-6 and out["basin_near_threshold"] == 1e-4
    assert out["basin_gd_lr_over_bound"] == pytest.approx(0.25) and out["basin_gd_lr_stable"] is True
    assert out["basin_gd_trials"] == 10 and out["basin_gd_returned"] == 3  # trials 0, 1, 3
    assert out["basin_gd_returned_fraction"] == pytest.approx(0.3)
    # bins of width 0.2: returned shares 1, 1/2, 0, 0, 0 -> radius 0.4 (majority: >= 1/2)
    assert out["basin_gd_return_radius"] == pytest.approx(0.4)
    assert out["basin_gd_return_radius_relative"] == pytest.approx(0.08)
    assert out["basin_gd_largest_returned_norm"] == 0.35
    assert out["basin_gd_smallest_failed_norm"] == 0.25
    assert out["basin_gd_loss_best"] == 1e-9
    assert out["basin_gd_loss_median"] == pytest.approx((5e-5 + 1e-2) / 2)
    assert out["basin_gd_dist_returned_median"] == 1.0  # distances 0, 1, 3
    # near (loss < 1e-4): trials 0-3 and 5 -> shares 1, 1, 1/2, 0, 0 -> radius 0.6
    assert out["basin_gd_near_fraction"] == pytest.approx(0.5)
    assert out["basin_gd_near_radius"] == pytest.approx(0.6)
    assert out["basin_gd_near_radius_relative"] == pytest.approx(0.12)
    edges, count, share = return_share_by_bin(norms, returned(loss, 1e-6), 1.0, 5)
    np.testing.assert_allclose(edges, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert count.tolist() == [2, 2, 2, 2, 2]
    np.testing.assert_allclose(share, [1.0, 0.5, 0.0, 0.0, 0.0])
    # a norm exactly on an edge goes to the bin above it; r_max itself to the last bin
    _, count, _ = return_share_by_bin(np.array([0.0, 0.2, 1.0]), np.ones(3, bool), 1.0, 5)
    assert count.tolist() == [1, 1, 0, 0, 1]
    empty = basin_numbers({"gd": {"noise_norm": np.zeros(0), "loss": np.zeros(0),
                                  "dist_to_global": np.zeros(0)}}, g, 1.0, 5, 1e-6, 1e-4,
                          {"gd_lr": 5e-3, "gd_lr_bound": 4e-3})
    assert empty["basin_gd_trials"] == 0 and np.isnan(empty["basin_gd_returned_fraction"])
    assert empty["basin_gd_largest_returned_norm"] == 0.0 and np.isnan(empty["basin_gd_smallest_failed_norm"])
    assert empty["basin_gd_lr_stable"] is False


def test_basin_spec_from_config_and_trial_ranges():
    basin = {"trials": 10, "batch_size": 4, "steps": 7, "r_max_relative": 0.5, "seed": 9}
    s = BasinSpec.from_config(basin, "gd", {"lr": 2e-3, "momentum": 0.8}, 2, global_norm=2.0,
                              dtype="float64", trace_points=3)
    assert (s.trials, s.batch_size, s.steps, s.seed, s.dtype, s.trace_points) == \
        (10, 4, 7, 9, "float64", 3)
    assert s.r_max == pytest.approx(1.0)
    assert s.optimizer.name == "gd" and s.optimizer.lr == 2e-3
    assert list(s.trial_indices) == [8, 9]  # the last batch is short
    first = BasinSpec.from_config(basin, "gd", {"lr": 1e-3}, 0, global_norm=1.0)
    assert list(first.trial_indices) == [0, 1, 2, 3]


def test_noise_range_is_a_multiple_of_the_global_minimum_norm():
    basin = {"trials": 8, "batch_size": 4, "steps": 3, "r_max_relative": 0.1, "seed": 1}
    hyper = {"lr": 1e-3, "momentum": 0.9}
    assert BasinSpec.from_config(basin, "gd", hyper, 0, global_norm=11.7).r_max == pytest.approx(1.17)
    with pytest.raises(ValueError, match="global_norm"):
        BasinSpec.from_config(basin, "gd", hyper, 0, global_norm=0.0)


def test_return_share_by_bin_by_hand():
    # bins of 0.25 on [0, 1]; a norm on an edge goes to the bin above it, norms at or past r_max
    # to the last bin
    noise = np.array([0.0, 0.25, 0.5, 0.99, 1.0, 1.2])
    back = np.array([True, False, True, True, False, True])
    edges, count, share = return_share_by_bin(noise, back, 1.0, 4)
    np.testing.assert_array_equal(edges, [0.0, 0.25, 0.5, 0.75, 1.0])
    assert count.tolist() == [1, 1, 1, 3]
    np.testing.assert_allclose(share, [1.0, 0.0, 1.0, 2 / 3])
    assert return_radius(noise, back, 1.0, 4) == 1.0
    assert return_radius(noise, back, 1.0, 4, majority=0.7) == 0.75  # 2/3 is no longer enough
    assert return_radius(noise, back, 1.0, 4, majority=2 / 3) == 1.0
    _, count, share = return_share_by_bin(np.array([0.1, 0.2]), np.array([True, False]), 1.0, 4)
    assert count.tolist() == [2, 0, 0, 0] and share[0] == 0.5 and np.isnan(share[1:]).all()
    assert list(returned([1e-6, 0.0, -np.inf], 1e-6)) == [False, True, False]


def test_jitter_of_no_trials_and_of_integer_centres():
    norms, params = jitter(np.array([1, 2, 3]), [], 0.5, seed=1)
    assert norms.shape == (0,) and params.shape == (0, 3)
    norms, params = jitter(np.array([1, 2, 3]), [4, 7], 0.5, seed=1)
    assert params.dtype == np.float64 and norms.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(params - [1, 2, 3], axis=1), norms)
    for t, row in zip([4, 7], params, strict=True):
        r, v = trial_noise(1, t, 3, 0.5)
        np.testing.assert_array_equal(row, np.array([1.0, 2.0, 3.0]) + v)


def test_load_batch_checks_the_arrays(tmp_path):
    from nnlandscape.basin import load_batch
    from nnlandscape.io import ResultFileError

    good = {"noise_norm": np.ones(2), "loss": np.array([np.nan, 1.0]), "params": np.zeros((2, 3)),
            "dist_to_global": np.ones(2), "trial_index": np.arange(2), "diverged": np.zeros(2, bool),
            "start_loss": np.ones(2)}
    np.savez(tmp_path / "b.npz", **good)
    assert load_batch(str(tmp_path / "b.npz"))["params"].shape == (2, 3)  # a NaN loss is allowed
    np.savez(tmp_path / "c.npz", **(good | {"params": np.full((2, 3), np.inf)}))
    with pytest.raises(ResultFileError, match="'params' has non-finite values; delete it and rerun "
                                              "rule 'basin_batch'"):
        load_batch(str(tmp_path / "c.npz"))
    np.savez(tmp_path / "d.npz", **(good | {"noise_norm": np.array([np.nan, 1.0])}))
    with pytest.raises(ResultFileError, match="'noise_norm' has non-finite"):
        load_batch(str(tmp_path / "d.npz"))
    np.savez(tmp_path / "e.npz", **(good | {"start_loss": np.ones((2, 1))}))
    with pytest.raises(ResultFileError, match="'start_loss' has 2 dims, expected 1"):
        load_batch(str(tmp_path / "e.npz"))


def test_basin_numbers_at_the_bound_and_when_every_trial_fails():
    g = np.array([3.0, 4.0])
    trials = {"gd": {"noise_norm": np.array([0.3, 0.1, 0.2]), "loss": np.ones(3),
                     "dist_to_global": np.ones(3)}}
    out = basin_numbers(trials, g, 1.0, 5, 1e-6, 1e-4, {"gd_lr": 4e-3, "gd_lr_bound": 4e-3})
    assert out["basin_gd_lr"] == 4e-3 and out["basin_gd_lr_bound"] == 4e-3
    assert out["basin_gd_lr_stable"] is False  # at the bound itself GD is not stable
    assert out["basin_gd_smallest_failed_norm"] == 0.1 and out["basin_gd_largest_returned_norm"] == 0.0
    assert np.isnan(out["basin_gd_dist_returned_median"]) and out["basin_gd_return_radius"] == 0.0


def test_join_batches_keeps_the_first_batchs_settings_and_names_the_gap():
    import re

    def batch(trials, steps):
        b = len(trials)
        return {"noise_norm": np.ones(b), "start_loss": np.ones(b), "loss": np.ones(b),
                "params": np.zeros((b, 2)), "dist_to_global": np.ones(b),
                "trial_index": np.array(trials), "diverged": np.zeros(b, bool),
                "loss_trace": np.ones((b, 3)), "trace_steps": np.array([0, steps // 2, steps]),
                "steps": np.int64(steps), "r_max": np.float64(steps / 10)}

    joined = join_batches([batch([0, 1], 10), batch([2], 20)])
    assert joined["trial_index"].tolist() == [0, 1, 2] and joined["params"].shape == (3, 2)
    assert joined["trace_steps"].tolist() == [0, 5, 10]
    assert joined["steps"] == 10 and joined["r_max"] == 1.0
    message = "^" + re.escape("basin batches do not cover trials 0..N-1 in order") + "$"
    with pytest.raises(ValueError, match=message):
        join_batches([batch([0], 10), batch([2], 10)])


def test_basin_spec_defaults():
    basin = {"trials": 4, "batch_size": 4, "steps": 3, "r_max_relative": 0.1, "seed": 1}
    s = BasinSpec.from_config(basin, "gd", {"lr": 1e-3}, 0, global_norm=1.0)
    assert s.dtype == "float32" and s.trace_points == 100


def test_run_batch_trains_with_the_specs_optimizer_steps_dtype_and_trace(pf, caplog):
    # the batch's final arrays are those of the project's trainer called directly on the batch's
    # jittered starts with the spec's settings (Adadelta, 12 steps, float64, 4 trace points)
    import logging

    import torch

    from nnlandscape.train import train

    x, y, g = pf["x_train"], pf["y_train"], pf["params_sym"]
    ada = OptimizerConfig("adadelta", 1.0)
    s = BasinSpec(optimizer=ada, index=1, trials=6, batch_size=3, steps=12, r_max=0.4, seed=9,
                  dtype="float64", trace_points=4)
    with caplog.at_level(logging.INFO):
        out = run_batch(s, g, x, y, 5, 5, backend="reference", progress_s=0.0)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("basin batch 1:")]
    assert len(lines) > 2  # progress_s = 0: a line at every step, not only the closing one
    assert lines[-1].startswith("basin batch 1: 36/36 fit-steps (100%)")  # 3 trials x 12 steps
    norms, p0 = jitter(g, [3, 4, 5], 0.4, 9)
    want = train(p0, x, y, 5, 5, ada, 12, dtype=torch.float64, trace_points=4, backend="reference")
    np.testing.assert_array_equal(out["params"], want.params)
    np.testing.assert_array_equal(out["loss"], want.loss)
    np.testing.assert_array_equal(out["loss_trace"], want.loss_trace)
    np.testing.assert_array_equal(out["trace_steps"], want.trace_steps)
    np.testing.assert_array_equal(out["noise_norm"], norms)
    assert out["params"].dtype == np.float64 and out["loss_trace"].shape[1] == 4
    assert int(out["steps"]) == 12 and float(out["r_max"]) == 0.4
    assert out["trace_steps"][-1] == 12
    # distances after symmetrizing with the default tolerance and sweeps
    np.testing.assert_array_equal(out["dist_to_global"], distance_to_global(want.params, g, 5, 5))
    # and with the ones given: no rescaling sweep (the nodes are only sorted) gives other distances
    raw = run_batch(s, g, x, y, 5, 5, backend="reference", sym_sweeps=0)
    np.testing.assert_array_equal(raw["dist_to_global"],
                                  distance_to_global(want.params, g, 5, 5, sym_sweeps=0))
    assert not np.allclose(raw["dist_to_global"], out["dist_to_global"])
    loose = run_batch(s, g, x, y, 5, 5, backend="reference", sym_tol=1e3)
    np.testing.assert_array_equal(loose["dist_to_global"],
                                  distance_to_global(want.params, g, 5, 5, sym_tol=1e3))
    assert not np.allclose(loose["dist_to_global"], out["dist_to_global"])
    # a float32 spec trains in float32 (other end points than the float64 ones above)
    s32 = BasinSpec(optimizer=ada, index=1, trials=6, batch_size=3, steps=12, r_max=0.4, seed=9,
                    dtype="float32", trace_points=4)
    want32 = train(p0, x, y, 5, 5, ada, 12, dtype=torch.float32, trace_points=4, backend="reference")
    np.testing.assert_array_equal(run_batch(s32, g, x, y, 5, 5, backend="reference")["params"],
                                  want32.params)
    assert not np.array_equal(want32.params, want.params)
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        run_batch(s, g, x, y, 5, 5, backend="reference", device="gpu")
    # with a GD spec the same starts give other end points: the optimizer is the spec's
    # (with the default backend: the fastest trainer, same results up to round-off)
    gd = run_batch(BasinSpec(optimizer=GD, index=1, trials=6, batch_size=3, steps=12, r_max=0.4,
                             seed=9, dtype="float32", trace_points=4), g, x, y, 5, 5)
    assert not np.allclose(gd["params"], out["params"])
    np.testing.assert_array_equal(gd["noise_norm"], norms)

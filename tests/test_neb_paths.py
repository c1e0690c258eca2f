"""NEB network glue on one-unit networks whose saddles, minima and smoothing are known by hand.

The (1,1) network f(x) = w2 relu(w1 x + b1) + b2 has params (w1, b1, w2, b2). On y = x the point
w1 = 0, b1 = 1, w2 = 0, b2 = mean(y) has zero gradient and, with r = b2 - y, the Hessian

    d2L/dw1dw2 = 2 mean(r x) = -2 var(x),  d2L/dw2^2 = d2L/dw2db2 = d2L/db2^2 = 2,  all else 0,

so it is a saddle: one negative eigenvalue once the flat b1 direction (the unit's rescaling) is set
aside. ``w = (1, -0.1, 1, 0)`` on ``y = relu(x - 0.1)`` is an exact fit, a minimum.
"""

import numpy as np
import pytest
import torch

import nnlandscape.neb as neb_module
from nnlandscape.band import NebConfig, band_forces
from nnlandscape.neb import (
    choose_minima,
    climbing_saddle,
    constant_output_route,
    constant_output_top,
    fallback_minima,
    neb_path,
    network_energy,
    network_path,
    path_beta,
    usable_minima,
)
from nnlandscape.network import layer_slices, mse_np, n_params

X5 = np.array([-0.5, 0.0, 0.25, 0.5, 1.0])
NEB = dict(images=5, spring=1.0, optimizer="fire", max_iter=20, tol=1e-3, climb=True, climb_after=5,
           refine_rounds=1, refine_images=1, dt=1e-3, dt_max=1e-2, max_move=0.05, paths=2, seed=7,
           saddle_tol=1e-6, probe_step=1e-3, probe_directions=4, space="readout", readout_ridge=1e-6)
SMOOTHING = {"betas": [1000.0, 10.0, 100.0], "output_tol": 1e-5}


def saddle_hessian():
    """The hand Hessian above on (w1, w2, b2) (b1 set aside), its eigenvalues and eigenvectors."""
    c = 2 * X5.var()
    h = np.array([[0.0, -c, 0.0], [-c, 2.0, 2.0], [0.0, 2.0, 2.0]])
    vals, vecs = np.linalg.eigh(h)
    return h, vals, vecs


def saddle_band():
    """A band of three images through the saddle along its negative eigenvector."""
    _, _, vecs = saddle_hessian()
    p = np.array([0.0, 1.0, 0.0, X5.mean()])
    v = np.array([vecs[0, 0], 0.0, vecs[1, 0], vecs[2, 0]])
    return np.stack([p - 0.3 * v, p, p + 0.3 * v]), p


def test_climbing_saddle_verifies_the_smooth_saddle_of_a_one_unit_network():
    images, _ = saddle_band()
    _, vals, _ = saddle_hessian()
    assert vals[0] < 0 < vals[1]  # one negative eigenvalue, worked out by hand
    out = climbing_saddle(images, 1, True, X5, X5.copy(), 1, 1, beta=50.0, rel_tol=1e-6,
                          probe_step=1e-3, probe_directions=6, seed=0)
    assert bool(out["saddle_verified"]) and int(out["saddle_negative"]) == 1
    assert float(out["saddle_lowest"]) == pytest.approx(vals[0], rel=1e-9)
    assert float(out["saddle_overlap"]) == pytest.approx(1.0, abs=1e-9)
    assert bool(out["kink_saddle"])
    assert out["saddle_negative"].dtype == np.int64 and out["saddle_verified"].dtype == np.bool_


def test_climbing_saddle_at_an_exact_fit_is_not_a_saddle():
    y = np.maximum(X5 - 0.1, 0.0)
    p = np.array([1.0, -0.1, 1.0, 0.0])
    t = np.array([1.0, 0.0, 0.0, 0.0])
    images = np.stack([p - 0.1 * t, p, p + 0.1 * t])
    out = climbing_saddle(images, 1, True, X5, y, 1, 1, beta=50.0, rel_tol=1e-6, probe_step=1e-3,
                          probe_directions=6, seed=0)
    assert not out["saddle_verified"] and int(out["saddle_negative"]) == 0
    assert not out["kink_saddle"] and float(out["saddle_lowest"]) >= 0


@pytest.mark.parametrize(("top", "converged"), [(1, False), (-1, True), (0, True)])
def test_no_saddle_is_claimed_without_a_converged_climbing_image(top, converged):
    images, _ = saddle_band()
    out = climbing_saddle(images, top, converged, X5, X5.copy(), 1, 1, 50.0, 1e-6, 1e-3, 4, 0)
    assert not out["saddle_verified"] and not out["kink_saddle"]
    assert int(out["saddle_negative"]) == -1
    assert np.isnan(out["saddle_lowest"]) and np.isnan(out["saddle_overlap"])


def softplus_np(z, beta):
    return np.logaddexp(0.0, beta * z) / beta


def test_network_energy_is_the_mse_with_relu_or_softplus():
    y = np.array([0.1, -0.2, 0.3, 0.0, 1.0])
    params = np.array([[0.7, -0.2, 1.5, 0.1], [-1.0, 0.3, 0.5, -0.4]])
    relu = network_energy(X5, y, 1, 1)
    smooth = network_energy(X5, y, 1, 1, beta=4.0)
    for act, fn in [(lambda z: np.maximum(z, 0.0), relu), (lambda z: softplus_np(z, 4.0), smooth)]:
        want = [np.mean((w2 * act(w1 * X5 + b1) + b2 - y) ** 2) for w1, b1, w2, b2 in params]
        np.testing.assert_allclose(fn(torch.tensor(params)).numpy(), want, rtol=1e-13)
    assert network_energy(X5, y, 1, 1, torch.float32)(torch.tensor(params, dtype=torch.float32)).dtype \
        == torch.float32


def pf_one_unit():
    p = np.array([1.0, -0.1, 1.0, 0.0])
    return {"n": np.int64(1), "k": np.int64(1), "params": p, "params_sym": p.copy(),
            "x_train": X5, "y_train": np.maximum(X5 - 0.1, 0.0)}


def test_path_beta_is_the_smallest_beta_that_keeps_the_outputs_within_the_tolerance():
    # largest |softplus_beta - relu| on the data: at x = 0, 0.1 from the kink: log(1 + e^-0.1b) / b
    change = {b: np.log1p(np.exp(-0.1 * b)) / b for b in (10.0, 100.0, 1000.0)}
    assert change[10.0] > 1e-5 > change[100.0] > 1e-8 > change[1000.0]
    pf = pf_one_unit()
    assert path_beta(pf, SMOOTHING) == 100.0
    assert path_beta(pf, {"betas": [1000.0, 10.0, 100.0], "output_tol": 1e-8}) == 1000.0
    assert path_beta(pf, {"betas": [10.0], "output_tol": 0.05}) == 10.0


def minima_one_unit():
    rng = np.random.default_rng(5)
    p = pf_one_unit()["params"]
    return {"params_sym": p + 0.1 * rng.normal(size=(4, 4)), "loss": np.array([0.1, 0.2, 0.3, 0.4]),
            "fit_index": np.array([10, 11, 12, 13]), "kind": np.array([0, 3, 1, 0])}


def test_neb_path_runs_from_the_symmetrized_global_minimum_to_the_chosen_minimum():
    pf, minima = pf_one_unit(), minima_one_unit()
    pf["params"] = pf["params_sym"] * np.array([2.0, 2.0, 0.5, 1.0])  # a rescaled copy: same function
    chosen = choose_minima(minima, 2, 7)
    for index in (0, 1):
        out = neb_path(pf, minima, index, NEB, SMOOTHING)
        fit = int(chosen[index])
        np.testing.assert_array_equal(out["images"][0], pf["params_sym"])
        np.testing.assert_array_equal(out["images"][-1], minima["params_sym"][fit])
        assert int(out["fit_index"]) == minima["fit_index"][fit]
        assert float(out["fit_loss"]) == minima["loss"][fit]
        assert int(out["end_kind"]) == minima["kind"][fit]
        assert float(out["beta"]) == 100.0
    with pytest.raises(ValueError, match="path 2 requested, config neb.paths is 2"):
        neb_path(pf, minima, 2, NEB, SMOOTHING)
    with pytest.raises(ValueError, match="path -1 requested"):
        neb_path(pf, minima, -1, NEB, SMOOTHING)


def test_the_image_study_band_has_its_image_count_and_no_refinement():
    pf, minima = pf_one_unit(), minima_one_unit()
    full = neb_path(pf, minima, 0, NEB, SMOOTHING)
    assert full["round_images"].tolist()[0] == 5
    study = neb_path(pf, minima, 0, NEB, SMOOTHING, images=7)
    assert study["images"].shape[0] == 7 and study["round_images"].tolist() == [7]
    assert study["inserted"].size == 0
    np.testing.assert_array_equal(study["images"][-1], full["images"][-1])


def test_a_fits_file_end_point_has_its_row_as_fit_index_and_no_kind():
    pf = pf_one_unit()
    minima = {k: v for k, v in minima_one_unit().items() if k not in ("fit_index", "kind")}
    minima |= {"dead": np.zeros(4, bool), "diverged": np.zeros(4, bool)}
    fit = int(choose_minima(minima, 2, 7)[1])
    out = neb_path(pf, minima, 1, NEB, SMOOTHING)
    assert int(out["fit_index"]) == fit and int(out["end_kind"]) == -1


def test_network_path_reports_the_relu_force_of_the_relaxed_band():
    pf = pf_one_unit()
    end = pf["params"] + np.array([0.2, 0.1, -0.3, 0.05])
    cfg = NebConfig(images=5, max_iter=15, climb_after=5, refine_rounds=0, dt=1e-3)
    out = network_path(pf["params"], end, X5, pf["y_train"], 1, 1, cfg, beta=100.0, saddle_tol=1e-6,
                       probe_step=1e-3, probe_directions=4, seed=0)
    relu = network_energy(X5, pf["y_train"], 1, 1)
    band = torch.as_tensor(out["images"])
    want = float(band_forces(relu, band, cfg.spring).residual.max())
    assert float(out["relu_max_perp_force"]) == pytest.approx(want, rel=1e-12)
    smooth = network_energy(X5, pf["y_train"], 1, 1, beta=100.0)
    np.testing.assert_allclose(out["energy_relaxed"], smooth(band).detach().numpy(), rtol=1e-12)
    mids = relu(0.5 * (band[1:] + band[:-1])).numpy()
    np.testing.assert_allclose(out["midpoint_energy"], mids, rtol=1e-12)
    assert float(out["beta"]) == 100.0


def test_network_path_takes_the_sampled_test_on_the_relu_loss_as_convergence(monkeypatch):
    from nnlandscape.band import sampled_band_stationarity

    pf = pf_one_unit()
    end = pf["params"] + np.array([0.2, 0.1, -0.3, 0.05])
    cfg = NebConfig(images=5, max_iter=15, climb_after=5, refine_rounds=0, dt=1e-3, window=4,
                    radius=0.05, tol=1e-6)
    args = (X5, pf["y_train"], 1, 1, cfg)
    kw = dict(beta=100.0, saddle_tol=1e-6, probe_step=1e-3, probe_directions=4, seed=3)
    out = network_path(pf["params"], end, *args, **kw)
    top = int(out["climbing_index"])
    want = sampled_band_stationarity(network_energy(X5, pf["y_train"], 1, 1),
                                     torch.as_tensor(out["images"]), 0.05, np.random.default_rng(3),
                                     top if top >= 0 else None)
    np.testing.assert_allclose(out["eps_stationarity"], want, rtol=1e-12)
    assert out["eps_stationarity"].shape == (3,) and want.max() > cfg.tol
    assert not out["converged"] and not out["relax_converged"]
    # the sampled test alone makes the band converged, and the saddle test then runs at its top
    monkeypatch.setattr(neb_module, "sampled_band_stationarity", lambda *a, **k: np.zeros(3))
    out = network_path(pf["params"], end, *args, **kw)
    assert out["converged"] and not out["relax_converged"]
    assert (int(out["saddle_negative"]) >= 0) == (int(out["climbing_index"]) > 0)
    # the climbing image is handed on as it is, none as None
    seen = []
    monkeypatch.setattr(neb_module, "sampled_band_stationarity",
                        lambda *a, **k: seen.append(a[4]) or np.zeros(3))
    hand = network_path(np.array([1.0, 1.5, 1.0, -1.5]), np.array([-1.0, 1.5, -1.0, 1.5]), X5,
                        X5.copy(), 1, 1, cfg, **kw)
    out = network_path(pf["params"], end, *args, **kw)
    assert seen == [int(hand["climbing_index"]),
                    None if int(out["climbing_index"]) < 0 else int(out["climbing_index"])]
    assert seen[0] > 0
    # no radius: no sampled test, the relaxation's own verdict stands
    out = network_path(pf["params"], end, X5, pf["y_train"], 1, 1,
                       NebConfig(images=5, max_iter=15, climb_after=5, refine_rounds=0, dt=1e-3), **kw)
    assert np.isnan(out["eps_stationarity"]).all() and out["eps_stationarity"].shape == (3,)
    assert bool(out["converged"]) == bool(out["relax_converged"])


def test_usable_and_fallback_end_points():
    settled = {"kind": np.array([0, 2, 1, 3, 0, 1], np.int64)}
    assert usable_minima(settled).tolist() == [0, 2, 4, 5]
    assert fallback_minima(settled).tolist() == [3, 1]
    fits = {"dead": np.array([0, 1, 0], bool), "diverged": np.array([0, 0, 1], bool)}
    assert usable_minima(fits).tolist() == [0]
    fb = fallback_minima(fits)
    assert fb.size == 0 and fb.dtype == np.int64


def test_a_converged_path_between_two_exact_fits_crosses_the_hand_saddle():
    # y = x on X5 is fitted exactly by f = relu(x + 1.5) - 1.5 and by f = -relu(-x + 1.5) + 1.5; the
    # path between them crosses w1 = w2 = 0, b2 = mean(y): the saddle of the module docstring, at
    # the energy var(y) = 0.25, with b1 free (the unit's rescaling, set aside)
    a, b = np.array([1.0, 1.5, 1.0, -1.5]), np.array([-1.0, 1.5, -1.0, 1.5])
    cfg = NebConfig(images=9, spring=1.0, optimizer="fire", max_iter=3000, tol=1e-4, climb=True,
                    climb_after=100, refine_rounds=0, dt=1e-2, dt_max=0.1, max_move=0.05, radius=0.05)
    out = network_path(a, b, X5, X5.copy(), 1, 1, cfg, beta=20.0, saddle_tol=1e-6, probe_step=1e-3,
                       probe_directions=6, seed=0)
    assert out["converged"] and out["relax_converged"] and float(out["max_perp_force"]) < 1e-4
    # the sampled test gets the band's climbing image (tested whole there) and the ReLU loss
    from nnlandscape.band import sampled_band_stationarity

    relu, band = network_energy(X5, X5.copy(), 1, 1), torch.as_tensor(out["images"])
    climb = int(out["climbing_index"])
    want = sampled_band_stationarity(relu, band, 0.05, np.random.default_rng(0), climb)
    np.testing.assert_allclose(out["eps_stationarity"], want, rtol=1e-12)
    assert climb == 4 and want.max() < 1e-3  # on the saddle, within 0.05 of its kinks
    top = out["images"][int(out["climbing_index"])]
    np.testing.assert_allclose(top[[0, 2, 3]], [0.0, 0.0, X5.mean()], atol=1e-6)
    assert float(out["energy"].max()) == pytest.approx(X5.var(), rel=1e-6)
    c, b1 = 2 * X5.var(), top[1]
    hand = np.array([[0.0, -c, 0.0], [-c, 2 * b1**2, 2 * b1], [0.0, 2 * b1, 2.0]])
    assert bool(out["saddle_verified"]) and int(out["saddle_negative"]) == 1
    assert float(out["saddle_lowest"]) == pytest.approx(np.linalg.eigvalsh(hand)[0], rel=1e-6)
    assert float(out["saddle_overlap"]) > 0.99 and bool(out["kink_saddle"])
    # float32 end points and training data: the same path, computed in float64
    out32 = network_path(a.astype(np.float32), b.astype(np.float32), X5.astype(np.float32),
                         X5.astype(np.float32), 1, 1, cfg, beta=20.0, saddle_tol=1e-6, probe_step=1e-3,
                         probe_directions=6, seed=0)
    assert out32["images"].dtype == np.float64
    np.testing.assert_array_equal(out32["images"], out["images"])
    np.testing.assert_array_equal(out32["straight_energy"], out["straight_energy"])


def test_neb_path_hands_its_settings_to_the_path(monkeypatch):
    seen = {}

    def spy(start, end, x, y, n, k, cfg, beta, saddle_tol, probe_step, probe_directions, seed, ridge):
        seen.update(cfg=cfg, beta=beta, tol=saddle_tol, step=probe_step, dirs=probe_directions, seed=seed,
                    ridge=ridge)
        return {"images": np.stack([start, end])}

    monkeypatch.setattr(neb_module, "network_path", spy)
    pf, minima = pf_one_unit(), minima_one_unit()
    neb = {**NEB, "saddle_tol": 2e-6, "probe_step": 3e-3, "probe_directions": 5, "seed": 7}
    neb_path(pf, minima, 1, neb, SMOOTHING)
    assert (seen["tol"], seen["step"], seen["dirs"], seen["seed"]) == (2e-6, 3e-3, 5, 8)  # seed + index
    assert seen["cfg"].images == 5 and seen["cfg"].refine_rounds == 1 and seen["beta"] == 100.0
    neb_path(pf, minima, 1, neb, SMOOTHING, images=7)  # the image study: that count, no refinement
    assert seen["cfg"].images == 7 and seen["cfg"].refine_rounds == 0
    assert seen["ridge"] == 1e-6
    neb_path(pf, minima, 1, {**neb, "space": "full", "readout_ridge": 3.0}, SMOOTHING)
    assert seen["ridge"] is None


def test_chosen_end_points_are_integer_rows():
    settled = {"kind": np.array([0, 2, 1, 3], np.int64)}
    assert choose_minima(settled, 4, seed=1).dtype == np.int64
    assert fallback_minima(settled).dtype == np.int64


def test_constant_output_route_is_continuous_and_peaks_at_the_closed_form_top():
    n, k = 3, 3
    rng = np.random.default_rng(8)
    x = np.linspace(-1, 1, 41)
    y = np.sin(4 * x) + 0.3
    for _ in range(3):
        a, b = rng.standard_normal((2, n_params(n, k)))
        route = constant_output_route(a, b, y, n, k, 65)
        assert route.shape == (3 * 65 - 2, n_params(n, k))
        np.testing.assert_array_equal(route[0], a)
        np.testing.assert_array_equal(route[-1], b)
        energy = mse_np(route, x, y, n, k)
        top = constant_output_top(energy[0], energy[-1], y)
        assert top == max(energy[0], energy[-1], np.var(y))
        # the route never rises above the closed-form top and reaches var(y) on its middle leg
        assert energy.max() <= top * (1 + 1e-12)
        np.testing.assert_allclose(energy[64:129], np.var(y), rtol=1e-12)
        # continuous: equal steps per leg, none longer than a leg's length / 64
        legs = [np.linalg.norm(route[64] - a), np.linalg.norm(route[128] - route[64]),
                np.linalg.norm(b - route[128])]
        assert np.linalg.norm(np.diff(route, axis=0), axis=1).max() <= max(legs) / 64 * (1 + 1e-9)
        # leg 1 moves only the output layer (to weights 0, bias mean y), leg 3 likewise for b
        w_out, b_out = layer_slices(n, k)[-1]
        hidden = slice(0, w_out.start)
        np.testing.assert_array_equal(route[:65, hidden], np.broadcast_to(a[hidden], (65, w_out.start)))
        np.testing.assert_allclose(route[128:, hidden], np.broadcast_to(b[hidden], (65, w_out.start)),
                                   rtol=0, atol=1e-14)  # route[128] ends leg 2: round-off
        # (leg 2 holds the output layer exactly; its end points carry the legs' round-off)
        assert np.all(route[65:128, w_out] == 0.0) and np.all(route[65:128, b_out] == np.mean(y))
    # float32 inputs: the route and its top are float64 (the mean and variance of y in float64)
    y32 = (np.sin(7 * x) + 0.1).astype(np.float32)
    a32, b32 = rng.standard_normal((2, n_params(n, k))).astype(np.float32)
    route = constant_output_route(a32, b32, y32, n, k, 5)
    assert route.dtype == np.float64
    assert route[5, layer_slices(n, k)[-1][1]][0] == np.mean(y32.astype(np.float64))
    assert constant_output_top(0.0, 0.0, y32) == np.var(y32.astype(np.float64))
    # between two exact fits of a nonconstant target the route climbs to var(y), higher than both
    assert constant_output_top(0.0, 0.0, y) == pytest.approx(np.var(y))
    assert constant_output_top(0.5, 0.1, np.array([0.0, 1.0])) == 0.5

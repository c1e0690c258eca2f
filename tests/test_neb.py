"""NEB on the network: end points, the smoothed relaxation with a ReLU report, the saddle test."""

import numpy as np
import pytest
import torch

from nnlandscape.band import NebConfig
from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.neb import choose_minima, network_energy, network_path
from nnlandscape.network import forward_np, mse_np


def test_choose_minima_draws_live_fits_only():
    minima = {"dead": np.array([0, 1, 0, 0, 1, 0, 0, 0], bool),
              "diverged": np.array([0, 0, 0, 1, 0, 0, 0, 0], bool)}
    chosen = choose_minima(minima, 4, seed=3)
    assert len(set(chosen.tolist())) == 4
    assert set(chosen.tolist()) <= {0, 2, 5, 6, 7}
    np.testing.assert_array_equal(chosen, choose_minima(minima, 4, seed=3))
    np.testing.assert_array_equal(choose_minima(minima, 2, seed=3), chosen[:2])
    with pytest.raises(ValueError, match="usable minima"):
        choose_minima(minima, 6, seed=3)


def test_choose_minima_takes_certified_minima_when_the_file_has_a_certificate():
    settled = {"kind": np.array([0, 2, 1, 3, 0, 1], np.int64)}
    chosen = choose_minima(settled, 4, seed=3)
    assert sorted(chosen.tolist()) == [0, 2, 4, 5]
    # too few certified: the uncertified end point (kind 3) next, one with descent (kind 2) last
    more = choose_minima(settled, 6, seed=3)
    assert more[:4].tolist() == chosen.tolist() and more[4:].tolist() == [3, 1]
    with pytest.raises(ValueError, match="6 usable"):
        choose_minima(settled, 7, seed=3)


def test_network_path_between_nearby_networks():
    p = perfect_fit(Example())
    x, y, _ = training_data(p, 5, 5, 10)
    rng = np.random.default_rng(1)
    q = p + 0.05 * rng.normal(size=p.shape)
    energy = network_energy(x, y, 5, 5)
    batch = np.stack([p, q])
    np.testing.assert_allclose(energy(torch.tensor(batch)).numpy(), mse_np(batch, x, y, 5, 5),
                               rtol=1e-12, atol=1e-28)
    cfg = NebConfig(images=6, max_iter=30, climb_after=10, refine_rounds=1, refine_images=1, dt=1e-3)
    res = network_path(p, q, x, y, 5, 5, cfg, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                       probe_directions=4, seed=0)
    images = res["images"]
    assert images[0].tobytes() == p.tobytes() and images[-1].tobytes() == q.tobytes()
    # reported on the ReLU loss, relaxed on the smoothed one
    assert res["energy"][0] < 1e-20 and res["energy"][-1] == pytest.approx(mse_np(q, x, y, 5, 5))
    np.testing.assert_allclose(res["energy"], mse_np(images, x, y, 5, 5), rtol=1e-12, atol=1e-28)
    assert not np.allclose(res["energy_relaxed"], res["energy"], rtol=1e-6)
    assert res["lifted_end_energy"].tolist() == res["energy"][[0, -1]].tolist()  # full space
    np.testing.assert_allclose(res["output_std"], forward_np(images, x, 5, 5).std(-1), rtol=1e-12)
    assert res["output_std"].shape == (images.shape[0],) and res["output_std"].min() > 0.1
    straight = np.linspace(0, 1, 6)[:, None] * (q - p) + p
    np.testing.assert_allclose(res["straight_energy"], mse_np(straight, x, y, 5, 5), rtol=1e-9, atol=1e-15)
    arc = res["arc"]
    assert arc[0] == 0 and arc[-1] == 1 and np.all(np.diff(arc) > 0)
    assert res["iterations"] == len(res["force_history"]) - len(res["round_images"])
    assert res["midpoint_energy"].shape == (images.shape[0] - 1,)
    # the band's top inside each segment: the highest ReLU loss at fractions j / 64, j = 1..63
    # (cfg.segment_samples), recomputed here point by point
    t = np.arange(1, 64) / 64
    inside = images[:-1, None] + t[None, :, None] * (images[1:] - images[:-1])[:, None]
    want = mse_np(inside.reshape(-1, p.size), x, y, 5, 5).reshape(len(images) - 1, 63).max(1)
    np.testing.assert_allclose(res["segment_max"], want, rtol=1e-12, atol=1e-28)
    assert np.all(res["segment_max"] >= res["midpoint_energy"])  # fraction 32/64 is the midpoint
    half = mse_np(inside[:, ::2].reshape(-1, p.size), x, y, 5, 5).reshape(len(images) - 1, 32).max(1)
    np.testing.assert_allclose(res["segment_max_half"], half, rtol=1e-12, atol=1e-28)  # odd j / 64
    # the output's spread at each segment's highest sample
    energies = mse_np(inside.reshape(-1, p.size), x, y, 5, 5).reshape(len(images) - 1, 63)
    tops = inside[np.arange(len(images) - 1), energies.argmax(1)]
    np.testing.assert_allclose(res["segment_top_std"], forward_np(tops, x, 5, 5).std(-1), rtol=1e-12)
    # the constant-output route's top: the far end's energy here, above var(y) and every image
    e = res["energy"]
    assert e[-1] > np.var(y) and e[-1] > e[:-1].max() and res["route_top"] == e[-1]
    few = network_path(p, q, x, y, 5, 5, NebConfig(**{**cfg.__dict__, "segment_samples": 1}),
                       beta=1e3, saddle_tol=1e-6, probe_step=1e-3, probe_directions=4, seed=0)
    np.testing.assert_allclose(few["segment_max"], few["midpoint_energy"], rtol=1e-12, atol=1e-28)
    assert few["segment_max_half"].tobytes() == few["segment_max"].tobytes()  # one sample: no half
    # an end above var(y) sets the route's top, at the start as well
    far = p + 1.0 * rng.normal(size=p.shape)
    short = NebConfig(images=4, max_iter=2, refine_rounds=0, segment_samples=1)
    out = network_path(far, p, x, y, 5, 5, short, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                       probe_directions=2, seed=0)
    e = out["energy"]
    assert e[0] > np.var(y) and e[0] > e[-1] and e[1] != e[0] and out["route_top"] == e[0]
    # ends below var(y): the route's top is var(y), the loss of the constant output mean(y)
    near = p + 1e-3 * rng.normal(size=p.shape)
    out = network_path(p, near, x, y, 5, 5, short, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                       probe_directions=2, seed=0)
    assert out["energy"].max() < np.var(y) and out["route_top"] == pytest.approx(np.var(y), rel=1e-12)
    # 30 iterations do not converge: no saddle claimed
    assert not res["converged"] and not res["saddle_verified"] and res["saddle_negative"] == -1
    # the same inputs give the same path, bit for bit
    again = network_path(p, q, x, y, 5, 5, cfg, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                         probe_directions=4, seed=0)
    assert again["images"].tobytes() == images.tobytes()
    assert again["energy"].tobytes() == res["energy"].tobytes()


def lifted_segment_tops(images, x, y, ridge, samples, every=1):
    """Highest ReLU loss inside each segment of a readout-space band, recomputed point by point: the
    lift of fractions j / (samples + 1) of the segments between the images' hidden layers, and the
    lifted end images in the end segments; the lifted end images' losses; the output's std at each
    segment's top."""
    from nnlandscape.readout import hidden_size, lift

    ph = hidden_size(5, 5)
    hidden = images[:, :ph]
    t = (np.arange(1, samples + 1) / (samples + 1))[::every]
    inside = hidden[:-1, None] + t[None, :, None] * (hidden[1:] - hidden[:-1])[:, None]
    nets = lift(inside.reshape(-1, ph), x, y, 5, 5, ridge)
    lifted = mse_np(nets, x, y, 5, 5).reshape(len(images) - 1, len(t))
    top = lifted.max(1)
    end_nets = lift(hidden[[0, -1]], x, y, 5, 5, ridge)
    ends = mse_np(end_nets, x, y, 5, 5)
    std = forward_np(nets, x, 5, 5).std(-1).reshape(lifted.shape)[np.arange(len(top)), lifted.argmax(1)]
    end_std = forward_np(end_nets, x, 5, 5).std(-1)
    std[0] = end_std[0] if ends[0] >= top[0] else std[0]
    std[-1] = end_std[1] if ends[1] >= top[-1] else std[-1]
    top[0], top[-1] = max(top[0], ends[0]), max(top[-1], ends[1])
    return top, ends, std


def test_network_path_in_readout_space_lifts_its_band_and_samples_the_lifted_segments():
    from nnlandscape.readout import hidden_size, lift, readout_energy
    from nnlandscape.symmetry import symmetrize

    p = symmetrize(perfect_fit(Example()), 5, 5).params
    x, y, _ = training_data(p, 5, 5, 10)
    q = p + 0.05 * np.random.default_rng(2).normal(size=p.shape)
    ph, ridge = hidden_size(5, 5), 1e-6
    cfg = NebConfig(images=6, max_iter=30, climb_after=10, refine_rounds=1, refine_images=1, dt=1e-3,
                    segment_samples=7)
    res = network_path(p, q, x, y, 5, 5, cfg, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                       probe_directions=4, seed=0, ridge=ridge)
    images = res["images"]
    assert images.shape == (7, p.size)  # 6 images and one from the refinement round
    assert images[0].tobytes() == p.tobytes() and images[-1].tobytes() == q.tobytes()
    # interior images: hidden layers from the band, output layer at its ridge optimum for them
    np.testing.assert_allclose(images[1:-1], lift(images[1:-1, :ph], x, y, 5, 5, ridge),
                               rtol=1e-12, atol=1e-14)
    assert not np.allclose(images[1:-1, ph:], (p[ph:] + q[ph:]) / 2, atol=1e-3)
    np.testing.assert_allclose(res["energy"], mse_np(images, x, y, 5, 5), rtol=1e-12, atol=1e-28)
    # between two images the path is the lift of the straight segment between their hidden layers;
    # the end segments also hold the lifted end images (the output-only legs to p and q peak there)
    hidden = images[:, :ph]
    want, ends, _ = lifted_segment_tops(images, x, y, ridge, 7)
    assert ends[0] > res["energy"][0]  # the ridge readout of p is not p's own output layer
    np.testing.assert_allclose(res["lifted_end_energy"], ends, rtol=1e-12, atol=1e-20)
    np.testing.assert_allclose(res["segment_max"], want, rtol=1e-10, atol=1e-20)
    half = lifted_segment_tops(images, x, y, ridge, 7, every=2)[0]
    np.testing.assert_allclose(res["segment_max_half"], half, rtol=1e-10, atol=1e-20)
    # relaxed on the smoothed readout energy (softplus features, output layer solved for them)
    smooth = readout_energy(x, y, 5, 5, ridge, beta=1e3)(torch.tensor(hidden)).numpy()
    np.testing.assert_allclose(res["energy_relaxed"], smooth, rtol=1e-12, atol=1e-20)
    assert not np.allclose(smooth, readout_energy(x, y, 5, 5, ridge)(torch.tensor(hidden)).numpy(),
                           rtol=1e-6)
    # the other way round the lifted end image of q opens the band: each end segment is checked
    # against both a lifted end above its samples and samples above a lifted end
    back = network_path(q, p, x, y, 5, 5, cfg, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                        probe_directions=4, seed=0, ridge=ridge)
    tops, back_ends, _ = lifted_segment_tops(back["images"], x, y, ridge, 7)
    np.testing.assert_allclose(back["segment_max"], tops, rtol=1e-10, atol=1e-20)
    np.testing.assert_allclose(back["segment_max_half"],
                               lifted_segment_tops(back["images"], x, y, ridge, 7, every=2)[0],
                               rtol=1e-10, atol=1e-20)
    assert back["segment_max"][-1] > back_ends[1] and res["segment_max"][0] > ends[0]
    # the output's spread at each segment's top, the lifted end image where that is the top (here the
    # last segment of the path p -> q and the first of q -> p)
    for path in (res, back):
        std = lifted_segment_tops(path["images"], x, y, ridge, 7)[2]
        np.testing.assert_allclose(path["segment_top_std"], std, rtol=1e-10)
    end_std = forward_np(lift(hidden[[-1]], x, y, 5, 5, ridge), x, 5, 5).std(-1)
    assert res["segment_top_std"][-1] == pytest.approx(end_std[0], rel=1e-10)
    mid = mse_np(lift((hidden[1:] + hidden[:-1]) / 2, x, y, 5, 5, ridge), x, y, 5, 5)
    np.testing.assert_allclose(res["midpoint_energy"], mid, rtol=1e-10, atol=1e-20)
    # arc length of the stored (full) images; the straight baseline is the full-space segment
    steps = np.linalg.norm(np.diff(images, axis=0), axis=1)
    np.testing.assert_allclose(res["arc"], np.r_[0, np.cumsum(steps)] / steps.sum(), rtol=1e-12)
    straight = np.linspace(0, 1, 6)[:, None] * (q - p) + p
    np.testing.assert_allclose(res["straight_energy"], mse_np(straight, x, y, 5, 5), rtol=1e-9,
                               atol=1e-15)
    # the same inputs give the same path; the full space gives another
    again = network_path(p, q, x, y, 5, 5, cfg, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                         probe_directions=4, seed=0, ridge=ridge)
    assert again["images"].tobytes() == images.tobytes()
    full = network_path(p, q, x, y, 5, 5, cfg, beta=1e3, saddle_tol=1e-6, probe_step=1e-3,
                        probe_directions=4, seed=0)
    assert not np.allclose(full["images"][1:-1], images[1:-1], atol=1e-6)

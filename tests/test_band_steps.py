"""The band's building blocks worked by hand: FIRE, L-BFGS, descent, the move cap, eps-residuals,
refinement, the climbing image, the initial band, arc length and the config's checks.

Every expected value comes from the method's published definition written out in the test (Bitzek
et al. 2006 for FIRE; Nocedal & Wright 2006, eq. 6.17 for the BFGS inverse update), not from the code.
"""

import time
from dataclasses import replace

import numpy as np
import pytest
import torch

from nnlandscape.band import (
    FireState,
    LbfgsState,
    NebConfig,
    NebResult,
    arc_length,
    band_forces,
    climbing_image,
    descent_step,
    eps_residual,
    fire_step,
    improved_tangent,
    lbfgs_step,
    linear_path,
    nudged_elastic_band,
    refine_band,
    relax_band,
    segment_energy,
)

F64 = torch.float64


def fire_by_hand(x0, force_fn, steps, dt, dt_max, max_move):
    """FIRE as Bitzek, Koskinen, Gähler, Moseler & Gumbsch (2006) state it, one image, NumPy:
    N_min = 5, f_inc = 1.1, f_dec = 0.5, alpha_start = 0.1, f_alpha = 0.99."""
    x, v = np.array(x0, float), np.zeros(len(x0))
    alpha, calm, out = 0.1, 0, []
    for _ in range(steps):
        f = force_fn(x)
        if f @ v > 0:
            v = (1 - alpha) * v + alpha * np.linalg.norm(v) * f / np.linalg.norm(f)
            if calm > 5:
                dt, alpha = min(dt * 1.1, dt_max), alpha * 0.99
            calm += 1
        else:
            v, dt, alpha, calm = np.zeros_like(v), dt * 0.5, 0.1, 0
        v = v + dt * f
        move = dt * v
        norm = np.linalg.norm(move)
        x = x + (move * max_move / norm if norm > max_move else move)
        out.append((x.copy(), dt, alpha, calm))
    return out


@pytest.mark.parametrize("max_move", [10.0, 0.05])
def test_fire_step_follows_the_published_recurrence_image_by_image(max_move):
    # two images in two harmonic wells of different stiffness: each overshoots, the power turns
    # negative, FIRE stops and restarts it; every image keeps its own time step and mixing
    centres = np.array([[1.0, -2.0], [0.5, 0.25]])
    stiff = np.array([3.0, 40.0])

    def force(x):
        return -stiff[:, None] * (x - centres)

    x = torch.zeros(2, 2, dtype=F64)
    state = FireState.start(x, 0.05)
    ours = []
    for _ in range(40):
        f = torch.as_tensor(force(x.numpy()))
        x = fire_step(x, f, state, dt_max=0.04, max_move=max_move)
        ours.append((x.clone(), state.dt.clone(), state.alpha.clone(), state.calm.clone()))
    for i in range(2):
        want = fire_by_hand([0.0, 0.0], lambda p, i=i: -stiff[i] * (p - centres[i]), 40, 0.05, 0.04,
                            max_move)
        for step, ((x_t, dt_t, a_t, c_t), (x_h, dt_h, a_h, c_h)) in enumerate(zip(ours, want,
                                                                                   strict=True)):
            np.testing.assert_allclose(x_t[i].numpy(), x_h, rtol=1e-12, atol=1e-14, err_msg=f"step {step}")
            assert float(dt_t[i]) == pytest.approx(dt_h, rel=1e-12)
            assert float(a_t[i]) == pytest.approx(a_h, rel=1e-12)
            assert int(c_t[i]) == c_h
    # the run saw both branches: a time step grown to the cap and a restart after overshooting
    dts = np.array([d[1].numpy() for d in ours])
    assert dts.max() == pytest.approx(0.04) and (np.diff(dts, axis=0) < 0).any()


def test_fire_starts_at_rest_with_the_initial_mixing():
    x = torch.ones(3, 4, dtype=F64)
    s = FireState.start(x, 0.02)
    assert torch.equal(s.velocity, torch.zeros(3, 4, dtype=F64))
    assert s.dt.tolist() == [0.02] * 3 and s.alpha.tolist() == [0.1] * 3 and s.calm.tolist() == [0] * 3


def test_descent_moves_along_the_force_and_caps_each_image_alone():
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], dtype=F64)
    f = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], dtype=F64)
    new = descent_step(x, f, step=0.5, max_move=1.0)
    # image 0 would move 2.5: cut to 1.0 along (0.6, 0.8); image 1 moves 0.25 uncut; image 2 rests
    np.testing.assert_allclose(new.numpy(), [[0.6, 0.8], [1.15, 1.2], [2.0, 2.0]], rtol=1e-15)


def bfgs_inverse(pairs, gamma, dim):
    """Dense L-BFGS inverse Hessian: H0 = gamma I, then H <- (I - rho s y')H(I - rho y s') + rho s s'
    for each pair from oldest to newest (Nocedal & Wright 2006, eq. 6.17 and 7.19)."""
    h = gamma * np.eye(dim)
    for s, y in pairs:
        rho = 1.0 / (y @ s)
        left = np.eye(dim) - rho * np.outer(s, y)
        h = left @ h @ left.T + rho * np.outer(s, s)
    return h


@pytest.mark.parametrize("scale", [1.0, 0.1])
def test_lbfgs_first_step_is_a_scaled_force_and_later_steps_apply_the_bfgs_inverse(scale):
    # a quadratic energy E = x'Ax/2 over one "image" of 3 coordinates: the force -Ax is a gradient;
    # at scale 0.1 every curvature s.y / s.s is below 1 (still positive: every pair is kept)
    a = scale * np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
    x = torch.tensor([[1.0, -1.0, 0.5]], dtype=F64)
    state = LbfgsState(memory=2)
    xs, pairs = [x.numpy()[0].copy()], []
    f0 = -(a @ xs[0])
    x = lbfgs_step(x, torch.as_tensor(-(a @ x.numpy()[0]))[None], state, step=0.1, max_move=100.0)
    np.testing.assert_allclose(x.numpy()[0], xs[0] + 0.1 * f0, rtol=1e-14)
    xs.append(x.numpy()[0].copy())
    for _ in range(4):
        g = a @ x.numpy()[0]
        s, y = xs[-1] - xs[-2], g - a @ xs[-2]
        pairs = [*pairs, (s, y)][-2:]  # memory 2: the newest two pairs
        gamma = (pairs[-1][0] @ pairs[-1][1]) / (pairs[-1][1] @ pairs[-1][1])
        want = xs[-1] - bfgs_inverse(pairs, gamma, 3) @ g
        x = lbfgs_step(x, torch.as_tensor(-g)[None], state, step=0.1, max_move=100.0)
        np.testing.assert_allclose(x.numpy()[0], want, rtol=1e-10, atol=1e-13)
        xs.append(x.numpy()[0].copy())
        assert len(state.s) == len(pairs)
        np.testing.assert_allclose(state.s[-1].numpy(), s, rtol=1e-14)
        np.testing.assert_allclose(state.y[-1].numpy(), y, rtol=1e-14)


def test_lbfgs_trust_radius_halves_and_forgets_when_the_force_grows_and_grows_back_by_half():
    x = torch.zeros(2, 2, dtype=F64)
    state = LbfgsState(memory=5)
    small = torch.tensor([[0.1, 0.0], [0.0, 0.1]], dtype=F64)
    x1 = lbfgs_step(x, small, state, step=1.0, max_move=0.5)
    assert state.radius == 0.5  # the cap, from an unlimited start
    np.testing.assert_allclose(x1.numpy(), small.numpy())  # 0.1 per image: below the radius
    big = torch.tensor([[3.0, 4.0], [0.0, 1.0]], dtype=F64)
    x2 = lbfgs_step(x1, big, state, step=1.0, max_move=0.5)
    assert state.radius == 0.25 and state.s == [] and state.y == []
    # memory dropped: the step is step * F, scaled so that the biggest image move (5) is 0.25
    np.testing.assert_allclose((x2 - x1).numpy(), big.numpy() * 0.25 / 5.0, rtol=1e-14)
    lbfgs_step(x2, 0.5 * big, state, step=1.0, max_move=0.5)
    assert state.radius == pytest.approx(0.375)
    lbfgs_step(x2, 0.25 * big, state, step=1.0, max_move=0.5)
    assert state.radius == 0.5  # grown by half, but never past max_move
    # a force of the same size as the last one did not grow: the radius does not shrink
    state.radius = 0.2
    lbfgs_step(x2, -0.25 * big, state, step=1.0, max_move=0.5)
    assert state.radius == pytest.approx(0.3)


def test_lbfgs_keeps_only_pairs_of_positive_curvature():
    # energy -x^2/2 along the line (negative curvature): s.y < 0, no pair is stored
    x = torch.tensor([[1.0]], dtype=F64)
    state = LbfgsState(memory=3)
    for _ in range(3):
        x = lbfgs_step(x, x.clone(), state, step=0.1, max_move=100.0)
    assert state.s == []
    # each step is then 0.1 * F = 0.1 x: x grows by 10 % a step
    assert float(x) == pytest.approx(1.1**3)


def test_lbfgs_reset_forgets_pairs_and_the_last_point():
    state = LbfgsState(memory=3, s=[torch.ones(2)], y=[torch.ones(2)], last_x=torch.ones(1, 2),
                       last_force=torch.ones(1, 2))
    state.reset()
    assert state.s == [] and state.y == [] and state.last_x is None and state.last_force is None


def test_eps_residual_is_the_shortest_combination_of_nearby_residuals():
    # one image, three iterates: residuals (1, 0) and (-1, 0) near each other, (0, 5) far away
    points = [np.array([[5.0, 0.0]]), np.array([[0.01, 0.0]]), np.array([[0.0, 0.0]])]
    residuals = [np.array([[0.0, 5.0]]), np.array([[1.0, 0.0]]), np.array([[-2.0, 0.0]])]
    assert eps_residual(points, residuals, radius=0.1)[0] == pytest.approx(0.0, abs=1e-12)
    # a radius too small to reach the other iterate: only the current residual (-2, 0) counts
    assert eps_residual(points, residuals, radius=0.001)[0] == pytest.approx(2.0)
    # a radius that takes in all three: (1,0), (-2,0), (0,5) still combine to zero
    assert eps_residual(points, residuals, radius=10.0)[0] == pytest.approx(0.0, abs=1e-12)
    # residuals (1, 1) and (1, -1): the shortest combination is (1, 0); the point at
    # exactly the radius counts as near
    pts = [np.array([[0.0, 0.1]]), np.array([[0.0, 0.0]])]
    res = [np.array([[1.0, 1.0]]), np.array([[1.0, -1.0]])]
    assert eps_residual(pts, res, radius=0.1)[0] == pytest.approx(1.0)


def test_eps_residual_treats_each_image_alone():
    points = [np.array([[0.0], [0.0]]), np.array([[0.0], [1.0]])]
    residuals = [np.array([[2.0], [2.0]]), np.array([[-1.0], [-3.0]])]
    # image 0 did not move: 2 and -1 combine to 0; image 1 moved 1 > radius: only -3 counts
    np.testing.assert_allclose(eps_residual(points, residuals, 0.5), [0.0, 3.0], atol=1e-12)


def test_refine_band_splits_the_segments_whose_midpoints_rise_most_and_halves_their_weights():
    band = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 0.0]], dtype=F64)
    energy = torch.tensor([0.0, 1.0, 1.0, 0.5, 0.0], dtype=F64)
    # one sample per segment, its midpoint; rise over the higher neighbour: 0.5, -0.5, 2.0, 0.2
    midpoint = torch.tensor([[1.5], [0.5], [3.0], [0.7]], dtype=F64)
    weights = torch.tensor([1.0, 1.0, 0.5, 1.0], dtype=F64)
    new, w, chosen = refine_band(band, energy, midpoint, count=2, weights=weights)
    assert chosen == [0, 2]
    np.testing.assert_allclose(new[:, 0].numpy(), [0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0])
    np.testing.assert_allclose(w.numpy(), [0.5, 0.5, 1.0, 0.25, 0.25, 1.0])
    # asking for more splits than segments that rise: only the rising ones (never segment 1)
    _, _, every = refine_band(band, energy, midpoint, count=4, weights=weights)
    assert every == [0, 2, 3]
    # nothing rises: nothing changes
    same, w_same, none = refine_band(band, energy, energy[:-1, None] - 1, count=3, weights=weights)
    assert none == [] and torch.equal(same, band) and torch.equal(w_same, weights)


def test_refine_band_puts_the_new_image_at_the_highest_sample_and_splits_the_weight_there():
    band = torch.tensor([[0.0], [4.0], [8.0]], dtype=F64)
    energy = torch.tensor([0.0, 1.0, 0.0], dtype=F64)
    # three samples per segment, at fractions 1/4, 1/2, 3/4: the first segment peaks at 3/4 (rise
    # 1.0), the second at 1/4 (rise 0.5)
    inside = torch.tensor([[0.5, 1.5, 2.0], [1.5, 1.2, 0.2]], dtype=F64)
    weights = torch.tensor([2.0, 1.0], dtype=F64)
    new, w, chosen = refine_band(band, energy, inside, count=1, weights=weights)
    assert chosen == [0]
    np.testing.assert_allclose(new[:, 0].numpy(), [0.0, 3.0, 4.0, 8.0])
    np.testing.assert_allclose(w.numpy(), [1.5, 0.5, 1.0])  # 3/4 and 1/4 of the weight 2
    new, w, chosen = refine_band(band, energy, inside, count=2, weights=weights)
    assert chosen == [0, 1]
    np.testing.assert_allclose(new[:, 0].numpy(), [0.0, 3.0, 4.0, 5.0, 8.0])
    np.testing.assert_allclose(w.numpy(), [1.5, 0.5, 0.25, 0.75])
    # the energies at the segment points of a band, row by row
    got = segment_energy(lambda p: p.sum(1) ** 2, band, 3)
    np.testing.assert_allclose(got.numpy(), [[1.0, 4.0, 9.0], [25.0, 36.0, 49.0]])


def test_climbing_image_is_the_highest_interior_image_only_when_it_is_a_local_maximum():
    assert climbing_image(torch.tensor([0.0, 2.0, 3.0, 1.0, 0.0])) == 2
    assert climbing_image(torch.tensor([0.0, 1.0, 2.0, 3.0])) is None  # monotone: no maximum
    assert climbing_image(torch.tensor([5.0, 1.0, 0.0])) is None  # the end is higher
    assert climbing_image(torch.tensor([0.0, 1.0, 1.0, 0.0])) is None  # a tie is no strict maximum
    assert climbing_image(torch.tensor([0.0, 1.0])) is None  # no interior image
    assert climbing_image(torch.tensor([0.0, 4.0, 0.0])) == 1


def test_linear_path_is_evenly_spaced_with_exact_end_points():
    start = torch.tensor([0.1, -0.3], dtype=F64)
    end = torch.tensor([0.7, 0.9], dtype=F64)
    band = linear_path(start, end, 4)
    assert torch.equal(band[0], start) and torch.equal(band[-1], end)
    np.testing.assert_allclose(band[1].numpy(), [0.3, 0.1], rtol=1e-14)
    np.testing.assert_allclose(band[2].numpy(), [0.5, 0.5], rtol=1e-14)


def test_arc_length_is_cumulative_and_normalized():
    images = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0], [3.0, 9.0]])
    np.testing.assert_allclose(arc_length(images), [0.0, 0.5, 0.5, 1.0])
    np.testing.assert_array_equal(arc_length(np.zeros((3, 2))), [0.0, 0.0, 0.0])
    # a first image repeated, and a band shorter than 1: still normalized by the whole length
    np.testing.assert_allclose(arc_length(np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 4.0]])), [0, 0, 1])
    np.testing.assert_allclose(arc_length(np.array([[0.0, 0.0], [0.3, 0.4]])), [0.0, 1.0])


def test_improved_tangent_falls_back_to_the_central_difference_on_a_flat_band():
    images = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]], dtype=F64)
    flat = torch.zeros(3, dtype=F64)
    # equal energies: uphill differences are undefined, the tangent is (R+ - R-) normalized
    t = improved_tangent(images, flat)
    np.testing.assert_allclose(t.numpy(), [[1 / 5**0.5, 2 / 5**0.5]], rtol=1e-14)


def test_spring_force_on_a_flat_energy_uses_the_segment_weights():
    def flat(p):
        return 0.0 * p.sum(1)

    band = torch.tensor([[0.0, 0.0], [1.0, 0.0], [4.0, 0.0]], dtype=F64)
    # k (|R+ - R|/w+ - |R - R-|/w-) along the tangent (+x): 2 * (3/1 - 1/1) = 4 with unit weights
    f = band_forces(flat, band, spring=2.0)
    np.testing.assert_allclose(f.force.numpy(), [[4.0, 0.0]], atol=1e-14)
    assert float(f.residual[0]) == 0.0 and f.climbing is None
    # a first segment of rest length 1/4: 2 * (3/1 - 1/0.25) = -2
    w = torch.tensor([0.25, 1.0], dtype=F64)
    np.testing.assert_allclose(band_forces(flat, band, 2.0, weights=w).force.numpy(), [[-2.0, 0.0]],
                               atol=1e-14)


def test_perpendicular_force_and_residual_on_a_tilted_plane():
    # E = 3x + 4y on a band along x: gradient (3, 4); perpendicular part (0, 4), force (0, -4)
    def plane(p):
        return 3 * p[:, 0] + 4 * p[:, 1]

    band = torch.tensor([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]], dtype=F64)
    f = band_forces(plane, band, spring=0.0)
    np.testing.assert_allclose(f.force.numpy(), [[0.0, -4.0]], atol=1e-14)
    np.testing.assert_allclose(f.residual_vec.numpy(), [[0.0, 4.0]], atol=1e-14)
    assert float(f.residual[0]) == pytest.approx(4.0)
    np.testing.assert_allclose(f.energy.numpy(), [0.0, 3.0, 6.0])
    np.testing.assert_allclose(f.grad.numpy(), [[3.0, 4.0]] * 3)


def test_relax_band_with_no_iterations_returns_the_band_it_was_given():
    def bowl(p):
        return (p**2).sum(1)

    band = torch.tensor([[-1.0, 0.0], [0.0, 0.5], [1.0, 0.0]], dtype=F64)
    cfg = NebConfig(images=3, max_iter=0, climb=False, tol=1e-6)
    out, converged, hist, top = relax_band(bowl, band, cfg)
    assert torch.equal(out, band) and not converged
    assert hist == [pytest.approx(1.0)] and top is None  # perpendicular gradient (0, 2*0.5)


@pytest.mark.parametrize("optimizer", ["fire", "lbfgs", "descent"])
def test_each_band_optimizer_straightens_a_band_in_a_bowl_valley(optimizer):
    # E = y^2: the minimum-energy path from (-1, 0) to (1, 0) is the x-axis
    def valley(p):
        return p[:, 1] ** 2

    band = torch.tensor([[-1.0, 0.0], [-0.5, 0.3], [0.0, -0.2], [0.5, 0.1], [1.0, 0.0]], dtype=F64)
    cfg = NebConfig(images=5, optimizer=optimizer, max_iter=2000, tol=1e-8, climb=False, dt=0.1,
                    dt_max=0.2, max_move=0.1, spring=1.0)
    out, converged, hist, _ = relax_band(valley, band, cfg)
    assert converged and hist[-1] < 1e-8 and len(hist) > 2
    np.testing.assert_allclose(out[:, 1].numpy(), 0.0, atol=1e-8)
    # equal springs spread the images evenly (the test is on the perpendicular force only, so the
    # spacing is close, not exact)
    np.testing.assert_allclose(out[:, 0].numpy(), [-1.0, -0.5, 0.0, 0.5, 1.0], atol=1e-3)
    assert torch.equal(out[0], band[0]) and torch.equal(out[-1], band[-1])


def test_climbing_starts_when_the_plain_band_converges_before_climb_after():
    # a symmetric double well: the plain band converges first, then the middle image climbs to
    # the barrier top (0, 0) at energy 1
    def well(p):
        return (p[:, 0] ** 2 - 1) ** 2 + p[:, 1] ** 2

    band = torch.tensor([[-1.0, 0.0], [-0.4, 0.2], [0.1, 0.1], [0.5, -0.1], [1.0, 0.0]], dtype=F64)
    cfg = NebConfig(images=5, optimizer="fire", max_iter=3000, tol=1e-7, climb=True, dt=0.01,
                    dt_max=0.05, max_move=0.05, spring=1.0)
    out, converged, _, top = relax_band(well, band, cfg, climb_from=10**6)
    assert converged and top == 2
    np.testing.assert_allclose(out[2].numpy(), [0.0, 0.0], atol=1e-6)


def test_neb_config_refuses_bad_values_by_name():
    with pytest.raises(ValueError, match="band optimizer 'bfgs'; allowed: fire, lbfgs, descent"):
        NebConfig(optimizer="bfgs")
    with pytest.raises(ValueError, match="at least 3 images"):
        NebConfig(images=2)
    NebConfig(images=3)
    with pytest.raises(ValueError, match="neb.window"):
        NebConfig(window=-1)
    with pytest.raises(ValueError, match="neb.radius"):
        NebConfig(window=4, radius=0.0)
    NebConfig(window=4, radius=1e-3)
    with pytest.raises(ValueError, match="neb.radius"):
        NebConfig(window=1, radius=0.0)
    with pytest.raises(ValueError, match="neb.memory"):
        NebConfig(memory=0)
    NebConfig(memory=1)
    cfg = NebConfig.from_config({"images": 9, "tol": 1e-4, "paths": 3, "pairs": {"random": 2}})
    assert cfg.images == 9 and cfg.tol == 1e-4 and cfg.spring == NebConfig().spring


def test_neb_result_arrays_have_their_types():
    res = NebResult(images=np.zeros((3, 2)), energy=np.zeros(3), midpoint_energy=np.zeros(2),
                    arc=np.array([0, 0.5, 1.0]), converged=True, iterations=7, max_perp_force=1e-4,
                    force_history=np.ones(8), climbing_index=1, seconds=2.5, cpu_seconds=1.5)
    arrays = res.arrays()
    assert arrays["converged"].dtype == np.bool_ and bool(arrays["converged"])
    assert arrays["iterations"].dtype == np.int64 and int(arrays["iterations"]) == 7
    assert arrays["climbing_index"].dtype == np.int64 and int(arrays["climbing_index"]) == 1
    assert float(arrays["max_perp_force"]) == 1e-4 and float(arrays["seconds"]) == 2.5
    assert float(arrays["cpu_seconds"]) == 1.5
    assert arrays["round_images"].dtype == np.int64 and arrays["round_converged"].dtype == bool
    assert arrays["inserted"].dtype == np.int64
    assert sorted(arrays) == sorted(["images", "energy", "midpoint_energy", "arc", "converged",
                                     "iterations", "max_perp_force", "force_history",
                                     "climbing_index", "round_images", "round_converged",
                                     "inserted", "seconds", "cpu_seconds"])


def test_a_highest_image_level_with_the_end_point_before_it_does_not_climb():
    assert climbing_image(torch.tensor([2.0, 2.0, 1.0])) is None
    assert climbing_image(torch.tensor([1.0, 2.0, 2.0])) is None


def test_lbfgs_restarts_on_a_zero_force_and_does_not_move():
    a = np.diag([2.0, 1.0])
    x = torch.tensor([[1.0, 1.0]], dtype=F64)
    state = LbfgsState(memory=3)
    for _ in range(3):
        x = lbfgs_step(x, torch.as_tensor(-(a @ x.numpy()[0]))[None], state, step=0.1, max_move=10.0)
    assert len(state.s) == 2  # curvature pairs collected
    still = lbfgs_step(x, torch.zeros(1, 2, dtype=F64), state, step=0.1, max_move=10.0)
    assert torch.equal(still, x)  # no NaN, no move
    assert state.s == [] and state.y == []  # the direction was not downhill: memory dropped


def test_refinement_never_splits_a_segment_whose_midpoint_only_ties_with_its_images():
    band = torch.tensor([[0.0], [1.0], [2.0]], dtype=F64)
    energy = torch.tensor([0.0, 1.0, 0.0], dtype=F64)
    midpoint = torch.tensor([[1.0], [1.5]], dtype=F64)  # rises 0 and 0.5
    _, _, chosen = refine_band(band, energy, midpoint, count=2, weights=torch.ones(2, dtype=F64))
    assert chosen == [1]


def bumps(p):
    """sin(3 pi x)^2 + 5 y^2: three bumps along the x-axis, so refinement finds rising midpoints in
    more than one round."""
    x, y = p[:, 0], p[:, 1]
    return torch.sin(3 * np.pi * x) ** 2 + 5.0 * y**2


def test_refinement_rounds_add_their_images_iterations_and_history():
    start, end = torch.tensor([-1.0, 0.0], dtype=F64), torch.tensor([1.0, 0.0], dtype=F64)
    cfg = NebConfig(images=8, spring=1.0, optimizer="fire", max_iter=5, tol=0.0, climb=True,
                    climb_after=100, refine_rounds=2, refine_images=1, dt=1e-3, dt_max=1e-2)
    res = nudged_elastic_band(bumps, start, end, cfg)
    # one image inserted per round; each round: 5 steps (never converged at tol 0), then the
    # returned band's force
    assert res.round_images.tolist() == [8, 9, 10] and len(res.inserted) == 2
    assert res.iterations == 15 and len(res.force_history) == 18
    assert not res.converged and res.images.shape == (10, 2)
    # refinement rounds climb from their first step; the first round only after climb_after
    assert res.climbing_index >= 1
    one = nudged_elastic_band(bumps, start, end, replace(cfg, refine_rounds=0))
    assert one.climbing_index == -1 and one.round_images.tolist() == [8]
    assert nudged_elastic_band(bumps, start, end, replace(cfg, climb_after=0, refine_rounds=0)
                               ).climbing_index >= 1


def test_the_result_records_arc_history_rounds_and_times():
    start, end = torch.tensor([-1.0, 0.0], dtype=F64), torch.tensor([1.0, 0.0], dtype=F64)
    cfg = NebConfig(images=8, spring=1.0, optimizer="fire", max_iter=5, tol=0.0, climb=True,
                    climb_after=0, refine_rounds=1, refine_images=1, dt=1e-3, dt_max=1e-2)
    t0, c0 = time.perf_counter(), time.process_time()
    res = nudged_elastic_band(bumps, start, end, cfg)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    np.testing.assert_array_equal(res.arc, arc_length(res.images))
    assert res.force_history.dtype == np.float64 and res.force_history.shape == (12,)
    assert np.isfinite(res.force_history).all()
    assert res.max_perp_force == res.force_history[-1]
    assert res.round_converged.dtype == bool and res.round_converged.tolist() == [False, False]
    assert res.round_images.dtype == np.int64 and res.inserted.dtype == np.int64
    assert 0 < res.seconds <= wall and 0 < res.cpu_seconds <= cpu
    plain = nudged_elastic_band(bumps, start, end, replace(cfg, refine_rounds=0))
    assert plain.inserted.dtype == np.int64 and plain.inserted.size == 0
    assert plain.round_converged.tolist() == [False]


def test_climbing_starts_at_the_step_climb_from_names():
    # a band over the ridge of E = (x^2 - 1)^2 + y^2 whose middle image sits off the top at x = 0.2:
    # climbing turns the tangential gradient around, so its residual is the whole gradient
    def well(p):
        return (p[:, 0] ** 2 - 1) ** 2 + p[:, 1] ** 2

    band = torch.tensor([[-1.0, 0.0], [0.2, 0.1], [1.0, 0.0]], dtype=F64)
    cfg = NebConfig(images=3, optimizer="descent", max_iter=0, tol=0.0, climb=True, dt=1e-3)
    g = 4 * 0.2 * (0.2**2 - 1)  # dE/dx at the middle image; dE/dy = 0.2
    full = float(np.hypot(g, 0.2))
    forces = band_forces(well, band, 1.0)
    assert float(forces.residual[0]) < full - 0.1  # the perpendicular part alone is smaller
    _, _, hist, top = relax_band(well, band, cfg)  # climb_from 0: climbing at the first step
    assert top == 1 and hist == [pytest.approx(full)]
    for climb_from, steps, want in ((1, 0, None), (2, 2, 1), (3, 2, None)):
        _, _, hist, top = relax_band(well, band, replace(cfg, max_iter=steps), climb_from=climb_from)
        assert top == want, (climb_from, steps)


def test_a_refinement_round_climbs_from_its_very_first_step():
    start, end = torch.tensor([-1.0, 0.0], dtype=F64), torch.tensor([1.0, 0.0], dtype=F64)
    # no relaxation at all: round 0 (climb_after far away) returns the straight band without
    # climbing, the refinement round returns the refined band with its top image climbing
    cfg = NebConfig(images=8, spring=1.0, optimizer="fire", max_iter=0, tol=0.0, climb=True,
                    climb_after=100, refine_rounds=1, refine_images=1, dt=1e-3, dt_max=1e-2)
    res = nudged_elastic_band(bumps, start, end, cfg)
    assert res.round_images.tolist() == [8, 9] and res.climbing_index >= 1



def test_refinement_keeps_new_images_where_it_put_them_and_stops_when_nothing_rises():
    def ridge(p):
        """A ridge across the x-axis at x = 0.3, a valley along it."""
        return torch.exp(-(((p[:, 0] - 0.3) / 0.05) ** 2)) + p[:, 1] ** 2

    start, end = torch.tensor([0.0, 0.0], dtype=F64), torch.tensor([1.0, 0.0], dtype=F64)
    cfg = NebConfig(images=3, spring=1.0, optimizer="fire", max_iter=20, tol=0.0, climb=False,
                    refine_rounds=1, refine_images=1, dt=1e-3, dt_max=1e-2)
    res = nudged_elastic_band(ridge, start, end, cfg)
    # the first segment's highest of 63 samples (x = j / 128) is j = 38; its weight splits 38 : 26,
    # so the springs (segment length over weight, 0.5 for all three) hold every image still
    assert res.inserted.tolist() == [0]
    np.testing.assert_array_equal(res.images[:, 0], [0.0, 38 / 128, 0.5, 1.0])
    np.testing.assert_array_equal(res.images[:, 1], 0.0)
    # on a curved valley the images move; the springs still share the length in those proportions
    def curved(p):
        return (torch.exp(-(((p[:, 0] - 0.3) / 0.05) ** 2))
                + 10.0 * (p[:, 1] - 0.2 * torch.sin(np.pi * p[:, 0])) ** 2)

    bent = nudged_elastic_band(curved, start, end, replace(cfg, max_iter=200, tol=1e-10,
                                                           dt_max=5e-2, max_move=0.05))
    assert bent.inserted.tolist() == [0] and bent.images[1, 1] > 0.2  # down in the valley
    seg = np.linalg.norm(np.diff(bent.images, axis=0), axis=1)
    share = seg / np.array([38 / 64, 26 / 64, 1.0])
    np.testing.assert_allclose(share, share.mean(), rtol=1e-3)
    # nothing rises above a valley floor that is flat along the band: refinement stops there
    flat = nudged_elastic_band(lambda p: p[:, 1] ** 2, start, end, replace(cfg, refine_rounds=2))
    assert flat.round_images.tolist() == [3] and flat.inserted.size == 0

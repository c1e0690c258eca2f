"""Nudged elastic band: known saddles of the Müller–Brown potential, a curved double well, invariants."""

import numpy as np
import pytest
import torch

from nnlandscape.band import (
    BAND_OPTIMIZERS,
    NebConfig,
    band_forces,
    improved_tangent,
    midpoint_energy,
    nudged_elastic_band,
    segment_energy,
    segment_excess,
)
from nnlandscape.path_stats import barrier

F64 = torch.float64

# Müller & Brown (1979): four Gaussian terms.
MB_A = torch.tensor([-200.0, -100.0, -170.0, 15.0], dtype=F64)
MB_a = torch.tensor([-1.0, -1.0, -6.5, 0.7], dtype=F64)
MB_b = torch.tensor([0.0, 0.0, 11.0, 0.6], dtype=F64)
MB_c = torch.tensor([-10.0, -10.0, -6.5, 0.7], dtype=F64)
MB_X = torch.tensor([1.0, 0.0, -0.5, -1.0], dtype=F64)
MB_Y = torch.tensor([0.0, 0.5, 1.5, 1.0], dtype=F64)
# Literature saddles: between the deepest minimum and the shallow one (on the path between the two
# deepest minima), and between the shallow one and the second deepest.
SADDLE_HIGH = (np.array([-0.822, 0.624]), -40.66)
SADDLE_LOW = (np.array([0.212, 0.293]), -72.25)


def muller_brown(p: torch.Tensor) -> torch.Tensor:
    dx, dy = p[:, :1] - MB_X, p[:, 1:2] - MB_Y
    return (MB_A * torch.exp(MB_a * dx**2 + MB_b * dx * dy + MB_c * dy**2)).sum(1)


def vee(p):
    """A valley with a |x| floor along x = 0 and minima at (0, -1) and (0, 1)."""
    return p[:, 0].abs() + (p[:, 1] ** 2 - 1) ** 2



def local_minimum(guess) -> torch.Tensor:
    p = torch.tensor(guess, dtype=F64, requires_grad=True)
    opt = torch.optim.LBFGS([p], max_iter=500, tolerance_grad=1e-13, tolerance_change=1e-16,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        e = muller_brown(p[None])[0]
        e.backward()
        return e

    opt.step(closure)
    return p.detach()


@pytest.fixture(scope="module")
def minima():
    """The three minima: deepest (-146.7), second (-108.2), shallow (-80.8)."""
    found = [local_minimum(g) for g in ([-0.55, 1.4], [0.6, 0.05], [-0.05, 0.45])]
    e = muller_brown(torch.stack(found))
    assert np.allclose(e.numpy(), [-146.70, -108.17, -80.77], atol=0.01)
    return found


def mb_config(**kw) -> NebConfig:
    base = dict(images=12, spring=10.0, optimizer="fire", max_iter=5000, tol=1e-2, climb=True,
                climb_after=50, refine_rounds=0, refine_images=2, dt=1e-3, dt_max=1e-2, max_move=0.05)
    return NebConfig(**{**base, **kw})


def test_saddle_between_the_two_deepest_minima(minima):
    deep, second, _ = minima
    res = nudged_elastic_band(muller_brown, deep, second, mb_config())
    assert res.converged
    (xy, e_saddle) = SADDLE_HIGH
    assert res.energy.max() == pytest.approx(e_saddle, rel=5e-3)
    assert res.climbing_index == int(np.argmax(res.energy))
    assert np.linalg.norm(res.images[res.climbing_index] - xy) < 5e-3
    # the band passes through the shallow minimum's basin: two maxima with a dip between them
    assert (res.energy < -72.25).sum() > 2


def test_saddle_between_shallow_and_second_minimum(minima):
    _, second, shallow = minima
    for optimizer, dt in (("lbfgs", 1e-3), ("fire", 1e-3), ("descent", 1e-4)):
        res = nudged_elastic_band(muller_brown, shallow, second, mb_config(optimizer=optimizer, dt=dt))
        xy, e_saddle = SADDLE_LOW
        assert res.converged, optimizer
        assert res.energy.max() == pytest.approx(e_saddle, rel=5e-3)
        assert np.linalg.norm(res.images[res.climbing_index] - xy) < 5e-3


def test_end_points_never_move(minima):
    deep, second, _ = minima
    for optimizer in BAND_OPTIMIZERS:
        res = nudged_elastic_band(muller_brown, deep, second,
                                  mb_config(optimizer=optimizer, max_iter=300, refine_rounds=2))
        assert res.images[0].tobytes() == deep.numpy().tobytes()
        assert res.images[-1].tobytes() == second.numpy().tobytes()


def reference_tangent(r: np.ndarray, e: np.ndarray, i: int) -> np.ndarray:
    """Henkelman & Jónsson (2000), eqs. 8-11, one image at a time."""
    plus, minus = r[i + 1] - r[i], r[i] - r[i - 1]
    if e[i + 1] > e[i] > e[i - 1]:
        t = plus
    elif e[i + 1] < e[i] < e[i - 1]:
        t = minus
    else:
        dmax = max(abs(e[i + 1] - e[i]), abs(e[i - 1] - e[i]))
        dmin = min(abs(e[i + 1] - e[i]), abs(e[i - 1] - e[i]))
        t = plus * dmax + minus * dmin if e[i + 1] > e[i - 1] else plus * dmin + minus * dmax
    return t / np.linalg.norm(t)


def test_improved_tangent_matches_the_definition():
    rng = np.random.default_rng(0)
    r, e = rng.normal(size=(9, 4)), rng.normal(size=9)
    got = improved_tangent(torch.tensor(r), torch.tensor(e)).numpy()
    want = np.array([reference_tangent(r, e, i) for i in range(1, 8)])
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_converged_band_has_no_perpendicular_force_above_tol(minima):
    _, second, shallow = minima
    cfg = mb_config(climb=False, tol=1e-3)
    res = nudged_elastic_band(muller_brown, shallow, second, cfg)
    assert res.converged and res.max_perp_force < cfg.tol
    r = res.images
    x = torch.tensor(r, requires_grad=True)
    (g,) = torch.autograd.grad(muller_brown(x).sum(), x)
    g, e = g.numpy(), res.energy
    for i in range(1, len(r) - 1):
        t = reference_tangent(r, e, i)
        perp = g[i] - (g[i] @ t) * t
        assert np.linalg.norm(perp) < cfg.tol
    # and the band is not trivially short: it really spans the saddle region
    assert res.energy.max() > -75


def curved_double_well(p: torch.Tensor, height: float = 2.0, bend: float = 0.8) -> torch.Tensor:
    """Minima at (+-1, 0); the valley bends up to the saddle (0, bend) of energy ``height``."""
    x, y = p[:, 0], p[:, 1]
    return height * (x**2 - 1) ** 2 + 5.0 * (y - bend * (1 - x**2)) ** 2


def test_double_well_path_maximum_is_the_barrier():
    start, end = torch.tensor([-1.0, 0.0], dtype=F64), torch.tensor([1.0, 0.0], dtype=F64)
    # the straight initial band crosses the ridge far above the barrier
    assert float(curved_double_well(torch.zeros(1, 2, dtype=F64))[0]) > 2.0 + 3.0
    cfg = mb_config(images=9, spring=1.0, tol=1e-4, dt=1e-2, dt_max=0.1)
    res = nudged_elastic_band(curved_double_well, start, end, cfg)
    assert res.converged
    assert res.energy.max() == pytest.approx(2.0, rel=1e-4)
    assert barrier(res.energy) == pytest.approx(2.0, rel=1e-4)
    np.testing.assert_allclose(res.images[res.climbing_index], [0.0, 0.8], atol=1e-3)
    # without climbing the band hugs the valley: no image above the barrier
    plain = nudged_elastic_band(curved_double_well, start, end, mb_config(
        images=9, spring=1.0, tol=1e-4, dt=1e-2, dt_max=0.1, climb=False))
    assert plain.energy.max() <= 2.0 + 1e-6
    assert plain.energy.max() > 1.8


def test_refinement_inserts_images_where_the_segments_rise(minima):
    deep, second, _ = minima
    coarse = mb_config(images=7, climb=False, max_iter=3000)
    base = nudged_elastic_band(muller_brown, deep, second, coarse)
    samples = coarse.segment_samples
    rise = segment_excess(torch.tensor(base.energy),
                          segment_energy(muller_brown, torch.tensor(base.images), samples)).numpy()
    assert rise.max() > 1.0  # the coarse band cuts corners: its segments rise far above the images
    refined = nudged_elastic_band(muller_brown, deep, second,
                                  mb_config(images=7, climb=False, max_iter=3000, refine_rounds=1,
                                            refine_images=2))
    want = sorted(int(i) for i in np.argsort(-rise)[:2] if rise[i] > 0)
    assert refined.inserted.tolist() == want
    assert refined.images.shape[0] == 7 + len(want)
    assert refined.round_images.tolist() == [7, 7 + len(want)]
    new_rise = segment_excess(torch.tensor(refined.energy),
                              segment_energy(muller_brown, torch.tensor(refined.images), samples))
    assert new_rise.max() < rise.max()
    # the midpoints recorded are the energies halfway between successive images
    mids = midpoint_energy(muller_brown, torch.tensor(refined.images)).numpy()
    np.testing.assert_allclose(refined.midpoint_energy, mids)


def test_climbing_force_inverts_the_tangential_gradient(minima):
    _, second, shallow = minima
    band = torch.stack([shallow, torch.tensor([0.2, 0.3], dtype=F64), second])
    f = band_forces(muller_brown, band, spring=0.0, climb=True)
    assert f.climbing == 1
    g, t = f.grad[1], f.tangent[0]
    np.testing.assert_allclose(f.force[0].numpy(), (-g + 2 * (g @ t) * t).numpy())
    assert float(f.residual[0]) == pytest.approx(float(g.norm()))


def test_window_converges_a_band_across_a_kink_that_plain_test_does_not():
    # a valley with a |x| floor: the path runs along x = 0 from (0, -1) to (0, 1); an image off
    # the line feels a force of 1 across it and jumps from side to side instead of settling
    start, end = torch.tensor([0.0, -1.0], dtype=F64), torch.tensor([0.0, 1.0], dtype=F64)
    band = torch.stack([start, torch.tensor([0.013, -0.5], dtype=F64),
                        torch.tensor([-0.011, 0.0], dtype=F64), torch.tensor([0.007, 0.5], dtype=F64), end])
    from nnlandscape.band import relax_band

    cfg = dict(images=5, spring=1.0, optimizer="fire", max_iter=1500, tol=1e-3, climb=False,
               refine_rounds=0, dt=1e-3, dt_max=1e-2, max_move=0.01)
    _, plain, _, _ = relax_band(vee, band, NebConfig(**cfg))
    _, windowed, hist, _ = relax_band(vee, band, NebConfig(**cfg, window=16, radius=0.05))
    assert not plain and windowed


def test_segment_points_lie_evenly_inside_each_segment():
    from nnlandscape.band import segment_points

    band = torch.tensor([[0.0, 0.0], [4.0, 0.0], [4.0, 8.0]], dtype=torch.float64)
    pts = segment_points(band, 3).numpy()
    assert pts.shape == (2, 3, 2)
    np.testing.assert_allclose(pts[0], [[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(pts[1], [[4.0, 2.0], [4.0, 4.0], [4.0, 6.0]])
    np.testing.assert_allclose(segment_points(band, 1).numpy()[:, 0], [[2.0, 0.0], [4.0, 4.0]])
    assert segment_points(band.float(), 2).dtype == torch.float32
    # fractions exact in float64 (not rounded through float32): 1/3 and 2/3 of the first segment
    thirds = segment_points(band, 2).numpy()[0, :, 0]
    assert thirds.tolist() == [4.0 * (1 / 3), 4.0 * (2 / 3)]
    assert NebConfig(segment_samples=1).segment_samples == 1  # one sample, the midpoint, is allowed
    with pytest.raises(ValueError, match="neb.segment_samples must be at least 1, got 0"):
        NebConfig(segment_samples=0)


def test_sampled_stationarity_sees_a_band_on_a_kink_as_stationary_and_one_beside_it_as_not():
    from nnlandscape.band import sampled_band_stationarity

    ends = [torch.tensor([0.0, -1.0], dtype=F64), torch.tensor([0.0, 1.0], dtype=F64)]
    ys = (-0.5, 0.0, 0.5)
    # within eps = 0.05 of the floor: the plain force across the path is 1, yet zero is in the hull
    near = torch.stack([ends[0], *[torch.tensor([0.003, v], dtype=F64) for v in ys], ends[1]])
    rho = sampled_band_stationarity(vee, near, 0.05, np.random.default_rng(0))
    assert rho.shape == (3,) and rho.max() < 1e-3
    assert float(band_forces(vee, near, 1.0).residual.min()) > 0.99
    # twice eps off the floor: every sample is on one side, the measure is the slope across
    far = torch.stack([ends[0], *[torch.tensor([0.1, v], dtype=F64) for v in ys], ends[1]])
    rho = sampled_band_stationarity(vee, far, 0.05, np.random.default_rng(0))
    assert rho.min() > 0.99 and rho.max() < 1.01


def test_sampled_stationarity_tests_the_climbing_image_in_every_direction():
    from nnlandscape.band import sampled_band_stationarity

    def ridge(p):  # a kinked floor across the path, a smooth maximum along it at x = 0
        return p[:, 1].abs() + (p[:, 0] ** 2 - 1) ** 2

    band = torch.tensor([[-1.0, 0.0], [0.3, 0.001], [1.0, 0.0]], dtype=F64)
    slope = abs(4 * 0.3 * (0.3**2 - 1))  # dE/dx at the image, along the path
    across = sampled_band_stationarity(ridge, band, 0.01, np.random.default_rng(1))
    climbing = sampled_band_stationarity(ridge, band, 0.01, np.random.default_rng(1), climbing=1)
    assert across[0] < 1e-3
    assert climbing[0] == pytest.approx(slope, rel=0.02)
    # in three dimensions, off the floor in z as well: the whole gradient but the kinked component
    def ridge3(p):
        return ridge(p[:, :2]) + p[:, 2] ** 2

    band3 = torch.tensor([[-1.0, 0.0, 0.0], [0.3, 0.001, 0.2], [1.0, 0.0, 0.0]], dtype=F64)
    rho3 = sampled_band_stationarity(ridge3, band3, 0.01, np.random.default_rng(1), climbing=1,
                                     samples=32)
    # within the ball the smooth parts move by at most (curvature x eps), about 3 % here
    assert rho3[0] == pytest.approx(np.hypot(slope, 0.4), rel=0.05)
    # at the top the slope along the path is at most 4 eps anywhere in the ball, and changes sign
    top = torch.tensor([[-1.0, 0.0], [0.0, 0.001], [1.0, 0.0]], dtype=F64)
    assert sampled_band_stationarity(ridge, top, 0.01, np.random.default_rng(1), climbing=1)[0] < 0.04


def test_sampled_stationarity_without_samples_is_the_perpendicular_force(minima):
    from nnlandscape.band import sampled_band_stationarity

    _, second, shallow = minima
    band = torch.stack([shallow, torch.tensor([0.2, 0.3], dtype=F64), torch.tensor([-0.1, 0.6], dtype=F64),
                        second])
    rho = sampled_band_stationarity(muller_brown, band, 0.1, np.random.default_rng(0), samples=0)
    np.testing.assert_allclose(rho, band_forces(muller_brown, band, 1.0).residual.numpy(), rtol=1e-10)
    # a band over a ridge: its highest image climbs and is measured by its whole gradient
    over = torch.stack([shallow, torch.tensor([0.2, 0.3], dtype=F64), torch.tensor([0.1, 0.5], dtype=F64),
                        torch.tensor([-0.1, 0.6], dtype=F64), second])
    f = band_forces(muller_brown, over, 1.0, climb=True)
    assert f.climbing == 3
    rho = sampled_band_stationarity(muller_brown, over, 0.1, np.random.default_rng(0), f.climbing,
                                    samples=0)
    np.testing.assert_allclose(rho, f.residual.numpy(), rtol=1e-10)
    assert rho[2] == pytest.approx(float(f.grad[3].norm()), rel=1e-10)
    # default sample count: P + 1 = 3 per image, all inside the ball
    more = sampled_band_stationarity(muller_brown, band, 1e-6, np.random.default_rng(0))
    np.testing.assert_allclose(more, band_forces(muller_brown, band, 1.0).residual.numpy(), rtol=1e-3)
    wide = [sampled_band_stationarity(muller_brown, band, 0.3, np.random.default_rng(5), samples=s)
            for s in (None, 3, 4)]
    np.testing.assert_array_equal(wide[0], wide[1])
    assert not np.array_equal(wide[0], wide[2])


def test_sampled_stationarity_evaluates_the_energy_in_the_bands_dtype():
    from nnlandscape.band import sampled_band_stationarity

    seen = []

    def spy(p):
        seen.append(p.dtype)
        return vee(p)

    band = torch.tensor([[0.0, -1.0], [0.01, 0.0], [0.0, 1.0]], dtype=torch.float32)
    sampled_band_stationarity(spy, band, 0.05, np.random.default_rng(0))
    assert set(seen) == {torch.float32}

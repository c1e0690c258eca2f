"""The smoothed-loss Hessian: against finite differences, symmetry, beta choice, stability bound."""

import numpy as np
import pytest
import torch

from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.hessian import (
    choose_beta,
    gd_stability_bound,
    hessian_spectra,
    loss_gradient,
    loss_hessian,
    output_change,
    polish,
    polish_report,
    spectrum,
    stability_report,
)
from nnlandscape.network import forward, mse_np, n_params
from nnlandscape.spectra import spectrum_summary
from nnlandscape.symmetry import symmetrize

N, K = 3, 2


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 1, 23)
    y = np.sin(3 * x)
    return rng.normal(size=n_params(N, K)), x, y


@pytest.fixture(scope="module")
def small_fit():
    """The symmetrized perfect fit of a small (3,2) example and its training data."""
    ex = Example(n=3, k=2, n1=2, n2=1)
    p = perfect_fit(ex)
    x, y, _ = training_data(p, 3, 2, 10)
    return symmetrize(p, 3, 2).params, x, y, 3, 2


def test_gradient_matches_torch_autograd(small):
    p, x, y = small
    pt = torch.tensor(p, requires_grad=True)
    act = lambda z: torch.nn.functional.softplus(z, beta=4.0)  # noqa: E731
    loss = ((forward(pt, torch.as_tensor(x), N, K, act) - torch.as_tensor(y)) ** 2).mean()
    loss.backward()
    np.testing.assert_allclose(loss_gradient(p, x, y, N, K, 4.0), pt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_hessian_matches_finite_differences_of_the_gradient(small):
    p, x, y = small
    beta, h = 4.0, 1e-5
    hess = loss_hessian(p, x, y, N, K, beta)
    fd = np.empty_like(hess)
    for i in range(len(p)):
        e = np.zeros_like(p)
        e[i] = h
        fd[:, i] = (loss_gradient(p + e, x, y, N, K, beta) - loss_gradient(p - e, x, y, N, K, beta)) / (2 * h)
    assert np.abs(hess).max() > 0.1
    np.testing.assert_allclose(hess, fd, rtol=0, atol=1e-7 * np.abs(hess).max())


def test_raw_hessian_is_symmetric_to_round_off(small, main_example):
    for p, x, y, n, k in [(*small, N, K), (*main_example, 5, 5)]:
        raw = loss_hessian(p, x, y, n, k, 300.0, symmetric=False)
        assert np.abs(raw - raw.T).max() <= 1e-12 * np.abs(raw).max()
        sym = loss_hessian(p, x, y, n, k, 300.0)
        assert np.array_equal(sym, sym.T)


def test_spectrum_is_ascending_and_matches_eigvalsh(small):
    p, x, y = small
    eig = spectrum(p, x, y, N, K, 4.0)
    assert eig.shape == (n_params(N, K),) and np.all(np.diff(eig) >= 0)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(loss_hessian(p, x, y, N, K, 4.0)).real), eig,
                               atol=1e-10)


def test_output_change_shrinks_as_beta_grows(main_example):
    p, x, _ = main_example
    changes = [output_change(p, x, 5, 5, beta) for beta in (10, 100, 1000, 10000)]
    assert np.all(np.diff(changes) < 0)
    # softplus_beta - relu <= log(2) / beta: for large beta the change falls like 1 / beta
    np.testing.assert_allclose(np.array(changes[1:-1]) / np.array(changes[2:]), 10.0, rtol=0.05)


def test_choose_beta_takes_the_smallest_qualifying(main_example):
    p, x, _ = main_example
    betas = [100000, 10, 1000, 100, 10000]
    beta, change = choose_beta(p, x, 5, 5, betas, 1e-2)
    assert change < 1e-2
    smaller = [b for b in betas if b < beta]
    assert smaller and all(output_change(p, x, 5, 5, b) >= 1e-2 for b in smaller)


def test_choose_beta_fails_when_no_beta_qualifies(main_example):
    p, x, _ = main_example
    with pytest.raises(ValueError, match=r"no smoothing beta.*best, beta=100\b"):
        choose_beta(p, x, 5, 5, [10, 100], 1e-9)


def heavy_ball_diverges(lam: float, lr: float, momentum: float, steps: int = 4000) -> bool:
    """PyTorch SGD with momentum on the 1-d quadratic lam x^2 / 2 (buf = m buf + g; x -= lr buf)."""
    x, buf = 1.0, 0.0
    for _ in range(steps):
        buf = momentum * buf + lam * x
        x -= lr * buf
    return abs(x) > 1.0


@pytest.mark.parametrize("lam,momentum", [(1.0, 0.0), (1722.7, 0.9), (3.0, 0.5)])
def test_stability_bound_separates_convergence_from_divergence(lam, momentum):
    bound = gd_stability_bound(lam, momentum)
    assert bound == pytest.approx(2 * (1 + momentum) / lam)
    assert not heavy_ball_diverges(lam, 0.99 * bound, momentum)
    assert heavy_ball_diverges(lam, 1.01 * bound, momentum)


def test_spectrum_summary_counts_against_each_spectrum_top():
    eig = np.array([[-2e-3, 1e-7, 0.5, 1000.0], [1e-9, 1e-4, 1.0, 10.0]])
    s = spectrum_summary(eig, 1e-6)
    assert s["eig_min"] == -2e-3 and s["eig_max"] == 1000.0
    assert s["small_fraction"] == pytest.approx(2 / 8)  # 1e-7 (< 1e-3) and 1e-9 (< 1e-5); -2e-3 is not
    assert s["negative_fraction"] == pytest.approx(1 / 8)
    assert s["eig_min_relative"] == pytest.approx(-2e-6)
    assert s["eig_min_relative_median"] == pytest.approx((-2e-6 + 1e-10) / 2)
    assert np.isnan(spectrum_summary(np.zeros((0, 4)), 1e-6)["eig_max"])


def test_hessian_spectra_samples_live_minima_only(small):
    p, x, y = small
    rng = np.random.default_rng(1)
    pts = p + 0.1 * rng.normal(size=(6, len(p)))
    minima = {"gd": {"params_sym": pts, "loss": np.arange(6.0), "dead": np.arange(6) < 2,
                     "diverged": np.arange(6) == 5},
              "adadelta": {"params_sym": pts[:1], "loss": np.zeros(1), "dead": np.ones(1, bool),
                           "diverged": np.zeros(1, bool)}}
    arrays, numbers = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 5, 0)
    assert arrays["beta"] == 1.0  # the first beta (the tolerance is loose)
    assert sorted(arrays["index_gd"].tolist()) == [2, 3, 4]
    assert arrays["eig_gd"].shape == (3, n_params(N, K)) and arrays["eig_adadelta"].shape == (0, 22)
    np.testing.assert_allclose(arrays["eig_gd"][1], spectrum(pts[3], x, y, N, K, 1.0))
    assert numbers["hessian_gd_count"] == 3 and numbers["hessian_adadelta_count"] == 0
    assert np.isnan(numbers["hessian_adadelta_eig_max"])
    assert numbers["hessian_global_eig_max"] == arrays["eig_global"][-1]
    again, _ = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 2, 0)
    other, _ = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 2, 3)
    first, _ = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 2, 0)
    assert np.array_equal(again["index_gd"], first["index_gd"])
    assert len(other["index_gd"]) == 2


def test_global_minimum_spectrum_is_nonnegative_to_smoothing_accuracy(main_example):
    p, x, y = main_example
    beta, change = choose_beta(p, x, 5, 5, [10, 100, 1000, 10000, 30000, 100000], 1e-3)
    eig = spectrum(p, x, y, 5, 5, beta)
    assert change < 1e-3
    assert eig[0] > -1e-4 * eig[-1]  # negative curvature only from the tiny smoothing residual
    assert (np.abs(eig) < 1e-6 * eig[-1]).mean() > 0.2  # many flat directions (rescalings among them)


def test_polish_lowers_the_loss_of_a_jittered_perfect_fit_and_keeps_a_minimum(main_example):
    p, x, y = main_example
    beta = 30000.0
    jittered = p + 0.02 * np.random.default_rng(2).normal(size=p.shape)
    report = polish_report(np.stack([jittered, p]), x, y, 5, 5, beta, 200)
    assert report["polished"].shape == (2, len(p))
    assert report["start_loss"][0] > 1e-6
    assert report["polished_loss"][0] < 0.2 * report["start_loss"][0]  # back down the basin
    assert report["move"][1] < 1e-3  # the perfect fit is (to smoothing accuracy) a minimum already
    np.testing.assert_allclose(report["polished_loss"], mse_np(report["polished"], x, y, 5, 5))
    assert np.array_equal(polish(jittered, x, y, 5, 5, beta, 0), jittered)


def test_hessian_spectra_polishes_the_first_sampled_minima(small):
    p, x, y = small
    pts = p + 0.1 * np.random.default_rng(1).normal(size=(4, len(p)))
    minima = {opt: {"params_sym": pts, "loss": np.zeros(4), "dead": np.zeros(4, bool),
                    "diverged": np.zeros(4, bool)} for opt in ("gd", "adadelta")}
    arrays, numbers = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 3, 0,
                                      polish_count=2, polish_iterations=30)
    assert arrays["polish_polished_gd"].shape == (2, n_params(N, K))
    np.testing.assert_array_equal(arrays["polish_start_loss_gd"],
                                  mse_np(pts[arrays["index_gd"][:2]], x, y, N, K))
    assert numbers["hessian_gd_polish_count"] == 2 and numbers["hessian_polish_iterations"] == 30
    assert 0 < numbers["hessian_gd_polish_loss_drop_median"] < 1
    _, none = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 3, 0)
    assert none["hessian_gd_polish_count"] == 0
    assert np.isnan(none["hessian_gd_polish_loss_drop_median"])


def heavy_ball_torch(loss, start: np.ndarray, lr: float, momentum: float, steps: int) -> np.ndarray:
    """``steps`` of torch.optim.SGD with momentum (the trainer's GD) on ``loss`` from ``start``."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
    for _ in range(steps):
        opt.zero_grad()
        loss(p).backward()
        opt.step()
    return p.detach().numpy()


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_stability_bound_against_heavy_ball_on_a_quadratic_with_known_spectrum(momentum):
    """A rotated quadratic with eigenvalues 0.5, 3, 40 and its minimum away from 0: below
    2 (1 + m) / 40 heavy-ball (PyTorch's SGD update) converges to it, above it the top direction
    blows up."""
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = q @ np.diag([0.5, 3.0, 40.0]) @ q.T
    centre = np.array([1.0, -2.0, 0.5])

    def heavy_ball(lr: float, steps: int = 3000) -> np.ndarray:
        p, buf = centre + rng.normal(size=3), np.zeros(3)
        for _ in range(steps):
            buf = momentum * buf + a @ (p - centre)
            p = p - lr * buf
            if not np.all(np.abs(p) < 1e6):
                break
        return p

    bound = gd_stability_bound(40.0, momentum)
    assert bound == pytest.approx(2 * (1 + momentum) / 40.0)
    assert np.abs(heavy_ball(0.97 * bound) - centre).max() < 1e-6
    assert not np.all(np.abs(heavy_ball(1.03 * bound) - centre) < 1e3)


def test_stability_report_on_a_small_perfect_fit(small_fit):
    """lambda_max is the top of the smoothed Hessian's spectrum at the chosen beta, the bound is
    2 (1 + m) / lambda_max, and the verdict flips at the bound; heavy-ball on the ReLU loss from a
    point near the minimum along the top eigenvector returns below the bound and leaves above it."""
    p, x, y, n, k = small_fit
    betas, tol = [10.0, 100.0, 1000.0, 10000.0], 1e-3
    beta, change = choose_beta(p, x, n, k, betas, tol)
    rep = stability_report(p, x, y, n, k, betas, tol, 0.9, 1e-3)
    eig = spectrum(p, x, y, n, k, beta)
    assert rep["beta"] == beta and rep["output_change"] == change < tol
    assert rep["lambda_max"] == eig[-1] > 0 and rep["lambda_min"] == eig[0]
    assert rep["gd_lr_bound"] == pytest.approx(2 * 1.9 / eig[-1])
    assert rep["gd_lr"] == 1e-3
    bound = rep["gd_lr_bound"]
    assert stability_report(p, x, y, n, k, betas, tol, 0.9, 0.99 * bound)["gd_lr_stable"] is True
    assert stability_report(p, x, y, n, k, betas, tol, 0.9, 1.01 * bound)["gd_lr_stable"] is False
    top = np.linalg.eigh(loss_hessian(p, x, y, n, k, beta))[1][:, -1]
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def relu_loss(q):
        return ((forward(q, xt, n, k) - yt) ** 2).mean()

    start = p + 1e-4 * top
    start_loss = mse_np(start, x, y, n, k)
    below = heavy_ball_torch(relu_loss, start, 0.9 * bound, 0.9, 200)
    above = heavy_ball_torch(relu_loss, start, 1.1 * bound, 0.9, 200)
    assert mse_np(below, x, y, n, k) < 1e-2 * start_loss
    assert not mse_np(above, x, y, n, k) < 10 * start_loss  # (nan after an overflow also counts)


def test_hessian_spectra_arrays_and_numbers_are_those_of_the_sampled_points(small):
    """Every per-minimum array is the quantity at the sampled index, computed here directly."""
    p, x, y = small
    rng = np.random.default_rng(5)
    pts = p + 0.2 * rng.normal(size=(5, len(p)))
    losses = np.array([0.5, 0.4, 0.3, 0.2, 0.1])
    minima = {"gd": {"params_sym": pts, "loss": losses, "dead": np.zeros(5, bool),
                     "diverged": np.zeros(5, bool)}}
    arrays, numbers = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 3, 7, small=1e-3)
    beta = 1.0
    idx = arrays["index_gd"]
    assert len(idx) == 3 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(arrays["loss_gd"], losses[idx])
    grads = [np.linalg.norm(loss_gradient(q, x, y, N, K, beta)) for q in pts[idx]]
    np.testing.assert_allclose(arrays["grad_norm_gd"], grads, rtol=1e-12)
    changes = [output_change(q, x, N, K, beta) for q in pts[idx]]
    np.testing.assert_allclose(arrays["output_change_gd"], changes, rtol=1e-12)
    assert numbers["hessian_minima_output_change_max"] == pytest.approx(max(changes))
    assert numbers["hessian_gd_grad_norm_median"] == pytest.approx(np.median(grads))
    np.testing.assert_allclose(arrays["eig_global"], spectrum(p, x, y, N, K, beta))
    assert arrays["small"] == 1e-3 and numbers["hessian_small"] == 1e-3
    assert numbers["hessian_beta"] == 1.0 and numbers["hessian_output_change"] == pytest.approx(
        output_change(p, x, N, K, 1.0))
    g = np.linalg.norm(loss_gradient(p, x, y, N, K, beta))
    assert numbers["hessian_global_grad_norm"] == pytest.approx(g) == float(arrays["grad_norm_global"])
    summary = spectrum_summary(arrays["eig_gd"], 1e-3)
    for key, value in summary.items():
        assert numbers[f"hessian_gd_{key}"] == pytest.approx(value)
    assert numbers["hessian_global_eig_min"] == arrays["eig_global"][0]


def _fd_hessian(p, x, y, n, k, h=1e-4):
    """Central second differences of the ReLU training MSE (exact inside one activation region)."""
    size = p.size
    eye = np.eye(size) * h
    pts = np.stack([p + si * eye[i] + sj * eye[j] for i in range(size) for j in range(size)
                    for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1))])
    f = mse_np(pts, x, y, n, k).reshape(size, size, 4)
    return (f[..., 0] - f[..., 1] - f[..., 2] + f[..., 3]) / (4 * h * h)


def _rescaling_tangents(p, n, k, h=1e-6):
    """Tangents of the node-rescaling orbit at p, by differentiating rescale_nodes numerically."""
    from nnlandscape.symmetry import rescale_nodes

    out = []
    for li in range(k):
        for j in range(n):
            up, down = np.ones((k, n)), np.ones((k, n))
            up[li, j], down[li, j] = 1 + h, 1 - h
            out.append((rescale_nodes(p, n, k, up) - rescale_nodes(p, n, k, down)) / (2 * h))
    return np.array(out)


def test_relu_spectra_are_the_exact_hessians_off_the_rescalings_and_pick_points_in_order(small):
    from nnlandscape.hessian import relu_spectra
    from nnlandscape.settle import preactivations

    p, x, y = small
    rng = np.random.default_rng(11)
    pts = p + 0.1 * rng.normal(size=(6, len(p)))
    # every point lies well inside its activation region: second differences of step 1e-4 are exact
    assert np.abs(preactivations(pts, x, N, K)).min() > 1e-3
    # kinds (0 smooth, 1 kink minimum, 2 descent, 3 uncertified) and kinks (0: off every kink)
    settled = {"gd": {"params": pts, "kind": np.array([3, 0, 1, 0, 2, 0]),
                      "kinks": np.array([0, 0, 0, 2, 0, 0])},
               "adadelta": {"params": pts[:2], "kind": np.array([0, 3]), "kinks": np.array([1, 1])}}
    arrays, numbers = relu_spectra(settled, x, y, N, K, count=4, small=1e-3)
    # certified off-kink points first (1, 2, 5), then the others off kinks (0, 4), at most 4
    assert arrays["relu_index_gd"].tolist() == [1, 2, 5, 0]
    assert arrays["relu_certified_gd"].tolist() == [True, True, True, False]
    dim = n_params(N, K) - N * K
    assert arrays["relu_eig_gd"].shape == (4, dim) and arrays["relu_eig_adadelta"].shape == (0, dim)
    for row, i in enumerate(arrays["relu_index_gd"]):
        hess = _fd_hessian(pts[i], x, y, N, K)
        flat = _rescaling_tangents(pts[i], N, K)
        q = np.linalg.svd(flat)[2][N * K:].T  # orthonormal basis of the complement of the tangents
        want = np.linalg.eigvalsh(q.T @ (0.5 * (hess + hess.T)) @ q)
        np.testing.assert_allclose(arrays["relu_eig_gd"][row], want, atol=1e-5 * abs(want).max())
    assert (numbers["hessian_relu_gd_on_kinks"], numbers["hessian_relu_gd_count"],
            numbers["hessian_relu_gd_certified"]) == (1, 4, 3)
    assert (numbers["hessian_relu_adadelta_on_kinks"], numbers["hessian_relu_adadelta_count"],
            numbers["hessian_relu_adadelta_certified"]) == (2, 0, 0)
    eig = arrays["relu_eig_gd"]
    assert numbers["hessian_relu_gd_eig_min"] == eig[:, 0].min()
    assert numbers["hessian_relu_gd_eig_max"] == eig[:, -1].max()
    assert numbers["hessian_relu_gd_certified_eig_min"] == eig[:3, 0].min()
    assert numbers["hessian_relu_gd_certified_eig_min_relative"] == pytest.approx(
        (eig[:3, 0] / eig[:3, -1]).min())
    assert numbers["hessian_relu_gd_certified_small_fraction"] == pytest.approx(
        np.mean(np.abs(eig[:3]) < 1e-3 * eig[:3, -1:]))
    assert np.isnan(numbers["hessian_relu_adadelta_eig_max"])
    assert np.isnan(numbers["hessian_relu_adadelta_certified_eig_min"])
    # count caps the certified points too
    few, _ = relu_spectra(settled, x, y, N, K, count=2, small=1e-3)
    assert few["relu_index_gd"].tolist() == [1, 2]


def test_spectrum_summary_of_one_spectrum_and_of_several_by_hand():
    one = spectrum_summary(np.array([-0.5, 1e-4, 0.2, 100.0]), 1e-2)
    assert one == pytest.approx({"eig_min": -0.5, "eig_max": 100.0, "eig_min_relative": -5e-3,
                                 "eig_min_relative_median": -5e-3, "small_fraction": 0.75,
                                 "negative_fraction": 0.0})
    eig = np.array([[-3.0, 0.0, 1.0, 10.0],     # relative -0.3, tiny 1 of 4, negative 1
                    [-1.5, -0.5, 2.0, 100.0],   # relative -0.015, tiny 1 (-0.5), negative 1
                    [0.5, 0.6, 0.7, 1.0],       # relative 0.5, none
                    [-0.01, 0.001, 3.0, 4.0]])  # relative -0.0025, tiny 2, negative 0
    s = spectrum_summary(eig, 0.01)
    assert s["eig_min"] == -3.0 and s["eig_max"] == 100.0
    assert s["eig_min_relative"] == pytest.approx(-0.3)
    assert s["eig_min_relative_median"] == pytest.approx((-0.015 - 0.0025) / 2)
    assert s["small_fraction"] == pytest.approx((1 + 1 + 0 + 2) / 16)
    assert s["negative_fraction"] == pytest.approx((1 + 1) / 16)
    assert all(type(v) is float for v in s.values())
    empty = spectrum_summary(np.zeros((0, 3)), 0.01)
    assert sorted(empty) == sorted(s) and all(np.isnan(v) for v in empty.values())


def test_tiny_and_negative_shares_are_per_spectrum_and_strict():
    from nnlandscape.spectra import negative_share, tiny_share

    # ascending spectra; small = 0.25 of each one's largest: thresholds 0.5 and 2.5
    eig = np.array([[-0.5, 0.0, 1.0, 2.0],  # -0.5 sits exactly on both thresholds: neither tiny nor negative
                    [-3.0, 0.2, 0.3, 10.0]])
    np.testing.assert_array_equal(tiny_share(eig, 0.25), [0.25, 0.5])
    np.testing.assert_array_equal(negative_share(eig, 0.25), [0.0, 0.25])


def test_output_change_and_polish_work_in_float64_whatever_they_are_given(small):
    p, x, y = small
    p32, x32 = p.astype(np.float32), x.astype(np.float32)
    want = output_change(p32.astype(np.float64), x32.astype(np.float64), N, K, 4.0)
    assert output_change(p32, x32, N, K, 4.0) == want
    assert output_change(p32, x, N, K, 4.0) == output_change(p32.astype(np.float64), x, N, K, 4.0)
    kept = polish(p32, x, y, N, K, 4.0, 0)
    assert kept.dtype == np.float64 and np.array_equal(kept, p32.astype(np.float64))


def test_polish_takes_a_step_from_its_first_iteration(small):
    p, x, y = small
    one = polish(p, x, y, N, K, 4.0, 1)
    assert not np.array_equal(one, p)
    smooth = polish_report(p[None], x, y, N, K, 4.0, 1)
    assert smooth["move"][0] > 0


def test_choose_beta_needs_a_change_strictly_below_the_tolerance(small):
    p, x, _ = small
    at = output_change(p, x, N, K, 4.0)
    # a tolerance equal to beta 4's change: 4 does not qualify, 16 (smaller change) does
    beta, change = choose_beta(p, x, N, K, [4.0, 16.0], at)
    assert beta == 16.0 and change == output_change(p, x, N, K, 16.0) < at
    best = output_change(p, x, N, K, 16.0)
    with pytest.raises(ValueError, match=rf"best, beta=16.0, changes it by {best:.3g}$"):
        choose_beta(p, x, N, K, [4.0, 16.0], best / 2)


def test_the_gd_step_at_the_bound_itself_is_not_stable(small_fit):
    p, x, y, n, k = small_fit
    betas, tol = [10.0, 100.0, 1000.0, 10000.0], 1e-3
    bound = stability_report(p, x, y, n, k, betas, tol, 0.9, 1e-3)["gd_lr_bound"]
    assert stability_report(p, x, y, n, k, betas, tol, 0.9, bound)["gd_lr_stable"] is False


def test_hessian_spectra_defaults_flags_given_as_integers_and_polish_numbers(small):
    p, x, y = small
    pts = p + 0.1 * np.random.default_rng(4).normal(size=(5, len(p)))
    # dead and diverged as 0/1 integers (as a CSV would give them): rows 1 and 3 are not live
    minima = {"gd": {"params_sym": pts, "loss": np.arange(5.0), "dead": np.array([0, 1, 0, 0, 0]),
                     "diverged": np.array([0, 0, 0, 1, 0])}}
    arrays, numbers = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 3, 0)
    assert arrays["index_gd"].tolist() == [0, 2, 4]
    beta, change = choose_beta(p, x, N, K, [1, 4, 16], 10.0)
    assert float(arrays["output_change"]) == change == numbers["hessian_output_change"]
    assert numbers["hessian_small"] == 1e-6 == float(arrays["small"])
    assert numbers["hessian_polish_iterations"] == 0 and numbers["hessian_gd_polish_count"] == 0
    _, pol = hessian_spectra(p, x, y, N, K, minima, [1, 4, 16], 10.0, 3, 0, polish_count=3,
                             polish_iterations=20)
    rep = polish_report(pts[[0, 2, 4]], x, y, N, K, beta, 20)
    drop = 1 - rep["polished_loss"] / rep["start_loss"]
    assert pol["hessian_gd_polish_loss_drop_max"] == pytest.approx(drop.max(), rel=1e-12)
    assert pol["hessian_gd_polish_loss_drop_median"] == pytest.approx(np.median(drop), rel=1e-12)
    assert pol["hessian_gd_polish_move_median"] == pytest.approx(np.median(rep["move"]), rel=1e-12)


def test_gradient_and_hessian_of_float32_params_are_taken_in_float64(small):
    p, x, y = small
    p32 = p.astype(np.float32)
    p64 = p32.astype(np.float64)
    np.testing.assert_array_equal(loss_gradient(p32, x, y, N, K, 4.0), loss_gradient(p64, x, y, N, K, 4.0))
    np.testing.assert_array_equal(loss_hessian(p32, x, y, N, K, 4.0), loss_hessian(p64, x, y, N, K, 4.0))


def test_the_raw_hessian_is_autodiffs_matrix_unchanged(small):
    from nnlandscape.hessian import softplus

    p, x, y = small
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)

    def loss(q):
        return ((forward(q, xt, N, K, softplus(4.0)) - yt) ** 2).mean()

    want = torch.func.hessian(loss)(torch.as_tensor(p)).numpy()
    raw = loss_hessian(p, x, y, N, K, 4.0, symmetric=False)
    np.testing.assert_array_equal(raw, want)
    np.testing.assert_array_equal(loss_hessian(p, x, y, N, K, 4.0), 0.5 * (want + want.T))


def test_polish_passes_scipy_only_options_it_knows(small):
    import warnings

    p, x, y = small
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy warns about options it does not know
        polish(p, x, y, N, K, 4.0, 3)


def test_polish_keeps_the_start_when_the_optimizer_returns_non_finite_params(small, monkeypatch):
    from types import SimpleNamespace

    import scipy.optimize

    p, x, y = small
    monkeypatch.setattr(scipy.optimize, "minimize",
                        lambda fun, x0, **kw: SimpleNamespace(x=np.full_like(x0, np.nan)))
    np.testing.assert_array_equal(polish(p, x, y, N, K, 4.0, 5), p)
    monkeypatch.setattr(scipy.optimize, "minimize", lambda fun, x0, **kw: SimpleNamespace(x=x0 + 1.0))
    np.testing.assert_array_equal(polish(p, x, y, N, K, 4.0, 5), p + 1.0)


def test_softplus_is_the_identity_above_beta_z_of_20_as_torch_has_it():
    from nnlandscape.hessian import softplus

    beta = 4.0
    z = torch.tensor([20.5 / beta, 19.5 / beta], dtype=torch.float64)
    out = softplus(beta)(z)
    assert float(out[0]) == float(z[0])  # linear branch: no log1p(exp(-20.5)) / beta = 3e-10 added
    assert float(out[1]) == pytest.approx(float(z[1]) + np.log1p(np.exp(-19.5)) / beta, rel=1e-15)

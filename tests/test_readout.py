"""The output layer at its least-squares optimum: the loss over the hidden layers and the lift back."""

import numpy as np
import pytest
import torch

from nnlandscape.construction import Example, perfect_fit, training_data
from nnlandscape.network import mse_and_gradient_np, mse_np, n_params, unflatten
from nnlandscape.readout import hidden_size, lift, readout_energy, ridge_readout
from nnlandscape.symmetry import symmetrize


def np_features(params: np.ndarray, x: np.ndarray, n: int, k: int) -> np.ndarray:
    """Last hidden layer (B, N, n), written out in numpy for these tests."""
    h = np.broadcast_to(np.asarray(x, np.float64)[None, :, None], (params.shape[0], len(x), 1))
    for w, b in unflatten(params, n, k)[:-1]:
        h = np.maximum(h @ np.swapaxes(w, 1, 2) + b[:, None, :], 0.0)
    return h


def np_ridge(h: np.ndarray, y: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    """Minimizer of mean((h w + b - y)^2) + ridge |w|^2 by the normal equations of the augmented
    least-squares problem (bias unpenalized)."""
    ws, bs = [], []
    for hb in h:
        a = np.c_[hb, np.ones(len(y))]
        m = a.T @ a / len(y) + ridge * np.diag([1.0] * hb.shape[1] + [0.0])
        sol = np.linalg.solve(m, a.T @ y / len(y))
        ws.append(sol[:-1])
        bs.append(sol[-1])
    return np.array(ws), np.array(bs)


def energy_of(x, y, ridge, hidden) -> np.ndarray:
    """readout_energy at hidden layers given as numpy, as numpy."""
    return readout_energy(x, y, 5, 5, ridge)(torch.as_tensor(np.asarray(hidden, np.float64))).numpy()


@pytest.fixture(scope="module")
def data():
    p = perfect_fit(Example())
    x, y, _ = training_data(p, 5, 5, 10)
    rng = np.random.default_rng(4)
    batch = p + 0.3 * rng.normal(size=(6, p.size))
    return p, x, y, batch


def test_hidden_size_leaves_out_the_output_layer():
    assert hidden_size(5, 5) == n_params(5, 5) - 6 == 130
    assert hidden_size(3, 2) == n_params(3, 2) - 4 == 18
    assert hidden_size(1, 1) == 2


def test_ridge_readout_solves_the_ridge_problem(data):
    _, x, y, batch = data
    h = np_features(batch, x, 5, 5)
    for ridge in (1e-6, 0.1):
        w, b = ridge_readout(torch.tensor(h), torch.tensor(y), ridge)
        want_w, want_b = np_ridge(h, y, ridge)
        np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(b.numpy(), want_b, rtol=1e-8, atol=1e-10)
    # a larger ridge shrinks the weights
    small = ridge_readout(torch.tensor(h), torch.tensor(y), 1e-6)[0].norm(dim=1)
    large = ridge_readout(torch.tensor(h), torch.tensor(y), 0.1)[0].norm(dim=1)
    assert torch.all(large < small)


def test_readout_energy_is_the_loss_of_the_lifted_network_and_never_above_a_given_output_layer(data):
    p, x, y, batch = data
    ph, ridge = hidden_size(5, 5), 1e-6
    energy = readout_energy(x, y, 5, 5, ridge)
    e = energy(torch.tensor(batch[:, :ph])).numpy()
    full = lift(batch[:, :ph], x, y, 5, 5, ridge)
    assert full.shape == batch.shape and np.array_equal(full[:, :ph], batch[:, :ph])
    np.testing.assert_allclose(e, mse_np(full, x, y, 5, 5), rtol=1e-12, atol=1e-20)
    # the lift's output layer is stationary for MSE + ridge |w|^2 (bias: for the MSE)
    for q in full:
        g = mse_and_gradient_np(q, x, y, 5, 5)[1]
        np.testing.assert_allclose(g[ph:-1] + 2 * ridge * q[ph:-1], 0.0, atol=1e-10)
        assert abs(g[-1]) < 1e-10
    # min over the output layer: never above the network's own loss (plus its ridge term)
    own = mse_np(batch, x, y, 5, 5) + ridge * (batch[:, ph:-1] ** 2).sum(1)
    assert np.all(e <= own + 1e-14) and np.all(e < mse_np(batch, x, y, 5, 5))
    # any input dtype: float64 throughout; one network (P_h,) gives one row
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    np.testing.assert_allclose(energy_of(x32, y32, ridge, batch[:, :ph].astype(np.float32)),
                               energy_of(x32.astype(np.float64), y32.astype(np.float64), ridge,
                                         batch[:, :ph].astype(np.float32).astype(np.float64)),
                               rtol=1e-12)
    lifted32 = lift(batch[:, :ph].astype(np.float32), x32, y32, 5, 5, ridge)
    assert lifted32.dtype == np.float64
    np.testing.assert_allclose(lifted32, lift(batch[:, :ph].astype(np.float32).astype(np.float64),
                                              x32.astype(np.float64), y32.astype(np.float64), 5, 5,
                                              ridge), rtol=1e-12)
    one = lift(batch[0, :ph].tolist(), x, y, 5, 5, ridge)
    assert one.shape == (1, p.size)
    np.testing.assert_allclose(one[0], full[0], rtol=1e-10, atol=1e-12)
    # the (symmetrized) perfect fit's readout is already optimal: the energy is ~0, up to the ridge
    sym = symmetrize(p, 5, 5).params
    assert mse_np(sym, x, y, 5, 5) < 1e-20 and energy(torch.tensor(sym[None, :ph])).item() < 1e-8
    # unbalanced (large output weights, small features), the ridge costs more; smaller ridge, less
    assert energy(torch.tensor(p[None, :ph])).item() > 1e-6
    assert readout_energy(x, y, 5, 5, 1e-10)(torch.tensor(p[None, :ph])).item() < 1e-8


def test_readout_energy_gradient_is_the_hidden_part_of_the_lifted_gradient(data):
    """Envelope theorem: with the output layer at its optimum, the reduced energy's gradient is the
    full loss's gradient over the hidden layers at the lifted point (ridge ~ 0, live features)."""
    p, x, y, _ = data
    ph, ridge = hidden_size(5, 5), 1e-12
    rng = np.random.default_rng(7)
    batch = symmetrize(p, 5, 5).params + 0.05 * rng.normal(size=(4, p.size))
    h = np_features(batch, x, 5, 5)
    smallest = [np.linalg.eigvalsh(np.cov(hb.T, bias=True))[0] for hb in h]
    assert min(smallest) > 1e-6  # every unit alive and distinct: the optimum is well defined
    hidden = torch.tensor(batch[:, :ph], requires_grad=True)
    (grad,) = torch.autograd.grad(readout_energy(x, y, 5, 5, ridge)(hidden).sum(), hidden)
    for i, q in enumerate(lift(batch[:, :ph], x, y, 5, 5, ridge)):
        want = mse_and_gradient_np(q, x, y, 5, 5)[1][:ph]
        np.testing.assert_allclose(grad[i].numpy(), want, rtol=1e-6, atol=1e-12)


def test_a_dead_unit_gets_zero_weight_and_the_lift_stays_finite(data):
    p, x, y, _ = data
    ph, n, k = hidden_size(5, 5), 5, 5
    q = p.copy()
    layers = unflatten(q[None], n, k)
    layers[-2][1][0, 0] = -1e3  # last hidden layer, unit 0: dead on every input
    assert np.all(np_features(q[None], x, n, k)[0, :, 0] == 0)
    full = lift(q[None, :ph], x, y, n, k, 1e-6)[0]
    assert np.all(np.isfinite(full)) and full[ph] == 0.0
    # the other units' weights are the ridge solution on the live features
    want_w, _ = np_ridge(np_features(q[None], x, n, k)[:, :, 1:], y, 1e-6)
    np.testing.assert_allclose(full[ph + 1:ph + n], want_w[0], rtol=1e-8, atol=1e-10)


def test_smoothed_readout_energy_uses_softplus_features(data):
    from nnlandscape.neb import network_energy

    _, x, y, batch = data
    ph, ridge = hidden_size(5, 5), 1e-6
    hidden = torch.tensor(batch[:3, :ph])
    relu, smooth = readout_energy(x, y, 5, 5, ridge), readout_energy(x, y, 5, 5, ridge, beta=3.0)
    assert not torch.allclose(relu(hidden), smooth(hidden), rtol=1e-3)
    # at large beta the smoothed energy tends to the ReLU one
    sharp = readout_energy(x, y, 5, 5, ridge, beta=1e7)(hidden)
    torch.testing.assert_close(sharp, relu(hidden), rtol=1e-5, atol=1e-9)
    # and it is the softplus network's loss at the readout optimal for softplus features
    full = torch.tensor(lift(batch[:3, :ph], x, y, 5, 5, ridge))
    assert torch.all(smooth(hidden) <= network_energy(x, y, 5, 5, beta=3.0)(full) + 1e-12)

"""Figures 12-15 draw from small synthetic results without error and show what they claim to."""

import numpy as np
import pytest

from nnlandscape.basin import basin_numbers
from nnlandscape.capacity import embed, full_sawtooth_arrays
from nnlandscape.construction import Example, perfect_fit_arrays
from nnlandscape.figures import landscape
from nnlandscape.network import n_params


@pytest.fixture(scope="module")
def pf():
    return perfect_fit_arrays(Example())


def fake_minima(pf, count=3, n=5, k=5, seed=0):
    rng = np.random.default_rng(seed)
    params = embed(pf["params"], 5, 5, n, k)[None] + 0.05 * rng.normal(size=(count, n_params(n, k)))
    return {"params": params, "loss": rng.uniform(0.1, 0.2, count), "dead": np.zeros(count, bool),
            "diverged": np.zeros(count, bool)}


def test_figure_basin_marks_thresholds_and_radius(pf):
    norms = np.linspace(0, 0.6, 40)
    trials = {"gd": {"noise_norm": norms, "loss": np.where(norms < 0.2, 1e-8, 1e-2),
                     "dist_to_global": norms},
              "adadelta": {"noise_norm": norms, "loss": np.full(40, 0.05), "dist_to_global": norms}}
    numbers = basin_numbers(trials, pf["params_sym"], 0.6, 6, 1e-6, 1e-4,
                            {"gd_lr": 1e-3, "gd_lr_bound": 2e-3})
    fig = landscape.figure_basin(trials, numbers)
    a, b = fig.axes[:2]
    assert a.get_yscale() == "log"

    def vertical(ax):
        return [line.get_xdata()[0] for line in ax.lines if line.get_ydata()[0] != line.get_ydata()[-1]]

    def horizontal(ax):
        return sorted(line.get_ydata()[0] for line in ax.lines if line.get_xdata()[0] != line.get_xdata()[-1])

    assert vertical(a) == [pytest.approx(0.2)]  # GD's return radius
    assert vertical(b) == []  # Adadelta never returned: no radius
    assert horizontal(a) == horizontal(b) == [1e-6, 1e-4]


def test_figure_complex_target_and_fits(pf):
    cpf = perfect_fit_arrays(Example(n1=3, n2=2))
    saw = full_sawtooth_arrays(Example(n=5, k=5, n1=5, n2=0), grid_size=2001)
    fig = landscape.figure_complex_target(cpf, saw)
    assert len(fig.axes) >= 3
    path = {"arc": np.linspace(0, 1, 5), "energy": np.array([0.0, 0.1, 0.2, 0.19, 0.18]),
            "midpoint_energy": np.full(4, 0.2), "fit_index": np.int64(2)}
    minima = {opt: fake_minima(cpf) for opt in ("gd", "adadelta")}
    fig = landscape.figure_complex_fits(cpf, minima, path)
    assert fig.axes[1].get_yscale() == "log"


def test_figure_larger_has_one_group_per_size(pf):
    base = {opt: fake_minima(pf) for opt in ("gd", "adadelta")}
    larger = [fake_minima(pf, n=10, k=5), fake_minima(pf, n=10, k=5, seed=1),
              fake_minima(pf, n=5, k=7), fake_minima(pf, n=5, k=7, seed=1)]
    losses = landscape.larger_losses(base, larger, [[10, 5], [5, 7]], [5, 5])
    assert list(losses) == [(5, 5), (10, 5), (5, 7)]
    assert losses[(10, 5)]["adadelta"] is larger[1]["loss"]
    fig = landscape.figure_larger(pf, losses, larger[1]["params"][0], (10, 5), 0.1, (5, 5))
    labels = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert len(labels) == 3 and labels[0].startswith("(5,5)")

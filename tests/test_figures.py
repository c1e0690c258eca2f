"""Figures 1-15 show the results arrays they claim to show: the drawn data (the artists' data) are
compared with the inputs, computed here independently where the figure computes something."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import Rectangle

from nnlandscape.basin import basin_numbers
from nnlandscape.capacity import embed, full_sawtooth_arrays
from nnlandscape.construction import Example, perfect_fit_arrays
from nnlandscape.figures import fits, landscape
from nnlandscape.figures import geometry as geometry_figures
from nnlandscape.figures import neb as neb_figures
from nnlandscape.network import forward_np, layer_slices, n_params


@pytest.fixture(scope="module")
def pf():
    return perfect_fit_arrays(Example())


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fake_minima(pf, count=5, n=5, k=5, seed=0, dead=(), diverged=()):
    """Perturbed copies of the perfect fit (embedded in an (n,k) network), losses distinct."""
    rng = np.random.default_rng(seed)
    params = embed(pf["params"], 5, 5, n, k)[None] + 0.05 * rng.normal(size=(count, n_params(n, k)))
    return {"params": params, "loss": rng.uniform(0.1, 0.2, count),
            "dead": np.isin(np.arange(count), dead), "diverged": np.isin(np.arange(count), diverged)}


def line_with(ax, y: np.ndarray):
    """The line of ``ax`` whose y data equal ``y`` (to round-off); fails if there is none."""
    for line in ax.lines:
        yd = np.asarray(line.get_ydata(), dtype=np.float64)
        if yd.shape == np.shape(y) and np.allclose(yd, y, rtol=0, atol=1e-12):
            return line
    raise AssertionError(f"no line with the expected data among {len(ax.lines)}")


def vlines(ax) -> list[float]:
    """x positions of the vertical lines (axvline) of ``ax``."""
    return sorted(float(line.get_xdata()[0]) for line in ax.lines
                  if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
                  and line.get_ydata()[0] != line.get_ydata()[1])


def hist_heights(ax) -> np.ndarray:
    """Heights of the bars (Rectangle patches) of a histogram drawn with ax.hist."""
    return np.array([p.get_height() for p in ax.patches if isinstance(p, Rectangle)])


def scatter_offsets(ax) -> list[np.ndarray]:
    return [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]


def test_fig01_network_graph_and_target(pf):
    fig = fits.figure_network_and_target(pf)
    a, b = fig.axes[:2]
    segments = [c for c in a.collections if isinstance(c, LineCollection)][0].get_segments()
    weights = np.concatenate([pf["params"][w] for w, _ in layer_slices(5, 5)])
    assert len(segments) == np.count_nonzero(weights)  # one edge per non-zero weight
    target = line_with(b, forward_np(pf["params"], pf["x_grid"], 5, 5))
    np.testing.assert_array_equal(target.get_xdata(), pf["x_grid"])
    offsets = scatter_offsets(b)
    np.testing.assert_array_equal(offsets[0], np.column_stack([pf["x_train"], pf["y_train"]]))
    np.testing.assert_array_equal(offsets[1], np.column_stack([pf["knots_x"], pf["knots_y"]]))


def test_fig02_first_fit_over_target(pf):
    minima = fake_minima(pf)
    ax = fits.figure_example_fit(pf, minima).axes[0]
    line = line_with(ax, forward_np(minima["params"][0], pf["x_grid"], 5, 5))
    assert f"MSE {minima['loss'][0]:.3f}" in line.get_label()
    line_with(ax, forward_np(pf["params"], pf["x_grid"], 5, 5))


def test_fig03_mean_of_live_fits_only(pf):
    minima = {"gd": fake_minima(pf, 6, dead=[1], diverged=[4]), "adadelta": fake_minima(pf, 4, seed=1)}
    fig = fits.figure_mean_fits(pf, minima)
    for ax, opt, live in zip(fig.axes[:2], ("gd", "adadelta"), ([0, 2, 3, 5], [0, 1, 2, 3]), strict=True):
        out = np.stack([forward_np(p, pf["x_grid"], 5, 5) for p in minima[opt]["params"][live]])
        line = line_with(ax, out.mean(0))
        assert f"mean of {len(live)} fits" in line.get_label()
        band = ax.collections[0].get_paths()[0].vertices[:, 1]
        assert band.min() == pytest.approx((out.mean(0) - out.std(0)).min())
        assert band.max() == pytest.approx((out.mean(0) + out.std(0)).max())


def test_fig04_lowest_loss_fit(pf):
    minima = {"gd": fake_minima(pf, 5), "adadelta": fake_minima(pf, 5, seed=2)}
    fig = fits.figure_best_fits(pf, minima)
    for ax, opt in zip(fig.axes[:2], ("gd", "adadelta"), strict=True):
        best = int(np.argmin(minima[opt]["loss"]))
        line = line_with(ax, forward_np(minima[opt]["params"][best], pf["x_grid"], 5, 5))
        assert f"MSE {minima[opt]['loss'][best]:.4f}" in line.get_label()


def test_fig05_loss_histograms_of_live_fits(pf):
    minima = {"gd": fake_minima(pf, 30, dead=[0, 1], diverged=[2]), "adadelta": fake_minima(pf, 20, seed=3)}
    minima["gd"]["loss"][0] = 50.0  # a dead fit's loss would stretch the histogram if drawn
    fig = fits.figure_losses(minima, {"gd": 0.11, "adadelta": 0.13}, 0.49 / 3)
    for ax, opt, live in zip(fig.axes[:2], ("gd", "adadelta"), (27, 20), strict=True):
        # bins up to the 99.5 % quantile: at most one of the live losses falls outside
        assert live - 1 <= hist_heights(ax).sum() <= live
        assert max(p.get_x() + p.get_width() for p in ax.patches) < 1.0
        assert vlines(ax) == pytest.approx(sorted([{"gd": 0.11, "adadelta": 0.13}[opt], 0.49 / 3]))
        assert ax.get_title().startswith(f"{fits.LABELS[opt]} ({live} live")


def geometry_arrays(rng) -> dict[str, np.ndarray]:
    return {"gd_pair_distance": rng.uniform(1, 3, 200), "adadelta_pair_distance": rng.uniform(2, 4, 150),
            "gd_live_index": np.arange(30), "adadelta_live_index": np.arange(25),
            "gd_global_distance": rng.uniform(0.5, 2, 30),
            "adadelta_global_distance": rng.uniform(1, 2.5, 25),
            "dots": rng.uniform(0.2, 0.9, 300), "gaussian_dots": rng.normal(0.5, 0.05, 300),
            "gaussian_centre_dots": rng.normal(0.0, 0.1, 300)}


def test_fig06_pair_distance_histograms():
    geo = geometry_arrays(np.random.default_rng(0))
    fig = geometry_figures.figure_pair_distances(geo)
    for ax, opt in zip(fig.axes[:2], ("gd", "adadelta"), strict=True):
        dist = geo[f"{opt}_pair_distance"]
        heights = hist_heights(ax)
        np.testing.assert_allclose(heights, np.histogram(dist, bins=50, density=True)[0])
        assert vlines(ax) == pytest.approx(sorted([dist.min(), np.median(dist)]))


def test_fig07_global_distances_and_dot_products():
    geo = geometry_arrays(np.random.default_rng(1))
    fig = geometry_figures.figure_global_distances(geo)
    a, b = fig.axes[:2]
    every = np.concatenate([geo["gd_global_distance"], geo["adadelta_global_distance"]])
    bins = np.linspace(every.min(), every.max(), 41)
    expected = np.concatenate([np.histogram(geo[f"{opt}_global_distance"], bins)[0]
                               for opt in ("gd", "adadelta")])
    np.testing.assert_array_equal(hist_heights(a), expected)
    medians = sorted(np.median(geo[f"{opt}_pair_distance"]) for opt in ("gd", "adadelta"))
    assert vlines(a) == pytest.approx(medians)
    dot_bins = np.linspace(-1, 1, 81)
    minima_bars = hist_heights(b)[:80]
    np.testing.assert_allclose(minima_bars, np.histogram(geo["dots"], dot_bins, density=True)[0])
    np.testing.assert_allclose(hist_heights(b)[80:160],
                               np.histogram(geo["gaussian_dots"], dot_bins, density=True)[0])


def fake_path(rng, images=9, dim=136, fit=3):
    """A band with known energies: 0 at the global minimum, a bump, a plateau at 0.1."""
    arc = np.linspace(0, 1, images)
    energy = np.concatenate([[1e-20], np.full(images - 1, 0.1)])
    energy[2] = 0.3
    return {"arc": arc, "energy": energy, "midpoint_energy": 0.5 * (energy[1:] + energy[:-1]) + 0.01,
            "segment_max": np.maximum(energy[1:], energy[:-1]) + 0.02,
            "fit_index": np.int64(fit), "images": np.cumsum(rng.normal(size=(images, dim)), axis=0),
            "route_top": np.float64(0.25)}


def test_fig08_energy_along_paths():
    rng = np.random.default_rng(2)
    paths = [fake_path(rng, fit=3), fake_path(rng, fit=8)]
    paths[1]["energy"] = paths[1]["energy"] * 2
    fig = neb_figures.figure_neb_energy(paths)
    a, b = fig.axes[:2]
    for p in paths:
        np.testing.assert_array_equal(line_with(a, p["energy"]).get_xdata(), p["arc"])
    assert line_with(a, paths[1]["energy"]).get_label() == "path 1 (fit 8)"
    np.testing.assert_array_equal(line_with(b, paths[0]["energy"]).get_xdata(), paths[0]["arc"])
    mid = scatter_offsets(b)[0]
    np.testing.assert_allclose(mid[:, 0], 0.5 * (paths[0]["arc"][1:] + paths[0]["arc"][:-1]))
    np.testing.assert_allclose(mid[:, 1], paths[0]["segment_max"])  # the top the barrier counts
    assert a.get_ylim()[0] == pytest.approx(0.1 / 3)  # a third of the lowest energy above round-off
    # up to twice the highest image, or the first path's top between images (drawn in b) where higher;
    # another path's tops between images are not drawn and do not stretch the axis
    assert a.get_ylim()[1] == pytest.approx(2 * 0.6)
    paths[1]["segment_max"] = paths[1]["segment_max"] * 1e3
    paths[0]["segment_max"][3] = 5.0
    assert neb_figures.figure_neb_energy(paths).axes[0].get_ylim()[1] == pytest.approx(10.0)
    route = [line for line in b.lines if line.get_label() == "constant-output route top"]
    assert len(route) == 1 and list(route[0].get_ydata()) == [0.25, 0.25]


def test_fig09_outputs_of_images(pf):
    rng = np.random.default_rng(3)
    path = fake_path(rng, images=12)
    path["images"] = pf["params"][None] + 0.01 * rng.normal(size=(12, 136))
    fig = neb_figures.figure_neb_outputs(pf, path, plateau_fraction=0.5, shown=4)
    a, b = fig.axes[:2]
    for i in (1, 2, 3, 4):  # panel (b): the images nearest the global minimum
        line = line_with(b, forward_np(path["images"][i], pf["x_grid"], 5, 5))
        assert line.get_label().startswith(f"image {i}, s = {path['arc'][i]:.2f}")
    # panel (a): images beyond the last arc where the energy is below half the far end's (image 0)
    drawn = [int(line.get_label().split(",")[0].split()[1]) for line in a.lines[1:]]
    assert drawn and all(i > 4 for i in drawn)
    for i in drawn:
        line_with(a, forward_np(path["images"][i], pf["x_grid"], 5, 5))


def test_fig10_turning_angles():
    rng = np.random.default_rng(4)
    # a square path in a plane: each turn is 90 degrees; a straight one: 0 degrees
    square = np.zeros((5, 6))
    square[:, :2] = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    straight = np.outer(np.arange(5.0), rng.normal(size=6))
    paths = [{"images": square, "fit_index": np.int64(0)}, {"images": straight, "fit_index": np.int64(1)}]
    ax = neb_figures.figure_neb_angles(paths).axes[0]
    first = line_with(ax, np.array([90.0, 90.0, 90.0]))
    np.testing.assert_array_equal(first.get_xdata(), [1, 2, 3])
    assert np.allclose(ax.lines[0].get_ydata(), 0.0, atol=1e-6)  # the other path, in grey, first


def test_fig11_hessian_spectra():
    eig_global = np.array([-1e-3, 1e-9, 0.5, 2.0, 40.0])
    hess = {"eig_global": eig_global, "eig_gd": np.array([[-0.2, 0.1, 1.0, 3.0, 10.0]]),
            "eig_adadelta": np.zeros((0, 5)), "small": np.float64(1e-6), "beta": np.float64(1000.0)}
    ax = geometry_figures.figure_hessian_spectra(hess).axes[0]
    line_with(ax, np.array([40.0, 2.0, 0.5, 1e-3, 1e-9]))  # magnitudes, largest first
    line_with(ax, np.array([10.0, 3.0, 1.0, 0.2, 0.1]))
    negatives = scatter_offsets(ax)
    np.testing.assert_allclose(negatives[0], [[4, 0.2]])  # GD: -0.2 at rank 4
    np.testing.assert_allclose(negatives[1], [[4, 1e-3]])  # global: -1e-3 at rank 4
    assert any(np.allclose(line.get_ydata(), 1e-6 * 40.0) for line in ax.lines)


def test_fig12_basin_trials_drawn(pf):
    norms = np.linspace(0, 0.6, 40)
    loss = np.where(norms < 0.2, 0.0, 1e-2)
    trials = {"gd": {"noise_norm": norms, "loss": loss, "dist_to_global": norms},
              "adadelta": {"noise_norm": norms[::-1], "loss": np.full(40, 0.05), "dist_to_global": norms}}
    numbers = basin_numbers(trials, pf["params_sym"], 0.6, 6, 1e-6, 1e-4,
                            {"gd_lr": 1e-3, "gd_lr_bound": 2e-3})
    fig = landscape.figure_basin(trials, numbers)
    for ax, opt in zip(fig.axes[:2], ("gd", "adadelta"), strict=True):
        pts = scatter_offsets(ax)[0]
        np.testing.assert_array_equal(pts[:, 0], trials[opt]["noise_norm"])
        np.testing.assert_array_equal(pts[:, 1], np.clip(trials[opt]["loss"], landscape.LOSS_FLOOR, None))
    assert fig.axes[0].get_title() == f"GD with momentum ({np.mean(norms < 0.2):.0%} returned)"


def test_fig13_second_target_and_full_sawtooth():
    cpf = perfect_fit_arrays(Example(n1=3, n2=2))
    saw = full_sawtooth_arrays(Example(n=5, k=5, n1=5, n2=0), grid_size=2001)
    fig = landscape.figure_complex_target(cpf, saw)
    a, b, c = fig.axes[:3]
    line_with(b, forward_np(cpf["params"], cpf["x_grid"], 5, 5))
    np.testing.assert_array_equal(line_with(c, saw["y_grid"]).get_xdata(), saw["x_grid"])
    assert f"{len(saw['knots_x'])} knots" in c.get_title()


def test_fig14_second_example_fits_and_path():
    cpf = perfect_fit_arrays(Example(n1=3, n2=2))
    minima = {"gd": fake_minima(cpf, 4, dead=[0]), "adadelta": fake_minima(cpf, 3, seed=5)}
    path = {"arc": np.linspace(0, 1, 5), "energy": np.array([0.0, 0.1, 0.2, 0.19, 0.18]),
            "midpoint_energy": np.full(4, 0.2), "fit_index": np.int64(2)}
    fig = landscape.figure_complex_fits(cpf, minima, path)
    a, b = fig.axes[:2]
    gd = np.stack([forward_np(p, cpf["x_grid"], 5, 5) for p in minima["gd"]["params"][1:]])
    assert "mean of 3 fits" in line_with(a, gd.mean(0)).get_label()
    line = line_with(b, np.clip(path["energy"], landscape.LOSS_FLOOR, None))
    np.testing.assert_array_equal(line.get_xdata(), path["arc"])
    assert b.get_title() == "NEB path to GD fit 2"


def test_fig15_larger_networks(pf):
    base = {opt: fake_minima(pf, seed=i) for i, opt in enumerate(("gd", "adadelta"))}
    larger = [fake_minima(pf, n=10, k=5, seed=2), fake_minima(pf, n=10, k=5, seed=3)]
    losses = landscape.larger_losses(base, larger, [[10, 5]], [5, 5])
    fig = landscape.figure_larger(pf, losses, larger[1]["params"][0], (10, 5), 0.1, (5, 5))
    a, b = fig.axes[:2]
    line_with(a, forward_np(larger[1]["params"][0], pf["x_grid"], 10, 5))
    drawn = [pts[:, 1] for pts in scatter_offsets(b)]
    expected = [base["gd"]["loss"], base["adadelta"]["loss"], larger[0]["loss"], larger[1]["loss"]]
    for got, want in zip(drawn, expected, strict=True):
        np.testing.assert_allclose(got, want)
    medians = sorted(float(np.asarray(c.get_segments())[0][0, 1]) for c in b.collections
                     if isinstance(c, LineCollection))
    assert medians == pytest.approx(sorted(np.median(w) for w in expected))


def test_the_frozen_theme_is_seaborns_and_figure_jobs_do_not_import_seaborn():
    import subprocess
    import sys

    import matplotlib as mpl
    import seaborn as sns
    from matplotlib.colors import to_rgb

    from nnlandscape.figures import SEABORN_THEME, set_theme

    try:
        set_theme()
        ours = dict(mpl.rcParams)
        mpl.rcdefaults()
        sns.set_theme(**SEABORN_THEME)
        theirs = dict(mpl.rcParams)
    finally:
        mpl.rcdefaults()
    differ = sorted(key for key in theirs if ours[key] != theirs[key])
    assert differ == ["axes.prop_cycle", "image.cmap"]  # colours written as hex; no default cmap
    assert [to_rgb(c["color"]) for c in ours["axes.prop_cycle"]] == \
        [to_rgb(c["color"]) for c in theirs["axes.prop_cycle"]]
    code = ("import sys, nnlandscape.figures.registry, nnlandscape.figures as f; f.set_theme(); "
            "print(int('seaborn' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"

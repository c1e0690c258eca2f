"""NEB paths on the network's landscape: the energy of a batch of networks, the end points, one path.

The band is relaxed on the training MSE with ReLU smoothed to softplus_beta (the Hessian section's
beta, chosen on the perfect fit): the ReLU loss is only piecewise smooth, its forces jump across
kinks and a band's largest perpendicular force stalls instead of vanishing. The converged band is
then evaluated on the ReLU loss, and its climbing image is checked for a first-order saddle of the
loss it was converged on (:mod:`nnlandscape.saddle`). The algorithm is in :mod:`nnlandscape.band`.

Every band is also compared with the constant-output route (:func:`constant_output_route`), a path
that exists between any two networks of this family and whose top is known in closed form: a band
whose top lies above it is certainly not a minimum-energy path.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from .band import (
    EnergyFn,
    NebConfig,
    arc_length,
    band_forces,
    linear_path,
    nudged_elastic_band,
    sampled_band_stationarity,
    segment_energy,
    segment_points,
)
from .hessian import choose_beta, loss_hessian, softplus
from .network import forward_np, layer_slices, mse
from .nonsmooth import DESCENT_FOUND, NOT_CERTIFIED
from .readout import hidden_size, lift, readout_energy
from .saddle import hessian_index, probe_kink
from .settle import rescaling_directions
from .settled import certified


def network_energy(x: np.ndarray, y: np.ndarray, n: int, k: int,
                   dtype: torch.dtype = torch.float64, beta: float | None = None) -> EnergyFn:
    """Energy of a batch of (n,k) networks (I, P) -> (I,): training MSE on (x, y), with ReLU
    replaced by softplus_beta when ``beta`` is given."""
    xt = torch.as_tensor(np.asarray(x), dtype=dtype)
    yt = torch.as_tensor(np.asarray(y), dtype=dtype)
    act = torch.relu if beta is None else softplus(beta)

    def energy(params: torch.Tensor) -> torch.Tensor:
        return mse(params, xt, yt, n, k, act)

    return energy


def constant_output_top(energy_start: float, energy_end: float, y: np.ndarray) -> float:
    """Top of :func:`constant_output_route` between networks of training MSE ``energy_start`` and
    ``energy_end``: max(energy_start, energy_end, var(y)), var(y) (population variance) being the
    MSE of the constant output mean(y). An upper bound on the top of the lowest path between them."""
    return float(max(energy_start, energy_end, np.var(np.asarray(y, np.float64))))


def constant_output_route(start: np.ndarray, end: np.ndarray, y: np.ndarray, n: int, k: int,
                          images: int) -> np.ndarray:
    """A continuous path (3 images - 2, P) from ``start`` to ``end`` over which the training MSE
    never exceeds :func:`constant_output_top`.

    Leg 1 moves only the output layer, linearly, to weights 0 and bias mean(y): the output, and so
    each residual, is affine along it, so the MSE is a convex quadratic and peaks at an end. Leg 2
    moves the hidden layers from ``start``'s to ``end``'s under that constant output: the MSE stays
    var(y). Leg 3 is leg 1 of ``end`` backwards. ``images`` points per leg, shared ends counted once.
    """
    a, b = (np.array(v, dtype=np.float64) for v in (start, end))
    w_out, b_out = layer_slices(n, k)[-1]
    out = np.r_[w_out, b_out]
    flat = a.copy()
    flat[out] = 0.0
    flat[b_out] = float(np.mean(np.asarray(y, np.float64)))
    target = b.copy()
    target[out] = flat[out]
    t = np.linspace(0.0, 1.0, int(images))[:, None]
    legs = [a + t * (flat - a), flat + t * (target - flat), target + t * (b - target)]
    return np.concatenate([legs[0], legs[1][1:], legs[2][1:]])


def network_path(start: np.ndarray, end: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                 cfg: NebConfig, beta: float, saddle_tol: float, probe_step: float,
                 probe_directions: int, seed: int, ridge: float | None = None) -> dict[str, np.ndarray]:
    """NEB path between two networks' params (float64), relaxed on the softplus_beta-smoothed MSE,
    reported on the ReLU MSE (at the images and, ``segment_max``, the highest of
    ``cfg.segment_samples`` points inside each segment; ``segment_max_half`` from every other one of
    them), with the straight band's energies and the climbing image's saddle test. Converged: the
    relaxation's own test (``relax_converged``) or, on the final band, the sampled test of
    :func:`~nnlandscape.band.sampled_band_stationarity` on the ReLU loss at radius ``cfg.radius``
    below ``cfg.tol`` for every image (``eps_stationarity``).

    ``ridge`` given: the band lives in hidden-layer space with the output layer at its ridge
    least-squares optimum (:mod:`nnlandscape.readout`); the stored images are those networks, the
    path between two of them is the lift of the straight segment between their hidden layers, and
    its ends are joined to ``start`` and ``end`` by moving the output layer alone (a convex quadratic,
    highest at an end: the lifted end images are counted in the end segments' tops)."""
    to = torch.float64
    relu = network_energy(x, y, n, k, to)
    a, b = torch.as_tensor(start, dtype=to), torch.as_tensor(end, dtype=to)
    if ridge is None:
        smooth, relu_band = network_energy(x, y, n, k, to, beta), relu
    else:
        ph = hidden_size(n, k)
        a, b = a[:ph], b[:ph]
        smooth = readout_energy(x, y, n, k, ridge, beta)
        relu_band = readout_energy(x, y, n, k, ridge)
    res = nudged_elastic_band(smooth, a, b, cfg)
    band = torch.as_tensor(res.images)
    with torch.no_grad():
        energy = relu_band(band).numpy()
        mid = relu_band(0.5 * (band[1:] + band[:-1])).numpy()
    inside_energy = segment_energy(relu_band, band, cfg.segment_samples).numpy()
    # the highest sample of each segment: is the network there dead (see path_stats.dead_top)?
    tops = segment_points(band, cfg.segment_samples)[np.arange(len(band) - 1),
                                                     inside_energy.argmax(1)].numpy()
    images = res.images
    lifted_ends = energy[[0, -1]].copy()  # the loss at the band's end images
    if ridge is not None:
        images = lift(res.images, x, y, n, k, ridge)
        tops = lift(tops, x, y, n, k, ridge)
        # the end segments also count their lifted end images (the output-only legs peak there)
        for seg in (0, -1):
            if energy[seg] >= inside_energy[seg].max():
                tops[seg] = images[seg]
            inside_energy[seg] = np.maximum(inside_energy[seg], energy[seg])
        images[0], images[-1] = start, end
        with torch.no_grad():
            ends = relu(torch.as_tensor(images[[0, -1]])).numpy()
        energy[0], energy[-1] = ends
    # every other sample (the first, third, ...) as well: how much the top depends on the sampling
    half = inside_energy[:, ::2]
    with torch.no_grad():
        straight = relu(linear_path(torch.as_tensor(start, dtype=to),
                                    torch.as_tensor(end, dtype=to), cfg.images)).numpy()
    relu_force = float(band_forces(relu_band, band, cfg.spring).residual.max())
    # the sampled test on the ReLU loss (its own kinks, no smoothing) at the window test's radius
    climbing = res.climbing_index if res.climbing_index >= 0 else None
    eps_stat = (sampled_band_stationarity(relu_band, band, cfg.radius, np.random.default_rng(seed),
                                          climbing) if cfg.radius > 0 else np.full(len(band) - 2, np.nan))
    converged = res.converged or bool(eps_stat.max() < cfg.tol)
    out = {**res.arrays(), "images": images, "arc": arc_length(images),
           "energy_relaxed": res.energy, "energy": energy, "midpoint_energy": mid,
           "segment_max": inside_energy.max(1), "segment_max_half": half.max(1),
           "straight_energy": straight, "relu_max_perp_force": np.float64(relu_force),
           "beta": np.float64(beta), "lifted_end_energy": lifted_ends,
           "output_std": forward_np(images, x, n, k).std(-1),
           "segment_top_std": forward_np(tops, x, n, k).std(-1),
           "route_top": np.float64(constant_output_top(energy[0], energy[-1], y)),
           "converged": np.bool_(converged), "relax_converged": np.bool_(res.converged),
           "eps_stationarity": eps_stat}
    out.update(climbing_saddle(images, res.climbing_index, converged, x, y, n, k, beta,
                               saddle_tol, probe_step, probe_directions, seed))
    return out


def band_ridge(neb: Mapping) -> float | None:
    """The readout ridge of the config's ``neb`` section when bands live in hidden-layer space
    (``space: readout``), None for the full parameter space (``space: full``)."""
    return float(neb["readout_ridge"]) if neb["space"] == "readout" else None


def climbing_saddle(images: np.ndarray, top: int, converged: bool, x: np.ndarray, y: np.ndarray,
                    n: int, k: int, beta: float, rel_tol: float, probe_step: float,
                    probe_directions: int, seed: int) -> dict[str, np.ndarray]:
    """Saddle test at the climbing image ``top`` of a converged band: index of the smoothed loss's
    Hessian without the n k rescaling directions (exactly flat for ReLU, nearly so smoothed), and
    a kink probe of the ReLU loss (both ways along the path, ``probe_directions`` random directions
    across it, step ``probe_step``)."""
    if not converged or top < 1:
        return {"saddle_verified": np.bool_(False), "saddle_negative": np.int64(-1),
                "saddle_lowest": np.float64(np.nan), "saddle_overlap": np.float64(np.nan),
                "kink_saddle": np.bool_(False)}
    point = images[top]
    tangent = images[top + 1] - images[top - 1]
    flat = rescaling_directions(point, n, k)
    index = hessian_index(loss_hessian(point, x, y, n, k, beta), flat, rel_tol, tangent)
    relu = network_energy(x, y, n, k)

    def energy(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return relu(torch.as_tensor(points)).numpy()

    probe = probe_kink(energy, point, tangent, probe_step, probe_directions, seed, flat)
    return {"saddle_verified": np.bool_(index.saddle), "saddle_negative": np.int64(index.negative),
            "saddle_lowest": np.float64(index.lowest), "saddle_overlap": np.float64(index.tangent_overlap),
            "kink_saddle": np.bool_(probe.saddle)}


def end_point_groups(minima: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """Rows a path may end at, in order of preference. A settled file (with settle's ``kind``):
    certified minima (kind 0 or 1), then end points neither certified nor refuted (kind 3), then,
    as a last resort at scales too small to certify anything, those where descent was found (kind
    2). A fits file: the live fits (neither dead nor diverged)."""
    if "kind" in minima:
        kind = np.asarray(minima["kind"])
        return [np.flatnonzero(certified(minima)), np.flatnonzero(kind == NOT_CERTIFIED),
                np.flatnonzero(kind == DESCENT_FOUND)]
    return [np.flatnonzero(~np.asarray(minima["dead"], bool) & ~np.asarray(minima["diverged"], bool))]


def usable_minima(minima: Mapping[str, np.ndarray]) -> np.ndarray:
    """The preferred end points: certified minima of a settled file, live fits of a fits file."""
    return end_point_groups(minima)[0]


def fallback_minima(minima: Mapping[str, np.ndarray]) -> np.ndarray:
    """End points used, in this order, only when too few are usable (:func:`end_point_groups`)."""
    rest = end_point_groups(minima)[1:]
    return np.concatenate(rest).astype(np.int64) if rest else np.zeros(0, np.int64)


def choose_minima(minima: Mapping[str, np.ndarray], count: int, seed: int) -> np.ndarray:
    """Row indices (count,) of the path end points: a seeded draw, without repeats, group by group
    of :func:`end_point_groups`; path j goes to row ``choose_minima(...)[j]``. Seeded permutations,
    so asking for more paths keeps the earlier ones."""
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(g) for g in end_point_groups(minima)]).astype(np.int64)
    if count > order.size:
        raise ValueError(f"{count} NEB paths requested but only {order.size} usable minima; "
                         f"lower neb.paths or fit more networks")
    return order[:count]


def path_beta(perfect_fit: Mapping[str, np.ndarray], smoothing: Mapping) -> float:
    """The smoothing beta of the Hessian section: the first of ``smoothing.betas`` that changes the
    perfect fit's output on the training data by less than ``smoothing.output_tol``."""
    n, k = int(perfect_fit["n"]), int(perfect_fit["k"])
    return choose_beta(perfect_fit["params"], perfect_fit["x_train"], n, k, smoothing["betas"],
                       float(smoothing["output_tol"]))[0]


def neb_path(perfect_fit: Mapping[str, np.ndarray], minima: Mapping[str, np.ndarray], index: int,
             neb: Mapping, smoothing: Mapping, images: int | None = None) -> dict[str, np.ndarray]:
    """Arrays of path file ``index``: the NEB path from the symmetrized perfect fit (global minimum)
    to the ``index``-th chosen symmetrized minimum (:func:`choose_minima` with ``neb`` paths, seed).

    ``images``: the image-count study's band of that many images, without refinement rounds (so
    that the count is the only thing that changes)."""
    if images is not None:
        neb = {**neb, "images": int(images), "refine_rounds": 0}
    fits = choose_minima(minima, int(neb["paths"]), int(neb["seed"]))
    if not 0 <= index < len(fits):
        raise ValueError(f"path {index} requested, config neb.paths is {len(fits)}")
    fit = int(fits[index])
    n, k = int(perfect_fit["n"]), int(perfect_fit["k"])
    arrays = network_path(perfect_fit["params_sym"], minima["params_sym"][fit],
                          perfect_fit["x_train"], perfect_fit["y_train"], n, k,
                          NebConfig.from_config(neb), path_beta(perfect_fit, smoothing),
                          float(neb["saddle_tol"]), float(neb["probe_step"]),
                          int(neb["probe_directions"]), int(neb["seed"]) + index, band_ridge(neb))
    fit_index = int(minima["fit_index"][fit]) if "fit_index" in minima else fit
    kind = int(minima["kind"][fit]) if "kind" in minima else -1
    return {**arrays, "fit_index": np.int64(fit_index), "fit_loss": np.float64(minima["loss"][fit]),
            "end_kind": np.int64(kind)}

"""Minimum-energy paths by the nudged elastic band (NEB) over flat parameter vectors.

A band of images joins two fixed end points. Each interior image feels the energy gradient with its
component along the path tangent removed, plus a spring force along the tangent that keeps the
images spread out; relaxing the band gives a minimum-energy path. The energy is any callable mapping
a batch of images (I, P) to energies (I,): all energies and gradients come from one batched
autograd pass. For the network the energy is the training MSE (:func:`network_energy`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .io import load_npz
from .network import mse

EnergyFn = Callable[[torch.Tensor], torch.Tensor]
RELAXERS = ("fire", "descent")  # how the band is relaxed (not the fits' training optimizers)
#: Arrays of a path file and their dimensions (see RESULTS.md).
PATH_ARRAYS = {"images": 2, "energy": 1, "midpoint_energy": 1, "arc": 1, "fit_index": 0,
               "converged": 0, "iterations": 0, "max_perp_force": 0}

# FIRE constants (Bitzek et al. 2006, their recommended values).
FIRE_N_MIN = 5
FIRE_F_INC = 1.1
FIRE_F_DEC = 0.5
FIRE_ALPHA_START = 0.1
FIRE_F_ALPHA = 0.99


@dataclass(frozen=True)
class NebConfig:
    """How a band is built and relaxed (the config's ``neb`` section, less the path choice)."""

    images: int = 32  # images of the initial band, end points included
    spring: float = 1.0  # spring constant along the tangent
    optimizer: str = "fire"  # fire | descent
    max_iter: int = 2000  # iteration cap per relaxation round
    tol: float = 1e-3  # converged when the largest perpendicular force is below this
    climb: bool = True  # turn the highest image into a climbing image after the warm-up
    climb_after: int = 200  # warm-up iterations before climbing (first round only)
    refine_rounds: int = 1  # AutoNEB-style rounds: insert images, relax again
    refine_images: int = 4  # images inserted per round (at most one per segment)
    dt: float = 0.01  # FIRE's initial time step; the step size of plain descent
    dt_max: float = 0.1  # FIRE's largest time step
    max_move: float = 0.1  # cap on one image's displacement per iteration (Euclidean norm)

    def __post_init__(self) -> None:
        if self.optimizer not in RELAXERS:
            raise ValueError(f"unknown NEB optimizer {self.optimizer!r}; allowed: {', '.join(RELAXERS)}")
        if self.images < 3:
            raise ValueError(f"a band needs at least 3 images (one movable), got {self.images}")

    @classmethod
    def from_config(cls, cfg: Mapping) -> NebConfig:
        """Build from the config's ``neb`` mapping (keys that are not fields are ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{key: value for key, value in cfg.items() if key in names})


@dataclass
class BandForces:
    """Energies, gradients, tangents and NEB forces of a band's interior images."""

    energy: torch.Tensor  # (I,) every image
    grad: torch.Tensor  # (I, P) every image
    tangent: torch.Tensor  # (I-2, P) unit tangents of the interior images
    force: torch.Tensor  # (I-2, P) NEB force on the interior images
    residual: torch.Tensor  # (I-2,) norm of the perpendicular force (full force at the climbing image)
    climbing: int | None  # index (into all images) of the climbing image, if any


@dataclass
class NebResult:
    """A relaxed band: what a path file records (see RESULTS.md)."""

    images: np.ndarray  # (I, P)
    energy: np.ndarray  # (I,)
    midpoint_energy: np.ndarray  # (I-1,) energy halfway between successive images
    arc: np.ndarray  # (I,) arc length from the first image, normalized to [0, 1]
    converged: bool
    iterations: int  # over all rounds
    max_perp_force: float  # largest perpendicular force of the returned band
    force_history: np.ndarray  # largest perpendicular force before each step, then the returned band's
    climbing_index: int  # -1 when no image climbed at the end
    round_images: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # images per round
    round_converged: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    inserted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # segment splits, in order
    seconds: float = 0.0  # wall time
    cpu_seconds: float = 0.0  # CPU time of this process (wall time is inflated on a shared machine)

    def arrays(self) -> dict[str, np.ndarray]:
        """The result as named arrays for :func:`nnlandscape.io.save_npz`."""
        return {
            "images": self.images, "energy": self.energy, "midpoint_energy": self.midpoint_energy,
            "arc": self.arc, "converged": np.bool_(self.converged),
            "iterations": np.int64(self.iterations), "max_perp_force": np.float64(self.max_perp_force),
            "force_history": self.force_history, "climbing_index": np.int64(self.climbing_index),
            "round_images": self.round_images, "round_converged": self.round_converged,
            "inserted": self.inserted, "seconds": np.float64(self.seconds),
            "cpu_seconds": np.float64(self.cpu_seconds),
        }


def energy_and_gradient(energy_fn: EnergyFn, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Energies (I,) and their gradients (I, P) of all images in one batched autograd pass."""
    x = images.detach().requires_grad_(True)
    energy = energy_fn(x)
    (grad,) = torch.autograd.grad(energy.sum(), x)
    return energy.detach(), grad


def linear_path(start: torch.Tensor, end: torch.Tensor, images: int) -> torch.Tensor:
    """Initial band: ``images`` points evenly spaced on the segment, end points copied exactly."""
    t = torch.linspace(0.0, 1.0, images, dtype=start.dtype, device=start.device)[:, None]
    band = (1 - t) * start + t * end
    band[0], band[-1] = start, end
    return band


def improved_tangent(images: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
    """Unit tangents (I-2, P) of the interior images: the improved tangent (Henkelman & Jónsson 2000).

    Uphill neighbour difference where the energy is monotone through an image; at extrema an
    energy-weighted mix of both differences, so the tangent turns smoothly (no kinks).
    """
    plus = images[2:] - images[1:-1]
    minus = images[1:-1] - images[:-2]
    e_prev, e_mid, e_next = energy[:-2], energy[1:-1], energy[2:]
    d_next, d_prev = e_next - e_mid, e_prev - e_mid
    dmax = torch.maximum(d_next.abs(), d_prev.abs())[:, None]
    dmin = torch.minimum(d_next.abs(), d_prev.abs())[:, None]
    mixed = torch.where((e_next > e_prev)[:, None], plus * dmax + minus * dmin, plus * dmin + minus * dmax)
    up = ((e_next > e_mid) & (e_mid > e_prev))[:, None]
    down = ((e_next < e_mid) & (e_mid < e_prev))[:, None]
    tau = torch.where(up, plus, torch.where(down, minus, mixed))
    norm = tau.norm(dim=1, keepdim=True)
    # flat energies (dmax = 0): fall back to the central difference
    central = plus + minus
    tau = torch.where(norm > 0, tau, central)
    return tau / tau.norm(dim=1, keepdim=True).clamp_min(torch.finfo(tau.dtype).tiny)


def climbing_image(energy: torch.Tensor) -> int | None:
    """Index of the climbing image (Henkelman, Uberuaga & Jónsson 2000): the highest interior image,
    if it is a local maximum of the band (higher than both neighbours); else None."""
    if energy.numel() < 3:
        return None
    i = int(torch.argmax(energy[1:-1])) + 1
    if energy[i] > energy[i - 1] and energy[i] > energy[i + 1]:
        return i
    return None


def band_forces(energy_fn: EnergyFn, images: torch.Tensor, spring: float,
                weights: torch.Tensor | None = None, climb: bool = False) -> BandForces:
    """NEB forces on the interior images (Jónsson, Mills & Jacobsen 1998, improved tangent).

    Force = perpendicular part of -grad E + spring force k (|R+ - R|/w+ - |R - R-|/w-) along the
    tangent; segment weights ``w`` (default 1) set the relative rest lengths, so a segment that
    refinement split in two keeps its share of the arc. The climbing image feels -grad E with its
    tangential part inverted and no spring.
    """
    energy, grad = energy_and_gradient(energy_fn, images)
    tangent = improved_tangent(images, energy)
    g = grad[1:-1]
    g_par = (g * tangent).sum(1, keepdim=True)
    g_perp = g - g_par * tangent
    seg = (images[1:] - images[:-1]).norm(dim=1)
    w = torch.ones_like(seg) if weights is None else weights
    stretch = seg[1:] / w[1:] - seg[:-1] / w[:-1]
    force = -g_perp + spring * stretch[:, None] * tangent
    residual = g_perp.norm(dim=1)
    top = climbing_image(energy) if climb else None
    if top is not None:
        j = top - 1
        force[j] = -g[j] + 2 * g_par[j] * tangent[j]
        residual[j] = g[j].norm()
    return BandForces(energy, grad, tangent, force, residual, top)


@dataclass
class FireState:
    """Velocities and adaptive parameters of FIRE, one set per image (rows)."""

    velocity: torch.Tensor  # (I-2, P)
    dt: torch.Tensor  # (I-2,) time steps
    alpha: torch.Tensor  # (I-2,) mixing parameters
    calm: torch.Tensor  # (I-2,) steps since the power last went negative

    @classmethod
    def start(cls, x: torch.Tensor, dt: float) -> FireState:
        """Resting images, time step ``dt``, mixing at its initial value."""
        rows = x.shape[0]
        return cls(torch.zeros_like(x), torch.full((rows,), dt, dtype=x.dtype, device=x.device),
                   torch.full((rows,), FIRE_ALPHA_START, dtype=x.dtype, device=x.device),
                   torch.zeros(rows, dtype=torch.int64, device=x.device))


def fire_step(x: torch.Tensor, force: torch.Tensor, state: FireState, dt_max: float,
              max_move: float) -> torch.Tensor:
    """One FIRE step (Bitzek, Koskinen, Gähler, Moseler & Gumbsch 2006), each image on its own.

    Velocities are steered towards the force; the time step grows while the power F.v stays
    positive and the motion stops (v = 0, dt halved) as soon as it turns negative. Every image keeps
    its own time step and mixing, so a stiff image near the global minimum neither slows nor
    shakes the images on the flat part of the path (a global FIRE did, in our tests).
    """
    v = state.velocity
    power = (force * v).sum(1)
    up = power > 0
    fnorm = force.norm(dim=1, keepdim=True)
    a = state.alpha[:, None]
    steered = (1 - a) * v + a * v.norm(dim=1, keepdim=True) * force / fnorm.clamp_min(
        torch.finfo(force.dtype).tiny)
    v = torch.where(up[:, None], steered, torch.zeros_like(v))
    speed_up = up & (state.calm > FIRE_N_MIN)
    state.dt = torch.where(speed_up, torch.clamp(state.dt * FIRE_F_INC, max=dt_max),
                           torch.where(up, state.dt, state.dt * FIRE_F_DEC))
    state.alpha = torch.where(speed_up, state.alpha * FIRE_F_ALPHA,
                              torch.where(up, state.alpha, torch.full_like(state.alpha, FIRE_ALPHA_START)))
    state.calm = torch.where(up, state.calm + 1, torch.zeros_like(state.calm))
    v = v + state.dt[:, None] * force
    state.velocity = v
    return x + _cap(state.dt[:, None] * v, max_move)


def descent_step(x: torch.Tensor, force: torch.Tensor, step: float, max_move: float) -> torch.Tensor:
    """Plain steepest descent along the NEB force: x + step * F, each image's move capped."""
    return x + _cap(step * force, max_move)


def _cap(move: torch.Tensor, max_move: float) -> torch.Tensor:
    """Scale down each image's move whose norm exceeds ``max_move``."""
    norm = move.norm(dim=1, keepdim=True)
    return move * torch.clamp(max_move / norm.clamp_min(torch.finfo(move.dtype).tiny), max=1.0)


def relax_band(energy_fn: EnergyFn, band: torch.Tensor, cfg: NebConfig,
               weights: torch.Tensor | None = None, climb_from: int = 0
               ) -> tuple[torch.Tensor, bool, list[float], int | None]:
    """Relax the interior of ``band`` (end points are never touched) until converged or max_iter.

    Converged: the largest perpendicular force (full force at the climbing image) is below ``tol``
    with climbing already on, if requested. Climbing starts at iteration ``climb_from`` or as soon
    as the plain band has converged. Returns the band with the smallest largest perpendicular force
    seen once climbing was on (on a non-smooth landscape the force can plateau and then grow), the
    converged flag, the force before each step and at the returned band, and its climbing image.
    """
    first, last = band[:1], band[-1:]
    x = band[1:-1].clone()
    state = FireState.start(x, cfg.dt)
    history: list[float] = []
    climbing_on = cfg.climb and climb_from <= 0
    best: tuple[float, torch.Tensor, int | None] | None = None
    while True:
        steps = len(history)
        climbing_on = climbing_on or (cfg.climb and steps >= climb_from)
        forces = band_forces(energy_fn, torch.cat([first, x, last]), cfg.spring, weights,
                             climb=climbing_on)
        worst = float(forces.residual.max())
        if worst < cfg.tol and cfg.climb and not climbing_on:
            climbing_on = True  # the plain band has converged: climb now
            continue
        if (climbing_on or not cfg.climb) and (best is None or worst < best[0]):
            best = (worst, x.clone(), forces.climbing)
        if worst < cfg.tol or steps == cfg.max_iter:
            if best is None:  # never climbed (max_iter below climb_from): the last band
                best = (worst, x, forces.climbing)
            history.append(best[0])
            return torch.cat([first, best[1], last]), best[0] < cfg.tol, history, best[2]
        history.append(worst)
        if cfg.optimizer == "fire":
            x = fire_step(x, forces.force, state, cfg.dt_max, cfg.max_move)
        else:
            x = descent_step(x, forces.force, cfg.dt, cfg.max_move)


def midpoint_energy(energy_fn: EnergyFn, band: torch.Tensor) -> torch.Tensor:
    """Energy (I-1,) at the midpoint of the straight segment between successive images."""
    with torch.no_grad():
        return energy_fn(0.5 * (band[1:] + band[:-1]))


def midpoint_excess(energy: torch.Tensor, midpoint: torch.Tensor) -> torch.Tensor:
    """How far each segment's midpoint energy rises above the higher of its two images (I-1,)."""
    return midpoint - torch.maximum(energy[1:], energy[:-1])


def refine_band(band: torch.Tensor, energy: torch.Tensor, midpoint: torch.Tensor, count: int,
                weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """AutoNEB-style refinement: put a new image at the midpoint of the ``count`` segments whose
    midpoint rises most above the band (only segments with a positive rise).

    A split segment's weight is halved on both halves, so the springs keep the new images there.
    Returns the new band, its segment weights and the split segments (indices into the old band).
    """
    rise = midpoint_excess(energy, midpoint)
    order = torch.argsort(rise, descending=True)
    chosen = sorted(int(i) for i in order[:count] if rise[i] > 0)
    rows, new_w = [band[:1]], []
    for i in range(band.shape[0] - 1):
        if i in chosen:
            rows += [0.5 * (band[i:i + 1] + band[i + 1:i + 2]), band[i + 1:i + 2]]
            new_w += [weights[i] / 2, weights[i] / 2]
        else:
            rows.append(band[i + 1:i + 2])
            new_w.append(weights[i])
    return torch.cat(rows), torch.stack(new_w), chosen


def arc_length(images: np.ndarray) -> np.ndarray:
    """Cumulative Euclidean length along the band, normalized to run from 0 to 1."""
    seg = np.linalg.norm(np.diff(images, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    return arc / arc[-1] if arc[-1] > 0 else arc


def nudged_elastic_band(energy_fn: EnergyFn, start: torch.Tensor, end: torch.Tensor,
                        cfg: NebConfig) -> NebResult:
    """Minimum-energy path from ``start`` to ``end``: linear initial band, relaxation, refinement.

    After the first relaxation, ``refine_rounds`` rounds each insert up to ``refine_images`` images
    in the segments with the highest midpoint energy and relax again (climbing from the start).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    start, end = start.detach().clone(), end.detach().clone()
    band = linear_path(start, end, cfg.images)
    weights = torch.ones(cfg.images - 1, dtype=band.dtype, device=band.device)
    history: list[float] = []
    round_images, round_converged, inserted = [], [], []
    top = None
    for rnd in range(cfg.refine_rounds + 1):
        if rnd > 0:
            energy = energy_and_gradient(energy_fn, band)[0]
            band, weights, chosen = refine_band(band, energy, midpoint_energy(energy_fn, band),
                                                cfg.refine_images, weights)
            inserted += chosen
            if not chosen:
                break
        band, converged, hist, top = relax_band(energy_fn, band, cfg, weights,
                                                climb_from=cfg.climb_after if rnd == 0 else 0)
        history += hist
        round_images.append(band.shape[0])
        round_converged.append(converged)
    energy = energy_and_gradient(energy_fn, band)[0]
    images = band.detach().cpu().numpy()
    return NebResult(
        images=images, energy=energy.cpu().numpy(),
        midpoint_energy=midpoint_energy(energy_fn, band).cpu().numpy(), arc=arc_length(images),
        converged=bool(round_converged[-1]), iterations=len(history) - len(round_images),
        max_perp_force=float(history[-1]), force_history=np.asarray(history),
        climbing_index=-1 if top is None else int(top),
        round_images=np.asarray(round_images, dtype=np.int64),
        round_converged=np.asarray(round_converged, dtype=bool),
        inserted=np.asarray(inserted, dtype=np.int64), seconds=time.perf_counter() - t0,
        cpu_seconds=time.process_time() - c0)


# --- the network's landscape ---------------------------------------------------------------------

def network_energy(x: np.ndarray, y: np.ndarray, n: int, k: int,
                   dtype: torch.dtype = torch.float64) -> EnergyFn:
    """Energy of a batch of (n,k) networks (I, P) -> (I,): training MSE on (x, y)."""
    xt = torch.as_tensor(np.asarray(x), dtype=dtype)
    yt = torch.as_tensor(np.asarray(y), dtype=dtype)

    def energy(params: torch.Tensor) -> torch.Tensor:
        return mse(params, xt, yt, n, k)

    return energy


def network_path(start: np.ndarray, end: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int,
                 cfg: NebConfig) -> NebResult:
    """NEB path between two networks' params (float64), energy = training MSE on (x, y)."""
    to = torch.float64
    return nudged_elastic_band(network_energy(x, y, n, k, to), torch.as_tensor(start, dtype=to),
                               torch.as_tensor(end, dtype=to), cfg)


def choose_minima(minima: Mapping[str, np.ndarray], count: int, seed: int) -> np.ndarray:
    """Fit indices (count,) of the path end points: a seeded draw, without repeats, among live minima
    (neither dead nor diverged); path j goes to fit ``choose_minima(...)[j]``. A seeded permutation,
    so asking for more paths keeps the earlier ones."""
    live = np.flatnonzero(~np.asarray(minima["dead"], bool) & ~np.asarray(minima["diverged"], bool))
    if count > live.size:
        raise ValueError(f"{count} NEB paths requested but only {live.size} live minima; "
                         f"lower neb.paths or fit more networks")
    return np.random.default_rng(seed).permutation(live)[:count]


def neb_path(perfect_fit: Mapping[str, np.ndarray], minima: Mapping[str, np.ndarray], index: int,
             neb: Mapping) -> dict[str, np.ndarray]:
    """Arrays of path file ``index``: the NEB path from the symmetrized perfect fit (global minimum)
    to the ``index``-th chosen symmetrized minimum (:func:`choose_minima` with ``neb`` paths, seed)."""
    fits = choose_minima(minima, int(neb["paths"]), int(neb["seed"]))
    if not 0 <= index < len(fits):
        raise ValueError(f"path {index} requested, config neb.paths is {len(fits)}")
    fit = int(fits[index])
    n, k = int(perfect_fit["n"]), int(perfect_fit["k"])
    res = network_path(perfect_fit["params_sym"], minima["params_sym"][fit], perfect_fit["x_train"],
                       perfect_fit["y_train"], n, k, NebConfig.from_config(neb))
    return {**res.arrays(), "fit_index": np.int64(fit), "fit_loss": np.float64(minima["loss"][fit])}


def load_path(path) -> dict[str, np.ndarray]:
    """Read and validate one path file."""
    return load_npz(path, PATH_ARRAYS, finite=("images", "energy", "arc"), rule="neb_path")


# --- statistics of paths -------------------------------------------------------------------------

def difference_angles(images: np.ndarray) -> np.ndarray:
    """Angle in degrees (I-2,) between R_{i+1} - R_i and R_i - R_{i-1} at each interior image."""
    d = np.diff(np.asarray(images, dtype=np.float64), axis=0)
    u = d / np.linalg.norm(d, axis=1, keepdims=True)
    a, b = u[1:], u[:-1]
    # 2 atan2(|a - b|, |a + b|): accurate at small and large angles, unlike arccos of the cosine
    return np.degrees(2 * np.arctan2(np.linalg.norm(a - b, axis=1), np.linalg.norm(a + b, axis=1)))


def barrier(energy: np.ndarray) -> float:
    """Highest energy along the path minus the higher of the two end points' energies (>= 0)."""
    return float(max(energy.max() - max(energy[0], energy[-1]), 0.0))


def drop_arc(energy: np.ndarray, arc: np.ndarray, fraction: float) -> float:
    """The largest arc position at which the energy is below ``fraction`` of the far end's (arc 1)
    energy: beyond it, up to the far end, the energy never falls below that level (0 if nowhere)."""
    below = np.flatnonzero(energy < fraction * energy[-1])
    return float(arc[below.max()]) if below.size else 0.0


def path_statistics(path: Mapping[str, np.ndarray], drop_fraction: float,
                    plateau_fraction: float) -> dict[str, float]:
    """Numbers about one path file: barrier, where the energy drops and where the plateau begins,
    bumps, midpoint energies against the images', turning angles on the descent and the plateau."""
    e, mid, arc = path["energy"], path["midpoint_energy"], path["arc"]
    ends = np.maximum(e[1:], e[:-1])
    interior = e[1:-1]
    plateau = drop_arc(e, arc, plateau_fraction)
    angles = difference_angles(path["images"])
    descent = arc[1:-1] <= plateau
    return {
        "barrier": barrier(e),
        "barrier_rel": barrier(e) / max(e[0], e[-1]),
        "drop_arc": drop_arc(e, arc, drop_fraction),
        "plateau_arc": plateau,
        "bumps": int(((interior > e[:-2]) & (interior > e[2:])).sum()),
        "midpoint_ratio": float(np.median(mid / ends)),
        "midpoint_ratio_max": float(np.max(mid / ends)),
        "end_energy": float(e[-1]),
        "start_energy": float(e[0]),
        "angle_median": float(np.median(angles)),
        "angle_descent_median": float(np.median(angles[descent])) if descent.any() else float("nan"),
        "angle_plateau_median": float(np.median(angles[~descent])) if (~descent).any() else float("nan"),
    }


def neb_numbers(paths: Sequence[Mapping[str, np.ndarray]], drop_fraction: float,
                plateau_fraction: float, prefix: str = "neb") -> dict[str, object]:
    """Every number the paper quotes about a set of NEB path files, keyed ``{prefix}_...``."""
    stats = [path_statistics(p, drop_fraction, plateau_fraction) for p in paths]
    col = {key: np.array([s[key] for s in stats], dtype=np.float64) for key in stats[0]}
    converged = np.array([bool(p["converged"]) for p in paths])
    seconds = np.array([float(p["seconds"]) for p in paths if "seconds" in p])
    cpu = np.array([float(p["cpu_seconds"]) for p in paths if "cpu_seconds" in p])
    out: dict[str, object] = {
        "paths": len(paths),
        "images_final": int(np.median([p["images"].shape[0] for p in paths])),
        "converged": int(converged.sum()),
        "converged_fraction": float(converged.mean()),
        "iterations_median": _whole(np.median([int(p["iterations"]) for p in paths])),
        "max_perp_force_median": float(np.median([float(p["max_perp_force"]) for p in paths])),
        "initial_force_median": float(np.median([float(p["force_history"][0]) for p in paths]))
        if all("force_history" in p for p in paths) else float("nan"),
        "barrier_median": float(np.median(col["barrier"])),
        "barrier_max": float(col["barrier"].max()),
        "barrier_min": float(col["barrier"].min()),
        "barrier_rel_median": float(np.median(col["barrier_rel"])),
        "drop_arc_median": float(np.median(col["drop_arc"])),
        "drop_arc_max": float(col["drop_arc"].max()),
        "plateau_arc_median": float(np.median(col["plateau_arc"])),
        "plateau_arc_max": float(col["plateau_arc"].max()),
        "angle_median": float(np.median(col["angle_median"])),
        "angle_descent_median": float(np.nanmedian(col["angle_descent_median"]))
        if np.isfinite(col["angle_descent_median"]).any() else float("nan"),
        "angle_plateau_median": float(np.nanmedian(col["angle_plateau_median"]))
        if np.isfinite(col["angle_plateau_median"]).any() else float("nan"),
        "bumps_median": _whole(np.median(col["bumps"])),
        "midpoint_ratio_median": float(np.median(col["midpoint_ratio"])),
        "midpoint_ratio_max": float(col["midpoint_ratio_max"].max()),
        "end_energy_median": float(np.median(col["end_energy"])),
        "start_energy_max": float(col["start_energy"].max()),
        "seconds_mean": float(seconds.mean()) if seconds.size else float("nan"),
        "cpu_seconds_mean": float(cpu.mean()) if cpu.size else float("nan"),
    }
    return {f"{prefix}_{key}": value for key, value in out.items()}


def _whole(value: float) -> int | float:
    """A median of counts: an int when it is whole (so the paper prints no decimals)."""
    return int(value) if float(value).is_integer() else float(value)

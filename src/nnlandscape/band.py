"""The nudged elastic band (NEB) over flat coordinate vectors: generic, it knows nothing of networks.

A band of images joins two fixed end points. Each interior image feels the energy gradient with its
component along the path tangent removed, plus a spring force along the tangent that keeps the
images spread out; relaxing the band gives a minimum-energy path. The energy is any callable mapping
a batch of images (I, P) to energies (I,): all energies and gradients come from one batched
autograd pass. Like ASE's ``mep/neb.py``, this module holds the method only (tangent, springs,
climbing image, band optimizers, refinement, convergence test); what a path means for a network is
in :mod:`nnlandscape.neb`, numbers about paths in :mod:`nnlandscape.path_stats`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from .nonsmooth import min_norm_element, sampled_gradients

EnergyFn = Callable[[torch.Tensor], torch.Tensor]
#: Optimizers of the band (not the training optimizers of the fits).
BAND_OPTIMIZERS = ("fire", "lbfgs", "descent")

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
    optimizer: str = "fire"  # fire | lbfgs | descent
    max_iter: int = 2000  # iteration cap per relaxation round
    tol: float = 1e-3  # converged when the largest perpendicular force is below this
    climb: bool = True  # turn the highest image into a climbing image after the warm-up
    climb_after: int = 200  # warm-up iterations before climbing (first round only)
    refine_rounds: int = 1  # AutoNEB-style rounds: insert images, relax again
    refine_images: int = 4  # images inserted per round (at most one per segment)
    dt: float = 0.01  # FIRE's initial time step; the step size of plain descent and of L-BFGS restarts
    dt_max: float = 0.1  # FIRE's largest time step
    max_move: float = 0.1  # cap on one image's displacement per iteration (Euclidean norm)
    memory: int = 20  # L-BFGS: correction pairs kept
    window: int = 0  # epsilon-stationarity: recent iterates per image whose forces are combined (0: off)
    radius: float = 0.0  # epsilon: those iterates must lie within this distance of the current image
    segment_samples: int = 63  # interior points per segment at which the band's top is sought

    def __post_init__(self) -> None:
        if self.optimizer not in BAND_OPTIMIZERS:
            raise ValueError(f"unknown NEB band optimizer {self.optimizer!r}; "
                             f"allowed: {', '.join(BAND_OPTIMIZERS)}")
        if self.images < 3:
            raise ValueError(f"a band needs at least 3 images (one movable), got {self.images}")
        if self.window < 0 or (self.window > 0 and self.radius <= 0):
            raise ValueError(f"neb.window must be >= 0 and neb.radius > 0 with it, got window "
                             f"{self.window}, radius {self.radius}")
        if self.memory < 1:
            raise ValueError(f"neb.memory must be at least 1, got {self.memory}")
        if self.segment_samples < 1:
            raise ValueError(f"neb.segment_samples must be at least 1, got {self.segment_samples}")

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
    residual_vec: torch.Tensor  # (I-2, P) the perpendicular gradient (climbing image: minus its force)
    climbing: int | None  # index (into all images) of the climbing image, if any


@dataclass
class NebResult:
    """A relaxed band: its images, energies and how the relaxation went."""

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
    residual_vec = g_perp.clone()
    top = climbing_image(energy) if climb else None
    if top is not None:
        j = top - 1
        force[j] = -g[j] + 2 * g_par[j] * tangent[j]
        residual_vec[j] = -force[j]
    return BandForces(energy, grad, tangent, force, residual_vec.norm(dim=1), residual_vec, top)


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


@dataclass
class LbfgsState:
    """Correction pairs of a global L-BFGS on the band (all interior images as one vector)."""

    memory: int
    s: list[torch.Tensor] = field(default_factory=list)
    y: list[torch.Tensor] = field(default_factory=list)
    last_x: torch.Tensor | None = None
    last_force: torch.Tensor | None = None
    radius: float = float("inf")  # largest move of an image allowed now (trust radius)

    def reset(self) -> None:
        """Forget the curvature pairs (the force field changed: a new climbing image)."""
        self.s.clear()
        self.y.clear()
        self.last_x = self.last_force = None


def lbfgs_step(x: torch.Tensor, force: torch.Tensor, state: LbfgsState, step: float,
               max_move: float) -> torch.Tensor:
    """One L-BFGS step on the band with -F as the gradient (Sheppard, Terrell & Henkelman 2008).

    Two-loop recursion with H0 = (s.y / y.y) I (Nocedal & Wright 2006, Alg. 7.4 and eq. 7.20); a
    pair is kept only when s.y > 0; when the direction is not along the force the memory is dropped
    and the step is ``step`` * F. The NEB force is not a gradient, so there is no line search:
    the whole move is scaled so that no image moves more than a trust radius (at most
    ``max_move``), halved and the memory dropped whenever the force grew since the last step,
    grown by half again after a step that shrank it.
    """
    g = -force.reshape(-1)
    state.radius = min(state.radius, max_move)
    if state.last_force is not None:
        if float(force.norm()) > float(state.last_force.norm()):
            state.radius *= 0.5
            state.s.clear()
            state.y.clear()
            state.last_x = None
        else:
            state.radius = min(1.5 * state.radius, max_move)
    if state.last_x is not None:
        s_k = (x - state.last_x).reshape(-1)
        y_k = g + state.last_force.reshape(-1)
        if float(s_k @ y_k) > 1e-12 * float(s_k @ s_k):
            state.s.append(s_k)
            state.y.append(y_k)
            if len(state.s) > state.memory:
                state.s.pop(0)
                state.y.pop(0)
    q = g.clone()
    alphas = []
    for s_i, y_i in zip(reversed(state.s), reversed(state.y), strict=True):
        rho = 1.0 / (y_i @ s_i)
        a = rho * (s_i @ q)
        q -= a * y_i
        alphas.append((rho, a))
    if state.s:
        q *= (state.s[-1] @ state.y[-1]) / (state.y[-1] @ state.y[-1])
        for (s_i, y_i), (rho, a) in zip(zip(state.s, state.y, strict=True), reversed(alphas),
                                        strict=True):
            b = rho * (y_i @ q)
            q += (a - b) * s_i
        direction = -q
    else:
        direction = -step * g
    if float(direction @ -g) <= 0:  # not downhill along the force: restart
        state.reset()
        direction = -step * g
    move = direction.reshape(x.shape)
    biggest = float(move.norm(dim=1).max())
    if biggest > state.radius:
        move = move * (state.radius / biggest)
    state.last_x, state.last_force = x.clone(), force.clone()
    return x + move


def eps_residual(points: list[np.ndarray], residuals: list[np.ndarray], radius: float) -> np.ndarray:
    """Per image (I-2,): the shortest convex combination of its residual vectors at the recent
    iterates that lie within ``radius`` of its current position (the last entry): gradient
    sampling's stationarity measure (Burke, Lewis & Overton 2005) with the iterates as samples."""
    x = np.stack(points)  # (K, I-2, P)
    r = np.stack(residuals)
    out = np.empty(x.shape[1])
    for i in range(x.shape[1]):
        near = np.linalg.norm(x[:, i] - x[-1, i], axis=1) <= radius
        out[i] = np.linalg.norm(min_norm_element(r[near, i])[0])
    return out


def sampled_band_stationarity(energy_fn: EnergyFn, band: torch.Tensor, eps: float,
                              rng: np.random.Generator, climbing: int | None = None,
                              samples: int | None = None) -> np.ndarray:
    """Per interior image (I-2,): gradient sampling's stationarity measure (Burke, Lewis & Overton
    2005, the norm of the min-norm element of the hull of sampled gradients) of the energy's
    perpendicular gradient: sampled at the image and at ``samples`` (default P + 1) uniform points of
    the ``eps``-ball around it, each projected off the image's tangent (:func:`improved_tangent` of
    the band as it is), unprojected at the ``climbing`` image (a saddle is stationary in every
    direction). It is small when some mixture of the gradients within eps of the image is flat
    across the path, as on a kink that is a minimum across it, where the plain force flips sign
    instead of vanishing; on a slope it stays the slope.
    """
    band = band.detach()
    interior = band.shape[0] - 2
    count = band.shape[1] + 1 if samples is None else samples
    energy = energy_and_gradient(energy_fn, band)[0]
    tangent = improved_tangent(band, energy).cpu().numpy()
    if climbing is not None:
        tangent[climbing - 1] = 0.0

    def grad_fn(points: np.ndarray) -> np.ndarray:
        at = torch.as_tensor(points, dtype=band.dtype, device=band.device)
        return energy_and_gradient(energy_fn, at)[1].cpu().numpy()

    rho = np.empty(interior)
    for i in range(interior):  # one image's samples per pass: memory stays that of P + 2 networks
        g = sampled_gradients(grad_fn, band[i + 1].cpu().numpy(), eps, count, rng)[0]
        perp = g - (g @ tangent[i])[:, None] * tangent[i]
        rho[i] = np.linalg.norm(min_norm_element(perp)[0])
    return rho


def relax_band(energy_fn: EnergyFn, band: torch.Tensor, cfg: NebConfig,
               weights: torch.Tensor | None = None, climb_from: int = 0
               ) -> tuple[torch.Tensor, bool, list[float], int | None]:
    """Relax the interior of ``band`` (end points are never touched) until converged or max_iter.

    Converged: the largest perpendicular force (full force at the climbing image) is below ``tol``
    with climbing already on, if requested; with ``window`` > 0 also when, for every image, some
    convex combination of its residuals at the last ``window`` iterates within ``radius`` of it is
    below ``tol`` (epsilon-stationarity: on a piecewise-smooth energy the force at a kink that is a
    minimum across the path flips sign instead of vanishing). Climbing starts at iteration
    ``climb_from`` or as soon as the plain band has converged. Returns the band with the smallest
    largest perpendicular force seen once climbing was on (on a non-smooth landscape the force can
    plateau and then grow), the converged flag, the force before each step and at the returned
    band, and its climbing image.
    """
    first, last = band[:1], band[-1:]
    x = band[1:-1].clone()
    fire = FireState.start(x, cfg.dt)
    lbfgs = LbfgsState(cfg.memory)
    history: list[float] = []
    climbing_on = cfg.climb and climb_from <= 0
    best: tuple[float, torch.Tensor, int | None] | None = None
    top_before: int | None = None
    points: list[np.ndarray] = []
    residuals: list[np.ndarray] = []
    while True:
        steps = len(history)
        climbing_on = climbing_on or (cfg.climb and steps >= climb_from)
        forces = band_forces(energy_fn, torch.cat([first, x, last]), cfg.spring, weights,
                             climb=climbing_on)
        worst = float(forces.residual.max())
        if cfg.window > 0:
            if forces.climbing != top_before:
                points.clear()
                residuals.clear()
            points = [*points[-(cfg.window - 1):], x.detach().cpu().numpy()]
            residuals = [*residuals[-(cfg.window - 1):], forces.residual_vec.detach().cpu().numpy()]
            if worst >= cfg.tol and len(points) == cfg.window:
                worst = float(eps_residual(points, residuals, cfg.radius).max())
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
        if forces.climbing != top_before:
            lbfgs.reset()
            top_before = forces.climbing
        if cfg.optimizer == "lbfgs":
            x = lbfgs_step(x, forces.force, lbfgs, cfg.dt, cfg.max_move)
        elif cfg.optimizer == "fire":
            x = fire_step(x, forces.force, fire, cfg.dt_max, cfg.max_move)
        else:
            x = descent_step(x, forces.force, cfg.dt, cfg.max_move)


def midpoint_energy(energy_fn: EnergyFn, band: torch.Tensor) -> torch.Tensor:
    """Energy (I-1,) at the midpoint of the straight segment between successive images."""
    with torch.no_grad():
        return energy_fn(0.5 * (band[1:] + band[:-1]))


def segment_points(band: torch.Tensor, samples: int) -> torch.Tensor:
    """Points (I-1, samples, P) evenly inside each straight segment between successive images, at
    fractions 1/(samples+1), ..., samples/(samples+1): where the band's polyline is searched for
    energies above its images (an odd count includes the midpoint)."""
    t = torch.arange(1, samples + 1).to(band) / (samples + 1)  # the band's dtype and device
    start, step = band[:-1, None, :], (band[1:] - band[:-1])[:, None, :]
    return start + t[None, :, None] * step


def segment_energy(energy_fn: EnergyFn, band: torch.Tensor, samples: int) -> torch.Tensor:
    """Energy (I-1, samples) at the :func:`segment_points` of the band."""
    with torch.no_grad():
        inside = segment_points(band, samples)
        return energy_fn(inside.reshape(-1, band.shape[1])).reshape(inside.shape[:2])


def segment_excess(energy: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
    """How far the highest energy sampled inside each segment (``inside``: (I-1, S)) rises above
    the higher of its two images (I-1,)."""
    return inside.amax(1) - torch.maximum(energy[1:], energy[:-1])


def refine_band(band: torch.Tensor, energy: torch.Tensor, inside: torch.Tensor, count: int,
                weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """AutoNEB-style refinement (Kolsbjerg, Groves & Hammer 2016): put a new image at the highest
    sampled point of the ``count`` segments whose sampled top (``inside``: (I-1, S) energies at the
    :func:`segment_points`) rises most above both of their images (only positive rises).

    A segment split at fraction t gives its weight w as t w and (1 - t) w to its two parts, so the
    springs keep the new image where it was put. Returns the new band, its segment weights and the
    split segments (indices into the old band).
    """
    rise = segment_excess(energy, inside)
    order = torch.argsort(rise, descending=True)
    chosen = sorted(int(i) for i in order[:count] if rise[i] > 0)
    samples = inside.shape[1]
    rows, new_w = [band[:1]], []
    for i in range(band.shape[0] - 1):
        if i in chosen:
            t = (int(torch.argmax(inside[i])) + 1) / (samples + 1)
            rows += [band[i:i + 1] + t * (band[i + 1:i + 2] - band[i:i + 1]), band[i + 1:i + 2]]
            new_w += [weights[i] * t, weights[i] * (1 - t)]
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
    at the highest of ``segment_samples`` points inside the segments whose top rises most above
    their images, and relax again (climbing from the start).
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
            inside = segment_energy(energy_fn, band, cfg.segment_samples)
            band, weights, chosen = refine_band(band, energy, inside, cfg.refine_images, weights)
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



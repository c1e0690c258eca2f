"""Is a point a first-order saddle? Generic tests on any energy, smooth or with kinks.

Smooth: exactly one clearly negative eigenvalue of the Hessian on the complement of given flat
directions (symmetries of the energy, whose eigenvalues carry no information about the landscape;
Wales 2003, §2.2, the index of a stationary point). At a kink the Hessian says nothing: the energy
must fall on both sides along the path and rise on both sides along every probed direction across
it (a saddle of the directional derivatives).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .nonsmooth import orthonormal_complement, projected_spectrum

PointEnergy = Callable[[np.ndarray], np.ndarray]  # (m, P) points -> (m,) energies


@dataclass(frozen=True)
class HessianIndex:
    """Eigenvalues of a projected Hessian and the saddle verdict drawn from them."""

    eigenvalues: np.ndarray  # (P - r,) ascending, on the complement of the flat directions
    negative: int  # eigenvalues below -rel_tol * |largest|
    lowest: float  # the smallest eigenvalue
    tangent_overlap: float  # |<lowest eigenvector, tangent>| (nan without a tangent)

    @property
    def saddle(self) -> bool:
        """A first-order saddle: exactly one clearly negative eigenvalue."""
        return self.negative == 1


def hessian_index(hess: np.ndarray, flat: np.ndarray | None = None, rel_tol: float = 1e-3,
                  tangent: np.ndarray | None = None) -> HessianIndex:
    """Count the clearly negative eigenvalues of ``hess`` (P, P) on the complement of the rows of
    ``flat`` (m, P).

    An eigenvalue is negative when below ``-rel_tol`` times the largest magnitude (round-off and
    smoothing make tiny negative ones). ``tangent`` (P,), the path's direction: reports how far the
    lowest eigenvector lies along it (near 1 for the saddle a path crosses).
    """
    h = np.asarray(hess, np.float64)
    vals, vecs = projected_spectrum(h, np.zeros((0, h.shape[0])) if flat is None else flat)
    scale = float(np.abs(vals).max()) if vals.size else 0.0
    negative = int((vals < -rel_tol * scale).sum()) if scale > 0 else 0
    overlap = float("nan")
    if tangent is not None and vals.size:
        t = np.asarray(tangent, np.float64)
        overlap = float(abs(vecs[:, 0] @ t) / max(np.linalg.norm(t), np.finfo(float).tiny))
    return HessianIndex(vals, negative, float(vals[0]) if vals.size else float("nan"), overlap)


@dataclass(frozen=True)
class KinkProbe:
    """Energy changes at a point along the path (both ways) and across it (probed directions)."""

    along: np.ndarray  # (2,) E(x + h t) - E(x), E(x - h t) - E(x)
    across: np.ndarray  # (2 d,) E(x +- h u_i) - E(x) for the probed directions
    h: float

    @property
    def saddle(self) -> bool:
        """Descent both ways along the path and no descent in any probed direction across it."""
        return bool((self.along < 0).all() and (self.across >= 0).all())


def probe_kink(energy: PointEnergy, x: np.ndarray, tangent: np.ndarray, h: float, directions: int,
               seed: int, flat: np.ndarray | None = None) -> KinkProbe:
    """Probe the energy at ``x`` a distance ``h`` along ``+-tangent`` and along ``+-u`` for
    ``directions`` random unit directions u orthogonal to the tangent and to the rows of ``flat``
    (m, P).

    Finite steps see a kink that a gradient at the point cannot; ``h`` sets the scale looked at.
    """
    x = np.asarray(x, np.float64)
    t = np.asarray(tangent, np.float64)
    t = t / np.linalg.norm(t)
    rows = [t[None]] + ([np.asarray(flat, np.float64)] if flat is not None and flat.size else [])
    basis = orthonormal_complement(np.concatenate(rows), x.size)
    rng = np.random.default_rng(seed)
    u = basis @ rng.standard_normal((basis.shape[1], directions))
    u /= np.linalg.norm(u, axis=0, keepdims=True)
    steps = np.concatenate([[t, -t], u.T, -u.T]) * h
    e = np.asarray(energy(np.concatenate([x[None], x[None] + steps])), np.float64)
    return KinkProbe(along=e[1:3] - e[0], across=e[3:] - e[0], h=float(h))

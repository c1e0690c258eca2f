"""The hand-made perfect fit (sawtooth block + spline block) and its training data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import flatten, forward_np, knots, layer_shapes


@dataclass(frozen=True)
class Example:
    """One target: an (n,k) network split into a sawtooth block of n1 and a spline block of n2."""

    n: int = 5
    k: int = 5
    n1: int = 2
    n2: int = 3
    amplitude: float = 0.7
    spline_std: float = 1.0
    spline_seed: int = 1
    points_per_segment: int = 10

    def __post_init__(self) -> None:
        if self.n1 + self.n2 != self.n:
            raise ValueError(f"n1 + n2 must equal n: {self.n1} + {self.n2} != {self.n}")
        if self.n1 < 1 or self.n2 < 0:
            raise ValueError(f"need n1 >= 1 and n2 >= 0, got n1={self.n1}, n2={self.n2}")
        if self.points_per_segment < 1:
            raise ValueError(f"points_per_segment must be >= 1, got {self.points_per_segment}")

    @classmethod
    def from_config(cls, cfg: dict) -> Example:
        """Build from a config mapping (extra keys ignored)."""
        fields = cls.__dataclass_fields__
        return cls(**{key: cfg[key] for key in fields if key in cfg})


def fold_vector(n1: int) -> np.ndarray:
    """The alternating fold vector a = (1, -2, 2, -2, ...) of length n1."""
    a = np.full(n1, 2.0)
    a[1::2] = -2.0
    a[0] = 1.0
    return a


def spline_heights(n2: int, std: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Knots t_0..t_{n2} and heights h_0..h_{n2} of the spline block (h_0 = h_{n2} = 0)."""
    t = -1.0 + 2.0 * np.arange(n2 + 1) / max(n2, 1)
    t[-1] = 1.0
    z = np.random.default_rng(seed).normal(0.0, std, size=n2)
    h = np.zeros(n2 + 1)
    h[:n2] = z - z[0] if n2 else z
    return t, h


def perfect_fit(ex: Example) -> np.ndarray:
    """Hand-made params (float64) whose output is exactly the target: a global minimum."""
    n, k, n1, n2 = ex.n, ex.k, ex.n1, ex.n2
    layers = [(np.zeros(s), np.zeros(s[0])) for s in layer_shapes(n, k)]
    saw, spl = slice(0, n1), slice(n1, n)
    a = fold_vector(n1)
    # sawtooth layer 1: relu(x + 1 - 2j/n1), a triangle wave of peak p = 2/n1 after folding
    w, b = layers[0]
    w[saw, 0] = 1.0
    b[saw] = 1.0 - 2.0 * np.arange(n1) / n1
    p = 2.0 / n1
    for li in range(1, k):
        w, b = layers[li]
        w[saw, saw] = a[None, :]
        b[saw] = -np.arange(n1) * p / n1
        p /= n1
        w[spl, spl] = np.eye(n2)  # identity carriers of the spline block
    w_out, b_out = layers[-1]
    w_out[0, saw] = a * (2.0 * ex.amplitude / p)
    b_out[0] = -ex.amplitude
    # spline block: relu(x - t_i) in layer 1, output weights = slope changes
    if n2:
        t, h = spline_heights(n2, ex.spline_std, ex.spline_seed)
        slopes = np.diff(h) / np.diff(t)
        w, b = layers[0]
        w[spl, 0] = 1.0
        b[spl] = -t[:n2]
        w_out[0, spl] = slopes - np.concatenate([[0.0], slopes[:-1]])
    return flatten(layers)


def training_data(params: np.ndarray, n: int, k: int, points_per_segment: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knots of the target plus m points per segment: returns ``(x, y, knots_x)`` in float64.

    Each segment [u, v] between consecutive knots (ends -1 and 1 included) contributes
    u + (v - u) i / m for i = 0..m-1; the right end 1 is added once.
    """
    inner = knots(params, n, k)
    edges = np.concatenate([[-1.0], inner, [1.0]])
    m = points_per_segment
    frac = np.arange(m) / m
    x = (edges[:-1, None] + (edges[1:] - edges[:-1])[:, None] * frac[None, :]).ravel()
    x = np.concatenate([x, [1.0]])
    return x, forward_np(params, x, n, k), inner


def plot_grid(knots_x: np.ndarray, size: int = 4001) -> np.ndarray:
    """A fine plotting grid on [-1, 1] that contains every knot (so peaks are drawn exactly)."""
    return np.unique(np.concatenate([np.linspace(-1.0, 1.0, size), knots_x]))


def perfect_fit_arrays(ex: Example, sym_tol: float = 1e-10, sym_sweeps: int = 10000
                       ) -> dict[str, np.ndarray]:
    """Everything ``perfect_fit.npz`` holds: params, symmetrized params, knots, data, plot grid."""
    from .symmetry import symmetrize

    params = perfect_fit(ex)
    x, y, inner = training_data(params, ex.n, ex.k, ex.points_per_segment)
    knots_x = np.concatenate([[-1.0], inner, [1.0]])
    return {
        "params": params,
        "params_sym": symmetrize(params, ex.n, ex.k, tol=sym_tol, max_sweeps=sym_sweeps).params,
        "n": np.int64(ex.n), "k": np.int64(ex.k), "n1": np.int64(ex.n1), "n2": np.int64(ex.n2),
        "amplitude": np.float64(ex.amplitude),
        "knots_x": knots_x, "knots_y": forward_np(params, knots_x, ex.n, ex.k),
        "x_train": x, "y_train": y, "x_grid": plot_grid(inner),
    }


def spline_part(ex: Example, x: np.ndarray) -> np.ndarray:
    """The spline block's contribution to the target at ``x`` (the target minus its sawtooth)."""
    if ex.n2 == 0:
        return np.zeros_like(np.asarray(x, dtype=np.float64))
    t, h = spline_heights(ex.n2, ex.spline_std, ex.spline_seed)
    return np.interp(x, t, h)

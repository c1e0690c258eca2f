"""What an (n,k) network can express, and what training finds as the network grows (paper 4.9-4.10).

* The full sawtooth: the fold construction with all n nodes of every layer in the sawtooth block has
  n^k - 1 knots, far more than any fit of the examples reaches.
* Embedding: an (n,k) network sits inside any (n', k') network with n' >= n, k' >= k (extra nodes
  with zero weights; extra layers that carry the first n nodes by identity, exact because ReLU
  outputs are non-negative), so a larger network can represent every target of a smaller one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .construction import Example, perfect_fit, plot_grid
from .network import flatten, forward_np, knots, unflatten
from .trainspec import OPTIMIZERS


def embed(params: np.ndarray, n: int, k: int, n_big: int, k_big: int) -> np.ndarray:
    """Params (P,) of an (n,k) network as params of an (n_big, k_big) network with the same output.

    Extra nodes get zero weights and biases; the extra hidden layers (k_big > k) sit after layer k
    and copy its first n nodes by identity.
    """
    if n_big < n or k_big < k:
        raise ValueError(f"cannot embed an ({n},{k}) network in a smaller ({n_big},{k_big}) one")
    small = unflatten(np.asarray(params, dtype=np.float64), n, k)
    layers = []
    w, b = small[0]
    w1, b1 = np.zeros((n_big, 1)), np.zeros(n_big)
    w1[:n], b1[:n] = w, b
    layers.append((w1, b1))
    for w, b in small[1:-1]:
        wl, bl = np.zeros((n_big, n_big)), np.zeros(n_big)
        wl[:n, :n], bl[:n] = w, b
        layers.append((wl, bl))
    for _ in range(k_big - k):
        wl = np.zeros((n_big, n_big))
        wl[:n, :n] = np.eye(n)
        layers.append((wl, np.zeros(n_big)))
    w, b = small[-1]
    w_out = np.zeros((1, n_big))
    w_out[:, :n] = w
    layers.append((w_out, np.array(b, dtype=np.float64)))
    return flatten(layers)


def full_sawtooth_arrays(ex: Example, grid_size: int = 20001) -> dict[str, np.ndarray]:
    """The pure sawtooth (n1 = n, n2 = 0) of an (n,k) network: params, exact knots and a plot grid.

    Drawn, never fitted: it shows the full complexity the fold construction reaches at this size.
    """
    if ex.n2 != 0:
        raise ValueError(f"the full sawtooth has no spline block; got n2={ex.n2}")
    params = perfect_fit(ex)
    inner = knots(params, ex.n, ex.k)
    x_grid = plot_grid(inner, grid_size)
    return {"params": params, "n": np.int64(ex.n), "k": np.int64(ex.k), "n1": np.int64(ex.n1),
            "n2": np.int64(0), "amplitude": np.float64(ex.amplitude), "knots_x": inner,
            "x_grid": x_grid, "y_grid": forward_np(params, x_grid, ex.n, ex.k)}


def sawtooth_numbers(arrays: Mapping[str, np.ndarray]) -> dict[str, object]:
    """Numbers about the full sawtooth, keyed ``sawtooth_...`` (its knot count equals n^k - 1)."""
    n, k = int(arrays["n"]), int(arrays["k"])
    count = int(len(arrays["knots_x"]))
    return {"sawtooth_n": n, "sawtooth_k": k, "sawtooth_knots": count,
            "sawtooth_pieces": count + 1, "sawtooth_knots_formula": n**k - 1}


def size_label(n: int, k: int) -> str:
    """Key fragment of one network size: ``10x5``."""
    return f"{n}x{k}"


def larger_numbers(losses: Mapping[tuple[int, int], Mapping[str, np.ndarray]],
                   base: tuple[int, int], global_threshold: float) -> dict[str, object]:
    """Loss statistics per network size and optimizer, keyed ``larger_...``.

    ``losses[(n, k)][optimizer]`` are final float64 losses; ``base`` is the size of the examples'
    network, (5,5). Besides per-size medians and bests, summary keys the text can quote whatever
    sizes the config lists: the first larger size, the size with the lowest median Adadelta loss and
    how many larger sizes beat the base network's median.
    """
    out: dict[str, object] = {}
    median: dict[tuple[int, int], dict[str, float]] = {}
    for (n, k), per_opt in losses.items():
        label = size_label(n, k)
        median[(n, k)] = {}
        for opt, loss in per_opt.items():
            loss = np.asarray(loss, dtype=np.float64)
            finite = loss[np.isfinite(loss)]
            med = float(np.median(finite)) if len(finite) else float("nan")
            median[(n, k)][opt] = med
            out |= {f"{label}_{opt}_count": int(len(loss)), f"{label}_{opt}_loss_median": med,
                    f"{label}_{opt}_loss_best": float(finite.min()) if len(finite) else float("nan"),
                    f"{label}_{opt}_global_fraction": float((loss < global_threshold).mean())}
    bigger = [size for size in losses if size != base]
    if not bigger:
        raise ValueError("no larger network size besides the base size")
    first = bigger[0]
    out |= {"first_size": f"({first[0]},{first[1]})", "sizes": len(bigger),
            "size_list": ", ".join(f"({n},{k})" for n, k in bigger),
            "base_size": f"({base[0]},{base[1]})"}
    if "adadelta" in losses[first] and len(losses[first]["adadelta"]):
        out["first_adadelta_fit_loss"] = float(losses[first]["adadelta"][0])
    for opt in OPTIMIZERS:
        if base not in median or opt not in median[base]:
            continue
        ranked = sorted(bigger, key=lambda s: median[s].get(opt, np.inf))
        best = ranked[0]
        out |= {
            f"first_{opt}_loss_median": median[first].get(opt, float("nan")),
            f"base_{opt}_loss_median": median[base][opt],
            f"best_{opt}_size": f"({best[0]},{best[1]})",
            f"best_{opt}_loss_median": median[best][opt],
            f"best_{opt}_improvement": median[base][opt] / median[best][opt]
            if median[best][opt] > 0 else float("inf"),
            f"{opt}_sizes_better": int(sum(median[s].get(opt, np.inf) < median[base][opt]
                                           for s in bigger)),
        }
    return {f"larger_{key}": value for key, value in out.items()}


def embedded_descent(params: np.ndarray, x: np.ndarray, y: np.ndarray, n: int, k: int, n_big: int,
                     k_big: int, rng: np.random.Generator, draws: int = 16,
                     step: float = 1e-2) -> float:
    """Does an (n,k) point, embedded in an (n_big, k_big) network, have a descent direction there?

    An extra node of the last hidden layer with zero outgoing weight may take any incoming weights
    without changing the loss (a flat direction); moving its outgoing weight then changes the loss
    to first order by the correlation of the residual with the node's output. So with incoming
    weights ``step * w`` (w a random unit vector, ``draws`` of them) and outgoing ``+-step``, a loss
    below the start's shows a descent direction: the embedded point is a saddle, not a minimum.
    Returns the largest relative loss decrease found (<= 0 when none); needs n_big > n.
    """
    if n_big <= n:
        raise ValueError(f"no extra node to move: the ({n_big},{k_big}) network is not wider than "
                         f"({n},{k})")
    from .network import mse_np

    big = embed(params, n, k, n_big, k_big)
    layers = unflatten(big, n_big, k_big)
    w_last, b_last = layers[-2]  # last hidden layer: (n_big, n_big or 1), (n_big,)
    start = float(mse_np(big, x, y, n_big, k_big))
    j = n_big - 1  # one extra node of the last hidden layer (all extra nodes are alike: zero)
    trials = []
    for _ in range(draws):
        w = rng.standard_normal(w_last.shape[1] + 1)
        w *= step / np.linalg.norm(w)
        for sign in (1.0, -1.0):
            new = [(np.array(a, copy=True), np.array(b, copy=True)) for a, b in layers]
            new[-2][0][j], new[-2][1][j] = w[:-1], w[-1]
            new[-1][0][0, j] = sign * step
            trials.append(flatten(new))
    losses = mse_np(np.stack(trials), x, y, n_big, k_big)
    return float((start - losses.min()) / start) if start > 0 else 0.0

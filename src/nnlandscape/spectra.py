"""Statistics of Hessian spectra: extremes, and the shares of tiny and of clearly negative eigenvalues.

NumPy only, so that the jobs that read spectra (numbers, claims) never load PyTorch; the spectra
themselves are computed in :mod:`nnlandscape.hessian`.
"""

from __future__ import annotations

import numpy as np


def spectrum_summary(eig: np.ndarray, small: float) -> dict[str, float]:
    """Smallest and largest eigenvalue over spectra (P,) or (m, P), the most negative relative to
    its spectrum's largest (worst spectrum and median spectrum: one odd minimum sets the worst),
    and the shares of eigenvalues of magnitude below ``small`` times their own spectrum's largest
    (tiny) and below minus that (clearly negative)."""
    e = np.atleast_2d(eig)
    if e.size == 0:
        return dict.fromkeys(("eig_min", "eig_max", "eig_min_relative", "eig_min_relative_median",
                              "small_fraction", "negative_fraction"), float("nan"))
    relative = e[:, 0] / e[:, -1]
    return {"eig_min": float(e[:, 0].min()), "eig_max": float(e[:, -1].max()),
            "eig_min_relative": float(relative.min()),
            "eig_min_relative_median": float(np.median(relative)),
            "small_fraction": float(tiny_share(e, small).mean()),
            "negative_fraction": float(negative_share(e, small).mean())}


def tiny_share(eig: np.ndarray, small: float) -> np.ndarray:
    """(m,) per ascending spectrum (m, P): share of eigenvalues of magnitude below ``small`` x its largest."""
    e = np.atleast_2d(eig)
    return (np.abs(e) < small * e[:, -1:]).mean(axis=1)


def negative_share(eig: np.ndarray, small: float) -> np.ndarray:
    """(m,) per ascending spectrum (m, P): share of clearly negative eigenvalues (below -``small`` x
    its largest)."""
    e = np.atleast_2d(eig)
    return (e < -small * e[:, -1:]).mean(axis=1)

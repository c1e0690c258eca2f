"""Progress of a long job in its log: work done, median loss so far, rate and time left, at a steady
interval (training shards now; settle and NEB jobs can use the same helper)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

import numpy as np

#: Seconds between two progress lines of a job.
INTERVAL_S = 30.0


class Progress:
    """Logs ``done/total`` units (e.g. fit-steps), the median loss so far, units per second and the
    estimated time left, at most once per ``interval_s`` (and once at the end with ``finish``)."""

    def __init__(self, total: int, unit: str = "fit-steps", interval_s: float = INTERVAL_S,
                 log: logging.Logger | None = None, label: str = "training") -> None:
        self.total = max(int(total), 1)
        self.unit = unit
        self.interval_s = float(interval_s)
        self.log = log or logging.getLogger("nnlandscape.progress")
        self.label = label
        self.t0 = time.monotonic()
        self.next_at = self.t0 + self.interval_s

    def due(self) -> bool:
        """True when a line is due (cheap: one clock read; call it every step)."""
        return time.monotonic() >= self.next_at

    def update(self, done: int, losses: Sequence[float] | np.ndarray | None = None,
               force: bool = False) -> str | None:
        """Log a line if one is due (or ``force``); return it, else None."""
        now = time.monotonic()
        if not force and now < self.next_at:
            return None
        self.next_at = now + self.interval_s
        elapsed = max(now - self.t0, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate > 0 else math.inf
        loss = "n/a"
        if losses is not None:
            finite = np.asarray(losses, dtype=np.float64)
            finite = finite[np.isfinite(finite)]
            if finite.size:
                loss = f"{np.median(finite):.4g}"
        line = (f"{self.label}: {done:,}/{self.total:,} {self.unit} ({100.0 * done / self.total:.0f}%), "
                f"median loss so far {loss}, {rate:,.0f} {self.unit}/s, "
                f"{'ETA ' + _duration(left) if done < self.total else 'done in ' + _duration(elapsed)}")
        self.log.info(line)
        return line

    def finish(self, losses: Sequence[float] | np.ndarray | None = None) -> str | None:
        """The closing line (total time and rate)."""
        return self.update(self.total, losses, force=True)


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unknown"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"

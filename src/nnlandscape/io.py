"""Results files: atomic ``.npz``/``.json`` writes and validated reads (never pickle)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


class ResultFileError(RuntimeError):
    """A results file is missing arrays, has the wrong shapes, non-finite values or is corrupt."""


def _atomic_target(path: Path, suffix: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)
    return Path(tmp)


def save_npz(path: str | Path, **arrays) -> None:
    """Write arrays to ``path`` atomically (temp file + rename): a killed job leaves no partial file."""
    path = Path(path)
    tmp = _atomic_target(path, ".npz")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in arrays.items()})
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_npz(path: str | Path, required: dict[str, int | None] | None = None,
             finite: tuple[str, ...] = (), rule: str | None = None) -> dict[str, np.ndarray]:
    """Read an npz (``allow_pickle=False``) and validate it.

    ``required`` maps array names to their expected number of dimensions (None: any); ``finite``
    names arrays that must be all finite. Errors name the file and, if given, the rule to rerun.
    """
    path = Path(path)
    hint = f"; delete it and rerun rule {rule!r}" if rule else ""
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ResultFileError(f"{path}: unreadable or truncated results file ({err}){hint}") from err
    for name, ndim in (required or {}).items():
        if name not in data:
            raise ResultFileError(f"{path}: missing array {name!r}{hint}")
        if ndim is not None and data[name].ndim != ndim:
            raise ResultFileError(f"{path}: array {name!r} has {data[name].ndim} dims, "
                                  f"expected {ndim}{hint}")
    for name in finite:
        if not np.all(np.isfinite(data[name])):
            raise ResultFileError(f"{path}: array {name!r} has non-finite values{hint}")
    return data


def save_json(path: str | Path, obj) -> None:
    """Write strict JSON (RFC 8259) atomically with sorted keys (stable diffs).

    A non-finite number (NaN, +-inf: "not defined for this run") is written as ``null``, which every
    JSON parser reads; :func:`load_json` with ``null_as_nan`` turns it back into NaN.
    """
    path = Path(path)
    tmp = _atomic_target(path, ".json")
    try:
        text = json.dumps(_strict(obj), indent=2, sort_keys=True, allow_nan=False)
        tmp.write_text(text + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_json(path: str | Path, null_as_nan: bool = False) -> dict:
    """Read a JSON results file; with ``null_as_nan`` every ``null`` becomes NaN (numbers files)."""
    data = json.loads(Path(path).read_text())
    return _nan_for_null(data) if null_as_nan else data


def _strict(obj):
    """``obj`` with numpy values as Python ones and non-finite floats as None (JSON null)."""
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    elif isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strict(v) for v in obj]
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _nan_for_null(obj):
    if obj is None:
        return float("nan")
    if isinstance(obj, dict):
        return {k: _nan_for_null(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_for_null(v) for v in obj]
    return obj

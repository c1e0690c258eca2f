"""Results files: atomic writes, no pickle, corrupt or truncated files named on read."""

import numpy as np
import pytest

from nnlandscape.io import ResultFileError, load_json, load_npz, save_json, save_npz


def test_roundtrip_and_no_temp_files(tmp_path):
    path = tmp_path / "a" / "x.npz"
    save_npz(path, params=np.ones((2, 3)), loss=np.array([0.1, 0.2]))
    data = load_npz(path, {"params": 2, "loss": 1}, finite=("params",))
    assert data["params"].shape == (2, 3)
    assert [p.name for p in path.parent.iterdir()] == ["x.npz"]


def test_truncated_file_names_file_and_rule(tmp_path):
    path = tmp_path / "shard-0000.npz"
    save_npz(path, params=np.ones((64, 136)))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ResultFileError, match="shard-0000.npz.*train_shard"):
        load_npz(path, {"params": 2}, rule="train_shard")


def test_missing_array_wrong_shape_and_nan_are_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_npz(path, params=np.array([1.0, np.nan]))
    with pytest.raises(ResultFileError, match="missing array 'loss'"):
        load_npz(path, {"loss": 1})
    with pytest.raises(ResultFileError, match="2"):
        load_npz(path, {"params": 2})
    with pytest.raises(ResultFileError, match="non-finite"):
        load_npz(path, {"params": 1}, finite=("params",))


def test_object_arrays_are_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ResultFileError):
        load_npz(path)


def test_json_roundtrip_with_numpy_scalars(tmp_path):
    save_json(tmp_path / "n.json", {"a": np.float64(0.5), "b": np.int64(3)})
    assert load_json(tmp_path / "n.json") == {"a": 0.5, "b": 3}


def _strict_parse(text: str):
    """A strict RFC 8259 parser: NaN, Infinity and -Infinity are refused (as jq and browsers do)."""
    import json

    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_json_writes_null_for_non_finite_numbers_and_reads_them_back_as_nan(tmp_path):
    path = tmp_path / "numbers.json"
    save_json(path, {"a": float("nan"), "b": np.float64(np.inf), "c": [1.0, np.nan],
                     "d": np.array([np.nan, 2.0]), "e": {"f": -np.inf}, "g": 1.5})
    strict = _strict_parse(path.read_text())
    assert strict == {"a": None, "b": None, "c": [1.0, None], "d": [None, 2.0], "e": {"f": None},
                      "g": 1.5}
    back = load_json(path, null_as_nan=True)
    assert np.isnan(back["a"]) and np.isnan(back["c"][1]) and np.isnan(back["e"]["f"])
    assert back["g"] == 1.5 and load_json(path)["a"] is None


def test_strict_parser_refuses_what_python_json_writes_by_default():
    """The guard above can fail: Python's json.dumps writes NaN, which the strict parser refuses."""
    import json

    with pytest.raises(ValueError, match="not JSON"):
        _strict_parse(json.dumps({"a": float("nan")}))


def test_null_becomes_n_a_in_the_paper_macros():
    from nnlandscape.paper import format_number

    assert format_number(None) == format_number(float("nan")) == "n/a"

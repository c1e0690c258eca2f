"""Provenance: config hash, git state and per-stage costs from benchmark files."""

from nnlandscape.provenance import config_hash, git_state, provenance_box, stage_costs


def test_config_hash_is_order_independent_and_sensitive():
    assert config_hash({"a": 1, "b": {"c": 2}}) == config_hash({"b": {"c": 2}, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_git_state_outside_a_repository(tmp_path):
    assert git_state(tmp_path)["commit"] == "unknown"


def test_stage_costs_sum_wall_time_and_take_peak_memory(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for i, (sec, rss) in enumerate([(1.5, 100.0), (2.5, 300.0)]):
        d = tmp_path / "train_shard"
        d.mkdir(exist_ok=True)
        (d / f"{i}.tsv").write_text(header + f"{sec}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t1\n")
    costs = stage_costs(sorted(tmp_path.glob("*/*.tsv")))
    assert costs == {"train_shard": {"jobs": 2, "wall_s": 4.0, "peak_rss_mb": 300.0}}
    box = provenance_box({"git": {"commit": "abc", "dirty": True}, "config_hash": "f00",
                          "software": {"torch": "2"}, "devices": {"configured": "cpu",
                          "cuda_available": False, "cpu": "x"}, "stages": costs})
    assert "train\\_shard & 2 & 4.0 & 300" in box

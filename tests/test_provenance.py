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


def test_collect_records_the_commit_dirty_state_versions_and_stages(tmp_path):
    """On a fresh repository with a known commit: the commit hash, clean then dirty (a tracked file
    changed; an untracked one does not count), the config's hash and device, the library versions
    actually imported, and the stage costs from benchmark files."""
    import subprocess

    import numpy
    import scipy
    import torch

    from nnlandscape.provenance import collect

    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    git("init", "-q")
    (repo / "a.txt").write_text("one\n")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    head = git("rev-parse", "HEAD")
    bench = tmp_path / "bench" / "neb_path"
    bench.mkdir(parents=True)
    (bench / "0.tsv").write_text("s\tmax_rss\n3.25\t12.5\n")
    config = {"device": "cpu", "seed": 7}
    (repo / "untracked.txt").write_text("x\n")
    prov = collect(repo, config, [bench / "0.tsv"])
    assert prov["git"] == {"commit": head, "dirty": False}
    assert prov["config_hash"] == config_hash(config) and len(prov["config_hash"]) == 16
    assert prov["software"]["numpy"] == numpy.__version__
    assert prov["software"]["scipy"] == scipy.__version__
    assert prov["software"]["torch"] == torch.__version__
    assert prov["devices"]["configured"] == "cpu"
    assert prov["devices"]["cuda_available"] == torch.cuda.is_available()
    assert prov["stages"] == {"neb_path": {"jobs": 1, "wall_s": 3.25, "peak_rss_mb": 12.5}}
    (repo / "a.txt").write_text("two\n")
    assert collect(repo, {"device": "cuda"}, [])["git"] == {"commit": head, "dirty": True}
    assert collect(repo, {}, [])["devices"]["configured"] == "cpu"
    box = provenance_box(prov)
    assert head[:12] in box and "(uncommitted changes)" not in box
    assert f"numpy {numpy.__version__}" in box and "neb\\_path & 1 & 3.2 & 12" in box

"""Fixtures shared by the test modules."""

import os

import pytest
import torch


@pytest.fixture(scope="module")
def one_torch_thread():
    """Small batched ops are barrier-bound with several torch threads on a busy machine: use 1."""
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(prev)


def skip_unless_ci(reason: str) -> None:
    """Skip for a missing tool CI provides (``.ci/run`` installs or starts it); in CI (CI=true), fail.

    A skip that CI could satisfy must not hide a test there.
    """
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}: CI must provide it, this test may not be skipped there")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def main_example():
    """The main example's symmetrized perfect fit and its training data: (params, x, y)."""
    from nnlandscape.construction import Example, perfect_fit, training_data
    from nnlandscape.symmetry import symmetrize

    p = perfect_fit(Example())
    x, y, _ = training_data(p, 5, 5, 10)
    return symmetrize(p, 5, 5).params, x, y

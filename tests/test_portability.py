"""The second numerical configuration of `make test` (tools/portability.py)."""
import nbformat
import pytest

from tools import portability


@pytest.fixture(scope="module")
def fingerprints():
    return portability.fingerprint(None), portability.fingerprint(portability.other_machine())


def test_the_other_configuration_changes_low_order_bits(fingerprints):
    here, there = fingerprints
    # each library the notebooks compute with must round differently under it, or the
    # second pass of the notebooks would prove nothing
    for key in ("numpy float64 matmul", "torch float32 matmul", "torch LSTM"):
        assert here[key] != there[key], f"{key}: the same bits under both configurations"
    assert there["torch capability"] == "DEFAULT" and there["torch threads"] == 1


def test_the_first_configuration_that_changes_every_fingerprint_is_chosen(monkeypatch):
    prints = {"native": {"numpy float64 matmul": 1, "torch float32 matmul": 2, "torch LSTM": 3},
              "Haswell": {"numpy float64 matmul": 9, "torch float32 matmul": 2, "torch LSTM": 9},
              "Nehalem": {"numpy float64 matmul": 8, "torch float32 matmul": 8, "torch LSTM": 8}}
    monkeypatch.setattr(portability, "fingerprint", lambda config: prints[
        "native" if config is None else config["OPENBLAS_CORETYPE"]])
    portability.other_machine.cache_clear()
    try:
        # the AVX2 kernels leave torch's matmul as it is here (an AVX2-only CPU): SSE
        assert portability.other_machine()["OPENBLAS_CORETYPE"] == "Nehalem"
        portability.other_machine.cache_clear()
        prints["Haswell"]["torch float32 matmul"] = 7
        assert portability.other_machine()["OPENBLAS_CORETYPE"] == "Haswell"
        assert portability.settings("native") == portability.ONE_THREAD
    finally:
        portability.other_machine.cache_clear()


def notebook(tmp_path, source):
    path = tmp_path / "probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\n"
                                          "from dlbook.gradcheck import below\n"
                                          "rng = np.random.default_rng(0)\n"
                                          "A, C = rng.random((200, 300)), rng.random((300, 200))\n"
                                          "gap = np.abs(A @ C - "
                                          "np.einsum('ij,jk->ik', A, C)).max()"),
                nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def test_compare_names_the_cell_and_both_values(tmp_path):
    # a residual printed at machine precision: the kind of output the rule forbids
    path = notebook(tmp_path, "print(f'BLAS and einsum differ by {gap:.3e}')")
    [difference] = portability.compare(path)
    assert "probe.ipynb, code cell 1" in difference
    here, there = difference.split("other configuration:")
    assert here.split("'")[1] != there.split("'")[1]      # both values, and they differ


def test_compare_passes_a_bound_that_holds_everywhere(tmp_path):
    path = notebook(tmp_path, "print(f'BLAS and einsum differ by {below(gap, 1e-9)}')")
    assert portability.compare(path) == []

"""Shared assertions for the scratch/torch model pairs (see STYLE.md, guideline 2)."""
import numpy as np

from dlbook.gradcheck import relative_error


def assert_twins_agree(model, twin, outputs, J, outputs_t, J_t, tol=1e-7):
    """Same outputs and loss to 1e-12, same gradients (float64) to ``tol``.

    ``model`` has run forward with targets; ``J_t`` is the twin's loss on the same
    batch, not yet backpropagated.
    """
    grads = model.backward()
    J_t.backward()
    assert np.abs(outputs - outputs_t.detach().numpy()).max() < 1e-12
    assert abs(J - J_t.item()) < 1e-12
    torch_grads = twin.grads()
    assert set(grads) == set(torch_grads) == set(model.params)
    for name, g in grads.items():
        assert g.shape == model.params[name].shape
        assert relative_error(g, torch_grads[name]) <= tol, name

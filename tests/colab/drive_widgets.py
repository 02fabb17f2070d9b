"""Build every widget of dlbook.widgets and move its controls through every combination
of their options, in the kernel this runs in (tests/test_colab.py runs it with `%run` in
a kernel of Colab's versions, ipywidgets 7.7.1 among them). Prints one JSON line: the
versions, and per widget the number of controls, of settings and of distinct outputs
shown; "missing" names any widget this script does not know how to build."""
import inspect
import itertools
import json

import ipywidgets
import matplotlib
import numpy as np
from IPython.display import display

from dlbook import data, widgets

HELPERS = {"show_figure", "precomputed", "switched"}          # not widgets themselves

X, y = data.make_moons(60, seed=0)
previous = np.tril(np.eye(3, k=-1)) + np.diag([1.0, 0, 0])
steps = [[[("a", 0.9), ("an", 0.1)], [("3", 0.8), ("5", 0.2)], [("<end>", 1.0)]],
         [[("an", 0.6), ("a", 0.4)], [("8", 0.7), ("3", 0.3)], [("<end>", 0.9)]]]
RECIPES = {
    "neuron_explorer": widgets.neuron_explorer,
    "gan_explorer": widgets.gan_explorer,
    "mlp_playground": lambda: widgets.mlp_playground(X, y, X, y, epochs=2),
    "gradient_flow_explorer": lambda: widgets.gradient_flow_explorer(hidden_size=8,
                                                                     steps=10),
    "latent_explorer": lambda: widgets.latent_explorer(
        lambda z: np.tile(z[:, :1] / 6 + 0.5, (1, 64)), np.zeros((5, 2)), np.arange(5),
        steps=5),
    "temperature_sampler": lambda: widgets.temperature_sampler(
        lambda prime, n, temperature, seed: prime + "x" * n, length=20),
    "gan_ring_trainer": widgets.gan_ring_trainer,
    "convolution_explorer": lambda: widgets.convolution_explorer(
        np.arange(64.0).reshape(8, 8), {"edge": [[1, 0, -1]] * 3,
                                        "blur": np.full((3, 3), 1 / 9)}),
    "caption_explorer": lambda: widgets.caption_explorer(
        np.zeros((2, 28, 28)), steps, ["a 3", "a 3"], ["a 3", "an 8"]),
    "attention_explorer": lambda: widgets.attention_explorer(
        "ab\n", [np.stack([previous, np.eye(3)])] * 2),
}


def tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from tree(child)


def shown_outputs(widget):
    """The Output widgets a reader sees: every child not hidden, and of a Stack (on
    ipywidgets 8, where the browser switches it) the selected one."""
    if isinstance(widget, ipywidgets.Output):
        return [widget]
    children = list(getattr(widget, "children", ()))
    if hasattr(ipywidgets, "Stack") and isinstance(widget, ipywidgets.Stack):
        children = [children[widget.selected_index]]
    return [leaf for child in children if child.layout.display != "none"
            for leaf in shown_outputs(child)]


def drive(widget) -> dict:
    """Every setting shows one output of its own, beside any shown at every setting (the
    latent explorer's map)."""
    controls = [w for w in tree(widget) if hasattr(w, "options") and hasattr(w, "index")]
    settings = list(itertools.product(*(range(len(c.options)) for c in controls)))
    shown = []
    for setting in settings:
        for control, index in zip(controls, setting):
            control.index = index
        shown.append({leaf.model_id for leaf in shown_outputs(widget)})
    always = set.intersection(*shown)
    for setting, ids in zip(settings, shown):
        assert len(ids - always) == 1, f"{len(ids - always)} outputs shown at {setting}"
    return {"controls": len(controls), "settings": len(settings),
            "outputs": len(set.union(*shown) - always)}


factories = {name for name, function in inspect.getmembers(widgets, inspect.isfunction)
             if function.__module__ == widgets.__name__ and not name.startswith("_")}
report = {"versions": {"ipywidgets": ipywidgets.__version__, "numpy": np.__version__,
                       "matplotlib": matplotlib.__version__},
          "missing": sorted(factories - HELPERS - set(RECIPES)), "widgets": {}}
for name, build in RECIPES.items():
    built = build()
    display(built)
    if isinstance(built, ipywidgets.Widget):
        report["widgets"][name] = drive(built)
    else:                              # drawn by the page's own script (neuron_explorer)
        report["widgets"][name] = {"html": "<canvas" in built.data and "<script>" in
                                   built.data}
print(json.dumps(report))

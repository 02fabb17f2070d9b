"""dlbook.widgets: which widgets respond in the static book, and how."""
import itertools

import ipywidgets
from ipywidgets.widgets.widget_link import Link
import pytest

from dlbook import widgets


def links_to(target):
    return [w for w in list(ipywidgets.Widget.widgets.values())
            if isinstance(w, Link) and w.target[0] is target]


def test_precomputed_draws_every_combination_and_links_each_stack_to_its_control():
    calls = []
    controls = {"a": ipywidgets.SelectionSlider(options=[1, 2, 3], value=2),
                "b": ipywidgets.Dropdown(options=["x", "y"], value="y")}
    outer = widgets.precomputed(controls, lambda a, b: calls.append((a, b)))
    assert sorted(calls) == sorted(itertools.product([1, 2, 3], ["x", "y"]))
    # one level per control, in order; each stack starts at its control's value
    assert isinstance(outer, ipywidgets.Stack) and len(outer.children) == 3
    assert outer.selected_index == 1
    for inner in outer.children:
        assert isinstance(inner, ipywidgets.Stack) and len(inner.children) == 2
        assert inner.selected_index == 1
        assert all(isinstance(leaf, ipywidgets.Output) for leaf in inner.children)
    # the links are what the saved widget state replays in the browser
    (link,) = links_to(outer)
    assert link.source == (controls["a"], "index") and link.target[1] == "selected_index"
    for inner in outer.children:
        (link,) = links_to(inner)
        assert link.source == (controls["b"], "index")


def test_precomputed_refuses_a_continuous_control():
    with pytest.raises(TypeError, match="choose from a list"):
        widgets.precomputed({"x": ipywidgets.FloatSlider()}, lambda x: None)


def test_widgets_that_need_python_are_marked_and_the_others_are_not():
    marked = widgets.neuron_explorer()
    assert "dlbook-needs-kernel" in marked._dom_classes
    sampler = widgets.temperature_sampler(lambda prime, n, temperature, seed: "text")
    assert "dlbook-needs-kernel" not in sampler._dom_classes
    assert isinstance(sampler.children[1], ipywidgets.Stack)

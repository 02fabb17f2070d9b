"""dlbook.widgets: which widgets respond in the static book, and how."""
import itertools
from pathlib import Path

import ipywidgets
import pytest
from ipywidgets.widgets.widget_link import Link

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


def test_without_stack_as_on_ipywidgets_7_the_kernel_shows_the_chosen_output(monkeypatch):
    # Colab's runtime has ipywidgets 7.7.1, which has no Stack: each level becomes a Box
    # whose children are all hidden but the chosen one, switched when the control moves
    monkeypatch.delattr(ipywidgets, "Stack")
    controls = {"a": ipywidgets.SelectionSlider(options=[1, 2, 3], value=2),
                "b": ipywidgets.Dropdown(options=["x", "y"], value="y")}
    outer = widgets.precomputed(controls, lambda a, b: None)

    def shown(box):
        return [i for i, child in enumerate(box.children) if child.layout.display != "none"]

    assert isinstance(outer, ipywidgets.Box) and len(outer.children) == 3
    assert shown(outer) == [1] and all(shown(inner) == [1] for inner in outer.children)
    controls["a"].value, controls["b"].value = 3, "x"
    assert shown(outer) == [2] and all(shown(inner) == [0] for inner in outer.children)


def test_precomputed_refuses_a_continuous_control():
    with pytest.raises(TypeError, match="choose from a list"):
        widgets.precomputed({"x": ipywidgets.FloatSlider()}, lambda x: None)


def test_every_widget_responds_without_a_kernel():
    # no widget redraws through the kernel (interactive_output), which the static book
    # has not got
    source = Path(widgets.__file__).read_text()
    assert "interactive_output" not in source and "dlbook-needs-kernel" not in source
    sampler = widgets.temperature_sampler(lambda prime, n, temperature, seed: "text")
    assert isinstance(sampler.children[1], ipywidgets.Stack)


def test_neuron_explorer_draws_the_neuron_in_the_browser(browser, tmp_path):
    # the page itself computes a = f(w.x + b): read its pixels back and compare them
    # with viridis at NumPy's outputs on the same grid
    import matplotlib
    import numpy as np

    from dlbook.activations import neuron

    explorer = widgets.neuron_explorer(w1=2.0, w2=1.0, b=-1.0, activation="tanh")
    page_file = tmp_path / "neuron.html"
    page_file.write_text('<!doctype html><html lang="en"><body style="margin:0">'
                         f"{explorer.data}</body></html>", encoding="utf-8")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    grid = np.linspace(-3, 3, 121)

    def pixels_match(w, b, activation):
        a = neuron(np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2), np.array(w), b,
                   activation).reshape(121, 121)               # row i: x2 = grid[i]
        t = (a - a.min()) / (a.max() - a.min())
        expected = (np.asarray(matplotlib.colormaps["viridis"](t))[..., :3] * 255)
        # the plot square starts at (44, 28) and is 240 px wide: sample cell centres
        # away from the white line z = 0 and the arrow from 0 to w drawn over them
        w, checked = np.array(w), 0
        for i, j in itertools.product(range(4, 121, 14), repeat=2):
            x12 = np.array([grid[j], grid[i]])
            along = np.clip(x12 @ w / (w @ w), 0, 1)
            if min(abs(x12 @ w + b) / np.linalg.norm(w),
                   np.linalg.norm(x12 - along * w)) < 0.3:
                continue
            x, y = 44 + (j + 0.5) * 240 / 121, 28 + (120 - i + 0.5) * 240 / 121
            got = page.evaluate(f"""() => Array.from(document.querySelector('canvas')
                .getContext('2d').getImageData({x:.0f}, {y:.0f}, 1, 1).data)""")[:3]
            assert np.abs(np.array(got) - expected[i, j]).max() <= 3, (i, j, got)
            checked += 1
        assert checked >= 40

    pixels_match([2.0, 1.0], -1.0, "tanh")
    page.locator("input[name=w1]").fill("-1.5")      # fires "input", as a drag does
    page.locator("select[name=activation]").select_option("sigmoid")
    pixels_match([-1.5, 1.0], -1.0, "sigmoid")
    assert page.locator("input[name=w1] + output").inner_text() == "-1.5"
    assert "sigmoid, w1 = -1.5, w2 = 1.0, b = -1.0" in \
        page.locator("canvas").get_attribute("aria-label")
    assert errors == []
    page.close()


def test_neuron_explorer_refuses_what_it_cannot_show():
    with pytest.raises(ValueError, match="activation"):
        widgets.neuron_explorer(activation="softplus")
    with pytest.raises(ValueError, match=r"w2 must lie in \[-3, 3\]"):
        widgets.neuron_explorer(w2=4.0)


def test_mlp_playground_trains_every_setting_once(monkeypatch):
    from dlbook import data

    shown = []
    monkeypatch.setattr(widgets, "show_figure",
                        lambda fig, alt: (widgets.plt.close(fig), shown.append(alt)))
    X, y = data.make_moons(60, seed=0)
    playground = widgets.mlp_playground(X, y, X, y, epochs=2)
    assert len(shown) == 3 * 3 * 4 == len(set(shown))
    assert sum("layers of 16 and 16 relu units trained at learning rate 6" in alt
               for alt in shown) == 1
    controls = playground.children[0].children
    assert [c.value for c in controls] == ["tanh", (8,), 0.1]
    assert isinstance(playground.children[1], ipywidgets.Stack)


def test_gan_ring_trainer_shows_every_shipped_run(monkeypatch):
    from dlbook.gan_torch import TRAINER_OPTIONS

    shown = []
    monkeypatch.setattr(widgets, "show_figure",
                        lambda fig, alt: (widgets.plt.close(fig), shown.append(alt)))
    trainer = widgets.gan_ring_trainer()
    assert len(shown) == len(list(itertools.product(*TRAINER_OPTIONS.values())))
    assert len(set(shown)) == len(shown)
    first = [c.value for row in trainer.children[:2] for c in row.children]
    assert first == [1e-3, 1e-3, 1, "gaussian"]


def test_latent_explorer_decodes_every_grid_point_once_and_shows_the_chosen_one(monkeypatch):
    import numpy as np

    calls, shown = [], []
    monkeypatch.setattr(widgets, "show_figure",
                        lambda fig, alt: (widgets.plt.close(fig), shown.append(alt)))

    def decode(z):
        calls.append(z.copy())
        return np.tile(z[:, :1] / 6 + 0.5, (1, 64))   # an image whose grey level is z1

    codes, labels = np.zeros((5, 2)), np.arange(5)
    explorer = widgets.latent_explorer(decode, codes, labels, steps=5)
    assert "dlbook-needs-kernel" not in explorer._dom_classes
    (points,) = calls                       # one batch: every point of the 5 x 5 grid
    assert points.shape == (25, 2) and len({tuple(p) for p in points}) == 25
    sliders, (_, stack) = explorer.children[0].children, explorer.children[1].children
    assert [s.options for s in sliders] == [(-3.0, -1.5, 0.0, 1.5, 3.0)] * 2
    assert isinstance(stack, ipywidgets.Stack) and len(stack.children) == 5
    # the map once, then one figure per point, z1 outer and z2 inner like the stacks
    assert len(shown) == 1 + 25 and "test digits" in shown[0]
    assert "z = (1.5, -3)" in shown[1 + 3 * 5 + 0]


def test_convolution_explorer_draws_every_setting_with_its_output_size(monkeypatch):
    import numpy as np

    from dlbook import conv

    shown = []
    monkeypatch.setattr(widgets, "show_figure", lambda fig, alt: shown.append(alt))
    kernels = {"edge": [[1, 0, -1]] * 3, "blur": np.full((3, 3), 1 / 9)}
    explorer = widgets.convolution_explorer(np.arange(64.0).reshape(8, 8), kernels)
    assert "dlbook-needs-kernel" not in explorer._dom_classes
    assert len(shown) == 2 * 2 * 2                  # kernels x strides x paddings
    for padding in (0, 1):
        for stride in (1, 2):
            size = conv.output_size(8, 3, padding, stride)
            assert sum(f"stride {stride} and padding {padding}: an output map of "
                       f"{size} by {size}" in alt for alt in shown) == 2
    with pytest.raises(ValueError, match="one grey"):
        widgets.convolution_explorer(np.zeros((1, 8, 8)), kernels)


def test_caption_explorer_draws_every_scene_and_marks_its_captions(monkeypatch):
    import numpy as np

    shown = []
    monkeypatch.setattr(widgets, "show_figure", lambda fig, alt: shown.append(alt))
    steps = [[[("a", 0.9), ("an", 0.1)], [("3", 0.8), ("5", 0.2)], [("<end>", 1.0)]],
             [[("an", 0.6), ("a", 0.4)], [("8", 0.7), ("3", 0.3)], [("<end>", 0.9)]]]
    explorer = widgets.caption_explorer(np.zeros((2, 28, 28)), steps,
                                        ["a 3", "a 3"], ["a 3", "an 8"])
    assert "dlbook-needs-kernel" not in explorer._dom_classes
    assert shown == ["Scene 1: greedy decoding writes 'a 3', beam search 'a 3'; the "
                     "true caption is 'a 3'.",
                     "Scene 2: greedy decoding writes 'an 8', beam search 'a 3'; the "
                     "true caption is 'an 8'."]
    with pytest.raises(ValueError, match="one list of steps"):
        widgets.caption_explorer(np.zeros((2, 28, 28)), steps[:1], ["a"], ["a"])


def test_attention_explorer_draws_every_layer_and_head(monkeypatch):
    import numpy as np

    shown = []
    monkeypatch.setattr(widgets, "show_figure", lambda fig, alt: shown.append(alt))
    previous = np.tril(np.eye(3, k=-1)) + np.diag([1.0, 0, 0])   # each reads the one before
    own = np.eye(3)                                             # each reads itself
    explorer = widgets.attention_explorer("ab\n", [np.stack([previous, own])] * 2)
    assert "dlbook-needs-kernel" not in explorer._dom_classes
    assert len(shown) == 4 and shown[0].startswith("Attention map of layer 1, head 1")
    assert "lies 0.7 characters back" in shown[0] and "lies 0.0 characters back" in shown[1]
    with pytest.raises(ValueError, match="one \\(n_head, 3, 3\\) array per layer"):
        widgets.attention_explorer("ab\n", [np.ones((2, 2, 2))])

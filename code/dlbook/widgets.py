"""ipywidgets front-ends. This is the only module that imports ipywidgets, so the rest
of the package imports headless (in tests, scripts and on machines without Jupyter).

Each function returns a widget; the notebook displays it, and the book shows it from the
widget state saved when the notebook was executed. The static book has no kernel, so a
widget responds there only if it needs no Python to respond:

- ``gan_explorer``, ``gradient_flow_explorer``, ``latent_explorer``,
  ``temperature_sampler``, ``convolution_explorer`` and ``caption_explorer`` take a
  small set of values, draw every output when they are built, and switch between them
  in the browser (``precomputed``);
- the others retrain or redraw for any setting; ``needs_kernel`` marks them, and the
  book's page script disables their controls and says so beside them, with a link to the
  notebook on Colab.
"""
from __future__ import annotations

import base64
import html
import io
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from . import mlp
from .activations import ACTIVATIONS
from .conv import conv2d_forward
from .gan import gaussian_pdf, jensen_shannon, optimal_discriminator, value_function
from .plotting import (
    plot_decision_boundary,
    plot_gan_densities,
    plot_gradient_flow,
    plot_neuron,
    probability_grid,
)

STYLE = {"description_width": "initial"}   # labels as wide as their text
MAX_STEPS = 9                               # the captioner's longest caption and <end>


def show_figure(fig, alt: str) -> None:
    """Display ``fig`` as a PNG <img> with alt text, and close it.

    Showing it with pyplot would display the same picture without alt text, both live
    and in the widget state the book saves and renders, where screen readers skip it.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    display(HTML(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'))


def needs_kernel(widget: widgets.DOMWidget) -> widgets.DOMWidget:
    """Mark a widget that redraws with Python: in the static book (no kernel) the page
    script (_ext/offline_html.js) disables its controls and explains why beside it."""
    widget.add_class("dlbook-needs-kernel")
    return widget


def precomputed(controls: dict[str, widgets.Widget], draw) -> widgets.Widget:
    """Every output the controls can ask for, drawn now, switched in the browser.

    Each control must choose from a list (a ``Dropdown`` or ``SelectionSlider``). The
    outputs sit in nested ``Stack``s, one level per control, and each stack's
    ``selected_index`` is ``jslink``ed to its control's ``index``: the links are saved
    with the widget state, so the static book switches figures without a kernel. The
    cost is one ``draw`` per combination when the widget is built. (On ipywidgets 7,
    which has no ``Stack``, see ``_stack``.)
    """
    names = list(controls)
    for name, control in controls.items():
        if not hasattr(control, "index"):
            raise TypeError(f"control {name!r} must choose from a list of options")

    def level(depth: int, chosen: dict) -> widgets.Widget:
        if depth == len(names):
            out = widgets.Output()
            with out:
                draw(**chosen)
            return out
        control = controls[names[depth]]
        options = [option[1] if isinstance(option, tuple) else option
                   for option in control.options]
        return _stack([level(depth + 1, {**chosen, names[depth]: option})
                       for option in options], control)

    return level(0, {})


def _stack(children: list[widgets.Widget], control: widgets.Widget) -> widgets.Widget:
    """The child that ``control`` chooses, shown alone.

    ipywidgets 8 has ``Stack``, switched in the browser by a ``jslink``. ipywidgets 7
    (Colab's runtime) has none, so there every child sits in a ``Box``, hidden but the
    chosen one, and the kernel switches them when the control moves: Colab always has a
    kernel, and only the static book, built with 8, needs the browser to switch.
    """
    stack_class = getattr(widgets, "Stack", None)       # None on ipywidgets 7
    if stack_class is not None:
        stack = stack_class(children, selected_index=control.index)
        widgets.jslink((control, "index"), (stack, "selected_index"))
        return stack

    def show(index):
        for i, child in enumerate(children):
            child.layout.display = None if i == index else "none"

    show(control.index)
    control.observe(lambda change: show(change["new"]), names="index")
    return widgets.Box(children)


def switched(controls: dict[str, widgets.Widget], draw) -> widgets.Widget:
    """The controls in a row above their ``precomputed`` outputs."""
    return widgets.VBox([widgets.HBox(list(controls.values())),
                         precomputed(controls, draw)])


def neuron_explorer(w1: float = 1.0, w2: float = -0.5, b: float = 0.0,
                    activation: str = "sigmoid") -> widgets.Widget:
    """Sliders for a neuron's two weights and bias, and a menu for its activation."""
    def slider(value, label):
        return widgets.FloatSlider(value=value, min=-3, max=3, step=0.1,
                                   description=label, style=STYLE)

    controls = {
        "w1": slider(w1, "w₁"), "w2": slider(w2, "w₂"), "b": slider(b, "bias b"),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="activation", style=STYLE),
    }

    def draw(w1, w2, b, activation):
        fig, ax = plt.subplots(figsize=(4.6, 3.6))
        plot_neuron(np.array([w1, w2]), b, activation, ax=ax)
        show_figure(fig, f"Output of a {activation} neuron with weights w1 = {w1:.1f}, "
                    f"w2 = {w2:.1f} and bias {b:.1f}, as a colour map over the input "
                    "plane.")

    out = widgets.interactive_output(draw, controls)
    return needs_kernel(widgets.HBox([widgets.VBox(list(controls.values())), out]))


def gan_explorer(data_mean: float = 2.0, data_std: float = 0.5) -> widgets.Widget:
    """Move the generator's Gaussian and watch the optimal discriminator respond."""
    x = np.linspace(-8, 8, 3201)  # wide enough that every density integrates to 1
    dx = x[1] - x[0]
    p_data = gaussian_pdf(x, data_mean, data_std)
    # lists, so that every figure is drawn once and the static book can switch between
    # them; they include the data's own N(2, 0.5^2), where V reaches -log 4
    controls = {
        "mean": widgets.SelectionSlider(options=[-1.0, 0.0, 1.0, 1.5, 2.0, 2.5, 3.0],
                                        value=-1.0, description="generator mean",
                                        style=STYLE),
        "std": widgets.SelectionSlider(options=[0.25, 0.5, 0.8, 1.0, 1.5], value=1.0,
                                       description="generator std", style=STYLE),
    }

    def draw(mean, std):
        p_g = gaussian_pdf(x, mean, std)
        D = optimal_discriminator(p_data, p_g)
        fig, ax = plt.subplots(figsize=(6, 3.2), dpi=72)
        plot_gan_densities(x, p_data, p_g, D, ax=ax)
        ax.set_xlim(-4, 6)
        V, js = value_function(D, p_data, p_g, dx), jensen_shannon(p_data, p_g, dx)
        ax.set_title(f"V(D*, G) = {V:.3f}   (-log 4 = {-np.log(4):.3f}),   "
                     f"JS = {js:.3f}", fontsize=9)
        show_figure(fig, f"Data density N({data_mean}, {data_std}^2), generator "
                    f"density N({mean:.1f}, {std:.2f}^2) and the optimal discriminator "
                    f"between them; V(D*, G) = {V:.3f} and JS = {js:.3f}.")

    return switched(controls, draw)


def mlp_playground(X, y, X_test, y_test, epochs: int = 60, batch_size: int = 32,
                   seed: int = 0) -> widgets.Widget:
    """Retrain a small NumPy MLP whenever a control changes; redraw boundary and loss.

    Sliders act on release, so each change costs one training run (well under 2 s on
    a 2-core CPU for the default 400 points; see benchmarks/mlp.py).
    """
    controls = {
        "activation": widgets.Dropdown(options=["tanh", "relu", "sigmoid"],
                                       value="tanh", description="activation",
                                       style=STYLE),
        "width": widgets.SelectionSlider(options=[2, 4, 8, 16, 32], value=8,
                                         description="units per layer", style=STYLE,
                                         continuous_update=False),
        "depth": widgets.IntSlider(value=1, min=1, max=4, description="hidden layers",
                                   style=STYLE, continuous_update=False),
        "lr": widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=1.0, step=0.25,
                                     description="learning rate", style=STYLE,
                                     continuous_update=False),
    }

    def draw(activation, width, depth, lr):
        model = mlp.MLP([2] + [width] * depth + [2], activation, seed=seed)
        start = time.perf_counter()
        losses = mlp.train(model, X, y, lr=lr, epochs=epochs, batch_size=batch_size,
                           seed=seed)
        seconds = time.perf_counter() - start
        accuracy = mlp.accuracy(model, X_test, y_test)
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.4, 3.3))
        grid = probability_grid(lambda P: model.predict_proba(P)[:, 1])
        plot_decision_boundary(grid, X, y, ax=ax0)
        ax0.set_title(f"test accuracy {accuracy:.1%}", fontsize=10)
        ax1.plot(range(1, epochs + 1), losses)
        ax1.set(xlabel="epoch", ylabel="training loss", yscale="log",
                title=f"trained in {seconds:.2f} s")
        fig.tight_layout()
        show_figure(fig, f"Decision boundary of a network with {depth} hidden layer(s) "
                    f"of {width} {activation} units trained at learning rate {lr:.3g} "
                    f"(test accuracy {accuracy:.1%}), and its training loss per "
                    "epoch.")

    out = widgets.interactive_output(draw, controls)
    return needs_kernel(widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                                      widgets.HBox(list(controls.values())[2:]), out]))


def gradient_flow_explorer(hidden_size: int = 64, steps: int = 60,
                           seed: int = 0) -> widgets.Widget:
    """Vary the recurrent weights' scale and the activation; watch ||dJ/dh_t|| decay or
    grow.

    The weights are W_hh ~ N(0, scale^2 / H), so ``scale`` is about the spectral
    radius of W_hh; the inputs are random, the loss reads only the last state.
    """
    from .rnn import hidden_gradient_norms, init_rnn_params

    X = np.random.default_rng(seed).standard_normal((steps, 16, 4))
    # a list, not a continuous range, so that every figure is drawn once and the static
    # book can switch between them; denser near 1 and sqrt(2), where the behaviour turns
    scales = [0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 2.0, 3.0]
    controls = {
        "scale": widgets.SelectionSlider(options=scales, value=1.0,
                                         description="scale of W_hh", style=STYLE),
        "activation": widgets.Dropdown(options=["tanh", "relu"], value="tanh",
                                       description="activation", style=STYLE),
    }

    def draw(scale, activation):
        params = init_rnn_params(4, hidden_size, rng=np.random.default_rng(seed),
                                 scale=scale)
        norms = hidden_gradient_norms(X, params, activation)
        fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=72)
        plot_gradient_flow({f"{activation}, scale {scale:g}": norms}, ax=ax)
        ax.set(ylim=(1e-12, 1e12),
               title=f"after {steps - 1} steps: {norms[-1]:.1e} of the signal is left")
        show_figure(fig, f"Gradient norm against steps back in time for W_hh scale "
                    f"{scale:.2f} and {activation}: after {steps - 1} steps "
                    f"{norms[-1]:.1e} is left.")

    return switched(controls, draw)


def latent_explorer(decode, codes, labels, shape=(8, 8), lim: float = 3.0,
                    steps: int = 9) -> widgets.Widget:
    """Move a point in a 2-D latent plane and see what the decoder makes of it.

    ``decode`` maps latent points (n, 2) to images (n, h*w) with values in [0, 1];
    ``codes`` and ``labels`` (encoded test images) are drawn once, as the map. Each
    coordinate takes ``steps`` values in [-lim, lim], and the image of every one of the
    steps x steps points is drawn when the widget is built, so the static book switches
    between them too (81 small figures, not 81 copies of the map).
    """
    grid = [round(float(v), 2) for v in np.linspace(-lim, lim, steps)]
    controls = {name: widgets.SelectionSlider(options=grid, value=grid[steps // 2],
                                              description=name, style=STYLE)
                for name in ("z₁", "z₂")}
    points = np.array([[z1, z2] for z1 in grid for z2 in grid])
    images = decode(points)

    def plane(ax, title: str):
        ax.scatter(points[:, 0], points[:, 1], marker="+", s=12, c="0.75", lw=0.8)
        ax.set(xlim=(-lim * 1.1, lim * 1.1), ylim=(-lim * 1.1, lim * 1.1),
               aspect="equal", xlabel="$z_1$", ylabel="$z_2$")
        ax.set_title(title, fontsize=10)

    latent_map = widgets.Output()
    with latent_map:
        fig, ax = plt.subplots(figsize=(4.0, 3.4), dpi=72)
        dots = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=6,
                          alpha=0.6, vmin=-0.5, vmax=9.5)
        fig.colorbar(dots, ax=ax, ticks=range(10), label="digit", shrink=0.85)
        plane(ax, "latent plane (test digits)")
        show_figure(fig, "The encoded test digits in the latent plane, coloured by "
                    f"digit, with the {steps} by {steps} points the sliders choose "
                    "from.")

    def draw(**z):
        i = grid.index(z["z₁"]) * steps + grid.index(z["z₂"])
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(4.4, 2.3), dpi=72)
        plane(ax0, f"z = ({z['z₁']:g}, {z['z₂']:g})")
        ax0.plot(z["z₁"], z["z₂"], "k*", ms=14)
        ax1.imshow(images[i].reshape(shape), cmap="gray_r", vmin=0, vmax=1)
        ax1.set_title("decoded", fontsize=10)
        ax1.axis("off")
        show_figure(fig, f"A star at z = ({z['z₁']:g}, {z['z₂']:g}) in the latent "
                    f"plane, and the {shape[0]} by {shape[1]} image the decoder draws "
                    "for it.")

    return widgets.VBox([widgets.HBox(list(controls.values())),
                         widgets.HBox([latent_map, precomputed(controls, draw)])])


def temperature_sampler(sample, prime: str = "ROMEO:", length: int = 300
                        ) -> widgets.Widget:
    """A temperature slider and a seed, for ``sample(prime, length, temperature,
    seed)``, which returns text.

    Every sample is drawn when the widget is built (9 temperatures x 5 seeds), so the
    static book switches between them too."""
    controls = {
        "temperature": widgets.SelectionSlider(
            options=[0.1, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0], value=0.8,
            description="temperature", style=STYLE),
        "seed": widgets.SelectionSlider(options=list(range(5)), value=0,
                                        description="seed", style=STYLE),
    }

    def draw(temperature, seed):
        print(sample(prime, length, temperature, seed))

    return switched(controls, draw)


def gan_ring_trainer(steps: int = 1000, batch_size: int = 256,
                     seed: int = 0) -> widgets.Widget:
    """Train a GAN on the 8-Gaussian ring (the recipe's players, packing and decay, but
    a short run) with your choice of learning rates, updates per player and latent;
    see the samples, the metrics and both losses."""
    from .gan_torch import GANConfig, ring_metrics, train_gan
    from .plotting import plot_ring_samples

    rates = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3]
    controls = {
        "lr_g": widgets.SelectionSlider(options=rates, value=1e-3,
                                        description="lr of G", style=STYLE,
                                        continuous_update=False),
        "lr_d": widgets.SelectionSlider(options=rates, value=1e-3,
                                        description="lr of D", style=STYLE,
                                        continuous_update=False),
        "d_steps": widgets.IntSlider(value=1, min=1, max=5,
                                     description="D steps per G step", style=STYLE,
                                     continuous_update=False),
        "latent": widgets.Dropdown(options=["gaussian", "mixture"], value="gaussian",
                                   description="latent", style=STYLE),
    }

    def draw(lr_g, lr_d, d_steps, latent):
        config = GANConfig(steps=steps, batch_size=batch_size, lr_g=lr_g, lr_d=lr_d,
                           d_steps=d_steps, latent=latent)
        start = time.perf_counter()
        run = train_gan(config, seed=seed)
        seconds = time.perf_counter() - start
        m = ring_metrics(run.sample(2500))
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.6, 3.4),
                                       gridspec_kw={"width_ratios": [1, 1.3]})
        quality = f"{m['modes']}/8 modes, {m['high_quality']:.0%} high quality"
        plot_ring_samples(run.sample(1000), ax=ax0, title=quality)
        ax1.plot(run.losses[:, 0], lw=0.6, label="$L_D$")
        ax1.plot(run.losses[:, 1], lw=0.6, label="$L_G$")
        ax1.axhline(np.log(4), color="gray", ls=":", lw=1, label="log 4")
        ax1.set(xlabel="generator step", ylabel="loss (nats)",
                title=f"{steps} steps in {seconds:.1f} s")
        ax1.legend(fontsize=8)
        fig.tight_layout()
        show_figure(fig, f"Samples of a GAN on the ring of eight Gaussians after "
                    f"{steps} steps ({latent} latent, learning rates {lr_g:g} and "
                    f"{lr_d:g}, {d_steps} discriminator step(s) per generator step): "
                    f"{m['modes']} of 8 modes, {m['high_quality']:.0%} high quality; "
                    "and both losses.")

    out = widgets.interactive_output(draw, controls)
    return needs_kernel(widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                                      widgets.HBox(list(controls.values())[2:]), out]))


def convolution_explorer(image, kernels: dict) -> widgets.Widget:
    """One grey image convolved with a chosen kernel, stride and padding: the input with
    the first receptive field marked, the kernel's numbers, and the output map with its
    size from (W - F + 2P) / S + 1 (chapter 09)."""
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image must be one grey (H, W) array, "
                         f"got shape {image.shape}")
    controls = {
        "kernel": widgets.Dropdown(options=list(kernels), description="kernel",
                                   style=STYLE),
        "stride": widgets.SelectionSlider(options=[1, 2], value=1,
                                          description="stride S", style=STYLE),
        "padding": widgets.SelectionSlider(options=[0, 1], value=0,
                                           description="padding P", style=STYLE),
    }

    def draw(kernel, stride, padding):
        w = np.asarray(kernels[kernel], dtype=float)
        y = conv2d_forward(image[None, None], w[None, None], np.zeros(1), stride,
                           padding)[0][0, 0]
        fig, axes = plt.subplots(1, 3, figsize=(7.2, 2.6), dpi=72,
                                 gridspec_kw={"width_ratios": [1, 0.6, 1]})
        axes[0].imshow(np.pad(image, padding), cmap="gray_r")
        axes[0].add_patch(plt.Rectangle((-0.5, -0.5), w.shape[1], w.shape[0],
                                        fill=False, color="tab:red", lw=1.5))
        axes[0].set_title(f"input {image.shape[0]}x{image.shape[1]}, "
                          f"padded by {padding}", fontsize=9)
        limit = np.abs(w).max()
        axes[1].imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for (i, j), v in np.ndenumerate(w):     # white on the darkest cells, to be read
            axes[1].text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7,
                         color="white" if abs(v) > 0.6 * limit else "black")
        axes[1].set_title(f"kernel F = {w.shape[0]}", fontsize=9)
        axes[2].imshow(y, cmap="RdBu_r", vmin=-np.abs(y).max(), vmax=np.abs(y).max())
        size = f"({image.shape[1]} - {w.shape[1]} + 2x{padding}) / {stride} + 1"
        axes[2].set_title(f"output {y.shape[0]}x{y.shape[1]}: {size}", fontsize=9)
        for ax in axes:
            ax.set_xticks([]), ax.set_yticks([])
        show_figure(fig, f"A digit convolved with the {kernel} kernel at stride "
                    f"{stride} and padding {padding}: an output map of {y.shape[0]} by "
                    f"{y.shape[1]} values.")

    return switched(controls, draw)


def caption_explorer(images, steps, beam_captions, references) -> widgets.Widget:
    """Greedy decoding of a few scenes, step by step (chapter 11): for the chosen scene,
    the three likeliest words at every step with their probabilities (the first is the
    word greedy decoding writes), beside beam search's caption and the true one.
    ``steps[i]`` is ``captioner.greedy_steps`` of ``images[i]``."""
    images = np.asarray(images, dtype=float)
    if images.ndim != 3 or not len(images) == len(steps) == len(beam_captions) \
            == len(references):
        raise ValueError(f"images must be (n, H, W) with one list of steps, one beam "
                         f"caption and one reference each, got {images.shape}, "
                         f"{len(steps)}, {len(beam_captions)} and {len(references)}")
    controls = {"scene": widgets.SelectionSlider(
        options=[(str(i + 1), i) for i in range(len(images))], value=0,
        description="scene", style=STYLE)}

    def draw(scene):
        fig, (ax_image, ax) = plt.subplots(1, 2, figsize=(7.2, 3.2), dpi=72,
                                           gridspec_kw={"width_ratios": [1, 2.6]})
        ax_image.imshow(images[scene], cmap="gray_r")
        ax_image.set_xticks([]), ax_image.set_yticks([])
        ax.axis("off")
        rows = steps[scene]
        lines = MAX_STEPS + 4                   # steps, a gap, three captions
        line = 1 / lines                        # one line of text, in axes units
        for t, top in enumerate(rows):
            y = 1 - (t + 1) * line
            ax.text(0.0, y, f"step {t + 1}", fontsize=9, color="0.4")
            for j, (word, p) in enumerate(top):
                ax.text(0.2 + 0.27 * j, y, f"{word} {p:.2f}", fontsize=9,
                        fontweight="bold" if j == 0 else "normal",
                        color="black" if j == 0 else "0.45")
        greedy = " ".join(top[0][0] for top in rows if top[0][0] != "<end>")
        for i, (name, text) in enumerate((("greedy", greedy),
                                          ("beam 3", beam_captions[scene]),
                                          ("true", references[scene]))):
            wrong = text != references[scene]
            ax.text(0.0, 1 - (MAX_STEPS + 2 + i) * line, f"{name}: {text}",
                    fontsize=9, color="tab:red" if wrong else "black")
        show_figure(fig, f"Scene {scene + 1}: greedy decoding writes '{greedy}', beam "
                    f"search '{beam_captions[scene]}'; the true caption is "
                    f"'{references[scene]}'.")

    return switched(controls, draw)


def attention_explorer(text: str, attention) -> widgets.Widget:
    """The attention of a trained GPT over ``text``, by layer and head (chapter 10):
    row i of the map is how much character i reads each character up to it.
    ``attention[l]`` is layer l's (n_head, T, T), ``gpt.look_inside``'s for one
    sequence of T = len(text) characters."""
    attention = [np.asarray(P, dtype=float) for P in attention]
    T = len(text)
    if not attention or any(P.ndim != 3 or P.shape[1:] != (T, T) for P in attention):
        raise ValueError(f"attention must hold one (n_head, {T}, {T}) array per layer, "
                         f"got {[P.shape for P in attention]}")
    n_head = attention[0].shape[0]
    controls = {"layer": widgets.SelectionSlider(
                    options=[(str(l + 1), l) for l in range(len(attention))], value=0,
                    description="layer", style=STYLE),
                "head": widgets.SelectionSlider(
                    options=[(str(h + 1), h) for h in range(n_head)], value=0,
                    description="head", style=STYLE)}
    labels = ["\\n" if c == "\n" else "_" if c == " " else c for c in text]

    def draw(layer, head):
        P = attention[layer][head]
        fig, ax = plt.subplots(figsize=(5.0, 5.0), dpi=72)
        ax.imshow(P, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(T), labels, fontsize=8, family="monospace")
        ax.set_yticks(range(T), labels, fontsize=8, family="monospace")
        ax.set_xlabel("the character read")
        ax.set_ylabel("the character reading")
        ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=10)
        fig.tight_layout()
        back = np.abs(np.arange(T)[:, None] - P.argmax(axis=1)[:, None]).mean()
        show_figure(fig, f"Attention map of layer {layer + 1}, head {head + 1} over "
                    f"{T} characters: each character's strongest link lies "
                    f"{back:.1f} characters back on average.")

    return switched(controls, draw)

"""ipywidgets front-ends. This is the only module that imports ipywidgets, so the rest
of the package imports headless (in tests, scripts and on machines without Jupyter).

Each function returns a widget; the notebook displays it, and the book shows it from the
widget state saved when the notebook was executed. The static book has no kernel, so
every widget here responds without Python:

- most take a small set of values, draw every output when they are built (or from runs
  shipped with the package), and switch between them in the browser (``precomputed``);
  on ipywidgets 7 (Colab) the kernel switches them instead;
- ``neuron_explorer`` is not an ipywidget: the browser draws it from three numbers.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
from importlib import resources

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

from . import mlp
from ._checks import check_choice
from .activations import ACTIVATIONS
from .conv import conv2d_forward
from .gan import gaussian_pdf, jensen_shannon, optimal_discriminator, value_function
from .plotting import (
    plot_decision_boundary,
    plot_gan_densities,
    plot_gradient_flow,
    probability_grid,
)

STYLE = {"description_width": "initial"}   # labels as wide as their text
_neuron_ids = itertools.count()      # one page may hold several neuron explorers
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
                    activation: str = "sigmoid") -> HTML:
    """Sliders for a neuron's two weights and bias, and a menu for its activation.

    Not an ipywidget: the neuron is three numbers, so the browser draws it
    (assets/neuron_explorer.js) and it responds in the static book as in a kernel, on
    any ipywidgets or none. The labels follow the page's language.
    """
    check_choice("activation", activation, ACTIVATIONS)
    for name, value in (("w1", w1), ("w2", w2), ("b", b)):
        if not -3 <= value <= 3:
            raise ValueError(f"{name} must lie in [-3, 3], got {value}")
    element = f"dlbook-neuron-{next(_neuron_ids)}"

    def label(english, chinese):         # the page script shows the page's language
        return (f'<span class="dlbook-en">{english}</span><span class="dlbook-zh" '
                f'lang="zh-Hans" hidden>{chinese}</span>')

    def slider(name, english, chinese, value):
        return (f'<label style="display:block;margin:4px 0">{label(english, chinese)} '
                f'<input type="range" name="{name}" min="-3" max="3" step="0.1" '
                f'value="{value:.1f}" style="vertical-align:middle"> '
                f"<output>{value:.1f}</output></label>")

    options = "".join(f'<option{" selected" if name == activation else ""}>{name}'
                      "</option>" for name in ACTIVATIONS)
    viridis = plt.get_cmap("viridis")
    table = "".join(f"{red:02x}{green:02x}{blue:02x}" for red, green, blue in
                    (np.round(viridis(np.arange(256))[:, :3] * 255)).astype(int))
    script = (resources.files("dlbook.assets") / "neuron_explorer.js").read_text()
    return HTML(
        f'<div id="{element}" class="dlbook-neuron" style="display:flex;'
        'flex-wrap:wrap;gap:8px 16px;align-items:center;font:14px sans-serif">'
        f'<div>{slider("w1", "w₁", "w₁", w1)}{slider("w2", "w₂", "w₂", w2)}'
        f'{slider("b", "bias b", "偏置 b", b)}'
        f'<label style="display:block;margin:4px 0">{label("activation", "激活函数")} '
        f'<select name="activation">{options}</select></label></div>'
        '<canvas width="350" height="310" role="img" '
        'style="max-width:100%;height:auto"></canvas></div>'
        f'<script>{script}(document.getElementById("{element}"), "{table}");</script>')


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
    """A small NumPy MLP trained at every setting of the controls when the widget is
    built, its boundary and loss curve switched in the browser (``precomputed``).

    3 activations x 3 widths x 4 learning rates = 36 trainings of ``epochs`` epochs:
    about 10 s for 400 points on a 2-core CPU.
    """
    controls = {
        "activation": widgets.Dropdown(options=["tanh", "relu", "sigmoid"],
                                       value="tanh", description="activation",
                                       style=STYLE),
        "hidden": widgets.SelectionSlider(options=[("2", (2,)), ("8", (8,)),
                                                   ("16, 16", (16, 16))],
                                          value=(8,), description="hidden units",
                                          style=STYLE),
        "lr": widgets.SelectionSlider(options=[0.01, 0.1, 1.0, 6.0], value=0.1,
                                      description="learning rate", style=STYLE),
    }

    def draw(activation, hidden, lr):
        model = mlp.MLP([2, *hidden, 2], activation, seed=seed)
        with np.errstate(all="ignore"):         # the largest rate may diverge
            losses = mlp.train(model, X, y, lr=lr, epochs=epochs, batch_size=batch_size,
                               seed=seed)
            accuracy = mlp.accuracy(model, X_test, y_test)
            grid = probability_grid(lambda P: model.predict_proba(P)[:, 1])
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.4, 3.3), dpi=72)
        plot_decision_boundary(grid, X, y, ax=ax0)
        ax0.set_title(f"test accuracy {accuracy:.1%}", fontsize=10)
        ax1.plot(range(1, epochs + 1), losses)
        ax1.set(xlabel="epoch", ylabel="training loss", yscale="log",
                title=f"final loss {losses[-1]:.3g}")
        fig.tight_layout()
        layers = " and ".join(str(width) for width in hidden)
        show_figure(fig, f"Decision boundary of a network with hidden layers of "
                    f"{layers} {activation} units trained at learning rate {lr:g} "
                    f"(test accuracy {accuracy:.1%}), and its training loss per epoch.")

    return switched(controls, draw)


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


def gan_ring_trainer() -> widgets.Widget:
    """A GAN on the 8-Gaussian ring (the recipe's players, packing and decay, but a
    short run) at your choice of learning rates, updates per player and latent space:
    its samples, metrics and both losses.

    The 36 runs are shipped (``gan_torch.trainer_runs``, trained by
    benchmarks/gan_trainer_runs.py), so the controls switch between them in the browser.
    """
    from .gan_torch import TRAINER_OPTIONS, TRAINER_STEPS, trainer_runs
    from .plotting import plot_ring_samples

    runs = trainer_runs()
    labels = {"lr_g": "lr of G", "lr_d": "lr of D", "d_steps": "D steps per G step",
              "latent": "latent"}
    first = {"lr_g": 1e-3, "lr_d": 1e-3, "d_steps": 1, "latent": "gaussian"}
    kinds = {"latent": widgets.Dropdown}                 # the others are sliders
    controls = {name: kinds.get(name, widgets.SelectionSlider)(
                    options=options, value=first[name], description=labels[name],
                    style=STYLE)
                for name, options in TRAINER_OPTIONS.items()}

    def draw(lr_g, lr_d, d_steps, latent):
        run = runs[(lr_g, lr_d, d_steps, latent)]
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.6, 3.4), dpi=72,
                                       gridspec_kw={"width_ratios": [1, 1.3]})
        quality = f"{run['modes']}/8 modes, {run['high_quality']:.0%} high quality"
        plot_ring_samples(run["samples"][:1000], ax=ax0, title=quality)
        ax1.plot(run["losses"][:, 0], lw=0.6, label="$L_D$")
        ax1.plot(run["losses"][:, 1], lw=0.6, label="$L_G$")
        ax1.axhline(np.log(4), color="gray", ls=":", lw=1, label="log 4")
        ax1.set(xlabel="generator step", ylabel="loss (nats)",
                title=f"{TRAINER_STEPS} steps in {run['seconds']:.1f} s")
        ax1.legend(fontsize=8)
        fig.tight_layout()
        show_figure(fig, f"Samples of a GAN on the ring of eight Gaussians after "
                    f"{TRAINER_STEPS} steps ({latent} latent, learning rates {lr_g:g} "
                    f"and {lr_d:g}, {d_steps} discriminator step(s) per generator "
                    f"step): {run['modes']} of 8 modes, {run['high_quality']:.0%} high "
                    "quality; and both losses.")

    return widgets.VBox([widgets.HBox(list(controls.values())[:2]),
                         widgets.HBox(list(controls.values())[2:]),
                         precomputed(controls, draw)])


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

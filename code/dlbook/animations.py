"""Training as animations: matplotlib's JavaScript slider player, made fit for the book.

Each ``animate_*`` function returns a ``FuncAnimation``; ``animation_html`` turns one
into the player the static book shows (accessible names, text glyphs for its buttons, no
links to other hosts). The still figures are in ``plotting``.
"""
from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from .activations import sigmoid
from .gan import discriminator_logit_1d, gaussian_pdf
from .plotting import plot_decision_boundary, plot_ring_samples

# matplotlib's player icons (Font Awesome classes) as text; U+FE0E asks for the text,
# not the emoji, form of the triangles
PLAYER_GLYPHS = {
    "fa-minus": "\u2212", "fa-plus": "+",
    "fa-fast-backward": "|\u25c0\ufe0e\u25c0\ufe0e",
    "fa-step-backward": "|\u25c0\ufe0e",
    "fa-play fa-flip-horizontal": "\u25c0\ufe0e", "fa-pause": "\u275a\u275a",
    "fa-play": "\u25b6\ufe0e", "fa-step-forward": "\u25b6\ufe0e|",
    "fa-fast-forward": "\u25b6\ufe0e\u25b6\ufe0e|",
}

# matplotlib's player makes an Image of every frame when it starts, which fetches them
# all
PRELOAD = re.compile(r"this\.frames\[i\] = new Image\(\);\s*"
                     r"this\.frames\[i\]\.src = frames\[i\];")


def animation_html(animation, alt: str, default_mode: str = "once") -> str:
    """An animation as matplotlib's JavaScript slider player, fit for the book's pages.

    Changes to matplotlib's HTML: the frame image gets ``alt`` (a description of the
    whole animation), the slider and the repetition-mode form get accessible names, and
    the buttons' Font Awesome icons become text glyphs with the link to the icons' CDN
    gone: Colab's output frame has no Font Awesome (its buttons were blank), and a page
    of the book loads nothing from other hosts. Each button keeps matplotlib's
    ``aria-label``. The player no longer preloads every frame: the book's build moves
    the frames into image files (_ext/offline_html.py), and a page should fetch a frame
    only when it is shown, not the whole animation when the page opens.
    """
    if not alt or not alt.strip():
        raise ValueError("alt must describe the animation for readers who cannot see "
                         "it")
    player = animation.to_jshtml(default_mode=default_mode)
    player = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">'
                    r'\s*', "", player)
    player = re.sub(r'<i class="fa ([^"]*)"></i>',
                    lambda m: ('<span aria-hidden="true">'
                               f'{PLAYER_GLYPHS[m.group(1)]}</span>'),
                    player)
    player = player.replace('<img id="_anim_img',
                            f'<img alt="{html.escape(alt)}" id="_anim_img')
    # each player's form is a landmark: name it after its animation so that two
    # players on one page stay distinguishable
    topic = html.escape(alt.split(":")[0].split(".")[0][:60])
    player = player.replace('aria-label="Repetition mode"',
                            f'aria-label="Repetition mode: {topic}"')
    player, preloads = PRELOAD.subn("this.frames[i] = {src: frames[i]};", player)
    if preloads != 1:
        raise RuntimeError("matplotlib's player changed: its frame preloading was not "
                           "found")
    return player.replace('class="anim-slider"',
                          'class="anim-slider" aria-label="frame"')


def animate_gan_1d(snapshots, data_mean: float, data_std: float, dpi: int = 70):
    """The 1-D GAN's training as a player: p_data, p_g = N(b, a^2) and D(x) per frame.

    ``snapshots`` are the (step, params) pairs of ``gan.train_gan_1d``.
    """
    x = np.linspace(-5, 4, 600)
    p_data = gaussian_pdf(x, data_mean, data_std)
    fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=dpi)
    twin = ax.twinx()     # D(x) on the right; only its line changes between frames
    d_line, = twin.plot(x, np.full_like(x, 0.5), color="k", lw=2, label="D(x)")
    twin.set(ylim=(-0.02, 1.02), ylabel="D(x)")

    def draw(k):
        step, p = snapshots[k]
        ax.clear()
        ax.fill_between(x, p_data, alpha=0.35, color="C0", label="$p_{data}$")
        ax.fill_between(x, gaussian_pdf(x, p["b"], max(abs(p["a"]), 1e-3)), alpha=0.35,
                        color="C3", label="$p_g$")
        ax.set(xlabel="x", ylabel="density", ylim=(0, 1.4))
        d_line.set_ydata(sigmoid(discriminator_logit_1d(x, p)))
        ax.legend(handles=ax.get_legend_handles_labels()[0] + [d_line],
                  loc="upper left", fontsize=8)
        ax.set_title(f"step {step}: G(z) = {p['b']:.2f} + {p['a']:.2f} z", fontsize=10)
        return [d_line]

    draw(0)               # lay out around real labels before the player takes over
    fig.tight_layout()
    animation = FuncAnimation(fig, draw, frames=len(snapshots), interval=200)
    plt.close(fig)
    return animation


def animate_ring(snapshots, dpi: int = 70):
    """Generated ring samples over training as a player; ``snapshots`` are
    (step, samples) pairs."""
    fig, ax = plt.subplots(figsize=(3.6, 3.6), dpi=dpi)

    def draw(k):
        step, samples = snapshots[k]
        ax.clear()
        plot_ring_samples(samples, ax=ax, title=f"step {step}")
        return []

    draw(0)
    fig.tight_layout()
    animation = FuncAnimation(fig, draw, frames=len(snapshots), interval=250)
    plt.close(fig)
    return animation


def animate_training(grids, losses, X, y, every: int, reference=None, dpi: int = 70):
    """An animation of the decision boundary (left) and the learning curve (right).

    ``grids[k]`` is the probability grid after epoch ``(k + 1) * every``; ``losses`` has
    one value per epoch. Returns a ``FuncAnimation``; ``.to_jshtml()`` gives the
    slider player the static book shows.
    """
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8.4, 3.4), dpi=dpi)
    epochs = np.arange(1, len(losses) + 1)
    ax1.plot(epochs, losses, color="0.75")
    marker, = ax1.plot([], [], "o-", color="C0", ms=4)
    ax1.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log")

    def draw(k):
        ax0.clear()
        plot_decision_boundary(grids[k], X, y, ax=ax0, reference=reference)
        epoch = (k + 1) * every
        ax0.set_title(f"epoch {epoch}", fontsize=10)
        marker.set_data(epochs[:epoch], losses[:epoch])
        return [marker]

    fig.tight_layout()
    animation = FuncAnimation(fig, draw, frames=len(grids), interval=300)
    plt.close(fig)   # the player replaces the static figure
    return animation

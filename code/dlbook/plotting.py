"""Figure helpers. Each takes ``ax=None``, draws, and returns what it drew;
none changes matplotlib's global settings. ``coloured_text_html`` is the one helper
that returns HTML instead of drawing; the animations are in ``animations``.
"""
from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np

from .activations import ACTIVATIONS
from .concepts import CONCEPT_EDGES, CONCEPT_NODES


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _half_height(node: str) -> float:
    """Half the height of a concept-map box in data units (lines of text plus
    padding)."""
    return 0.125 * (CONCEPT_NODES[node][2].count("\n") + 2) + 0.12


def plot_concept_map(ax=None):
    """Draw the concept map: boxes for ideas, arrows for how they relate."""
    ax = _axes(ax, figsize=(10, 7))
    colors = {"rnn": "#dbeafe", "vae": "#dcfce7", "gan": "#fee2e2"}
    for key, (x, y, label, chapters) in CONCEPT_NODES.items():
        ax.text(x, y, f"{label}\n[{chapters}]", ha="center", va="center", fontsize=9.5,
                bbox=dict(boxstyle="round,pad=0.5", fc=colors.get(key, "#f3f4f6"),
                          ec="#374151"))
    label_box = dict(fc="white", ec="none", pad=1)
    for src, dst, label, dashed in CONCEPT_EDGES:
        (x0, y0), (x1, y1) = CONCEPT_NODES[src][:2], CONCEPT_NODES[dst][:2]
        if dashed:  # a combination, drawn as an arc under the two boxes
            ax.annotate("", xy=(x1, y1 - _half_height(dst)),
                        xytext=(x0, y0 - _half_height(src)),
                        arrowprops=dict(arrowstyle="-|>", color="#4b5563", lw=1.3,
                                        linestyle="--", connectionstyle="arc3,rad=0.3"))
            ax.text((x0 + x1) / 2, min(y0, y1) - 1.0, label, fontsize=8.5, ha="center",
                    va="center", style="italic", bbox=label_box)
            continue
        # from the bottom edge of one box to the top edge of the next
        y0, y1 = y0 - _half_height(src), y1 + _half_height(dst)
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color="#4b5563", lw=1.3))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, label, fontsize=8.5, ha="center",
                va="center", style="italic", bbox=label_box)
    ax.set_xlim(-1.9, 6.8)
    ax.set_ylim(-0.7, 5.8)
    ax.axis("off")
    return ax


def plot_activations(names=("sigmoid", "tanh", "relu"), ax=None):
    """Plot activation functions on [-4, 4]; returns the axes."""
    ax = _axes(ax)
    z = np.linspace(-4, 4, 401)
    for name in names:
        ax.plot(z, ACTIVATIONS[name][0](z), label=name)
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set(xlabel="pre-activation z", ylabel="activation f(z)")
    ax.legend()
    return ax


def image_grid(images, n_cols: int, shape=(8, 8), ax=None, cmap="gray_r"):
    """Tile flat images (n, h*w) into one picture; returns the AxesImage."""
    images = np.asarray(images)
    n = len(images)
    n_rows = -(-n // n_cols)
    h, w = shape
    canvas = np.full((n_rows * (h + 1) + 1, n_cols * (w + 1) + 1), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, n_cols)
        top, left = 1 + r * (h + 1), 1 + c * (w + 1)
        canvas[top:top + h, left:left + w] = img.reshape(shape)
    ax = _axes(ax, figsize=(n_cols * 0.6, n_rows * 0.6))
    ax.axis("off")
    return ax.imshow(canvas, cmap=cmap, vmin=0, vmax=1)


def plot_gan_densities(x, p_data, p_g, D, ax=None):
    """Data density, generator density and a discriminator D(x) on one grid."""
    ax = _axes(ax, figsize=(6, 3.4))
    ax.fill_between(x, p_data, alpha=0.35, color="C0", label="$p_{data}$ (real)")
    ax.fill_between(x, p_g, alpha=0.35, color="C3", label="$p_g$ (generator)")
    ax.set(xlabel="x", ylabel="density")
    twin = ax.twinx()
    line, = twin.plot(x, D, color="k", lw=2, label="$D^*(x)$ (discriminator)")
    twin.set_ylim(-0.02, 1.02)
    twin.set_ylabel("probability x is real")
    handles = ax.get_legend_handles_labels()[0] + [line]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return line


def plot_ring_samples(samples, ax=None, title: str | None = None, lim: float = 1.35,
                      std: float = 0.01, centres=None):
    """Generated samples on the 8-Gaussian ring (or around other ``centres``, e.g. the
    grid's with ``lim=5, std=0.05``), with a circle around each centre (radius 3 std,
    the high-quality threshold, but at least 0.04 so that it stays visible)."""
    from .data import ring_centres

    ax = _axes(ax, figsize=(3.4, 3.4))
    for cx, cy in ring_centres() if centres is None else np.asarray(centres):
        ax.add_patch(plt.Circle((cx, cy), max(3 * std, 0.04), fill=False, color="C0",
                                lw=1))
    dots = ax.scatter(*np.asarray(samples)[:, :2].T, s=3, color="C3", alpha=0.5,
                      linewidths=0)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    if title:
        ax.set_title(title, fontsize=9)
    return dots


# ------------------------------------------------------------- decision boundaries
MOONS_EXTENT = (-1.6, 2.6, -1.1, 1.6)   # x_min, x_max, y_min, y_max around two moons


def probability_grid(predict_proba, extent=MOONS_EXTENT, resolution: int = 100):
    """Evaluate ``predict_proba`` ((n, 2) -> P(label 1), (n,)) on a grid over
    ``extent``.

    Returns (G1, G2, P), each (resolution, resolution), ready for ``contourf``.
    """
    g1 = np.linspace(extent[0], extent[1], resolution)
    g2 = np.linspace(extent[2], extent[3], resolution)
    G1, G2 = np.meshgrid(g1, g2)
    P = predict_proba(np.stack([G1.ravel(), G2.ravel()], axis=1))
    return G1, G2, np.asarray(P).reshape(G1.shape)


def plot_decision_boundary(grid, X, y, ax=None, reference=None, n_points: int = 400):
    """Colour the plane by P(label 1), draw the 0.5 contour and a sample of the data.

    ``grid`` comes from ``probability_grid``; ``reference`` is an optional second grid
    (the Bayes classifier) whose 0.5 contour is drawn dashed.
    """
    ax = _axes(ax, figsize=(4.5, 3.6))
    G1, G2, P = grid
    filled = ax.contourf(G1, G2, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                         alpha=0.55)
    ax.contour(G1, G2, P, levels=[0.5], colors="k", linewidths=1.5)
    if reference is not None:
        ax.contour(*reference, levels=[0.5], colors="k", linewidths=1.0,
                   linestyles="--")
    X, y = np.asarray(X)[:n_points], np.asarray(y)[:n_points]
    for label, colour, marker in [(0, "#1d4ed8", "o"), (1, "#b91c1c", "^")]:
        ax.scatter(*X[y == label].T, s=9, c=colour, marker=marker, lw=0,
                   label=f"label {label}")
    ax.set(xlim=(G1.min(), G1.max()), ylim=(G2.min(), G2.max()), xlabel="$x_1$",
           ylabel="$x_2$")
    return filled


def plot_network(weights, node_labels, ax=None, layer_names=None):
    """Draw a small layered network: circles for units, lines labelled with weights.

    ``weights`` lists W_1..W_L, each (n_l, n_{l-1}); ``node_labels[l]`` holds one string
    per unit of layer l (inputs first). Returns the axes.
    """
    ax = _axes(ax, figsize=(6, 3.2))
    sizes = [np.shape(weights[0])[1]] + [np.shape(W)[0] for W in weights]
    if [len(labels) for labels in node_labels] != sizes:
        raise ValueError(f"node_labels must have {sizes} entries per layer")
    # unit k of layer l sits at (l, centred row k)
    pos = [[(l, (n - 1) / 2 - k) for k in range(n)] for l, n in enumerate(sizes)]
    for l, W in enumerate(weights, start=1):
        for j, (x1, y1) in enumerate(pos[l]):
            for k, (x0, y0) in enumerate(pos[l - 1]):
                ax.plot([x0, x1], [y0, y1], color="#6b7280", lw=1, zorder=1)
                t = 0.3 if j == k else 0.7   # staggered, so crossing lines stay legible
                ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), f"{W[j][k]:g}",
                        fontsize=8.5, ha="center", va="center",
                        bbox=dict(fc="white", ec="none", pad=0.5))
    for l, layer in enumerate(pos):
        for (x, y), label in zip(layer, node_labels[l]):
            ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=3,
                    bbox=dict(boxstyle="circle,pad=0.6", fc="#e0f2fe", ec="#0c4a6e"))
        if layer_names:
            ax.text(l, -max(sizes) / 2 - 0.15, layer_names[l], ha="center", fontsize=9)
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-max(sizes) / 2 - 0.35, max(sizes) / 2)
    ax.axis("off")
    return ax


# ------------------------------------------------------------------ recurrent nets
RNN_PATTERNS = {  # name -> (input at step t?, output at step t?) for t = 1..T
    "one to many\n(caption an image)": ([1, 0, 0, 0], [1, 1, 1, 1]),
    "many to one\n(classify a sentence)": ([1, 1, 1, 1], [0, 0, 0, 1]),
    "many to many, delayed\n(translate)": ([1, 1, 1, 0, 0], [0, 0, 0, 1, 1]),
    "many to many, in step\n(label every frame)": ([1, 1, 1, 1], [1, 1, 1, 1]),
}


def plot_rnn_patterns(axes=None):
    """The sequence tasks an RNN can be wired for: inputs (bottom), hidden states
    (middle, joined left to right by the recurrence), outputs (top)."""
    if axes is None:
        _, axes = plt.subplots(1, len(RNN_PATTERNS), figsize=(12, 3.2))
    colours = {"x": "#fecaca", "h": "#bbf7d0", "y": "#bfdbfe"}
    for ax, (name, (inputs, outputs)) in zip(axes, RNN_PATTERNS.items()):
        for t, (has_x, has_y) in enumerate(zip(inputs, outputs)):
            for row, key, present in [(0, "x", has_x), (1, "h", True), (2, "y", has_y)]:
                if present:
                    ax.add_patch(plt.Rectangle((t - 0.3, row - 0.3), 0.6, 0.6,
                                               fc=colours[key], ec="#374151"))
                    ax.text(t, row, f"${key}_{t + 1}$", ha="center", va="center",
                            fontsize=9)
            arrow = dict(arrowstyle="-|>", color="#374151")
            if has_x:
                ax.annotate("", xy=(t, 0.7), xytext=(t, 0.3), arrowprops=arrow)
            if has_y:
                ax.annotate("", xy=(t, 1.7), xytext=(t, 1.3), arrowprops=arrow)
            if t > 0:
                ax.annotate("", xy=(t - 0.3, 1), xytext=(t - 0.7, 1), arrowprops=arrow)
        ax.set(xlim=(-0.6, 4.6), ylim=(-0.5, 2.5), title=name)
        ax.title.set_fontsize(9.5)
        ax.set_aspect("equal")
        ax.axis("off")
    return axes


def plot_gradient_flow(norms: dict, ax=None):
    """||dJ/dh_t|| against the distance T - t, one line per label, on a log scale."""
    ax = _axes(ax, figsize=(6, 3.6))
    for label, values in norms.items():
        ax.semilogy(np.arange(len(values)), values, label=label)
    ax.axhline(1.0, color="gray", lw=0.6)
    ax.set(xlabel="steps back in time, T - t", ylabel=r"$\|\partial J/\partial h_t\|$")
    ax.legend(fontsize=8)
    return ax


def coloured_text_html(text: str, values, max_width: int = 900) -> str:
    """HTML that shades each character of ``text`` by its value: red for positive, blue
    for negative, stronger for larger magnitude (values scaled by their largest
    |value|).

    Used in chapter 08 to show what one hidden unit of a character model responds to.
    """
    values = np.asarray(values, dtype=float)
    if values.shape != (len(text),):
        raise ValueError(f"need one value per character: {len(text)} characters, "
                         f"values of shape {values.shape}")
    scaled = values / (np.abs(values).max() + 1e-12)
    spans = []
    for ch, v in zip(text, scaled):
        rgb = "220,38,38" if v > 0 else "37,99,235"
        shown = "⏎<br>" if ch == "\n" else html.escape(ch)
        style = f"background: rgba({rgb},{abs(v):.2f})"
        spans.append(f'<span style="{style}">{shown}</span>')
    return (f'<div style="font-family: monospace; font-size: 12px; line-height: 1.5; '
            f'max-width: {max_width}px">{"".join(spans)}</div>')


TIMELINE_COLORS = {"education": "#93c5fd", "position": "#fca5a5", "research": "#1d4ed8",
                   "teaching": "#15803d", "code": "#7c3aed", "essay": "#b45309"}


YEARS_PER_CHARACTER = 0.16   # width of a 7.5-point character on the default timeline


def plot_timeline(events, ax=None, first_year: int = 2004, last_year: int = 2027):
    """One lane per kind of event (timeline.KINDS): spans as bars (hatched to the edge
    when ongoing), dated items as dots. A label longer than its bar goes above or below
    it, alternately.

    Items of the same lane and year are spread across that year, and their labels cycle
    through four heights (two above the lane, two below) so that neighbours stay
    legible.
    """
    from .timeline import KINDS, check_events, events_of

    check_events(events)
    ax = _axes(ax, figsize=(11, 6.5))
    lanes = [k for k in KINDS if events_of(k, events)]
    spacing, offsets = 1.6, (0.3, -0.3, 0.62, -0.62)
    for row, kind in enumerate(reversed(lanes)):
        y, color = row * spacing, TIMELINE_COLORS[kind]
        items = events_of(kind, events)
        dated = [e for e in items if e.end is None and not e.ongoing]
        outside = 0                       # labels too long for their bar so far
        for event in (e for e in items if e.end is not None or e.ongoing):
            end = last_year if event.ongoing else event.end   # no end: to the edge
            ax.barh(y, end - event.start, left=event.start, height=0.55, color=color,
                    edgecolor="#374151", linewidth=0.6,
                    hatch="//" if event.ongoing else None)
            if len(event.label) * YEARS_PER_CHARACTER > end - event.start:
                dy = 0.4 if outside % 2 == 0 else -0.4    # above, then below, the bar
                outside += 1
                x = min((event.start + end) / 2,                 # inside the axes
                        last_year - len(event.label) * YEARS_PER_CHARACTER / 2)
                ax.text(x, y + dy, event.label, ha="center",
                        va="bottom" if dy > 0 else "top", fontsize=7.5)
            elif event.ongoing:  # label at the start, clear of dated items further on
                ax.text(event.start + 0.15, y, event.label, ha="left", va="center",
                        fontsize=7.5, bbox={"color": "white", "pad": 0.5})
            else:
                ax.text((event.start + end) / 2, y, event.label, ha="center",
                        va="center", fontsize=7.5)
        for i, event in enumerate(dated):
            same_year = [e for e in dated if e.start == event.start]
            x = event.start + (same_year.index(event) + 1) / (len(same_year) + 1)
            dy = offsets[i % len(offsets)]
            ax.plot(x, y, "o", color=color, ms=7, mec="white", mew=1.2,
                    zorder=3)                                   # over the bars
            ax.plot([x, x], [y, y + dy * 0.8], color=color, lw=0.6)
            ax.text(x, y + dy, event.label, ha="center",
                    va="bottom" if dy > 0 else "top", fontsize=7, color="#111827")
    ax.set_yticks([row * spacing for row in range(len(lanes))], list(reversed(lanes)))
    ax.set_xlim(first_year, last_year)
    ax.set_ylim(-1.1, (len(lanes) - 1) * spacing + 1.1)
    ax.set_xticks(range(first_year + 1, last_year, 2))
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax

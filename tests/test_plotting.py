import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlbook import data, plotting  # noqa: E402


def test_widget_figures_are_shown_with_alt_text(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from dlbook import widgets
    shown = []
    shell = InteractiveShell.instance()
    shell.display_pub.publish = lambda data, **kw: shown.append(data)
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    widgets.show_figure(fig, alt='A rising "line".')
    html = shown[-1]["text/html"]
    assert html.startswith('<img alt="A rising &quot;line&quot;." src="data:image/png;base64,')
    assert not plt.get_fignums()                       # the figure was closed


def test_plot_helpers_return_what_they_drew():
    from dlbook.concepts import CONCEPT_EDGES, CONCEPT_NODES

    fig, ax = plt.subplots()
    assert plotting.plot_concept_map(ax=ax) is ax
    assert len(ax.texts) == len(CONCEPT_NODES) + 2 * len(CONCEPT_EDGES)  # boxes, arrows, labels
    fig, ax = plt.subplots()
    dots = plotting.plot_ring_samples(np.zeros((5, 2)), ax=ax)
    assert dots in ax.collections and len(dots.get_offsets()) == 5
    assert len(ax.patches) == 8                                      # the ring's centres
    fig, ax = plt.subplots()
    plotting.plot_ring_samples(np.zeros((5, 2)), ax=ax, lim=5, std=0.05,
                               centres=data.grid_centres())
    assert len(ax.patches) == 25 and ax.patches[0].get_radius() == pytest.approx(0.15)
    x = np.linspace(-1, 1, 11)
    line = plotting.plot_gan_densities(x, np.ones(11), np.ones(11), np.full(11, 0.5), ax=ax)
    assert line.axes is not ax and np.allclose(line.get_ydata(), 0.5)   # D on its own axis
    plt.close("all")

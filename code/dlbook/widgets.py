"""ipywidgets front-ends. This is the only module that imports ipywidgets, so the rest
of the package imports headless (in tests, scripts and on machines without Jupyter).

Each function returns a widget; the notebook displays it. When the notebook is executed
with widget state saved, the static book shows the controls and their first figure.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .activations import ACTIVATIONS
from .gan import gaussian_pdf, jensen_shannon, optimal_discriminator, value_function
from .plotting import plot_gan_densities, plot_neuron


def neuron_explorer(w1: float = 1.0, w2: float = -0.5, b: float = 0.0,
                    activation: str = "sigmoid") -> widgets.Widget:
    """Sliders for a neuron's two weights and bias, and a menu for its activation."""
    style = {"description_width": "initial"}
    controls = {
        "w1": widgets.FloatSlider(value=w1, min=-3, max=3, step=0.1, description="w₁", style=style),
        "w2": widgets.FloatSlider(value=w2, min=-3, max=3, step=0.1, description="w₂", style=style),
        "b": widgets.FloatSlider(value=b, min=-3, max=3, step=0.1, description="bias b",
                                 style=style),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="activation", style=style),
    }

    def draw(w1, w2, b, activation):
        fig, ax = plt.subplots(figsize=(4.6, 3.6))
        plot_neuron(np.array([w1, w2]), b, activation, ax=ax)
        plt.show()

    out = widgets.interactive_output(draw, controls)
    return widgets.HBox([widgets.VBox(list(controls.values())), out])


def gan_explorer(data_mean: float = 2.0, data_std: float = 0.5) -> widgets.Widget:
    """Move the generator's Gaussian and watch the optimal discriminator respond."""
    x = np.linspace(-8, 8, 3201)  # wide enough that every density integrates to 1
    dx = x[1] - x[0]
    p_data = gaussian_pdf(x, data_mean, data_std)
    style = {"description_width": "initial"}
    controls = {
        "mean": widgets.FloatSlider(value=-1.0, min=-2, max=4, step=0.1,
                                    description="generator mean", style=style),
        "std": widgets.FloatSlider(value=1.0, min=0.2, max=2, step=0.05,
                                   description="generator std", style=style),
    }

    def draw(mean, std):
        p_g = gaussian_pdf(x, mean, std)
        D = optimal_discriminator(p_data, p_g)
        fig, ax = plt.subplots(figsize=(6, 3.2))
        plot_gan_densities(x, p_data, p_g, D, ax=ax)
        ax.set_xlim(-4, 6)
        V, js = value_function(D, p_data, p_g, dx), jensen_shannon(p_data, p_g, dx)
        ax.set_title(f"V(D*, G) = {V:.3f}   (-log 4 = {-np.log(4):.3f}),   JS = {js:.3f}",
                     fontsize=9)
        plt.show()

    out = widgets.interactive_output(draw, controls)
    return widgets.VBox([widgets.HBox(list(controls.values())), out])

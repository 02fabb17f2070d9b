"""dlbook: the shared package of the book "Karpathy's ideas, checked and built".

Modules (one per model family, NumPy and PyTorch versions side by side):

- ``utils``: ``set_seed``, ``get_device``, and the package's own seeded generators
- ``training``: the update step every training loop shares (``sgd_step``, ``update``)
- ``data``: offline data loaders (tiny Shakespeare, digits, 2-D mixtures, time series)
- ``activations``: activation functions and their derivatives (chapters 02-03)
- ``mlp``: the multilayer perceptron, NumPy ``MLP`` and ``TorchMLP``, one ``train`` loop
  (chapter 03)
- ``gradcheck``: finite-difference and relative-error checks of backward passes (chapters 03-06)
- ``concepts``: the small demonstrations of chapter 02 and its concept map
- ``rnn``: the vanilla RNN with BPTT, NumPy ``RNN`` and ``TorchRNN`` (chapter 04)
- ``gated_cells``: LSTM and GRU cells from scratch with BPTT, and their PyTorch twins
  (chapter 04)
- ``gated``: vanilla, LSTM and GRU cells on the adding problem, in PyTorch (chapter 04)
- ``vae``: the VAE's ELBO and its backward pass in NumPy, ``TorchVAE`` (and a plain
  autoencoder) (chapter 05)
- ``forecast``: time-ordered splits, baselines and a GRU forecaster (chapter 07)
- ``charlm``: character-level models of tiny Shakespeare, baselines to LSTM (chapter 08)
- ``gan``: the GAN's value function and optimal discriminator (chapter 06)
- ``gan_training``: MLP GANs on two Gaussian mixtures and on digits, WGAN-GP (chapter 06)
- ``timeline``: Karpathy's career and work as a sourced table (chapter 01)
- ``compute``: published training-compute figures and doubling times (chapter 11)
- ``plotting``: figure helpers; ``animations``: training as slider players;
  ``widgets``: ipywidgets front-ends (imports ipywidgets)
"""
from .utils import get_device, set_seed

__version__ = "0.1.0"
__all__ = ["set_seed", "get_device", "__version__"]

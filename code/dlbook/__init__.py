"""dlbook: the shared package of the book "Karpathy's ideas, checked and built".

Modules, in the order of the book (one per model family, NumPy and PyTorch versions
side by side):

- ``utils``: ``set_seed``, ``get_device``, the package's own seeded generators, and
  ``as_tensor_for`` (an input on its model's device)
- ``training``: the update step every training loop shares (``sgd_step``, ``update``)
  and ``fit``, the one epoch loop of the PyTorch models
- ``data``: offline data loaders (tiny Shakespeare, digits, 2-D mixtures, time series,
  the sea-surface temperature of chapter 07)
- ``activations``: activation functions and their derivatives (chapters 02-03)
- ``concepts``: the small demonstrations of chapter 02 and its concept map
- ``mlp``: the multilayer perceptron, NumPy ``MLP`` and ``TorchMLP`` (chapter 03)
- ``gradcheck``: finite-difference and relative-error checks of backward passes
  (chapters 03-06)
- ``conv``: 2-D convolution (as loops, and by im2col) and max pooling, forward and
  backward, tested against ``torch.nn.functional`` (convolutional networks)
- ``rnn``: the vanilla RNN with BPTT, NumPy ``RNN`` and ``TorchRNN`` (chapter 04)
- ``gated``: LSTM and GRU cells from scratch with BPTT, their PyTorch twins, and
  ``SequenceRegressor`` on PyTorch's cells (chapters 04, 07)
- ``memory``: how far back each cell remembers: the adding problem (chapter 04)
- ``vae``: the VAE's ELBO and its backward pass in NumPy, ``TorchVAE`` (and a plain
  autoencoder) (chapter 05)
- ``ppca``: probabilistic PCA, the linear-Gaussian model with an exact posterior
  (chapter 05)
- ``gan``: the GAN game in closed form, and a 1-D GAN with its gradients by hand
  (chapters 02, 06)
- ``gan_torch``: GANs of MLPs in PyTorch on two Gaussian mixtures and on digits,
  WGAN-GP (chapter 06)
- ``forecast``: time-ordered splits, forecast-origin windows, baselines, a window MLP
  and a GRU forecaster, errors by horizon (chapter 07)
- ``charlm``: character-level models of tiny Shakespeare, counts to LSTM (chapter 08);
  ``ngram``: Kneser-Ney n-gram models (chapter 08)
- ``conv``: convolution and max pooling, loops and im2col, forward and backward;
  ``cnn``: a small CNN, NumPy and PyTorch twins, saliency and occlusion (chapter 09)
- ``gpt``: causal self-attention, layer norm and the Transformer block forward and
  backward, a GPT in NumPy and in PyTorch, the shipped Shakespeare model (chapter 10)
- ``timeline``: Karpathy's career and work as a sourced table (chapter 01)
- ``compute``: published training-compute figures and doubling times (chapter 13)
- ``scaling``: isoFLOP runs of the character LSTM and compute-optimal sizes (chapter 13)
- ``plotting``: figure helpers; ``animations``: training as slider players;
  ``widgets``: ipywidgets front-ends (the only module that imports ipywidgets)
"""
from .utils import get_device, set_seed

__version__ = "0.1.0"
__all__ = ["set_seed", "get_device", "__version__"]

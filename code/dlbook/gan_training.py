"""GANs of multilayer perceptrons in PyTorch: the 8-Gaussian ring and digits (chapter 06).

One training loop serves every variant in the chapter's ablation. The ingredients, each
switched by a field of ``GANConfig``:

- the non-saturating generator loss (Goodfellow et al. 2014), always on;
- packing (PacGAN, Lin et al. 2018): the discriminator judges ``pack`` samples at once,
  concatenated, so a generator that repeats itself is easy to spot;
- a learning rate that decays linearly to 2% of its start over the run;
- the latent distribution: ``"gaussian"`` z ~ N(0, I), or ``"mixture"``, a one-hot code
  for one of ``n_components`` equally likely components beside small Gaussian noise.
  A continuous G maps a connected latent space onto a connected set, so with Gaussian
  z it must leave a trail of samples between separated modes; a discrete code lets it
  jump (chapter 06 explains the argument and shows the trails).

The ring metrics follow VEEGAN (Srivastava et al. 2017) and PacGAN: a sample is high
quality if it lies within 3 standard deviations of its nearest centre; a mode is captured
if it is the nearest centre of at least one high-quality sample.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from importlib import resources

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from ._checks import check_array, check_choice, check_float, check_int
from .data import ring_centres
from .gan import GENERATOR_LOSSES
from .training import update
from .utils import seeded, torch_generator

LATENTS = ("gaussian", "mixture")
RING_STD = 0.01


# ------------------------------------------------------------------------ metrics
def ring_metrics(samples, centres=None, std: float = RING_STD) -> dict:
    """Modes captured and the fraction of high-quality samples, plus two diagnostics.

    ``counts[k]`` is the number of high-quality samples nearest centre k (mode balance);
    ``spread`` is the root-mean-square per-axis distance of high-quality samples from
    their centre: 0.974 ``std`` for samples drawn from the data (the cut at 3 std trims
    their tails). A too-narrow generator has a smaller spread and scores a higher
    high-quality fraction than the data itself.
    """
    samples = check_array("samples", samples, ndim=2)
    if samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"samples must have shape (n, 2) with n > 0, got {samples.shape}")
    centres = ring_centres() if centres is None else check_array("centres", centres, ndim=2)
    std = check_float("std", std, minimum=0.0, strict=True)
    distance = np.linalg.norm(samples[:, None, :] - centres[None], axis=2)
    nearest, d_min = distance.argmin(axis=1), distance.min(axis=1)
    good = d_min < 3 * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    spread = float(np.sqrt(np.mean(d_min[good] ** 2) / 2)) if good.any() else float("nan")
    return {"modes": int((counts > 0).sum()), "high_quality": float(good.mean()),
            "counts": counts.tolist(), "spread": spread}


# ------------------------------------------------------------------------- models
def relu_mlp(sizes, out: nn.Module | None = None) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them (and ``out`` at the end)."""
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    if out is not None:
        layers.append(out)
    return nn.Sequential(*layers)


@dataclass
class GANConfig:
    """A GAN recipe. The defaults are the chapter's recipe for the ring."""
    steps: int = 6000
    batch_size: int = 512
    lr_g: float = 5e-4
    lr_d: float = 5e-4
    d_steps: int = 1               # discriminator updates per generator update
    pack: int = 2                  # 1 = an ordinary discriminator
    decay: bool = True             # linear learning-rate decay to 2%
    latent: str = "mixture"
    noise_dim: int = 2
    n_components: int = 16         # mixture latent only
    noise_std: float = 0.1         # mixture latent only: the Gaussian part's scale
    hidden: int = 128
    depth: int = 2                 # hidden layers in each player
    generator_loss: str = "non-saturating"

    def __post_init__(self):
        for name in ("steps", "batch_size", "d_steps", "pack", "noise_dim",
                     "n_components", "hidden", "depth"):
            check_int(name, getattr(self, name), minimum=1)
        for name in ("lr_g", "lr_d", "noise_std"):
            check_float(name, getattr(self, name), minimum=0.0, strict=True)
        check_choice("latent", self.latent, LATENTS)
        check_choice("generator_loss", self.generator_loss, GENERATOR_LOSSES)

    @property
    def latent_dim(self) -> int:
        return self.noise_dim + (self.n_components if self.latent == "mixture" else 0)


class LatentSampler:
    """Draws z for the generator: Gaussian, or a one-hot component code beside noise.

    The numbers come from a CPU ``generator`` and are moved to ``device``, so a seed
    gives the same latents on every device."""

    def __init__(self, config: GANConfig, generator: torch.Generator,
                 device: str | torch.device = "cpu"):
        self.config, self.generator, self.device = config, generator, torch.device(device)

    def __call__(self, n: int) -> torch.Tensor:
        c, rng = self.config, self.generator
        if c.latent == "gaussian":
            return torch.randn(n, c.noise_dim, generator=rng).to(self.device)
        component = torch.randint(0, c.n_components, (n,), generator=rng)
        noise = c.noise_std * torch.randn(n, c.noise_dim, generator=rng)
        z = torch.cat([nn.functional.one_hot(component, c.n_components).float(), noise], 1)
        return z.to(self.device)


@dataclass
class GANRun:
    """A trained GAN: the generator, its latent sampler, the discriminator and a history."""
    generator: nn.Module
    sample_latent: LatentSampler
    discriminator: nn.Module | None                 # None for a loaded generator
    config: GANConfig
    losses: np.ndarray                              # (steps, 2): L_D and L_G
    snapshots: list = field(default_factory=list)   # (step, samples) pairs

    @torch.no_grad()
    def sample(self, n: int) -> np.ndarray:
        return self.generator(self.sample_latent(check_int("n", n, minimum=1))).cpu().numpy()


def ring_sampler(generator: torch.Generator, std: float = RING_STD,
                 device: str | torch.device = "cpu"):
    """Real data: fresh draws from the 8-Gaussian ring at every call (an endless dataset),
    made with the CPU ``generator`` and moved to ``device``."""
    centres = torch.tensor(ring_centres(), dtype=torch.float32)

    def sample(n: int) -> torch.Tensor:
        k = torch.randint(0, len(centres), (n,), generator=generator)
        return (centres[k] + std * torch.randn(n, 2, generator=generator)).to(device)
    return sample


def dataset_sampler(X, generator: torch.Generator, device: str | torch.device = "cpu"):
    """Real data: minibatches drawn with replacement from a fixed array ``X``, kept on
    ``device``; the row numbers come from the CPU ``generator``."""
    X = torch.as_tensor(check_array("X", X, ndim=2), dtype=torch.float32, device=device)

    def sample(n: int) -> torch.Tensor:
        return X[torch.randint(0, len(X), (n,), generator=generator).to(X.device)]
    return sample


def build_players(config: GANConfig, dim: int = 2, out: nn.Module | None = None):
    """The generator (latent -> data, with ``out`` on top) and the discriminator
    (``pack`` data points -> one logit), both ``depth`` hidden ReLU layers wide ``hidden``."""
    c = config
    G = relu_mlp([c.latent_dim] + [c.hidden] * c.depth + [dim], out)
    D = relu_mlp([dim * c.pack] + [c.hidden] * c.depth + [1])
    return G, D


def discriminator_loss(D, real: torch.Tensor, fake: torch.Tensor, pack: int = 1):
    """L_D = -mean log D(x) - mean log(1 - D(G(z))) (eq-loss-d), as two binary
    cross-entropies on the logits: real batches labelled 1, fake ones 0. The
    discriminator judges ``pack`` consecutive samples at once."""
    s_real = D(real.reshape(-1, real.shape[1] * pack))
    s_fake = D(fake.reshape(-1, fake.shape[1] * pack))
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(s_real, torch.ones_like(s_real)) + bce(s_fake, torch.zeros_like(s_fake))


def generator_loss(D, fake: torch.Tensor, pack: int = 1,
                   kind: str = "non-saturating") -> torch.Tensor:
    """L_G on the discriminator's logits for a fake batch: -mean log D(G(z))
    (non-saturating, eq-loss-g-ns) or mean log(1 - D(G(z))) (saturating, eq-loss-g-sat)."""
    s_fake = D(fake.reshape(-1, fake.shape[1] * pack))
    bce = nn.functional.binary_cross_entropy_with_logits
    if kind == "non-saturating":
        return bce(s_fake, torch.ones_like(s_fake))                # -log D(G(z))
    return -bce(s_fake, torch.zeros_like(s_fake))                  # log(1 - D(G(z)))


def gan_step(G, D, opt_g, opt_d, sample_real, sample_latent, c: GANConfig):
    """One step of the game: ``d_steps`` updates of D on a real and a fake batch, then
    one update of G through the updated D. Returns (L_D, L_G) as floats."""
    n = c.batch_size * c.pack
    for _ in range(c.d_steps):
        real = sample_real(n)
        with torch.no_grad():                    # D's step leaves G alone
            fake = G(sample_latent(n))
        loss_d = update(opt_d, discriminator_loss(D, real, fake, c.pack))
    fake = G(sample_latent(n))                   # a fresh batch, with gradients into G
    loss_g = update(opt_g, generator_loss(D, fake, c.pack, c.generator_loss))
    return loss_d, loss_g


def train_gan(config: GANConfig | None = None, *, data=None, seed: int = 0,
              snapshot_every: int = 0, n_snapshot: int = 1000,
              device: str | torch.device = "cpu", progress: bool = False) -> GANRun:
    """Train a GAN on the ring (``data=None``) or on the rows of an array ``data``.

    Each step is ``gan_step``; both players use Adam with beta1 = 0.5 (Radford et al.
    2016). With ``snapshot_every`` > 0 the run keeps ``n_snapshot`` generated samples
    every that many steps (for animations), drawn from a fixed latent batch. ``device``
    places the players and the data (``"cuda"`` for the GPU cell). The players'
    initial weights and every random number come from ``seed`` (drawn on the CPU), so
    a seed gives the same run's inputs on every device; torch's global generator is
    left as it was.
    """
    config = GANConfig() if config is None else config
    if not isinstance(config, GANConfig):
        raise TypeError(f"config must be a GANConfig, got {type(config).__name__}")
    snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)
    device = torch.device(device)
    rng = torch_generator(seed)
    if data is None:
        sample_real, dim, out = ring_sampler(rng, device=device), 2, None
    else:
        data = check_array("data", data, ndim=2)
        if data.min() < 0 or data.max() > 1:
            raise ValueError("data must lie in [0, 1] (the generator ends in a sigmoid), "
                             f"got values from {data.min():g} to {data.max():g}")
        sample_real, dim, out = (dataset_sampler(data, rng, device), data.shape[1],
                                 nn.Sigmoid())
    c = config
    with seeded(seed):
        G, D = build_players(c, dim, out)
    G, D = G.to(device), D.to(device)
    sample_latent = LatentSampler(c, rng, device)
    opt_g = torch.optim.Adam(G.parameters(), lr=c.lr_g, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=c.lr_d, betas=(0.5, 0.999))
    schedules = [torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: max(0.02, 1.0 - k / c.steps) if c.decay else 1.0)
        for opt in (opt_g, opt_d)]
    fixed_z = sample_latent(n_snapshot) if snapshot_every else None
    losses, snapshots = np.zeros((c.steps, 2)), []
    for step in trange(c.steps, desc="steps", disable=not progress):
        if fixed_z is not None and step % snapshot_every == 0:
            with torch.no_grad():
                snapshots.append((step, G(fixed_z).cpu().numpy()))
        losses[step] = gan_step(G, D, opt_g, opt_d, sample_real, sample_latent, c)
        for schedule in schedules:
            schedule.step()
    if fixed_z is not None:
        with torch.no_grad():
            snapshots.append((c.steps, G(fixed_z).cpu().numpy()))
    return GANRun(G, sample_latent, D, c, losses, snapshots)


# The chapter's ablation: each row adds one ingredient to the one above; the last rows
# take one back out of the recipe, or change the mixture's size.
VANILLA = GANConfig(pack=1, decay=False, latent="gaussian")
ABLATION = {
    "vanilla GAN": VANILLA,
    "+ packing (PacGAN2)": replace(VANILLA, pack=2),
    "+ learning-rate decay": replace(VANILLA, pack=2, decay=True),
    "+ mixture latent (recipe)": GANConfig(),
    "recipe without packing": GANConfig(pack=1),
    "recipe without decay": GANConfig(decay=False),
    "recipe, 8 components": GANConfig(n_components=8),
    "recipe, 64 components": GANConfig(n_components=64),
}

# The two ring generators the chapter loads: seed 0 of these rows of the benchmark.
SHIPPED = {"gaussian": "+ learning-rate decay", "mixture": "+ mixture latent (recipe)"}


def save_generators(runs: dict[str, GANRun], path) -> None:
    """Store generators with their configs (plain types and tensors only)."""
    torch.save({name: {"config": asdict(run.config), "state": run.generator.state_dict()}
                for name, run in runs.items()}, path)


def load_ring_generators() -> dict[str, GANRun]:
    """The ring generators shipped with the package (``benchmarks/gan_ring.py``
    ``--save-generators``), as runs without a discriminator or history."""
    path = resources.files("dlbook") / "assets" / "ring_generators.pt"
    with resources.as_file(path) as file:
        stored = torch.load(file, weights_only=True)
    runs = {}
    for name, item in stored.items():
        config = GANConfig(**item["config"])
        G, _ = build_players(config)
        G.load_state_dict(item["state"])
        G.eval()
        runs[name] = GANRun(G, LatentSampler(config, torch_generator(0)),
                            None, config, np.zeros((0, 2)))
    return runs


def benchmark_figures() -> dict:
    """The figures of ``benchmarks/gan_ring.py --ablation`` as shipped with the package
    (the chapter's ablation table: 5 seeds of the recipe take minutes, not seconds)."""
    path = resources.files("dlbook") / "assets" / "gan_ring.json"
    return json.loads(path.read_text())
